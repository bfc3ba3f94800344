package redash

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDashboardsListWithWidgets: every listed dashboard is read once, by
// slug before v10 and by id from v10; one that vanished (404) is left out,
// and any other failure fails the whole call.
func TestDashboardsListWithWidgets(t *testing.T) {
	for _, tc := range []struct {
		version string
		ref     func(id int) string
	}{
		{"8.0.0", func(id int) string { return "d" + strconv.Itoa(id) }},
		{"10.1.0", strconv.Itoa},
	} {
		t.Run(tc.version, func(t *testing.T) {
			f := newFake(t, tc.version)
			const n = 30
			f.routes["GET /api/dashboards"] = func(w http.ResponseWriter, _ *http.Request) {
				var all []map[string]any
				for id := n; id >= 1; id-- {
					all = append(all, dashboardJSON(id, "d"+strconv.Itoa(id)))
				}
				writeJSON(w, 200, map[string]any{"count": n, "page": 1, "page_size": 250, "results": all})
			}
			for id := 1; id <= n; id++ {
				f.routes["GET /api/dashboards/"+tc.ref(id)] = func(w http.ResponseWriter, _ *http.Request) {
					if id == 7 {
						writeJSON(w, 404, map[string]string{"message": "Not found"})
						return
					}
					d := dashboardJSON(id, "d"+strconv.Itoa(id))
					d["widgets"] = []any{map[string]any{
						"id": 1000 + id, "dashboard_id": id, "width": 1, "options": map[string]any{},
						"visualization": map[string]any{"id": 2000 + id, "type": "TABLE", "query": f.makeQuery(id % 5)},
					}}
					writeJSON(w, 200, d)
				}
			}
			c, _ := f.start(WithConcurrency(3))
			ds, err := c.Dashboards.ListWithWidgets(context.Background(), DashboardListOptions{})
			require.NoError(t, err)
			require.Len(t, ds, n-1, "dashboard 7 vanished between the list and its GET")
			assert.Equal(t, n, ds[0].ID, "list order is kept")
			for _, d := range ds {
				require.Len(t, d.Widgets, 1)
				assert.Equal(t, d.ID%5, d.Widgets[0].QueryID())
				assert.Equal(t, 1, f.count("GET", "/api/dashboards/"+tc.ref(d.ID)), "each dashboard is read once")
			}
			assert.LessOrEqual(t, f.maxInflight.Load(), int32(3))
		})
	}
	t.Run("failure", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		f.routes["GET /api/dashboards"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"count": 2, "page": 1, "page_size": 250, "results": []any{dashboardJSON(2, "b"), dashboardJSON(1, "a")}})
		}
		f.routes["GET /api/dashboards/1"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, dashboardJSON(1, "a")) }
		f.routes["GET /api/dashboards/2"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 403, map[string]string{"message": "no"})
		}
		c, _ := f.start()
		_, err := c.Dashboards.ListWithWidgets(context.Background(), DashboardListOptions{})
		require.Error(t, err)
		assert.ErrorIs(t, err, ErrForbidden)
		assert.True(t, strings.HasPrefix(err.Error(), "get dashboard 2: "), err.Error())
	})
}
