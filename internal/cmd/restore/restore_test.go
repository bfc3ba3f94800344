package restore_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/restore"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/bulk"
)

const adminID = 1

func TestNewCmdRestore(t *testing.T) {
	t.Chdir(t.TempDir())
	require.NoError(t, os.Mkdir("d", 0o700))
	tests := []struct {
		name    string
		args    string
		check   func(t *testing.T, o *restore.RestoreOptions)
		wantErr string
	}{
		{name: "all", args: "--backup d --yes", check: func(t *testing.T, o *restore.RestoreOptions) {
			assert.Equal(t, "d", o.BackupDir)
			assert.Empty(t, o.IDs)
			assert.Equal(t, "table", o.Output)
		}},
		{name: "ids", args: "--backup d --ids 5,3 --ids 4 --dry-run -o json", check: func(t *testing.T, o *restore.RestoreOptions) {
			assert.Equal(t, []int{3, 4, 5}, o.IDs)
			assert.True(t, o.DryRun)
			assert.Equal(t, "json", o.Output)
		}},
		{name: "no backup", args: "--yes", wantErr: "--backup is required: the folder 'redashctl archive' wrote its backups to"},
		{name: "bad id", args: "--backup d --ids 0 --yes", wantErr: `invalid --ids value "0": use query ids like 1,2,3`},
		{name: "csv", args: "--backup d -o csv --yes", wantErr: `unknown output format "csv": use one of table, json, yaml`},
		{name: "missing folder", args: "--backup nowhere --yes", wantErr: "--backup nowhere: no such folder; give the folder 'redashctl archive' wrote its backups to"},
		{name: "no yes", args: "--backup d", wantErr: "--yes is required to restore queries when not running in a terminal (or use --dry-run to see what would change)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var got *restore.RestoreOptions
			cmd := restore.NewCmdRestore(f, func(o *restore.RestoreOptions) error { got = o; return nil })
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

func listedDashboard(d fakeredash.Dashboard) bool {
	return !d.IsArchived && (!d.IsDraft || d.UserID == adminID)
}

// pickTargets chooses live queries the admin lists (no keep tag), whose
// widgets sit on listed dashboards: some with widgets, some with alerts.
func pickTargets(t *testing.T, srv *fakeredash.Server, n int) []int {
	t.Helper()
	ds := srv.Snapshot()
	visible := map[int]bool{}
	for _, id := range srv.VisibleQueryIDs(srv.AdminKey()) {
		visible[id] = true
	}
	vizQuery := map[int]int{}
	for _, q := range ds.Queries {
		for _, v := range q.Visualizations {
			vizQuery[v.ID] = q.ID
		}
	}
	onDash, unlisted := map[int]bool{}, map[int]bool{}
	for _, d := range ds.Dashboards {
		for _, w := range d.Widgets {
			if q := vizQuery[w.VisualizationID]; q != 0 {
				onDash[q] = true
				if !listedDashboard(d) {
					unlisted[q] = true
				}
			}
		}
	}
	hasAlert := map[int]bool{}
	for _, a := range ds.Alerts {
		hasAlert[a.QueryID] = true
	}
	var widgets, alerts, plain []int
	for _, q := range ds.Queries {
		if !visible[q.ID] || q.IsArchived || slices.Contains(q.Tags, "keep") || unlisted[q.ID] {
			continue
		}
		switch {
		case hasAlert[q.ID]:
			alerts = append(alerts, q.ID)
		case onDash[q.ID]:
			widgets = append(widgets, q.ID)
		case q.Schedule != nil:
			plain = append(plain, q.ID)
		}
	}
	require.GreaterOrEqual(t, len(widgets), 2)
	require.GreaterOrEqual(t, len(alerts), 2)
	out := append(append(widgets[:min(len(widgets), n/3)], alerts[:min(len(alerts), n/3)]...), plain[:min(len(plain), n/3)]...)
	slices.Sort(out)
	return out
}

func joinIDs(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ",")
}

func normJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func schedule(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	s, err := fakeredash.ParseSchedule(raw)
	require.NoError(t, err)
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%d %s %s %s %v %v", s.Interval, s.Time, s.DayOfWeek, s.Until, s.Disabled, s.Legacy)
}

// world is what a restore must bring back, without ids: per query its
// archived flag, schedule and tags; per dashboard its widgets; per query its
// alerts and their subscriptions.
func world(t *testing.T, ds *fakeredash.Dataset, ids []int, dropOthersEmail bool) map[string][]string {
	t.Helper()
	want := map[int]bool{}
	for _, id := range ids {
		want[id] = true
	}
	out := map[string][]string{}
	for _, q := range ds.Queries {
		if want[q.ID] {
			out["query "+strconv.Itoa(q.ID)] = []string{fmt.Sprintf("archived=%v schedule=%s tags=%v", q.IsArchived, schedule(t, q.Schedule), q.Tags)}
		}
	}
	for _, d := range ds.Dashboards {
		var ws []string
		for _, w := range d.Widgets {
			ws = append(ws, fmt.Sprintf("viz=%d width=%d text=%q options=%s", w.VisualizationID, w.Width, w.Text, normJSON(t, w.Options)))
		}
		slices.Sort(ws)
		out["dashboard "+strconv.Itoa(d.ID)] = ws
	}
	for _, a := range ds.Alerts {
		if !want[a.QueryID] {
			continue
		}
		var subs []string
		for _, s := range a.Subscriptions {
			switch {
			case s.DestinationID != 0:
				subs = append(subs, "destination "+strconv.Itoa(s.DestinationID))
			case s.UserID == adminID || !dropOthersEmail:
				subs = append(subs, "e-mail of "+strconv.Itoa(s.UserID))
			}
		}
		slices.Sort(subs)
		key := "alerts of " + strconv.Itoa(a.QueryID)
		out[key] = append(out[key], fmt.Sprintf("%s options=%s rearm=%d subs=%v", a.Name, normJSON(t, a.Options), a.Rearm, subs))
		slices.Sort(out[key])
	}
	return out
}

func changes(srv *fakeredash.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Method != "GET" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// TestArchiveRestoreRoundTrip: in every dialect, archive then restore leaves
// the queries, dashboards and alerts as they were, except new widget and
// alert ids and the other users' e-mail subscriptions (listed as not
// restorable); a second restore changes nothing.
func TestArchiveRestoreRoundTrip(t *testing.T) {
	for _, v := range fakeredash.Versions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv, url := clitest.Fake(t, fakeredash.Options{Version: v, Queries: 160, Seed: 11})
			env := clitest.EnvFor(url, srv.AdminKey())
			ids := pickTargets(t, srv, 12)
			before := srv.Snapshot()
			others := 0
			for _, a := range before.Alerts {
				for _, s := range a.Subscriptions {
					if slices.Contains(ids, a.QueryID) && s.DestinationID == 0 && s.UserID != adminID {
						others++
					}
				}
			}
			dir := filepath.Join(t.TempDir(), "run")
			res := clitest.Run(t, env, "archive", "--ids", joinIDs(ids), "--backup-dir", dir, "--yes")
			require.Equal(t, 0, res.Code, res.Stderr)
			require.NotEqual(t, world(t, before, ids, false), world(t, srv.Snapshot(), ids, false), "archiving changed things")

			res = clitest.Run(t, env, "restore", "--backup", dir, "--dry-run")
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Contains(t, res.Stdout, "nothing was changed")
			srv.ResetRequests()
			res = clitest.Run(t, env, "restore", "--backup", dir, "--yes", "-o", "json")
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Equal(t, world(t, before, ids, true), world(t, srv.Snapshot(), ids, true))

			var recs []restore.Record
			require.NoError(t, json.Unmarshal([]byte(res.Stdout), &recs))
			require.Len(t, recs, len(ids))
			cannot, created := 0, 0
			after := srv.Snapshot()
			for _, r := range recs {
				assert.Equal(t, "unarchived", r.Result)
				cannot += len(r.CannotRestore)
				for _, w := range r.Widgets {
					require.Equal(t, "created", w.Result, w.Note)
					require.NotNil(t, w.NewID)
					created++
					assert.True(t, widgetExists(after, w.DashboardID, *w.NewID), "widget %d → %d", w.OldID, *w.NewID)
				}
				for _, a := range r.Alerts {
					require.Equal(t, "created", a.Result)
					require.NotNil(t, a.NewID)
					assert.NotEqual(t, a.OldID, *a.NewID)
				}
			}
			assert.Positive(t, created)
			assert.Equal(t, others, cannot, "other users' e-mail subscriptions are listed as not restorable")
			assert.Contains(t, res.Stderr, "Restored "+strconv.Itoa(len(ids))+" queries: "+strconv.Itoa(len(ids))+" un-archived;")

			srv.ResetRequests()
			res = clitest.Run(t, env, "restore", "--backup", dir, "--yes")
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Empty(t, changes(srv), "a second restore changes nothing")
			assert.Contains(t, res.Stdout, "Nothing to restore: ")
			assert.Equal(t, world(t, before, ids, true), world(t, srv.Snapshot(), ids, true))
		})
	}
}

func widgetExists(ds *fakeredash.Dataset, dashboard, id int) bool {
	for _, d := range ds.Dashboards {
		if d.ID != dashboard {
			continue
		}
		for _, w := range d.Widgets {
			if w.ID == id {
				return true
			}
		}
	}
	return false
}

// TestRestorePartialAndBadInput: a folder left half-way, a damaged backup,
// a dashboard deleted since the backup, an id without a backup, a backup of
// another instance: each is one clear line, and the rest is restored.
func TestRestorePartialAndBadInput(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 160, Seed: 11})
	env := clitest.EnvFor(url, srv.AdminKey())
	ids := pickTargets(t, srv, 9)
	dir := filepath.Join(t.TempDir(), "run")
	res := clitest.Run(t, env, "archive", "--ids", joinIDs(ids), "--backup-dir", dir, "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)

	// Find a backup with a widget and point the widget at a dashboard that
	// does not exist (Redash never deletes dashboards through its API).
	var withWidget int
	for _, id := range ids {
		b, err := bulk.ReadBackup(bulk.BackupPath(dir, id))
		require.NoError(t, err)
		if len(b.Widgets) > 0 && withWidget == 0 {
			withWidget = id
			b.Widgets[0].DashboardID, b.Widgets[0].DashboardSlug = 9999, "gone-dashboard"
			require.NoError(t, bulk.WriteBackup(dir, b))
		}
	}
	require.NotZero(t, withWidget)
	damaged, missing := ids[0], ids[1]
	if damaged == withWidget || missing == withWidget {
		damaged, missing = ids[len(ids)-1], ids[len(ids)-2]
	}
	require.NoError(t, os.WriteFile(bulk.BackupPath(dir, damaged), []byte(`{"format": "redashctl-backup/v1", "que`), 0o600))
	require.NoError(t, os.Remove(bulk.BackupPath(dir, missing)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, bulk.BackupSubdir, ".7.json.1234.tmp"), []byte("{"), 0o600))

	res = clitest.Run(t, env, "restore", "--backup", dir, "--yes")
	assert.Equal(t, 3, res.Code, "a damaged backup is a partial failure")
	assert.Contains(t, res.Stderr, "cannot restore query "+strconv.Itoa(damaged)+": read backup "+bulk.BackupPath(dir, damaged)+": not valid JSON")
	assert.Contains(t, res.Stdout, "dashboard 9999 (")
	assert.Contains(t, res.Stdout, ") was deleted since the backup")
	assert.Contains(t, res.Stdout, "Cannot be restored through the API:\n")
	after := srv.Snapshot()
	for _, q := range after.Queries {
		switch {
		case q.ID == damaged || q.ID == missing:
			assert.True(t, q.IsArchived, "query %d has no usable backup", q.ID)
		case slices.Contains(ids, q.ID):
			assert.False(t, q.IsArchived, "query %d restored", q.ID)
		}
	}

	res = clitest.Run(t, env, "restore", "--backup", dir, "--ids", strconv.Itoa(missing), "--yes")
	assert.Equal(t, 1, res.Code)
	assert.Equal(t, "cannot restore query "+strconv.Itoa(missing)+": no backup of query "+strconv.Itoa(missing)+" in "+dir+": file does not exist\n"+
		"error: nothing to restore: no backup could be read\n", res.Stderr)

	other := filepath.Join(t.TempDir(), "other")
	require.NoError(t, os.MkdirAll(filepath.Join(other, bulk.BackupSubdir), 0o700))
	b, err := bulk.ReadBackup(bulk.BackupPath(dir, withWidget))
	require.NoError(t, err)
	b.Source.URL = "https://elsewhere.example.com/"
	require.NoError(t, bulk.WriteBackup(other, b))
	res = clitest.Run(t, env, "restore", "--backup", other, "--yes")
	assert.Equal(t, 1, res.Code)
	assert.Equal(t, "error: backup "+bulk.BackupPath(other, withWidget)+" was taken from https://elsewhere.example.com/, not "+url+"/: refusing to restore it to another instance\n", res.Stderr)

	res = clitest.Run(t, env, "restore", "--backup", t.TempDir(), "--yes")
	assert.Equal(t, 1, res.Code)
	assert.Contains(t, res.Stderr, "holds no backups (no queries folder): is it a redashctl archive backup directory?")
}

// TestRestoreFaults: a widget whose creation got a 502 and an alert created
// but whose answer was cut short are reported as failed (exit 3); running
// the restore again finishes the job without creating anything twice.
func TestRestoreFaults(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 160, Seed: 11})
	env := clitest.EnvFor(url, srv.AdminKey())
	ids := pickTargets(t, srv, 12)
	before := srv.Snapshot()
	dir := filepath.Join(t.TempDir(), "run")
	res := clitest.Run(t, env, "archive", "--ids", joinIDs(ids), "--backup-dir", dir, "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)

	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, Status: 502, Method: "POST", PathPrefix: "/api/widgets", Times: 1})
	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultTruncate, Method: "POST", PathPrefix: "/api/alerts", Times: 1})
	// One query at a time, so that the faults hit the same widget and alert on every run.
	res = clitest.Run(t, env, "--concurrency", "1", "restore", "--backup", dir, "--yes")
	assert.Equal(t, 3, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "failed: create widget on dashboard ")
	assert.Contains(t, res.Stdout, "failed: create alert on query ")
	assert.Contains(t, res.Stdout, "; 4 failed\n", "the widget, the alert and its two subscriptions")

	res = clitest.Run(t, env, "restore", "--backup", dir, "--yes")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, world(t, before, ids, true), world(t, srv.Snapshot(), ids, true), "the alert created behind the cut answer is found, not made twice")
}
