package archive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/archive"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/root"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/selection"
	"github.com/redashctl/redashctl/pkg/bulk"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/redash"
)

func TestNewCmdArchive(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		tty     bool
		check   func(t *testing.T, o *archive.ArchiveOptions)
		wantErr string
	}{
		{name: "ids", args: "--ids 3,1 --ids 2 --yes", check: func(t *testing.T, o *archive.ArchiveOptions) {
			t.Helper()
			assert.Equal(t, []int{1, 2, 3}, o.Selection.IDs)
			assert.Equal(t, selection.ByIDs, o.Selection.Kind())
			assert.Equal(t, "keep", o.KeepTag)
			assert.Equal(t, 7*24*time.Hour, o.PlanMaxAge)
			assert.Equal(t, "table", o.Output)
		}},
		{name: "filters", args: "--tag old --not-run-since 90d --limit 5 --dry-run --plan-max-age 2d -o json", check: func(t *testing.T, o *archive.ArchiveOptions) {
			t.Helper()
			assert.Equal(t, selection.ByFilter, o.Selection.Kind())
			assert.Equal(t, []string{"old"}, o.Selection.Filter.Tags)
			assert.Equal(t, 90*24*time.Hour, o.Selection.Filter.NotRunSince)
			assert.Equal(t, 5, o.Selection.Limit)
			assert.True(t, o.DryRun)
			assert.Equal(t, 48*time.Hour, o.PlanMaxAge)
		}},
		{name: "plan", args: "--plan p.json --backup-dir b --force --keep-tag precious --yes", check: func(t *testing.T, o *archive.ArchiveOptions) {
			t.Helper()
			assert.Equal(t, selection.ByPlan, o.Selection.Kind())
			assert.Equal(t, "p.json", o.Selection.PlanFile)
			assert.Equal(t, "b", o.BackupDir)
			assert.True(t, o.Force)
			assert.Equal(t, "precious", o.KeepTag)
		}},
		{name: "prompt on a terminal", args: "--ids 1", tty: true, check: func(t *testing.T, o *archive.ArchiveOptions) {
			t.Helper()
			assert.False(t, o.Yes)
		}},
		{name: "no selection", args: "--yes", wantErr: "no queries selected: use --ids, --ids-file, --plan or query filters such as --tag or --not-run-since"},
		{name: "two selections", args: "--ids 1 --tag x --yes", wantErr: "use one way of selecting queries: --ids, --ids-file, --plan or query filters; got --ids and --tag"},
		{name: "plan and ids file", args: "--plan p --ids-file f --yes", wantErr: "use one way of selecting queries: --ids, --ids-file, --plan or query filters; got --ids-file and --plan"},
		{name: "bad id", args: "--ids 1,x --yes", wantErr: `invalid --ids value "x": use query ids like 1,2,3`},
		{name: "limit without filter", args: "--ids 1 --limit 3 --yes", wantErr: "--limit goes with query filters, not with --ids"},
		{name: "bad max age", args: "--ids 1 --plan-max-age soon --yes", wantErr: `--plan-max-age: invalid duration "soon": use a form like 90d, 2w or 12h`},
		{name: "bad drafts", args: "--drafts maybe --yes", wantErr: `invalid --drafts "maybe": use include, exclude or only`},
		{name: "empty keep tag", args: "--ids 1 --keep-tag= --yes", wantErr: "--keep-tag must not be empty"},
		{name: "no yes without a terminal", args: "--ids 1", wantErr: "--yes is required to archive queries when not running in a terminal (or use --dry-run to see what would change)"},
		{name: "bad output", args: "--ids 1 -o xml --yes", wantErr: `unknown output format "xml": use one of table, json, csv, yaml`},
		{name: "positional", args: "12 --yes", wantErr: `unexpected argument "12": archive takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			ios.SetStdinTTY(tt.tty)
			ios.SetStdoutTTY(tt.tty)
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var got *archive.ArchiveOptions
			cmd := archive.NewCmdArchive(f, func(o *archive.ArchiveOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
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

// TestArchiveDialects archives queries with widgets and alerts in every
// dialect: state, backups, one DELETE per query, each dashboard read once,
// verification through the archive list from v7 on; unknown and already
// archived ids are skipped, not failures.
func TestArchiveDialects(t *testing.T) {
	for _, v := range fakeredash.Versions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv, url := fake(t, v, 160)
			env := clitest.EnvFor(url, srv.AdminKey())
			before := srv.Snapshot()
			ids := pickTargets(t, srv, 10)
			var already int
			for _, q := range before.Queries {
				if q.IsArchived && !q.IsDraft && q.DataSourceID != 0 {
					already = q.ID
					break
				}
			}
			require.NotZero(t, already)
			dir := runDir(t)
			args := append([]int{already, 999999}, ids...)
			res := clitest.Run(t, env, "archive", "--ids", joinIDs(args), "--backup-dir", dir, "--yes")
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Contains(t, res.Stdout, "Archived "+strconv.Itoa(len(ids))+" of "+strconv.Itoa(len(ids))+" queries\n")
			assert.Contains(t, res.Stdout, "Skipped 2: 1 already archived, 1 not found\n")
			assert.Contains(t, res.Stdout, "Backups and journal: "+dir+"\n")
			assert.Empty(t, res.Stderr, "no progress bar without a terminal")
			assertArchived(t, srv, before, dir, ids)

			dels := deletesByID(srv)
			for _, id := range ids {
				assert.Equal(t, 1, dels[id], "one DELETE for query %d", id)
			}
			assert.Len(t, dels, len(ids), "no DELETE for skipped ids")
			for _, d := range before.Dashboards {
				ref := d.Slug
				if v == "10.1.0" || v == "26.3.0" {
					ref = strconv.Itoa(d.ID)
				}
				assert.LessOrEqual(t, countRequests(srv, "GET", "/api/dashboards/"+ref), 1, "dashboard %s read at most once", ref)
			}
			archiveList := countRequests(srv, "GET", "/api/queries/archive")
			if v == "4.0.2" || v == "5.0.2" {
				assert.Zero(t, archiveList, "no archive list before v7")
			} else {
				assert.Positive(t, archiveList, "verified through the archive list")
			}

			_, entries, err := bulk.ReadJournal(filepath.Join(dir, bulk.JournalName))
			require.NoError(t, err)
			st := bulk.Replay(entries)
			for _, id := range ids {
				require.NotNil(t, st[id])
				assert.True(t, st[id].Verified, "query %d verified", id)
			}
			assert.Equal(t, "already archived", st[already].Skipped)
			assert.Equal(t, "no such query", st[999999].Skipped)
			assert.Equal(t, bulk.StepEnd, entries[len(entries)-1].Step)
			assert.Equal(t, "complete", entries[len(entries)-1].Reason)

			// Running it again changes nothing.
			srv.ResetRequests()
			res = clitest.Run(t, env, "archive", "--ids", joinIDs(args), "--backup-dir", dir, "--yes")
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Empty(t, deletesByID(srv))
			assert.Contains(t, res.Stdout, "Archived "+strconv.Itoa(len(ids))+" of "+strconv.Itoa(len(ids))+" queries\n")
		})
	}
}

// TestArchiveWithFaults: 5% of requests fail, half with a 5xx page and half
// with a reset connection; everything is archived and backed up all the
// same.
func TestArchiveWithFaults(t *testing.T) {
	srv, url := fake(t, "10.1.0", 200)
	before := srv.Snapshot()
	ids := pickTargets(t, srv, 60)
	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, Status: 503, Rate: 0.025})
	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultReset, Rate: 0.025})
	dir := runDir(t)
	res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "archive", "--ids", joinIDs(ids), "--backup-dir", dir, "--yes", "--concurrency", "8")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "Archived "+strconv.Itoa(len(ids))+" of "+strconv.Itoa(len(ids))+" queries\n")
	assertArchived(t, srv, before, dir, ids)
	srv.ClearFaults()
	total := len(srv.Requests())
	assert.Greater(t, total, 2*len(ids), "every query was read and deleted, faults retried")
}

// TestArchiveInterruptedAndResumed: Ctrl-C (the context cancelled) after a
// few DELETEs exits 130 and says how to resume; the same command then
// finishes, and no query gets a second DELETE.
func TestArchiveInterruptedAndResumed(t *testing.T) {
	srv, _ := fake(t, "8.0.0", 160)
	before := srv.Snapshot()
	ids := pickTargets(t, srv, 30)
	g := newGate(srv, 5)
	url := g.start(t)
	dir := runDir(t)
	args := []string{"archive", "--ids", joinIDs(ids), "--backup-dir", dir, "--yes"}
	env := clitest.EnvFor(url, srv.AdminKey())
	env["HOME"] = t.TempDir()

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-g.reached
		cancel()
	}()
	ios, _, out, errOut := iostreams.Test()
	code := root.RunWithClock(ctx, args, ios, env.Lookup, func() time.Time { return clitest.Now })
	assert.Equal(t, 130, code, errOut.String())
	assert.Contains(t, errOut.String(), "run the same command again to resume (journal and backups in "+dir+")")
	assert.Contains(t, errOut.String(), "interrupted\n")
	assert.Empty(t, out.String())
	g.shut()

	res := clitest.Run(t, env, args...)
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, "Resuming the run of --ids (30 ids)")
	assert.Contains(t, res.Stdout, "Archived 30 of 30 queries\n")
	assertArchived(t, srv, before, dir, ids)
	for id, n := range deletesByID(srv) {
		assert.Equal(t, 1, n, "query %d archived once", id)
	}
}

// TestArchiveKilledAndResumed kills a real redashctl process with SIGKILL
// in the middle of a run (after 0 and after 12 DELETEs, with the next ones
// in flight), then runs the same command again: the final state is what
// was asked, no query was archived twice, and every backup is complete.
func TestArchiveKilledAndResumed(t *testing.T) {
	for _, limit := range []int{0, 12} {
		t.Run(strconv.Itoa(limit), func(t *testing.T) {
			srv, _ := fake(t, "10.1.0", 160)
			before := srv.Snapshot()
			ids := pickTargets(t, srv, 30)
			g := newGate(srv, limit)
			url := g.start(t)
			tmp := t.TempDir()
			dir := filepath.Join(tmp, "run")
			idsFile := filepath.Join(tmp, "ids.txt")
			require.NoError(t, os.WriteFile(idsFile, []byte(strings.ReplaceAll(joinIDs(ids), ",", "\n")+"\n"), 0o600))
			args := []string{"archive", "--ids-file", idsFile, "--backup-dir", dir, "--yes", "--concurrency", "4"}

			killRedashctl(t, g, url, srv.AdminKey(), tmp, args)
			g.shut()
			_, entries, err := bulk.ReadJournal(filepath.Join(dir, bulk.JournalName))
			require.NoError(t, err, "the journal survives kill -9")
			assert.NotEqual(t, bulk.StepEnd, entries[len(entries)-1].Step, "the killed run did not finish")

			env := clitest.EnvFor(url, srv.AdminKey())
			env["HOME"] = tmp
			res := clitest.Run(t, env, args...)
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Contains(t, res.Stderr, "Resuming the run of --ids-file")
			assert.Contains(t, res.Stdout, "Archived 30 of 30 queries\n")
			assertArchived(t, srv, before, dir, ids)
			dels := deletesByID(srv)
			for _, id := range ids {
				assert.Equal(t, 1, dels[id], "query %d archived exactly once", id)
			}
			_, entries, err = bulk.ReadJournal(filepath.Join(dir, bulk.JournalName))
			require.NoError(t, err)
			for _, id := range ids {
				assert.True(t, bulk.Replay(entries)[id].Verified, "query %d verified", id)
			}
		})
	}
}

// TestArchivePreflight: a non-admin key may archive only its own queries;
// the keep tag is refused unless --force; both exit 3 with the rest done.
func TestArchivePreflight(t *testing.T) {
	srv, url := fake(t, "10.1.0", 200)
	ds := srv.Snapshot()
	userVisible := map[int]bool{}
	for _, id := range srv.VisibleQueryIDs(srv.UserKey()) {
		userVisible[id] = true
	}
	var own, others, keep []int
	for _, q := range ds.Queries {
		switch {
		case !userVisible[q.ID] || q.IsArchived:
		case slices.Contains(q.Tags, "keep"):
			if q.UserID != 2 {
				keep = append(keep, q.ID)
			}
		case q.UserID == 2 && len(own) < 2:
			own = append(own, q.ID)
		case q.UserID != 2 && len(others) < 2:
			others = append(others, q.ID)
		}
	}
	require.Len(t, own, 2)
	require.Len(t, others, 2)
	require.NotEmpty(t, keep)

	res := clitest.Run(t, clitest.EnvFor(url, srv.UserKey()), "archive", "--ids", joinIDs(append(slices.Clone(own), others...)), "--backup-dir", runDir(t), "--yes")
	assert.Equal(t, 3, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "Archived 2 of 4 queries; 2 refused: ")
	assert.Contains(t, res.Stderr, "refused: query "+strconv.Itoa(others[0]))
	assert.Contains(t, res.Stderr, "only its owner or an admin may archive it")
	dels := deletesByID(srv)
	assert.Len(t, dels, 2)
	for _, id := range own {
		assert.Equal(t, 1, dels[id])
	}

	admin := clitest.EnvFor(url, srv.AdminKey())
	srv.ResetRequests()
	res = clitest.Run(t, admin, "archive", "--ids", strconv.Itoa(keep[0]), "--backup-dir", runDir(t), "--yes")
	assert.Equal(t, 3, res.Code)
	assert.Contains(t, res.Stderr, `carries the keep tag "keep" (--force archives it anyway)`)
	assert.Empty(t, deletesByID(srv))
	res = clitest.Run(t, admin, "archive", "--ids", strconv.Itoa(keep[0]), "--backup-dir", runDir(t), "--yes", "--force")
	assert.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, map[int]int{keep[0]: 1}, deletesByID(srv))
}

// TestArchiveBadInput: each case fails with one clear line and archives
// nothing.
func TestArchiveBadInput(t *testing.T) {
	srv, url := fake(t, "10.1.0", 120)
	env := clitest.EnvFor(url, srv.AdminKey())
	ids := pickTargets(t, srv, 4)
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	require.NoError(t, os.WriteFile(file, []byte("x"), 0o600))
	badIDs := filepath.Join(tmp, "bad-ids.txt")
	require.NoError(t, os.WriteFile(badIDs, []byte("12\n# a comment\n13 # ok\nabc\n"), 0o600))
	otherRun := runDir(t)
	res := clitest.Run(t, env, "archive", "--ids", strconv.Itoa(ids[0]), "--backup-dir", otherRun, "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)
	srv.ResetRequests()

	tests := []struct {
		name string
		args []string
		want string
	}{
		{
			"unwritable backup dir",
			[]string{"--ids", joinIDs(ids[1:]), "--backup-dir", filepath.Join(file, "sub")},
			"error: backup directory " + filepath.Join(file, "sub") + " is not writable: not a directory; nothing was archived\n",
		},
		{
			"journal of another run",
			[]string{"--ids", joinIDs(ids[1:]), "--backup-dir", otherRun},
			"error: " + otherRun + " holds the journal of another run (--ids " + strconv.Itoa(ids[0]) + ", started " + clitest.Now.Format(time.RFC3339) +
				"): use another --backup-dir, or the selection of that run to resume it\n",
		},
		{"bad ids file", []string{"--ids-file", badIDs}, `error: ids file ` + badIDs + `, line 4: "abc" is not a query id (one id a line; # starts a comment)` + "\n"},
		{"missing ids file", []string{"--ids-file", filepath.Join(tmp, "nope")}, "error: read ids file: open " + filepath.Join(tmp, "nope") + ": no such file or directory\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := clitest.Run(t, env, append(append([]string{"archive"}, tt.args...), "--yes")...)
			assert.Equal(t, 1, res.Code)
			assert.Equal(t, tt.want, res.Stderr)
			assert.Empty(t, deletesByID(srv))
		})
	}
}

// TestArchiveFailedIDsAndDefaultDir: a query that keeps failing makes the
// run exit 3 and lands in failed-ids.txt; the same command, run again in
// the same directory, resumes the run's own timestamped folder and retries
// it; the failed-ids file is accepted by --ids-file.
func TestArchiveFailedIDsAndDefaultDir(t *testing.T) {
	srv, url := fake(t, "26.3.0", 120)
	env := clitest.EnvFor(url, srv.AdminKey())
	ids := pickTargets(t, srv, 6)
	bad := ids[2]
	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, Status: 500, Method: "DELETE", Path: "/api/queries/" + strconv.Itoa(bad)})
	t.Chdir(t.TempDir())

	res := clitest.Run(t, env, "archive", "--ids", joinIDs(ids), "--yes")
	assert.Equal(t, 3, res.Code, res.Stderr)
	dirs, err := filepath.Glob(archive.DirPrefix + "*")
	require.NoError(t, err)
	require.Len(t, dirs, 1)
	dir := dirs[0]
	assert.Equal(t, archive.DirPrefix+"20261101-120000", dir, "named after the run's start")
	assert.Contains(t, res.Stdout, "Archived 5 of 6 queries; 1 failed: "+strconv.Itoa(bad)+"\n")
	failedFile := filepath.Join(dir, archive.FailedIDsName)
	assert.Contains(t, res.Stdout, "Failed ids: "+failedFile+" (retry with --ids-file "+failedFile+")\n")
	assert.Contains(t, res.Stdout, "failed: archive query "+strconv.Itoa(bad)+": redash returned an HTML page (500 Internal Server Error)")
	data, err := os.ReadFile(failedFile)
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(bad)+"\n", string(data))

	srv.ClearFaults()
	res = clitest.Run(t, env, "archive", "--ids", joinIDs(ids), "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, "Resuming the run of --ids "+joinIDs(ids)+" started 2026-11-01T12:00:00Z in "+dir+": 5 of 6 queries archived so far\n")
	assert.Contains(t, res.Stdout, "Archived 6 of 6 queries\n")
	dirs, _ = filepath.Glob(archive.DirPrefix + "*")
	assert.Len(t, dirs, 1, "the unfinished run was resumed, not a new one started")
	_, err = os.Stat(failedFile)
	assert.True(t, os.IsNotExist(err), "no failures left")
	assert.Equal(t, 1, deletesByID(srv)[ids[0]])

	res = clitest.Run(t, env, "archive", "--ids-file", filepath.Join(dir, bulk.JournalName), "--dry-run")
	assert.Equal(t, 1, res.Code, "a journal is not an ids file")
	require.NoError(t, os.WriteFile("retry.txt", data, 0o600))
	res = clitest.Run(t, env, "archive", "--ids-file", "retry.txt", "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "Skipped 1: 1 already archived\n")
	dirs, _ = filepath.Glob(archive.DirPrefix + "*")
	assert.Len(t, dirs, 2, "another selection is another run")
}

// TestArchivePrompt: on a terminal, archive asks first; anything but yes
// changes nothing.
func TestArchivePrompt(t *testing.T) {
	srv, url := fake(t, "10.1.0", 100)
	env := clitest.EnvFor(url, srv.AdminKey())
	env["HOME"] = t.TempDir()
	ids := pickTargets(t, srv, 3)
	for _, tc := range []struct {
		answer string
		code   int
	}{{"n\n", 1}, {"", 1}, {"yes\n", 0}} {
		ios, in, out, errOut := iostreams.Test()
		ios.SetStdinTTY(true)
		ios.SetStdoutTTY(true)
		ios.SetStderrTTY(true)
		in.WriteString(tc.answer)
		dir := runDir(t)
		code := root.RunWithClock(context.Background(), []string{"archive", "--ids", joinIDs(ids), "--backup-dir", dir}, ios, env.Lookup,
			func() time.Time { return clitest.Now })
		assert.Equal(t, tc.code, code, errOut.String())
		assert.Contains(t, errOut.String(), "Archive "+strconv.Itoa(len(ids))+" queries on "+url+"/ (backups in "+dir+")? [y/N] ")
		if tc.code != 0 {
			assert.Contains(t, errOut.String(), "error: archive cancelled: nothing was changed\n")
			assert.Empty(t, deletesByID(srv))
			_, err := os.Stat(dir)
			assert.True(t, os.IsNotExist(err), "nothing written before the answer")
			continue
		}
		assert.Contains(t, out.String(), "Archived "+strconv.Itoa(len(ids))+" of "+strconv.Itoa(len(ids))+" queries\n")
		assert.Len(t, deletesByID(srv), len(ids))
		assert.Contains(t, errOut.String(), "Archiving", "a progress bar on a terminal")
	}
}

// TestArchiveDryRun: a dry run reads only lists, writes nothing, and its
// table and JSON are stable.
func TestArchiveDryRun(t *testing.T) {
	srv, url := fake(t, "10.1.0", 100)
	env := clitest.EnvFor(url, srv.AdminKey())
	env["HOME"] = t.TempDir()
	ids := pickTargets(t, srv, 5)
	var keep int
	for _, q := range srv.Snapshot().Queries {
		if slices.Contains(q.Tags, "keep") && !q.IsArchived && q.DataSourceID != 0 {
			keep = q.ID
			break
		}
	}
	require.NotZero(t, keep)
	sel := joinIDs(append(slices.Clone(ids), keep, 999999))
	dir := runDir(t)

	res := clitest.Run(t, env, "archive", "--ids", sel, "--dry-run", "--backup-dir", dir)
	require.Equal(t, 0, res.Code, res.Stderr)
	golden.Assert(t, strings.ReplaceAll(res.Stdout, dir, "<dir>"))
	for _, r := range srv.Requests() {
		assert.Equal(t, "GET", r.Method, r.Path)
		assert.False(t, strings.HasPrefix(r.Path, "/api/queries/") && r.Path != "/api/queries/archive", "no GET of a single query: %s", r.Path)
	}
	_, err := os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "a dry run writes nothing")

	t.Chdir(t.TempDir())
	res = clitest.Run(t, env, "archive", "--ids", sel, "--dry-run", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	var recs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &recs))
	require.Len(t, recs, len(ids)+2)
	for _, r := range recs {
		for _, k := range []string{"id", "name", "owner_email", "schedule", "tags", "status", "reason", "backup", "widgets", "alerts", "earlier", "verified"} {
			assert.Contains(t, r, k)
		}
	}
	statuses := map[string]int{}
	for _, r := range recs {
		statuses[r["status"].(string)]++
	}
	assert.Equal(t, map[string]int{"would-archive": len(ids), "refused": 1, "unlisted": 1}, statuses)
	assert.Contains(t, res.Stderr, "Would archive "+strconv.Itoa(len(ids))+" of "+strconv.Itoa(len(ids)+2)+" queries; 1 refused (backups would go to redashctl-archive-20261101-120000); nothing was changed\n")
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	assert.Empty(t, entries, "a dry run writes nothing")
}

// planFor builds a plan for the fake at url: the given ids to archive, each
// with a snapshot read from the query list, and one query to keep.
func planFor(t *testing.T, url, key string, created time.Time, archiveIDs []int, keepID int) *plan.Plan {
	t.Helper()
	c, err := redash.NewClient(url, redash.WithAPIKey(key))
	require.NoError(t, err)
	qs, err := c.Queries.ListAll(context.Background(), redash.QueryListOptions{})
	require.NoError(t, err)
	byID := map[int]redash.Query{}
	for _, q := range qs {
		byID[q.ID] = q
	}
	p := plan.New(created, plan.Source{URL: url + "/", RedashVersion: "10.1.0"}, plan.Criteria{Command: "audit", KeepTag: "keep"})
	add := func(id int, a plan.Action) {
		q := byID[id]
		sched, err := json.Marshal(q.Schedule)
		require.NoError(t, err)
		p.Items = append(p.Items, plan.Item{
			QueryID: id, Name: q.Name, Action: a, Reasons: []plan.Reason{{Code: "unused", Detail: "test"}},
			Before: plan.Snapshot{Name: q.Name, Tags: q.Tags, Schedule: sched, IsDraft: q.IsDraft, OwnerEmail: q.User.Email, UpdatedAt: q.UpdatedAt, Version: q.Version},
		})
	}
	for _, id := range archiveIDs {
		add(id, plan.Archive)
	}
	add(keepID, plan.Keep)
	slices.SortFunc(p.Items, func(a, b plan.Item) int { return a.QueryID - b.QueryID })
	return p
}

func writePlan(t *testing.T, p *plan.Plan) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, p.Write(&buf))
	path := filepath.Join(t.TempDir(), "plan.json")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return path
}

// TestArchivePlan: a plan's archive items are archived and its other items
// left alone; a plan older than --plan-max-age warns and skips the queries
// that changed since; a plan of another instance, of an unknown format, or
// a backup folder holding another plan's journal are refused.
func TestArchivePlan(t *testing.T) {
	srv, url := fake(t, "10.1.0", 160)
	env := clitest.EnvFor(url, srv.AdminKey())
	before := srv.Snapshot()
	ids := pickTargets(t, srv, 12)
	fresh := planFor(t, url, srv.AdminKey(), clitest.Now.Add(-time.Hour), ids[:4], ids[4])
	dir := runDir(t)
	res := clitest.Run(t, env, "archive", "--plan", writePlan(t, fresh), "--backup-dir", dir, "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "Archived 4 of 4 queries\n")
	assert.NotContains(t, res.Stderr, "warning")
	assertArchived(t, srv, before, dir, ids[:4])
	assert.Len(t, deletesByID(srv), 4)

	stale := planFor(t, url, srv.AdminKey(), clitest.Now.Add(-10*24*time.Hour), ids[5:9], ids[9])
	c, err := redash.NewClient(url, redash.WithAPIKey(srv.AdminKey()))
	require.NoError(t, err)
	tags := []string{"edited-since"}
	_, err = c.Queries.Update(context.Background(), ids[6], redash.UpdateQueryRequest{Tags: &tags})
	require.NoError(t, err)
	staleFile := writePlan(t, stale)
	res = clitest.Run(t, env, "archive", "--plan", staleFile, "--backup-dir", runDir(t), "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, "warning: "+staleFile+" was made 10d ago (more than --plan-max-age 7d): it may be out of date;")
	assert.Contains(t, res.Stderr, "changed: query "+strconv.Itoa(ids[6]))
	assert.Contains(t, res.Stdout, "Archived 3 of 3 queries\n")
	assert.Contains(t, res.Stdout, "Skipped 1: 1 changed since the plan\n")
	assert.Zero(t, deletesByID(srv)[ids[6]])
	res = clitest.Run(t, env, "archive", "--plan", staleFile, "--plan-max-age", "30d", "--dry-run")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.NotContains(t, res.Stderr, "warning")

	other := planFor(t, url, srv.AdminKey(), clitest.Now, ids[10:11], ids[11])
	other.Source.URL, other.Source.Org = "https://redash.example.com/", "acme"
	otherFile := writePlan(t, other)
	res = clitest.Run(t, env, "archive", "--plan", otherFile, "--yes")
	assert.Equal(t, 1, res.Code)
	assert.Equal(t, "error: plan "+otherFile+" was made for https://redash.example.com/ (org acme), not "+url+"/: refusing to apply it to another instance\n", res.Stderr)

	v2 := filepath.Join(t.TempDir(), "v2.json")
	require.NoError(t, os.WriteFile(v2, []byte(`{"format": "redashctl-plan/v2", "source": {"url": "`+url+`/"}, "items": []}`), 0o600))
	res = clitest.Run(t, env, "archive", "--plan", v2, "--yes")
	assert.Equal(t, 1, res.Code)
	assert.Equal(t, "error: read plan "+v2+`: unsupported plan format "redashctl-plan/v2": this redashctl reads redashctl-plan/v1`+"\n", res.Stderr)

	another := planFor(t, url, srv.AdminKey(), clitest.Now, ids[10:11], ids[11])
	anotherFile := writePlan(t, another)
	res = clitest.Run(t, env, "archive", "--plan", anotherFile, "--backup-dir", dir, "--yes")
	assert.Equal(t, 1, res.Code)
	assert.Contains(t, res.Stderr, "error: "+dir+" holds the journal of another run (--plan ")
	assert.Zero(t, deletesByID(srv)[ids[10]], "nothing archived")
}

// TestArchiveFaultKinds: a 429 with Retry-After, a slow answer past the
// request timeout and a truncated answer are retried and the run succeeds;
// an HTML page where JSON was expected fails that query alone, with one
// line saying what came back.
func TestArchiveFaultKinds(t *testing.T) {
	tests := []struct {
		name   string
		fault  func(id int) fakeredash.Fault
		code   int
		stdout string
	}{
		{"429 with Retry-After", func(int) fakeredash.Fault {
			return fakeredash.Fault{Kind: fakeredash.FaultRateLimit, RetryAfter: 1, Method: "DELETE", Times: 2}
		}, 0, "Archived 3 of 3 queries\n"},
		{"slow answer", func(id int) fakeredash.Fault {
			return fakeredash.Fault{Kind: fakeredash.FaultSlow, Delay: time.Minute, Path: "/api/queries/" + strconv.Itoa(id), Method: "GET", Times: 1}
		}, 0, "Archived 3 of 3 queries\n"},
		{"truncated answer", func(id int) fakeredash.Fault {
			return fakeredash.Fault{Kind: fakeredash.FaultTruncate, Path: "/api/queries/" + strconv.Itoa(id), Times: 2}
		}, 0, "Archived 3 of 3 queries\n"},
		{"HTML page", func(id int) fakeredash.Fault {
			return fakeredash.Fault{Kind: fakeredash.FaultHTML200, Path: "/api/queries/" + strconv.Itoa(id), Method: "GET"}
		}, 3, "redash returned an HTML page (200 OK)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := fake(t, "10.1.0", 60)
			before := srv.Snapshot()
			ids := pickTargets(t, srv, 3)[:3]
			srv.AddFault(tt.fault(ids[1]))
			dir := runDir(t)
			res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "archive", "--ids", joinIDs(ids), "--backup-dir", dir, "--yes", "--timeout", "2s")
			assert.Equal(t, tt.code, res.Code, res.Stderr)
			assert.Contains(t, res.Stdout, tt.stdout)
			if tt.code == 0 {
				assertArchived(t, srv, before, dir, ids)
				return
			}
			assert.Contains(t, res.Stdout, "Archived 2 of 3 queries; 1 failed: "+strconv.Itoa(ids[1])+"\n")
			assert.False(t, queryOf(srv.Snapshot(), ids[1]).IsArchived, "no backup, no DELETE")
			_, err := os.Stat(bulk.BackupPath(dir, ids[1]))
			assert.True(t, os.IsNotExist(err))
		})
	}
}
