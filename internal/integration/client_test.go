package integration

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/retry"
	"github.com/redashctl/redashctl/pkg/redash"
)

var testNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func fake(t *testing.T, o fakeredash.Options) (*fakeredash.Server, string) {
	t.Helper()
	if o.Now.IsZero() {
		o.Now = testNow
	}
	srv, err := fakeredash.New(o)
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

func client(t *testing.T, url, key string, opts ...redash.Option) *redash.Client {
	t.Helper()
	fast := retry.Default()
	fast.BaseDelay = time.Millisecond
	fast.MaxDelay = 10 * time.Millisecond
	c, err := redash.NewClient(url, append([]redash.Option{redash.WithAPIKey(key), redash.WithRetryPolicy(fast)}, opts...)...)
	require.NoError(t, err)
	return c
}

func queryIDs(qs []redash.Query) []int {
	out := make([]int, len(qs))
	for i, q := range qs {
		out[i] = q.ID
	}
	slices.Sort(out)
	return out
}

// TestClientAgainstEveryDialect: version detection, listing and schedule
// decoding agree with the fake's ground truth in every dialect.
func TestClientAgainstEveryDialect(t *testing.T) {
	for _, v := range fakeredash.Versions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv, url := fake(t, fakeredash.Options{Version: v, Queries: 900, Seed: 4})
			c := client(t, url, srv.AdminKey())
			ctx := context.Background()

			ver, err := c.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, redash.MustParseVersion(v), ver)

			sess, err := c.Session(ctx)
			require.NoError(t, err)
			assert.True(t, sess.IsAdmin())

			qs, err := c.Queries.ListAll(ctx, redash.QueryListOptions{})
			require.NoError(t, err)
			assert.Equal(t, srv.VisibleQueryIDs(srv.AdminKey()), queryIDs(qs))

			truth := map[int]fakeredash.Query{}
			for _, q := range srv.Snapshot().Queries {
				truth[q.ID] = q
			}
			shapes := map[string]int{}
			for _, q := range qs {
				want := truth[q.ID]
				assert.Equal(t, want.Name, q.Name)
				assert.Equal(t, want.IsDraft, q.IsDraft)
				assert.Equal(t, want.RetrievedAt.IsZero(), q.RetrievedAt == nil, "query %d retrieved_at", q.ID)
				if !want.RetrievedAt.IsZero() && q.RetrievedAt != nil {
					assert.WithinDuration(t, want.RetrievedAt, *q.RetrievedAt, time.Millisecond)
				}
				ws, err := fakeredash.ParseSchedule(want.Schedule)
				require.NoError(t, err)
				if ws == nil {
					assert.False(t, q.Schedule.IsSet(), "query %d has no schedule", q.ID)
					continue
				}
				require.True(t, q.Schedule.IsSet(), "query %d schedule %s", q.ID, want.Schedule)
				assert.Equal(t, ws.Period(), q.Schedule.Period(), "query %d schedule %s", q.ID, want.Schedule)
				assert.Equal(t, ws.Active(testNow), q.Schedule.Active(testNow), "query %d schedule %s", q.ID, want.Schedule)
				switch {
				case ws.Legacy:
					shapes["legacy"]++
				case ws.StringInterval:
					shapes["string-interval"]++
				case ws.Disabled:
					shapes["disabled"]++
				case ws.DayOfWeek != "":
					shapes["weekly"]++
				default:
					shapes["object"]++
				}
			}
			switch v {
			case "4.0.2", "5.0.2":
				assert.Positive(t, shapes["legacy"], "string schedules")
			case "8.0.0":
				assert.Positive(t, shapes["string-interval"], "migrated string intervals")
				assert.Positive(t, shapes["weekly"])
			default:
				assert.Positive(t, shapes["disabled"], "v10+ disabled schedules")
				assert.Positive(t, shapes["weekly"])
			}
		})
	}
}

// TestListExactMultipleOfPageSize: a count that is an exact multiple of 250
// must not ask for a page past the end.
func TestListExactMultipleOfPageSize(t *testing.T) {
	srv, url := fake(t, fakeredash.Options{Queries: 400, Seed: 9})
	for n := len(srv.VisibleQueryIDs(srv.AdminKey())); n%250 != 0; n++ {
		srv.AddQuery(fakeredash.QuerySpec{Name: "filler", SQL: "select 1"})
	}
	want := srv.VisibleQueryIDs(srv.AdminKey())
	require.Zero(t, len(want)%250)
	srv.ResetRequests()
	qs, err := client(t, url, srv.AdminKey()).Queries.ListAll(context.Background(), redash.QueryListOptions{})
	require.NoError(t, err)
	assert.Equal(t, want, queryIDs(qs))
	pages := 0
	for _, r := range srv.Requests() {
		if r.Path == "/api/queries" {
			pages++
			assert.Contains(t, r.RawQuery, "page_size=250")
		}
	}
	assert.Equal(t, len(want)/250, pages, "one request per page, none past the end")
}

// TestListWhileRowsAreAdded: rows created while paging shift later pages;
// the listing has no duplicates and misses none of the rows that were there.
func TestListWhileRowsAreAdded(t *testing.T) {
	srv, url := fake(t, fakeredash.Options{Queries: 1500, Seed: 12, Latency: 5 * time.Millisecond})
	before := srv.VisibleQueryIDs(srv.AdminKey())
	c := client(t, url, srv.AdminKey(), redash.WithConcurrency(2))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			select {
			case <-stop:
				return
			default:
			}
			srv.AddQuery(fakeredash.QuerySpec{Name: "new while paging", SQL: "select 2"})
		}
	}()
	qs, err := c.Queries.ListAll(context.Background(), redash.QueryListOptions{})
	close(stop)
	wg.Wait()
	require.NoError(t, err)
	got := queryIDs(qs)
	assert.Len(t, slices.Compact(slices.Clone(got)), len(got), "no duplicates")
	for _, id := range before {
		_, found := slices.BinarySearch(got, id)
		assert.True(t, found, "query %d was visible before listing began", id)
	}
}

func TestClientFaultsOnEveryEndpointKind(t *testing.T) {
	srv, url := fake(t, fakeredash.Options{Version: "26.3.0", Queries: 300})
	ctx := context.Background()
	c := client(t, url, srv.AdminKey())

	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultRateLimit, PathPrefix: "/api/session", Times: 1, RetryAfter: 1})
	start := time.Now()
	_, err := c.Session(ctx)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "Retry-After: 1 is honoured")

	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultTruncate, PathPrefix: "/api/data_sources", Times: 1})
	ds, err := c.DataSources.List(ctx)
	require.NoError(t, err)
	assert.NotEmpty(t, ds)

	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultHTML200, PathPrefix: "/api/users"})
	_, err = c.Users.List(ctx, redash.UserListOptions{})
	var htmlErr *redash.HTMLError
	require.ErrorAs(t, err, &htmlErr)
	assert.NotContains(t, err.Error(), "<")
	srv.ClearFaults()

	bad := client(t, url, "not-a-key")
	_, err = bad.Queries.ListAll(ctx, redash.QueryListOptions{})
	assert.True(t, errors.Is(err, redash.ErrUnauthorized), "bad key: %v", err)
	_, err = bad.Admin.Status(ctx)
	assert.True(t, errors.Is(err, redash.ErrUnauthorized), "bad key on /status.json: %v", err)
}

func TestEventsAreAdminOnly(t *testing.T) {
	srv, url := fake(t, fakeredash.Options{Version: "10.1.0", Queries: 200})
	ctx := context.Background()
	n := 0
	for ev, err := range client(t, url, srv.AdminKey()).Events.ListIter(ctx, redash.EventListOptions{}) {
		require.NoError(t, err)
		assert.NotEmpty(t, ev.Action)
		if n++; n == 600 {
			break
		}
	}
	assert.Equal(t, 600, n)
	for _, err := range client(t, url, srv.UserKey()).Events.ListIter(ctx, redash.EventListOptions{}) {
		assert.True(t, errors.Is(err, redash.ErrForbidden), "non-admin: %v", err)
		break
	}
}
