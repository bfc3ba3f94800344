package export_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/fakesheets"
)

// sheetEnv is a fake Redash and a fake Google Sheets API, both over real
// HTTP, and the environment that points redashctl at them.
type sheetEnv struct {
	rd    *fakeredash.Server
	rdURL string
	fs    *fakesheets.Server
	fsURL string
	env   clitest.Env
}

func newSheetEnv(t *testing.T, so fakesheets.Options) *sheetEnv {
	t.Helper()
	rd, url := clitest.Fake(t, fakeredash.Options{Queries: 40, Seed: 7})
	so.NoAuth = true
	fs := fakesheets.New(so)
	hs := httptest.NewServer(fs)
	t.Cleanup(hs.Close)
	env := clitest.EnvFor(url, rd.AdminKey())
	env["REDASHCTL_SHEETS_ENDPOINT"] = hs.URL
	env["REDASHCTL_SHEETS_CREDENTIALS"] = "none"
	return &sheetEnv{rd: rd, rdURL: url, fs: fs, fsURL: hs.URL, env: env}
}

// with returns the environment plus kv pairs.
func (e *sheetEnv) with(kv ...string) clitest.Env {
	out := clitest.Env{}
	for k, v := range e.env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// fast are the flags that keep command tests quick: no write pacing and
// short polls of running queries.
var fast = []string{"--writes-per-minute", "0", "--poll-interval", "2ms"}

// export runs `export <verb> args... <fast flags>` (validate takes no
// poll interval).
func (e *sheetEnv) export(t *testing.T, env clitest.Env, verb string, args ...string) clitest.Result {
	t.Helper()
	all := append([]string{"export", verb}, args...)
	if verb == "validate" {
		all = append(all, "--writes-per-minute", "0")
	} else {
		all = append(all, fast...)
	}
	return clitest.Run(t, env, all...)
}

// salesQuery adds a query with one enum parameter whose result has a date,
// a date-time, a text, an integer and a float column.
func (e *sheetEnv) salesQuery(name string) int {
	return e.rd.AddQuery(fakeredash.QuerySpec{
		Name: name,
		SQL:  "SELECT day, created_at, region, count(*) AS total, avg(amount) AS avg_amount FROM sales WHERE region = '{{ region }}' AND '" + name + "' = '" + name + "'",
		Options: json.RawMessage(`{"parameters": [
 {"name": "region", "title": "Region", "type": "enum", "enumOptions": "EMEA\nAMER\nAPAC", "value": "EMEA"}]}`),
	})
}

// cachedQuery finds a generated query without parameters whose latest
// result is at least two days old (a cached export of it is deterministic).
func (e *sheetEnv) cachedQuery(t *testing.T, skip int) (fakeredash.Query, fakeredash.QueryResult) {
	t.Helper()
	snap := e.rd.Snapshot()
	res := map[int]fakeredash.QueryResult{}
	for _, r := range snap.Results {
		res[r.ID] = r
	}
	for _, q := range snap.Queries {
		r, ok := res[q.LatestQueryDataID]
		if ok && !q.IsArchived && !q.IsDraft && q.DataSourceID == 1 && len(q.Parameters) == 0 && !strings.Contains(q.SQL, "{{") &&
			!strings.Contains(q.SQL, "deprecated_") && clitest.Now.Sub(r.RetrievedAt) > 48*time.Hour && r.QueryHash == q.QueryHash {
			if skip == 0 {
				return q, r
			}
			skip--
		}
	}
	t.Fatal("no query with an old cached result in the generated world")
	return fakeredash.Query{}, fakeredash.QueryResult{}
}

// result reads a result from the fake Redash, as the source of truth.
type result struct {
	Columns []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"columns"`
	Rows []map[string]any `json:"rows"`
}

func (e *sheetEnv) result(t *testing.T, id int) result {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("%s/api/query_results/%d", e.rdURL, id), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Key "+e.rd.AdminKey())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var body struct {
		QueryResult struct {
			Data result `json:"data"`
		} `json:"query_result"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	require.NoError(t, dec.Decode(&body))
	return body.QueryResult.Data
}

var sheetEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// assertGrid compares a tab, cell by cell, with a result: a header row of
// column names unless noHeader, then one row per result row with its
// values typed (dates and date-times as serial numbers with a date format,
// numbers as numbers), and nothing else in the grid.
func assertGrid(t *testing.T, fs *fakesheets.Server, id, tab string, want result, noHeader bool) {
	t.Helper()
	grid, err := fs.Grid(id, tab)
	require.NoError(t, err)
	first := 1
	if noHeader {
		first = 0
	}
	require.Len(t, grid, len(want.Rows)+first, "the grid fits the result exactly")
	if !noHeader {
		for c, col := range want.Columns {
			assert.Equal(t, col.Name, grid[0][c].Value, "header %d", c)
		}
	}
	for r, row := range want.Rows {
		cells := grid[r+first]
		require.Len(t, cells, len(want.Columns))
		for c, col := range want.Columns {
			cell, v := cells[c], row[col.Name]
			where := fmt.Sprintf("row %d column %s", r+1, col.Name)
			switch col.Type {
			case "date", "datetime":
				layout, typ := "2006-01-02", "DATE"
				if col.Type == "datetime" {
					layout, typ = "2006-01-02T15:04:05", "DATE_TIME"
				}
				at, err := time.Parse(layout, v.(string))
				require.NoError(t, err)
				if assert.IsType(t, 0.0, cell.Value, where) {
					assert.InDelta(t, at.Sub(sheetEpoch).Hours()/24, cell.Value.(float64), 1e-9, where)
				}
				assert.Equal(t, typ, cell.Format.Type, where)
			case "integer", "float":
				n, err := v.(json.Number).Float64()
				require.NoError(t, err)
				assert.Equal(t, n, cell.Value, where)
			default:
				assert.Equal(t, v, cell.Value, where)
			}
		}
	}
}

// stagingTabs lists the tabs an export left behind.
func stagingTabs(fs *fakesheets.Server, id string) []string {
	var out []string
	for _, p := range fs.Sheets(id) {
		if p.Hidden || strings.HasPrefix(p.Title, "redashctl-staging-") {
			out = append(out, p.Title)
		}
	}
	return out
}

// records decodes JSON status lines.
func records(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "a JSON status line: %s", line)
		recs = append(recs, m)
	}
	return recs
}

// recordOf returns the record of a job.
func recordOf(t *testing.T, recs []map[string]any, job string) map[string]any {
	t.Helper()
	for _, r := range recs {
		if r["job"] == job {
			return r
		}
	}
	t.Fatalf("no status line for job %q", job)
	return nil
}

// sheetWrites counts the write requests the fake Sheets received.
func sheetWrites(fs *fakesheets.Server) int { return len(fs.WriteRequests()) }

// redashRuns counts the query runs the fake Redash received.
func redashRuns(rd *fakeredash.Server) int {
	n := 0
	for _, r := range rd.Requests() {
		if r.Method == http.MethodPost && (strings.HasSuffix(r.Path, "/results") || r.Path == "/api/query_results") {
			n++
		}
	}
	return n
}

// queryReads lists the GET /api/queries/<id> requests the fake saw: Redash
// 6 and later record each as a view of the query.
func queryReads(rd *fakeredash.Server) []string {
	var out []string
	for _, r := range rd.Requests() {
		rest, ok := strings.CutPrefix(r.Path, "/api/queries/")
		if r.Method == http.MethodGet && ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			out = append(out, r.Path)
		}
	}
	return out
}

func intOf(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func assertNoStaging(t *testing.T, fs *fakesheets.Server, id string) {
	t.Helper()
	assert.Empty(t, stagingTabs(fs, id), "no staging tab left behind")
}
