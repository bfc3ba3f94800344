package fakeredash

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPaginationRules(t *testing.T) {
	for _, v := range dialects {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 340})
			admin := f.s.AdminKey()
			n := len(f.s.VisibleQueryIDs(admin))
			require.Greater(t, n, 250)

			var pg page
			f.getJSON("/api/queries", admin, &pg)
			assert.Equal(t, n, pg.Count)
			assert.Equal(t, 1, pg.Page)
			assert.Equal(t, 25, pg.PageSize)
			assert.Len(t, pg.Results, 25)

			// Non-integers fall back to the defaults.
			f.getJSON("/api/queries?page=x&page_size=1.5", admin, &pg)
			assert.Equal(t, 1, pg.Page)
			assert.Equal(t, 25, pg.PageSize)

			for path, msg := range map[string]string{
				"/api/queries?page=0":                  msgPageNeg,
				"/api/queries?page=-3":                 msgPageNeg,
				"/api/queries?page_size=251":           msgPageSize,
				"/api/queries?page_size=0":             msgPageSize,
				"/api/queries?page=3&page_size=250":    msgPageRange,
				"/api/queries?page=3&page_size=100000": msgPageRange, // range is checked before size
			} {
				r := f.get(path, admin)
				assert.Equal(t, http.StatusBadRequest, r.status, path)
				assert.Equal(t, msg, message(t, r), path)
			}
			// The last page is short; the one after is out of range.
			f.getJSON("/api/queries?page=2&page_size=250", admin, &pg)
			assert.Len(t, pg.Results, n-250)

			// count == 0: page 1 is an empty page, page 2 a 404. The
			// invited user owns nothing.
			users := f.s.Snapshot().Users
			invited := users[len(users)-1]
			require.True(t, invited.InvitationPending)
			f.getJSON("/api/queries/my?page=1", invited.APIKey, &pg)
			assert.Zero(t, pg.Count)
			assert.Empty(t, pg.Results)
			r := f.get("/api/queries/my?page=2", invited.APIKey)
			assert.Equal(t, http.StatusNotFound, r.status)
			assert.True(t, r.isJSON())
		})
	}
}

func TestListCountsMatchVisibleIDs(t *testing.T) {
	for _, v := range dialects {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 600})
			for _, key := range []string{f.s.AdminKey(), f.s.UserKey()} {
				want := f.s.VisibleQueryIDs(key)
				got := f.listAll("/api/queries", key)
				slices.Sort(got)
				assert.Equal(t, want, got)
			}
			// The ordinary user sees fewer: not the Finance data source.
			assert.Less(t, len(f.s.VisibleQueryIDs(f.s.UserKey())), len(f.s.VisibleQueryIDs(f.s.AdminKey())))

			ds := f.s.Snapshot()
			visible := map[int]bool{}
			for _, id := range f.s.VisibleQueryIDs(f.s.AdminKey()) {
				visible[id] = true
			}
			var deleted, archived int
			for _, q := range ds.Queries {
				if q.DataSourceID == 0 {
					deleted++
					assert.False(t, visible[q.ID], "deleted data source %d", q.ID)
				}
				if q.IsArchived {
					archived++
					assert.False(t, visible[q.ID], "archived %d", q.ID)
				}
			}
			assert.Positive(t, deleted)
			assert.Positive(t, archived)
		})
	}
}

// TestPagesOfAnySizeTile the list: the default order keeps only the
// requested page's rows, and every page size must give the same sequence.
func TestPagesOfAnySizeTile(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 400})
	admin := f.s.AdminKey()
	for _, path := range []string{"/api/queries", "/api/queries/archive", "/api/queries?tags=finance", "/api/queries?order=name"} {
		want := f.listAll(path, admin)
		require.NotEmpty(t, want, path)
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		for _, size := range []int{1, 7, 100, 249} {
			var got []int
			for p := 1; ; p++ {
				var pg page
				f.getJSON(path+sep+"page_size="+itoa(size)+"&page="+itoa(p), admin, &pg)
				require.Equal(t, len(want), pg.Count, "%s size %d", path, size)
				require.LessOrEqual(t, len(pg.Results), size)
				got = append(got, ids(t, pg.Results)...)
				if p*size >= pg.Count {
					break
				}
			}
			assert.Equal(t, want, got, "%s size %d", path, size)
		}
	}
}

func TestDefaultOrderAndTies(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 2000})
	admin := f.s.AdminKey()
	got := f.listAll("/api/queries", admin)
	ds := f.s.Snapshot()
	byID := map[int]Query{}
	for _, q := range ds.Queries {
		byID[q.ID] = q
	}
	ties := 0
	for i := 1; i < len(got); i++ {
		a, b := byID[got[i-1]], byID[got[i]]
		require.False(t, a.CreatedAt.Before(b.CreatedAt), "created_at desc at %d", i)
		if a.CreatedAt.Equal(b.CreatedAt) {
			ties++
			assert.Greater(t, a.ID, b.ID, "ties by id desc")
		}
	}
	assert.Positive(t, ties, "the generator makes some created_at ties")
}

func TestDraftsRule(t *testing.T) {
	for _, v := range []string{"4.0.2", "5.0.2", "10.1.0"} {
		f := newFixture(t, Options{Version: v, Queries: 600})
		ds := f.s.Snapshot()
		listed := map[int]bool{}
		for _, id := range f.listAll("/api/queries", f.s.UserKey()) {
			listed[id] = true
		}
		var own, others int
		for _, q := range ds.Queries {
			if !q.IsDraft || q.IsArchived || q.DataSourceID == 0 || q.DataSourceID == dsFinance {
				continue
			}
			if q.UserID == userOrdinary {
				own++
				assert.True(t, listed[q.ID], "%s: own draft %d listed", v, q.ID)
			} else {
				others++
				assert.Equal(t, major(v) >= 5, listed[q.ID], "%s: other's draft %d", v, q.ID)
			}
		}
		assert.Positive(t, others, v)
	}
}

func TestArchiveList(t *testing.T) {
	for _, v := range []string{"8.0.0", "26.3.0"} {
		f := newFixture(t, Options{Version: v, Queries: 600})
		for _, key := range []string{f.s.AdminKey(), f.s.UserKey()} {
			got := f.listAll("/api/queries/archive", key)
			slices.Sort(got)
			want := f.s.ArchivedQueryIDs(key)
			require.NotEmpty(t, want)
			assert.Equal(t, want, got, v)
		}
	}
}

func TestSearchTagsAndOrder(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 600})
	admin := f.s.AdminKey()
	ds := f.s.Snapshot()
	visible := map[int]bool{}
	for _, id := range f.s.VisibleQueryIDs(admin) {
		visible[id] = true
	}

	// tags: all must match.
	var want []int
	for _, q := range ds.Queries {
		if visible[q.ID] && slices.Contains(q.Tags, "finance") && slices.Contains(q.Tags, "keep") {
			want = append(want, q.ID)
		}
	}
	got := f.listAll("/api/queries?tags=finance&tags=keep", admin)
	slices.Sort(got)
	assert.Equal(t, want, got)

	// q: a prefix of a word in the name.
	got = f.listAll("/api/queries?q=reven", admin)
	require.NotEmpty(t, got)
	for _, id := range got {
		q := ds.Queries[id-1]
		assert.True(t, q.searchText("reven"), "query %d %q", id, q.Name)
	}

	// order=name ascending, case-insensitive; unknown orders are -created_at.
	var pg page
	f.getJSON("/api/queries?order=name&page_size=250", admin, &pg)
	var names []string
	for _, raw := range pg.Results {
		var it struct{ Name string }
		require.NoError(t, json.Unmarshal(raw, &it))
		names = append(names, it.Name)
	}
	assert.True(t, slices.IsSortedFunc(names, func(a, b string) int { return compareFold(a, b) }))
	var def, unknown page
	f.getJSON("/api/queries?page_size=50", admin, &def)
	f.getJSON("/api/queries?order=bogus&page_size=50", admin, &unknown)
	assert.Equal(t, ids(t, def.Results), ids(t, unknown.Results))

	// order=-executed_at: nulls first, then newest runs.
	f.getJSON("/api/queries?order=-executed_at&page_size=250", admin, &pg)
	var prev *time.Time
	seenValue := false
	for _, raw := range pg.Results {
		var it struct {
			RetrievedAt *time.Time `json:"retrieved_at"`
		}
		require.NoError(t, json.Unmarshal(raw, &it))
		if it.RetrievedAt == nil {
			assert.False(t, seenValue, "nulls first when descending")
			continue
		}
		seenValue = true
		if prev != nil {
			assert.False(t, it.RetrievedAt.After(*prev))
		}
		prev = it.RetrievedAt
	}
}

func TestTagsShapes(t *testing.T) {
	for _, v := range []string{"5.0.2", "8.0.0", "26.3.0"} {
		f := newFixture(t, Options{Version: v, Queries: 400})
		r := f.get("/api/queries/tags", f.s.AdminKey())
		require.Equal(t, http.StatusOK, r.status)
		if v == "5.0.2" {
			var m map[string]int
			require.NoError(t, json.Unmarshal(r.body, &m), v)
			assert.Positive(t, m["finance"])
			continue
		}
		var body struct {
			Tags []struct {
				Name  string `json:"name"`
				Count int    `json:"count"`
			} `json:"tags"`
		}
		require.NoError(t, json.Unmarshal(r.body, &body))
		require.NotEmpty(t, body.Tags)
		if v == "26.3.0" {
			assert.True(t, slices.IsSortedFunc(body.Tags, func(a, b struct {
				Name  string `json:"name"`
				Count int    `json:"count"`
			},
			) int {
				return compareFold(a.Name, b.Name)
			}), "v25.8+: by name")
		} else {
			for i := 1; i < len(body.Tags); i++ {
				assert.GreaterOrEqual(t, body.Tags[i-1].Count, body.Tags[i].Count, "by count")
			}
		}
	}
}

func TestListItemShapes(t *testing.T) {
	for _, v := range dialects {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 100})
			var pg page
			f.getJSON("/api/queries?page_size=1", f.s.AdminKey(), &pg)
			var it map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(pg.Results[0], &it))
			for _, k := range []string{
				"id", "latest_query_data_id", "name", "description", "query", "query_hash", "schedule", "api_key",
				"is_archived", "is_draft", "updated_at", "created_at", "data_source_id", "options", "version", "user", "last_modified_by_id", "retrieved_at", "runtime",
			} {
				assert.Contains(t, it, k)
			}
			assert.NotContains(t, it, "visualizations")
			assert.NotContains(t, it, "last_modified_by")
			assert.Equal(t, major(v) >= 5, has(it, "tags"))
			assert.Equal(t, major(v) >= 5, has(it, "is_favorite"))
			assert.Equal(t, major(v) >= 7, has(it, "is_safe"))

			var created string
			require.NoError(t, json.Unmarshal(it["created_at"], &created))
			if major(v) >= 8 {
				assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$`, created)
			} else {
				assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$`, created)
			}
			var user map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(it["user"], &user))
			assert.Equal(t, major(v) >= 5, has(user, "is_disabled"))
			assert.Equal(t, major(v) >= 7, has(user, "is_invitation_pending"))
		})
	}
}

func has(m map[string]json.RawMessage, k string) bool { _, ok := m[k]; return ok }

func TestRecentAndMy(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 600})
	var recent []map[string]json.RawMessage
	f.getJSON("/api/queries/recent", f.s.UserKey(), &recent)
	assert.LessOrEqual(t, len(recent), 10)
	for _, it := range recent {
		assert.Contains(t, it, "user_id")
		assert.NotContains(t, it, "user")
	}
	mine := f.listAll("/api/queries/my", f.s.UserKey())
	ds := f.s.Snapshot()
	for _, id := range mine {
		assert.Equal(t, userOrdinary, ds.Queries[id-1].UserID)
	}
	assert.NotEmpty(t, mine)

	// v5+: /search redirects to the list with the term.
	r := f.get("/api/queries/search?q=revenue", f.s.UserKey())
	assert.Equal(t, http.StatusMovedPermanently, r.status)
	assert.Equal(t, "/api/queries?drafts=false&q=revenue", r.header.Get("Location"))
}
