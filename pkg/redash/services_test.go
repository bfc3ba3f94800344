package redash

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lastRequest(t *testing.T, f *fakeRedash) recorded {
	t.Helper()
	reqs := f.requests()
	require.NotEmpty(t, reqs)
	return reqs[len(reqs)-1]
}

func TestQueriesGet(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(5)
	c, _ := f.start()
	q, err := c.Queries.Get(context.Background(), 3)
	require.NoError(t, err)
	assert.Equal(t, 3, q.ID)
	assert.Equal(t, "Query 3", q.Name)

	_, err = c.Queries.Get(context.Background(), 99)
	assertOneLine(t, err)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestQueriesUpdate(t *testing.T) {
	tests := []struct {
		version string
		req     UpdateQueryRequest
		body    string
		wantErr error
	}{
		{"10.1.0", UpdateQueryRequest{Tags: &[]string{"keep", "finance"}, Version: ptr(1)}, `{"tags": ["keep", "finance"], "version": 1}`, nil},
		{"10.1.0", UpdateQueryRequest{Tags: &[]string{}}, `{"tags": []}`, nil},
		{
			"10.1.0",
			UpdateQueryRequest{IsArchived: ptr(false), Schedule: &Schedule{Interval: 3600}},
			`{"is_archived": false, "schedule": {"interval": 3600, "time": null, "day_of_week": null, "until": null}}`, nil,
		},
		{"10.1.0", UpdateQueryRequest{Schedule: &Schedule{}}, `{"schedule": null}`, nil},
		{
			"5.0.2",
			UpdateQueryRequest{Schedule: &Schedule{Interval: 86400, Time: "06:00"}, IsDraft: ptr(false)},
			`{"schedule": "06:00", "is_draft": false}`, nil,
		},
		{
			"4.0.2",
			UpdateQueryRequest{Name: ptr("n"), Description: ptr(""), SQL: ptr("select 1"), DataSourceID: ptr(2)},
			`{"name": "n", "description": "", "query": "select 1", "data_source_id": 2}`, nil,
		},
		{
			"10.1.0",
			UpdateQueryRequest{Options: &QueryOptions{Raw: json.RawMessage(`{"parameters":[],"apply_auto_limit":true}`)}},
			`{"options": {"parameters": [], "apply_auto_limit": true}}`, nil,
		},
		{"4.0.2", UpdateQueryRequest{Tags: &[]string{"keep"}}, "", ErrUnsupported},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i, tt.version), func(t *testing.T) {
			f := newFake(t, tt.version)
			f.routes["POST /api/queries/7"] = func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, 200, f.makeQuery(7))
			}
			c, _ := f.start(WithVersion(MustParseVersion(tt.version)))
			q, err := c.Queries.Update(context.Background(), 7, tt.req)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				assert.Empty(t, f.requests())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 7, q.ID)
			r := lastRequest(t, f)
			assert.Equal(t, "POST", r.Method)
			assert.JSONEq(t, tt.body, r.Body, "only the set fields are sent")
		})
	}
}

func TestQueriesUpdateConflict(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.routes["POST /api/queries/7"] = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 409, map[string]string{"message": "A conflict happened while processing the request."})
	}
	c, _ := f.start(WithVersion(MustParseVersion("10.1.0")))
	_, err := c.Queries.Update(context.Background(), 7, UpdateQueryRequest{Version: ptr(2), Tags: &[]string{"x"}})
	assert.ErrorIs(t, err, ErrConflict)
	assert.Contains(t, err.Error(), "update query 7: ")
}

func TestQueriesArchive(t *testing.T) {
	f := newFake(t, "26.3.0")
	f.routes["DELETE /api/queries/7"] = func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("null\n"))
	}
	f.routes["DELETE /api/queries/8"] = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 403, map[string]string{"message": "You don't have permission to edit this resource."})
	}
	c, _ := f.start()
	require.NoError(t, c.Queries.Archive(context.Background(), 7))
	err := c.Queries.Archive(context.Background(), 8)
	assert.ErrorIs(t, err, ErrForbidden)
	assert.Equal(t, "archive query 8: redash returned 403 Forbidden for DELETE "+c.BaseURL()+"api/queries/8: You don't have permission to edit this resource.", err.Error())
	assert.Equal(t, "", lastRequest(t, f).Body, "DELETE has no body")
}

func TestQueriesCreate(t *testing.T) {
	f := newFake(t, "8.0.0")
	f.routes["POST /api/queries"] = func(w http.ResponseWriter, _ *http.Request) {
		q := f.makeQuery(100)
		q["is_draft"] = true
		writeJSON(w, 200, q)
	}
	c, _ := f.start(WithVersion(MustParseVersion("8.0.0")))
	q, err := c.Queries.Create(context.Background(), CreateQueryRequest{
		Name: "n", SQL: "select 1", DataSourceID: 2,
		Schedule: &Schedule{Interval: 600}, Tags: []string{"t"},
	})
	require.NoError(t, err)
	assert.True(t, q.IsDraft)
	assert.JSONEq(t, `{"name": "n", "query": "select 1", "data_source_id": 2, "options": {"parameters": []},
		"schedule": {"interval": 600, "time": null, "day_of_week": null, "until": null}, "tags": ["t"]}`, lastRequest(t, f).Body)
}

func TestQueriesTags(t *testing.T) {
	t.Run("v4 has none", func(t *testing.T) {
		f := newFake(t, "4.0.2")
		c, _ := f.start()
		_, err := c.Queries.Tags(context.Background())
		assert.ErrorIs(t, err, ErrUnsupported)
		assert.Zero(t, f.count("GET", "/api/queries/tags"))
	})
	for _, tc := range []struct {
		version string
		body    any
	}{
		{"5.0.2", map[string]int{"finance": 2, "keep": 5}},
		{"10.1.0", map[string]any{"tags": []map[string]any{{"name": "keep", "count": 5}, {"name": "finance", "count": 2}}}},
	} {
		t.Run(tc.version, func(t *testing.T) {
			f := newFake(t, tc.version)
			f.routes["GET /api/queries/tags"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, tc.body) }
			f.routes["GET /api/dashboards/tags"] = f.routes["GET /api/queries/tags"]
			c, _ := f.start()
			tags, err := c.Queries.Tags(context.Background())
			require.NoError(t, err)
			assert.Equal(t, []Tag{{"keep", 5}, {"finance", 2}}, tags)
			dtags, err := c.Dashboards.Tags(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tags, dtags)
		})
	}
}

func dashboardJSON(id int, slug string) map[string]any {
	return map[string]any{
		"id": id, "slug": slug, "name": "Dash " + strconv.Itoa(id), "user_id": 7,
		"is_archived": false, "is_draft": false, "widgets": nil, "version": 1, "layout": []any{},
		"created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z",
	}
}

func TestDashboardsList(t *testing.T) {
	t.Run("v4 plain array", func(t *testing.T) {
		f := newFake(t, "4.0.2")
		f.routes["GET /api/dashboards"] = func(w http.ResponseWriter, _ *http.Request) {
			var all []map[string]any
			for id := 300; id >= 1; id-- {
				all = append(all, dashboardJSON(id, "d"+strconv.Itoa(id)))
			}
			writeJSON(w, 200, all)
		}
		c, _ := f.start()
		ds, err := c.Dashboards.ListAll(context.Background(), DashboardListOptions{Search: "x"})
		require.NoError(t, err)
		assert.Len(t, ds, 300)
		assert.Equal(t, 1, f.count("GET", "/api/dashboards"), "no paging on a plain array, even above 250")
		assert.Equal(t, "", lastRequest(t, f).RawQuery, "v4 takes no parameters")
	})
	t.Run("v5 paginated", func(t *testing.T) {
		f := newFake(t, "5.0.2")
		f.routes["GET /api/dashboards"] = func(w http.ResponseWriter, r *http.Request) {
			var all []map[string]any
			for id := 260; id >= 1; id-- {
				all = append(all, dashboardJSON(id, "d"+strconv.Itoa(id)))
			}
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			lo := (page - 1) * 250
			writeJSON(w, 200, map[string]any{"count": len(all), "page": page, "page_size": 250, "results": all[lo:min(lo+250, len(all))]})
		}
		c, _ := f.start()
		ds, err := c.Dashboards.ListAll(context.Background(), DashboardListOptions{Tags: []string{"a"}})
		require.NoError(t, err)
		assert.Len(t, ds, 260)
		assert.Equal(t, 260, ds[0].ID)
		q, err := url.ParseQuery(lastRequest(t, f).RawQuery)
		require.NoError(t, err)
		assert.Equal(t, []string{"a"}, q["tags"])
	})
}

func TestDashboardsGetByRef(t *testing.T) {
	for _, tc := range []struct {
		version, path string
	}{
		{"4.0.2", "/api/dashboards/sales"},
		{"8.0.0", "/api/dashboards/sales"},
		{"10.1.0", "/api/dashboards/5"},
		{"26.3.0", "/api/dashboards/5"},
	} {
		t.Run(tc.version, func(t *testing.T) {
			f := newFake(t, tc.version)
			f.routes["GET "+tc.path] = func(w http.ResponseWriter, _ *http.Request) {
				d := dashboardJSON(5, "sales")
				d["widgets"] = []any{map[string]any{
					"id": 50, "dashboard_id": 5, "width": 1, "options": map[string]any{},
					"visualization": map[string]any{"id": 30, "type": "TABLE", "query": f.makeQuery(12)},
				}}
				writeJSON(w, 200, d)
			}
			c, _ := f.start()
			d, err := c.Dashboards.GetByRef(context.Background(), Dashboard{ID: 5, Slug: "sales"})
			require.NoError(t, err)
			require.Len(t, d.Widgets, 1)
			assert.Equal(t, 12, d.Widgets[0].QueryID())
			assert.Equal(t, 1, f.count("GET", tc.path))
		})
	}
}

func TestWidgetsCreateAndDelete(t *testing.T) {
	widget := map[string]any{"id": 77, "dashboard_id": 5, "width": 1, "options": map[string]any{"position": map[string]any{"col": 3}}, "text": ""}
	for _, tc := range []struct {
		name string
		body any
	}{
		{"v4.0.0 wrapper", map[string]any{"widget": widget}},
		{"bare widget", widget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, "10.1.0")
			f.routes["POST /api/widgets"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, tc.body) }
			c, _ := f.start()
			w, err := c.Widgets.Create(context.Background(), CreateWidgetRequest{
				DashboardID: 5, VisualizationID: ptr(30), Width: 1,
				Options: json.RawMessage(`{"position":{"col":3}}`),
			})
			require.NoError(t, err)
			assert.Equal(t, 77, w.ID)
			assert.JSONEq(t, `{"dashboard_id": 5, "visualization_id": 30, "width": 1, "options": {"position": {"col": 3}}, "text": ""}`, lastRequest(t, f).Body)
		})
	}
	f := newFake(t, "10.1.0")
	f.routes["POST /api/widgets"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, widget) }
	f.routes["DELETE /api/widgets/77"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, nil) }
	c, _ := f.start()
	_, err := c.Widgets.Create(context.Background(), CreateWidgetRequest{DashboardID: 5, Text: "## hi"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"dashboard_id": 5, "visualization_id": null, "width": 1, "options": {}, "text": "## hi"}`, lastRequest(t, f).Body,
		"a text box sends visualization_id null: Redash answers 500 when it is missing")
	require.NoError(t, c.Widgets.Delete(context.Background(), 77))
}

func TestUsersList(t *testing.T) {
	users := func(n int, disabled bool) []map[string]any {
		var out []map[string]any
		for id := 1; id <= n; id++ {
			u := map[string]any{"id": id, "name": "u" + strconv.Itoa(id), "email": fmt.Sprintf("u%d@x", id), "groups": []int{2}}
			if disabled {
				u["is_disabled"] = true
			}
			out = append(out, u)
		}
		return out
	}
	t.Run("v4 plain array", func(t *testing.T) {
		f := newFake(t, "4.0.2")
		f.routes["GET /api/users"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, users(3, false)) }
		c, _ := f.start()
		us, err := c.Users.ListAll(context.Background(), UserListOptions{})
		require.NoError(t, err)
		assert.Len(t, us, 3)
		dis, err := c.Users.ListAll(context.Background(), UserListOptions{Disabled: true})
		require.NoError(t, err)
		assert.Empty(t, dis, "v4 has no disabled users")
	})
	for _, version := range []string{"5.0.2", "10.1.0"} {
		t.Run(version+" disabled", func(t *testing.T) {
			f := newFake(t, version)
			f.routes["GET /api/users"] = func(w http.ResponseWriter, r *http.Request) {
				all := users(2, r.URL.Query().Has("disabled"))
				writeJSON(w, 200, map[string]any{"count": 2, "page": 1, "page_size": 250, "results": all})
			}
			c, _ := f.start()
			us, err := c.Users.ListAll(context.Background(), UserListOptions{Disabled: true})
			require.NoError(t, err)
			require.Len(t, us, 2)
			assert.True(t, us[0].IsDisabled)
			q, err := url.ParseQuery(lastRequest(t, f).RawQuery)
			require.NoError(t, err)
			assert.Equal(t, "true", q.Get("disabled"))
		})
	}
	t.Run("pending filtered client-side before v8", func(t *testing.T) {
		f := newFake(t, "5.0.2")
		f.routes["GET /api/users"] = func(w http.ResponseWriter, _ *http.Request) {
			all := users(4, false)
			all[1]["is_invitation_pending"] = true
			writeJSON(w, 200, map[string]any{"count": 4, "page": 1, "page_size": 250, "results": all})
		}
		c, _ := f.start()
		us, err := c.Users.ListAll(context.Background(), UserListOptions{Pending: ptr(true)})
		require.NoError(t, err)
		require.Len(t, us, 1)
		assert.Equal(t, 2, us[0].ID)
		assert.NotContains(t, lastRequest(t, f).RawQuery, "pending")
		p, err := c.Users.List(context.Background(), UserListOptions{Pending: ptr(false)})
		require.NoError(t, err)
		assert.Len(t, p.Results, 3)
	})
}

func TestDataSourcesList(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.routes["GET /api/data_sources"] = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, []map[string]any{{"id": 1, "name": "pg", "type": "pg", "paused": 0, "pause_reason": nil, "view_only": false}})
	}
	c, _ := f.start()
	ds, err := c.DataSources.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []DataSource{{ID: 1, Name: "pg", Type: "pg"}}, ds)
}

func TestAlerts(t *testing.T) {
	f := newFake(t, "10.1.0")
	alert := func(id int) map[string]any {
		return map[string]any{
			"id": id, "name": "a", "options": map[string]any{"op": ">"}, "state": "ok", "rearm": 60,
			"query": f.makeQuery(3), "user": map[string]any{"id": 7},
		}
	}
	f.routes["GET /api/alerts"] = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, []any{alert(1), alert(2), alert(1)})
	}
	f.routes["POST /api/alerts"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, alert(9)) }
	f.routes["GET /api/alerts/9/subscriptions"] = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, []any{map[string]any{"id": 1, "alert_id": 9, "user": map[string]any{"id": 7}}})
	}
	f.routes["POST /api/alerts/9/subscriptions"] = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"id": 2, "alert_id": 9, "user": map[string]any{"id": 7}, "destination": map[string]any{"id": 4}})
	}
	c, _ := f.start()
	ctx := context.Background()
	as, err := c.Alerts.List(ctx)
	require.NoError(t, err)
	require.Len(t, as, 2, "an alert listed twice (several groups) appears once")
	assert.Equal(t, 3, as[0].Query.ID)
	assert.Equal(t, ptr(60), as[0].Rearm)

	a, err := c.Alerts.Create(ctx, CreateAlertRequest{Name: "a", QueryID: 3, Options: json.RawMessage(`{"op":">"}`)})
	require.NoError(t, err)
	assert.Equal(t, 9, a.ID)
	assert.JSONEq(t, `{"name": "a", "query_id": 3, "options": {"op": ">"}, "rearm": null}`, lastRequest(t, f).Body)
	_, err = c.Alerts.Create(ctx, CreateAlertRequest{Name: "a", QueryID: 3})
	assert.Error(t, err, "options are required")

	subs, err := c.Alerts.Subscriptions(ctx, 9)
	require.NoError(t, err)
	assert.Len(t, subs, 1)
	sub, err := c.Alerts.Subscribe(ctx, 9, ptr(4))
	require.NoError(t, err)
	assert.Equal(t, 4, sub.Destination.ID)
	assert.JSONEq(t, `{"destination_id": 4}`, lastRequest(t, f).Body)
	_, err = c.Alerts.Subscribe(ctx, 9, nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{}`, lastRequest(t, f).Body)
}

// eventLog serves newest-first events, paginated like Redash.
func eventLog(f *fakeRedash, events func() []map[string]any) {
	f.routes["GET /api/events"] = func(w http.ResponseWriter, r *http.Request) {
		f.list(w, r, events())
	}
}

func makeEvent(i int, at time.Time) map[string]any {
	return map[string]any{
		"org_id": 1, "user_id": 7, "action": "view", "object_type": "query", "object_id": strconv.Itoa(i),
		"created_at": at.Format(time.RFC3339), "user_name": "Ann", "details": map[string]any{},
	}
}

func TestEventsListIter(t *testing.T) {
	base := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	var mu atomic.Pointer[[]map[string]any]
	var evs []map[string]any
	for i := 1000; i >= 1; i-- { // newest first, one minute apart
		evs = append(evs, makeEvent(i, base.Add(time.Duration(i)*time.Minute)))
	}
	mu.Store(&evs)

	t.Run("all", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		eventLog(f, func() []map[string]any { return *mu.Load() })
		c, _ := f.start()
		n := 0
		for e, err := range c.Events.ListIter(context.Background(), EventListOptions{}) {
			require.NoError(t, err)
			assert.Equal(t, strconv.Itoa(1000-n), e.ObjectID)
			n++
		}
		assert.Equal(t, 1000, n)
		assert.Equal(t, 4, f.count("GET", "/api/events"))
	})
	t.Run("stop at a cut-off", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		eventLog(f, func() []map[string]any { return *mu.Load() })
		c, _ := f.start()
		cutoff := base.Add(900 * time.Minute)
		var got int
		for e, err := range c.Events.ListIter(context.Background(), EventListOptions{PageSize: 50, ReadAhead: 2}) {
			require.NoError(t, err)
			if e.CreatedAt.Before(cutoff) {
				break
			}
			got++
		}
		assert.Equal(t, 101, got)
		assert.LessOrEqual(t, f.count("GET", "/api/events"), 3+2, "pages up to the cut-off, plus the read-ahead")
	})
	t.Run("new events shift the pages", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		cur := slicesClone(evs)
		var state atomic.Pointer[[]map[string]any]
		state.Store(&cur)
		eventLog(f, func() []map[string]any { return *state.Load() })
		f.afterPage = func(n int) {
			if n == 1 {
				shifted := append([]map[string]any{makeEvent(1001, base.Add(1001*time.Minute)), makeEvent(1002, base.Add(1002*time.Minute))}, cur...)
				state.Store(&shifted)
			}
		}
		c, _ := f.start(WithConcurrency(1))
		seen := map[string]int{}
		for e, err := range c.Events.ListIter(context.Background(), EventListOptions{}) {
			require.NoError(t, err)
			seen[e.ObjectID]++
		}
		for i := 1; i <= 1000; i++ {
			assert.Equal(t, 1, seen[strconv.Itoa(i)], "event %d exactly once", i)
		}
	})
	t.Run("needs admin", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["GET /api/events"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 403, map[string]string{"message": "You don't have permission to access this resource."})
		}
		c, _ := f.start()
		for _, err := range c.Events.ListIter(context.Background(), EventListOptions{}) {
			assert.ErrorIs(t, err, ErrForbidden)
		}
	})
}

func slicesClone(in []map[string]any) []map[string]any { return append([]map[string]any(nil), in...) }

func TestJobsWait(t *testing.T) {
	t.Run("finishes", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		var polls atomic.Int32
		f.routes["GET /api/jobs/abc"] = func(w http.ResponseWriter, _ *http.Request) {
			switch polls.Add(1) {
			case 1:
				writeJSON(w, 200, map[string]any{"job": map[string]any{"id": "abc", "status": 1, "updated_at": 0, "error": ""}})
			case 2:
				writeJSON(w, 200, map[string]any{"job": map[string]any{"id": "abc", "status": 2, "updated_at": "2025-01-01T00:00:00Z", "error": ""}})
			default:
				writeJSON(w, 200, map[string]any{"job": map[string]any{"id": "abc", "status": 3, "updated_at": 0, "error": "", "query_result_id": 55, "result": 55}})
			}
		}
		c, _ := f.start()
		j, err := c.Jobs.Wait(context.Background(), "abc", WaitOptions{PollInterval: time.Millisecond})
		require.NoError(t, err)
		assert.Equal(t, JobFinished, j.Status)
		assert.Equal(t, ptr(55), j.QueryResultID)
		assert.EqualValues(t, 3, polls.Load())
	})
	for _, tc := range []struct {
		name, body string
		status     JobStatus
		msg        string
	}{
		{"fails", `{"job": {"id": "abc", "status": 4, "error": "relation \"x\" does not exist"}}`, JobFailed, "query job abc failed: relation \"x\" does not exist"},
		{"cancelled (RQ reports 4)", `{"job": {"id": "abc", "status": 4, "error": "Query cancelled by user."}}`, JobCancelled, "query job abc cancelled: Query cancelled by user."},
		{"cancelled (v25)", `{"job": {"id": "abc", "status": 5, "error": ""}}`, JobCancelled, "query job abc cancelled: no error message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, "25.8.0")
			f.routes["GET /api/jobs/abc"] = func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tc.body))
			}
			c, _ := f.start()
			_, err := c.Jobs.Wait(context.Background(), "abc", WaitOptions{PollInterval: time.Millisecond})
			var je *JobError
			require.ErrorAs(t, err, &je)
			assert.Equal(t, tc.status, je.Status)
			assert.Equal(t, tc.msg, err.Error())
		})
	}
	t.Run("pending forever is bounded", func(t *testing.T) {
		f := newFake(t, "8.0.0")
		f.routes["GET /api/jobs/gone"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"job": map[string]any{"id": "gone", "status": 1, "updated_at": 0, "error": ""}})
		}
		c, _ := f.start()
		_, err := c.Jobs.Wait(context.Background(), "gone", WaitOptions{PollInterval: time.Millisecond, Timeout: 20 * time.Millisecond})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "wait for job gone: still pending after 20ms")
	})
	t.Run("unknown job on RQ is a 500", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["GET /api/jobs/gone"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 500, map[string]string{"message": "Internal Server Error"})
		}
		c, _ := f.start()
		_, err := c.Jobs.Wait(context.Background(), "gone", WaitOptions{PollInterval: time.Millisecond})
		var er *ErrorResponse
		require.ErrorAs(t, err, &er)
		assert.Equal(t, 500, er.StatusCode)
		assert.Equal(t, 1, f.count("GET", "/api/jobs/gone"))
	})
	t.Run("context ends the wait", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f.routes["GET /api/jobs/abc"] = func(w http.ResponseWriter, _ *http.Request) {
			cancel()
			writeJSON(w, 200, map[string]any{"job": map[string]any{"id": "abc", "status": 1}})
		}
		c, _ := f.start()
		_, err := c.Jobs.Wait(ctx, "abc", WaitOptions{PollInterval: time.Hour})
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestExecuteAndResults(t *testing.T) {
	resultBody := map[string]any{"query_result": map[string]any{
		"id": 55, "query_hash": "h", "query": "select 1",
		"data": map[string]any{
			"columns": []any{map[string]any{"name": "n", "friendly_name": "n", "type": "integer"}},
			"rows":    []any{map[string]any{"n": 1}},
		}, "data_source_id": 1, "runtime": 0.1, "retrieved_at": "2025-01-01T00:00:00Z",
	}}
	q := Query{ID: 7, SQL: "select {{ n }}", DataSourceID: ptr(1)}
	t.Run("v8 posts to the query", func(t *testing.T) {
		f := newFake(t, "8.0.0")
		f.routes["POST /api/queries/7/results"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"job": map[string]any{"id": "j1", "status": 1, "updated_at": 0, "error": ""}})
		}
		f.routes["GET /api/query_results/55"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, resultBody) }
		c, _ := f.start()
		res, err := c.Queries.Execute(context.Background(), q, ExecuteRequest{Parameters: map[string]any{"n": 5}, MaxAge: ptr(0)})
		require.NoError(t, err)
		require.NotNil(t, res.Job)
		assert.Equal(t, "j1", res.Job.ID)
		assert.JSONEq(t, `{"parameters": {"n": 5}, "max_age": 0}`, lastRequest(t, f).Body)

		r, err := c.Queries.Result(context.Background(), 55)
		require.NoError(t, err)
		assert.Equal(t, 55, r.ID)
		assert.Equal(t, json.Number("1"), r.Data.Rows[0]["n"])
	})
	t.Run("v4 posts the SQL with p_ arguments", func(t *testing.T) {
		f := newFake(t, "4.0.2")
		f.routes["POST /api/query_results"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, resultBody) }
		c, _ := f.start()
		res, err := c.Queries.Execute(context.Background(), q, ExecuteRequest{Parameters: map[string]any{
			"n":     5,
			"range": map[string]any{"start": "2025-01-01", "end": "2025-01-31"},
		}})
		require.NoError(t, err)
		require.NotNil(t, res.Result)
		assert.Equal(t, 55, res.Result.ID)
		r := lastRequest(t, f)
		assert.JSONEq(t, `{"query": "select {{ n }}", "data_source_id": 1, "query_id": 7}`, r.Body)
		args, err := url.ParseQuery(r.RawQuery)
		require.NoError(t, err)
		assert.Equal(t, url.Values{"p_n": {"5"}, "p_range.start": {"2025-01-01"}, "p_range.end": {"2025-01-31"}}, args)
	})
	t.Run("not retried once sent", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["POST /api/queries/7/results"] = func(w http.ResponseWriter, _ *http.Request) { writeHTML(w, 502, "Bad Gateway") }
		c, _ := f.start()
		_, err := c.Queries.Execute(context.Background(), q, ExecuteRequest{})
		require.Error(t, err)
		assert.Equal(t, 1, f.count("POST", "/api/queries/7/results"))
	})
	t.Run("missing parameter", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["POST /api/queries/7/results"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 400, map[string]any{"job": map[string]any{"status": 4, "error": "Missing parameter value for: n"}})
		}
		c, _ := f.start()
		_, err := c.Queries.Execute(context.Background(), q, ExecuteRequest{})
		var er *ErrorResponse
		require.ErrorAs(t, err, &er)
		assert.Equal(t, "Missing parameter value for: n", er.Message)
	})
	t.Run("latest result", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["GET /api/queries/7/results.json"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, resultBody) }
		f.routes["GET /api/queries/8/results.json"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 404, map[string]string{"message": "No cached result found for this query."})
		}
		c, _ := f.start()
		r, err := c.Queries.LatestResult(context.Background(), 7)
		require.NoError(t, err)
		assert.Equal(t, 55, r.ID)
		_, err = c.Queries.LatestResult(context.Background(), 8)
		assert.ErrorIs(t, err, ErrNotFound)
	})
}

func TestAdmin(t *testing.T) {
	t.Run("status", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["GET /status.json"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{
				"version": "10.1.0", "queries_count": 15000, "dashboards_count": "600",
				"widgets_count": 2000, "redis_used_memory": 1024, "redis_used_memory_human": "1K", "workers": []any{},
				"manager":          map[string]any{"last_refresh_at": "1690000000.12", "queues": map[string]any{"queries": map[string]any{"size": 0}}},
				"database_metrics": map[string]any{"metrics": []any{[]any{"Redash DB Size", 100}}},
			})
		}
		c, _ := f.start()
		s, err := c.Admin.Status(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "10.1.0", s.Version)
		assert.Equal(t, 15000, s.QueriesCount)
		assert.Equal(t, 600, s.DashboardsCount)
		assert.NotNil(t, s.Manager)
		assert.NotNil(t, s.Raw)
	})
	t.Run("rq status", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["GET /api/admin/queries/rq_status"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{
				"queues": map[string]any{"queries": map[string]any{"name": "queries", "queued": 2, "started": []any{
					map[string]any{
						"id": "j", "name": "execute_query", "origin": "queries", "enqueued_at": "2025-01-01T00:00:00Z",
						"started_at": "2025-01-01T00:00:01Z", "meta": map[string]any{"query_id": 42},
					},
				}}},
				"workers": []any{map[string]any{
					"name": "w1", "hostname": "h", "pid": 12, "queues": "queries, scheduled_queries",
					"state": "busy", "last_heartbeat": "2025-01-01T00:00:00Z", "current_job": "j (execute_query)",
					"successful_jobs": 10, "failed_jobs": 0, "total_working_time": 12.5,
				}},
			})
		}
		c, _ := f.start()
		s, err := c.Admin.RQStatus(context.Background())
		require.NoError(t, err)
		assert.Equal(t, 2, s.Queues["queries"].Queued)
		require.Len(t, s.Queues["queries"].Started, 1)
		assert.Equal(t, json.Number("42").String(), fmt.Sprint(s.Queues["queries"].Started[0].Meta["query_id"]))
		require.Len(t, s.Workers, 1)
		assert.Equal(t, []string{"queries", "scheduled_queries"}, s.Workers[0].Queues)
	})
	t.Run("rq status on v8", func(t *testing.T) {
		f := newFake(t, "8.0.0")
		c, _ := f.start()
		_, err := c.Admin.RQStatus(context.Background())
		assert.ErrorIs(t, err, ErrUnsupported)
	})
	t.Run("tasks", func(t *testing.T) {
		f := newFake(t, "8.0.0")
		f.routes["GET /api/admin/queries/tasks"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"tasks": []any{map[string]any{"state": "active", "task_name": "execute_query"}}})
		}
		c, _ := f.start()
		tk, err := c.Admin.Tasks(context.Background())
		require.NoError(t, err)
		assert.Len(t, tk.Tasks, 1)

		f10 := newFake(t, "10.1.0")
		c10, _ := f10.start()
		_, err = c10.Admin.Tasks(context.Background())
		assert.ErrorIs(t, err, ErrUnsupported)
	})
	t.Run("outdated", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["GET /api/admin/queries/outdated"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"queries": []any{f.makeQuery(3)}, "updated_at": "1690000000.12"})
		}
		c, _ := f.start()
		o, err := c.Admin.Outdated(context.Background())
		require.NoError(t, err)
		assert.Equal(t, []int{3}, ids(o.Queries))
		assert.Equal(t, "1690000000.12", o.UpdatedAt)
	})
	t.Run("organization status", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["GET /api/organization/status"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"object_counters": map[string]any{"users": 3, "alerts": 1, "data_sources": 2, "queries": 15000, "dashboards": 600}})
		}
		c, _ := f.start()
		s, err := c.OrganizationStatus(context.Background())
		require.NoError(t, err)
		assert.Equal(t, ObjectCounters{Users: 3, Alerts: 1, DataSources: 2, Queries: 15000, Dashboards: 600}, *s)
	})
}
