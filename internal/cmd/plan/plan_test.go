package plan_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	plancmd "github.com/redashctl/redashctl/internal/cmd/plan"
	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/sheets"
)

func intp(v int) *int { return &v }

// samplePlan writes a plan of three items to a temporary file.
func samplePlan(t *testing.T) (string, *plan.Plan) {
	t.Helper()
	made := time.Date(2026, 10, 30, 9, 0, 0, 0, time.UTC)
	p := plan.New(made, plan.Source{Profile: "prod", URL: "https://redash.example.com/", RedashVersion: "10.1.0", Generator: "redashctl test"},
		plan.Criteria{Command: "audit", ArchiveWhen: []string{"never-run", "stale", "unused"}, KeepTag: "keep"})
	ran := made.Add(-200 * 24 * time.Hour)
	p.Items = []plan.Item{
		{
			QueryID: 11, Name: "Old revenue", Action: plan.Archive, Proposed: plan.Archive,
			Reasons: []plan.Reason{{Code: "stale", Detail: "last run on 2026-04-13"}, {Code: "unused", Detail: "on no dashboard"}},
			Before:  plan.Snapshot{Name: "Old revenue", Tags: []string{}, DataSourceID: intp(1), OwnerEmail: "ann@example.com", UpdatedAt: ran, LastRunAt: &ran, Dashboards: []int{}, Alerts: []int{}, Version: 1},
		},
		{
			QueryID: 12, Name: "Scratch", Action: plan.Archive, Proposed: plan.Archive,
			Reasons: []plan.Reason{{Code: "never-run", Detail: "no result since it was created"}},
			Before:  plan.Snapshot{Name: "Scratch", IsDraft: true, Tags: []string{}, DataSourceID: intp(2), OwnerEmail: "bob@example.com", UpdatedAt: made, Dashboards: []int{}, Alerts: []int{}, Version: 1},
		},
		{
			QueryID: 40, Name: "Board KPIs", Action: plan.Keep, Proposed: plan.Keep, Protected: plan.ProtectedKeepTag,
			Reasons: []plan.Reason{{Code: "unused", Detail: "weak", Weak: true}, {Code: "keep-tag", Detail: `it carries the tag "keep": never archived`}},
			Before:  plan.Snapshot{Name: "Board KPIs", Tags: []string{"keep"}, OwnerEmail: "ann@example.com", UpdatedAt: made, Dashboards: []int{3}, Alerts: []int{}, Version: 1},
		},
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	var buf bytes.Buffer
	require.NoError(t, p.Write(&buf))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	return path, p
}

func TestNewCmds(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := factory.New(ios, func(string) (string, bool) { return "", false })
	run := func(cmd interface {
		SetArgs([]string)
		Execute() error
	}, args string,
	) error {
		cmd.SetArgs(strings.Fields(args))
		return cmd.Execute()
	}

	var show *plancmd.ShowOptions
	cmd := plancmd.NewCmdShow(f, func(o *plancmd.ShowOptions) error { show = o; return nil })
	require.NoError(t, run(cmd, "p.json -o yaml"))
	assert.Equal(t, "p.json", show.Path)
	assert.Equal(t, "yaml", show.Output)
	assert.EqualError(t, run(plancmd.NewCmdShow(f, nil), ""), "give the plan file")
	assert.EqualError(t, run(plancmd.NewCmdShow(f, nil), "p.json -o csv"), `unknown output format "csv": use one of table, json, yaml`)

	var exp *plancmd.ExportOptions
	require.NoError(t, run(plancmd.NewCmdExport(f, func(o *plancmd.ExportOptions) error { exp = o; return nil }), "p.json --csv r.csv"))
	assert.Equal(t, "p.json", exp.Path)
	assert.Equal(t, "r.csv", exp.CSV)
	assert.Empty(t, exp.Sheet)
	assert.Equal(t, cmdutil.SheetsFlags{WritesPerMinute: sheets.DefaultWritesPerMinute}, exp.SheetsFlags)
	assert.EqualError(t, run(plancmd.NewCmdExport(f, nil), "p.json"), "give --csv <file> (or --csv - for standard output), or --sheet <url>")

	var imp *plancmd.ImportOptions
	require.NoError(t, run(plancmd.NewCmdImport(f, func(o *plancmd.ImportOptions) error { imp = o; return nil }), "p.json --csv r.csv"))
	assert.Equal(t, "p.json", imp.Out, "in place by default")
	assert.False(t, imp.Force)
	require.NoError(t, run(plancmd.NewCmdImport(f, func(o *plancmd.ImportOptions) error { imp = o; return nil }), "p.json --csv r.csv --out q.json --force"))
	assert.Equal(t, "q.json", imp.Out)
	assert.True(t, imp.Force)
	assert.EqualError(t, run(plancmd.NewCmdImport(f, nil), "p.json"), "give --csv <review.csv> or --sheet <url>")
	assert.EqualError(t, run(plancmd.NewCmdImport(f, nil), "a.json b.json --csv r.csv"), `too many arguments: give the plan file; got "b.json"`)
}

// TestSheetFlags: --sheet, --tab and the Sheets flags of plan export and
// plan import.
func TestSheetFlags(t *testing.T) {
	gid := func(n int64) *int64 { return &n }
	const url = "https://docs.google.com/spreadsheets/d/1AbC-d_e/edit#gid=5"
	tests := []struct {
		name    string
		args    string
		target  sheets.Target
		flags   cmdutil.SheetsFlags
		wantErr string
	}{
		{
			name: "URL with gid", args: "p.json --sheet " + url, target: sheets.Target{SpreadsheetID: "1AbC-d_e", SheetID: gid(5)},
			flags: cmdutil.SheetsFlags{WritesPerMinute: 60},
		},
		{name: "bare id", args: "p.json --sheet 1AbC", target: sheets.Target{SpreadsheetID: "1AbC"}, flags: cmdutil.SheetsFlags{WritesPerMinute: 60}},
		{
			name: "tab wins over gid", args: "p.json --sheet " + url + " --tab Review", target: sheets.Target{SpreadsheetID: "1AbC-d_e", Tab: "Review"},
			flags: cmdutil.SheetsFlags{WritesPerMinute: 60},
		},
		{
			name: "connection flags", args: "p.json --sheet 1AbC --credentials none --sheets-endpoint http://127.0.0.1:5001/ --writes-per-minute 0",
			target: sheets.Target{SpreadsheetID: "1AbC"}, flags: cmdutil.SheetsFlags{Credentials: "none", Endpoint: "http://127.0.0.1:5001/"},
		},
		{name: "tab without sheet", args: "p.json --csv r.csv --tab Review", wantErr: "--tab needs --sheet <url>"},
		{name: "empty tab", args: "p.json --sheet 1AbC --tab=", wantErr: "--tab is empty: name a tab or leave the flag out"},
		{name: "both", args: "p.json --sheet 1AbC --csv r.csv", wantErr: "if any flags in the group [csv sheet] are set none of the others can be; [csv sheet] were all set"},
		{name: "not a sheets URL", args: "p.json --sheet https://example.com/d/1AbC", wantErr: `--sheet: invalid spreadsheet "https://example.com/d/1AbC": not a Google Sheets URL (expected https://docs.google.com/spreadsheets/d/<id>/...)`},
		{name: "bad endpoint", args: "p.json --sheet 1AbC --sheets-endpoint ftp://x", wantErr: `--sheets-endpoint "ftp://x" is not an http(s) URL`},
		{name: "negative pace", args: "p.json --sheet 1AbC --writes-per-minute -1", wantErr: "--writes-per-minute must not be negative, got -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var exp *plancmd.ExportOptions
			cmd := plancmd.NewCmdExport(f, func(o *plancmd.ExportOptions) error { exp = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			var imp *plancmd.ImportOptions
			icmd := plancmd.NewCmdImport(f, func(o *plancmd.ImportOptions) error { imp = o; return nil })
			icmd.SetArgs(strings.Fields(tt.args))
			icmd.SetOut(ios.Out)
			icmd.SetErr(ios.ErrOut)
			ierr := icmd.Execute()
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				assert.EqualError(t, ierr, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.NoError(t, ierr)
			assert.Equal(t, tt.target, exp.SheetTarget)
			assert.Equal(t, tt.flags, exp.SheetsFlags)
			assert.NotNil(t, exp.Sheets)
			assert.Equal(t, tt.target, imp.SheetTarget)
			assert.Equal(t, tt.flags, imp.SheetsFlags)
			assert.Equal(t, "p.json", imp.Out)
		})
	}
}

func TestShow(t *testing.T) {
	path, p := samplePlan(t)
	res := clitest.Run(t, nil, "plan", "show", path)
	require.Equal(t, 0, res.Code, res.Stderr)
	golden.Assert(t, res.Stdout)

	res = clitest.Run(t, nil, "plan", "show", path, "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	got, err := plan.Read(strings.NewReader(res.Stdout))
	require.NoError(t, err)
	assert.Equal(t, p.Items, got.Items)

	res = clitest.Run(t, nil, "plan", "show", path, "-o", "yaml")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "format: redashctl-plan/v1\n")
}

func TestShowBadFiles(t *testing.T) {
	dir := t.TempDir()
	v2 := filepath.Join(dir, "v2.json")
	require.NoError(t, os.WriteFile(v2, []byte(`{"format": "redashctl-plan/v2", "items": []}`), 0o644))
	tests := []struct {
		path, err string
	}{
		{v2, "error: " + v2 + `: unsupported plan format "redashctl-plan/v2": this redashctl reads redashctl-plan/v1`},
		{filepath.Join(dir, "none.json"), "error: read plan: open " + filepath.Join(dir, "none.json") + ": no such file or directory"},
	}
	for _, tt := range tests {
		res := clitest.Run(t, nil, "plan", "show", tt.path)
		assert.Equal(t, 1, res.Code)
		assert.Equal(t, tt.err+"\n", res.Stderr)
		assert.Empty(t, res.Stdout)
	}
}

// edit rewrites a CSV file through a spreadsheet-like edit of its rows.
func edit(t *testing.T, path string, f func(rows [][]string, col map[string]int) [][]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	require.NoError(t, err)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	var buf bytes.Buffer
	require.NoError(t, csv.NewWriter(&buf).WriteAll(f(rows, col)))
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

func TestExportImport(t *testing.T) {
	path, _ := samplePlan(t)
	sheet := filepath.Join(t.TempDir(), "review.csv")
	res := clitest.Run(t, nil, "plan", "export", path, "--csv", sheet)
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, "Wrote "+sheet+": 3 rows (2 to archive, 1 to keep)\n", res.Stderr)

	res = clitest.Run(t, nil, "plan", "export", path, "--csv", "-")
	require.Equal(t, 0, res.Code, res.Stderr)
	data, err := os.ReadFile(sheet)
	require.NoError(t, err)
	assert.Equal(t, string(data), res.Stdout, "the same sheet on standard output")
	golden.Assert(t, res.Stdout)

	// A reviewer keeps query 11.
	edit(t, sheet, func(rows [][]string, col map[string]int) [][]string {
		rows[1][col["decision"]] = "keep"
		return rows
	})
	out := filepath.Join(t.TempDir(), "reviewed.json")
	res = clitest.Run(t, nil, "plan", "import", path, "--csv", sheet, "--out", out)
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, "Imported 3 decisions into "+out+": 1 changed (1 to keep, 0 to archive); the plan now archives 1 and keeps 2\n", res.Stderr)
	reviewed := readPlanFile(t, out)
	assert.Equal(t, plan.Keep, reviewed.Item(11).Action)
	assert.Equal(t, plan.Archive, reviewed.Item(11).Proposed)
	assert.Equal(t, &plan.Review{ImportedAt: clitest.Now, File: "review.csv", Rows: 3, Changed: 1}, reviewed.Review)
	assert.Equal(t, plan.Archive, readPlanFile(t, path).Item(11).Action, "--out leaves the plan alone")

	res = clitest.Run(t, nil, "plan", "show", out)
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "Review:    3 decisions imported from review.csv on 2026-11-01 12:00 UTC, 1 changed\n")
	assert.Regexp(t, regexp.MustCompile(`(?m)^11\s+keep \(was archive\)\s+Old revenue`), res.Stdout)

	// In place.
	res = clitest.Run(t, nil, "plan", "import", path, "--csv", sheet)
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, plan.Keep, readPlanFile(t, path).Item(11).Action)
}

func readPlanFile(t *testing.T, path string) *plan.Plan {
	t.Helper()
	fh, err := os.Open(path)
	require.NoError(t, err)
	defer fh.Close()
	p, err := plan.Read(fh)
	require.NoError(t, err)
	return p
}

// TestImportErrors: a wrong sheet names every wrong row and changes nothing.
func TestImportErrors(t *testing.T) {
	path, _ := samplePlan(t)
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	sheet := filepath.Join(t.TempDir(), "review.csv")
	res := clitest.Run(t, nil, "plan", "export", path, "--csv", sheet)
	require.Equal(t, 0, res.Code, res.Stderr)
	edit(t, sheet, func(rows [][]string, col map[string]int) [][]string {
		rows[1][col["decision"]] = "delete"
		rows[2][col["query_id"]] = "999"
		rows[3][col["decision"]] = "archive"
		return rows
	})
	res = clitest.Run(t, nil, "plan", "import", path, "--csv", sheet)
	assert.Equal(t, 1, res.Code)
	assert.Equal(t, `review.csv: row 2 (query 11): unknown decision "delete": use keep or archive
review.csv: row 3 (query 999): this query is not in the plan
review.csv: row 4 (query 40): it carries the keep tag and is never archived: remove the tag in Redash and run the audit again
error: review.csv: 3 problems, nothing imported
`, res.Stderr)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(before), string(after), "nothing is written half-way")

	// One problem: one line.
	edit(t, sheet, func(rows [][]string, col map[string]int) [][]string {
		rows[1][col["decision"]] = "keep"
		rows[2][col["query_id"]] = "12"
		rows[3][col["decision"]] = "keep"
		rows[2][col["url"]] = "https://staging.example.com/queries/12"
		return rows
	})
	res = clitest.Run(t, nil, "plan", "import", path, "--csv", sheet)
	assert.Equal(t, 1, res.Code)
	assert.Equal(t, "error: review.csv: row 3 (query 12): url https://staging.example.com/queries/12 is not this plan's instance https://redash.example.com/; nothing imported\n", res.Stderr)
}

// TestAuditReviewImport is the campaign of issue 3 end to end: audit the
// sandbox into a plan, export it for review, keep what a team marked, and
// import the decisions back into a plan that archives the rest.
func TestAuditReviewImport(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 400, Seed: 31})
	env := clitest.EnvFor(url, srv.AdminKey())
	dir := t.TempDir()
	planPath, sheet := filepath.Join(dir, "plan.json"), filepath.Join(dir, "review.csv")
	res := clitest.Run(t, env, "audit", "--out", planPath)
	require.Equal(t, 0, res.Code, res.Stderr)
	p := readPlanFile(t, planPath)
	counts := p.Counts()
	require.Positive(t, counts[plan.Archive])

	res = clitest.Run(t, nil, "plan", "export", planPath, "--csv", sheet)
	require.Equal(t, 0, res.Code, res.Stderr)
	kept := map[string]bool{}
	edit(t, sheet, func(rows [][]string, col map[string]int) [][]string {
		for _, row := range rows[1:] {
			if row[col["decision"]] == "archive" && len(kept) < 5 {
				row[col["decision"]] = "keep"
				kept[row[col["query_id"]]] = true
			}
		}
		return rows
	})
	res = clitest.Run(t, nil, "plan", "import", planPath, "--csv", sheet)
	require.Equal(t, 0, res.Code, res.Stderr)
	reviewed := readPlanFile(t, planPath)
	assert.Equal(t, counts[plan.Archive]-5, reviewed.Counts()[plan.Archive])
	for _, it := range reviewed.Items {
		_, k := kept[jsonInt(it.QueryID)]
		if k {
			assert.Equal(t, plan.Keep, it.Action)
		}
	}
	res = clitest.Run(t, nil, "plan", "show", planPath, "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &raw))
	assert.Equal(t, "redashctl-plan/v1", raw["format"])
}

func jsonInt(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
