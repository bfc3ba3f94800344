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

// ResultHandler receives a streamed query result.
type ResultHandler struct {
	// Columns is called once, before the first row (also for an empty
	// result); nil skips it.
	Columns func(cols []Column) error
	// Row is called for each row, in order. Numbers are json.Number; the map
	// is the caller's to keep.
	Row func(row map[string]any) error
}

// StreamResult reads a stored result by id and hands its rows to h one at a
// time, so that a large result is never held in memory whole. It returns the
// result's other fields (Data.Rows stays empty). Python 2 servers (v4–v8) do
// not order JSON keys: when rows come before columns, the rows are held until
// the columns arrive. The response is retried only until its body starts
// (429 and 502/503/504, network errors); a body that breaks off later is an
// error that matches io.ErrUnexpectedEOF, and the caller starts again. The
// stream holds one of the client's in-flight slots until StreamResult
// returns, so h should not wait for other requests of the same client when
// its concurrency is 1. The client's timeout (WithTimeout) bounds the whole
// stream.
//
// Redash API: GET /api/query_results/{id}
func (s *QueriesService) StreamResult(ctx context.Context, resultID int, h ResultHandler) (*QueryResult, error) {
	res, err := s.client.streamResult(ctx, "api/query_results/"+strconv.Itoa(resultID), h)
	if err != nil {
		return nil, fmt.Errorf("stream query result %d: %w", resultID, err)
	}
	return res, nil
}

func (c *Client) streamResult(ctx context.Context, path string, h ResultHandler) (*QueryResult, error) {
	resp, err := c.send(ctx, request{method: http.MethodGet, path: path, stream: true})
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
	body := &limitedReader{r: raw.Body, left: c.maxResult}
	dec := json.NewDecoder(body)
	dec.UseNumber()
	sr := resultStream{dec: dec, h: h}
	res, err := sr.run()
	if err != nil {
		if body.exceeded {
			return nil, fmt.Errorf("%w (limit %d MiB)", ErrBodyTooLarge, c.maxResult>>20)
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return res, nil
}

// limitedReader fails once more than left bytes were read.
type limitedReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		l.exceeded = true
		return 0, ErrBodyTooLarge
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

type resultStream struct {
	dec *json.Decoder
	h   ResultHandler

	cols     []Column
	colsSent bool
	pending  []map[string]any
}

func (s *resultStream) delim(want json.Delim) error {
	tok, err := s.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("decode result: expected %q, got %v", want, tok)
	}
	return nil
}

func (s *resultStream) key() (string, error) {
	tok, err := s.dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("decode result: expected a key, got %v", tok)
	}
	return k, nil
}

func (s *resultStream) run() (*QueryResult, error) {
	if err := s.delim('{'); err != nil {
		return nil, err
	}
	meta := map[string]json.RawMessage{}
	found := false
	for s.dec.More() {
		k, err := s.key()
		if err != nil {
			return nil, err
		}
		if k != "query_result" {
			var skip json.RawMessage
			if err := s.dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		found = true
		if err := s.delim('{'); err != nil {
			return nil, err
		}
		for s.dec.More() {
			k, err := s.key()
			if err != nil {
				return nil, err
			}
			if k == "data" {
				if err := s.data(); err != nil {
					return nil, err
				}
				continue
			}
			var v json.RawMessage
			if err := s.dec.Decode(&v); err != nil {
				return nil, err
			}
			meta[k] = v
		}
		if err := s.delim('}'); err != nil {
			return nil, err
		}
	}
	if err := s.delim('}'); err != nil {
		return nil, err
	}
	if !found {
		return nil, errors.New("decode result: the answer has no query_result")
	}
	if err := s.flush(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	var res QueryResult
	if err := unmarshal(b, &res); err != nil {
		return nil, err
	}
	res.Data.Columns = s.cols
	return &res, nil
}

func (s *resultStream) data() error {
	tok, err := s.dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil // "data": null
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("decode result: data is not an object")
	}
	for s.dec.More() {
		k, err := s.key()
		if err != nil {
			return err
		}
		switch k {
		case "columns":
			var w QueryResult
			var cols json.RawMessage
			if err := s.dec.Decode(&cols); err != nil {
				return err
			}
			if err := unmarshal([]byte(`{"data":{"columns":`+string(cols)+`}}`), &w); err != nil {
				return err
			}
			s.cols = w.Data.Columns
			if err := s.flush(); err != nil {
				return err
			}
		case "rows":
			if err := s.rows(); err != nil {
				return err
			}
		default:
			var skip json.RawMessage
			if err := s.dec.Decode(&skip); err != nil {
				return err
			}
		}
	}
	return s.delim('}')
}

func (s *resultStream) rows() error {
	tok, err := s.dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil // "rows": null
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("decode result: rows are not an array")
	}
	for s.dec.More() {
		var row map[string]any
		if err := s.dec.Decode(&row); err != nil {
			return err
		}
		if !s.colsSent {
			s.pending = append(s.pending, row)
			continue
		}
		if s.h.Row != nil {
			if err := s.h.Row(row); err != nil {
				return err
			}
		}
	}
	return s.delim(']')
}

// flush sends the columns (once) and any rows held back until then.
func (s *resultStream) flush() error {
	if !s.colsSent {
		s.colsSent = true
		if s.h.Columns != nil {
			if err := s.h.Columns(s.cols); err != nil {
				return err
			}
		}
	}
	for i, row := range s.pending {
		s.pending[i] = nil
		if s.h.Row != nil {
			if err := s.h.Row(row); err != nil {
				return err
			}
		}
	}
	s.pending = nil
	return nil
}
