package fakeredash

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScheduleShapes(t *testing.T) {
	for _, v := range dialects {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 1500})
			ds := f.s.Snapshot()
			kinds := map[string]int{}
			for _, q := range ds.Queries {
				if q.Schedule == nil {
					continue
				}
				var raw any
				require.NoError(t, json.Unmarshal(q.Schedule, &raw))
				if major(v) < 7 {
					s, ok := raw.(string)
					require.True(t, ok, "v4/v5: a string, got %s", q.Schedule)
					if slices.Contains(q.Traits, TraitScheduleDaily) {
						assert.Regexp(t, `^\d\d:\d\d$`, s)
						kinds["daily"]++
					} else {
						assert.Regexp(t, `^\d+$`, s)
						kinds["interval"]++
					}
					continue
				}
				obj, ok := raw.(map[string]any)
				require.True(t, ok, "v7+: an object, got %s", q.Schedule)
				for _, k := range []string{"interval", "time", "day_of_week", "until"} {
					assert.Contains(t, obj, k, "all four keys")
				}
				if _, isStr := obj["interval"].(string); isStr {
					kinds["string-interval"]++
				}
				if obj["day_of_week"] != nil {
					kinds["weekly"]++
				}
				if obj["until"] != nil {
					kinds["until"]++
				}
				if _, ok := obj["disabled"]; ok {
					kinds["disabled"]++
				}
			}
			if major(v) < 7 {
				assert.Positive(t, kinds["daily"])
				assert.Positive(t, kinds["interval"])
				return
			}
			assert.Positive(t, kinds["string-interval"])
			assert.Positive(t, kinds["weekly"])
			assert.Positive(t, kinds["until"])
			assert.Equal(t, major(v) >= 10, kinds["disabled"] > 0, "disabled only from v10")
		})
	}
}

func TestViewEventsOnGetOne(t *testing.T) {
	for _, v := range dialects {
		f := newFixture(t, Options{Version: v, Queries: 100})
		id := f.s.VisibleQueryIDs(f.s.UserKey())[0]
		before := len(f.s.Snapshot().Events)
		var q map[string]json.RawMessage
		f.getJSON("/api/queries/"+itoa(id), f.s.UserKey(), &q)
		assert.Contains(t, q, "visualizations")
		assert.Contains(t, q, "can_edit")
		assert.Contains(t, q, "last_modified_by")
		assert.NotContains(t, q, "retrieved_at")
		evs := f.s.Snapshot().Events
		if major(v) < 6 {
			assert.Len(t, evs, before, "%s: API reads record nothing", v)
			continue
		}
		require.Len(t, evs, before+1, v)
		last := evs[len(evs)-1]
		assert.Equal(t, "view", last.Action)
		assert.Equal(t, "query", last.ObjectType)
		assert.Equal(t, itoa(id), last.ObjectID)
		assert.Equal(t, userOrdinary, last.UserID)

		// Lists record one event per page, and /api/events shows it.
		f.get("/api/queries?page_size=5", f.s.UserKey())
		var pg page
		f.getJSON("/api/events?page_size=3", f.s.AdminKey(), &pg)
		var e map[string]any
		require.NoError(t, json.Unmarshal(pg.Results[0], &e))
		assert.Equal(t, "list", e["action"])
		assert.NotContains(t, e, "id", "events have no id")
		assert.Equal(t, map[string]any{"object_id": nil, "object_type": "query"}, e["details"])
	}
}

func TestEventsAdminOnly(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 200, Events: 1000})
	r := f.get("/api/events", f.s.UserKey())
	assert.Equal(t, http.StatusForbidden, r.status)
	assert.True(t, r.isJSON())

	var pg page
	f.getJSON("/api/events?page_size=250", f.s.AdminKey(), &pg)
	assert.Equal(t, 1000, pg.Count)
	var prev string
	var exec int
	for _, raw := range pg.Results {
		var e struct {
			CreatedAt string         `json:"created_at"`
			Action    string         `json:"action"`
			Details   map[string]any `json:"details"`
		}
		require.NoError(t, json.Unmarshal(raw, &e))
		if prev != "" {
			assert.LessOrEqual(t, e.CreatedAt, prev, "newest first")
		}
		prev = e.CreatedAt
		if e.Action == "execute_query" {
			exec++
			assert.Contains(t, e.Details, "query")
			assert.IsType(t, "", e.Details["data_source"])
		}
	}
	assert.Positive(t, exec)
}

func queryBy(t *testing.T, s *Server, pred func(Query) bool) Query {
	t.Helper()
	for _, q := range s.Snapshot().Queries {
		if pred(q) {
			return q
		}
	}
	t.Fatal("no query matches")
	return Query{}
}

func TestUpdateQuery(t *testing.T) {
	for _, v := range []string{"4.0.2", "8.0.0", "26.3.0"} {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 300})
			admin := f.s.AdminKey()
			q := queryBy(t, f.s, func(q Query) bool { return !q.IsArchived && q.DataSourceID == dsProduction })
			path := "/api/queries/" + itoa(q.ID)

			r := f.do(http.MethodPost, path, admin, map[string]any{"version": q.Version + 1, "name": "x"})
			assert.Equal(t, http.StatusConflict, r.status)
			assert.Equal(t, msgConflict, message(t, r))

			r = f.do(http.MethodPost, path, admin, map[string]any{"version": q.Version, "name": "Renamed", "tags": []string{"keep", "", "finance"}, "can_edit": true})
			require.Equal(t, http.StatusOK, r.status, string(r.body))
			var got map[string]any
			require.NoError(t, json.Unmarshal(r.body, &got))
			assert.Equal(t, "Renamed", got["name"])
			assert.Contains(t, got, "visualizations")
			assert.NotContains(t, got, "can_edit")
			after := f.s.Snapshot().Queries[q.ID-1]
			assert.Equal(t, 1, after.Version, "the query version never advances")
			assert.Equal(t, userAdmin, after.LastModifiedByID)
			switch major(v) {
			case 4:
				assert.NotContains(t, got, "tags")
				assert.Empty(t, after.Tags)
			case 8, 26:
				assert.Equal(t, []string{"keep", "finance"}, after.Tags, "v8+ drops empty tags")
			}

			// A string schedule on v7+ (or an object before) is a 500 and writes nothing.
			bad := any("3600")
			if major(v) < 7 {
				bad = map[string]any{"interval": 3600}
			}
			r = f.do(http.MethodPost, path, admin, map[string]any{"schedule": bad, "name": "not written"})
			assert.Equal(t, http.StatusInternalServerError, r.status)
			assert.Equal(t, "Renamed", f.s.Snapshot().Queries[q.ID-1].Name)

			// Read-only properties are a 500; malformed JSON a 400.
			assert.Equal(t, http.StatusInternalServerError, f.do(http.MethodPost, path, admin, map[string]any{"retrieved_at": nil}).status)
			assert.Equal(t, http.StatusBadRequest, f.do(http.MethodPost, path, admin, "{nope").status)

			// Another user's query cannot be edited by an ordinary user.
			other := queryBy(t, f.s, func(q Query) bool {
				return q.UserID != userOrdinary && !q.IsArchived && q.DataSourceID == dsProduction
			})
			assert.Equal(t, http.StatusForbidden, f.do(http.MethodPost, "/api/queries/"+itoa(other.ID), f.s.UserKey(), map[string]any{"name": "x"}).status)
		})
	}
}

func TestCreateQueryIsDraft(t *testing.T) {
	for _, v := range []string{"5.0.2", "10.1.0"} {
		f := newFixture(t, Options{Version: v, Queries: 100})
		r := f.do(http.MethodPost, "/api/queries", f.s.UserKey(), map[string]any{
			"name": "Mine", "query": "select 1", "data_source_id": dsProduction, "is_draft": false,
		})
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		var got map[string]any
		require.NoError(t, json.Unmarshal(r.body, &got))
		assert.Equal(t, true, got["is_draft"])
		assert.Equal(t, major(v) >= 8, got["visualizations"] != nil)
		id := int(got["id"].(float64))
		assert.Contains(t, f.s.VisibleQueryIDs(f.s.UserKey()), id)
		assert.Len(t, got["api_key"], 40)

		r = f.do(http.MethodPost, "/api/queries", f.s.UserKey(), map[string]any{"name": "x", "query": "select 1", "data_source_id": dsFinance})
		assert.Equal(t, http.StatusForbidden, r.status, "no access to the Finance data source")
	}
}

func TestArchiveSideEffects(t *testing.T) {
	for _, v := range []string{"4.0.2", "10.1.0", "26.3.0"} {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 600})
			admin := f.s.AdminKey()
			ds := f.s.Snapshot()
			// A scheduled query with widgets and an alert.
			onDash := map[int]bool{}
			viz := map[int]int{}
			for _, q := range ds.Queries {
				for _, vz := range q.Visualizations {
					viz[vz.ID] = q.ID
				}
			}
			for _, d := range ds.Dashboards {
				for _, w := range d.Widgets {
					if w.VisualizationID != 0 {
						onDash[viz[w.VisualizationID]] = true
					}
				}
			}
			var target Query
			for _, a := range ds.Alerts {
				q := ds.Queries[a.QueryID-1]
				if onDash[q.ID] && !q.IsArchived {
					target = q
					break
				}
			}
			require.NotZero(t, target.ID, "a query with widgets and alerts")
			path := "/api/queries/" + itoa(target.ID)

			// Only the owner or an admin.
			if target.UserID != userOrdinary {
				r := f.do(http.MethodDelete, path, f.s.UserKey(), nil)
				assert.Equal(t, http.StatusForbidden, r.status)
				assert.Equal(t, msgNoEdit, message(t, r))
			}
			r := f.do(http.MethodDelete, path, admin, nil)
			require.Equal(t, http.StatusOK, r.status)
			assert.True(t, r.isJSON())
			assert.Equal(t, "null", string(r.body))

			after := f.s.Snapshot()
			q := after.Queries[target.ID-1]
			assert.True(t, q.IsArchived)
			assert.Nil(t, q.Schedule)
			assert.Equal(t, target.Visualizations, q.Visualizations, "visualizations stay")
			for _, d := range after.Dashboards {
				for _, w := range d.Widgets {
					assert.NotEqual(t, target.ID, viz[w.VisualizationID], "widget %d survived", w.ID)
				}
			}
			for _, a := range after.Alerts {
				assert.NotEqual(t, target.ID, a.QueryID, "alert %d survived", a.ID)
			}
			assert.NotContains(t, f.s.VisibleQueryIDs(admin), target.ID)
			if major(v) >= 7 {
				assert.Contains(t, f.listAll("/api/queries/archive", admin), target.ID)
			}
			// No event is recorded for an archive.
			assert.Len(t, after.Events, len(ds.Events))

			// Un-archive through the generic update restores only the flag.
			r = f.do(http.MethodPost, path, admin, map[string]any{"is_archived": false})
			require.Equal(t, http.StatusOK, r.status)
			assert.Contains(t, f.s.VisibleQueryIDs(admin), target.ID)
			assert.Nil(t, f.s.Snapshot().Queries[target.ID-1].Schedule)
		})
	}
}

func TestDashboardsBySlugOrID(t *testing.T) {
	for _, v := range dialects {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 400})
			admin := f.s.AdminKey()
			ds := f.s.Snapshot()
			var db Dashboard
			for _, d := range ds.Dashboards {
				if !d.IsArchived && len(d.Widgets) > 1 && d.Slug != slugify(d.Name) {
					db = d
					break
				}
			}
			if db.ID == 0 {
				db = ds.Dashboards[0]
			}
			var got struct {
				ID      int               `json:"id"`
				Slug    string            `json:"slug"`
				Widgets []json.RawMessage `json:"widgets"`
				CanEdit bool              `json:"can_edit"`
			}
			if major(v) >= 10 {
				f.getJSON("/api/dashboards/"+itoa(db.ID), admin, &got)
				assert.Equal(t, slugify(db.Name), got.Slug, "v10+: slug is slugify(name)")
				assert.Equal(t, http.StatusInternalServerError, f.get("/api/dashboards/"+db.Slug, admin).status)
				f.getJSON("/api/dashboards/"+db.Slug+"?legacy", admin, &got)
				assert.Equal(t, db.ID, got.ID)
			} else {
				f.getJSON("/api/dashboards/"+db.Slug, admin, &got)
				assert.Equal(t, db.Slug, got.Slug)
				assert.Equal(t, http.StatusNotFound, f.get("/api/dashboards/"+itoa(db.ID)+"xyz", admin).status)
			}
			assert.Equal(t, db.ID, got.ID)
			assert.Len(t, got.Widgets, len(db.Widgets))
			assert.True(t, got.CanEdit)

			r := f.get("/api/dashboards", admin)
			require.Equal(t, http.StatusOK, r.status)
			if major(v) < 5 {
				var arr []json.RawMessage
				require.NoError(t, json.Unmarshal(r.body, &arr), "v4: a plain array")
			} else {
				var pg page
				require.NoError(t, json.Unmarshal(r.body, &pg))
				assert.Positive(t, pg.Count)
			}
		})
	}
}

func TestRestrictedWidgets(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 600})
	ds := f.s.Snapshot()
	viz := map[int]Query{}
	for _, q := range ds.Queries {
		for _, v := range q.Visualizations {
			viz[v.ID] = q
		}
	}
	for _, d := range ds.Dashboards {
		for _, w := range d.Widgets {
			if w.VisualizationID == 0 || viz[w.VisualizationID].DataSourceID != dsFinance {
				continue
			}
			var got struct {
				Widgets []map[string]any `json:"widgets"`
			}
			f.getJSON("/api/dashboards/"+itoa(d.ID), f.s.UserKey(), &got)
			for _, gw := range got.Widgets {
				if int(gw["id"].(float64)) == w.ID {
					assert.Equal(t, true, gw["restricted"])
					assert.NotContains(t, gw, "visualization")
				}
			}
			var asAdmin struct {
				Widgets []map[string]any `json:"widgets"`
			}
			f.getJSON("/api/dashboards/"+itoa(d.ID), f.s.AdminKey(), &asAdmin)
			for _, gw := range asAdmin.Widgets {
				if int(gw["id"].(float64)) == w.ID {
					assert.NotContains(t, gw, "restricted")
					assert.Contains(t, gw, "visualization")
				}
			}
			return
		}
	}
	t.Fatal("no widget on the Finance data source")
}

func TestWidgetsAndAlertsRoundTrip(t *testing.T) {
	f := newFixture(t, Options{Version: "26.3.0", Queries: 300})
	admin := f.s.AdminKey()
	ds := f.s.Snapshot()
	d := ds.Dashboards[0]
	q := queryBy(t, f.s, func(q Query) bool { return !q.IsArchived && q.DataSourceID == dsProduction })

	// visualization_id must be present.
	r := f.do(http.MethodPost, "/api/widgets", admin, map[string]any{"dashboard_id": d.ID, "options": map[string]any{}, "width": 1})
	assert.Equal(t, http.StatusInternalServerError, r.status)

	r = f.do(http.MethodPost, "/api/widgets", admin, map[string]any{
		"dashboard_id": d.ID, "visualization_id": q.Visualizations[0].ID, "width": 1, "text": "",
		"options": map[string]any{"position": map[string]any{"col": 0, "row": 0, "sizeX": 3, "sizeY": 8}, "parameterMappings": map[string]any{}, "isHidden": false},
	})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var w struct {
		ID            int `json:"id"`
		Visualization struct {
			Query struct {
				ID int `json:"id"`
			} `json:"query"`
		} `json:"visualization"`
	}
	require.NoError(t, json.Unmarshal(r.body, &w))
	assert.Equal(t, q.ID, w.Visualization.Query.ID)
	assert.Equal(t, http.StatusOK, f.do(http.MethodDelete, "/api/widgets/"+itoa(w.ID), admin, nil).status)

	assert.Equal(t, http.StatusBadRequest, f.do(http.MethodPost, "/api/alerts", admin, map[string]any{"name": "a", "query_id": q.ID}).status)
	r = f.do(http.MethodPost, "/api/alerts", admin, map[string]any{"name": "a", "query_id": q.ID, "options": map[string]any{"column": "total", "op": ">", "value": 1}, "rearm": nil})
	require.Equal(t, http.StatusOK, r.status, string(r.body))
	var a struct {
		ID    int    `json:"id"`
		State string `json:"state"`
		User  struct {
			ID int `json:"id"`
		} `json:"user"`
	}
	require.NoError(t, json.Unmarshal(r.body, &a))
	assert.Equal(t, "unknown", a.State)
	assert.Equal(t, userAdmin, a.User.ID)
	r = f.do(http.MethodPost, "/api/alerts/"+itoa(a.ID)+"/subscriptions", admin, map[string]any{})
	require.Equal(t, http.StatusOK, r.status)
	var subs []map[string]any
	f.getJSON("/api/alerts/"+itoa(a.ID)+"/subscriptions", admin, &subs)
	assert.Len(t, subs, 1)

	var alerts []json.RawMessage
	f.getJSON("/api/alerts", admin, &alerts)
	assert.Len(t, alerts, len(ds.Alerts)+1)

	// Archiving deletes the alert: its subscriptions route is then a 500.
	require.Equal(t, http.StatusOK, f.do(http.MethodDelete, "/api/queries/"+itoa(q.ID), admin, nil).status)
	assert.Equal(t, http.StatusInternalServerError, f.get("/api/alerts/"+itoa(a.ID)+"/subscriptions", admin).status)
}
