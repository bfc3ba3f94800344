package redash

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// List items as each version serializes them (reference §5.5).
const (
	queryV4 = `{"id": 12, "latest_query_data_id": 900, "name": "Daily signups", "description": null,
		"query": "select 1", "query_hash": "abc", "schedule": "06:00", "api_key": "qkey4",
		"is_archived": false, "is_draft": true, "updated_at": "2018-05-01T10:11:12.123456+00:00",
		"created_at": "2018-04-01T09:00:00+00:00", "data_source_id": 2,
		"options": {"parameters": []}, "version": 1,
		"user": {"id": 7, "name": "Ann", "email": "ann@example.com", "profile_image_url": "https://x/ann.png",
			"groups": [1, 2], "updated_at": "2018-01-01T00:00:00.000001+00:00", "created_at": "2018-01-01T00:00:00+00:00", "auth_type": "password"},
		"last_modified_by_id": 7, "retrieved_at": "2018-05-02T06:00:41.120000+00:00", "runtime": 1.5}`

	queryV5 = `{"id": 13, "latest_query_data_id": null, "name": "Churn", "description": "monthly",
		"query": "select 2", "query_hash": "def", "schedule": "3600", "api_key": "qkey5",
		"is_archived": false, "is_draft": false, "updated_at": "2018-10-01T10:11:12.000001+00:00",
		"created_at": "2018-10-01T09:00:00.5+00:00", "data_source_id": null,
		"options": {"parameters": [{"name": "country", "title": "Country", "type": "enum", "value": "FR", "enumOptions": "FR\nDE"}]},
		"version": 1, "tags": ["finance", "keep"], "is_favorite": true,
		"user": {"id": 8, "name": "Bob", "email": "bob@example.com", "groups": [2],
			"disabled_at": "2018-09-01T00:00:00+00:00", "is_disabled": true},
		"last_modified_by_id": 8, "retrieved_at": null, "runtime": null}`

	queryV8 = `{"id": 14, "latest_query_data_id": 901, "name": "Revenue", "description": null,
		"query": "select {{ d }}", "query_hash": "ghi",
		"schedule": {"interval": "86400", "time": "06:00", "day_of_week": null, "until": null},
		"api_key": "qkey8", "is_archived": false, "is_draft": false,
		"updated_at": "2019-10-27T13:02:03.123Z", "created_at": "2019-10-27T13:02:03Z", "data_source_id": 3,
		"options": {"parameters": [{"name": "d", "title": "d", "type": "query", "queryId": "77", "value": null}]},
		"version": 1, "tags": [], "is_safe": true, "is_favorite": false,
		"user": {"id": 9, "name": "Cy", "email": "cy@example.com", "groups": [1], "disabled_at": null, "is_disabled": false,
			"active_at": "2019-10-27T13:00:00Z", "is_invitation_pending": false, "is_email_verified": true},
		"last_modified_by_id": 9, "retrieved_at": "2019-10-27T14:00:00.5Z", "runtime": 0.25}`

	queryV10 = `{"id": 15, "latest_query_data_id": 902, "name": "Broken", "description": null,
		"query": "select 3", "query_hash": "jkl",
		"schedule": {"interval": 60, "time": null, "day_of_week": null, "until": null, "disabled": true},
		"api_key": "qkey10", "is_archived": true, "is_draft": false,
		"updated_at": "2021-11-01T00:00:00Z", "created_at": "2021-10-01T00:00:00Z", "data_source_id": 4,
		"options": {"parameters": [], "apply_auto_limit": true}, "version": 1, "tags": ["x"], "is_safe": false,
		"user": {"id": 10, "name": "Di", "email": "di@example.com", "groups": [1], "is_disabled": false},
		"last_modified_by_id": 10, "retrieved_at": null, "runtime": null, "is_favorite": false}`

	// The v25 example of the reference, verbatim in shape.
	queryV25 = `{"id": 42, "latest_query_data_id": 9001, "name": "Daily revenue",
		"description": null, "query": "select ...", "query_hash": "5f0c",
		"schedule": {"interval": 86400, "time": "06:00", "day_of_week": null, "until": null},
		"api_key": "Xh3k", "is_archived": false, "is_draft": false,
		"updated_at": "2025-01-02T10:11:12.345Z", "created_at": "2023-04-05T06:07:08Z",
		"data_source_id": 3, "options": {"parameters": [], "apply_auto_limit": false},
		"version": 1, "tags": ["finance"], "is_safe": true,
		"user": {"id": 7, "name": "Ann", "email": "ann@example.com", "profile_image_url": "p",
			"groups": [1, 2], "updated_at": "2025-01-01T00:00:00Z", "created_at": "2023-01-01T00:00:00Z", "disabled_at": null,
			"is_disabled": false, "active_at": "2025-01-02T00:00:00Z", "is_invitation_pending": false,
			"is_email_verified": true, "auth_type": "password"},
		"last_modified_by_id": 7, "retrieved_at": "2025-01-02T06:00:41.120Z", "runtime": 3.21,
		"is_favorite": false, "starred_at": null}`
)

func TestQueryDecodingPerVersion(t *testing.T) {
	tests := []struct {
		name string
		json string
		want Query
	}{
		{"v4", queryV4, Query{
			ID: 12, Name: "Daily signups", SQL: "select 1", QueryHash: "abc",
			Schedule: Schedule{Interval: 86400, Time: "06:00"}, APIKey: "qkey4", IsDraft: true,
			CreatedAt: utc("2018-04-01T09:00:00Z"), UpdatedAt: utc("2018-05-01T10:11:12.123456Z"),
			RetrievedAt: ptr(utc("2018-05-02T06:00:41.12Z")), Runtime: ptr(1.5), DataSourceID: ptr(2), LatestQueryDataID: ptr(900),
			Options: QueryOptions{Raw: json.RawMessage(`{"parameters": []}`), Parameters: []Parameter{}}, Version: 1,
			User: User{
				ID: 7, Name: "Ann", Email: "ann@example.com", ProfileImageURL: "https://x/ann.png",
				Groups: []GroupRef{{ID: 1}, {ID: 2}}, AuthType: "password",
				CreatedAt: utc("2018-01-01T00:00:00Z"), UpdatedAt: utc("2018-01-01T00:00:00.000001Z"),
			},
			UserID: 7, LastModifiedByID: 7,
		}},
		{"v5", queryV5, Query{
			ID: 13, Name: "Churn", Description: "monthly", SQL: "select 2", QueryHash: "def",
			Schedule: Schedule{Interval: 3600}, APIKey: "qkey5", IsFavorite: true,
			CreatedAt: utc("2018-10-01T09:00:00.5Z"), UpdatedAt: utc("2018-10-01T10:11:12.000001Z"),
			Options: QueryOptions{Parameters: []Parameter{{
				Name: "country", Title: "Country", Type: "enum",
				Value: json.RawMessage(`"FR"`), EnumOptions: "FR\nDE",
			}}},
			Version: 1, Tags: []string{"finance", "keep"},
			User: User{
				ID: 8, Name: "Bob", Email: "bob@example.com", Groups: []GroupRef{{ID: 2}}, IsDisabled: true,
				DisabledAt: ptr(utc("2018-09-01T00:00:00Z")),
			},
			UserID: 8, LastModifiedByID: 8,
		}},
		{"v8", queryV8, Query{
			ID: 14, Name: "Revenue", SQL: "select {{ d }}", QueryHash: "ghi",
			Schedule: Schedule{Interval: 86400, Time: "06:00"}, APIKey: "qkey8", IsSafe: true,
			CreatedAt: utc("2019-10-27T13:02:03Z"), UpdatedAt: utc("2019-10-27T13:02:03.123Z"),
			RetrievedAt: ptr(utc("2019-10-27T14:00:00.5Z")), Runtime: ptr(0.25), DataSourceID: ptr(3), LatestQueryDataID: ptr(901),
			Options: QueryOptions{Parameters: []Parameter{{Name: "d", Title: "d", Type: "query", QueryID: ptr(77)}}},
			Version: 1, Tags: []string{},
			User: User{
				ID: 9, Name: "Cy", Email: "cy@example.com", Groups: []GroupRef{{ID: 1}}, IsEmailVerified: true,
				ActiveAt: ptr(utc("2019-10-27T13:00:00Z")),
			},
			UserID: 9, LastModifiedByID: 9,
		}},
		{"v10", queryV10, Query{
			ID: 15, Name: "Broken", SQL: "select 3", QueryHash: "jkl",
			Schedule: Schedule{Interval: 60, Disabled: true}, APIKey: "qkey10", IsArchived: true,
			CreatedAt: utc("2021-10-01T00:00:00Z"), UpdatedAt: utc("2021-11-01T00:00:00Z"),
			DataSourceID: ptr(4), LatestQueryDataID: ptr(902), Options: QueryOptions{Parameters: []Parameter{}},
			Version: 1, Tags: []string{"x"},
			User:   User{ID: 10, Name: "Di", Email: "di@example.com", Groups: []GroupRef{{ID: 1}}},
			UserID: 10, LastModifiedByID: 10,
		}},
		{"v25", queryV25, Query{
			ID: 42, Name: "Daily revenue", SQL: "select ...", QueryHash: "5f0c",
			Schedule: Schedule{Interval: 86400, Time: "06:00"}, APIKey: "Xh3k", IsSafe: true,
			CreatedAt: utc("2023-04-05T06:07:08Z"), UpdatedAt: utc("2025-01-02T10:11:12.345Z"),
			RetrievedAt: ptr(utc("2025-01-02T06:00:41.12Z")), Runtime: ptr(3.21), DataSourceID: ptr(3), LatestQueryDataID: ptr(9001),
			Options: QueryOptions{Parameters: []Parameter{}}, Version: 1, Tags: []string{"finance"},
			User: User{
				ID: 7, Name: "Ann", Email: "ann@example.com", ProfileImageURL: "p", Groups: []GroupRef{{ID: 1}, {ID: 2}},
				IsEmailVerified: true, AuthType: "password", CreatedAt: utc("2023-01-01T00:00:00Z"), UpdatedAt: utc("2025-01-01T00:00:00Z"),
				ActiveAt: ptr(utc("2025-01-02T00:00:00Z")),
			},
			UserID: 7, LastModifiedByID: 7,
		}},
	}
	ignore := cmp.Options{
		cmpopts.IgnoreUnexported(Schedule{}),
		cmpopts.IgnoreFields(QueryOptions{}, "Raw"),
		cmpopts.IgnoreFields(Parameter{}, "Raw"),
		cmpopts.EquateEmpty(),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q Query
			require.NoError(t, json.Unmarshal([]byte(tt.json), &q))
			if diff := cmp.Diff(tt.want, q, ignore); diff != "" {
				t.Errorf("query mismatch (-want +got):\n%s", diff)
			}
			assert.NotNil(t, q.Options.Raw, "options kept verbatim")
		})
	}
}

func TestQueryOptionsRoundTrip(t *testing.T) {
	var q Query
	require.NoError(t, json.Unmarshal([]byte(queryV10), &q))
	b, err := json.Marshal(q.Options)
	require.NoError(t, err)
	assert.JSONEq(t, `{"parameters": [], "apply_auto_limit": true}`, string(b), "unknown keys survive")

	b, err = json.Marshal(QueryOptions{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"parameters": []}`, string(b))

	var o QueryOptions
	require.NoError(t, json.Unmarshal([]byte(`null`), &o))
	assert.Nil(t, o.Raw)

	b, err = json.Marshal(Parameter{Name: "n", Title: "N", Type: "number", Value: json.RawMessage(`5`)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name": "n", "title": "N", "type": "number", "value": 5}`, string(b))
}

func TestRecentQueryHasOnlyUserID(t *testing.T) {
	var q Query
	require.NoError(t, json.Unmarshal([]byte(`{"id": 1, "user_id": 5, "schedule": null, "last_modified_by": {"id": 6, "name": "x"}}`), &q))
	assert.Equal(t, 5, q.UserID)
	assert.Equal(t, 6, q.LastModifiedByID)
	assert.Zero(t, q.User.ID)
}

func TestQueryWithVisualizations(t *testing.T) {
	var q Query
	require.NoError(t, json.Unmarshal([]byte(`{"id": 3, "schedule": null, "visualizations": [
		{"id": 30, "type": "TABLE", "name": "Table", "description": "", "options": {}, "updated_at": "2021-01-01T00:00:00Z", "created_at": "2021-01-01T00:00:00Z"},
		{"id": 31, "type": "CHART", "name": "Chart", "description": null, "options": {"globalSeriesType": "line"}}]}`), &q))
	require.Len(t, q.Visualizations, 2)
	assert.Equal(t, 31, q.Visualizations[1].ID)
	assert.Equal(t, "CHART", q.Visualizations[1].Type)
	assert.JSONEq(t, `{"globalSeriesType": "line"}`, string(q.Visualizations[1].Options))
	assert.Nil(t, q.Visualizations[0].Query)
}

func TestUserDecoding(t *testing.T) {
	tests := []struct {
		name string
		json string
		want User
	}{
		{
			"v4", `{"id": 1, "name": "A", "email": "a@x", "groups": [1, 3], "created_at": "2018-01-01T00:00:00+00:00"}`,
			User{ID: 1, Name: "A", Email: "a@x", Groups: []GroupRef{{ID: 1}, {ID: 3}}, CreatedAt: utc("2018-01-01T00:00:00Z")},
		},
		{
			"v5 disabled by date", `{"id": 2, "name": "B", "email": "b@x", "groups": [{"id": 1, "name": "admin"}, {"id": 2, "name": "default"}], "disabled_at": "2018-10-01T00:00:00+00:00"}`,
			User{ID: 2, Name: "B", Email: "b@x", Groups: []GroupRef{{1, "admin"}, {2, "default"}}, IsDisabled: true, DisabledAt: ptr(utc("2018-10-01T00:00:00Z"))},
		},
		{
			"v8 flags", `{"id": 3, "name": "C", "email": "c@x", "groups": [{"id": 2, "name": "default"}], "disabled_at": null, "is_disabled": true, "is_invitation_pending": true, "is_email_verified": false}`,
			User{ID: 3, Name: "C", Email: "c@x", Groups: []GroupRef{{2, "default"}}, IsDisabled: true, IsInvitationPending: true},
		},
		{"group id as string", `{"id": 4, "groups": ["5"]}`, User{ID: 4, Groups: []GroupRef{{ID: 5}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u User
			require.NoError(t, json.Unmarshal([]byte(tt.json), &u))
			assert.Equal(t, tt.want, u)
		})
	}
	u := User{Groups: []GroupRef{{ID: 1}, {ID: 4, Name: "x"}}}
	assert.Equal(t, []int{1, 4}, u.GroupIDs())
}

func TestDataSourceDecoding(t *testing.T) {
	var ds []DataSource
	require.NoError(t, json.Unmarshal([]byte(`[
		{"id": 1, "name": "pg", "type": "pg", "syntax": "sql", "paused": false, "pause_reason": null, "view_only": false},
		{"id": 2, "name": "mysql", "type": "mysql", "syntax": "sql", "paused": 1, "pause_reason": "maintenance", "view_only": true, "supports_auto_limit": true},
		{"id": 3, "name": "old", "type": "pg", "paused": 0}]`), &ds))
	assert.Equal(t, []DataSource{
		{ID: 1, Name: "pg", Type: "pg", Syntax: "sql"},
		{ID: 2, Name: "mysql", Type: "mysql", Syntax: "sql", Paused: true, PauseReason: "maintenance", ViewOnly: true},
		{ID: 3, Name: "old", Type: "pg"},
	}, ds)
}

func TestDashboardAndWidgetDecoding(t *testing.T) {
	var d Dashboard
	require.NoError(t, json.Unmarshal([]byte(`{"id": 5, "slug": "sales", "name": "Sales", "user_id": 7, "layout": "[[1,2]]",
		"dashboard_filters_enabled": false, "is_archived": false, "is_draft": false, "version": 3,
		"updated_at": "2018-05-01T10:11:12.123456+00:00", "created_at": "2018-05-01T10:11:12+00:00",
		"widgets": [
			{"id": 50, "width": 1, "options": {"position": {"col": 0, "row": 0, "sizeX": 3, "sizeY": 8}}, "dashboard_id": 5, "text": "",
			 "visualization": {"id": 30, "type": "TABLE", "name": "Table", "options": {}, "query": `+queryV4+`}},
			{"id": 51, "width": 1, "options": {}, "dashboard_id": 5, "text": "## Notes"},
			{"id": 52, "width": 1, "options": {"position": {}}, "dashboard_id": 5, "restricted": true}
		]}`), &d))
	assert.Equal(t, 5, d.ID)
	assert.Equal(t, "sales", d.Slug)
	assert.Equal(t, 7, d.UserID)
	assert.Equal(t, 3, d.Version)
	require.Len(t, d.Widgets, 3)
	assert.Equal(t, 12, d.Widgets[0].QueryID(), "widget → visualization → query")
	assert.Equal(t, 30, d.Widgets[0].Visualization.ID)
	assert.JSONEq(t, `{"position": {"col": 0, "row": 0, "sizeX": 3, "sizeY": 8}}`, string(d.Widgets[0].Options))
	assert.Equal(t, "## Notes", d.Widgets[1].Text)
	assert.Zero(t, d.Widgets[1].QueryID())
	assert.True(t, d.Widgets[2].Restricted)
	assert.Zero(t, d.Widgets[2].QueryID())

	// v10: user embedded (short), options, no user_id.
	var d10 Dashboard
	require.NoError(t, json.Unmarshal([]byte(`{"id": 6, "slug": "sales-q1", "name": "Sales Q1", "user": {"id": 9, "name": "Cy", "email": "c@x", "profile_image_url": "p"},
		"tags": ["finance"], "is_favorite": true, "options": {"refresh": 60}, "widgets": null}`), &d10))
	assert.Equal(t, 9, d10.UserID)
	assert.Equal(t, []string{"finance"}, d10.Tags)
	assert.True(t, d10.IsFavorite)
	assert.Nil(t, d10.Widgets)
	assert.JSONEq(t, `{"refresh": 60}`, string(d10.Options))
}

func TestAlertDecoding(t *testing.T) {
	var a Alert
	require.NoError(t, json.Unmarshal([]byte(`{"id": 3, "name": "Too many", "options": {"column": "n", "op": ">", "value": 5},
		"state": "triggered", "last_triggered_at": "2019-10-27T13:02:03.123Z", "rearm": null,
		"updated_at": "2019-10-27T13:02:03Z", "created_at": "2019-10-27T13:02:03Z",
		"query": `+queryV8+`, "user": {"id": 9, "name": "Cy", "email": "cy@example.com"}}`), &a))
	assert.Equal(t, 3, a.ID)
	assert.Equal(t, "triggered", a.State)
	assert.Nil(t, a.Rearm)
	assert.Equal(t, 14, a.Query.ID, "alert → query")
	assert.Equal(t, 9, a.User.ID)
	require.NotNil(t, a.LastTriggeredAt)
	assert.JSONEq(t, `{"column": "n", "op": ">", "value": 5}`, string(a.Options))

	var subs []AlertSubscription
	require.NoError(t, json.Unmarshal([]byte(`[{"id": 1, "alert_id": 3, "user": {"id": 9}},
		{"id": 2, "alert_id": 3, "user": {"id": 9}, "destination": {"id": 4, "name": "ops", "type": "slack", "icon": "x"}}]`), &subs))
	require.Len(t, subs, 2)
	assert.Nil(t, subs[0].Destination)
	assert.Equal(t, &Destination{ID: 4, Name: "ops", Type: "slack"}, subs[1].Destination)
}

func TestEventDecoding(t *testing.T) {
	var evs []Event
	require.NoError(t, json.Unmarshal([]byte(`[
		{"org_id": 1, "user_id": 7, "action": "view", "object_type": "query", "object_id": "42", "created_at": "2025-01-02T10:11:12Z",
		 "user_name": "Ann", "browser": "Chrome", "location": "Unknown", "details": {"object_id": "42", "object_type": "query"}},
		{"org_id": 1, "user_id": null, "action": "api_get", "object_type": "query", "object_id": 42, "created_at": "2018-05-01T10:11:12+00:00",
		 "user_name": "ApiKey: Query 42", "details": {}},
		{"org_id": 1, "user_id": 7, "action": "execute_query", "object_type": "data_source", "object_id": null, "created_at": "2025-01-02T10:11:12.5Z",
		 "details": {"query": "select 1", "data_source": 3}}]`), &evs))
	require.Len(t, evs, 3)
	assert.Equal(t, "42", evs[0].ObjectID)
	assert.Equal(t, ptr(7), evs[0].UserID)
	assert.Equal(t, "42", evs[1].ObjectID, "a numeric object id becomes a string")
	assert.Nil(t, evs[1].UserID)
	assert.Equal(t, "ApiKey: Query 42", evs[1].UserName)
	assert.Equal(t, utc("2018-05-01T10:11:12Z"), evs[1].CreatedAt)
	assert.Equal(t, "", evs[2].ObjectID)
	assert.Equal(t, "select 1", evs[2].Details["query"])
}

func TestJobDecoding(t *testing.T) {
	tests := []struct {
		json string
		want Job
	}{
		{`{"id": "c1f4", "updated_at": 0, "status": 1, "error": "", "query_result_id": null}`, Job{ID: "c1f4", Status: JobPending}},
		{`{"id": "c1f4", "updated_at": 1572181323.5, "status": 2, "error": ""}`, Job{ID: "c1f4", Status: JobStarted, UpdatedAt: time.Unix(1572181323, 5e8).UTC()}},
		{
			`{"id": "r1", "updated_at": "2021-11-01T10:00:00.123Z", "status": 3, "error": "", "result": 88, "query_result_id": 88}`,
			Job{ID: "r1", Status: JobFinished, QueryResultID: ptr(88), UpdatedAt: utc("2021-11-01T10:00:00.123Z")},
		},
		{`{"id": "r2", "updated_at": 0, "status": 3, "result": 89}`, Job{ID: "r2", Status: JobFinished, QueryResultID: ptr(89)}},
		{`{"id": "r3", "status": 4, "error": "Query cancelled by user."}`, Job{ID: "r3", Status: JobFailed, Error: "Query cancelled by user."}},
	}
	for _, tt := range tests {
		var j Job
		require.NoError(t, json.Unmarshal([]byte(tt.json), &j), tt.json)
		assert.Equal(t, tt.want, j, tt.json)
	}
	assert.True(t, JobPending.Running())
	assert.True(t, JobScheduled.Running())
	assert.False(t, JobFinished.Running())
	assert.False(t, JobFailed.Running())
	assert.Equal(t, "cancelled", JobCancelled.String())
	assert.Equal(t, "status 9", JobStatus(9).String())
}

func TestQueryResultDecoding(t *testing.T) {
	var r QueryResult
	require.NoError(t, json.Unmarshal([]byte(`{"id": 9001, "query_hash": "h", "query": "select", "data_source_id": 3, "runtime": 1.52,
		"retrieved_at": "2025-01-02T06:00:41.120Z",
		"data": {"columns": [{"name": "n", "friendly_name": "N", "type": "integer"}, {"name": "d", "friendly_name": "d", "type": null}],
			"rows": [{"n": 12345678901234567890, "d": "2025-01-01"}, {"n": 1.5}], "metadata": {"data_scanned": 10}}}`), &r))
	assert.Equal(t, 9001, r.ID)
	assert.Equal(t, 1.52, r.Runtime)
	assert.Equal(t, []Column{{"n", "N", "integer"}, {"d", "d", ""}}, r.Data.Columns)
	require.Len(t, r.Data.Rows, 2)
	assert.Equal(t, json.Number("12345678901234567890"), r.Data.Rows[0]["n"], "numbers stay exact")
	assert.Equal(t, "2025-01-01", r.Data.Rows[0]["d"])
	_, has := r.Data.Rows[1]["d"]
	assert.False(t, has, "a row may lack a key")
	assert.JSONEq(t, `{"data_scanned": 10}`, string(r.Data.Metadata))
}

func TestTagsDecoding(t *testing.T) {
	v5, err := decodeTags(json.RawMessage(`{"finance": 3, "keep": 12, "adhoc": 3}`))
	require.NoError(t, err)
	assert.Equal(t, []Tag{{"keep", 12}, {"adhoc", 3}, {"finance", 3}}, v5)

	v8, err := decodeTags(json.RawMessage(`{"tags": [{"name": "keep", "count": 12}, {"name": "finance", "count": 3}]}`))
	require.NoError(t, err)
	assert.Equal(t, []Tag{{"keep", 12}, {"finance", 3}}, v8)

	v25, err := decodeTags(json.RawMessage(`{"tags": [{"name": "a", "count": 1}, {"name": "b", "count": 9}]}`))
	require.NoError(t, err)
	assert.Equal(t, []Tag{{"b", 9}, {"a", 1}}, v25, "v25.8 sorts by name; the client sorts by count")

	empty, err := decodeTags(json.RawMessage(`{"tags": []}`))
	require.NoError(t, err)
	assert.Empty(t, empty)
	empty, err = decodeTags(json.RawMessage(`{}`))
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestTimeDecodingFormats(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{`"2018-05-01T10:11:12.123456+00:00"`, utc("2018-05-01T10:11:12.123456Z")},
		{`"2019-10-27T13:02:03.123Z"`, utc("2019-10-27T13:02:03.123Z")},
		{`"2019-10-27T13:02:03Z"`, utc("2019-10-27T13:02:03Z")},
		{`"2019-10-27T15:02:03+02:00"`, utc("2019-10-27T13:02:03Z")},
		{`"2019-10-27T13:02:03.5"`, utc("2019-10-27T13:02:03.5Z")},
		{`"2019-10-27"`, utc("2019-10-27T00:00:00Z")},
		{`1572181323`, time.Unix(1572181323, 0).UTC()},
		{`"1572181323.25"`, time.Unix(1572181323, 25e7).UTC()},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
		{`0`, time.Time{}},
	}
	for _, tt := range tests {
		var f flexTime
		require.NoError(t, json.Unmarshal([]byte(tt.in), &f), tt.in)
		assert.True(t, tt.want.Equal(f.t), "%s: got %v", tt.in, f.t)
	}
	var f flexTime
	assert.Error(t, json.Unmarshal([]byte(`"yesterday"`), &f))
	assert.Error(t, json.Unmarshal([]byte(`true`), &f))
}

func TestPageDecoding(t *testing.T) {
	var p Page[User]
	require.NoError(t, json.Unmarshal([]byte(`[{"id": 1}, {"id": 2}]`), &p))
	assert.True(t, p.Unpaged())
	assert.Equal(t, 2, p.Count)
	assert.Len(t, p.Results, 2)

	require.NoError(t, json.Unmarshal([]byte(`{"count": "7", "page": 2, "page_size": 5, "results": [{"id": 6}, {"id": 7}]}`), &p))
	assert.False(t, p.Unpaged())
	assert.Equal(t, 7, p.Count)
	assert.Equal(t, 2, p.Page)
	assert.Equal(t, 5, p.PageSize)
	assert.Len(t, p.Results, 2)
}

func TestNoParametersFastPath(t *testing.T) {
	for in, want := range map[string]bool{
		`{"parameters": []}`:                            true,
		`{"parameters":[]}`:                             true,
		`{"apply_auto_limit": true, "parameters": [ ]}`: true,
		`{}`:                              true,
		`{"parameters": [{"name": "x"}]}`: false,
		`{"parameters": null}`:            false,
		`{"x": {"parameters": []}, "parameters": [{"name":"y"}]}`: false,
	} {
		assert.Equal(t, want, noParameters([]byte(in)), in)
		var o QueryOptions
		require.NoError(t, json.Unmarshal([]byte(in), &o))
		assert.Equal(t, !want, len(o.Parameters) > 0 || in == `{"parameters": null}`, in)
	}
}

// roundTrip marshals v and decodes it again into a fresh value of its type.
func roundTrip[T any](t *testing.T, v T) T {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out T
	require.NoError(t, json.Unmarshal(b, &out), string(b))
	return out
}

func TestModelsRoundTripThroughJSON(t *testing.T) {
	notRaw := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().Type() != reflect.TypeFor[json.RawMessage]() }, cmpopts.EquateEmpty())
	opts := cmp.Options{
		cmpopts.IgnoreUnexported(Schedule{}), notRaw,
		cmpopts.IgnoreFields(QueryOptions{}, "Raw"), cmpopts.IgnoreFields(Parameter{}, "Raw"), cmpopts.EquateApproxTime(0),
		cmp.Comparer(sameJSON),
	}
	for _, in := range []string{queryV4, queryV5, queryV8, queryV10, queryV25} {
		var q Query
		require.NoError(t, json.Unmarshal([]byte(in), &q))
		got := roundTrip(t, q)
		if diff := cmp.Diff(q, got, opts); diff != "" {
			t.Errorf("query %d changed in a round trip (-want +got):\n%s", q.ID, diff)
		}
		assert.Equal(t, q.Schedule.Legacy(), got.Schedule.Legacy(), "the schedule keeps its shape")
	}
	b, err := json.Marshal(Query{ID: 1, SQL: "select 1", DataSourceID: ptr(2), Schedule: Schedule{Interval: 60}})
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, "select 1", m["query"], "models marshal with Redash's field names")
	assert.Equal(t, map[string]any{"interval": float64(60), "time": nil, "day_of_week": nil, "until": nil}, m["schedule"])
	assert.NotContains(t, m, "visualizations")

	var d Dashboard
	require.NoError(t, json.Unmarshal([]byte(`{"id": 5, "slug": "s", "name": "S", "user_id": 7, "version": 2, "tags": ["a"],
		"widgets": [{"id": 50, "width": 1, "options": {"position": {"col": 1}}, "dashboard_id": 5, "text": "",
		"visualization": {"id": 30, "type": "TABLE", "options": {}, "query": `+queryV8+`}},
		{"id": 52, "width": 1, "options": {}, "dashboard_id": 5, "restricted": true}]}`), &d))
	if diff := cmp.Diff(d, roundTrip(t, d), opts); diff != "" {
		t.Errorf("dashboard changed in a round trip (-want +got):\n%s", diff)
	}

	var a Alert
	require.NoError(t, json.Unmarshal([]byte(`{"id": 3, "name": "x", "options": {"op": ">"}, "state": "ok", "rearm": 60, "query": `+queryV10+`, "user": {"id": 9}}`), &a))
	if diff := cmp.Diff(a, roundTrip(t, a), opts); diff != "" {
		t.Errorf("alert changed in a round trip (-want +got):\n%s", diff)
	}

	e := Event{UserID: ptr(7), Action: "view", ObjectType: "query", ObjectID: "42", CreatedAt: utc("2025-01-02T10:11:12Z"), Details: map[string]any{"k": "v"}}
	assert.Equal(t, e, roundTrip(t, e))
	j := Job{ID: "j", Status: JobFinished, QueryResultID: ptr(5), UpdatedAt: utc("2025-01-02T10:11:12Z")}
	assert.Equal(t, j, roundTrip(t, j))
	u := User{ID: 1, Name: "A", Groups: []GroupRef{{ID: 1, Name: "admin"}, {ID: 2}}, IsDisabled: true, DisabledAt: ptr(utc("2025-01-01T00:00:00Z"))}
	assert.Equal(t, u, roundTrip(t, u))
	ds := DataSource{ID: 1, Name: "pg", Type: "pg", Paused: true, PauseReason: "x", ViewOnly: true}
	assert.Equal(t, ds, roundTrip(t, ds))
}

// sameJSON compares JSON texts by meaning (key order, spacing and escapes
// aside).
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return cmp.Equal(x, y)
}

func TestPageOwnersDecodedOncePerText(t *testing.T) {
	body := `{"count": 3, "page": 1, "page_size": 250, "results": [
		{"id": 1, "user": {"id": 7, "name": "Ann", "groups": [1]}},
		{"id": 2, "user": {"id": 7, "name": "Ann", "groups": [1]}},
		{"id": 3, "user": {"id": 8, "name": "Bob", "disabled_at": "2020-01-01T00:00:00Z"}},
		{"id": 4, "user_id": 9}]}`
	users := newUserCache()
	var p Page[Query]
	require.NoError(t, pageTarget[queryWire, Query]{page: &p, conv: func(w *queryWire) Query { return w.queryWith(users) }}.decodeBody([]byte(body)))
	require.Len(t, p.Results, 4)
	assert.Equal(t, User{ID: 7, Name: "Ann", Groups: []GroupRef{{ID: 1}}}, p.Results[0].User)
	assert.Equal(t, p.Results[0].User, p.Results[1].User)
	assert.Equal(t, 8, p.Results[2].User.ID)
	assert.True(t, p.Results[2].User.IsDisabled)
	assert.Equal(t, 8, p.Results[2].UserID)
	assert.Zero(t, p.Results[3].User.ID)
	assert.Equal(t, 9, p.Results[3].UserID)
	assert.Len(t, users.m, 2)
}
