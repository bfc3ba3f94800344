package redash

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// pagesRequested returns the page numbers of the query list requests, in
// order of arrival.
func pagesRequested(t *testing.T, f *fakeRedash, path string) []int {
	t.Helper()
	var pages []int
	for _, r := range f.requests() {
		if r.Method != "GET" || r.Path != path {
			continue
		}
		q, err := url.ParseQuery(r.RawQuery)
		require.NoError(t, err)
		n, err := strconv.Atoi(q.Get("page"))
		require.NoError(t, err)
		assert.Equal(t, "250", q.Get("page_size"))
		pages = append(pages, n)
	}
	slices.Sort(pages)
	return pages
}

func descending(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = n - i
	}
	return out
}

func TestListAllPagination(t *testing.T) {
	tests := []struct {
		name      string
		rows      int
		wantPages []int
	}{
		{"empty", 0, []int{1}},
		{"one row", 1, []int{1}},
		{"exactly one page", 250, []int{1}},
		{"one more than a page", 251, []int{1, 2}},
		{"exact multiple of 250", 750, []int{1, 2, 3}},
		{"many pages", 1201, []int{1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		for _, version := range []string{"4.0.2", "5.0.2", "8.0.0", "10.1.0", "26.3.0"} {
			t.Run(tt.name+"/"+version, func(t *testing.T) {
				f := newFake(t, version)
				f.seed(tt.rows)
				c, _ := f.start()
				qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
				require.NoError(t, err)
				assert.Equal(t, descending(tt.rows), ids(qs), "every row once, in page order")
				assert.Equal(t, tt.wantPages, pagesRequested(t, f, "/api/queries"), "stop at count, never past it")
				for _, r := range f.requests() {
					assert.False(t, strings.HasPrefix(r.Path, "/api/queries/"), "listing never reads one query: %s", r.Path)
				}
			})
		}
	}
}

func TestListAllRowsAddedWhilePaging(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(740) // 3 pages
	var once sync.Once
	f.afterPage = func(n int) {
		if n == 1 {
			// 30 new queries appear at the top once page 1 was read: every
			// later page shifts by 30 and a 4th page appears.
			once.Do(func() { f.prepend(descending(770)[:30]...) })
		}
	}
	c, _ := f.start(WithConcurrency(1)) // sequential, so the shift lands before page 2
	qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
	require.NoError(t, err)

	got := ids(qs)
	seen := map[int]bool{}
	for _, id := range got {
		assert.False(t, seen[id], "duplicate id %d", id)
		seen[id] = true
	}
	for id := 1; id <= 740; id++ {
		assert.True(t, seen[id], "query %d that existed all along is listed", id)
	}
	assert.Equal(t, []int{1, 2, 3, 4}, pagesRequested(t, f, "/api/queries"), "the page the shift created is read")
}

func TestListAllCountShrinksWhilePaging(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(700) // 3 pages
	f.afterPage = func(n int) {
		if n == 1 {
			f.truncate(450) // page 3 is now out of range
		}
	}
	c, _ := f.start(WithConcurrency(1))
	qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
	require.NoError(t, err, "a page out of range at the tail ends the listing")
	assert.Equal(t, descending(700)[:450], ids(qs))
	assert.Equal(t, []int{1, 2, 3}, pagesRequested(t, f, "/api/queries"))
}

func TestListAllDuplicateRowsAcrossPages(t *testing.T) {
	f := newFake(t, "8.0.0")
	f.seed(500)
	// Page 2 starts with the last 5 rows of page 1 (a shift while paging).
	f.routes["GET /api/queries"] = func(w http.ResponseWriter, r *http.Request) {
		rows := f.snapshot(false)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		res := rows[:250]
		if page == 2 {
			res = rows[245:495]
		}
		writeJSON(w, 200, map[string]any{"count": 500, "page": page, "page_size": 250, "results": res})
	}
	c, _ := f.start()
	qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
	require.NoError(t, err)
	assert.Equal(t, descending(500)[:495], ids(qs), "duplicates dropped, order kept")
}

func TestListAllConcurrencyBound(t *testing.T) {
	for _, n := range []int{1, 3, 4} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			f := newFake(t, "10.1.0")
			f.seed(250 * 12)
			reached := make(chan struct{})
			var once sync.Once
			var mu sync.Mutex
			inflight := 0
			f.fault = func(_ http.ResponseWriter, r *http.Request) bool {
				if r.URL.Query().Get("page") == "1" {
					return false
				}
				mu.Lock()
				inflight++
				if inflight == n {
					once.Do(func() { close(reached) })
				}
				mu.Unlock()
				// Hold every page request until n are in flight at once, so
				// the bound is reached for sure; then let all through.
				select {
				case <-reached:
				case <-time.After(5 * time.Second):
				}
				mu.Lock()
				inflight--
				mu.Unlock()
				return false
			}
			c, _ := f.start(WithConcurrency(n), WithVersion(MustParseVersion("10.1.0")))
			qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
			require.NoError(t, err)
			assert.Len(t, qs, 3000)
			select {
			case <-reached:
			default:
				t.Fatalf("never had %d requests in flight", n)
			}
			assert.LessOrEqual(t, int(f.maxInflight.Load()), n, "never more than %d requests in flight", n)
		})
	}
}

func TestConcurrencyBoundIsClientWide(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(250 * 6)
	c, _ := f.start(WithConcurrency(2), WithVersion(MustParseVersion("10.1.0")))
	var wg sync.WaitGroup
	for range 4 { // four listings at once share the client's two slots
		wg.Add(1)
		go func() {
			defer wg.Done()
			qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
			assert.NoError(t, err)
			assert.Len(t, qs, 1500)
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, int(f.maxInflight.Load()), 2)
}

func TestListIterStopsEarly(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(250 * 40)
	c, _ := f.start(WithConcurrency(3), WithVersion(MustParseVersion("10.1.0")))
	var got []int
	for q, err := range c.Queries.ListIter(context.Background(), QueryListOptions{}) {
		require.NoError(t, err)
		got = append(got, q.ID)
		if len(got) == 300 {
			break
		}
	}
	assert.Equal(t, descending(10000)[:300], got)
	assert.LessOrEqual(t, len(f.requests()), 1+2*3, "at most the read-ahead (twice the concurrency) is wasted")
}

func TestListIterContextCancelled(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(1000)
	c, _ := f.start(WithVersion(MustParseVersion("10.1.0")))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var err error
	n := 0
	for _, e := range c.Queries.ListIter(ctx, QueryListOptions{}) {
		if e != nil {
			err = e
			break
		}
		n++
		if n == 250 {
			cancel()
		}
	}
	require.ErrorIs(t, err, context.Canceled)
}

func TestListDoesNotMutateOptions(t *testing.T) {
	f := newFake(t, "8.0.0")
	f.seed(600)
	c, _ := f.start()
	tags := []string{"even"}
	opts := QueryListOptions{Tags: tags, Search: "x", Order: "-created_at"}
	before := opts
	_, err := c.Queries.ListAll(context.Background(), opts)
	require.NoError(t, err)
	assert.Equal(t, before, opts)
	assert.Equal(t, []string{"even"}, tags)
	assert.Zero(t, opts.PageSize)
}

func TestListFiltersPerVersion(t *testing.T) {
	opts := QueryListOptions{Search: "sales report", Tags: []string{"a", "b"}, Order: "-name"}
	t.Run("v4 strips them", func(t *testing.T) {
		f := newFake(t, "4.0.2")
		f.seed(3)
		c, _ := f.start()
		qs, err := c.Queries.ListAll(context.Background(), opts)
		require.NoError(t, err)
		assert.Len(t, qs, 3, "the caller filters client-side")
		assert.False(t, opts.ServerFilters(MustParseVersion("4.0.2")))
		last := f.requests()[len(f.requests())-1]
		assert.Equal(t, "page=1&page_size=250", last.RawQuery)
	})
	t.Run("v5 sends them", func(t *testing.T) {
		f := newFake(t, "5.0.2")
		f.seed(3)
		c, _ := f.start()
		_, err := c.Queries.ListAll(context.Background(), opts)
		require.NoError(t, err)
		assert.True(t, opts.ServerFilters(MustParseVersion("5.0.2")))
		last := f.requests()[len(f.requests())-1]
		q, err := url.ParseQuery(last.RawQuery)
		require.NoError(t, err)
		assert.Equal(t, url.Values{"page": {"1"}, "page_size": {"250"}, "q": {"sales report"}, "tags": {"a", "b"}, "order": {"-name"}}, q)
	})
	t.Run("tags filter on the server", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.seed(10)
		c, _ := f.start()
		qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{Tags: []string{"even"}})
		require.NoError(t, err)
		assert.Equal(t, []int{10, 8, 6, 4, 2}, ids(qs))
	})
}

func TestListArchived(t *testing.T) {
	for _, version := range []string{"4.0.2", "5.0.2"} {
		t.Run(version, func(t *testing.T) {
			f := newFake(t, version)
			c, _ := f.start()
			_, err := c.Queries.ListAll(context.Background(), QueryListOptions{Archived: true})
			assertOneLine(t, err)
			assert.ErrorIs(t, err, ErrUnsupported)
			assert.Contains(t, err.Error(), "needs Redash 7 or newer")
			assert.Zero(t, f.count("GET", "/api/queries/archive"), "the v4–v6 path would be read as a query id")
		})
	}
	t.Run("8.0.0", func(t *testing.T) {
		f := newFake(t, "8.0.0")
		f.archived = []map[string]any{f.makeQuery(77)}
		f.archived[0]["is_archived"] = true
		c, _ := f.start()
		qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{Archived: true})
		require.NoError(t, err)
		require.Len(t, qs, 1)
		assert.True(t, qs[0].IsArchived)
		assert.Equal(t, 1, f.count("GET", "/api/queries/archive"))
	})
	t.Run("combined", func(t *testing.T) {
		f := newFake(t, "8.0.0")
		c, _ := f.start()
		_, err := c.Queries.List(context.Background(), QueryListOptions{Archived: true, My: true})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cannot be combined")
	})
}

func TestListOnePage(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(30)
	c, _ := f.start()
	p, err := c.Queries.List(context.Background(), QueryListOptions{ListOptions: ListOptions{Page: 2, PageSize: 10}})
	require.NoError(t, err)
	assert.Equal(t, 30, p.Count)
	assert.Equal(t, 2, p.Page)
	assert.Equal(t, 10, p.PageSize)
	assert.Equal(t, descending(30)[10:20], ids(p.Results))
	assert.False(t, p.Unpaged())

	_, err = c.Queries.List(context.Background(), QueryListOptions{ListOptions: ListOptions{PageSize: 251}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid page size 251: must be 1..250")
	_, err = c.Queries.List(context.Background(), QueryListOptions{ListOptions: ListOptions{Page: -1}})
	require.Error(t, err)
}

func TestListIterFromLaterPageWithSmallPages(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(95)
	c, _ := f.start()
	qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{ListOptions: ListOptions{Page: 3, PageSize: 20}})
	require.NoError(t, err)
	assert.Equal(t, descending(95)[40:], ids(qs))
}

func TestRateLimiterCountsEveryAttempt(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(750) // 3 pages
	fault, _ := failFirst(1, func(w http.ResponseWriter, _ *http.Request) { writeHTML(w, 502, "Bad Gateway") })
	f.fault = fault
	// A limiter that never refills: its tokens count the requests sent.
	lim := rate.NewLimiter(rate.Every(24*time.Hour), 10)
	c, _ := f.start(WithRateLimiter(lim))
	_, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
	require.NoError(t, err)
	sent := len(f.requests())
	assert.Equal(t, 5, sent, "session (502, retry) and 3 pages")
	assert.InDelta(t, 10-sent, lim.Tokens(), 0.01, "one token per attempt, retries included")

	// With the tokens gone the next request waits, and gives up with ctx.
	for lim.Allow() {
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Queries.List(ctx, QueryListOptions{})
	require.Error(t, err)
	assert.Equal(t, sent, len(f.requests()), "nothing is sent without a token")
}

func TestWithRateLimitBuildsALimiter(t *testing.T) {
	c, err := NewClient("https://x.example", WithRateLimit(5))
	require.NoError(t, err)
	require.NotNil(t, c.limiter)
	assert.InDelta(t, 5, float64(c.limiter.Limit()), 0.001)
	assert.Equal(t, 1, c.limiter.Burst())
	c, err = NewClient("https://x.example")
	require.NoError(t, err)
	assert.Nil(t, c.limiter, "0 means unlimited")
}
