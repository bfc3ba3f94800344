package fakeredash

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type jobBody struct {
	Job struct {
		ID            string `json:"id"`
		Status        int    `json:"status"`
		Error         string `json:"error"`
		QueryResultID *int   `json:"query_result_id"`
		UpdatedAt     any    `json:"updated_at"`
	} `json:"job"`
	QueryResult *struct {
		ID   int `json:"id"`
		Data struct {
			Columns []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"columns"`
			Rows []map[string]any `json:"rows"`
		} `json:"data"`
	} `json:"query_result"`
}

func decodeJob(t *testing.T, r response) jobBody {
	t.Helper()
	var j jobBody
	require.True(t, r.isJSON(), string(r.body))
	require.NoError(t, json.Unmarshal(r.body, &j))
	return j
}

func TestRunSavedQueryAndPoll(t *testing.T) {
	for _, v := range []string{"8.0.0", "10.1.0", "26.3.0"} {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 300})
			admin := f.s.AdminKey()
			q := queryBy(t, f.s, func(q Query) bool {
				return !q.IsArchived && q.DataSourceID == dsProduction && len(q.Parameters) == 0
			})
			path := "/api/queries/" + itoa(q.ID)
			before := len(f.s.Snapshot().Events)

			r := f.do(http.MethodPost, path+"/results", admin, map[string]any{"max_age": 0})
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			j := decodeJob(t, r)
			require.NotEmpty(t, j.Job.ID)
			assert.Equal(t, 1, j.Job.Status)
			assert.EqualValues(t, 0, j.Job.UpdatedAt)

			j = decodeJob(t, f.get("/api/jobs/"+j.Job.ID, admin))
			assert.Equal(t, 2, j.Job.Status)
			if major(v) >= 9 {
				assert.IsType(t, "", j.Job.UpdatedAt, "RQ: an ISO string")
			} else {
				assert.IsType(t, float64(0), j.Job.UpdatedAt, "Celery: epoch float")
			}
			j = decodeJob(t, f.get("/api/jobs/"+j.Job.ID, admin))
			assert.Equal(t, 3, j.Job.Status)
			require.NotNil(t, j.Job.QueryResultID)
			assert.EqualValues(t, 0, j.Job.UpdatedAt)

			// The run became the query's latest result.
			res := decodeJob(t, f.get(path+"/results.json", admin))
			require.NotNil(t, res.QueryResult)
			assert.Equal(t, *j.Job.QueryResultID, res.QueryResult.ID)
			assert.NotEmpty(t, res.QueryResult.Data.Columns)
			assert.NotEmpty(t, res.QueryResult.Data.Rows)

			// A cached result with max_age -1.
			cached := decodeJob(t, f.do(http.MethodPost, path+"/results", admin, map[string]any{}))
			require.NotNil(t, cached.QueryResult)

			evs := f.s.Snapshot().Events
			require.Len(t, evs, before+2, "one execute_query per run, cache hits included")
			assert.Equal(t, "execute_query", evs[before].Action)
			assert.Equal(t, q.SQL, evs[before].SQL)
			assert.Equal(t, itoa(dsProduction), evs[before].DataSource)

			// Unknown jobs: 500 on RQ, PENDING forever on Celery.
			r = f.get("/api/jobs/nope", admin)
			if major(v) >= 10 {
				assert.Equal(t, http.StatusInternalServerError, r.status)
			} else {
				assert.Equal(t, 1, decodeJob(t, r).Job.Status)
			}
		})
	}
}

func TestRunParameters(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 1500})
	admin := f.s.AdminKey()
	q := queryBy(t, f.s, func(q Query) bool {
		return !q.IsArchived && q.DataSourceID != 0 && q.DataSourceID != dsLegacy && len(q.Parameters) > 0
	})
	path := "/api/queries/" + itoa(q.ID) + "/results"

	// Saved defaults are never applied.
	r := f.do(http.MethodPost, path, admin, map[string]any{"parameters": map[string]any{}})
	assert.Equal(t, http.StatusBadRequest, r.status)
	j := decodeJob(t, r)
	assert.Equal(t, 4, j.Job.Status)
	assert.Contains(t, j.Job.Error, "Missing parameter value for: ")
	assert.Contains(t, j.Job.Error, q.Parameters[0].Name)

	r = f.do(http.MethodPost, path, admin, map[string]any{"parameters": map[string]any{"nosuch": 1}})
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, msgBadParams+"nosuch", message(t, r))

	vals := map[string]any{}
	for i, p := range q.Parameters {
		vals[p.Name] = sampleValue(p, i)
	}
	r = f.do(http.MethodPost, path, admin, map[string]any{"parameters": vals, "max_age": 0})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	assert.Equal(t, 1, decodeJob(t, r).Job.Status)
}

func TestRunRefusals(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 600})
	paused := queryBy(t, f.s, func(q Query) bool { return q.DataSourceID == dsLegacy && len(q.Parameters) == 0 })
	r := f.do(http.MethodPost, "/api/queries/"+itoa(paused.ID)+"/results", f.s.AdminKey(), nil)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Contains(t, decodeJob(t, r).Job.Error, "is paused")

	// View-only access runs safe queries only; refresh needs full access.
	viewOnly := queryBy(t, f.s, func(q Query) bool {
		return q.DataSourceID == dsEvents && !q.IsArchived && isSafe(q.Parameters) && len(q.Parameters) == 0
	})
	r = f.do(http.MethodPost, "/api/queries/"+itoa(viewOnly.ID)+"/results", f.s.UserKey(), nil)
	assert.Equal(t, http.StatusOK, r.status, string(r.body))
	r = f.do(http.MethodPost, "/api/queries/"+itoa(viewOnly.ID)+"/refresh", f.s.UserKey(), nil)
	assert.Equal(t, http.StatusForbidden, r.status)

	r = f.do(http.MethodPost, "/api/query_results", f.s.AdminKey(), map[string]any{"query": "select 1"})
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, msgSelectDS, decodeJob(t, r).Job.Error)
	r = f.do(http.MethodPost, "/api/query_results", f.s.AdminKey(), map[string]any{"query": "select 1", "data_source_id": dsProduction, "max_age": 0})
	assert.Equal(t, http.StatusOK, r.status)

	// No cached result.
	never := queryBy(t, f.s, func(q Query) bool { return q.LatestQueryDataID == 0 && q.DataSourceID == dsProduction })
	r = f.get("/api/queries/"+itoa(never.ID)+"/results.json", f.s.AdminKey())
	assert.Equal(t, http.StatusNotFound, r.status)
	assert.Equal(t, msgNoCache, message(t, r))
}

func TestDownloads(t *testing.T) {
	for _, v := range []string{"4.0.2", "10.1.0"} {
		f := newFixture(t, Options{Version: v, Queries: 200})
		q := queryBy(t, f.s, func(q Query) bool { return q.LatestQueryDataID != 0 && q.DataSourceID == dsProduction })
		r := f.get("/api/queries/"+itoa(q.ID)+"/results.csv", f.s.AdminKey())
		assert.Equal(t, http.StatusOK, r.status)
		assert.Contains(t, r.header.Get("Content-Type"), "text/csv")
		assert.Equal(t, major(v) >= 8, r.header.Get("Content-Disposition") != "")
		r = f.get("/api/queries/"+itoa(q.ID)+"/results.xlsx", f.s.AdminKey())
		assert.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "PK", string(r.body[:2]))
		r = f.get("/api/queries/"+itoa(q.ID)+"/results/"+itoa(q.LatestQueryDataID)+".json", f.s.AdminKey())
		assert.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "private,max-age=31557600", r.header.Get("Cache-Control"))
		r = f.get("/api/queries/"+itoa(q.ID)+"/results.bogus", f.s.AdminKey())
		if major(v) >= 9 {
			assert.Equal(t, http.StatusInternalServerError, r.status)
		} else {
			assert.Contains(t, r.header.Get("Content-Type"), "text/csv")
		}
	}
}

func TestQueryKeyRunsOnlySafeQueries(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 1500})
	unsafe := queryBy(t, f.s, func(q Query) bool {
		return !q.IsArchived && q.DataSourceID == dsProduction && !isSafe(q.Parameters)
	})
	r := f.do(http.MethodPost, "/api/queries/"+itoa(unsafe.ID)+"/results?api_key="+unsafe.APIKey, "", map[string]any{})
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, msgUnsafeKey, decodeJob(t, r).Job.Error)

	safe := queryBy(t, f.s, func(q Query) bool {
		return !q.IsArchived && q.DataSourceID == dsProduction && len(q.Parameters) == 0 && q.LatestQueryDataID != 0
	})
	r = f.do(http.MethodPost, "/api/queries/"+itoa(safe.ID)+"/results?api_key="+safe.APIKey, "", map[string]any{})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var cached struct {
		QueryResult map[string]any `json:"query_result"`
	}
	require.NoError(t, json.Unmarshal(r.body, &cached))
	assert.Len(t, cached.QueryResult, 2, "a query key gets only data and retrieved_at")
	assert.Contains(t, cached.QueryResult, "data")
	assert.Contains(t, cached.QueryResult, "retrieved_at")
}

func TestResultColumnsFollowSQL(t *testing.T) {
	cols := columnsFromSQL("SELECT date_trunc('week', created_at) AS period, count(*) AS total\nFROM ops.incidents")
	assert.Equal(t, []column{{"period", "date"}, {"total", "integer"}}, cols)
	r := &QueryResult{ID: 3, SQL: "SELECT region, avg(amount) AS avg_amount FROM t"}
	got, rows := resultData(r)
	assert.Equal(t, []column{{"region", "string"}, {"avg_amount", "float"}}, got)
	require.NotEmpty(t, rows)
	assert.IsType(t, float64(0), rows[0]["avg_amount"])
	again, rows2 := resultData(r)
	assert.Equal(t, got, again)
	assert.Equal(t, rows, rows2, "deterministic")
}
