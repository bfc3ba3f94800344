package redash

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in      string
		want    Version
		wantErr bool
	}{
		{"4.0.2", Version{4, 0, 2}, false},
		{"v5.0.2", Version{5, 0, 2}, false},
		{"8.0.0+b32245", Version{8, 0, 0}, false},
		{"10.1.0", Version{10, 1, 0}, false},
		{"25.8.0", Version{25, 8, 0}, false},
		{"26.08.0-dev", Version{26, 8, 0}, false},
		{"9.0.0-beta", Version{9, 0, 0}, false},
		{"7", Version{7, 0, 0}, false},
		{" 10.1 ", Version{10, 1, 0}, false},
		{"", Version{}, true},
		{"master", Version{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseVersion(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, "26.8.0", MustParseVersion("26.08.0-dev").String())
	assert.Equal(t, "unknown", Version{}.String())
	assert.Panics(t, func() { MustParseVersion("x") })
}

func TestVersionCompare(t *testing.T) {
	v8, v10, v25 := MustParseVersion("8.0.0"), MustParseVersion("10.1.0"), MustParseVersion("25.8.0")
	assert.True(t, v8.Less(v10))
	assert.True(t, v10.Less(v25))
	assert.False(t, v10.Less(v10))
	assert.True(t, v10.AtLeast(v10))
	assert.True(t, v25.AtLeast(v8))
	assert.False(t, v8.AtLeast(v10))
	assert.Equal(t, 0, v10.Compare(Version{10, 1, 0}))
	assert.True(t, Version{10, 1, 0}.Less(Version{10, 1, 1}))
}

func TestFeatureGates(t *testing.T) {
	type gates struct {
		tags, tagsObject, archive, favorites, resultsPost, byID, pagUsers, pagDash, schedObj, viewOnGet, rq, allDrafts, search, adminTasks bool
	}
	tests := []struct {
		v    string
		want gates
	}{
		{"4.0.2", gates{adminTasks: true}},
		{"5.0.2", gates{tags: true, tagsObject: true, favorites: true, pagUsers: true, pagDash: true, allDrafts: true, search: true, adminTasks: true}},
		{"6.0.0", gates{tags: true, favorites: true, pagUsers: true, pagDash: true, viewOnGet: true, allDrafts: true, search: true, adminTasks: true}},
		{"7.0.0", gates{tags: true, archive: true, favorites: true, resultsPost: true, pagUsers: true, pagDash: true, schedObj: true, viewOnGet: true, allDrafts: true, search: true, adminTasks: true}},
		{"8.0.0", gates{tags: true, archive: true, favorites: true, resultsPost: true, pagUsers: true, pagDash: true, schedObj: true, viewOnGet: true, allDrafts: true, search: true, adminTasks: true}},
		{"9.0.0", gates{tags: true, archive: true, favorites: true, resultsPost: true, pagUsers: true, pagDash: true, schedObj: true, viewOnGet: true, rq: true, allDrafts: true, search: true}},
		{"10.1.0", gates{tags: true, archive: true, favorites: true, resultsPost: true, byID: true, pagUsers: true, pagDash: true, schedObj: true, viewOnGet: true, rq: true, allDrafts: true, search: true}},
		{"26.3.0", gates{tags: true, archive: true, favorites: true, resultsPost: true, byID: true, pagUsers: true, pagDash: true, schedObj: true, viewOnGet: true, rq: true, allDrafts: true, search: true}},
		{"0.0.0", gates{}},
	}
	for _, tt := range tests {
		t.Run(tt.v, func(t *testing.T) {
			v := MustParseVersion(tt.v)
			got := gates{
				v.HasTags(), v.TagsObjectShape(), v.HasArchiveList(), v.HasFavorites(), v.HasResultsPost(),
				v.DashboardsByID(), v.PaginatedUsers(), v.PaginatedDashboards(), v.ScheduleIsObject(), v.RecordsViewOnGet(),
				v.HasRQ(), v.AllDraftsListed(), v.HasQuerySearch(), v.HasAdminTasks(),
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSessionAndVersionDetection(t *testing.T) {
	for _, version := range []string{"4.0.2", "5.0.2", "8.0.0+b32245", "10.1.0", "26.3.0", "26.08.0-dev"} {
		t.Run(version, func(t *testing.T) {
			f := newFake(t, version)
			c, _ := f.start()
			ctx := context.Background()
			s, err := c.Session(ctx)
			require.NoError(t, err)
			assert.Equal(t, 1, s.User.ID)
			assert.Equal(t, "admin@example.com", s.User.Email)
			assert.Equal(t, []int{1, 2}, s.User.Groups)
			assert.Equal(t, "default", s.OrgSlug)
			assert.Equal(t, version, s.Version)
			assert.True(t, s.IsAdmin())
			assert.True(t, s.IsSuperAdmin())
			assert.False(t, s.IsQueryKey())

			v1, err := c.Version(ctx)
			require.NoError(t, err)
			v2, err := c.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, MustParseVersion(version), v1)
			assert.Equal(t, v1, v2)
			assert.Equal(t, 1, f.count("GET", "/api/session"), "the version read by Session is kept: no second read")
		})
	}
}

func TestVersionWithQueryKey(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.routes["GET /api/session"] = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{
			"user":     map[string]any{"permissions": []string{}, "apiKey": testKey},
			"org_slug": "default", "client_config": map[string]any{"pageSize": 20},
		})
	}
	c, _ := f.start()
	s, err := c.Session(context.Background())
	require.NoError(t, err)
	assert.True(t, s.IsQueryKey())
	assert.False(t, s.IsAdmin())
	assert.Empty(t, s.Version)

	_, err = c.Version(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "use a user API key")
	assert.NotContains(t, err.Error(), testKey)
}

func TestWithVersionSkipsDetection(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(3)
	c, _ := f.start(WithVersion(MustParseVersion("10.1.0")))
	v, err := c.Version(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 10, v.Major)
	_, err = c.Queries.ListAll(context.Background(), QueryListOptions{})
	require.NoError(t, err)
	assert.Zero(t, f.count("GET", "/api/session"))
}

func TestSessionPermissions(t *testing.T) {
	s := &Session{User: SessionUser{ID: 3, Permissions: []string{"view_query", "admin"}}}
	assert.True(t, s.IsAdmin())
	assert.False(t, s.IsSuperAdmin())
	s.User.Permissions = []string{"view_query"}
	assert.False(t, s.IsAdmin())
}
