package archive_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/root"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/pkg/bulk"
)

// subprocessEnv makes the test binary run redashctl itself (TestMain), for
// the test that kills a real process.
const subprocessEnv = "REDASHCTL_ARCHIVE_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(subprocessEnv) == "1" {
		os.Exit(root.Main())
	}
	os.Exit(m.Run())
}

const adminID = 1

func fake(t *testing.T, version string, queries int) (*fakeredash.Server, string) {
	t.Helper()
	return clitest.Fake(t, fakeredash.Options{Version: version, Queries: queries, Seed: 11})
}

// listedDashboard reports whether the admin's dashboard list shows d (the
// only dashboards a backup can see).
func listedDashboard(d fakeredash.Dashboard) bool {
	return !d.IsArchived && (!d.IsDraft || d.UserID == adminID)
}

// widgetsOf returns the widgets showing a visualization of q, and whether
// they all sit on dashboards the admin's list shows.
func widgetsOf(ds *fakeredash.Dataset, q fakeredash.Query) ([]fakeredash.Widget, bool) {
	viz := map[int]bool{}
	for _, v := range q.Visualizations {
		viz[v.ID] = true
	}
	var out []fakeredash.Widget
	all := true
	for _, d := range ds.Dashboards {
		for _, w := range d.Widgets {
			if w.VisualizationID != 0 && viz[w.VisualizationID] {
				out = append(out, w)
				all = all && listedDashboard(d)
			}
		}
	}
	return out, all
}

func alertsOf(ds *fakeredash.Dataset, id int) []fakeredash.Alert {
	var out []fakeredash.Alert
	for _, a := range ds.Alerts {
		if a.QueryID == id {
			out = append(out, a)
		}
	}
	return out
}

func queryOf(ds *fakeredash.Dataset, id int) fakeredash.Query {
	for _, q := range ds.Queries {
		if q.ID == id {
			return q
		}
	}
	return fakeredash.Query{}
}

// pickTargets chooses n live queries the admin lists, without the keep tag
// and whose widgets a backup can see, with at least two on dashboards and
// two with alerts when the data has them.
func pickTargets(t *testing.T, srv *fakeredash.Server, n int) []int {
	t.Helper()
	ds := srv.Snapshot()
	visible := map[int]bool{}
	for _, id := range srv.VisibleQueryIDs(srv.AdminKey()) {
		visible[id] = true
	}
	var withWidgets, withAlerts, plain []int
	for _, q := range ds.Queries {
		if !visible[q.ID] || q.IsArchived || slices.Contains(q.Tags, "keep") {
			continue
		}
		ws, ok := widgetsOf(ds, q)
		if !ok {
			continue
		}
		switch {
		case len(alertsOf(ds, q.ID)) > 0:
			withAlerts = append(withAlerts, q.ID)
		case len(ws) > 0:
			withWidgets = append(withWidgets, q.ID)
		default:
			plain = append(plain, q.ID)
		}
	}
	require.GreaterOrEqual(t, len(withWidgets), 2, "the sandbox has queries on dashboards")
	require.GreaterOrEqual(t, len(withAlerts), 2, "the sandbox has queries with alerts")
	var out []int
	out = append(out, withWidgets[:min(len(withWidgets), max(2, n/3))]...)
	out = append(out, withAlerts[:min(len(withAlerts), max(2, n/3))]...)
	for _, id := range plain {
		if len(out) >= n {
			break
		}
		out = append(out, id)
	}
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

// deletesByID counts the DELETE /api/queries/<id> requests the fake received.
func deletesByID(srv *fakeredash.Server) map[int]int {
	out := map[int]int{}
	for _, r := range srv.Requests() {
		if r.Method != http.MethodDelete || !strings.HasPrefix(r.Path, "/api/queries/") {
			continue
		}
		id, err := strconv.Atoi(strings.TrimPrefix(r.Path, "/api/queries/"))
		if err == nil {
			out[id]++
		}
	}
	return out
}

func countRequests(srv *fakeredash.Server, method, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// assertArchived checks the fake's state after archiving ids, and that each
// backup in dir holds what archiving destroyed (as before shows it) and no
// API key.
func assertArchived(t *testing.T, srv *fakeredash.Server, before *fakeredash.Dataset, dir string, ids []int) {
	t.Helper()
	after := srv.Snapshot()
	for _, id := range ids {
		q := queryOf(after, id)
		assert.True(t, q.IsArchived, "query %d archived", id)
		assert.Nil(t, q.Schedule, "query %d unscheduled", id)
		ws, _ := widgetsOf(after, queryOf(before, id))
		assert.Empty(t, ws, "query %d: widgets deleted", id)
		assert.Empty(t, alertsOf(after, id), "query %d: alerts deleted", id)

		path := bulk.BackupPath(dir, id)
		st, err := os.Stat(path)
		if !assert.NoError(t, err, "backup of %d", id) {
			continue
		}
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		orig := queryOf(before, id)
		assert.NotContains(t, string(data), orig.APIKey, "no API key in the backup of %d", id)
		b, err := bulk.ReadBackup(path)
		require.NoError(t, err)
		assert.Equal(t, orig.Name, b.Query.Name)
		assert.Equal(t, len(orig.Visualizations), len(b.Query.Visualizations))
		assert.Equal(t, orig.Schedule == nil, !b.Query.Schedule.IsSet(), "query %d schedule", id)
		wantW, _ := widgetsOf(before, orig)
		var gotW, wantIDs []int
		for _, w := range b.Widgets {
			gotW = append(gotW, w.ID)
		}
		for _, w := range wantW {
			wantIDs = append(wantIDs, w.ID)
		}
		slices.Sort(gotW)
		slices.Sort(wantIDs)
		assert.Equal(t, wantIDs, gotW, "query %d: widgets in the backup", id)
		for _, w := range b.Widgets {
			for _, ow := range wantW {
				if ow.ID == w.ID {
					assert.JSONEq(t, string(ow.Options), string(w.Options))
					assert.Equal(t, ow.Width, w.Width)
					assert.Equal(t, ow.VisualizationID, w.VisualizationID)
				}
			}
		}
		wantA := alertsOf(before, id)
		require.Len(t, b.Alerts, len(wantA), "query %d: alerts in the backup", id)
		for i, a := range wantA {
			assert.Equal(t, a.ID, b.Alerts[i].ID)
			assert.Equal(t, a.Name, b.Alerts[i].Name)
			assert.JSONEq(t, string(a.Options), string(b.Alerts[i].Options))
			assert.Len(t, b.Alerts[i].Subscriptions, len(a.Subscriptions))
		}
	}
}

// gate stands between redashctl and the fake. It lets limit DELETEs
// through, holds the next ones until released, and once closed answers
// every request of connections opened before the close with 503, so that
// nothing of a killed process reaches the fake afterwards.
type gate struct {
	next    http.Handler
	limit   atomic.Int64
	deletes atomic.Int64
	reached chan struct{}
	once    sync.Once
	release chan struct{}

	mu     sync.Mutex
	cond   *sync.Cond
	flight int
	gen    int64 // generation of new connections
	closed int64 // connections of this generation and older are refused
}

type genKey struct{}

func newGate(next http.Handler, limit int) *gate {
	g := &gate{next: next, reached: make(chan struct{}), release: make(chan struct{})}
	g.limit.Store(int64(limit))
	g.cond = sync.NewCond(&g.mu)
	return g
}

// start serves the gate over HTTP.
func (g *gate) start(t *testing.T) string {
	t.Helper()
	g.gen = 1
	hs := httptest.NewUnstartedServer(g)
	hs.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		g.mu.Lock()
		defer g.mu.Unlock()
		return context.WithValue(ctx, genKey{}, g.gen)
	}
	hs.Start()
	t.Cleanup(hs.Close)
	return hs.URL
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	gen, _ := r.Context().Value(genKey{}).(int64)
	g.mu.Lock()
	if gen <= g.closed {
		g.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	g.flight++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.flight--
		g.cond.Broadcast()
		g.mu.Unlock()
	}()
	if limit := g.limit.Load(); r.Method == http.MethodDelete && limit >= 0 {
		if n := g.deletes.Add(1); n > limit {
			g.once.Do(func() { close(g.reached) })
			<-g.release
			http.Error(w, "closed", http.StatusServiceUnavailable)
			return
		}
	}
	g.next.ServeHTTP(w, r)
}

// shut refuses the connections opened so far, releases held requests and
// waits for the requests in flight, then lets everything through.
func (g *gate) shut() {
	g.mu.Lock()
	g.closed = g.gen
	g.gen++
	g.mu.Unlock()
	close(g.release)
	g.mu.Lock()
	for g.flight > 0 {
		g.cond.Wait()
	}
	g.mu.Unlock()
	g.limit.Store(-1)
}

func runDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "run")
}

// killRedashctl runs redashctl with args in a child process (this test
// binary, through TestMain) against url, and kills it with SIGKILL as soon
// as the gate holds a DELETE beyond its limit.
func killRedashctl(t *testing.T, g *gate, url, key, home string, args []string) {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), subprocessEnv+"=1", "REDASHCTL_URL="+url, "REDASHCTL_API_KEY="+key, "HOME="+home, "XDG_CONFIG_HOME="+home)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-g.reached:
		require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
		err := <-exited
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee)
		assert.Equal(t, "signal: killed", ee.Error())
	case err := <-exited:
		t.Fatalf("redashctl ended before it was killed (%v): %s", err, stderr.String())
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("redashctl never reached the DELETE to stop at: %s", stderr.String())
	}
}
