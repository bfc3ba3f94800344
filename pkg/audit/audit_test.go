package audit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/pkg/redash"
)

const day = 24 * time.Hour

var now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// q builds a listed query on data source 1, created 400 days ago, updated
// 100 days ago, run an hour ago, owned by user 7; opts adjust it.
func q(id int, opts ...func(*redash.Query)) redash.Query {
	ran := now.Add(-time.Hour)
	q := redash.Query{
		ID: id, Name: fmt.Sprintf("Query %d", id), SQL: fmt.Sprintf("select %d from t", id),
		DataSourceID: intp(1), CreatedAt: now.Add(-400 * day), UpdatedAt: now.Add(-100 * day),
		RetrievedAt: &ran, Runtime: floatp(2), User: redash.User{ID: 7, Email: "ann@example.com", Name: "Ann"}, UserID: 7,
		Tags: []string{}, Version: 1,
	}
	for _, o := range opts {
		o(&q)
	}
	return q
}

func intp(v int) *int           { return &v }
func floatp(v float64) *float64 { return &v }

func ranAgo(d time.Duration) func(*redash.Query) {
	return func(q *redash.Query) {
		if d < 0 {
			q.RetrievedAt = nil
			return
		}
		t := now.Add(-d)
		q.RetrievedAt = &t
	}
}

func createdAgo(d time.Duration) func(*redash.Query) {
	return func(q *redash.Query) { q.CreatedAt = now.Add(-d) }
}

func updatedAgo(d time.Duration) func(*redash.Query) {
	return func(q *redash.Query) { q.UpdatedAt = now.Add(-d) }
}

func sql(s string) func(*redash.Query) { return func(q *redash.Query) { q.SQL = s } }

func onSource(id int) func(*redash.Query) { return func(q *redash.Query) { q.DataSourceID = intp(id) } }

// schedule decodes a schedule in any wire shape.
func schedule(t *testing.T, raw string) func(*redash.Query) {
	t.Helper()
	var s redash.Schedule
	require.NoError(t, json.Unmarshal([]byte(raw), &s))
	return func(q *redash.Query) { q.Schedule = s }
}

// used puts the query on a dashboard so that it is not unused.
func inventory(queries ...redash.Query) *Inventory {
	return &Inventory{
		Version: redash.MustParseVersion("10.1.0"), Admin: true, Queries: queries,
		DataSources: []redash.DataSource{
			{ID: 1, Name: "Warehouse", Type: "pg"},
			{ID: 2, Name: "Legacy", Type: "pg", Paused: true, PauseReason: "moving"},
			{ID: 6, Name: "Query Results", Type: "results"},
		},
		Events: liveLog(90 * day),
	}
}

// liveLog is an events log with a login a minute ago, read back past the
// window start.
func liveLog(window time.Duration) *EventLog {
	l := NewEventLog(now.Add(-window))
	for _, e := range []redash.Event{event("login", "redash", "", time.Minute, nil), event("login", "redash", "", window+day, nil)} {
		l.Add(&e)
	}
	return l
}

// used marks ids as on a dashboard.
func used(inv *Inventory, ids ...int) *Inventory {
	inv.Dashboards = append(inv.Dashboards, Dashboard{ID: 900 + len(inv.Dashboards), QueryIDs: ids})
	return inv
}

func run(t *testing.T, inv *Inventory) *Report {
	t.Helper()
	rep, err := Run(inv, Options{Now: now, KeepTag: "keep"})
	require.NoError(t, err)
	return rep
}

// codes maps each query id with findings to its codes, weak ones marked
// with a trailing "?".
func codes(rep *Report) map[int]string {
	out := map[int]string{}
	for _, r := range rep.Results {
		var s []string
		for _, f := range r.Findings {
			c := string(f.Code)
			if f.Weak {
				c += "?"
			}
			s = append(s, c)
		}
		out[r.Query.ID] = strings.Join(s, ",")
	}
	return out
}

func TestNeverRun(t *testing.T) {
	inv := used(inventory(
		q(1, ranAgo(-1), createdAgo(8*day)),
		q(2, ranAgo(-1), createdAgo(6*day)),
		q(3, createdAgo(8*day)),
	), 1, 2, 3)
	rep := run(t, inv)
	assert.Equal(t, map[int]string{1: "never-run"}, codes(rep))
	assert.Contains(t, rep.Results[0].Findings[0].Detail, "created on 2026-10-24, 8 days ago")
}

func TestStale(t *testing.T) {
	inv := used(inventory(
		q(1, ranAgo(91*day), updatedAgo(91*day)),
		q(2, ranAgo(91*day), updatedAgo(80*day)), // edited lately
		q(3, ranAgo(91*day), updatedAgo(91*day), schedule(t, `{"interval": 86400, "time": "06:00", "day_of_week": null, "until": null}`)),     // active: failing, not stale
		q(4, ranAgo(91*day), updatedAgo(91*day), schedule(t, `{"interval": 3600, "time": null, "day_of_week": null, "until": "2026-01-01"}`)), // schedule ended
	), 1, 2, 3, 4)
	rep := run(t, inv)
	assert.Equal(t, map[int]string{1: "stale", 3: "schedule-failing", 4: "stale"}, codes(rep))
	assert.Contains(t, rep.Results[2].Findings[0].Detail, "its schedule no longer runs (every 1h until 2026-01-01)")
}

// TestScheduleFailing covers every schedule shape: v4-v6 strings, v7+
// objects with numeric or string intervals, and v10's disabled flag.
func TestScheduleFailing(t *testing.T) {
	tests := []struct {
		name     string
		schedule string
		opts     []func(*redash.Query)
		failing  bool
		perDay   float64
	}{
		{"v4 interval string, ran lately", `"3600"`, []func(*redash.Query){ranAgo(2 * time.Hour)}, false, 24},
		{"v4 interval string, 4 periods late", `"3600"`, []func(*redash.Query){ranAgo(4 * time.Hour)}, true, 24},
		{"v4 daily time, 2 days late", `"06:00"`, []func(*redash.Query){ranAgo(2 * day)}, false, 1},
		{"v4 daily time, 4 days late", `"06:00"`, []func(*redash.Query){ranAgo(4 * day)}, true, 1},
		{"v10 string interval", `{"interval": "3600", "time": null, "day_of_week": null, "until": null}`, []func(*redash.Query){ranAgo(5 * time.Hour)}, true, 24},
		{"v8 weekly, 20 days", `{"interval": 604800, "time": "06:00", "day_of_week": "Monday", "until": null}`, []func(*redash.Query){ranAgo(20 * day)}, false, 1.0 / 7},
		{"v8 weekly, 22 days", `{"interval": 604800, "time": "06:00", "day_of_week": "Monday", "until": null}`, []func(*redash.Query){ranAgo(22 * day)}, true, 1.0 / 7},
		{"never ran, created 2 days ago", `{"interval": 3600, "time": null, "day_of_week": null, "until": null}`, []func(*redash.Query){ranAgo(-1), createdAgo(2 * day)}, true, 24},
		{"never ran, created today", `{"interval": 3600, "time": null, "day_of_week": null, "until": null}`, []func(*redash.Query){ranAgo(-1), createdAgo(2 * time.Hour)}, false, 24},
		{"disabled by the v10 scheduler", `{"interval": 3600, "time": null, "day_of_week": null, "until": null, "disabled": true}`, []func(*redash.Query){ranAgo(time.Hour)}, true, 0},
		{"until past: not active", `{"interval": 3600, "time": null, "day_of_week": null, "until": "2026-10-01"}`, []func(*redash.Query){ranAgo(40 * day)}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			query := q(1, append([]func(*redash.Query){schedule(t, tt.schedule)}, tt.opts...)...)
			rep := run(t, used(inventory(query), 1))
			var res *Result
			if len(rep.Results) > 0 {
				res = &rep.Results[0]
			}
			assert.Equal(t, tt.failing, res != nil && res.Has(ScheduleFailing), "%+v", res)
			if res != nil && tt.perDay > 0 {
				assert.InDelta(t, tt.perDay, res.Evidence.RunsPerDay, 1e-9)
			}
		})
	}
}

func TestOwnerDisabled(t *testing.T) {
	inv := used(inventory(
		q(1, func(q *redash.Query) { q.User.IsDisabled = true }),
		q(2, func(q *redash.Query) { q.User.ID, q.UserID = 9, 9 }),
		q(3),
	), 1, 2, 3)
	inv.DisabledUserIDs = []int{9}
	rep := run(t, inv)
	assert.Equal(t, map[int]string{1: "owner-disabled", 2: "owner-disabled"}, codes(rep))
	assert.Equal(t, "its owner ann@example.com is disabled", rep.Results[0].Findings[0].Detail)
}

// event builds an event of the log.
func event(action, objType, objID string, ago time.Duration, details map[string]any) redash.Event {
	return redash.Event{Action: action, ObjectType: objType, ObjectID: objID, CreatedAt: now.Add(-ago), Details: details}
}

func feed(t *testing.T, l *EventLog, events ...redash.Event) {
	t.Helper()
	for i := range events {
		require.True(t, l.Add(&events[i]), "event %d is in the window", i)
	}
	old := event("login", "redash", "", 91*day, nil)
	require.False(t, l.Add(&old), "an event older than the window stops the read")
}

// newLog is an empty events log of the default window.
func newLog() *EventLog { return NewEventLog(now.Add(-90 * day)) }

func TestUnused(t *testing.T) {
	latest := 5000
	inv := inventory(
		q(1), // nothing: unused
		q(2), // on a dashboard
		q(3), // in an alert
		q(4), // viewed
		q(5), // UI execute
		q(6), // api_get of the query
		q(7, func(q *redash.Query) { q.LatestQueryDataID = &latest }),                             // api_get of its latest result
		q(8, sql("SELECT a,\n  b FROM t8")),                                                       // its SQL ran, with other case and spaces
		q(9, sql("select {{ x }} from t9 where d > '{{ since }}' and r = '{{region}}' limit 10")), // parameterized, ran with values
		q(10, sql("select 10 from t10")),                                                          // its SQL ran on another data source
		q(11),                                                                                     // viewed before the window
		q(12, sql("select {{x}} from t12")),                                                       // a template its run does not fit
	)
	inv.Dashboards = []Dashboard{{ID: 1, QueryIDs: []int{2, 2}}}
	inv.Alerts = []Alert{{ID: 1, QueryID: 3}}
	feed(t, inv.Events,
		event("view", "query", "4", 3*day, nil),
		event("execute", "query", "5", 3*day, nil),
		event("api_get", "query", "6", 3*day, nil),
		event("api_get", "query_result", "5000", 3*day, nil),
		event("execute_query", "data_source", "1", 4*day, map[string]any{"query": "select A, b\nfrom T8", "data_source": "1"}),
		event("execute_query", "data_source", "1", 4*day, map[string]any{"query": "select 42 from t9 where d > '2024-01-01' and r = 'EMEA' limit 10", "data_source": float64(1)}),
		event("execute_query", "data_source", "2", 4*day, map[string]any{"query": "select 10 from t10", "data_source": "2"}),
		event("execute_query", "data_source", "1", 4*day, map[string]any{"query": "select 1 from t13", "data_source": "1"}),
		event("view", "query", "11", 89*day, nil),
		event("view", "page", "queries", 3*day, map[string]any{"page": "queries"}),
	)
	// Queries viewed before the window: read past it, then stopped.
	early := event("view", "query", "11", 95*day, nil)
	assert.False(t, inv.Events.Add(&early))
	rep := run(t, inv)
	got := codes(rep)
	assert.Equal(t, "unused", got[1])
	for _, id := range []int{2, 3, 4, 5, 8, 9, 11} {
		assert.Empty(t, got[id], "query %d is used", id)
	}
	assert.Equal(t, "external-consumer", got[6])
	assert.Equal(t, "external-consumer", got[7], "a download of its latest result")
	assert.Equal(t, "unused", got[10], "a run on another data source is not its run")
	assert.Equal(t, "unused", got[12])

	ev := map[int]Evidence{}
	for _, r := range rep.Results {
		ev[r.Query.ID] = r.Evidence
	}
	assert.True(t, ev[1].EventsRead)
	assert.Equal(t, 1, ev[6].Downloads)
	assert.Contains(t, rep.Results[0].Findings[0].Detail, "since 2026-08-03")
	assert.Equal(t, EventsStatus{Read: true, Events: 11, Since: now.Add(-90 * day), Newest: now.Add(-time.Minute), NewestRun: now.Add(-time.Hour)}, rep.Events)
}

func TestUsageEvidence(t *testing.T) {
	inv := inventory(q(1, sql("select {{a}} from t")), q(2))
	inv.Dashboards = []Dashboard{{ID: 5, QueryIDs: []int{1}}, {ID: 3, QueryIDs: []int{1}}}
	inv.Alerts = []Alert{{ID: 8, QueryID: 1}}
	feed(t, inv.Events,
		event("view", "query", "1", 2*day, nil),
		event("view", "query", "1", 3*day, nil),
		event("execute_query", "data_source", "1", 1*day, map[string]any{"query": "select 7 from t", "data_source": "1"}),
		event("api_get", "query", "1", 5*day, nil),
	)
	inv.Queries[0].User.IsDisabled = true // to get a result to look at
	rep := run(t, inv)
	require.Len(t, rep.Results, 2)
	ev := rep.Results[0].Evidence
	assert.Equal(t, []int{3, 5}, ev.Dashboards)
	assert.Equal(t, []int{8}, ev.Alerts)
	assert.Equal(t, 2, ev.Views)
	assert.Equal(t, 1, ev.Runs)
	assert.Equal(t, 1, ev.Downloads)
	require.NotNil(t, ev.LastUsedAt)
	assert.Equal(t, now.Add(-day), *ev.LastUsedAt)
	assert.Equal(t, "owner-disabled,external-consumer", codes(rep)[1])
}

func TestScheduledUnviewed(t *testing.T) {
	inv := inventory(
		q(1, schedule(t, `{"interval": 900, "time": null, "day_of_week": null, "until": null}`), ranAgo(10*time.Minute)),
		q(2, schedule(t, `{"interval": 900, "time": null, "day_of_week": null, "until": null}`), ranAgo(10*time.Minute)),
		q(3, schedule(t, `{"interval": 900, "time": null, "day_of_week": null, "until": "2026-01-01"}`), ranAgo(300*day), updatedAgo(300*day)),
	)
	inv.Alerts = []Alert{{ID: 1, QueryID: 2}}
	rep := run(t, inv)
	got := codes(rep)
	assert.Equal(t, "unused,scheduled-unviewed", got[1])
	assert.Empty(t, got[2])
	assert.Equal(t, "stale,unused", got[3], "a schedule that ended runs nothing")
	f := rep.Results[0].Finding(ScheduledUnviewed)
	assert.Equal(t, "unused, yet scheduled every 15m: about 96 runs a day", f.Detail)
	assert.InDelta(t, 96, rep.Results[0].Evidence.RunsPerDay, 1e-9)
}

func TestDraftAbandoned(t *testing.T) {
	draft := func(q *redash.Query) { q.IsDraft = true }
	rep := run(t, used(inventory(q(1, draft, updatedAgo(31*day)), q(2, draft, updatedAgo(29*day)), q(3, updatedAgo(31*day))), 1, 2, 3))
	assert.Equal(t, map[int]string{1: "draft-abandoned"}, codes(rep))
}

func TestDuplicate(t *testing.T) {
	rep := run(t, used(inventory(
		q(1, sql("select a from t"), ranAgo(5*day)),
		q(2, sql("SELECT a\n   FROM  t "), ranAgo(2*day)), // kept: ran last
		q(3, sql("select a from t"), ranAgo(-1), createdAgo(time.Hour)),
		q(4, sql("select a from t"), onSource(6), ranAgo(9*day)), // other data source
		q(5, sql("select b from t"), ranAgo(3*day)),
		q(6, sql("select b from t"), ranAgo(3*day)), // a tie: the higher id is kept
	), 1, 2, 3, 4, 5, 6))
	got := codes(rep)
	assert.Equal(t, map[int]string{1: "duplicate", 3: "duplicate", 5: "duplicate"}, got)
	for _, r := range rep.Results {
		want := map[int]int{1: 2, 3: 2, 5: 6}[r.Query.ID]
		assert.Equal(t, want, r.Evidence.DuplicateOf)
		assert.Equal(t, fmt.Sprintf("same SQL on the same data source as query %d, which ran more recently", want), r.Findings[0].Detail)
	}
}

func TestDataSourceMissing(t *testing.T) {
	inv := used(inventory(q(1, onSource(2)), q(2), q(30)), 1, 2, 30)
	inv.Probed = inv.Gaps()
	require.Len(t, inv.Probed, 27)
	inv.Hidden = []redash.Query{q(20, func(q *redash.Query) { q.DataSourceID = nil }), q(21, func(q *redash.Query) { q.IsArchived = true })}
	rep := run(t, inv)
	assert.Equal(t, map[int]string{1: "data-source-missing", 20: "data-source-missing"}, codes(rep))
	assert.Equal(t, `data source "Legacy" is paused: moving`, rep.Results[0].Findings[0].Detail)
	assert.True(t, rep.Results[1].Hidden)
	assert.Equal(t, "its data source was deleted, so no list shows it (found by probing its id)", rep.Results[1].Findings[0].Detail)
	assert.Equal(t, 4, rep.Audited, "three listed and one hidden; the archived one is not audited")
	assert.Equal(t, GapReport{Count: 27, MaxID: 30, Reasons: rep.Gaps.Reasons, Probed: 27, Hidden: 1, Archived: 1, NotFound: 25}, rep.Gaps)
}

func TestBrokenReference(t *testing.T) {
	param := func(name string, ref int) func(*redash.Query) {
		return func(q *redash.Query) {
			q.Options.Parameters = append(q.Options.Parameters, redash.Parameter{Name: name, Type: "query", QueryID: intp(ref)})
		}
	}
	mk := func() *Inventory {
		return used(inventory(
			q(1),
			q(2, param("team", 1)),  // fine
			q(3, param("team", 50)), // archived
			q(4, param("team", 60)), // missing
			q(5, onSource(6), sql("select * from query_1 join query_50 using (x)")),
			q(6, onSource(1), sql("select * from query_60")), // not the Query Results source
		), 1, 2, 3, 4, 5, 6)
	}
	inv := mk()
	inv.ArchivedIDs = []int{50}
	rep := run(t, inv)
	assert.Equal(t, map[int]string{3: "broken-reference", 4: "broken-reference", 5: "broken-reference"}, codes(rep))
	assert.Equal(t, "parameter team points at query 50, which is archived", rep.Results[0].Findings[0].Detail)
	assert.Equal(t, "parameter team points at query 60, which is missing", rep.Results[1].Findings[0].Detail)
	assert.Equal(t, []BrokenRef{{QueryID: 50, Via: "query_50", State: "archived"}}, rep.Results[2].Evidence.BrokenRefs)

	// A non-admin key may not see the query referred to: weak.
	inv = mk()
	inv.Admin = false
	inv.ArchivedIDs = []int{50}
	rep = run(t, inv)
	got := codes(rep)
	assert.Equal(t, "broken-reference", got[3])
	assert.Equal(t, "broken-reference?", got[4])
	assert.Contains(t, rep.Results[1].Findings[0].Detail, "which is not visible")
}

func TestKeepTag(t *testing.T) {
	rep := run(t, inventory(q(1, func(q *redash.Query) { q.Tags = []string{"keep"} }), q(2, func(q *redash.Query) { q.Tags = []string{"keeper"} })))
	require.Len(t, rep.Results, 2)
	assert.True(t, rep.Results[0].Keep)
	assert.True(t, rep.Results[0].Has(Unused), "kept queries keep their findings")
	assert.False(t, rep.Results[1].Keep)
	assert.Equal(t, 1, rep.Kept)
}

func TestWeakWithoutEvents(t *testing.T) {
	inv := inventory(q(1), q(2, schedule(t, `"3600"`)))
	inv.Version = redash.MustParseVersion("8.0.0")
	inv.Admin = false
	inv.Events = nil
	inv.Unread = []Unread{{Source: SourceEvents, Reason: "the events log needs an admin key"}}
	inv.Dashboards = []Dashboard{{ID: 1, Restricted: 2}}
	rep := run(t, inv)
	assert.Equal(t, map[int]string{1: "unused?", 2: "unused?,scheduled-unviewed?"}, codes(rep))
	assert.Contains(t, rep.Results[0].Findings[0].Detail, "(weak: no events log, hidden widgets)")
	require.GreaterOrEqual(t, len(rep.Limitations), 3)
	assert.Equal(t, []Code{Unused, ScheduledUnviewed, ExternalConsumer}, rep.Limitations[0].Codes)
	assert.True(t, strings.HasPrefix(rep.Limitations[0].Reason, "the events log needs an admin key: "))
	assert.Equal(t, "2 widgets hide their query from this key (data sources outside its groups)", rep.Limitations[1].Reason)
	assert.False(t, rep.Events.Read)
}

// TestEventsStopped: a log whose newest event is far older than the newest
// run has no worker writing it; unused is then unproven.
func TestEventsStopped(t *testing.T) {
	inv := inventory(q(1), q(2))
	inv.Events = newLog()
	feed(t, inv.Events, event("view", "query", "2", 10*day, nil))
	rep := run(t, inv)
	assert.True(t, rep.Events.Stopped)
	assert.Equal(t, map[int]string{1: "unused?"}, codes(rep))
	require.NotEmpty(t, rep.Limitations)
	assert.Contains(t, rep.Limitations[0].Reason, "the newest event is from 2026-10-22 but queries ran until 2026-11-01: the events log stopped")

	// Within the allowed lag (3 days: a quiet weekend), the log is trusted.
	inv = inventory(q(1), q(2))
	inv.Events = newLog()
	feed(t, inv.Events, event("view", "query", "2", 2*day, nil))
	rep = run(t, inv)
	assert.False(t, rep.Events.Stopped)
	assert.Equal(t, map[int]string{1: "unused"}, codes(rep))

	// An empty log while queries run.
	inv = inventory(q(1))
	inv.Events = newLog()
	rep = run(t, inv)
	assert.True(t, rep.Events.Stopped)
	assert.Contains(t, rep.Limitations[0].Reason, "the events log is empty although queries ran until 2026-11-01")
}

// TestEventsPartial: a log that does not reach back to the window start.
func TestEventsPartial(t *testing.T) {
	inv := inventory(q(1), q(2))
	inv.Events = newLog()
	e := event("view", "query", "2", 20*day, nil)
	require.True(t, inv.Events.Add(&e))
	e2 := event("view", "query", "2", time.Hour, nil)
	require.True(t, inv.Events.Add(&e2))
	rep := run(t, inv)
	assert.True(t, rep.Events.Partial)
	assert.Equal(t, map[int]string{1: "unused?"}, codes(rep))
	assert.Equal(t, "the events log starts on 2026-10-12, after the window start 2026-08-03: older use is unknown", rep.Limitations[0].Reason)

	// A young instance: the log is older than every query.
	inv = inventory(q(1, createdAgo(10*day)), q(2, createdAgo(10*day)))
	inv.Events = newLog()
	require.True(t, inv.Events.Add(&e))
	require.True(t, inv.Events.Add(&e2))
	rep = run(t, inv)
	assert.False(t, rep.Events.Partial)
	assert.Equal(t, map[int]string{1: "unused"}, codes(rep))
}

func TestGaps(t *testing.T) {
	inv := inventory(q(1), q(4), q(9))
	inv.ArchivedIDs = []int{2, 12}
	assert.Equal(t, []int{3, 5, 6, 7, 8, 10, 11}, inv.Gaps())
	rep := run(t, inv)
	assert.Equal(t, 7, rep.Gaps.Count)
	assert.Equal(t, 12, rep.Gaps.MaxID)
	assert.Equal(t, []string{
		"queries on a deleted data source (Redash lists them to nobody, admins included)",
		"other users' archived drafts (the archive list leaves them out)",
	}, rep.Gaps.Reasons)

	inv.Version = redash.MustParseVersion("4.0.2")
	inv.Admin = false
	assert.Equal(t, []string{
		"queries on a deleted data source (Redash lists them to nobody, admins included)",
		"archived queries (no archive list was read)",
		"other users' drafts (Redash 4.0.2 lists only the caller's own)",
		"queries on data sources outside the key's groups",
	}, inv.gapReasons())
}

func TestRunErrors(t *testing.T) {
	_, err := Run(inventory(), Options{})
	assert.EqualError(t, err, "audit: no clock given")
	_, err = Run(inventory(), Options{Now: now, Thresholds: Thresholds{StaleAfter: -day}})
	assert.EqualError(t, err, "the stale threshold must be positive, got -24h0m0s")
}

func TestThresholds(t *testing.T) {
	require.NoError(t, DefaultThresholds().Validate())
	th := DefaultThresholds()
	th.FailingPeriods = 0.5
	assert.EqualError(t, th.Validate(), "failing schedules need at least 1 missed period, got 0.5")
	th = DefaultThresholds()
	th.UnusedAfter = 11 * 365 * day
	assert.EqualError(t, th.Validate(), "the unused window must be at most 10 years, got 96360h0m0s")

	// A shorter window changes what counts as unused.
	inv := inventory(q(1), q(2))
	inv.Events = liveLog(30 * day)
	view := event("view", "query", "2", 40*day, nil)
	assert.False(t, inv.Events.Add(&view), "the view is outside a 30-day window")
	rep, err := Run(inv, Options{Now: now, Thresholds: Thresholds{UnusedAfter: 30 * day}})
	require.NoError(t, err)
	assert.Equal(t, map[int]string{1: "unused", 2: "unused"}, codes(rep))

	// The log must be read for the audit's window.
	_, err = Run(inv, Options{Now: now})
	assert.EqualError(t, err, "audit: the events log was read from 2026-10-02T12:00:00Z, but the usage window starts at 2026-08-03T12:00:00Z")
}

func TestParseCodes(t *testing.T) {
	got, err := ParseCodes([]string{"stale, Never-Run", "stale", "", "unused"})
	require.NoError(t, err)
	assert.Equal(t, []Code{NeverRun, Stale, Unused}, got)
	_, err = ParseCodes([]string{"stale,unsued"})
	assert.EqualError(t, err, `unknown finding code "unsued": use never-run, stale, schedule-failing, owner-disabled, unused, external-consumer, scheduled-unviewed, draft-abandoned, duplicate, data-source-missing, broken-reference`)
	assert.True(t, ExternalConsumer.Marker())
	assert.False(t, Unused.Marker())
	assert.Len(t, Codes(), 11)
}
