package fakeredash

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOrganizationSettings(t *testing.T) {
	for _, v := range dialects {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 100})
			r := f.get("/api/settings/organization", f.s.AdminKey())
			require.Equal(t, http.StatusOK, r.status)
			require.True(t, r.isJSON())
			var body struct {
				Settings map[string]any `json:"settings"`
			}
			require.NoError(t, json.Unmarshal(r.body, &body))
			s := body.Settings
			assert.Equal(t, true, s["auth_password_login_enabled"])
			assert.NotContains(t, s, "beacon_consent", "settings defaulting to None are left out")
			_, jwt := s["auth_jwt_login_enabled"]
			assert.Equal(t, major(v) >= 5, jwt, "JWT login from v5")
			_, df := s["date_format"]
			assert.Equal(t, major(v) >= 8, df, "formats from v8")
			if major(v) >= 8 {
				assert.Equal(t, "DD/MM/YY", s["date_format"])
				assert.Equal(t, false, s["multi_byte_search_enabled"])
			}
			_, public := s["disable_public_urls"]
			assert.Equal(t, major(v) >= 10, public)
			_, null := s["null_value"]
			assert.Equal(t, major(v) >= 26, null)

			r = f.get("/api/settings/organization", f.s.UserKey())
			assert.Equal(t, http.StatusForbidden, r.status, "require_admin")
			assert.True(t, r.isJSON())
			r = f.do(http.MethodDelete, "/api/settings/organization", f.s.AdminKey(), nil)
			assert.Equal(t, http.StatusMethodNotAllowed, r.status)
		})
	}
}

func TestGroupsList(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 100})
	var all []map[string]any
	f.getJSON("/api/groups", f.s.AdminKey(), &all)
	assert.Len(t, all, 3, "admins see every group")
	var own []map[string]any
	f.getJSON("/api/groups", f.s.UserKey(), &own)
	require.Len(t, own, 1, "others their own")
	assert.Equal(t, "default", own[0]["name"])
}

func TestStopEvents(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 300})
	admin := f.s.AdminKey()
	at := testNow.Add(-10 * 24 * time.Hour)
	f.s.StopEvents(at)
	f.get("/api/queries/1", admin) // a view, not recorded any more
	var pg struct {
		Count   int `json:"count"`
		Results []struct {
			CreatedAt time.Time `json:"created_at"`
		} `json:"results"`
	}
	f.getJSON("/api/events?page_size=5", admin, &pg)
	require.NotEmpty(t, pg.Results)
	assert.False(t, pg.Results[0].CreatedAt.After(at), "newest event %s", pg.Results[0].CreatedAt)
	assert.Equal(t, len(f.s.Snapshot().Events), pg.Count)
}
