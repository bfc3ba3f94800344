package results_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/retry"
	"github.com/redashctl/redashctl/pkg/redash"
	"github.com/redashctl/redashctl/pkg/results"
)

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// testEnv is a fake Redash over real HTTP, a client of it and an exporter.
type testEnv struct {
	srv    *fakeredash.Server
	client *redash.Client
	exp    *results.Exporter
}

func fastPolicy() retry.Policy {
	return retry.Policy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: 5 * time.Second}
}

func newEnv(t *testing.T, version string, wrap func(srv *fakeredash.Server) http.Handler) *testEnv {
	t.Helper()
	srv, err := fakeredash.New(fakeredash.Options{Version: version, Queries: 40, Seed: 7, Now: now})
	require.NoError(t, err)
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	client, err := redash.NewClient(hs.URL, redash.WithAPIKey(srv.AdminKey()), redash.WithRetryPolicy(fastPolicy()))
	require.NoError(t, err)
	exp := results.NewExporter(client, results.Options{
		Now:          func() time.Time { return now },
		PollInterval: time.Millisecond,
		RestartDelay: time.Millisecond,
		JobTimeout:   20 * time.Second,
	})
	return &testEnv{srv: srv, client: client, exp: exp}
}

func (e *testEnv) addQuery(t *testing.T, name, sql, params string) int {
	t.Helper()
	spec := fakeredash.QuerySpec{Name: name, SQL: sql}
	if params != "" {
		spec.Options = json.RawMessage(`{"parameters": ` + params + `}`)
	}
	return e.srv.AddQuery(spec)
}

// seen lists "METHOD /path" of the requests since the last reset, without
// the version detection.
func (e *testEnv) seen() []string {
	var out []string
	for _, r := range e.srv.Requests() {
		if r.Path == "/api/session" {
			continue
		}
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func (e *testEnv) posts(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range e.srv.Requests() {
		if r.Method != http.MethodPost {
			continue
		}
		var body map[string]any
		require.NoError(t, json.Unmarshal(r.Body, &body))
		body["_path"] = r.Path
		if r.RawQuery != "" {
			body["_query"] = r.RawQuery
		}
		out = append(out, body)
	}
	return out
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

func exportCSV(t *testing.T, e *testEnv, req results.Request) (*results.Summary, string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.csv")
	sink, err := results.NewFileSink(path, results.CSV)
	require.NoError(t, err)
	sum, err := e.exp.Export(context.Background(), req, sink)
	b, readErr := os.ReadFile(path)
	if err != nil {
		assert.True(t, os.IsNotExist(readErr), "no file after a failed export")
		entries, _ := os.ReadDir(filepath.Dir(path))
		assert.Empty(t, entries, "no temporary file left behind")
		return nil, "", err
	}
	require.NoError(t, readErr)
	return sum, string(b), nil
}

const salesSQL = "SELECT day, region, total AS total FROM sales WHERE region = '{{ region }}' AND day BETWEEN '{{ period.start }}' AND '{{ period.end }}' LIMIT {{ n }}"

const salesParams = `[
 {"name": "region", "title": "Region", "type": "enum", "enumOptions": "EMEA\nAMER\nAPAC", "value": "EMEA"},
 {"name": "period", "title": "Period", "type": "date-range", "value": "d_last_month"},
 {"name": "n", "title": "N", "type": "number", "value": 10}
]`

func TestExportEveryDialect(t *testing.T) {
	for _, v := range fakeredash.Versions() {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v, nil)
			id := e.addQuery(t, "Sales", salesSQL, salesParams)
			e.srv.ResetRequests()
			req := results.Request{QueryID: id, Args: results.Args{"region": {"AMER"}, "period": {"2025-01-01..2025-01-31"}}}
			sum, csv, err := exportCSV(t, e, req)
			require.NoError(t, err)
			assert.True(t, sum.Ran)
			assert.NotEmpty(t, sum.JobID)
			assert.Equal(t, 3, sum.Columns)
			assert.Equal(t, 1, sum.Attempts)
			lines := strings.Split(strings.TrimSuffix(csv, "\n"), "\n")
			assert.Equal(t, "day,region,total", lines[0])
			assert.Len(t, lines, int(sum.Rows)+1)
			assert.GreaterOrEqual(t, sum.Rows, int64(3))

			posts := e.posts(t)
			require.Len(t, posts, 1)
			if redash.MustParseVersion(v).HasResultsPost() {
				assert.Equal(t, map[string]any{
					"_path": fmt.Sprintf("/api/queries/%d/results", id),
					"parameters": map[string]any{
						"region": "AMER", "n": 10.0,
						"period": map[string]any{"start": "2025-01-01", "end": "2025-01-31"},
					},
				}, posts[0])
			} else {
				assert.Equal(t, map[string]any{
					"_path":          "/api/query_results",
					"query":          "SELECT day, region, total AS total FROM sales WHERE region = 'AMER' AND day BETWEEN '2025-01-01' AND '2025-01-31' LIMIT 10",
					"data_source_id": 1.0,
					"query_id":       float64(id),
				}, posts[0], "v4–v6 get the text with the values filled in, as their web app sent it")
			}
			seen := e.seen()
			assert.Equal(t, fmt.Sprintf("GET /api/queries/%d", id), seen[0])
			assert.GreaterOrEqual(t, countPrefix(seen, "GET /api/jobs/"+sum.JobID), 1)
			assert.Equal(t, fmt.Sprintf("GET /api/query_results/%d", sum.ResultID), seen[len(seen)-1],
				"the rows are read by the job's result id")
			assert.Zero(t, countPrefix(seen, fmt.Sprintf("GET /api/queries/%d/results", id)), "never the latest result")
		})
	}
}

func TestExportDynamicDefaultsWithAFixedClock(t *testing.T) {
	e := newEnv(t, "10.1.0", nil)
	id := e.addQuery(t, "Sales", salesSQL, salesParams)
	e.srv.ResetRequests()
	_, _, err := exportCSV(t, e, results.Request{QueryID: id})
	require.NoError(t, err)
	posts := e.posts(t)
	require.Len(t, posts, 1)
	assert.Equal(t, map[string]any{"region": "EMEA", "n": 10.0, "period": map[string]any{"start": "2026-10-01", "end": "2026-10-31"}},
		posts[0]["parameters"], "saved defaults are sent, d_last_month computed against the clock")
}

// oldCachedQuery finds a generated query without parameters whose latest
// result is at least two days old.
func oldCachedQuery(t *testing.T, e *testEnv) (fakeredash.Query, fakeredash.QueryResult) {
	t.Helper()
	snap := e.srv.Snapshot()
	res := map[int]fakeredash.QueryResult{}
	for _, r := range snap.Results {
		res[r.ID] = r
	}
	for _, q := range snap.Queries {
		r, ok := res[q.LatestQueryDataID]
		if ok && !q.IsArchived && q.DataSourceID == 1 && len(q.Parameters) == 0 && !strings.Contains(q.SQL, "{{") &&
			!strings.Contains(q.SQL, "deprecated_") && now.Sub(r.RetrievedAt) > 48*time.Hour && r.QueryHash == q.QueryHash {
			return q, r
		}
	}
	t.Fatal("no query with an old cached result in the generated world")
	return fakeredash.Query{}, fakeredash.QueryResult{}
}

func TestExportFreshness(t *testing.T) {
	for _, v := range []string{"5.0.2", "10.1.0"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v, nil)
			q, cached := oldCachedQuery(t, e)
			age := now.Sub(cached.RetrievedAt)

			run := func(req results.Request) (*results.Summary, []string, []map[string]any, error) {
				t.Helper()
				e.srv.ResetRequests()
				req.QueryID = q.ID
				sum, _, err := exportCSV(t, e, req)
				return sum, e.seen(), e.posts(t), err
			}

			// Any cached result: Redash's default (no max_age sent).
			sum, seen, posts, err := run(results.Request{})
			require.NoError(t, err)
			assert.False(t, sum.Ran)
			assert.Empty(t, sum.JobID)
			assert.Equal(t, cached.ID, sum.ResultID)
			assert.InDelta(t, float64(age), float64(sum.Age), float64(time.Millisecond))
			assert.Zero(t, countPrefix(seen, "GET /api/jobs/"))
			assert.NotContains(t, posts[0], "max_age")
			assert.Zero(t, countPrefix(seen, "GET /api/query_results/"), "a cached result's rows come with the answer")
			assert.Equal(t, 1, sum.Attempts)

			// A cached result young enough.
			sum, _, posts, err = run(results.Request{Freshness: results.Freshness{MaxAge: age + time.Hour}})
			require.NoError(t, err)
			assert.False(t, sum.Ran)
			assert.Equal(t, float64(int((age+time.Hour)/time.Second)), posts[0]["max_age"])

			// The guard refuses it (exportCSV checks that no file is left).
			_, _, _, err = run(results.Request{MaxResultAge: time.Hour})
			var stale *results.StaleResultError
			require.ErrorAs(t, err, &stale)
			assert.Equal(t, cached.ID, stale.ResultID)
			assert.Contains(t, err.Error(), "older than the allowed 1h: nothing was written")

			// Too old for --max-age: Redash runs the query.
			sum, seen, posts, err = run(results.Request{Freshness: results.Freshness{MaxAge: time.Hour}, MaxResultAge: time.Hour})
			require.NoError(t, err)
			assert.True(t, sum.Ran)
			assert.NotEqual(t, cached.ID, sum.ResultID)
			assert.Equal(t, 3600.0, posts[0]["max_age"])
			assert.GreaterOrEqual(t, countPrefix(seen, "GET /api/jobs/"), 1)
			fresh := sum.ResultID

			// Now that result is cached.
			sum, _, _, err = run(results.Request{Freshness: results.Freshness{MaxAge: time.Hour}})
			require.NoError(t, err)
			assert.False(t, sum.Ran)
			assert.Equal(t, fresh, sum.ResultID)

			// --refresh always runs.
			sum, _, posts, err = run(results.Request{Freshness: results.Freshness{Refresh: true}})
			require.NoError(t, err)
			assert.True(t, sum.Ran)
			assert.NotEqual(t, fresh, sum.ResultID)
			assert.Equal(t, 0.0, posts[0]["max_age"])
		})
	}
}

func TestExportFailingQuery(t *testing.T) {
	for _, v := range []string{"4.0.2", "8.0.0", "10.1.0", "26.3.0"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v, nil)
			id := e.addQuery(t, "Old", "SELECT day, total AS total FROM deprecated_sales", "")
			_, _, err := exportCSV(t, e, results.Request{QueryID: id})
			var je *redash.JobError
			require.ErrorAs(t, err, &je)
			assert.Equal(t, redash.JobFailed, je.Status)
			assert.Equal(t, `relation "deprecated_sales" does not exist`, je.Message)
			assert.Equal(t, fmt.Sprintf(`query %d: query job %s failed: relation "deprecated_sales" does not exist`, id, je.JobID), err.Error())
			assert.Zero(t, countPrefix(e.seen(), "GET /api/query_results/"))
		})
	}
}

// cancelOnFirstPoll cancels each job (DELETE /api/jobs/<id>, as a user
// would from the web app) right before the exporter first polls it.
func cancelOnFirstPoll(srv *fakeredash.Server) http.Handler {
	var mu sync.Mutex
	done := map[string]bool{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := strings.CutPrefix(r.URL.Path, "/api/jobs/"); ok && r.Method == http.MethodGet {
			mu.Lock()
			first := !done[id]
			done[id] = true
			mu.Unlock()
			if first {
				del := httptest.NewRequest(http.MethodDelete, r.URL.Path, nil)
				del.Header.Set("Authorization", "Key "+srv.AdminKey())
				srv.ServeHTTP(httptest.NewRecorder(), del)
			}
		}
		srv.ServeHTTP(w, r)
	})
}

func TestExportCancelledJob(t *testing.T) {
	for _, v := range []string{"5.0.2", "8.0.0", "10.1.0", "26.3.0"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v, cancelOnFirstPoll)
			id := e.addQuery(t, "Slow", "SELECT day, total AS total FROM big_table", "")
			_, _, err := exportCSV(t, e, results.Request{QueryID: id, Freshness: results.Freshness{Refresh: true}})
			var je *redash.JobError
			require.ErrorAs(t, err, &je)
			assert.Equal(t, redash.JobCancelled, je.Status, "status 4 with a cancellation message reads as cancelled")
			assert.Contains(t, strings.ToLower(je.Message), "cancelled")
			assert.Contains(t, err.Error(), "cancelled")
		})
	}
}

// stubRedash is a minimal v25 server for behaviours the fake does not
// produce: status 5, a job that never ends, a cached answer without an id.
func stubRedash(t *testing.T, version string, handle func(w http.ResponseWriter, r *http.Request) bool) *results.Exporter {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if handle(w, r) {
			return
		}
		if r.URL.Path == "/api/queries/1" {
			_, _ = io.WriteString(w, `{"id": 1, "name": "One", "query": "select 1", "data_source_id": 1, "options": {"parameters": []}}`)
			return
		}
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message": "not here"}`)
	}))
	t.Cleanup(hs.Close)
	client, err := redash.NewClient(hs.URL, redash.WithAPIKey("k"), redash.WithVersion(redash.MustParseVersion(version)), redash.WithRetryPolicy(fastPolicy()))
	require.NoError(t, err)
	return results.NewExporter(client, results.Options{Now: func() time.Time { return now }, PollInterval: time.Millisecond, JobTimeout: 50 * time.Millisecond})
}

func TestExportJobEdgeCases(t *testing.T) {
	job := func(status int, errText string) string {
		return fmt.Sprintf(`{"job": {"id": "j1", "updated_at": 0, "status": %d, "error": %q, "result": null, "query_result_id": null}}`, status, errText)
	}
	t.Run("status 5", func(t *testing.T) {
		exp := stubRedash(t, "25.8.0", func(w http.ResponseWriter, r *http.Request) bool {
			switch r.URL.Path {
			case "/api/queries/1/results":
				_, _ = io.WriteString(w, job(1, ""))
			case "/api/jobs/j1":
				_, _ = io.WriteString(w, job(5, ""))
			default:
				return false
			}
			return true
		})
		_, err := exp.Export(context.Background(), results.Request{QueryID: 1}, &recordSink{})
		var je *redash.JobError
		require.ErrorAs(t, err, &je)
		assert.Equal(t, redash.JobCancelled, je.Status)
		assert.EqualError(t, err, "query 1: query job j1 cancelled: no error message")
	})
	t.Run("never ends", func(t *testing.T) {
		exp := stubRedash(t, "8.0.0", func(w http.ResponseWriter, r *http.Request) bool {
			switch r.URL.Path {
			case "/api/queries/1/results":
				_, _ = io.WriteString(w, job(1, ""))
			case "/api/jobs/j1":
				_, _ = io.WriteString(w, job(2, ""))
			default:
				return false
			}
			return true
		})
		sink := &recordSink{}
		_, err := exp.Export(context.Background(), results.Request{QueryID: 1}, sink)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "query 1: wait for job j1: still started after 50ms")
		assert.True(t, sink.aborted)
	})
	t.Run("cached answer without an id", func(t *testing.T) {
		exp := stubRedash(t, "10.1.0", func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/api/queries/1/results" {
				return false
			}
			_, _ = io.WriteString(w, `{"query_result": {"data": {"columns": [{"name": "a", "type": "integer"}], "rows": [{"a": 1}]}, "retrieved_at": "2026-11-01T11:00:00Z"}}`)
			return true
		})
		sink := &recordSink{}
		sum, err := exp.Export(context.Background(), results.Request{QueryID: 1}, sink)
		require.NoError(t, err, "a query key's trimmed answer carries the rows")
		assert.Zero(t, sum.ResultID)
		assert.Equal(t, time.Hour, sum.Age)
		assert.Equal(t, [][]any{{json.Number("1")}}, sink.rows)
	})
	t.Run("missing parameter reported by Redash", func(t *testing.T) {
		exp := stubRedash(t, "26.3.0", func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path != "/api/queries/1/results" {
				return false
			}
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"job": {"status": 4, "error": "Missing parameter value for: w, n"}}`)
			return true
		})
		_, err := exp.Export(context.Background(), results.Request{QueryID: 1}, &recordSink{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "Missing parameter value for: w, n")
	})
}

// recordSink keeps rows in memory, for tests.
type recordSink struct {
	cols      []redash.Column
	rows      [][]any
	begins    int
	committed bool
	aborted   bool
	info      results.Info
}

func (s *recordSink) Begin(cols []redash.Column) error {
	s.cols, s.rows = cols, nil
	s.begins++
	return nil
}

func (s *recordSink) Row(row []any) error {
	s.rows = append(s.rows, append([]any(nil), row...))
	return nil
}

func (s *recordSink) Commit(info results.Info) error {
	s.committed, s.info = true, info
	return nil
}

func (s *recordSink) Abort() error {
	if !s.committed {
		s.aborted = true
	}
	return nil
}

func TestExportFaults(t *testing.T) {
	tests := []struct {
		name      string
		fault     func(id int) fakeredash.Fault
		wantErr   string
		is        error
		attempts  int
		countPath string
		count     int
	}{
		{
			name: "429 on the run request is retried",
			fault: func(id int) fakeredash.Fault {
				return fakeredash.Fault{Kind: fakeredash.FaultRateLimit, PathPrefix: fmt.Sprintf("/api/queries/%d/results", id), Method: http.MethodPost, Times: 1, RetryAfter: 1}
			},
			attempts: 1, countPath: "POST /api/queries/", count: 2,
		},
		{
			name: "502 page on a job poll is retried",
			fault: func(int) fakeredash.Fault {
				return fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/jobs/", Times: 1}
			},
			attempts: 1,
		},
		{
			name: "502 page on the download is retried",
			fault: func(int) fakeredash.Fault {
				return fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/query_results/", Times: 1}
			},
			attempts: 1, countPath: "GET /api/query_results/", count: 2,
		},
		{
			name: "reset connection on the download is retried",
			fault: func(int) fakeredash.Fault {
				return fakeredash.Fault{Kind: fakeredash.FaultReset, PathPrefix: "/api/query_results/", Times: 1}
			},
			attempts: 1,
		},
		{
			name: "download cut off midway starts again",
			fault: func(int) fakeredash.Fault {
				return fakeredash.Fault{Kind: fakeredash.FaultTruncate, PathPrefix: "/api/query_results/", Times: 1}
			},
			attempts: 2, countPath: "GET /api/query_results/", count: 2,
		},
		{
			name: "download cut off every time",
			fault: func(int) fakeredash.Fault {
				return fakeredash.Fault{Kind: fakeredash.FaultTruncate, PathPrefix: "/api/query_results/"}
			},
			wantErr: "(the answer broke off 3 times; gave up)", is: io.ErrUnexpectedEOF, countPath: "GET /api/query_results/", count: 3,
		},
		{
			name: "500 page on the download",
			fault: func(int) fakeredash.Fault {
				return fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/query_results/", Status: 500}
			},
			wantErr: "500", countPath: "GET /api/query_results/", count: 1,
		},
		{
			name: "SPA page instead of the query",
			fault: func(id int) fakeredash.Fault {
				return fakeredash.Fault{Kind: fakeredash.FaultHTML200, Path: fmt.Sprintf("/api/queries/%d", id), Method: http.MethodGet}
			},
			wantErr: "200",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, "10.1.0", nil)
			id := e.addQuery(t, "Sales", "SELECT day, region, total AS total FROM sales", "")
			e.srv.AddFault(tt.fault(id))
			e.srv.ResetRequests()
			sum, csv, err := exportCSV(t, e, results.Request{QueryID: id, Freshness: results.Freshness{Refresh: true}})
			if tt.countPath != "" {
				assert.Equal(t, tt.count, countPrefix(e.seen(), tt.countPath))
			}
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, 1, strings.Count(err.Error(), "\n")+1, "one line")
				assert.NotContains(t, err.Error(), "<html")
				if tt.is != nil {
					assert.ErrorIs(t, err, tt.is)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.attempts, sum.Attempts)
			assert.Equal(t, int(sum.Rows)+1, strings.Count(csv, "\n"), "every row once")
		})
	}
}

func TestExportCachedAnswerCutOff(t *testing.T) {
	e := newEnv(t, "26.3.0", nil)
	q, cached := oldCachedQuery(t, e)
	e.srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultTruncate, PathPrefix: fmt.Sprintf("/api/queries/%d/results", q.ID), Method: http.MethodPost, Times: 1})
	e.srv.ResetRequests()
	sum, csv, err := exportCSV(t, e, results.Request{QueryID: q.ID})
	require.NoError(t, err)
	assert.Equal(t, cached.ID, sum.ResultID)
	assert.Equal(t, 2, countPrefix(e.seen(), "POST /api/queries/"), "the run request is sent again")
	assert.Equal(t, 2, sum.Attempts, "the rows of the first answer had begun")
	assert.Equal(t, int(sum.Rows)+1, strings.Count(csv, "\n"), "every row once")
}

func TestExportBadInput(t *testing.T) {
	e := newEnv(t, "10.1.0", nil)
	id := e.addQuery(t, "Sales", salesSQL, salesParams)

	e.srv.ResetRequests()
	_, _, err := exportCSV(t, e, results.Request{QueryID: 99999})
	require.ErrorIs(t, err, redash.ErrNotFound)
	assert.Contains(t, err.Error(), "query 99999 does not exist or this API key cannot see it")

	e.srv.ResetRequests()
	_, _, err = exportCSV(t, e, results.Request{QueryID: id, Args: results.Args{"region": {"Mars"}, "colour": {"red"}}})
	var pe *results.ParamError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, fmt.Sprintf(`query %d: parameter "colour": unknown parameter: the query's parameters are region, period, n; parameter "region": "Mars" is not one of "EMEA", "AMER", "APAC"`, id), err.Error())
	assert.Equal(t, []string{fmt.Sprintf("GET /api/queries/%d", id)}, e.seen(), "nothing runs")

	_, _, err = exportCSV(t, e, results.Request{QueryID: id, Freshness: results.Freshness{Refresh: true, MaxAge: time.Hour}})
	assert.EqualError(t, err, "refresh and a maximum age exclude each other")
	_, _, err = exportCSV(t, e, results.Request{QueryID: id, Freshness: results.Freshness{MaxAge: time.Millisecond}})
	assert.EqualError(t, err, "maximum age 1ms is below Redash's resolution of one second")
}

func TestExportQueryDropdown(t *testing.T) {
	e := newEnv(t, "10.1.0", nil)
	regions := e.addQuery(t, "Regions", "SELECT region FROM regions", "")
	// Give the dropdown's query a result.
	_, _, err := exportCSV(t, e, results.Request{QueryID: regions})
	require.NoError(t, err)
	values, err := results.DropdownValues(context.Background(), e.client, regions)
	require.NoError(t, err)
	require.NotEmpty(t, values)

	params := fmt.Sprintf(`[{"name": "region", "type": "query", "queryId": %d, "value": %q}, {"name": "n", "type": "number", "value": 5}]`, regions, values[0])
	id := e.addQuery(t, "By region", "SELECT day, total AS total FROM sales WHERE region = '{{ region }}' LIMIT {{ n }}", params)
	plain := e.addQuery(t, "Numbers", "SELECT day, total AS total FROM sales LIMIT {{ n }}", `[{"name": "n", "type": "number", "value": 5}]`)

	e.srv.ResetRequests()
	_, _, err = exportCSV(t, e, results.Request{QueryID: plain})
	require.NoError(t, err)
	assert.Zero(t, countPrefix(e.seen(), fmt.Sprintf("GET /api/queries/%d/results", regions)), "no dropdown, no lookup")

	e.srv.ResetRequests()
	_, _, err = exportCSV(t, e, results.Request{QueryID: id})
	require.NoError(t, err)
	assert.Equal(t, 1, countPrefix(e.seen(), fmt.Sprintf("GET /api/queries/%d/results.json", regions)))

	_, _, err = exportCSV(t, e, results.Request{QueryID: id, Args: results.Args{"region": {"Atlantis"}}})
	var pe *results.ParamError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, err.Error(), fmt.Sprintf(`parameter "region": "Atlantis" is not a value of the dropdown's query %d`, regions))
}

func TestExportGoldenFiles(t *testing.T) {
	e := newEnv(t, "10.1.0", nil)
	id := e.addQuery(t, "Golden", "SELECT day, created_at, region, total AS total, amount FROM sales", "")
	for _, f := range results.Formats {
		t.Run(string(f), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "out")
			sink, err := results.NewFileSink(path, f)
			require.NoError(t, err)
			_, err = e.exp.Export(context.Background(), results.Request{QueryID: id}, sink)
			require.NoError(t, err)
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			golden.Assert(t, string(b))
		})
	}
}

func TestExportIntoAPullSink(t *testing.T) {
	e := newEnv(t, "26.3.0", nil)
	id := e.addQuery(t, "Sales", "SELECT day, region, total AS total FROM sales", "")
	e.srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultTruncate, PathPrefix: "/api/query_results/", Times: 1})
	var mu sync.Mutex
	var runs []error
	var published [][]any
	sink := results.NewPullSink(context.Background(), func(ctx context.Context, cols []redash.Column, rows iter.Seq2[[]any, error]) error {
		var staged [][]any
		for row, err := range rows {
			if err != nil {
				mu.Lock()
				runs = append(runs, err)
				mu.Unlock()
				return err
			}
			staged = append(staged, append([]any(nil), row...))
		}
		mu.Lock()
		runs = append(runs, nil)
		published = staged
		mu.Unlock()
		return nil
	})
	sum, err := e.exp.Export(context.Background(), results.Request{QueryID: id}, sink)
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Attempts)
	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, published, int(sum.Rows))
	require.NotEmpty(t, runs)
	assert.Nil(t, runs[len(runs)-1], "the last run published")
	for _, r := range runs[:len(runs)-1] {
		assert.ErrorIs(t, r, results.ErrRestart)
	}
}

func TestExportProgress(t *testing.T) {
	e := newEnv(t, "10.1.0", nil)
	id := e.addQuery(t, "Sales", "SELECT day, region, total AS total FROM sales", "")
	var stages []results.Stage
	var last int64
	exp := results.NewExporter(e.client, results.Options{
		Now: func() time.Time { return now }, PollInterval: time.Millisecond,
		Progress: func(p results.Progress) {
			if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
				stages = append(stages, p.Stage)
			}
			last = p.Rows
		},
	})
	sink := &recordSink{}
	sum, err := exp.Export(context.Background(), results.Request{QueryID: id}, sink)
	require.NoError(t, err)
	assert.Equal(t, []results.Stage{results.StageSubmit, results.StageWait, results.StageDownload}, stages)
	assert.Equal(t, sum.Rows, last)
	assert.True(t, sink.committed)
	assert.Equal(t, results.Info{QueryID: id, ResultID: sum.ResultID, RetrievedAt: sum.RetrievedAt, Columns: 3, Rows: sum.Rows}, sink.info)
	assert.Equal(t, []redash.Column{
		{Name: "day", FriendlyName: "day", Type: "date"},
		{Name: "region", FriendlyName: "region", Type: "string"},
		{Name: "total", FriendlyName: "total", Type: "integer"},
	}, sink.cols)
	for _, r := range sink.rows {
		require.Len(t, r, 3)
		assert.IsType(t, "", r[0])
		assert.IsType(t, "", r[1])
		assert.IsType(t, json.Number(""), r[2])
	}
}

func TestExportInterrupted(t *testing.T) {
	e := newEnv(t, "10.1.0", nil)
	id := e.addQuery(t, "Sales", "SELECT day, region, total AS total FROM sales", "")
	ctx, cancel := context.WithCancel(context.Background())
	exp := results.NewExporter(e.client, results.Options{
		Now: func() time.Time { return now }, PollInterval: time.Millisecond,
		Progress: func(p results.Progress) {
			if p.Stage == results.StageWait {
				cancel()
			}
		},
	})
	sink := &recordSink{}
	_, err := exp.Export(ctx, results.Request{QueryID: id}, sink)
	require.ErrorIs(t, err, context.Canceled)
	assert.True(t, sink.aborted)
	assert.False(t, sink.committed)
}

func TestStaleResultErrorText(t *testing.T) {
	err := &results.StaleResultError{QueryID: 4, ResultID: 9, RetrievedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Age: 90*time.Minute + 1500*time.Millisecond, Max: time.Hour}
	assert.Equal(t, "query 4: result 9 is 1h30m old (retrieved 2026-01-02T03:04:05Z), older than the allowed 1h: nothing was written", err.Error())
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 0: "0s", 59 * time.Second: "59s", 90 * time.Second: "1m", 3 * time.Hour: "3h",
		3*time.Hour + 4*time.Minute: "3h4m", 48 * time.Hour: "2d", 50 * time.Hour: "2d2h",
	} {
		assert.Equal(t, want, results.HumanAge(d))
	}
	assert.False(t, errors.Is(err, redash.ErrNotFound))
}

// TestPrepareQueryFromList prepares a query read from the query list (no
// view event) exactly as Prepare does from GET /api/queries/<id>.
func TestPrepareQueryFromList(t *testing.T) {
	e := newEnv(t, "10.1.0", nil)
	id := e.addQuery(t, "Sales", "SELECT * FROM sales WHERE region = '{{ region }}'",
		`[{"name": "region", "title": "Region", "type": "enum", "enumOptions": "EMEA\nAPAC", "value": "EMEA"}]`)
	ctx := context.Background()
	req := results.Request{QueryID: id, Args: results.Args{"region": {"APAC"}}}
	want, err := e.exp.Prepare(ctx, req)
	require.NoError(t, err)

	qs, err := e.client.Queries.ListAll(ctx, redash.QueryListOptions{})
	require.NoError(t, err)
	i := slices.IndexFunc(qs, func(q redash.Query) bool { return q.ID == id })
	require.GreaterOrEqual(t, i, 0)
	e.srv.ResetRequests()
	got, err := e.exp.PrepareQuery(ctx, req, &qs[i])
	require.NoError(t, err)
	assert.Empty(t, e.seen(), "nothing more is read")
	assert.Equal(t, want.Values, got.Values)
	assert.Equal(t, map[string]any{"region": "APAC"}, got.Values)

	_, err = e.exp.PrepareQuery(ctx, results.Request{QueryID: id + 1}, &qs[i])
	require.ErrorContains(t, err, "got another query")
	_, err = e.exp.PrepareQuery(ctx, results.Request{QueryID: id, Args: results.Args{"region": {"Mars"}}}, &qs[i])
	var pe *results.ParamError
	require.ErrorAs(t, err, &pe)
}
