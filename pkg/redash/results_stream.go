package redash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// SubmitRequest runs a saved query through Submit.
type SubmitRequest struct {
	// Parameters are sent to v7+ servers, which validate them against the
	// query's definitions. They must hold a value for every parameter:
	// Redash never applies the saved defaults.
	Parameters map[string]any
	// SQL, when set, is what v4–v6 servers run instead of the query's text:
	// the text with every parameter value filled in, as the web app of those
	// versions sent it. When empty, v4–v6 get the query's text with
	// Parameters as p_<name> arguments (as Execute does), which those
	// servers cannot apply to date ranges. v7+ servers ignore SQL.
	SQL string
	// MaxAge accepts a cached result at most that many seconds old: nil is
	// the server's default (any cached result of the same SQL), 0 always
	// runs the query.
	MaxAge *int
	// ApplyAutoLimit is sent to v10+ only.
	ApplyAutoLimit *bool
}

// Submission is the answer to Submit: a cached result or a job to wait for.
type Submission struct {
	// Result is set when Redash answered from its cache. It has every field
	// but the rows, which went to the handler given to Submit (or were
	// dropped): Data.Columns is filled, Data.Rows is empty. Its ID is 0
	// when the caller authenticated with a query API key (Redash then sends
	// only data and retrieved_at).
	Result *QueryResult
	// Job is set when the query was queued: Wait for it, then stream
	// StreamResult(job.QueryResultID).
	Job *Job
}

// Submit runs a saved query like Execute, but never holds a cached result's
// rows: it reads the answer as a stream. When Redash answers from its
// cache, the rows go to h one at a time, as StreamResult hands them over
// (h.Columns is called once, also for an empty result); with a zero h they
// are read and dropped, and can be streamed afterwards by the result's id.
// When the answer breaks off midway, the error matches io.ErrUnexpectedEOF
// and h may have received part of the rows: start again.
//
// Unlike Execute, Submit is retried on transient failures (429, 502–504,
// network errors before the answer starts): Redash hands back the job already
// running for the same SQL and data source (its per-query-hash lock) or the
// cached result, so a repeat does not start a second execution while the
// first is queued or running.
//
// Redash API: POST /api/queries/{id}/results (v7+), POST /api/query_results (v4–v6)
func (s *QueriesService) Submit(ctx context.Context, q Query, req SubmitRequest, h ResultHandler) (*Submission, error) {
	sub, err := s.submit(ctx, q, req, h)
	if err != nil {
		return nil, fmt.Errorf("run query %d: %w", q.ID, err)
	}
	return sub, nil
}

func (s *QueriesService) submit(ctx context.Context, q Query, req SubmitRequest, h ResultHandler) (*Submission, error) {
	v, err := s.client.Version(ctx)
	if err != nil {
		return nil, err
	}
	params := req.Parameters
	if params == nil {
		params = map[string]any{}
	}
	r := request{method: http.MethodPost, stream: true, idempotent: true}
	if v.HasResultsPost() {
		body := map[string]any{"parameters": params}
		if req.MaxAge != nil {
			body["max_age"] = *req.MaxAge
		}
		if req.ApplyAutoLimit != nil && v.Major >= 10 {
			body["apply_auto_limit"] = *req.ApplyAutoLimit
		}
		r.path = "api/queries/" + strconv.Itoa(q.ID) + "/results"
		r.body = body
	} else {
		if q.DataSourceID == nil {
			return nil, errors.New("the query has no data source")
		}
		sql := req.SQL
		if sql == "" {
			sql = q.SQL
			r.query = legacyParams(params)
		}
		body := map[string]any{"query": sql, "data_source_id": *q.DataSourceID, "query_id": q.ID}
		if req.MaxAge != nil {
			body["max_age"] = *req.MaxAge
		}
		r.path = "api/query_results"
		r.body = body
	}
	resp, err := s.client.send(ctx, r)
	if err != nil {
		return nil, err
	}
	raw := resp.RawResponse
	defer func() { _ = raw.Body.Close() }()
	if raw.StatusCode < 200 || raw.StatusCode >= 300 || mediaType(raw.Header.Get("Content-Type")) != "application/json" {
		prefix, _ := io.ReadAll(io.LimitReader(raw.Body, 64<<10))
		if err := classify(raw.Request, raw.StatusCode, raw.Header, prefix); err != nil {
			return nil, err
		}
	}
	body := &limitedReader{r: raw.Body, left: s.client.maxResult}
	dec := json.NewDecoder(body)
	dec.UseNumber()
	sub, err := decodeSubmitAnswer(dec, h)
	if err != nil {
		if body.exceeded {
			return nil, fmt.Errorf("%w (limit %d MiB)", ErrBodyTooLarge, s.client.maxResult>>20)
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("read the answer: %w", err)
	}
	return sub, nil
}

// decodeSubmitAnswer reads {"job": {...}} or {"query_result": {...}},
// handing the result's rows to h (or skipping them) one at a time.
func decodeSubmitAnswer(dec *json.Decoder, h ResultHandler) (*Submission, error) {
	if err := submitDelim(dec, '{'); err != nil {
		return nil, err
	}
	var sub Submission
	for dec.More() {
		k, err := submitKey(dec)
		if err != nil {
			return nil, err
		}
		switch k {
		case "job":
			var j Job
			if err := dec.Decode(&j); err != nil {
				return nil, err
			}
			sub.Job = &j
		case "query_result":
			res, err := submitResult(dec, h)
			if err != nil {
				return nil, err
			}
			sub.Result = res
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
		}
	}
	if err := submitDelim(dec, '}'); err != nil {
		return nil, err
	}
	// The decoder must reach the end of the body, so that a body cut off
	// right after the last brace of a value is still told from a whole one.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			return nil, errors.New("decode answer: unexpected data after the answer")
		}
		return nil, err
	}
	switch {
	case sub.Result != nil:
		return &Submission{Result: sub.Result}, nil
	case sub.Job != nil:
		return &Submission{Job: sub.Job}, nil
	}
	return nil, errors.New("decode answer: it has neither a result nor a job")
}

// submitResult reads a query_result object, keeping every field and the
// columns, and handing the rows to h (skipping them when h is zero).
func submitResult(dec *json.Decoder, h ResultHandler) (*QueryResult, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, errors.New("decode answer: query_result is null")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("decode answer: query_result is not an object")
	}
	stream := h.Columns != nil || h.Row != nil
	rs := resultStream{dec: dec, h: h}
	meta := map[string]json.RawMessage{}
	var cols json.RawMessage
	for dec.More() {
		k, err := submitKey(dec)
		if err != nil {
			return nil, err
		}
		switch {
		case k != "data":
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, err
			}
			meta[k] = v
		case stream:
			if err := rs.data(); err != nil {
				return nil, err
			}
		default:
			if cols, err = submitSkipData(dec); err != nil {
				return nil, err
			}
		}
	}
	if err := submitDelim(dec, '}'); err != nil {
		return nil, err
	}
	if len(cols) > 0 {
		meta["data"] = json.RawMessage(`{"columns":` + string(cols) + `}`)
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	var res QueryResult
	if err := unmarshal(b, &res); err != nil {
		return nil, fmt.Errorf("decode answer: %w", err)
	}
	if stream {
		// Columns go out (once) even for "data": null or an answer without
		// columns, like StreamResult does.
		if err := rs.flush(); err != nil {
			return nil, err
		}
		res.Data.Columns = rs.cols
	}
	return &res, nil
}

// submitSkipData reads a result's data object and returns its columns verbatim;
// rows are read and dropped one at a time.
func submitSkipData(dec *json.Decoder) (json.RawMessage, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("decode answer: data is not an object")
	}
	var cols json.RawMessage
	for dec.More() {
		k, err := submitKey(dec)
		if err != nil {
			return nil, err
		}
		if k == "rows" {
			if err := submitSkipRows(dec); err != nil {
				return nil, err
			}
			continue
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if k == "columns" {
			cols = v
		}
	}
	return cols, submitDelim(dec, '}')
}

// submitSkipRows drops an array (or null) element by element.
func submitSkipRows(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return errors.New("decode answer: rows are not an array")
	}
	var skip json.RawMessage
	for dec.More() {
		skip = skip[:0]
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return submitDelim(dec, ']')
}

func submitDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("decode answer: expected %q, got %v", want, tok)
	}
	return nil
}

func submitKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("decode answer: expected a key, got %v", tok)
	}
	return k, nil
}
