package bulk

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/retry"
	"github.com/redashctl/redashctl/pkg/redash"
)

func fakeClient(t *testing.T, version string) (*fakeredash.Server, *redash.Client) {
	t.Helper()
	srv, err := fakeredash.New(fakeredash.Options{Version: version, Queries: 120, Seed: 11, Now: t0})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	fast := retry.Default()
	fast.BaseDelay, fast.MaxDelay = time.Millisecond, 5*time.Millisecond
	c, err := redash.NewClient(hs.URL, redash.WithAPIKey(srv.AdminKey()), redash.WithRetryPolicy(fast))
	require.NoError(t, err)
	return srv, c
}

func requestsFor(srv *fakeredash.Server, method, path string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// liveIDs returns n live, published queries the admin lists (so that the
// archive list shows them once archived).
func liveIDs(t *testing.T, srv *fakeredash.Server, n int) []int {
	t.Helper()
	var out []int
	ds := srv.Snapshot()
	for _, id := range srv.VisibleQueryIDs(srv.AdminKey()) {
		for _, q := range ds.Queries {
			if q.ID == id && !q.IsDraft && !slices.Contains(q.Tags, "keep") && len(out) < n {
				out = append(out, id)
			}
		}
	}
	require.Len(t, out, n)
	return out
}

// TestArchiverResume replays a journal left by a killed run: a DELETE that
// arrived is recorded without being sent again, one that did not is sent,
// a backup already written is reused (the query is not read again), and a
// query already done is left alone.
func TestArchiverResume(t *testing.T) {
	srv, c := fakeClient(t, "10.1.0")
	ctx := context.Background()
	ids := liveIDs(t, srv, 4)
	arrived, lost, backedUp, done := ids[0], ids[1], ids[2], ids[3]
	dir := t.TempDir()
	require.NoError(t, PrepareDir(dir))
	v, err := c.Version(ctx)
	require.NoError(t, err)
	session, err := c.Session(ctx)
	require.NoError(t, err)

	// A first run backs up four queries; then the story of a kill.
	first := NewArchiver(ArchiveOptions{Client: c, Version: v, Session: session, Dir: dir, Now: func() time.Time { return t0 }})
	require.NoError(t, first.index(ctx))
	var entries []Entry
	for _, id := range ids {
		q, err := c.Queries.Get(ctx, id)
		require.NoError(t, err)
		b, err := first.backupOf(ctx, q)
		require.NoError(t, err)
		require.NoError(t, WriteBackup(dir, b))
		entries = append(entries, Entry{Step: StepBackup, QueryID: id, File: backupRel(id)})
	}
	entries = append(entries,
		Entry{Step: StepDelete, QueryID: arrived}, Entry{Step: StepDelete, QueryID: lost},
		Entry{Step: StepDelete, QueryID: done}, Entry{Step: StepArchived, QueryID: done}, Entry{Step: StepVerified, QueryID: done})
	require.NoError(t, c.Queries.Archive(ctx, arrived))
	require.NoError(t, c.Queries.Archive(ctx, done))
	srv.ResetRequests()

	j, err := CreateJournal(filepath.Join(dir, JournalName), JournalHeader{Kind: "archive", RunKey: "k", Targets: ids})
	require.NoError(t, err)
	require.NoError(t, j.Append(entries...))
	listed := map[int]redash.Query{}
	for q, err := range c.Queries.ListIter(ctx, redash.QueryListOptions{}) {
		require.NoError(t, err)
		listed[q.ID] = q
	}
	targets := make([]Target, len(ids))
	for i, id := range ids {
		targets[i] = Target{ID: id}
		if q, ok := listed[id]; ok {
			targets[i].Listed = &q
		}
	}
	a := NewArchiver(ArchiveOptions{Client: c, Version: v, Session: session, Dir: dir, Entries: entries, Probe: true, Now: func() time.Time { return t0 }})
	items, err := a.Prepare(ctx, targets)
	require.NoError(t, err)
	status := map[int]Status{}
	for _, it := range items {
		status[it.QueryID] = it.Status
	}
	assert.Equal(t, map[int]Status{arrived: StatusArchived, lost: StatusPending, backedUp: StatusPending, done: StatusArchived}, status)
	a.Attach(j, nil)
	require.NoError(t, a.Run(ctx, items))
	require.NoError(t, j.Close())

	for _, id := range []int{arrived, done} {
		assert.Zero(t, requestsFor(srv, "DELETE", "/api/queries/"+strconv.Itoa(id)), "query %d is not archived again", id)
	}
	for _, id := range []int{lost, backedUp} {
		assert.Equal(t, 1, requestsFor(srv, "DELETE", "/api/queries/"+strconv.Itoa(id)))
		assert.Zero(t, requestsFor(srv, "GET", "/api/queries/"+strconv.Itoa(id)), "the backup of %d is reused", id)
	}
	_, all, err := ReadJournal(filepath.Join(dir, JournalName))
	require.NoError(t, err)
	st := Replay(all)
	for _, id := range ids {
		assert.True(t, st[id].Verified, "query %d verified", id)
	}
	for _, q := range srv.Snapshot().Queries {
		if slices.Contains(ids, q.ID) {
			assert.True(t, q.IsArchived)
		}
	}
}

// TestArchiverVerifiesDraftsOneByOne: another user's archived draft never
// shows in /api/queries/archive (v7+), so it is verified with a GET; on v5,
// which has no archive list, absence from the live list verifies.
func TestArchiverVerifiesDraftsOneByOne(t *testing.T) {
	for _, v := range []string{"8.0.0", "5.0.2"} {
		t.Run(v, func(t *testing.T) {
			srv, c := fakeClient(t, v)
			ctx := context.Background()
			var draft int
			for _, q := range srv.Snapshot().Queries {
				if q.IsDraft && !q.IsArchived && q.UserID != 1 && q.DataSourceID != 0 && !slices.Contains(q.Tags, "keep") && q.DataSourceID != 3 {
					draft = q.ID
					break
				}
			}
			require.NotZero(t, draft)
			ver, err := c.Version(ctx)
			require.NoError(t, err)
			session, err := c.Session(ctx)
			require.NoError(t, err)
			dir := t.TempDir()
			require.NoError(t, PrepareDir(dir))
			j, err := CreateJournal(filepath.Join(dir, JournalName), JournalHeader{Kind: "archive", RunKey: "k", Targets: []int{draft}})
			require.NoError(t, err)
			defer j.Close()
			q, err := c.Queries.Get(ctx, draft)
			require.NoError(t, err)
			a := NewArchiver(ArchiveOptions{Client: c, Version: ver, Session: session, Dir: dir, Journal: j, Probe: true})
			items, err := a.Prepare(ctx, []Target{{ID: draft, Listed: q}})
			require.NoError(t, err)
			require.Equal(t, StatusPending, items[0].Status)
			srv.ResetRequests()
			require.NoError(t, a.Run(ctx, items))
			assert.Equal(t, StatusArchived, items[0].Status)
			assert.True(t, items[0].Verified)
			gets := requestsFor(srv, "GET", "/api/queries/"+strconv.Itoa(draft))
			if v == "8.0.0" {
				assert.Equal(t, 1, requestsFor(srv, "GET", "/api/queries/archive"))
				assert.Equal(t, 2, gets, "one GET for the backup, one to verify")
			} else {
				assert.Zero(t, requestsFor(srv, "GET", "/api/queries/archive"))
				assert.Equal(t, 1, gets, "the backup's GET only")
			}
		})
	}
}
