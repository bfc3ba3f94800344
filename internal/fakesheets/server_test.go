package fakesheets

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuth(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		auth   string
		status int
		gstat  string
	}{
		{"bearer accepted", Options{}, "Bearer tok", 200, ""},
		{"missing header", Options{}, "", 401, "UNAUTHENTICATED"},
		{"not bearer", Options{}, "Basic dXNlcjpwYXNz", 401, "UNAUTHENTICATED"},
		{"empty bearer", Options{}, "Bearer ", 401, "UNAUTHENTICATED"},
		{"unknown token", Options{Tokens: []string{"good"}}, "Bearer tok", 401, "UNAUTHENTICATED"},
		{"listed token", Options{Tokens: []string{"good"}}, "Bearer good", 200, ""},
		{"no auth needed", Options{NoAuth: true}, "", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			e.fake.CreateSpreadsheet("s1")
			a := e.do("GET", "/v4/spreadsheets/s1", nil, "Authorization", tt.auth)
			assert.Equal(t, tt.status, a.Status, string(a.Body))
			assert.Equal(t, tt.gstat, a.errorStatus())
		})
	}
}

func TestNotFoundAndForbidden(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("open")
	e.fake.CreateSpreadsheet("private")
	e.fake.CreateSpreadsheet("viewonly")
	require.NoError(t, e.fake.SetAccess("private", AccessNone))
	require.NoError(t, e.fake.SetAccess("viewonly", AccessView))
	require.Error(t, e.fake.SetAccess("nope", AccessView))

	a := e.do("GET", "/v4/spreadsheets/missing", nil)
	assert.Equal(t, 404, a.Status)
	assert.Equal(t, "NOT_FOUND", a.errorStatus())
	assert.Equal(t, "Requested entity was not found.", a.errorMessage())

	a = e.do("GET", "/v4/spreadsheets/private", nil)
	assert.Equal(t, 403, a.Status)
	assert.Equal(t, "PERMISSION_DENIED", a.errorStatus())
	assert.Equal(t, "The caller does not have permission", a.errorMessage())

	assert.Equal(t, 200, e.do("GET", "/v4/spreadsheets/viewonly", nil).Status)
	a = e.put("viewonly", "Sheet1!A1", "RAW", [][]any{{"x"}})
	assert.Equal(t, 403, a.Status)
	assert.Empty(t, e.values("viewonly", "Sheet1"), "a refused write changes nothing")
	assert.Equal(t, 200, e.put("open", "Sheet1!A1", "RAW", [][]any{{"x"}}).Status)

	a = e.do("GET", "/v4/spreadsheets/open/bogus/path", nil)
	assert.Equal(t, 404, a.Status)
	a = e.do("DELETE", "/v4/spreadsheets/open", nil)
	assert.Equal(t, 405, a.Status)
}

func TestAutoCreate(t *testing.T) {
	e := newEnv(t, Options{AutoCreate: true})
	a := e.do("GET", "/v4/spreadsheets/demo", nil)
	require.Equal(t, 200, a.Status)
	assert.Equal(t, []SheetProperties{{SheetID: 0, Title: "Sheet1", RowCount: 1000, ColumnCount: 26}}, e.fake.Sheets("demo"))
	assert.Equal(t, []string{"demo"}, e.fake.Spreadsheets())
}

func TestPayloadLimit(t *testing.T) {
	e := newEnv(t, Options{MaxRequestBytes: 1000})
	e.fake.CreateSpreadsheet("s")
	big := [][]any{{strings.Repeat("x", 2000)}}
	a := e.put("s", "Sheet1!A1", "RAW", big)
	assert.Equal(t, 400, a.Status)
	assert.Equal(t, "Request payload size exceeds the limit: 1000 bytes.", a.errorMessage())
	assert.Empty(t, e.values("s", "Sheet1"))
	reqs := e.fake.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, 1001, reqs[0].Bytes, "a body over the limit is logged as limit+1 bytes")

	def := New(Options{})
	assert.Equal(t, int64(DefaultMaxRequestBytes), def.maxBody, "10 MiB by default")
}

func TestWriteQuota(t *testing.T) {
	e := newEnv(t, Options{WritesPerMinute: 3, QuotaRetryAfter: true})
	e.fake.CreateSpreadsheet("s")
	for i := 0; i < 3; i++ {
		require.Equal(t, 200, e.put("s", "Sheet1!A1", "RAW", [][]any{{i}}).Status)
		e.clock.Advance(10 * time.Second)
	}
	a := e.put("s", "Sheet1!A1", "RAW", [][]any{{"over"}})
	require.Equal(t, 429, a.Status)
	assert.Equal(t, "RESOURCE_EXHAUSTED", a.errorStatus())
	assert.Contains(t, a.errorMessage(), "Quota exceeded for quota metric 'Write requests'")
	details := a.JSON["error"].(map[string]any)["details"].([]any)
	assert.Equal(t, "RATE_LIMIT_EXCEEDED", details[0].(map[string]any)["reason"])
	// The first write (at t0) leaves the window at t0+60s; now is t0+30s.
	assert.Equal(t, "30", a.Header.Get("Retry-After"))
	assert.Equal(t, [][]any{{2.0}}, e.values("s", "Sheet1"), "the refused write was not applied")

	// Reads are not limited by default, and do not use the write quota.
	assert.Equal(t, 200, e.do("GET", "/v4/spreadsheets/s", nil).Status)

	// Another user has a quota of their own.
	assert.Equal(t, 200, e.do("PUT", "/v4/spreadsheets/s/values/A1?valueInputOption=RAW",
		map[string]any{"values": [][]any{{"other"}}}, "Authorization", "Bearer other").Status)

	e.clock.Advance(30 * time.Second) // the first write leaves the window
	assert.Equal(t, 200, e.put("s", "Sheet1!A1", "RAW", [][]any{{"again"}}).Status)
	assert.Equal(t, 429, e.put("s", "Sheet1!A1", "RAW", [][]any{{"over"}}).Status)
}

func TestQuotaDefaultsAndReads(t *testing.T) {
	e := newEnv(t, Options{ReadsPerMinute: 2})
	e.fake.CreateSpreadsheet("s")
	for i := 0; i < DefaultWritesPerMinute; i++ {
		require.Equal(t, 200, e.put("s", "A1", "RAW", [][]any{{i}}).Status, "write %d", i)
	}
	a := e.put("s", "A1", "RAW", [][]any{{"x"}})
	assert.Equal(t, 429, a.Status, "60 writes per minute by default")
	assert.Empty(t, a.Header.Get("Retry-After"), "Google promises no Retry-After")

	assert.Equal(t, 200, e.do("GET", "/v4/spreadsheets/s", nil).Status)
	assert.Equal(t, 200, e.get("s", "A1", "").Status)
	a = e.get("s", "A1", "")
	assert.Equal(t, 429, a.Status)
	assert.Contains(t, a.errorMessage(), "'Read requests'")

	unlimited := newEnv(t, Options{WritesPerMinute: -1})
	unlimited.fake.CreateSpreadsheet("s")
	for i := 0; i < 100; i++ {
		require.Equal(t, 200, unlimited.put("s", "A1", "RAW", [][]any{{i}}).Status)
	}
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t, Options{RecordBodies: true})
	e.fake.CreateSpreadsheet("s")
	e.do("GET", "/v4/spreadsheets/s?fields=sheets.properties.title", nil)
	e.batch("s", map[string]any{"addSheet": map[string]any{}}, map[string]any{"deleteSheet": map[string]any{"sheetId": 999}})
	e.put("s", "Sheet1!A1", "RAW", [][]any{{1}})
	e.do("POST", "/v4/spreadsheets/s/values/Sheet1!A1:append?valueInputOption=RAW", map[string]any{"values": [][]any{{1}}})
	e.do("POST", "/v4/spreadsheets/s/values/Sheet1!A1:clear", map[string]any{})
	e.do("POST", "/v4/spreadsheets/s/values:batchUpdate", map[string]any{"valueInputOption": "RAW"})
	e.do("POST", "/v4/spreadsheets/s/values:batchClear", map[string]any{})
	e.do("GET", "/v4/spreadsheets/s/values:batchGet?ranges=A1", nil)
	e.get("s", "'Sheet1'!A1", "")

	reqs := e.fake.Requests()
	require.Len(t, reqs, 9)
	ops := make([]string, len(reqs))
	for i, r := range reqs {
		ops[i] = r.Op
		assert.Equal(t, "s", r.SpreadsheetID)
		assert.Equal(t, t0, r.Time)
	}
	assert.Equal(t, []string{
		"spreadsheets.get", "spreadsheets.batchUpdate", "values.update", "values.append",
		"values.clear", "values.batchUpdate", "values.batchClear", "values.batchGet", "values.get",
	}, ops)
	assert.Equal(t, []string{"addSheet", "deleteSheet"}, reqs[1].Kinds)
	assert.Equal(t, 400, reqs[1].Status, "the batch fails as a whole: no sheet 999")
	assert.Equal(t, "sheets.properties.title", reqs[0].Query.Get("fields"))
	assert.Equal(t, "/v4/spreadsheets/s/values/'Sheet1'!A1", reqs[8].Path)
	assert.JSONEq(t, `{"values":[[1]]}`, string(reqs[2].Body))
	assert.Equal(t, len(reqs[2].Body), reqs[2].Bytes)
	assert.Len(t, e.fake.WriteRequests(), 6)
	e.fake.ResetRequests()
	assert.Empty(t, e.fake.Requests())
}

func TestFaults(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s")

	e.fake.AddFault(Fault{Kind: FaultRateLimit, Op: "values.update", RetryAfter: 7, Times: 1})
	a := e.put("s", "A1", "RAW", [][]any{{"x"}})
	assert.Equal(t, 429, a.Status)
	assert.Equal(t, "7", a.Header.Get("Retry-After"))
	assert.Equal(t, "RESOURCE_EXHAUSTED", a.errorStatus())
	assert.Empty(t, e.values("s", "Sheet1"), "a faulted request is not applied")
	assert.Equal(t, 200, e.put("s", "A1", "RAW", [][]any{{"x"}}).Status, "Times: 1")
	assert.Equal(t, []int{1}, e.fake.FaultHits())
	e.fake.ClearFaults()

	e.fake.AddFault(Fault{Kind: FaultHTML5xx, Method: "GET", Skip: 1, Times: 2})
	assert.Equal(t, 200, e.do("GET", "/v4/spreadsheets/s", nil).Status, "Skip lets the first through")
	a = e.do("GET", "/v4/spreadsheets/s", nil)
	assert.Equal(t, 502, a.Status)
	assert.Contains(t, string(a.Body), "<title>Error 502")
	assert.Equal(t, 502, e.do("GET", "/v4/spreadsheets/s", nil).Status)
	assert.Equal(t, 200, e.do("GET", "/v4/spreadsheets/s", nil).Status)
	e.fake.ClearFaults()

	e.fake.AddFault(Fault{Kind: FaultHTML5xx, Status: 503, PathPrefix: "/v4/spreadsheets/s/values", BodyContains: "poison"})
	assert.Equal(t, 200, e.put("s", "A1", "RAW", [][]any{{"fine"}}).Status)
	assert.Equal(t, 503, e.put("s", "A1", "RAW", [][]any{{"poison"}}).Status)
	assert.Equal(t, [][]any{{"fine"}}, e.values("s", "Sheet1"))
	e.fake.ClearFaults()

	// Reset: nothing applied, no answer.
	e.fake.AddFault(Fault{Kind: FaultReset, Op: "values.update", Times: 1})
	_, err := rawPut(e, "reset")
	require.Error(t, err)
	assert.Equal(t, [][]any{{"fine"}}, e.values("s", "Sheet1"))

	// Truncate: applied, half an answer.
	e.fake.AddFault(Fault{Kind: FaultTruncate, Op: "values.update", Times: 1})
	body, err := rawPut(e, "truncated")
	require.Error(t, err)
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "%v", err)
	assert.NotEmpty(t, body)
	assert.Equal(t, [][]any{{"truncated"}}, e.values("s", "Sheet1"), "the change is made")

	// A handler may log after the client saw its connection drop, so look
	// the entries up rather than by position.
	byFault := map[string]Request{}
	for _, r := range e.fake.Requests() {
		if r.Fault != "" {
			byFault[r.Fault] = r
		}
	}
	assert.Contains(t, byFault, "reset")
	assert.Equal(t, 200, byFault["truncate"].Status, "the status the truncated answer carried")
	assert.Equal(t, "rate-limit", FaultRateLimit.String())
	assert.Equal(t, "fault(99)", FaultKind(99).String())
}

func rawPut(e *env, v string) ([]byte, error) {
	req, err := http.NewRequest("PUT", e.srv.URL+"/v4/spreadsheets/s/values/A1?valueInputOption=RAW",
		strings.NewReader(`{"values":[["`+v+`"]]}`))
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func TestFaultSlowAndRate(t *testing.T) {
	e := newEnv(t, Options{Seed: 3})
	e.fake.CreateSpreadsheet("s")
	e.fake.AddFault(Fault{Kind: FaultSlow, Delay: time.Hour, Op: "values.update"})
	ctx, cancel := context.WithCancel(t.Context())
	req, err := http.NewRequestWithContext(ctx, "PUT", e.srv.URL+"/v4/spreadsheets/s/values/A1?valueInputOption=RAW",
		strings.NewReader(`{"values":[["slow"]]}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tok")
	done := make(chan error, 1)
	go func() {
		resp, err := e.srv.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	// Whether the cancel lands before or while the fake sleeps, the write
	// must not be applied.
	cancel()
	require.Error(t, <-done)
	e.fake.ClearFaults()
	assert.Empty(t, e.values("s", "Sheet1"), "a cancelled slow request is not applied")

	e.fake.AddFault(Fault{Kind: FaultSlow, Delay: time.Millisecond})
	assert.Equal(t, 200, e.put("s", "A1", "RAW", [][]any{{"late"}}).Status)
	e.fake.ClearFaults()

	e.fake.AddFault(Fault{Kind: FaultHTML5xx, Rate: 0.5})
	hit := 0
	for i := 0; i < 200; i++ {
		if e.do("GET", "/v4/spreadsheets/s", nil).Status == 502 {
			hit++
		}
	}
	assert.InDelta(t, 100, hit, 40, "about half the requests are hit")
}

func TestClock(t *testing.T) {
	c := NewClock(t0)
	require.NoError(t, c.Sleep(t.Context(), time.Minute))
	assert.Equal(t, t0.Add(time.Minute), c.Now())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, c.Sleep(ctx, time.Minute), context.Canceled)
	assert.Equal(t, t0.Add(time.Minute), c.Now(), "a cancelled sleep does not advance")
}
