package fakeredash

import (
	"fmt"
	"strconv"
	"time"
)

// Traits of a generated query. The first group are generation facts; the
// second are the findings an audit with the default thresholds of issue 3
// should report, computed over the generated data as the admin (AdminKey)
// sees it through the list endpoints: only for queries the admin's query
// list shows (not archived, with a data source, and on v4 not another
// user's draft), and counting only the widgets of dashboards the admin's
// dashboard list shows (not archived, not another user's draft). Traits
// are fixed when the data is generated and are not updated by later API
// calls.
const (
	TraitDraft                 = "draft"
	TraitArchived              = "archived"
	TraitSoftArchived          = "soft-archived" // archived with a live schedule (§7.4)
	TraitScheduled             = "scheduled"     // schedule is not null
	TraitScheduleInterval      = "schedule-interval"
	TraitScheduleDaily         = "schedule-daily"
	TraitScheduleWeekly        = "schedule-weekly"
	TraitScheduleStringInt     = "schedule-string-interval"
	TraitScheduleDisabledFlag  = "schedule-disabled"
	TraitScheduleUntilPast     = "schedule-until-past"
	TraitScheduleUntilFuture   = "schedule-until-future"
	TraitScheduleActive        = "schedule-active" // the scheduler would still run it
	TraitParameterized         = "parameterized"
	TraitParamQueryRefPrefix   = "param-query-ref:"   // + id of the dropdown's query
	TraitQueryResultsRefPrefix = "query-results-ref:" // + id in query_<id>
	TraitCopyOfPrefix          = "copy-of:"           // + id it was copied from (case/whitespace changed)
	TraitDataSourceDeleted     = "data-source-deleted"
	TraitDataSourcePaused      = "data-source-paused"
	TraitDataSourceRestricted  = "data-source-restricted" // not visible to UserKey
	TraitKeepTag               = "keep-tag"
	TraitOnDashboard           = "on-dashboard" // a widget on a dashboard the admin lists
	TraitHasAlert              = "has-alert"

	// TraitNeverRun: no latest result, created more than 7 days before Now.
	TraitNeverRun = "never-run"
	// TraitStale: no active schedule, last run more than 90 days before
	// Now, and not updated in those 90 days either.
	TraitStale = "stale"
	// TraitScheduleFailing: the schedule carries "disabled": true, or it is
	// active and its last run is older than 3 periods (daily = 1 day,
	// weekly = 7 days), or it never ran though created over a day ago.
	TraitScheduleFailing = "schedule-failing"
	// TraitOwnerDisabled: the owner is disabled (v5+; v4 has no disabling).
	TraitOwnerDisabled = "owner-disabled"
	// TraitUnused: on no widget of a non-archived dashboard, in no alert,
	// and in the 90 days before Now no view, execute or api_get event on
	// it and no execute_query event whose SQL is its SQL (or that of a
	// query with the same normalized SQL on the same data source; values
	// filled into its parameters count as its SQL).
	TraitUnused = "unused"
	// TraitExternalConsumer: the log has api_get events (query-key
	// downloads) of it.
	TraitExternalConsumer = "external-consumer"
	// TraitScheduledUnviewed: unused and actively scheduled.
	TraitScheduledUnviewed = "scheduled-unviewed"
	// TraitDraftAbandoned: a draft not updated in the 30 days before Now.
	TraitDraftAbandoned = "draft-abandoned"
	// TraitDuplicate: another listed query on the same data source has the
	// same whitespace-normalized, case-insensitive SQL and ran more
	// recently (ties: the higher id is kept); see TraitDuplicateOfPrefix.
	TraitDuplicate         = "duplicate"
	TraitDuplicateOfPrefix = "duplicate-of:" // + id of the member kept
	// TraitDataSourceMissing: the data source was deleted or is paused.
	TraitDataSourceMissing = "data-source-missing"
	// TraitBrokenReference: a query parameter or query_<id> of the Query
	// Results data source points at a query the admin's list does not show:
	// archived, missing, on a deleted data source, or (v4) another user's
	// draft.
	TraitBrokenReference = "broken-reference"
)

// The default thresholds of the audit (issue 3).
const (
	auditStaleAfter         = 90 * day
	auditUnusedAfter        = 90 * day
	auditNeverRunAfter      = 7 * day
	auditDraftAbandonedDays = 30 * day
)

// computeTraits adds the schedule facts and the expected findings to every
// generated query (see the Trait constants).
func computeTraits(out *generated, d *dialect, now time.Time) {
	byID := make(map[int]*Query, len(out.queries))
	for _, q := range out.queries {
		byID[q.ID] = q
	}
	vizQuery := map[int]int{}
	for _, q := range out.queries {
		for _, v := range q.Visualizations {
			vizQuery[v.ID] = q.ID
		}
	}
	onDash := map[int]bool{}
	for _, db := range out.dashboards {
		if db.IsArchived || (db.IsDraft && db.UserID != userAdmin) {
			continue // the admin's dashboard list does not show it (§9.1)
		}
		for _, w := range db.Widgets {
			if qid := vizQuery[w.VisualizationID]; qid != 0 {
				onDash[qid] = true
			}
		}
	}
	hasAlert := map[int]bool{}
	for _, a := range out.alerts {
		hasAlert[a.QueryID] = true
	}
	// listed: what the admin's GET /api/queries shows (§5.1, §5.4).
	listed := func(q *Query) bool {
		return !q.IsArchived && q.DataSourceID != 0 && (d.major >= 5 || !q.IsDraft || q.UserID == userAdmin)
	}
	// Executions are matched by SQL text and data source (§11, §17): an
	// execution of one query is evidence for every listed query with the
	// same normalized SQL on the same data source.
	type sqlKey struct {
		ds  int
		sql string
	}
	key := func(q *Query) sqlKey { return sqlKey{q.DataSourceID, normalizeSQL(q.SQL)} }
	groups := map[sqlKey][]*Query{}
	for _, q := range out.queries {
		if listed(q) {
			groups[key(q)] = append(groups[key(q)], q)
		}
	}
	usedSince := now.Add(-auditUnusedAfter)
	used := map[int]bool{}
	external := map[int]bool{}
	for i := range out.events {
		e := &out.events[i]
		qid := int(e.queryID)
		if qid == 0 {
			continue
		}
		action := out.actions.name(e.action)
		if action == actAPIGet {
			external[qid] = true
		}
		if time.Unix(e.at, 0).Before(usedSince) {
			continue
		}
		switch action {
		case actView, actExecute, actAPIGet:
			if out.objTypes.name(e.objType) == "query" {
				used[qid] = true
			}
		case actExecuteQuery:
			if q := byID[qid]; q != nil && q.DataSourceID != 0 {
				for _, m := range groups[key(q)] {
					used[m.ID] = true
				}
			}
		}
	}
	usersByID := map[int]*User{}
	for _, u := range out.users {
		usersByID[u.ID] = u
	}
	dsByID := map[int]*DataSource{}
	for _, s := range out.dataSources {
		dsByID[s.ID] = s
	}
	broken := func(ref int) bool {
		r := byID[ref]
		return r == nil || !listed(r)
	}

	for _, q := range out.queries {
		var t []string
		if q.IsDraft {
			t = append(t, TraitDraft)
		}
		if q.IsArchived {
			t = append(t, TraitArchived)
		}
		sched, _ := parseSchedule(q.Schedule)
		active := sched.Active(now)
		if sched != nil {
			t = append(t, TraitScheduled, sched.kind())
			if sched.StringInterval && !sched.Legacy {
				t = append(t, TraitScheduleStringInt)
			}
			if sched.Disabled {
				t = append(t, TraitScheduleDisabledFlag)
			}
			if sched.Until != "" {
				if u, err := time.Parse("2006-01-02", sched.Until); err == nil && now.Before(u) {
					t = append(t, TraitScheduleUntilFuture)
				} else {
					t = append(t, TraitScheduleUntilPast)
				}
			}
			if active {
				t = append(t, TraitScheduleActive)
			}
			if q.IsArchived {
				t = append(t, TraitSoftArchived)
			}
		}
		if s := dsByID[q.DataSourceID]; s != nil {
			if s.Paused {
				t = append(t, TraitDataSourcePaused)
			}
			if s.ID == dsFinance {
				t = append(t, TraitDataSourceRestricted)
			}
		}
		if onDash[q.ID] {
			t = append(t, TraitOnDashboard)
		}
		if hasAlert[q.ID] {
			t = append(t, TraitHasAlert)
		}
		q.Traits = append(q.Traits, t...)
		if q.DataSourceID == 0 {
			q.Traits = append(q.Traits, TraitDataSourceMissing)
		}
		if !listed(q) {
			continue
		}

		var f []string
		ran := !q.RetrievedAt.IsZero()
		if !ran && q.CreatedAt.Before(now.Add(-auditNeverRunAfter)) {
			f = append(f, TraitNeverRun)
		}
		if !active && ran && q.RetrievedAt.Before(now.Add(-auditStaleAfter)) && q.UpdatedAt.Before(now.Add(-auditStaleAfter)) {
			f = append(f, TraitStale)
		}
		if sched != nil && (sched.Disabled || (active && ((ran && q.RetrievedAt.Before(now.Add(-3*sched.Period()))) || (!ran && q.CreatedAt.Before(now.Add(-day)))))) {
			f = append(f, TraitScheduleFailing)
		}
		if u := usersByID[q.UserID]; d.userDisabled && u != nil && !u.DisabledAt.IsZero() {
			f = append(f, TraitOwnerDisabled)
		}
		isUsed := used[q.ID] || onDash[q.ID] || hasAlert[q.ID]
		if !isUsed {
			f = append(f, TraitUnused)
		}
		if external[q.ID] {
			f = append(f, TraitExternalConsumer)
		}
		if !isUsed && active {
			f = append(f, TraitScheduledUnviewed)
		}
		if q.IsDraft && q.UpdatedAt.Before(now.Add(-auditDraftAbandonedDays)) {
			f = append(f, TraitDraftAbandoned)
		}
		if s := dsByID[q.DataSourceID]; s != nil && s.Paused {
			f = append(f, TraitDataSourceMissing)
		}
		isBroken := false
		for _, p := range q.Parameters {
			if p.Type == "query" && broken(p.QueryID) {
				isBroken = true
			}
		}
		for _, tr := range q.Traits {
			if n, ok := cutPrefixInt(tr, TraitQueryResultsRefPrefix); ok && broken(n) {
				isBroken = true
			}
		}
		if isBroken {
			f = append(f, TraitBrokenReference)
		}
		q.Traits = append(q.Traits, f...)
	}

	// Duplicates: every member of a group but the most recently executed.
	for _, members := range groups {
		if len(members) < 2 {
			continue
		}
		keep := members[0]
		for _, m := range members[1:] {
			if m.RetrievedAt.After(keep.RetrievedAt) || (m.RetrievedAt.Equal(keep.RetrievedAt) && m.ID > keep.ID) {
				keep = m
			}
		}
		for _, m := range members {
			if m != keep {
				m.Traits = append(m.Traits, TraitDuplicate, fmt.Sprintf("%s%d", TraitDuplicateOfPrefix, keep.ID))
			}
		}
	}
}

func cutPrefixInt(s, prefix string) (int, bool) {
	if len(s) <= len(prefix) || s[:len(prefix)] != prefix {
		return 0, false
	}
	n, err := strconv.Atoi(s[len(prefix):])
	return n, err == nil
}
