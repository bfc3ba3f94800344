package redash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/retry"
)

// submitServer answers every request with handle and records what it got.
type submitServer struct {
	mu     sync.Mutex
	reqs   []submitSeen
	handle func(w http.ResponseWriter, r *http.Request, n int)
}

type submitSeen struct {
	Method, Path, RawQuery string
	Body                   map[string]any
}

func (s *submitServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	s.mu.Lock()
	s.reqs = append(s.reqs, submitSeen{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Body: body})
	n := len(s.reqs)
	s.mu.Unlock()
	s.handle(w, r, n)
}

func (s *submitServer) seen() []submitSeen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]submitSeen(nil), s.reqs...)
}

func newSubmitClient(t *testing.T, version string, handle func(w http.ResponseWriter, r *http.Request, n int)) (*Client, *submitServer) {
	t.Helper()
	s := &submitServer{handle: handle}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	policy := retry.Policy{
		MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: 10 * time.Second,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	}
	c, err := NewClient(srv.URL, WithAPIKey(testKey), WithVersion(MustParseVersion(version)), WithRetryPolicy(policy))
	require.NoError(t, err)
	return c, s
}

func submitWriteJSON(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = io.WriteString(w, body)
}

func submitCachedAnswer(rows int, rowsFirst bool) string {
	var rs strings.Builder
	rs.WriteString(`"rows": [`)
	for i := range rows {
		if i > 0 {
			rs.WriteString(", ")
		}
		fmt.Fprintf(&rs, `{"n": %d, "s": "row %d", "nested": {"a": [1, 2, {"b": null}]}}`, i, i)
	}
	rs.WriteString("]")
	cols := `"columns": [{"name": "n", "friendly_name": "N", "type": "integer"}, {"name": "s", "friendly_name": "S", "type": null}]`
	data := cols + ", " + rs.String() + `, "metadata": {"data_scanned": 12}`
	if rowsFirst {
		data = rs.String() + ", " + cols
	}
	return `{"query_result": {"id": 9001, "query_hash": "abc", "query": "select 1", "data": {` + data +
		`}, "data_source_id": 3, "runtime": 1.5, "retrieved_at": "2025-03-04T05:06:07.123Z"}}`
}

func submitIntp(n int) *int { return &n }

func TestSubmitCachedResultSkipsRows(t *testing.T) {
	for _, rowsFirst := range []bool{false, true} {
		t.Run("rowsFirst="+strconv.FormatBool(rowsFirst), func(t *testing.T) {
			c, s := newSubmitClient(t, "10.1.0", func(w http.ResponseWriter, _ *http.Request, _ int) {
				submitWriteJSON(w, http.StatusOK, submitCachedAnswer(2000, rowsFirst))
			})
			sub, err := c.Queries.Submit(context.Background(), Query{ID: 42}, SubmitRequest{
				Parameters: map[string]any{"n": json.Number("5")}, MaxAge: submitIntp(3600), ApplyAutoLimit: new(bool),
			}, ResultHandler{})
			require.NoError(t, err)
			require.NotNil(t, sub.Result)
			assert.Nil(t, sub.Job)
			r := sub.Result
			assert.Equal(t, 9001, r.ID)
			assert.Equal(t, "abc", r.QueryHash)
			assert.Equal(t, 3, r.DataSourceID)
			assert.InDelta(t, 1.5, r.Runtime, 1e-9)
			assert.Equal(t, time.Date(2025, 3, 4, 5, 6, 7, 123e6, time.UTC), r.RetrievedAt.UTC())
			assert.Equal(t, []Column{{Name: "n", FriendlyName: "N", Type: "integer"}, {Name: "s", FriendlyName: "S"}}, r.Data.Columns)
			assert.Empty(t, r.Data.Rows)

			reqs := s.seen()
			require.Len(t, reqs, 1)
			assert.Equal(t, "POST", reqs[0].Method)
			assert.Equal(t, "/api/queries/42/results", reqs[0].Path)
			assert.Equal(t, map[string]any{"parameters": map[string]any{"n": 5.0}, "max_age": 3600.0, "apply_auto_limit": false}, reqs[0].Body)
		})
	}
}

func TestSubmitJob(t *testing.T) {
	for _, v := range []string{"8.0.0", "26.3.0"} {
		t.Run(v, func(t *testing.T) {
			c, s := newSubmitClient(t, v, func(w http.ResponseWriter, _ *http.Request, _ int) {
				submitWriteJSON(w, http.StatusOK, `{"job": {"id": "j-1", "updated_at": 0, "status": 1, "error": "", "query_result_id": null}}`)
			})
			sub, err := c.Queries.Submit(context.Background(), Query{ID: 7}, SubmitRequest{MaxAge: submitIntp(0), ApplyAutoLimit: new(bool)}, ResultHandler{})
			require.NoError(t, err)
			require.NotNil(t, sub.Job)
			assert.Nil(t, sub.Result)
			assert.Equal(t, "j-1", sub.Job.ID)
			assert.Equal(t, JobPending, sub.Job.Status)
			reqs := s.seen()
			require.Len(t, reqs, 1)
			want := map[string]any{"parameters": map[string]any{}, "max_age": 0.0}
			if v != "8.0.0" {
				want["apply_auto_limit"] = false
			}
			assert.Equal(t, want, reqs[0].Body)
		})
	}
}

func TestSubmitLegacy(t *testing.T) {
	ds := 3
	q := Query{ID: 12, SQL: "select * from t where d = '{{ day }}'", DataSourceID: &ds}
	answer := func(w http.ResponseWriter, _ *http.Request, _ int) {
		submitWriteJSON(w, http.StatusOK, `{"job": {"id": "celery-1", "updated_at": 0, "status": 1, "error": "", "query_result_id": null}}`)
	}

	t.Run("rendered SQL", func(t *testing.T) {
		c, s := newSubmitClient(t, "5.0.2", answer)
		sub, err := c.Queries.Submit(context.Background(), q, SubmitRequest{
			Parameters: map[string]any{"day": "2025-01-01"}, SQL: "select * from t where d = '2025-01-01'", MaxAge: submitIntp(60),
		}, ResultHandler{})
		require.NoError(t, err)
		require.NotNil(t, sub.Job)
		reqs := s.seen()
		require.Len(t, reqs, 1)
		assert.Equal(t, "/api/query_results", reqs[0].Path)
		assert.Empty(t, reqs[0].RawQuery, "a rendered text carries no p_ arguments")
		assert.Equal(t, map[string]any{"query": "select * from t where d = '2025-01-01'", "data_source_id": 3.0, "query_id": 12.0, "max_age": 60.0}, reqs[0].Body)
	})

	t.Run("template with p_ arguments", func(t *testing.T) {
		c, s := newSubmitClient(t, "4.0.2", answer)
		_, err := c.Queries.Submit(context.Background(), q, SubmitRequest{Parameters: map[string]any{"day": "2025-01-01"}}, ResultHandler{})
		require.NoError(t, err)
		reqs := s.seen()
		require.Len(t, reqs, 1)
		assert.Equal(t, "p_day=2025-01-01", reqs[0].RawQuery)
		assert.Equal(t, map[string]any{"query": q.SQL, "data_source_id": 3.0, "query_id": 12.0}, reqs[0].Body)
	})

	t.Run("no data source", func(t *testing.T) {
		c, s := newSubmitClient(t, "5.0.2", answer)
		_, err := c.Queries.Submit(context.Background(), Query{ID: 12, SQL: "select 1"}, SubmitRequest{}, ResultHandler{})
		require.EqualError(t, err, "run query 12: the query has no data source")
		assert.Empty(t, s.seen())
	})
}

func TestSubmitTrimmedAnswer(t *testing.T) {
	c, _ := newSubmitClient(t, "10.1.0", func(w http.ResponseWriter, _ *http.Request, _ int) {
		submitWriteJSON(w, http.StatusOK, `{"query_result": {"data": {"columns": [{"name": "a", "type": "string"}], "rows": [{"a": "x"}]}, "retrieved_at": "2025-01-01T00:00:00Z"}}`)
	})
	sub, err := c.Queries.Submit(context.Background(), Query{ID: 1}, SubmitRequest{}, ResultHandler{})
	require.NoError(t, err)
	require.NotNil(t, sub.Result)
	assert.Zero(t, sub.Result.ID, "a query-key answer has no id")
	assert.Equal(t, []Column{{Name: "a", Type: "string"}}, sub.Result.Data.Columns)
}

func TestSubmitErrors(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(w http.ResponseWriter, r *http.Request, n int)
		wantErr string
		is      error
		calls   int
	}{
		{
			name: "missing parameter",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				submitWriteJSON(w, http.StatusBadRequest, `{"job": {"status": 4, "error": "Missing parameter value for: w, n"}}`)
			},
			wantErr: "Missing parameter value for: w, n",
			calls:   1,
		},
		{
			name: "invalid parameter",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				submitWriteJSON(w, http.StatusBadRequest, `{"message": "The following parameter values are incompatible with their definitions: n"}`)
			},
			wantErr: "incompatible with their definitions: n",
			calls:   1,
		},
		{
			name: "not found",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				submitWriteJSON(w, http.StatusNotFound, `{"message": "Query not found"}`)
			},
			is:    ErrNotFound,
			calls: 1,
		},
		{
			name: "html 502 until retries run out",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = io.WriteString(w, "<html><title>502 Bad Gateway</title></html>")
			},
			wantErr: "502",
			calls:   3,
		},
		{
			name: "html 200",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = io.WriteString(w, "<html><title>Redash</title></html>")
			},
			wantErr: "Redash",
			calls:   1,
		},
		{
			name: "truncated",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				body := submitCachedAnswer(200, false)
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				_, _ = io.WriteString(w, body[:len(body)/2])
			},
			is:    io.ErrUnexpectedEOF,
			calls: 1,
		},
		{
			name: "neither result nor job",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				submitWriteJSON(w, http.StatusOK, `{"something": 1}`)
			},
			wantErr: "neither a result nor a job",
			calls:   1,
		},
		{
			name: "not an object",
			handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
				submitWriteJSON(w, http.StatusOK, `[1]`)
			},
			wantErr: "expected",
			calls:   1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := newSubmitClient(t, "10.1.0", tt.handle)
			_, err := c.Queries.Submit(context.Background(), Query{ID: 5}, SubmitRequest{}, ResultHandler{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "run query 5")
			if tt.wantErr != "" {
				assert.Contains(t, err.Error(), tt.wantErr)
			}
			if tt.is != nil {
				assert.True(t, errors.Is(err, tt.is), "%v is not %v", err, tt.is)
			}
			assert.Len(t, s.seen(), tt.calls)
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

func TestSubmitRetriesRateLimit(t *testing.T) {
	c, s := newSubmitClient(t, "26.3.0", func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, "<html>slow down</html>")
			return
		}
		submitWriteJSON(w, http.StatusOK, submitCachedAnswer(3, false))
	})
	sub, err := c.Queries.Submit(context.Background(), Query{ID: 5}, SubmitRequest{}, ResultHandler{})
	require.NoError(t, err)
	require.NotNil(t, sub.Result)
	assert.Equal(t, 9001, sub.Result.ID)
	assert.Len(t, s.seen(), 2)
}

func TestSubmitBodyLimit(t *testing.T) {
	s := &submitServer{handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
		submitWriteJSON(w, http.StatusOK, submitCachedAnswer(5000, false))
	}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL, WithAPIKey(testKey), WithVersion(MustParseVersion("10.1.0")), WithMaxResultSize(10<<10))
	require.NoError(t, err)
	_, err = c.Queries.Submit(context.Background(), Query{ID: 5}, SubmitRequest{}, ResultHandler{})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrBodyTooLarge)
}

func TestSubmitStreamsCachedRows(t *testing.T) {
	for _, rowsFirst := range []bool{false, true} {
		t.Run("rowsFirst="+strconv.FormatBool(rowsFirst), func(t *testing.T) {
			c, _ := newSubmitClient(t, "8.0.0", func(w http.ResponseWriter, _ *http.Request, _ int) {
				submitWriteJSON(w, http.StatusOK, submitCachedAnswer(1500, rowsFirst))
			})
			var got submitCollected
			sub, err := c.Queries.Submit(context.Background(), Query{ID: 42}, SubmitRequest{}, got.handler())
			require.NoError(t, err)
			require.NotNil(t, sub.Result)
			assert.Equal(t, 9001, sub.Result.ID)
			assert.Equal(t, []Column{{Name: "n", FriendlyName: "N", Type: "integer"}, {Name: "s", FriendlyName: "S"}}, got.cols)
			assert.Equal(t, got.cols, sub.Result.Data.Columns)
			assert.True(t, got.colsFirst, "columns are handed over before the first row")
			require.Len(t, got.rows, 1500)
			assert.Equal(t, map[string]any{"n": json.Number("1499"), "s": "row 1499", "nested": map[string]any{"a": []any{json.Number("1"), json.Number("2"), map[string]any{"b": nil}}}}, got.rows[1499])
			assert.Empty(t, sub.Result.Data.Rows)
		})
	}
}

func TestSubmitStreamEdgeCases(t *testing.T) {
	t.Run("data null still hands over the columns", func(t *testing.T) {
		c, _ := newSubmitClient(t, "10.1.0", func(w http.ResponseWriter, _ *http.Request, _ int) {
			submitWriteJSON(w, http.StatusOK, `{"query_result": {"id": 3, "data": null, "retrieved_at": "2025-01-01T00:00:00Z"}}`)
		})
		calls := 0
		_, err := c.Queries.Submit(context.Background(), Query{ID: 1}, SubmitRequest{}, ResultHandler{Columns: func([]Column) error { calls++; return nil }})
		require.NoError(t, err)
		assert.Equal(t, 1, calls)
	})
	t.Run("a handler error stops the answer", func(t *testing.T) {
		c, _ := newSubmitClient(t, "10.1.0", func(w http.ResponseWriter, _ *http.Request, _ int) {
			submitWriteJSON(w, http.StatusOK, submitCachedAnswer(100, false))
		})
		rows := 0
		_, err := c.Queries.Submit(context.Background(), Query{ID: 1}, SubmitRequest{}, ResultHandler{Row: func(map[string]any) error {
			rows++
			if rows == 10 {
				return errors.New("disk full")
			}
			return nil
		}})
		require.EqualError(t, err, "run query 1: read the answer: disk full")
		assert.Equal(t, 10, rows)
	})
	t.Run("a job answer hands over nothing", func(t *testing.T) {
		c, _ := newSubmitClient(t, "10.1.0", func(w http.ResponseWriter, _ *http.Request, _ int) {
			submitWriteJSON(w, http.StatusOK, `{"job": {"id": "x", "status": 1}}`)
		})
		sub, err := c.Queries.Submit(context.Background(), Query{ID: 1}, SubmitRequest{}, ResultHandler{
			Columns: func([]Column) error { t.Error("columns of a job"); return nil },
			Row:     func(map[string]any) error { t.Error("row of a job"); return nil },
		})
		require.NoError(t, err)
		require.NotNil(t, sub.Job)
	})
}

// submitCollected keeps what a ResultHandler received.
type submitCollected struct {
	cols      []Column
	rows      []map[string]any
	colsFirst bool
}

func (c *submitCollected) handler() ResultHandler {
	return ResultHandler{
		Columns: func(cols []Column) error {
			c.cols = cols
			c.colsFirst = len(c.rows) == 0
			return nil
		},
		Row: func(row map[string]any) error {
			c.rows = append(c.rows, row)
			return nil
		},
	}
}
