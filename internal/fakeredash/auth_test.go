package fakeredash

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuthErrors(t *testing.T) {
	for _, v := range dialects {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 100})
			for _, key := range []string{"", "not-a-key"} {
				r := f.get("/api/queries", key)
				assert.Equal(t, http.StatusNotFound, r.status)
				assert.Equal(t, msgLogin, message(t, r))

				r = f.get("/api/admin/queries/outdated", key)
				assert.Equal(t, http.StatusForbidden, r.status)
				assert.True(t, r.isHTML())

				r = f.get("/status.json", key)
				assert.Equal(t, http.StatusFound, r.status)
				loc, err := url.Parse(r.header.Get("Location"))
				require.NoError(t, err)
				assert.Equal(t, "/login", loc.Path)
				assert.True(t, strings.HasSuffix(loc.Query().Get("next"), "/status.json"), loc.String())
			}
			// An ordinary user is no super-admin: 403 HTML on admin routes.
			r := f.get("/api/admin/queries/outdated", f.s.UserKey())
			assert.Equal(t, http.StatusForbidden, r.status)
			assert.True(t, r.isHTML())
			r = f.get("/status.json", f.s.UserKey())
			assert.Equal(t, http.StatusForbidden, r.status)

			var st map[string]any
			f.getJSON("/status.json", f.s.AdminKey(), &st)
			assert.Equal(t, f.s.d.reported, st["version"])
		})
	}
}

func TestAuthKeyPlacement(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 100})
	admin := f.s.AdminKey()

	// The api_key parameter wins over the header, even when it is bad.
	r := f.get("/api/session?api_key=bad", admin)
	assert.Equal(t, http.StatusNotFound, r.status)
	r = f.get("/api/session?api_key="+admin, "bad")
	assert.Equal(t, http.StatusOK, r.status)

	// Only the exact "Key " prefix is stripped.
	for _, h := range []string{"key " + admin, "Bearer " + admin, "Key  " + admin} {
		req, err := http.NewRequest(http.MethodGet, f.url+"/api/session", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", h)
		resp, err := f.hc.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, h)
	}
	// The whole header value is tried as a key when there is no prefix.
	req, err := http.NewRequest(http.MethodGet, f.url+"/api/session", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", admin)
	resp, err := f.hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestDisabledUserKey(t *testing.T) {
	want := map[string]int{"4.0.2": 200, "5.0.2": 200, "8.0.0": 404, "10.1.0": 404, "26.3.0": 404}
	for _, v := range dialects {
		f := newFixture(t, Options{Version: v, Queries: 50})
		r := f.get("/api/queries", f.s.DisabledUserKey())
		assert.Equal(t, want[v], r.status, v)
	}
}

func TestUnknownPathsAndSwallowedRoutes(t *testing.T) {
	for _, v := range dialects {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 100})
			admin := f.s.AdminKey()
			for _, p := range []string{"/api/no/such/thing", "/queries/42", "/api/queries/"} {
				r := f.get(p, admin)
				assert.Equal(t, http.StatusOK, r.status, p)
				assert.True(t, r.isHTML(), p)
				assert.Contains(t, string(r.body), "<!DOCTYPE html>")
			}
			r := f.do(http.MethodPost, "/api/no/such/thing", admin, "{}")
			assert.Equal(t, http.StatusMethodNotAllowed, r.status)
			assert.True(t, r.isHTML())

			// §2.2: before they existed, these were read as a query id.
			archive := f.get("/api/queries/archive", admin)
			if major(v) < 7 {
				assert.Equal(t, http.StatusInternalServerError, archive.status)
				assert.True(t, archive.isJSON())
			} else {
				assert.Equal(t, http.StatusOK, archive.status)
			}
			for _, p := range []string{"/api/queries/favorites", "/api/queries/tags"} {
				r := f.get(p, admin)
				if major(v) < 5 {
					assert.Equal(t, http.StatusInternalServerError, r.status, p)
				} else {
					assert.Equal(t, http.StatusOK, r.status, p)
				}
			}
			rq := f.get("/api/admin/queries/rq_status", admin)
			tasks := f.get("/api/admin/queries/tasks", admin)
			assert.Equal(t, http.StatusOK, rq.status)
			assert.Equal(t, http.StatusOK, tasks.status)
			if major(v) >= 9 {
				assert.True(t, rq.isJSON())
				assert.True(t, tasks.isHTML(), "tasks is gone from v9: the SPA")
			} else {
				assert.True(t, rq.isHTML(), "rq_status does not exist before v9: the SPA")
				assert.True(t, tasks.isJSON())
			}
			// An unknown id and a non-integer id.
			assert.Equal(t, http.StatusNotFound, f.get("/api/queries/999999", admin).status)
			assert.Equal(t, http.StatusInternalServerError, f.get("/api/queries/abc", admin).status)
		})
	}
}

func TestQueryAPIKey(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 200})
	ds := f.s.Snapshot()
	var q Query
	for _, c := range ds.Queries {
		if !c.IsArchived && c.DataSourceID == dsProduction && c.LatestQueryDataID != 0 && len(c.Parameters) == 0 {
			q = c
			break
		}
	}
	require.NotZero(t, q.ID)
	path := "/api/queries/" + itoa(q.ID)

	var got map[string]any
	f.getJSON(path+"?api_key="+q.APIKey, "", &got)
	assert.Equal(t, q.SQL, got["query"])
	assert.Equal(t, false, got["can_edit"])
	assert.NotContains(t, got, "is_favorite")

	r := f.get(path+"/results.json?api_key="+q.APIKey, "")
	assert.Equal(t, http.StatusOK, r.status)
	// The key works only on its own query's URLs.
	assert.Equal(t, http.StatusNotFound, f.get("/api/queries?api_key="+q.APIKey, "").status)
	assert.Equal(t, http.StatusNotFound, f.get("/api/queries/"+itoa(q.ID+1)+"?api_key="+q.APIKey, "").status)
	r = f.do(http.MethodPost, path+"/refresh?api_key="+q.APIKey, "", nil)
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.Equal(t, msgUseUserKey, message(t, r))

	// The download left an api_get event, attributed to the key.
	var evs page
	f.getJSON("/api/events?page_size=5", f.s.AdminKey(), &evs)
	var found bool
	for _, raw := range evs.Results {
		var e struct {
			Action   string `json:"action"`
			ObjectID string `json:"object_id"`
			UserName string `json:"user_name"`
			UserID   *int   `json:"user_id"`
		}
		require.NoError(t, jsonUnmarshal(raw, &e))
		if e.Action == "api_get" && e.ObjectID == itoa(q.ID) {
			found = true
			assert.Nil(t, e.UserID)
			assert.Equal(t, "ApiKey: Query "+itoa(q.ID), e.UserName)
		}
	}
	assert.True(t, found, "api_get event recorded")
}

func TestMultiOrg(t *testing.T) {
	f := newFixture(t, Options{Version: "8.0.0", Queries: 100, OrgSlug: "acme"})
	admin := f.s.AdminKey()
	var pg page
	f.getJSON("/api/queries", admin, &pg)
	assert.Equal(t, len(f.s.VisibleQueryIDs(admin)), pg.Count)

	root := strings.TrimSuffix(f.url, "/acme")
	r := f.get(root+"/api/queries", admin)
	assert.Equal(t, http.StatusNotFound, r.status, "no prefix")
	assert.Equal(t, msgLogin, message(t, r))
	r = f.get(root+"/other/api/queries", admin)
	assert.Equal(t, http.StatusNotFound, r.status, "wrong prefix")
	assert.Equal(t, msgLogin, message(t, r))

	var sess struct {
		OrgSlug string `json:"org_slug"`
	}
	f.getJSON("/api/session", admin, &sess)
	assert.Equal(t, "acme", sess.OrgSlug)

	// Unscoped admin routes resolve to the org "default" (§4).
	assert.Equal(t, http.StatusForbidden, f.get(root+"/api/admin/queries/outdated", admin).status)
	// Under the prefix they do not exist: the SPA.
	r = f.get("/api/admin/queries/outdated", admin)
	assert.Equal(t, http.StatusOK, r.status)
	assert.True(t, r.isHTML())
}

func TestSessionVersion(t *testing.T) {
	want := map[string]string{"4.0.2": "4.0.2", "5.0.2": "5.0.2", "8.0.0": "8.0.0+b32245", "10.1.0": "10.1.0", "26.3.0": "26.3.0"}
	for _, v := range dialects {
		f := newFixture(t, Options{Version: v, Queries: 20})
		var sess struct {
			User struct {
				ID int `json:"id"`
			} `json:"user"`
			ClientConfig struct {
				Version string `json:"version"`
			} `json:"client_config"`
			Messages []string `json:"messages"`
		}
		f.getJSON("/api/session", f.s.UserKey(), &sess)
		assert.Equal(t, want[v], sess.ClientConfig.Version)
		assert.Equal(t, userOrdinary, sess.User.ID)
		assert.Equal(t, v, f.s.Version())
	}
}

func TestVersionParsing(t *testing.T) {
	for in, want := range map[string]string{"": "10.1.0", "v10.1.0": "10.1.0", "10.1": "10.1.0", "10": "10.1.0", "4": "4.0.2", "v26.3.0": "26.3.0", "8.0": "8.0.0"} {
		d, err := parseVersion(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, d.version, in)
	}
	_, err := New(Options{Version: "9.0.0"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "4.0.2, 5.0.2, 8.0.0, 10.1.0, 26.3.0")
	assert.Equal(t, dialects, Versions())
}
