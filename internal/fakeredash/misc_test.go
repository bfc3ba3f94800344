package fakeredash

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUsersList(t *testing.T) {
	for _, v := range dialects {
		t.Run(v, func(t *testing.T) {
			f := newFixture(t, Options{Version: v, Queries: 1500})
			admin := f.s.AdminKey()
			users := f.s.Snapshot().Users
			var disabled, pending int
			for _, u := range users {
				if !u.DisabledAt.IsZero() {
					disabled++
				}
				if u.InvitationPending {
					pending++
				}
			}
			require.GreaterOrEqual(t, disabled, 3, "several disabled users")
			require.Equal(t, 1, pending)

			r := f.get("/api/users", admin)
			require.Equal(t, http.StatusOK, r.status)
			if major(v) < 5 {
				var arr []map[string]any
				require.NoError(t, json.Unmarshal(r.body, &arr), "v4: a plain array")
				assert.Len(t, arr, len(users))
				return
			}
			var pg page
			require.NoError(t, json.Unmarshal(r.body, &pg))
			assert.Equal(t, len(users)-disabled, pg.Count, "enabled users by default")
			var u map[string]any
			require.NoError(t, json.Unmarshal(pg.Results[0], &u))
			groups := u["groups"].([]any)
			require.NotEmpty(t, groups)
			assert.Contains(t, groups[0], "name", "v5+: groups as {id, name}")

			if major(v) < 8 {
				f.getJSON("/api/users?disabled=false", admin, &pg)
				assert.Equal(t, disabled, pg.Count, "v5: the mere presence selects disabled users")
				return
			}
			f.getJSON("/api/users?disabled=false", admin, &pg)
			assert.Equal(t, len(users)-disabled, pg.Count)
			f.getJSON("/api/users?disabled=true", admin, &pg)
			assert.Equal(t, disabled, pg.Count)
			f.getJSON("/api/users?pending=true", admin, &pg)
			assert.Equal(t, pending, pg.Count)
			assert.Equal(t, http.StatusInternalServerError, f.get("/api/users?disabled=yes", admin).status)
		})
	}
}

func TestDataSourcesGroupsAndStatus(t *testing.T) {
	for _, v := range []string{"4.0.2", "10.1.0"} {
		f := newFixture(t, Options{Version: v, Queries: 400})
		var all, mine []map[string]any
		f.getJSON("/api/data_sources", f.s.AdminKey(), &all)
		f.getJSON("/api/data_sources", f.s.UserKey(), &mine)
		assert.Len(t, all, numDataSource-1, "the deleted one is gone")
		assert.Len(t, mine, numDataSource-2, "not the Finance one")
		if major(v) < 5 {
			assert.EqualValues(t, 1, all[0]["id"], "v4: by id")
		} else {
			assert.Contains(t, all[0], "supports_auto_limit")
			assert.Equal(t, "Analytics Warehouse", all[0]["name"], "v5+: by name")
		}

		var groups []map[string]any
		f.getJSON("/api/groups", f.s.UserKey(), &groups)
		assert.Len(t, groups, 1)
		f.getJSON("/api/groups", f.s.AdminKey(), &groups)
		assert.Len(t, groups, 3)

		var st struct {
			ObjectCounters map[string]int `json:"object_counters"`
		}
		f.getJSON("/api/organization/status", f.s.UserKey(), &st)
		if major(v) >= 5 {
			assert.Equal(t, len(f.s.VisibleQueryIDs(f.s.UserKey())), st.ObjectCounters["queries"])
		}
	}
}

func TestDeletedDataSourceQueryAdminOnly(t *testing.T) {
	f := newFixture(t, Options{Version: "10.1.0", Queries: 400})
	q := queryBy(t, f.s, func(q Query) bool { return q.DataSourceID == 0 })
	var got map[string]any
	f.getJSON("/api/queries/"+itoa(q.ID), f.s.AdminKey(), &got)
	assert.Nil(t, got["data_source_id"])
	assert.Equal(t, http.StatusForbidden, f.get("/api/queries/"+itoa(q.ID), f.s.UserKey()).status)
	assert.NotContains(t, f.s.VisibleQueryIDs(f.s.AdminKey()), q.ID)
}

func TestAdminEndpoints(t *testing.T) {
	for _, v := range dialects {
		f := newFixture(t, Options{Version: v, Queries: 400})
		admin := f.s.AdminKey()
		var out struct {
			Queries   []map[string]any `json:"queries"`
			UpdatedAt string           `json:"updated_at"`
		}
		f.getJSON("/api/admin/queries/outdated", admin, &out)
		assert.NotEmpty(t, out.UpdatedAt)
		switch {
		case major(v) >= 9:
			var rq struct {
				Queues  map[string]any   `json:"queues"`
				Workers []map[string]any `json:"workers"`
			}
			f.getJSON("/api/admin/queries/rq_status", admin, &rq)
			assert.Contains(t, rq.Queues, "default")
			assert.NotEmpty(t, rq.Workers)
		case major(v) >= 7:
			var tasks map[string]json.RawMessage
			f.getJSON("/api/admin/queries/tasks", admin, &tasks)
			assert.Contains(t, tasks, "tasks")
		default:
			var tasks map[string]json.RawMessage
			f.getJSON("/api/admin/queries/tasks", admin, &tasks)
			assert.Contains(t, tasks, "waiting")
			assert.Contains(t, tasks, "in_progress")
			assert.Contains(t, tasks, "done")
		}
	}
}
