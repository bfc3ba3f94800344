package fakeredash

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeterministic(t *testing.T) {
	opts := Options{Version: "10.1.0", Queries: 800, Seed: 9, Now: testNow}
	a, err := New(opts)
	require.NoError(t, err)
	b, err := New(opts)
	require.NoError(t, err)
	sa, sb := a.Snapshot(), b.Snapshot()
	if !reflect.DeepEqual(sa, sb) {
		// Narrow the difference down before printing it.
		require.Equal(t, sa.Users, sb.Users)
		require.Equal(t, sa.Queries, sb.Queries)
		require.Equal(t, sa.Dashboards, sb.Dashboards)
		require.Equal(t, sa.Alerts, sb.Alerts)
		require.Equal(t, sa.Events, sb.Events)
		t.Fatal("same seed, different data")
	}
	assert.Equal(t, a.AdminKey(), b.AdminKey())
	opts.Seed = 10
	c, err := New(opts)
	require.NoError(t, err)
	assert.NotEqual(t, a.AdminKey(), c.AdminKey())

	// The world is the same across dialects apart from the dialect's shapes.
	opts.Seed = 9
	opts.Version = "4.0.2"
	v4, err := New(opts)
	require.NoError(t, err)
	q4, q10 := v4.Snapshot().Queries, a.Snapshot().Queries
	for i := range q4 {
		require.Equal(t, q10[i].SQL, q4[i].SQL)
		require.Equal(t, q10[i].IsArchived, q4[i].IsArchived)
	}
}

func TestGeneratedMixAndTraits(t *testing.T) {
	s, err := New(Options{Version: "10.1.0", Queries: 3000, Seed: 3, Now: testNow})
	require.NoError(t, err)
	ds := s.Snapshot()
	n := len(ds.Queries)
	count := map[string]int{}
	for _, q := range ds.Queries {
		for _, tr := range q.Traits {
			name, _, _ := strings.Cut(tr, ":")
			count[name]++
		}
	}
	for _, tr := range []string{
		TraitDraft, TraitArchived, TraitScheduled, TraitScheduleInterval, TraitScheduleDaily, TraitScheduleWeekly,
		TraitScheduleStringInt, TraitScheduleDisabledFlag, TraitScheduleUntilPast, TraitScheduleUntilFuture,
		TraitParameterized, "param-query-ref", "query-results-ref", "copy-of", TraitDataSourceDeleted,
		TraitDataSourcePaused, TraitDataSourceRestricted, TraitKeepTag, TraitOnDashboard, TraitHasAlert,
		TraitNeverRun, TraitStale, TraitScheduleFailing, TraitOwnerDisabled, TraitUnused, TraitExternalConsumer,
		TraitScheduledUnviewed, TraitDraftAbandoned, TraitDuplicate, "duplicate-of", TraitDataSourceMissing, TraitBrokenReference,
	} {
		assert.Positive(t, count[tr], "trait %s", tr)
	}
	within := func(name string, lo, hi float64) {
		share := float64(count[name]) / float64(n)
		assert.True(t, share >= lo && share <= hi, "%s: %.3f of queries", name, share)
	}
	within(TraitDraft, 0.07, 0.13)
	within(TraitArchived, 0.03, 0.07)
	within(TraitScheduled, 0.13, 0.25)
	within(TraitUnused, 0.35, 0.75)

	// Spot-check traits against the data.
	now := ds.Now
	recent := map[string]bool{}
	apiGet := map[string]bool{}
	for _, e := range ds.Events {
		if e.Action == "api_get" {
			apiGet[e.ObjectID] = true
		}
		if e.CreatedAt.After(now.Add(-auditUnusedAfter)) && e.ObjectType == "query" && (e.Action == "view" || e.Action == "api_get" || e.Action == "execute") {
			recent[e.ObjectID] = true
		}
	}
	for _, q := range ds.Queries {
		id := itoa(q.ID)
		if q.HasTrait(TraitNeverRun) {
			assert.Zero(t, q.LatestQueryDataID)
		}
		if q.HasTrait(TraitStale) {
			assert.True(t, q.RetrievedAt.Before(now.Add(-auditStaleAfter)))
			assert.True(t, q.UpdatedAt.Before(now.Add(-auditStaleAfter)))
		}
		if q.HasTrait(TraitUnused) {
			assert.False(t, recent[id], "unused query %d has recent events", q.ID)
			assert.False(t, q.HasTrait(TraitOnDashboard))
			assert.False(t, q.HasTrait(TraitHasAlert))
		}
		if q.HasTrait(TraitExternalConsumer) {
			assert.True(t, apiGet[id])
		}
		if q.IsArchived || q.DataSourceID == 0 {
			assert.False(t, q.HasTrait(TraitUnused), "findings only for listed queries")
		}
		if q.HasTrait(TraitScheduleDisabledFlag) && !q.IsArchived && q.DataSourceID != 0 {
			assert.True(t, q.HasTrait(TraitScheduleFailing), "query %d", q.ID)
		}
	}
}

func TestOwnerDisabledNotOnV4(t *testing.T) {
	s, err := New(Options{Version: "4.0.2", Queries: 1000, Seed: 3, Now: testNow})
	require.NoError(t, err)
	for _, q := range s.Snapshot().Queries {
		require.False(t, q.HasTrait(TraitOwnerDisabled), "v4 has no disabled users")
		require.Empty(t, q.Tags, "v4 has no tags")
	}
}

func TestAddQueryWhilePaging(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 300})
	admin := f.s.AdminKey()
	var p1 page
	f.getJSON("/api/queries?page_size=100", admin, &p1)
	id := f.s.AddQuery(QuerySpec{Name: "Added", SQL: "select 42"})
	var p2 page
	f.getJSON("/api/queries?page_size=100&page=2", admin, &p2)
	assert.Equal(t, p1.Count+1, p2.Count)
	// The newest query shifts the pages: page 2 now starts with page 1's last row.
	assert.Equal(t, ids(t, p1.Results)[99], ids(t, p2.Results)[0])
	var first page
	f.getJSON("/api/queries?page_size=1", admin, &first)
	assert.Equal(t, []int{id}, ids(t, first.Results))
	assert.Contains(t, f.s.VisibleQueryIDs(admin), id)
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, Options{Version: "26.3.0", Queries: 400})
	admin := f.s.AdminKey()
	ids := f.s.VisibleQueryIDs(admin)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				id := ids[(w*15+i)%len(ids)]
				switch i % 5 {
				case 0:
					f.get("/api/queries?page_size=50&page="+itoa(1+i%3), admin)
				case 1:
					f.get("/api/queries/"+itoa(id), admin)
				case 2:
					f.do(http.MethodPost, "/api/queries/"+itoa(id), admin, map[string]any{"tags": []string{"keep"}})
				case 3:
					f.s.AddQuery(QuerySpec{SQL: "select " + itoa(w*100+i)})
				default:
					f.get("/api/events?page_size=10", admin)
					_ = f.s.Snapshot()
				}
			}
		}()
	}
	wg.Wait()
	got := f.listAll("/api/queries", admin)
	slices.Sort(got)
	assert.Equal(t, f.s.VisibleQueryIDs(admin), got)
}
