package export_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/export"
	"github.com/redashctl/redashctl/internal/cmd/root"
	"github.com/redashctl/redashctl/internal/exportjob"
	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/iostreams"
)

// writeManifest writes a manifest into a new directory.
func writeManifest(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "exports.yaml")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// runFixture is a sandbox with three good jobs and one bad one.
type runFixture struct {
	*sheetEnv
	manifest string
	revenue  int // cached query ids
	signups  int
	sales    int // parameterized
}

func newRunFixture(t *testing.T) *runFixture {
	t.Helper()
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("book", "Revenue", "Signups")
	e.fs.CreateSpreadsheet("other", "Sheet1")
	rev, _ := e.cachedQuery(t, 0)
	sig, _ := e.cachedQuery(t, 1)
	sales := e.salesQuery("Sales")
	m := writeManifest(t, fmt.Sprintf(`version: 1
defaults:
  max_result_age: 90d
jobs:
  - name: revenue
    query: %d
    spreadsheet: https://docs.google.com/spreadsheets/d/book/edit#gid=0
    tab: Revenue
  - name: signups
    query: %d
    spreadsheet: book
    tab: Signups
  - name: sales-apac
    query: %d
    parameters: {region: APAC}
    spreadsheet: other
    tab: Sales
  - name: sales-mars
    query: %d
    parameters: {region: Mars}
    spreadsheet: other
    tab: Mars
`, rev.ID, sig.ID, sales, sales))
	return &runFixture{sheetEnv: e, manifest: m, revenue: rev.ID, signups: sig.ID, sales: sales}
}

func TestRunManifest(t *testing.T) {
	f := newRunFixture(t)
	res := f.export(t, f.env, "run", "--manifest", f.manifest, "--log-format", "json")
	assert.Equal(t, 3, res.Code, res.Stderr)
	assert.Equal(t, "error: 1 of 4 jobs failed: sales-mars\n", res.Stderr)
	recs := records(t, res.Stdout)
	require.Len(t, recs, 4, "one status line per job")
	for _, job := range []string{"revenue", "signups", "sales-apac"} {
		assert.Equal(t, "ok", recordOf(t, recs, job)["status"], job)
	}
	mars := recordOf(t, recs, "sales-mars")
	assert.Equal(t, "failed", mars["status"])
	assert.Equal(t, "parameters", mars["error_kind"])
	assert.Contains(t, mars["error"], `parameter "region": "Mars" is not one of "EMEA", "AMER", "APAC"`)

	for job, tab := range map[string]string{"revenue": "Revenue", "signups": "Signups"} {
		assertGrid(t, f.fs, "book", tab, f.result(t, intOf(recordOf(t, recs, job)["result_id"])), false)
	}
	assertGrid(t, f.fs, "other", "Sales", f.result(t, intOf(recordOf(t, recs, "sales-apac")["result_id"])), false)
	_, ok := f.fs.Sheet("other", "Mars")
	assert.False(t, ok, "the failed job created nothing")
	assertNoStaging(t, f.fs, "book")
	assertNoStaging(t, f.fs, "other")
	_, err := os.Stat(filepath.Join(filepath.Dir(f.manifest), ".exports.yaml.lock"))
	assert.NoError(t, err, "the lock file sits beside the manifest")
}

// The status lines as goldens, text and JSON, on one worker so that their
// order is the manifest's.
func TestRunStatusLinesGolden(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			f := newRunFixture(t)
			res := f.export(t, f.env, "run", "--manifest", f.manifest, "--only", "revenue", "--only", "signups", "--only", "sales-mars",
				"--concurrency", "1", "--log-format", format)
			assert.Equal(t, 3, res.Code, res.Stderr)
			out := strings.ReplaceAll(res.Stdout, f.rdURL, "http://redash.test")
			golden.Assert(t, out)
		})
	}
}

func TestRunRestartIsIdempotent(t *testing.T) {
	f := newRunFixture(t)
	args := []string{"--manifest", f.manifest, "--only", "revenue", "--only", "signups", "--log-format", "json"}
	// The first run breaks on the swap of one job, as a crash would stop it.
	f.fs.AddFault(fakesheets.Fault{Kind: fakesheets.FaultHTML5xx, Status: 500, BodyContains: "copyPaste", Times: 1})
	res := f.export(t, f.env, "run", args...)
	assert.Equal(t, 3, res.Code, res.Stderr)
	f.fs.ClearFaults()
	before := f.fs.Sheets("book")

	res = f.export(t, f.env, "run", args...)
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, "exported 2 jobs\n", res.Stderr)
	recs := records(t, res.Stdout)
	grids := map[string][][]fakesheets.Cell{}
	for job, tab := range map[string]string{"revenue": "Revenue", "signups": "Signups"} {
		assertGrid(t, f.fs, "book", tab, f.result(t, intOf(recordOf(t, recs, job)["result_id"])), false)
		g, err := f.fs.Grid("book", tab)
		require.NoError(t, err)
		grids[tab] = g
	}
	// And once more: the same sheets, the same tab ids.
	res = f.export(t, f.env, "run", append(args, "--quiet")...)
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Empty(t, res.Stderr, "--quiet drops the summary of a run that fully succeeded")
	for tab, g := range grids {
		again, err := f.fs.Grid("book", tab)
		require.NoError(t, err)
		assert.Equal(t, g, again)
	}
	after := f.fs.Sheets("book")
	require.Len(t, after, len(before))
	for i := range before {
		assert.Equal(t, before[i].SheetID, after[i].SheetID)
		assert.Equal(t, before[i].Title, after[i].Title)
	}
	assertNoStaging(t, f.fs, "book")
}

// Two overlapping runs: the second finds the lock held and writes nothing;
// a lock left by a run that died does not block.
func TestRunLock(t *testing.T) {
	f := newRunFixture(t)
	lockPath := filepath.Join(filepath.Dir(f.manifest), ".exports.yaml.lock")
	held, err := exportjob.Acquire(lockPath, clitest.Now)
	require.NoError(t, err)
	f.fs.ResetRequests()
	f.rd.ResetRequests()
	res := f.export(t, f.env, "run", "--manifest", f.manifest)
	assert.Equal(t, 1, res.Code)
	assert.Regexp(t, `^error: another run \(pid \d+ on \S* since 2026-11-01T12:00:00Z\) holds the lock `+regexp.QuoteMeta(lockPath)+`: this run exported nothing\n$`, res.Stderr)
	assert.Empty(t, res.Stdout)
	assert.Empty(t, f.fs.Requests(), "nothing reached Sheets")
	assert.Zero(t, redashRuns(f.rd))

	// --lock-file elsewhere is another lock.
	other := filepath.Join(t.TempDir(), "exports.lock")
	res = f.export(t, f.env, "run", "--manifest", f.manifest, "--only", "revenue", "--lock-file", other)
	assert.Equal(t, 0, res.Code, res.Stderr)

	require.NoError(t, held.Release())
	// The holder line of a dead run stays in the file; it must not matter.
	require.NoError(t, os.WriteFile(lockPath, []byte("pid 999999 on gone since 2020-01-01T00:00:00Z\n"), 0o600))
	res = f.export(t, f.env, "run", "--manifest", f.manifest, "--only", "revenue")
	assert.Equal(t, 0, res.Code, res.Stderr)
}

func TestRunDisabled(t *testing.T) {
	f := newRunFixture(t)
	f.fs.ResetRequests()
	f.rd.ResetRequests()
	res := f.export(t, f.with(export.DisabledEnv, "1"), "run", "--manifest", f.manifest)
	assert.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, "exports disabled by REDASHCTL_EXPORT_DISABLED: none of the 4 jobs of "+f.manifest+" ran\n", res.Stderr)
	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	require.Len(t, lines, 4)
	for _, l := range lines {
		assert.Contains(t, l, " disabled ")
	}
	assert.Empty(t, f.fs.Requests())
	assert.Empty(t, f.rd.Requests())
}

// expect_url and max_result_age refuse their jobs, and only theirs.
func TestRunGuards(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("book", "Prod", "Stale", "Fine")
	for _, tab := range []string{"Prod", "Stale"} {
		require.NoError(t, e.fs.SetValues("book", tab, junk(4, 3)))
	}
	q, _ := e.cachedQuery(t, 0)
	m := writeManifest(t, fmt.Sprintf(`jobs:
  - {name: prod, query: %d, spreadsheet: book, tab: Prod, expect_url: "https://redash.example.com"}
  - {name: stale, query: %d, spreadsheet: book, tab: Stale, max_result_age: 1d}
  - {name: fine, query: %d, spreadsheet: book, tab: Fine, expect_url: %q, max_result_age: 90d}
`, q.ID, q.ID, q.ID, e.rdURL))
	res := e.export(t, e.env, "run", "--manifest", m, "--log-format", "json")
	assert.Equal(t, 3, res.Code)
	assert.Equal(t, "error: 2 of 3 jobs failed: prod, stale\n", res.Stderr)
	recs := records(t, res.Stdout)
	assert.Equal(t, "expect-url", recordOf(t, recs, "prod")["error_kind"])
	assert.Equal(t, "stale-result", recordOf(t, recs, "stale")["error_kind"])
	assert.Equal(t, "ok", recordOf(t, recs, "fine")["status"])
	for _, tab := range []string{"Prod", "Stale"} {
		vals, err := e.fs.Values("book", tab)
		require.NoError(t, err)
		assert.Equal(t, "old 3/2", vals[3][2], "tab %s untouched", tab)
		assert.Len(t, vals, 4)
	}
}

// Jobs name profiles; a profile's URL and key come from the configuration
// file only, so REDASHCTL_URL cannot send a job elsewhere.
func TestRunProfiles(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("book")
	q, _ := e.cachedQuery(t, 0)
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(fmt.Sprintf(`profiles:
  prod:
    url: %s
    api_key_env: PROD_KEY
  broken:
    url: %s
    api_key: wrong-key-123
`, e.rdURL, e.rdURL)), 0o600))
	m := writeManifest(t, fmt.Sprintf(`jobs:
  - {name: good, profile: prod, query: %d, spreadsheet: book, tab: A}
  - {name: bad-key, profile: broken, query: %d, spreadsheet: book, tab: B}
  - {name: no-profile, profile: nosuch, query: %d, spreadsheet: book, tab: C}
`, q.ID, q.ID, q.ID))
	env := e.with("REDASHCTL_CONFIG", cfg, "PROD_KEY", e.rd.AdminKey(), "REDASHCTL_URL", "http://127.0.0.1:1", "REDASHCTL_API_KEY", "env-key")
	res := e.export(t, env, "run", "--manifest", m, "--log-format", "json")
	assert.Equal(t, 3, res.Code, res.Stderr)
	recs := records(t, res.Stdout)
	assert.Equal(t, "ok", recordOf(t, recs, "good")["status"])
	assert.Equal(t, e.rdURL, recordOf(t, recs, "good")["redash_url"])
	assert.Equal(t, "redash-auth", recordOf(t, recs, "bad-key")["error_kind"])
	assert.Contains(t, recordOf(t, recs, "no-profile")["error"], `unknown profile "nosuch"`)

	// Every job failing to authenticate exits 4.
	m = writeManifest(t, fmt.Sprintf("jobs:\n  - {name: bad-key, profile: broken, query: %d, spreadsheet: book}\n", q.ID))
	res = e.export(t, env, "run", "--manifest", m)
	assert.Equal(t, 4, res.Code, res.Stderr)
	assert.Equal(t, "error: 1 of 1 job failed: bad-key\n", res.Stderr)
}

func TestRunAllGoogleAuthFailuresExit4(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	e.fs.CreateSpreadsheet("private")
	require.NoError(t, e.fs.SetAccess("private", fakesheets.AccessNone))
	q, _ := e.cachedQuery(t, 0)
	m := writeManifest(t, fmt.Sprintf("jobs:\n  - {name: a, query: %d, spreadsheet: private, tab: A}\n  - {name: b, query: %d, spreadsheet: private, tab: B}\n", q.ID, q.ID))
	res := e.export(t, e.env, "run", "--manifest", m)
	assert.Equal(t, 4, res.Code, res.Stderr)
	assert.Equal(t, "error: 2 of 2 jobs failed: a, b\n", res.Stderr)
	res = e.export(t, e.env, "run", "--manifest", m, "--credentials", filepath.Join(t.TempDir(), "missing.json"))
	assert.Equal(t, 4, res.Code, res.Stderr)

	// The manifest's credentials beat the environment's, and a relative
	// path is relative to the manifest.
	e.fs.CreateSpreadsheet("open")
	m = writeManifest(t, fmt.Sprintf("credentials: keys/sa.json\njobs:\n  - {name: a, query: %d, spreadsheet: open}\n", q.ID))
	res = e.export(t, e.env, "run", "--manifest", m, "--log-format", "json")
	assert.Equal(t, 4, res.Code, res.Stderr)
	rec := records(t, res.Stdout)[0]
	assert.Equal(t, "google-auth", rec["error_kind"])
	assert.Contains(t, rec["error"], filepath.Join(filepath.Dir(m), "keys", "sa.json"))
	// ... and the flag beats the manifest.
	res = e.export(t, e.env, "run", "--manifest", m, "--credentials", "none")
	assert.Equal(t, 0, res.Code, res.Stderr)
}

func TestRunBadManifest(t *testing.T) {
	e := newSheetEnv(t, fakesheets.Options{})
	m := writeManifest(t, `jobs:
  - name: daily
    query: 1
    spreadsheet: book
    colour: red
  - name: Daily
    query: 2
    spreadsheet: book
`)
	res := e.export(t, e.env, "run", "--manifest", m)
	assert.Equal(t, 1, res.Code)
	assert.Equal(t, fmt.Sprintf(`error: %[1]s:5: job "daily": unknown field "colour" (known fields: name, profile, query, parameters, max_age, refresh, spreadsheet, tab, mode, value_input, no_header, timestamp_column, expect_url, max_result_age)
error: %[1]s:6: duplicate job name "Daily" (first at line 2): names must be unique
error: %[1]s: 2 problems: nothing ran
`, m), res.Stderr)
	assert.Empty(t, res.Stdout)
	assert.Empty(t, e.fs.Requests())
	assert.Empty(t, e.rd.Requests())

	res = e.export(t, e.env, "run", "--manifest", filepath.Join(t.TempDir(), "missing.yaml"))
	assert.Equal(t, 1, res.Code)
	assert.Contains(t, res.Stderr, "missing.yaml: no such file or directory")

	res = e.export(t, e.env, "run")
	assert.Equal(t, 2, res.Code)
	assert.Contains(t, res.Stderr, "--manifest is required")
}

func TestRunOnlyAndDryRun(t *testing.T) {
	f := newRunFixture(t)
	res := f.export(t, f.env, "run", "--manifest", f.manifest, "--only", "nosuch")
	assert.Equal(t, 2, res.Code)
	assert.Contains(t, res.Stderr, `has no job "nosuch": its jobs are revenue, signups, sales-apac, sales-mars`)

	f.fs.ResetRequests()
	f.rd.ResetRequests()
	res = f.export(t, f.env, "run", "--manifest", f.manifest, "--only", "revenue", "--only", "sales-apac", "--dry-run", "--lock-file", filepath.Join(t.TempDir(), "l"))
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, "dry run: checked 2 jobs, wrote nothing\n", res.Stderr)
	lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
	require.Len(t, lines, 2)
	for _, l := range lines {
		assert.Contains(t, l, " dry-run ")
		assert.Contains(t, l, "the spreadsheet is writable")
	}
	assert.Zero(t, redashRuns(f.rd))
	assert.Empty(t, queryReads(f.rd), "queries come from the list: no view events")
	for _, w := range f.fs.WriteRequests() {
		assert.Equal(t, []string{"deleteSheet"}, w.Kinds, "only permission probes")
	}
	vals, err := f.fs.Values("book", "Revenue")
	require.NoError(t, err)
	assert.Empty(t, vals)
}

// Ctrl-C while a job waits for its query: exit 130, the job's status line
// says interrupted, the jobs not started yet are not touched, and every tab
// is as it was.
func TestRunInterrupted(t *testing.T) {
	f := newRunFixture(t)
	require.NoError(t, f.fs.SetValues("other", "Sheet1", junk(2, 2)))
	arrived := make(chan struct{})
	var once sync.Once
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/jobs/") {
			once.Do(func() { close(arrived) })
			<-r.Context().Done()
			return
		}
		f.rd.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	env := f.with("REDASHCTL_URL", hs.URL)
	// The job that blocks comes first; with one worker the other waits.
	m := writeManifest(t, fmt.Sprintf(`jobs:
  - {name: sales-apac, query: %d, parameters: {region: APAC}, spreadsheet: other, tab: Sales}
  - {name: revenue, query: %d, spreadsheet: book, tab: Revenue}
`, f.sales, f.revenue))

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ios, _, out, errOut := iostreams.Test()
	done := make(chan int, 1)
	go func() {
		done <- root.RunContext(ctx, append([]string{"export", "run", "--manifest", m, "--concurrency", "1", "--log-format", "json"}, fast...), ios, env.Lookup)
	}()
	select {
	case <-arrived:
	case code := <-done:
		t.Fatalf("the run ended before its query ran: %d %s", code, errOut.String())
	}
	cancel()
	code := <-done
	assert.Equal(t, 130, code, errOut.String())
	assert.Contains(t, errOut.String(), "interrupted")
	recs := records(t, out.String())
	require.Len(t, recs, 2, "a status line for every job, started or not")
	for _, r := range recs {
		assert.Equal(t, "failed", r["status"])
		assert.Equal(t, "interrupted", r["error_kind"])
	}
	_, ok := f.fs.Sheet("other", "Sales")
	assert.False(t, ok, "the interrupted job created nothing")
	vals, err := f.fs.Values("book", "Revenue")
	require.NoError(t, err)
	assert.Empty(t, vals, "the job that had not started wrote nothing")
	assertNoStaging(t, f.fs, "other")
	assertNoStaging(t, f.fs, "book")
}
