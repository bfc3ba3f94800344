package export_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/cmd/export"
	"github.com/redashctl/redashctl/internal/fakesheets"
)

var queryByID = regexp.MustCompile(`^/api/queries/\d+$`)

func TestValidateGoodManifest(t *testing.T) {
	f := newRunFixture(t)
	f.fs.ResetRequests()
	f.rd.ResetRequests()
	res := f.export(t, f.env, "validate", "--manifest", f.manifest, "--only", "revenue", "--only", "signups", "--only", "sales-apac")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, "validated 3 jobs: no problems\n", res.Stderr)
	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	require.Len(t, lines, 3)
	for _, l := range lines {
		assert.Regexp(t, `^\S+ ok +\S+: query \d+ "[^"]+"( \(.*\))?, parameters valid -> spreadsheet \S+ "[^"]*" tab "\w+" \((\d+x\d+ grid|to be created)\) is writable, replace$`, l)
	}
	assert.Contains(t, res.Stdout, "(region=APAC), parameters valid")
	assert.Contains(t, res.Stdout, `tab "Sales" (to be created)`)

	for _, r := range f.rd.Requests() {
		assert.False(t, queryByID.MatchString(r.Path), "no GET /api/queries/<id>, which records a view: %s", r.Path)
		assert.NotEqual(t, http.MethodPost, r.Method, "nothing runs: %s", r.Path)
	}
	probes := 0
	for _, w := range f.fs.WriteRequests() {
		assert.Equal(t, []string{"deleteSheet"}, w.Kinds, "only permission probes, which Google rejects whole")
		probes++
	}
	assert.Equal(t, 3, probes, "one probe per tab")
	vals, err := f.fs.Values("book", "Revenue")
	require.NoError(t, err)
	assert.Empty(t, vals)
}

func TestValidateProblems(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("book", "Data")
	e.fs.CreateSpreadsheet("private")
	require.NoError(t, e.fs.SetAccess("private", fakesheets.AccessNone))
	q, _ := e.cachedQuery(t, 0)
	sales := e.salesQuery("Sales")
	aq, _ := e.cachedQuery(t, 2)
	archived := aq.ID
	req, err := http.NewRequestWithContext(t.Context(), http.MethodDelete, fmt.Sprintf("%s/api/queries/%d", e.rdURL, archived), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Key "+e.rd.AdminKey())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "archive query %d", archived)
	m := writeManifest(t, fmt.Sprintf(`jobs:
  - {name: good, query: %[1]d, spreadsheet: book, tab: Data}
  - {name: missing, query: 99999, spreadsheet: book, tab: Data}
  - {name: archived, query: %[2]d, spreadsheet: book, tab: Data}
  - name: both
    query: %[3]d
    parameters: {region: Mars, colour: red}
    spreadsheet: private
  - {name: gid, query: %[1]d, spreadsheet: "https://docs.google.com/spreadsheets/d/book/edit#gid=777"}
  - {name: nobook, query: %[1]d, spreadsheet: nosuchbook}
  - {name: elsewhere, query: %[1]d, spreadsheet: book, expect_url: "https://redash.example.com"}
`, q.ID, archived, sales))
	res := e.export(t, e.with(export.DisabledEnv, "1"), "validate", "--manifest", m, "--log-format", "json")
	assert.Equal(t, 3, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, "note: REDASHCTL_EXPORT_DISABLED is set, so 'export run' would export nothing here; validating anyway\n")
	assert.Contains(t, res.Stderr, "error: 6 of 7 jobs are invalid: missing, archived, both, gid, nobook, elsewhere\n")
	recs := records(t, res.Stdout)
	require.Len(t, recs, 7)
	assert.Equal(t, "ok", recordOf(t, recs, "good")["status"])
	kinds := map[string]string{"missing": "not-found", "archived": "not-found", "both": "parameters", "gid": "not-found", "nobook": "not-found", "elsewhere": "expect-url"}
	for job, kind := range kinds {
		r := recordOf(t, recs, job)
		assert.Equal(t, "failed", r["status"], job)
		assert.Equal(t, kind, r["error_kind"], job)
	}
	assert.Contains(t, recordOf(t, recs, "missing")["error"], "query 99999 is not in the query list of "+e.rdURL)
	assert.Contains(t, recordOf(t, recs, "archived")["error"], fmt.Sprintf("query %d is archived", archived))
	both := recordOf(t, recs, "both")["error"].(string)
	assert.Contains(t, both, `parameter "colour": unknown parameter`)
	assert.Contains(t, both, `parameter "region": "Mars" is not one of`)
	assert.Contains(t, both, "permission", "the Sheets problem is reported with the Redash one")
	assert.Contains(t, recordOf(t, recs, "gid")["error"], "gid 777")
	vals, err := e.fs.Values("book", "Data")
	require.NoError(t, err)
	assert.Empty(t, vals, "nothing was written")
}

func TestValidateAuthOnlyExit4(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("private")
	require.NoError(t, e.fs.SetAccess("private", fakesheets.AccessView))
	q, _ := e.cachedQuery(t, 0)
	m := writeManifest(t, fmt.Sprintf("jobs:\n  - {name: a, query: %d, spreadsheet: private}\n", q.ID))
	res := e.export(t, e.env, "validate", "--manifest", m)
	assert.Equal(t, 4, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, " failed   a: ")
	res = e.export(t, e.with("REDASHCTL_API_KEY", "wrong"), "validate", "--manifest", m)
	assert.Equal(t, 4, res.Code, res.Stderr)
}
