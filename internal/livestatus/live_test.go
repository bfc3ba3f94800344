package livestatus_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakeredash"
	live "github.com/redashctl/redashctl/internal/livestatus"
	"github.com/redashctl/redashctl/internal/retry"
	"github.com/redashctl/redashctl/pkg/redash"
)

// TestSchedulesStringIntervals: the schedules part counts, and names by id, the listed queries
// whose v7+ schedule stores its interval as a string, as the fake's ground truth says; v4–v6
// string schedules are legacy, not string intervals.
func TestSchedulesStringIntervals(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, v := range fakeredash.Versions() {
		t.Run(v, func(t *testing.T) {
			srv, err := fakeredash.New(fakeredash.Options{Version: v, Queries: 300, Seed: 4, Now: now})
			require.NoError(t, err)
			hs := httptest.NewServer(srv)
			defer hs.Close()
			client, err := redash.NewClient(hs.URL, redash.WithAPIKey(srv.AdminKey()))
			require.NoError(t, err)

			snap, err := live.Read(context.Background(), client, hs.URL, live.Options{Schedules: true, Now: now})
			require.NoError(t, err)
			require.NotNil(t, snap.Schedules)

			visible := srv.VisibleQueryIDs(srv.AdminKey())
			var want []int
			for _, q := range srv.Snapshot().Queries {
				if !slices.Contains(visible, q.ID) {
					continue
				}
				if q.HasTrait(fakeredash.TraitScheduleStringInt) {
					want = append(want, q.ID)
				}
			}
			slices.Sort(want)
			assert.Equal(t, want, snap.Schedules.StringIntervalQueries)
			assert.Len(t, want, snap.Schedules.StringIntervals)
			if !redash.MustParseVersion(v).ScheduleIsObject() {
				assert.Zero(t, snap.Schedules.StringIntervals, "string schedules of v4–v6 are legacy")
				assert.Positive(t, snap.Schedules.Legacy)
			}
			if v == "8.0.0" {
				assert.NotEmpty(t, want, "the v8 sandbox holds migrated schedules")
			}
		})
	}
}

// TestOrg: with Options.Org an admin key reads every group and the settings of its release
// (v10 added keys v8 lacks); a user key reads its own groups, and the settings become a note,
// not a failure.
func TestOrg(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, v := range []string{"8.0.0", "10.1.0"} {
		t.Run(v, func(t *testing.T) {
			srv, hs := fake(t, v, now)
			admin := readWith(t, hs, srv.AdminKey(), live.Options{Org: true, Now: now})
			assert.False(t, admin.Failed())
			names := make([]string, 0, len(admin.Groups))
			for _, g := range admin.Groups {
				names = append(names, g.Name)
			}
			assert.Equal(t, []string{"admin", "default", "Finance"}, names)
			assert.Equal(t, live.Group{ID: admin.Groups[0].ID, Name: "admin", Type: "builtin", Permissions: []string{"admin", "super_admin"}}, admin.Groups[0])
			assert.True(t, slices.IsSorted(admin.Groups[1].Permissions))
			require.NotNil(t, admin.OrgSettings)
			assert.Equal(t, "DD/MM/YY", admin.OrgSettings["date_format"])
			_, hasV10 := admin.OrgSettings["disable_public_urls"]
			assert.Equal(t, v == "10.1.0", hasV10)
			assert.NotContains(t, parts(admin.Gaps), live.PartOrgSettings)

			user := readWith(t, hs, srv.UserKey(), live.Options{Org: true, Now: now})
			assert.False(t, user.Failed())
			assert.Nil(t, user.OrgSettings)
			require.NotEmpty(t, user.Groups)
			assert.Less(t, len(user.Groups), len(admin.Groups))
			assert.Subset(t, parts(user.Gaps), []string{live.PartGroups, live.PartOrgSettings})
		})
	}
}

// TestOrgNotRequested: without Options.Org nothing of the org is read or noted.
func TestOrgNotRequested(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	srv, hs := fake(t, "10.1.0", now)
	snap := readWith(t, hs, srv.UserKey(), live.Options{Now: now})
	assert.Nil(t, snap.Groups)
	assert.Nil(t, snap.OrgSettings)
	assert.NotContains(t, parts(snap.Gaps), live.PartGroups)
	assert.NotContains(t, parts(snap.Gaps), live.PartOrgSettings)
}

// TestOrgSettingsFaults: a JSON 403 for an admin key is a note; a 500 or a proxy's HTML 403
// is a failed part; the groups are read all the same.
func TestOrgSettingsFaults(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		fault      http.HandlerFunc
		wantFailed bool
	}{
		{"json 403", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message": "You don't have permission to access this resource."}`))
		}, false},
		{"html 403", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte("<html><title>403 Forbidden</title></html>"))
		}, true},
		{"500", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"message": "Internal Server Error"}`))
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := fakeredash.New(fakeredash.Options{Version: "10.1.0", Queries: 50, Seed: 4, Now: now})
			require.NoError(t, err)
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/api/settings/organization" {
					tt.fault(w, r)
					return
				}
				srv.ServeHTTP(w, r)
			}))
			t.Cleanup(hs.Close)
			snap := readWith(t, hs, srv.AdminKey(), live.Options{Org: true, Now: now})
			assert.Nil(t, snap.OrgSettings)
			assert.Len(t, snap.Groups, 3)
			i := slices.IndexFunc(snap.Gaps, func(g live.Gap) bool { return g.Part == live.PartOrgSettings })
			require.GreaterOrEqual(t, i, 0, "gaps: %v", snap.Gaps)
			assert.Equal(t, tt.wantFailed, snap.Gaps[i].Failed, snap.Gaps[i].Reason)
			assert.Equal(t, tt.wantFailed, snap.Failed())
			assert.Contains(t, snap.Gaps[i].Reason, "organization settings")
		})
	}
}

func fake(t *testing.T, version string, now time.Time) (*fakeredash.Server, *httptest.Server) {
	t.Helper()
	srv, err := fakeredash.New(fakeredash.Options{Version: version, Queries: 50, Seed: 4, Now: now})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs
}

func readWith(t *testing.T, hs *httptest.Server, key string, o live.Options) *live.Snapshot {
	t.Helper()
	client, err := redash.NewClient(hs.URL, redash.WithAPIKey(key), redash.WithRetryPolicy(retry.Policy{MaxAttempts: 1}))
	require.NoError(t, err)
	snap, err := live.Read(context.Background(), client, hs.URL, o)
	require.NoError(t, err)
	return snap
}

func parts(gaps []live.Gap) []string {
	out := make([]string, 0, len(gaps))
	for _, g := range gaps {
		out = append(out, g.Part)
	}
	return out
}
