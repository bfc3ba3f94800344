package plan_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/pkg/plan"
)

// fakeSheets starts a fake Google Sheets over httptest with one
// spreadsheet, "book", of one tab "Sheet1".
func fakeSheets(t *testing.T, o fakesheets.Options) (*fakesheets.Server, string) {
	t.Helper()
	if len(o.Tokens) == 0 {
		o.NoAuth = true
	}
	srv := fakesheets.New(o)
	srv.CreateSpreadsheet("book")
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

// sheetArgs are the connection flags for a fake Sheets, without pacing.
func sheetArgs(endpoint string) []string {
	return []string{"--sheets-endpoint", endpoint, "--credentials", "none", "--writes-per-minute", "0"}
}

const bookURL = "https://docs.google.com/spreadsheets/d/book/edit"

// reviewerEdit reads a tab of the fake as a reviewer sees it, lets f edit
// the rows (header first, cells as the API's unformatted values), and
// writes them back, as typing into the UI would.
func reviewerEdit(t *testing.T, srv *fakesheets.Server, tab string, f func(rows [][]any, col map[string]int) [][]any) {
	t.Helper()
	rows, err := srv.Values("book", tab)
	require.NoError(t, err)
	require.NotEmpty(t, rows)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h.(string)] = i
	}
	edited := f(rows, col)
	// Clear what was there: a reviewer who deletes rows leaves empty ones.
	blank := make([][]any, len(rows))
	for i := range blank {
		blank[i] = make([]any, len(plan.CSVHeader))
		for j := range blank[i] {
			blank[i][j] = ""
		}
	}
	require.NoError(t, srv.SetValues("book", tab, blank))
	require.NoError(t, srv.SetValues("book", tab, edited))
}

// TestAuditSheetReviewImport is the campaign of issue 3 through a Google
// Sheet: audit the sandbox into a plan and a review tab, a team marks in
// the sheet what it needs (and sorts it), and the decisions come back into
// a plan that archives the rest.
func TestAuditSheetReviewImport(t *testing.T) {
	rsrv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 400, Seed: 31})
	ssrv, endpoint := fakeSheets(t, fakesheets.Options{})
	env := clitest.EnvFor(url, rsrv.AdminKey())
	planPath := filepath.Join(t.TempDir(), "plan.json")

	res := clitest.Run(t, env, append([]string{"audit", "--out", planPath, "--sheet", bookURL, "--tab", "Review"}, sheetArgs(endpoint)...)...)
	require.Equal(t, 0, res.Code, res.Stderr)
	p := readPlanFile(t, planPath)
	counts := p.Counts()
	require.Positive(t, counts[plan.Archive])
	tab, ok := ssrv.Sheet("book", "Review")
	require.True(t, ok, "the tab is created")
	assert.Contains(t, res.Stderr, fmt.Sprintf("Wrote the review sheet: %d rows to %s#gid=%d tab \"Review\"\n", len(p.Items), bookURL, tab.SheetID))

	// The tab holds the columns of plan export --csv, one row per item;
	// ids are numbers, times real dates, the rest text.
	vals, err := ssrv.Values("book", "Review")
	require.NoError(t, err)
	require.Len(t, vals, len(p.Items)+1)
	header := make([]string, len(vals[0]))
	for i, h := range vals[0] {
		header[i] = h.(string)
	}
	assert.Equal(t, plan.CSVHeader, header)
	grid, err := ssrv.Grid("book", "Review")
	require.NoError(t, err)
	for i, it := range p.Items {
		row := vals[i+1]
		assert.Equal(t, float64(it.QueryID), row[0], "row %d", i+2)
		assert.Equal(t, string(it.Action), row[1], "row %d", i+2)
		if it.Before.LastRunAt != nil {
			assert.Equal(t, "DATE_TIME", grid[i+1][10].Format.Type, "last_run_at of row %d is a date-time", i+2)
		}
	}

	// The team keeps five queries, and sorts the sheet by id, descending.
	kept := map[int]bool{}
	reviewerEdit(t, ssrv, "Review", func(rows [][]any, col map[string]int) [][]any {
		for _, row := range rows[1:] {
			if row[col["decision"]] == "archive" && len(kept) < 5 {
				row[col["decision"]] = "Keep"
				kept[int(row[col["query_id"]].(float64))] = true
			}
		}
		body := rows[1:]
		slices.SortFunc(body, func(a, b []any) int { return int(b[0].(float64) - a[0].(float64)) })
		return rows
	})

	res = clitest.Run(t, nil, append([]string{"plan", "import", planPath, "--sheet", bookURL, "--tab", "review"}, sheetArgs(endpoint)...)...)
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, fmt.Sprintf("Imported %d decisions into %s: 5 changed (5 to keep, 0 to archive); the plan now archives %d and keeps %d\n",
		len(p.Items), planPath, counts[plan.Archive]-5, counts[plan.Keep]+5))
	reviewed := readPlanFile(t, planPath)
	assert.Equal(t, counts[plan.Archive]-5, reviewed.Counts()[plan.Archive])
	for _, it := range reviewed.Items {
		if kept[it.QueryID] {
			assert.Equal(t, plan.Keep, it.Action, "query %d", it.QueryID)
			assert.Equal(t, plan.Archive, it.Proposed, "query %d", it.QueryID)
		} else {
			assert.Equal(t, it.Proposed, it.Action, "query %d", it.QueryID)
		}
	}

	res = clitest.Run(t, nil, "plan", "show", planPath, "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	var shown struct {
		Review struct {
			File    string `json:"file"`
			Rows    int    `json:"rows"`
			Changed int    `json:"changed"`
		} `json:"review"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &shown))
	assert.Equal(t, `spreadsheet book tab "review"`, shown.Review.File)
	assert.Equal(t, len(p.Items), shown.Review.Rows)
	assert.Equal(t, 5, shown.Review.Changed)

	// Every sheet request went to the fake, none to Redash's host.
	for _, r := range ssrv.Requests() {
		assert.Equal(t, "book", r.SpreadsheetID)
	}
}

// TestExportSheet: plan export --sheet writes the review tab, and writing
// it again replaces the rows in place (same tab id).
func TestExportSheet(t *testing.T) {
	path, p := samplePlan(t)
	ssrv, endpoint := fakeSheets(t, fakesheets.Options{})
	// REDASHCTL_SHEETS_ENDPOINT works like --sheets-endpoint.
	env := clitest.Env{"REDASHCTL_SHEETS_ENDPOINT": endpoint}
	res := clitest.Run(t, env, "plan", "export", path, "--sheet", bookURL+"#gid=0", "--credentials", "none", "--writes-per-minute", "0")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, "Wrote 3 rows (2 to archive, 1 to keep) to "+bookURL+"#gid=0 tab \"Sheet1\"\n", res.Stderr)
	assert.Empty(t, res.Stdout)
	vals, err := ssrv.Values("book", "Sheet1")
	require.NoError(t, err)
	require.Len(t, vals, 4)
	assert.Equal(t, []any{
		float64(11), "archive", "archive", "Old revenue", "stale;unused",
		"stale: last run on 2026-04-13\nunused: on no dashboard", nil, "ann@example.com", float64(1),
	}, vals[1][:9])
	assert.Equal(t, "https://redash.example.com/queries/40", vals[3][15])

	// A shorter plan replaces the tab: no old row survives.
	p.Items = p.Items[:1]
	writePlan(t, path, p)
	res = clitest.Run(t, nil, append([]string{"plan", "export", path, "--sheet", bookURL}, sheetArgs(endpoint)...)...)
	require.Equal(t, 0, res.Code, res.Stderr)
	vals, err = ssrv.Values("book", "Sheet1")
	require.NoError(t, err)
	assert.Len(t, vals, 2)
	assert.Len(t, ssrv.Sheets("book"), 1, "no staging tab is left")
	assert.Equal(t, int64(0), ssrv.Sheets("book")[0].SheetID, "the tab keeps its id")
}

func writePlan(t *testing.T, path string, p *plan.Plan) {
	t.Helper()
	fh, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, p.Write(fh))
	require.NoError(t, fh.Close())
}

// TestImportSheetErrors: a wrong sheet is refused with every wrong row
// named, and the plan is left as it was.
func TestImportSheetErrors(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(rows [][]any, col map[string]int) [][]any
		stderr string
	}{
		{name: "bad decision", edit: func(rows [][]any, col map[string]int) [][]any {
			rows[2][col["decision"]] = "maybe"
			return rows
		}, stderr: "error: spreadsheet book tab \"Review\": row 3 (query 12): unknown decision \"maybe\": use keep or archive; nothing imported\n"},
		{name: "several", edit: func(rows [][]any, col map[string]int) [][]any {
			rows[1][col["query_id"]] = float64(99)
			rows[3][col["decision"]] = "archive"
			rows[2][col["url"]] = "https://other.example.com/queries/12"
			return rows
		}, stderr: "spreadsheet book tab \"Review\": row 2 (query 99): this query is not in the plan\n" +
			"spreadsheet book tab \"Review\": row 3 (query 12): url https://other.example.com/queries/12 is not this plan's instance https://redash.example.com/\n" +
			"spreadsheet book tab \"Review\": row 4 (query 40): it carries the keep tag and is never archived: remove the tag in Redash and run the audit again\n" +
			"error: spreadsheet book tab \"Review\": 3 problems, nothing imported\n"},
		{name: "deleted rows", edit: func(rows [][]any, col map[string]int) [][]any {
			return rows[:2]
		}, stderr: "error: spreadsheet book tab \"Review\": 2 plan items have no row (queries 12, 40): put their rows back, or export the plan again; nothing imported\n"},
		{name: "decision column gone", edit: func(rows [][]any, col map[string]int) [][]any {
			rows[0][col["decision"]] = "verdict"
			return rows
		}, stderr: "error: spreadsheet book tab \"Review\": row 1: no decision column: the header must keep the query_id and decision columns; nothing imported\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := samplePlan(t)
			before, err := os.ReadFile(path)
			require.NoError(t, err)
			ssrv, endpoint := fakeSheets(t, fakesheets.Options{})
			res := clitest.Run(t, nil, append([]string{"plan", "export", path, "--sheet", "book", "--tab", "Review"}, sheetArgs(endpoint)...)...)
			require.Equal(t, 0, res.Code, res.Stderr)
			reviewerEdit(t, ssrv, "Review", tt.edit)
			res = clitest.Run(t, nil, append([]string{"plan", "import", path, "--sheet", "book", "--tab", "Review"}, sheetArgs(endpoint)...)...)
			assert.Equal(t, 1, res.Code)
			assert.Equal(t, tt.stderr, res.Stderr)
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "the plan is not touched")
		})
	}
}

// TestSheetFailures: Google credential and sharing problems exit 4, other
// failures 1; a read or write that fails changes neither the plan nor the
// tab.
func TestSheetFailures(t *testing.T) {
	path, _ := samplePlan(t)
	ssrv, endpoint := fakeSheets(t, fakesheets.Options{Tokens: []string{"good-token"}})
	keyFile := clitest.WriteFile(t, "key.json", `{"type": "authorized_user"}`, 0o600)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{
			name: "no token", args: []string{"plan", "import", path, "--sheet", "book"}, code: 4,
			stderr: "error: read spreadsheet book: google rejected the credentials: 401 UNAUTHENTICATED",
		},
		{
			name: "not a service-account key", args: []string{"plan", "export", path, "--sheet", "book", "--credentials", keyFile, "--sheets-endpoint", endpoint}, code: 4,
			stderr: `error: google credentials ` + keyFile + `: type "authorized_user" is not a service-account key`,
		},
		{
			name: "missing key file", args: []string{"plan", "import", path, "--sheet", "book", "--credentials", filepath.Join(t.TempDir(), "nope.json"), "--sheets-endpoint", endpoint}, code: 4,
			stderr: "error: google credentials: open ",
		},
		{
			name: "none without endpoint", args: []string{"plan", "import", path, "--sheet", "book", "--credentials", "none"}, code: 4,
			stderr: `error: sheets credentials "none" need a sheets endpoint`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if !slices.Contains(args, "--credentials") {
				args = append(slices.Clone(args), sheetArgs(endpoint)...)
			}
			res := clitest.Run(t, nil, args...)
			assert.Equal(t, tt.code, res.Code, res.Stderr)
			assert.Contains(t, res.Stderr, tt.stderr)
		})
	}
	assert.Empty(t, ssrv.WriteRequests(), "nothing was written")
}

// TestSheetShared: with a token the fake accepts, sharing decides: a
// spreadsheet not shared exits 4 for reads and writes, a view-only one can
// be read but not written, and a missing tab or spreadsheet exits 1.
func TestSheetShared(t *testing.T) {
	path, _ := samplePlan(t)
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	ssrv, endpoint := fakeSheets(t, fakesheets.Options{})
	ssrv.CreateSpreadsheet("private")
	require.NoError(t, ssrv.SetAccess("private", fakesheets.AccessNone))
	ssrv.CreateSpreadsheet("viewonly", "Review")
	require.NoError(t, ssrv.SetAccess("viewonly", fakesheets.AccessView))
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{
			name: "read not shared", args: []string{"plan", "import", path, "--sheet", "private"}, code: 4,
			stderr: "error: read spreadsheet private: spreadsheet private is not shared with the account redashctl uses (share it with that address, as Viewer at least) [403 PERMISSION_DENIED: The caller does not have permission]\n",
		},
		{
			name: "write not shared", args: []string{"plan", "export", path, "--sheet", "private"}, code: 4,
			stderr: "error: write to spreadsheet private: spreadsheet private is not shared with the account redashctl uses as Editor (share it with that address) [403 PERMISSION_DENIED: The caller does not have permission]\n",
		},
		{
			name: "write view only", args: []string{"plan", "export", path, "--sheet", "viewonly", "--tab", "Review"}, code: 4,
			stderr: "as Editor",
		},
		{
			name: "read missing tab", args: []string{"plan", "import", path, "--sheet", "book", "--tab", "Decisions"}, code: 1,
			stderr: "error: read spreadsheet book tab \"Decisions\": spreadsheet book has no tab \"Decisions\"\n",
		},
		{
			name: "read missing spreadsheet", args: []string{"plan", "import", path, "--sheet", "gone"}, code: 1,
			stderr: "error: read spreadsheet gone: spreadsheet gone not found: check the URL or id\n",
		},
		{
			name: "read empty tab", args: []string{"plan", "import", path, "--sheet", "book"}, code: 1,
			stderr: "error: spreadsheet book: the review sheet is empty: it needs a header row with query_id and decision; nothing imported\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := clitest.Run(t, nil, append(slices.Clone(tt.args), sheetArgs(endpoint)...)...)
			assert.Equal(t, tt.code, res.Code, res.Stderr)
			if tt.code == 4 && tt.stderr == "as Editor" {
				assert.Contains(t, res.Stderr, tt.stderr)
			} else {
				assert.Equal(t, tt.stderr, res.Stderr)
			}
		})
	}
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after))
	vals, err := ssrv.Values("viewonly", "Review")
	require.NoError(t, err)
	assert.Empty(t, vals, "the view-only tab is unchanged")
}

// TestSheetFaults: Google's transient failures are retried (429 with
// Retry-After, a truncated answer); a failure that outlasts the retries
// leaves the tab as it was.
func TestSheetFaults(t *testing.T) {
	path, _ := samplePlan(t)
	tests := []struct {
		name   string
		fault  fakesheets.Fault
		code   int
		stderr string
	}{
		{name: "429 with Retry-After on the read", fault: fakesheets.Fault{Kind: fakesheets.FaultRateLimit, Op: "values.get", Times: 1, RetryAfter: 1}},
		{name: "truncated read", fault: fakesheets.Fault{Kind: fakesheets.FaultTruncate, Op: "values.get", Times: 1}},
		{
			name: "HTML 500 page", fault: fakesheets.Fault{Kind: fakesheets.FaultHTML5xx, Op: "values.get", Status: 500}, code: 1,
			stderr: "error: read spreadsheet book tab \"Review\": 500 Internal Server Error: non-JSON (HTML) answer\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ssrv, endpoint := fakeSheets(t, fakesheets.Options{})
			res := clitest.Run(t, nil, append([]string{"plan", "export", path, "--sheet", "book", "--tab", "Review"}, sheetArgs(endpoint)...)...)
			require.Equal(t, 0, res.Code, res.Stderr)
			ssrv.AddFault(tt.fault)
			out := filepath.Join(t.TempDir(), "reviewed.json")
			res = clitest.Run(t, nil, append([]string{"plan", "import", path, "--sheet", "book", "--tab", "Review", "--out", out}, sheetArgs(endpoint)...)...)
			assert.Positive(t, ssrv.FaultHits()[0], "the fault fired")
			assert.Equal(t, tt.code, res.Code, res.Stderr)
			if tt.code != 0 {
				assert.Equal(t, tt.stderr, res.Stderr)
				assert.NoFileExists(t, out)
				return
			}
			assert.Contains(t, res.Stderr, "Imported 3 decisions into "+out)
			assert.Equal(t, 3, readPlanFile(t, out).Review.Rows)
		})
	}

	t.Run("write fails at the swap", func(t *testing.T) {
		ssrv, endpoint := fakeSheets(t, fakesheets.Options{})
		require.NoError(t, ssrv.SetValues("book", "Sheet1", [][]any{{"old"}}))
		ssrv.AddFault(fakesheets.Fault{Kind: fakesheets.FaultHTML5xx, Op: "spreadsheets.batchUpdate", BodyContains: "copyPaste", Status: 500})
		res := clitest.Run(t, nil, append([]string{"plan", "export", path, "--sheet", "book"}, sheetArgs(endpoint)...)...)
		assert.Equal(t, 1, res.Code)
		assert.Contains(t, res.Stderr, "error: write to spreadsheet book: ")
		assert.Contains(t, res.Stderr, "500 Internal Server Error")
		vals, err := ssrv.Values("book", "Sheet1")
		require.NoError(t, err)
		assert.Equal(t, [][]any{{"old"}}, vals, "the tab is as it was")
		assert.Len(t, ssrv.Sheets("book"), 1, "the staging tab is removed")
	})
}
