package export_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/export"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/sheets"
)

func TestNewCmdSheet(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     clitest.Env
		check   func(t *testing.T, o *export.SheetOptions)
		wantErr string
	}{
		{
			name: "defaults", args: []string{"--query", "42", "--sheet", "https://docs.google.com/spreadsheets/d/abc/edit#gid=7"},
			check: func(t *testing.T, o *export.SheetOptions) {
				assert.Equal(t, 42, o.QueryID)
				assert.Equal(t, "replace", o.Mode)
				assert.Equal(t, "raw", o.ValueInput)
				assert.Equal(t, sheets.DefaultWritesPerMinute, o.WritesPerMinute)
				assert.Equal(t, "text", o.LogFormat)
				assert.False(t, o.Disabled)
				assert.NotNil(t, o.Deps)
			},
		},
		{
			name: "every flag", args: []string{
				"--query", "7", "--sheet", "abc", "--tab", "History", "--mode", "append", "--timestamp-column", "at",
				"--value-input", "user-entered", "--no-header", "--credentials", "none", "--sheets-endpoint", "http://127.0.0.1:1",
				"--writes-per-minute", "0", "--expect-url", "https://redash.example.com", "--dry-run", "--log-format", "json", "--param", "a=1", "--refresh",
			},
			check: func(t *testing.T, o *export.SheetOptions) {
				assert.Equal(t, "History", o.Tab)
				assert.Equal(t, "append", o.Mode)
				assert.True(t, o.NoHeader)
				assert.True(t, o.DryRun)
				assert.True(t, o.Refresh)
				assert.Equal(t, 0, o.WritesPerMinute)
				assert.Equal(t, "none", o.Credentials)
				assert.Equal(t, "http://127.0.0.1:1", o.Endpoint)
			},
		},
		{
			name: "disabled", args: []string{"--query", "1", "--sheet", "abc"}, env: clitest.Env{export.DisabledEnv: "1"},
			check: func(t *testing.T, o *export.SheetOptions) { assert.True(t, o.Disabled) },
		},
		{name: "no sheet", args: []string{"--query", "1"}, wantErr: "--sheet is required: a spreadsheet URL or id"},
		{name: "no query", args: []string{"--sheet", "abc"}, wantErr: "--query is required: the id of a saved query (a positive number)"},
		{
			name: "malformed URL", args: []string{"--query", "1", "--sheet", "https://example.com/sheet"},
			wantErr: `--sheet: invalid spreadsheet "https://example.com/sheet": not a Google Sheets URL (expected https://docs.google.com/spreadsheets/d/<id>/...)`,
		},
		{
			name: "URL without id", args: []string{"--query", "1", "--sheet", "https://docs.google.com/spreadsheets/u/0/"},
			wantErr: `--sheet: invalid spreadsheet "https://docs.google.com/spreadsheets/u/0/": the URL has no /spreadsheets/d/<id>/ part`,
		},
		{name: "empty tab", args: []string{"--query", "1", "--sheet", "abc", "--tab", ""}, wantErr: "--tab is empty: name a tab or leave the flag out"},
		{name: "bad mode", args: []string{"--query", "1", "--sheet", "abc", "--mode", "merge"}, wantErr: `--mode: invalid mode "merge": use replace or append`},
		{name: "bad value input", args: []string{"--query", "1", "--sheet", "abc", "--value-input", "formula"}, wantErr: `--value-input: invalid value input "formula": use raw or user-entered`},
		{name: "timestamp without append", args: []string{"--query", "1", "--sheet", "abc", "--timestamp-column", "at"}, wantErr: "--timestamp-column needs --mode append"},
		{name: "negative pacing", args: []string{"--query", "1", "--sheet", "abc", "--writes-per-minute", "-1"}, wantErr: "--writes-per-minute must not be negative, got -1"},
		{name: "bad endpoint", args: []string{"--query", "1", "--sheet", "abc", "--sheets-endpoint", "localhost:5001"}, wantErr: `--sheets-endpoint "localhost:5001" is not an http(s) URL`},
		{name: "bad expect-url", args: []string{"--query", "1", "--sheet", "abc", "--expect-url", "redash"}, wantErr: `--expect-url: "redash" is not an http(s) URL`},
		{name: "bad log format", args: []string{"--query", "1", "--sheet", "abc", "--log-format", "xml"}, wantErr: `invalid --log-format "xml": use text or json`},
		{
			name: "max-age and refresh", args: []string{"--query", "1", "--sheet", "abc", "--max-age", "1h", "--refresh"},
			wantErr: "if any flags in the group [max-age refresh] are set none of the others can be; [max-age refresh] were all set",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, tt.env.Lookup)
			var got *export.SheetOptions
			cmd := export.NewCmdSheet(f, func(o *export.SheetOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, got)
		})
	}
}

// One export into a new tab, read back cell by cell, then a second one
// that replaces it: the tab keeps its id and holds exactly the new result.
func TestSheetExportAndReplace(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("book", "Sheet1")
	id := e.salesQuery("Sales")

	res := e.export(t, e.env, "sheet", "--query", strconv.Itoa(id), "--param", "region=AMER",
		"--sheet", "https://docs.google.com/spreadsheets/d/book/edit#gid=0", "--tab", "Sales", "--log-format", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Empty(t, res.Stderr)
	rec := records(t, res.Stdout)
	require.Len(t, rec, 1)
	r := rec[0]
	assert.Equal(t, "ok", r["status"])
	assert.Equal(t, fmt.Sprintf("query-%d", id), r["job"])
	assert.Equal(t, "Sales", r["tab"])
	assert.Equal(t, true, r["tab_created"])
	assert.Equal(t, true, r["ran"])
	assert.Equal(t, map[string]any{"region": "AMER"}, r["parameters"])
	assert.Equal(t, 5.0, r["columns"])
	want := e.result(t, intOf(r["result_id"]))
	assert.Equal(t, float64(len(want.Rows)), r["rows"])
	assertGrid(t, e.fs, "book", "Sales", want, false)
	props, ok := e.fs.Sheet("book", "Sales")
	require.True(t, ok)
	assert.Equal(t, float64(props.SheetID), r["sheet_id"])
	assertNoStaging(t, e.fs, "book")

	// The tab grew junk meanwhile: rows and columns beyond the result.
	require.NoError(t, e.fs.SetValues("book", "Sales", junk(60, 9)))
	res = e.export(t, e.env, "sheet", "--query", strconv.Itoa(id), "--param", "region=APAC", "--sheet", "book", "--tab", "sales", "--refresh")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Regexp(t, fmt.Sprintf(`^\S+ ok +query-%d: query %d -> spreadsheet book tab "Sales": \d+ rows, 5 columns, replace; ran now, result (\d+); \d+ write requests\n$`, id, id), res.Stdout)
	m := regexp.MustCompile(`ran now, result (\d+);`).FindStringSubmatch(res.Stdout)
	require.NotNil(t, m)
	rid, _ := strconv.Atoi(m[1])
	assertGrid(t, e.fs, "book", "Sales", e.result(t, rid), false)
	again, _ := e.fs.Sheet("book", "Sales")
	assert.Equal(t, props.SheetID, again.SheetID, "replace keeps the tab's id")
	assertNoStaging(t, e.fs, "book")
}

func junk(rows, cols int) [][]any {
	out := make([][]any, rows)
	for r := range out {
		out[r] = make([]any, cols)
		for c := range out[r] {
			out[r][c] = fmt.Sprintf("old %d/%d", r, c)
		}
	}
	return out
}

// Append: the header once, rows under the existing ones, a timestamp column
// first; a header that names other columns is refused.
func TestSheetAppend(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("book", "History")
	q, r := e.cachedQuery(t, 0)
	args := []string{"--query", strconv.Itoa(q.ID), "--sheet", "book", "--tab", "History", "--mode", "append", "--timestamp-column", "exported_at"}
	for range 2 {
		res := e.export(t, e.env, "sheet", args...)
		require.Equal(t, 0, res.Code, res.Stderr)
		assert.Contains(t, res.Stdout, fmt.Sprintf("append; cached result %d, ", r.ID))
	}
	want := e.result(t, r.ID)
	vals, err := e.fs.Values("book", "History")
	require.NoError(t, err)
	require.Len(t, vals, 1+2*len(want.Rows))
	assert.Equal(t, "exported_at", vals[0][0])
	for i, c := range want.Columns {
		assert.Equal(t, c.Name, vals[0][i+1])
	}
	stamp := clitest.Now.Sub(sheetEpoch).Hours() / 24
	for i := 1; i < len(vals); i++ {
		assert.InDelta(t, stamp, vals[i][0], 1e-9, "row %d carries the export's time", i)
	}

	res := e.export(t, e.env, "sheet", "--query", strconv.Itoa(q.ID), "--sheet", "book", "--tab", "History", "--mode", "append")
	assert.Equal(t, 1, res.Code)
	assert.Contains(t, res.Stderr, "header")
	assert.Contains(t, res.Stdout, " failed ")
	after, err := e.fs.Values("book", "History")
	require.NoError(t, err)
	assert.Equal(t, vals, after, "a refused append changes nothing")
}

// 429s, 5xx answers, resets and truncated answers mid-export: the target
// tab ends up either as it was or as the new result, never mixed, and no
// staging tab is left behind.
func TestSheetFaultsLeaveOldOrNew(t *testing.T) {
	old := junk(30, 6)
	tests := []struct {
		name  string
		fault fakesheets.Fault
		code  int // 0: the new result is in; else the old contents stay
	}{
		{name: "429 on the swap", fault: fakesheets.Fault{Kind: fakesheets.FaultRateLimit, BodyContains: "copyPaste", Times: 1, RetryAfter: 1}},
		{name: "503 while staging", fault: fakesheets.Fault{Kind: fakesheets.FaultHTML5xx, Status: 503, Op: "values.update", Times: 1}},
		{name: "reset on the swap", fault: fakesheets.Fault{Kind: fakesheets.FaultReset, BodyContains: "copyPaste", Times: 1}},
		{name: "truncated swap answer", fault: fakesheets.Fault{Kind: fakesheets.FaultTruncate, BodyContains: "copyPaste", Times: 1}},
		{name: "500 on the swap", fault: fakesheets.Fault{Kind: fakesheets.FaultHTML5xx, Status: 500, BodyContains: "copyPaste"}, code: 1},
		{name: "500 while staging", fault: fakesheets.Fault{Kind: fakesheets.FaultHTML5xx, Status: 500, Op: "values.update"}, code: 1},
	}
	e := newSheetEnv(t, fakesheets.Options{})
	id := e.salesQuery("Faults")
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			book := fmt.Sprintf("book%d", i)
			e.fs.CreateSpreadsheet(book, "Data")
			require.NoError(t, e.fs.SetValues(book, "Data", old))
			before, _ := e.fs.Sheet(book, "Data")
			e.fs.ClearFaults()
			e.fs.AddFault(tt.fault)
			res := e.export(t, e.env, "sheet", "--query", strconv.Itoa(id), "--sheet", book, "--tab", "Data", "--log-format", "json")
			hits := e.fs.FaultHits()
			e.fs.ClearFaults()
			require.Equal(t, tt.code, res.Code, res.Stderr)
			assert.NotZero(t, hits[0], "the fault fired")
			r := records(t, res.Stdout)[0]
			if tt.code == 0 {
				assert.Equal(t, "ok", r["status"])
				assertGrid(t, e.fs, book, "Data", e.result(t, intOf(r["result_id"])), false)
			} else {
				assert.Equal(t, "failed", r["status"])
				vals, err := e.fs.Values(book, "Data")
				require.NoError(t, err)
				assert.Len(t, vals, len(old), "the old contents stay")
				for i := range old {
					for j := range old[i] {
						assert.Equal(t, old[i][j], vals[i][j])
					}
				}
				after, _ := e.fs.Sheet(book, "Data")
				assert.Equal(t, before, after, "the grid is unchanged")
			}
			assertNoStaging(t, e.fs, book)
		})
	}
}

// A result older than --max-result-age never reaches the sheet.
func TestSheetMaxResultAge(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("book", "Data")
	require.NoError(t, e.fs.SetValues("book", "Data", junk(3, 2)))
	q, r := e.cachedQuery(t, 0)
	e.fs.ResetRequests()
	res := e.export(t, e.env, "sheet", "--query", strconv.Itoa(q.ID), "--sheet", "book", "--tab", "Data", "--max-result-age", "1d", "--log-format", "json")
	assert.Zero(t, sheetWrites(e.fs), "a stale cached result is refused before anything is written: %v", e.fs.WriteRequests())
	assert.Equal(t, 1, res.Code)
	assert.Regexp(t, fmt.Sprintf(`error: query %d: result %d is \S+ old \(retrieved \S+\), older than the allowed 1d: nothing was written`, q.ID, r.ID), res.Stderr)
	rec := records(t, res.Stdout)[0]
	assert.Equal(t, "stale-result", rec["error_kind"])
	vals, err := e.fs.Values("book", "Data")
	require.NoError(t, err)
	assert.Equal(t, junk(3, 2)[2][1], vals[2][1])
	assert.Len(t, vals, 3)
	assertNoStaging(t, e.fs, "book")

	// A fresh run passes the same guard.
	res = e.export(t, e.env, "sheet", "--query", strconv.Itoa(q.ID), "--sheet", "book", "--tab", "Data", "--max-result-age", "1d", "--refresh")
	assert.Equal(t, 0, res.Code, res.Stderr)
}

func TestSheetDisabledAndExpectURL(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("book")
	id := e.salesQuery("Guarded")

	res := e.export(t, e.with(export.DisabledEnv, "1"), "sheet", "--query", strconv.Itoa(id), "--sheet", "book")
	assert.Equal(t, 0, res.Code)
	assert.Regexp(t, fmt.Sprintf(`^\S+ disabled +query-%d: export disabled by REDASHCTL_EXPORT_DISABLED: query %d was not exported to spreadsheet book\n$`, id, id), res.Stdout)
	assert.Empty(t, e.fs.Requests(), "nothing reached Sheets")
	assert.Zero(t, redashRuns(e.rd))

	res = e.export(t, e.env, "sheet", "--query", strconv.Itoa(id), "--sheet", "book", "--expect-url", "https://redash.example.com")
	assert.Equal(t, 1, res.Code)
	assert.Contains(t, res.Stderr, "error: expect_url is https://redash.example.com but this run points at "+e.rdURL+": refusing to export")
	assert.Empty(t, e.fs.Requests())
	assert.Zero(t, redashRuns(e.rd))

	res = e.export(t, e.env, "sheet", "--query", strconv.Itoa(id), "--sheet", "book", "--expect-url", e.rdURL+"/")
	assert.Equal(t, 0, res.Code, res.Stderr)
}

func TestSheetDryRun(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("book", "Data")
	id := e.salesQuery("Dry")
	res := e.export(t, e.env, "sheet", "--query", strconv.Itoa(id), "--param", "region=APAC", "--sheet", "book", "--tab", "Data", "--dry-run")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Regexp(t, fmt.Sprintf(`^\S+ dry-run +query-%d: would export query %d "Dry" \(region=APAC\) -> spreadsheet book "[^"]*" tab "Data" \(1000x26 grid\), replace; the spreadsheet is writable\n$`, id, id), res.Stdout)
	assert.Zero(t, redashRuns(e.rd), "a dry run runs nothing")
	assert.Empty(t, queryReads(e.rd), "the query comes from the list: no view event")
	for _, w := range e.fs.WriteRequests() {
		assert.Equal(t, []string{"deleteSheet"}, w.Kinds, "only the permission probe, which Google rejects whole")
	}
	vals, err := e.fs.Values("book", "Data")
	require.NoError(t, err)
	assert.Empty(t, vals)

	res = e.export(t, e.env, "sheet", "--query", "99999", "--sheet", "book", "--tab", "Data", "--dry-run")
	assert.Equal(t, 1, res.Code)
	assert.Regexp(t, `^\S+ failed +query-99999: query 99999 is not in the query list of http://\S+: it does not exist, is archived, or this API key cannot see it`, res.Stdout)
	assert.NotContains(t, res.Stdout, "cannot see it: not found", "said once")
	assert.Empty(t, queryReads(e.rd))
}

// The exit codes through root with the real factory: 0, 1, 2 and 4 (the
// Google side as well as Redash).
func TestSheetExitCodes(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("book", "Data")
	e.fs.CreateSpreadsheet("private", "Data")
	require.NoError(t, e.fs.SetAccess("private", fakesheets.AccessNone))
	e.fs.CreateSpreadsheet("readonly", "Data")
	require.NoError(t, e.fs.SetAccess("readonly", fakesheets.AccessView))
	id := e.salesQuery("Codes")
	broken := e.rd.AddQuery(fakeredash.QuerySpec{Name: "Broken", SQL: "SELECT day FROM deprecated_orders"})
	badKey := filepath.Join(t.TempDir(), "sa.json")
	require.NoError(t, os.WriteFile(badKey, []byte(`{"type": "service_account"}`), 0o600))
	q := strconv.Itoa(id)

	tests := []struct {
		name   string
		env    clitest.Env
		args   []string
		code   int
		stderr string
		kind   string
	}{
		{name: "ok", args: []string{"--query", q, "--sheet", "book"}, code: 0},
		{name: "sheet not shared", args: []string{"--query", q, "--sheet", "private"}, code: 4, kind: "permission", stderr: "permission"},
		{name: "view access only", args: []string{"--query", q, "--sheet", "readonly"}, code: 4, kind: "permission", stderr: "permission"},
		{name: "missing key file", args: []string{"--query", q, "--sheet", "book", "--credentials", filepath.Join(t.TempDir(), "nope.json")}, code: 4, kind: "google-auth", stderr: "nope.json"},
		{name: "invalid key file", args: []string{"--query", q, "--sheet", "book", "--credentials", badKey}, code: 4, kind: "google-auth", stderr: "sa.json"},
		{name: "bad Redash key", env: e.with("REDASHCTL_API_KEY", "wrong"), args: []string{"--query", q, "--sheet", "book"}, code: 4, kind: "redash-auth"},
		{name: "unknown spreadsheet", args: []string{"--query", q, "--sheet", "nosuchbook"}, code: 1, kind: "not-found"},
		{name: "missing gid", args: []string{"--query", q, "--sheet", "https://docs.google.com/spreadsheets/d/book/edit#gid=4242"}, code: 1, kind: "not-found", stderr: "gid 4242"},
		{
			name: "bad parameter", args: []string{"--query", q, "--sheet", "book", "--param", "region=Mars", "--param", "colour=red"}, code: 2, kind: "parameters",
			stderr: `parameter "colour": unknown parameter`,
		},
		{name: "failing query", args: []string{"--query", strconv.Itoa(broken), "--sheet", "book"}, code: 1, kind: "query-failed", stderr: `relation "deprecated_orders" does not exist`},
		{name: "unknown query", args: []string{"--query", "99999", "--sheet", "book"}, code: 1, kind: "not-found"},
		{name: "usage", args: []string{"--query", q}, code: 2, stderr: "Run 'redashctl export sheet --help' for usage."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env
			if env == nil {
				env = e.env
			}
			writes := sheetWrites(e.fs)
			res := e.export(t, env, "sheet", append(tt.args, "--log-format", "json")...)
			assert.Equal(t, tt.code, res.Code, res.Stderr)
			assert.Contains(t, res.Stderr, tt.stderr)
			if tt.code == 0 {
				return
			}
			for _, l := range strings.Split(strings.TrimSpace(res.Stderr), "\n") {
				assert.True(t, strings.HasPrefix(l, "error: ") || strings.HasPrefix(l, "Run "), "one line per problem: %q", l)
			}
			if tt.kind != "" {
				rec := records(t, res.Stdout)
				assert.Equal(t, tt.kind, rec[0]["error_kind"])
				assert.Equal(t, "failed", rec[0]["status"])
			}
			for _, w := range e.fs.WriteRequests()[writes:] {
				assert.NotEqual(t, http.StatusOK, w.Status, "no write took effect: %s %v", w.Op, w.Kinds)
			}
		})
	}
	for _, b := range []string{"private", "readonly"} {
		assertNoStaging(t, e.fs, b)
		vals, err := e.fs.Values(b, "Data")
		require.NoError(t, err)
		assert.Empty(t, vals)
	}
}
