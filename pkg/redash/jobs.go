package redash

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// JobsService polls and cancels query executions.
type JobsService service

type jobEnvelope struct {
	Job *Job `json:"job"`
}

// Get returns a job's state. An unknown or expired id reads as pending
// forever on v4–v8 (Celery) and gives a 500 from v9 (RQ).
//
// Redash API: GET /api/jobs/{id}
func (s *JobsService) Get(ctx context.Context, id string) (*Job, error) {
	if id == "" {
		return nil, errors.New("get job: empty id")
	}
	var env jobEnvelope
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/jobs/" + url.PathEscape(id), out: &env}); err != nil {
		return nil, fmt.Errorf("get job %s: %w", id, err)
	}
	if env.Job == nil {
		return nil, fmt.Errorf("get job %s: the answer has no job", id)
	}
	if env.Job.ID == "" {
		env.Job.ID = id
	}
	return env.Job, nil
}

// Cancel asks Redash to cancel a job.
//
// Redash API: DELETE /api/jobs/{id}
func (s *JobsService) Cancel(ctx context.Context, id string) error {
	if err := s.client.do(ctx, request{method: http.MethodDelete, path: "api/jobs/" + url.PathEscape(id), idempotent: true}); err != nil {
		return fmt.Errorf("cancel job %s: %w", id, err)
	}
	return nil
}

// WaitOptions bounds Wait.
type WaitOptions struct {
	// PollInterval is the pause between polls; 0 means 1s.
	PollInterval time.Duration
	// Timeout ends the wait; 0 means 10 minutes. Polling is always bounded:
	// Celery reports an unknown job as pending forever.
	Timeout time.Duration
}

// Wait polls a job until it finishes, fails, is cancelled, the timeout passes
// or ctx ends. A failed or cancelled job gives a *JobError with Redash's
// message (a cancelled job reports as failed before v25). On success, read
// the result by the job's QueryResultID.
//
// Redash API: GET /api/jobs/{id}
func (s *JobsService) Wait(ctx context.Context, id string, opts WaitOptions) (*Job, error) {
	poll := opts.PollInterval
	if poll <= 0 {
		poll = time.Second
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Minute
	}
	deadline := time.Now().Add(timeout)
	for {
		job, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case job.Status == JobFinished:
			return job, nil
		case job.Status.Running():
		default:
			status := job.Status
			if status == JobFailed && strings.Contains(strings.ToLower(job.Error), "cancel") {
				status = JobCancelled
			}
			return job, &JobError{JobID: id, Status: status, Message: oneLine(job.Error, 500)}
		}
		if err := ctx.Err(); err != nil {
			return job, fmt.Errorf("wait for job %s: %w", id, err)
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			return job, fmt.Errorf("wait for job %s: still %s after %s", id, job.Status, timeout)
		}
		t := time.NewTimer(min(poll, remaining))
		select {
		case <-ctx.Done():
			t.Stop()
			return job, fmt.Errorf("wait for job %s: %w", id, ctx.Err())
		case <-t.C:
		}
	}
}

// ExecuteRequest runs a saved query.
type ExecuteRequest struct {
	// Parameters must hold a value for every parameter: Redash never applies
	// the saved defaults. Date ranges are {"start": …, "end": …}.
	Parameters map[string]any
	// MaxAge accepts a cached result at most that many seconds old: nil is
	// the server's default (any cached result with the same SQL), 0 always
	// runs the query.
	MaxAge *int
	// ApplyAutoLimit is sent to v10+ only.
	ApplyAutoLimit *bool
}

// ExecuteResponse is either a cached result or a job to wait for.
type ExecuteResponse struct {
	// Result is set when Redash answered from its cache.
	Result *QueryResult
	// Job is set when the query was queued; Wait for it, then read
	// Result(job.QueryResultID).
	Job *Job
}

// Execute runs a saved query with parameters. From v7 it posts to the query's
// results endpoint; on v4–v6 it posts the query's SQL to /api/query_results
// with p_<name> arguments, which is why it takes the query (from a list)
// rather than an id. It is not retried once sent.
//
// Redash API: POST /api/queries/{id}/results (v7+), POST /api/query_results (v4–v6)
func (s *QueriesService) Execute(ctx context.Context, q Query, req ExecuteRequest) (*ExecuteResponse, error) {
	v, err := s.client.Version(ctx)
	if err != nil {
		return nil, fmt.Errorf("execute query %d: %w", q.ID, err)
	}
	params := req.Parameters
	if params == nil {
		params = map[string]any{}
	}
	var r request
	if v.HasResultsPost() {
		body := map[string]any{"parameters": params}
		if req.MaxAge != nil {
			body["max_age"] = *req.MaxAge
		}
		if req.ApplyAutoLimit != nil && v.Major >= 10 {
			body["apply_auto_limit"] = *req.ApplyAutoLimit
		}
		r = request{method: http.MethodPost, path: "api/queries/" + strconv.Itoa(q.ID) + "/results", body: body}
	} else {
		if q.DataSourceID == nil {
			return nil, fmt.Errorf("execute query %d: the query has no data source", q.ID)
		}
		body := map[string]any{"query": q.SQL, "data_source_id": *q.DataSourceID, "query_id": q.ID}
		if req.MaxAge != nil {
			body["max_age"] = *req.MaxAge
		}
		r = request{method: http.MethodPost, path: "api/query_results", body: body, query: legacyParams(params)}
	}
	var w struct {
		QueryResult *QueryResult `json:"query_result"`
		Job         *Job         `json:"job"`
	}
	r.out = &w
	if err := s.client.do(ctx, r); err != nil {
		return nil, fmt.Errorf("execute query %d: %w", q.ID, err)
	}
	if w.QueryResult == nil && w.Job == nil {
		return nil, fmt.Errorf("execute query %d: the answer has neither a result nor a job", q.ID)
	}
	return &ExecuteResponse{Result: w.QueryResult, Job: w.Job}, nil
}

// legacyParams turns parameters into v4–v6 p_<name> query arguments.
func legacyParams(params map[string]any) url.Values {
	q := url.Values{}
	for name, val := range params {
		switch x := val.(type) {
		case map[string]any:
			for k, sub := range x {
				q.Set("p_"+name+"."+k, fmt.Sprint(sub))
			}
		case []any:
			parts := make([]string, len(x))
			for i, p := range x {
				parts[i] = fmt.Sprint(p)
			}
			q.Set("p_"+name, strings.Join(parts, ","))
		case nil:
			q.Set("p_"+name, "")
		default:
			q.Set("p_"+name, fmt.Sprint(x))
		}
	}
	return q
}

type resultEnvelope struct {
	QueryResult *QueryResult `json:"query_result"`
}

// Result returns a stored result by id: use the id a finished job gives,
// never "the latest result", which is wrong for parameterized runs.
//
// Redash API: GET /api/query_results/{id}
func (s *QueriesService) Result(ctx context.Context, resultID int) (*QueryResult, error) {
	var env resultEnvelope
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/query_results/" + strconv.Itoa(resultID), out: &env}); err != nil {
		return nil, fmt.Errorf("get query result %d: %w", resultID, err)
	}
	if env.QueryResult == nil {
		return nil, fmt.Errorf("get query result %d: the answer has no result", resultID)
	}
	return env.QueryResult, nil
}

// LatestResult returns a query's stored latest result (never executes it);
// ErrNotFound when it has none.
//
// Redash API: GET /api/queries/{id}/results.json
func (s *QueriesService) LatestResult(ctx context.Context, queryID int) (*QueryResult, error) {
	var env resultEnvelope
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/queries/" + strconv.Itoa(queryID) + "/results.json", out: &env}); err != nil {
		return nil, fmt.Errorf("get latest result of query %d: %w", queryID, err)
	}
	if env.QueryResult == nil {
		return nil, fmt.Errorf("get latest result of query %d: the answer has no result", queryID)
	}
	return env.QueryResult, nil
}
