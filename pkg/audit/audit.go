package audit

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redashctl/redashctl/pkg/redash"
)

// Options are the knobs of an audit.
type Options struct {
	// Now is the audit's clock; the zero time is an error (tests inject it).
	Now time.Time
	// Thresholds are the rules' limits; zero fields take the defaults.
	Thresholds Thresholds
	// KeepTag marks queries that never enter an archive plan; "" means none.
	KeepTag string
}

// Finding is one rule that fired on a query.
type Finding struct {
	Code Code
	// Weak is set when evidence the rule needs could not be read (no events
	// with a non-admin key, a stopped events log, hidden widgets…): the
	// finding is likely but unproven.
	Weak bool
	// Detail says, in one sentence, what triggered it.
	Detail string
}

// BrokenRef is a reference to a query that cannot be used.
type BrokenRef struct {
	// QueryID is the query referred to.
	QueryID int
	// Via is "parameter <name>" or "query_<id>" (Query Results).
	Via string
	// State is "archived", "missing" (not listed: deleted, or on a deleted
	// data source) or "not visible" (a non-admin key may not see it).
	State string
}

// Evidence is what the rules looked at for one query.
type Evidence struct {
	// OwnerDisabled is set when the owner's account is disabled.
	OwnerDisabled bool
	// DataSource is the query's data source; nil when it was deleted or is
	// not visible.
	DataSource *redash.DataSource
	// Dashboards and Alerts are the ids of the non-archived dashboards
	// showing it and of the alerts watching it.
	Dashboards []int
	Alerts     []int
	// EventsRead is set when the events log was read; the counts below are
	// zero otherwise.
	EventsRead bool
	// Views counts view and UI execute events on the query in the window;
	// Runs the executions of its SQL on its data source; Downloads the
	// api_get events (query-key downloads).
	Views, Runs, Downloads int
	// LastUsedAt is the newest of those events, nil when none.
	LastUsedAt *time.Time
	// RunsPerDay estimates how often an active schedule runs it; 0 when it
	// has no active schedule.
	RunsPerDay float64
	// DuplicateOf is the query kept among its duplicates, 0 when none.
	DuplicateOf int
	// BrokenRefs are its unusable references.
	BrokenRefs []BrokenRef
}

// Result is one audited query and what was found.
type Result struct {
	Query *redash.Query
	// Hidden is set for a query the lists skip, found by probing its id.
	Hidden bool
	// Keep is set when the query carries the keep tag.
	Keep     bool
	Findings []Finding
	Evidence Evidence
}

// Codes returns the codes of r's findings, in report order.
func (r *Result) Codes() []Code {
	out := make([]Code, len(r.Findings))
	for i, f := range r.Findings {
		out[i] = f.Code
	}
	return out
}

// Finding returns r's finding with code c, or nil.
func (r *Result) Finding(c Code) *Finding {
	for i := range r.Findings {
		if r.Findings[i].Code == c {
			return &r.Findings[i]
		}
	}
	return nil
}

// Has reports whether r has a finding with code c.
func (r *Result) Has(c Code) bool { return r.Finding(c) != nil }

// Limitation is a rule that lost evidence, and why.
type Limitation struct {
	Codes  []Code
	Reason string
}

// EventsStatus says whether the events log could be trusted.
type EventsStatus struct {
	// Read is set when the log was read.
	Read bool
	// Events is how many events of the window were read.
	Events int
	// Since is the window start; Newest the newest event read.
	Since, Newest time.Time
	// NewestRun is the newest execution among the audited queries.
	NewestRun time.Time
	// Stopped is set when the newest event is older than the newest run by
	// more than the allowed lag: no worker writes the log any more.
	Stopped bool
	// Partial is set when the log does not reach back to Since, nor to the
	// creation of every audited query.
	Partial bool
}

// GapReport is about ids the lists skip.
type GapReport struct {
	// Count is how many ids from 1 to the highest known id are neither
	// listed nor known archived (before probing).
	Count int
	// MaxID is the highest id known.
	MaxID int
	// Reasons are the possible causes for this version and key.
	Reasons []string
	// Probed is how many ids were fetched one by one; Hidden were found
	// live, Archived found archived, NotFound not found at all.
	Probed, Hidden, Archived, NotFound int
}

// Report is the outcome of an audit.
type Report struct {
	Now        time.Time
	Thresholds Thresholds
	KeepTag    string
	Version    redash.Version
	Admin      bool
	// Audited is how many queries were audited (listed and hidden).
	Audited int
	// Kept is how many audited queries carry the keep tag.
	Kept int
	// Results holds every audited query with at least one finding, by id.
	Results     []Result
	Limitations []Limitation
	Events      EventsStatus
	Gaps        GapReport
}

// Count returns how many results have code c (weak ones included).
func (r *Report) Count(c Code) int {
	n := 0
	for i := range r.Results {
		if r.Results[i].Has(c) {
			n++
		}
	}
	return n
}

var queryResultsRef = regexp.MustCompile(`(?i)\bquery_(\d+)\b`)

// Run audits an inventory.
func Run(inv *Inventory, opts Options) (*Report, error) {
	if opts.Now.IsZero() {
		return nil, fmt.Errorf("audit: no clock given")
	}
	th := fillThresholds(opts.Thresholds)
	if err := th.Validate(); err != nil {
		return nil, err
	}
	if l := inv.Events; l != nil && !l.Since().Equal(opts.Now.Add(-th.UnusedAfter)) {
		return nil, fmt.Errorf("audit: the events log was read from %s, but the usage window starts at %s",
			l.Since().UTC().Format(time.RFC3339), opts.Now.Add(-th.UnusedAfter).UTC().Format(time.RFC3339))
	}
	a := &auditor{inv: inv, now: opts.Now.UTC(), th: th, keepTag: opts.KeepTag}
	return a.run(), nil
}

func fillThresholds(t Thresholds) Thresholds {
	d := DefaultThresholds()
	if t.NeverRunAfter == 0 {
		t.NeverRunAfter = d.NeverRunAfter
	}
	if t.StaleAfter == 0 {
		t.StaleAfter = d.StaleAfter
	}
	if t.UnusedAfter == 0 {
		t.UnusedAfter = d.UnusedAfter
	}
	if t.DraftAbandonedAfter == 0 {
		t.DraftAbandonedAfter = d.DraftAbandonedAfter
	}
	if t.FailingPeriods == 0 {
		t.FailingPeriods = d.FailingPeriods
	}
	if t.FailingNeverRanAfter == 0 {
		t.FailingNeverRanAfter = d.FailingNeverRanAfter
	}
	if t.EventsMaxLag == 0 {
		t.EventsMaxLag = d.EventsMaxLag
	}
	return t
}

type auditor struct {
	inv     *Inventory
	now     time.Time
	th      Thresholds
	keepTag string

	listed   map[int]*redash.Query
	archived map[int]bool
	hidden   map[int]*redash.Query
	probed   map[int]bool
	sources  map[int]*redash.DataSource
	disabled map[int]bool
	dash     map[int][]int
	alerts   map[int][]int

	// unusedWeak is why unused lacks evidence ("" when it does not).
	unusedWeak string
	// usage holds each audited query's evidence from the events log.
	usage map[int]*use
}

func (a *auditor) run() *Report {
	inv := a.inv
	rep := &Report{Now: a.now, Thresholds: a.th, KeepTag: a.keepTag, Version: inv.Version, Admin: inv.Admin}
	a.index()

	queries := make([]*redash.Query, 0, len(inv.Queries))
	for i := range inv.Queries {
		q := &inv.Queries[i]
		if q.IsArchived {
			continue // the lists never return one; a caller's mistake should not count
		}
		queries = append(queries, q)
	}
	rep.Events = a.eventsStatus(queries)
	rep.Limitations = a.limitations(&rep.Events)
	a.usage = a.matchEvents(queries)
	dups := duplicates(queries)

	for _, q := range queries {
		r := Result{Query: q, Keep: a.keepTag != "" && slices.Contains(q.Tags, a.keepTag)}
		a.evaluate(&r, dups)
		rep.Audited++
		if r.Keep {
			rep.Kept++
		}
		if len(r.Findings) > 0 {
			rep.Results = append(rep.Results, r)
		}
	}
	for i := range inv.Hidden {
		q := &inv.Hidden[i]
		if q.IsArchived || a.listed[q.ID] != nil {
			continue
		}
		r := Result{Query: q, Hidden: true, Keep: a.keepTag != "" && slices.Contains(q.Tags, a.keepTag)}
		a.evaluateHidden(&r)
		rep.Audited++
		if r.Keep {
			rep.Kept++
		}
		if len(r.Findings) > 0 {
			rep.Results = append(rep.Results, r)
		}
	}
	slices.SortFunc(rep.Results, func(x, y Result) int { return x.Query.ID - y.Query.ID })
	rep.Gaps = a.gaps()
	return rep
}

func (a *auditor) index() {
	inv := a.inv
	a.listed = make(map[int]*redash.Query, len(inv.Queries))
	for i := range inv.Queries {
		if !inv.Queries[i].IsArchived {
			a.listed[inv.Queries[i].ID] = &inv.Queries[i]
		}
	}
	a.archived = map[int]bool{}
	for _, id := range inv.ArchivedIDs {
		a.archived[id] = true
	}
	a.hidden = map[int]*redash.Query{}
	for i := range inv.Hidden {
		q := &inv.Hidden[i]
		if q.IsArchived {
			a.archived[q.ID] = true
		} else {
			a.hidden[q.ID] = q
		}
	}
	a.probed = map[int]bool{}
	for _, id := range inv.Probed {
		a.probed[id] = true
	}
	a.sources = map[int]*redash.DataSource{}
	for i := range inv.DataSources {
		a.sources[inv.DataSources[i].ID] = &inv.DataSources[i]
	}
	a.disabled = map[int]bool{}
	for _, id := range inv.DisabledUserIDs {
		a.disabled[id] = true
	}
	a.dash = map[int][]int{}
	for _, d := range inv.Dashboards {
		for _, qid := range uniqueInts(d.QueryIDs) {
			a.dash[qid] = append(a.dash[qid], d.ID)
		}
	}
	a.alerts = map[int][]int{}
	for _, al := range inv.Alerts {
		if !slices.Contains(a.alerts[al.QueryID], al.ID) {
			a.alerts[al.QueryID] = append(a.alerts[al.QueryID], al.ID)
		}
	}
	for _, ids := range a.dash {
		slices.Sort(ids)
	}
	for _, ids := range a.alerts {
		slices.Sort(ids)
	}
}

func (a *auditor) eventsStatus(queries []*redash.Query) EventsStatus {
	st := EventsStatus{Since: a.now.Add(-a.th.UnusedAfter)}
	for _, q := range queries {
		if q.RetrievedAt != nil && q.RetrievedAt.After(st.NewestRun) {
			st.NewestRun = *q.RetrievedAt
		}
	}
	l := a.inv.Events
	if l == nil {
		return st
	}
	st.Read = true
	st.Events = l.inWin
	st.Newest = l.newest
	// A log that ends inside the window is complete only when it is older
	// than every query (a young instance).
	if !l.covered {
		for _, q := range queries {
			if l.oldest.IsZero() || q.CreatedAt.Before(l.oldest) {
				st.Partial = true
				break
			}
		}
	}
	if !st.NewestRun.IsZero() && st.NewestRun.After(st.Since) &&
		(l.newest.IsZero() || st.NewestRun.Sub(l.newest) > a.th.EventsMaxLag) {
		st.Stopped = true
	}
	return st
}

// limitations lists the rules that lose evidence, and sets unusedWeak.
func (a *auditor) limitations(ev *EventsStatus) []Limitation {
	inv := a.inv
	var out []Limitation
	var weak []string
	add := func(codes []Code, format string, args ...any) {
		out = append(out, Limitation{Codes: codes, Reason: fmt.Sprintf(format, args...)})
	}
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	switch {
	case !ev.Read:
		why := inv.unread(SourceEvents)
		if why == "" {
			why = "the events log was not read"
		}
		add([]Code{Unused, ScheduledUnviewed, ExternalConsumer},
			"%s: unused rests on dashboards and alerts only, so those findings are weak, and external consumers cannot be found", why)
		weak = append(weak, "no events log")
	case ev.Stopped:
		if ev.Newest.IsZero() {
			add([]Code{Unused, ScheduledUnviewed, ExternalConsumer},
				"the events log is empty although queries ran until %s: no worker seems to record events (from Redash 9 the \"default\" RQ queue), so unused is unproven", day(ev.NewestRun))
		} else {
			add([]Code{Unused, ScheduledUnviewed, ExternalConsumer},
				"the newest event is from %s but queries ran until %s: the events log stopped (from Redash 9 events are written by a worker of the \"default\" RQ queue), so unused is unproven", day(ev.Newest), day(ev.NewestRun))
		}
		weak = append(weak, "events log stopped")
	case ev.Partial:
		start := inv.Events.oldest
		if start.IsZero() {
			add([]Code{Unused, ScheduledUnviewed, ExternalConsumer}, "the events log is empty, so unused rests on dashboards and alerts only")
		} else {
			add([]Code{Unused, ScheduledUnviewed, ExternalConsumer},
				"the events log starts on %s, after the window start %s: older use is unknown", day(start), day(ev.Since))
		}
		weak = append(weak, "events log shorter than the window")
	}
	if why := inv.unread(SourceDashboards); why != "" {
		add([]Code{Unused, ScheduledUnviewed}, "%s: widgets are unknown", why)
		weak = append(weak, "dashboards unread")
	} else if n := a.restricted(); n > 0 {
		add([]Code{Unused, ScheduledUnviewed}, "%d widgets hide their query from this key (data sources outside its groups)", n)
		weak = append(weak, "hidden widgets")
	}
	if why := inv.unread(SourceAlerts); why != "" {
		add([]Code{Unused, ScheduledUnviewed}, "%s: alerts are unknown", why)
		weak = append(weak, "alerts unread")
	}
	if why := inv.unread(SourceDataSources); why != "" {
		add([]Code{DataSourceMissing, BrokenReference}, "%s: paused data sources and Query Results references cannot be checked", why)
	}
	if why := inv.unread(SourceUsers); why != "" && !a.embeddedDisabled() {
		add([]Code{OwnerDisabled}, "%s: disabled owners cannot be found", why)
	}
	if !inv.Admin {
		add([]Code{BrokenReference, Duplicate},
			"a non-admin key sees only the queries of its groups: a reference to a query it cannot see is reported as weak, and duplicates in other groups are not found")
	}
	a.unusedWeak = strings.Join(weak, ", ")
	return out
}

// embeddedDisabled reports whether query owners carry their disabled flag
// (v5+), so the users list is not needed for owner-disabled.
func (a *auditor) embeddedDisabled() bool { return a.inv.Version.AtLeast(redash.Version{Major: 5}) }

func (a *auditor) restricted() int {
	n := 0
	for _, d := range a.inv.Dashboards {
		n += d.Restricted
	}
	return n
}

// matchEvents turns the events log into per-query use.
func (a *auditor) matchEvents(queries []*redash.Query) map[int]*use {
	out := map[int]*use{}
	l := a.inv.Events
	if l == nil {
		return out
	}
	get := func(id int) *use {
		u := out[id]
		if u == nil {
			u = &use{}
			out[id] = u
		}
		return u
	}
	merge := func(id int, from *use) {
		u := get(id)
		u.views += from.views
		u.downloads += from.downloads
		u.runs += from.runs
		u.touch(from.last)
	}
	byResult := map[int]int{}
	for _, q := range queries {
		if q.LatestQueryDataID != nil {
			byResult[*q.LatestQueryDataID] = q.ID
		}
	}
	for id, u := range l.byQuery {
		merge(id, u)
	}
	for rid, u := range l.byResult {
		if qid := byResult[rid]; qid != 0 {
			merge(qid, u)
		}
	}
	ix := newSQLIndex(queries)
	for k, u := range l.execs {
		ix.lookup(k, func(i int) {
			x := get(queries[i].ID)
			x.runs += u.runs
			x.touch(u.last)
		})
	}
	return out
}

// duplicates maps each duplicate query's id to the id of the member kept:
// the most recently executed one (ties: the higher id).
func duplicates(queries []*redash.Query) map[int]int {
	type key struct {
		ds  int
		sql string
	}
	groups := map[key][]*redash.Query{}
	for _, q := range queries {
		if q.DataSourceID == nil {
			continue
		}
		k := key{*q.DataSourceID, NormalizeSQL(q.SQL)}
		groups[k] = append(groups[k], q)
	}
	out := map[int]int{}
	for _, members := range groups {
		if len(members) < 2 {
			continue
		}
		keep := members[0]
		for _, m := range members[1:] {
			if newerRun(m, keep) {
				keep = m
			}
		}
		for _, m := range members {
			if m != keep {
				out[m.ID] = keep.ID
			}
		}
	}
	return out
}

func newerRun(a, b *redash.Query) bool {
	ta, tb := runTime(a), runTime(b)
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.ID > b.ID
}

func runTime(q *redash.Query) time.Time {
	if q.RetrievedAt == nil {
		return time.Time{}
	}
	return *q.RetrievedAt
}

func (a *auditor) evaluate(r *Result, dups map[int]int) {
	q := r.Query
	now, th := a.now, a.th
	ev := &r.Evidence
	add := func(c Code, weak bool, format string, args ...any) {
		r.Findings = append(r.Findings, Finding{Code: c, Weak: weak, Detail: fmt.Sprintf(format, args...)})
	}
	ran := q.RetrievedAt != nil
	active := q.Schedule.Active(now)
	if q.DataSourceID != nil {
		ev.DataSource = a.sources[*q.DataSourceID]
	}
	ev.OwnerDisabled = q.User.IsDisabled || a.disabled[ownerID(q)]
	ev.Dashboards = a.dash[q.ID]
	ev.Alerts = a.alerts[q.ID]
	ev.EventsRead = a.inv.Events != nil
	if u := a.usage[q.ID]; u != nil {
		ev.Views, ev.Runs, ev.Downloads = u.views, u.runs, u.downloads
		if !u.last.IsZero() {
			t := u.last
			ev.LastUsedAt = &t
		}
	}
	if active {
		ev.RunsPerDay = float64(24*time.Hour) / float64(q.Schedule.Period())
	}

	if !ran && q.CreatedAt.Before(now.Add(-th.NeverRunAfter)) {
		add(NeverRun, false, "no result since it was created on %s, %s ago", date(q.CreatedAt), ago(now, q.CreatedAt))
	}
	if !active && ran && q.RetrievedAt.Before(now.Add(-th.StaleAfter)) && q.UpdatedAt.Before(now.Add(-th.StaleAfter)) {
		what := "not scheduled"
		if q.Schedule.IsSet() {
			what = "its schedule no longer runs (" + q.Schedule.String() + ")"
		}
		add(Stale, false, "last run on %s, %s ago, last updated on %s; %s", date(*q.RetrievedAt), ago(now, *q.RetrievedAt), date(q.UpdatedAt), what)
	}
	if q.Schedule.IsSet() {
		period := q.Schedule.Period()
		switch {
		case q.Schedule.Disabled:
			add(ScheduleFailing, false, "Redash disabled the schedule (%s) after the scheduler failed on it", q.Schedule.String())
		case active && ran && q.RetrievedAt.Before(now.Add(-time.Duration(th.FailingPeriods*float64(period)))):
			add(ScheduleFailing, false, "scheduled %s but last run on %s, %s ago: more than %g periods", q.Schedule.String(), date(*q.RetrievedAt), ago(now, *q.RetrievedAt), th.FailingPeriods)
		case active && !ran && q.CreatedAt.Before(now.Add(-th.FailingNeverRanAfter)):
			add(ScheduleFailing, false, "scheduled %s but never ran since it was created on %s", q.Schedule.String(), date(q.CreatedAt))
		}
	}
	if ev.OwnerDisabled {
		add(OwnerDisabled, false, "its owner %s is disabled", ownerName(q))
	}
	used := len(ev.Dashboards) > 0 || len(ev.Alerts) > 0 || ev.Views+ev.Runs+ev.Downloads > 0
	if !used {
		weak := a.unusedWeak != ""
		detail := fmt.Sprintf("on no dashboard, in no alert, and no view, run or download since %s", date(now.Add(-th.UnusedAfter)))
		if weak {
			detail += " (weak: " + a.unusedWeak + ")"
		}
		add(Unused, weak, "%s", detail)
	}
	if ev.Downloads > 0 {
		add(ExternalConsumer, false, "%d downloads with its query API key since %s: a job outside Redash reads its results",
			ev.Downloads, date(now.Add(-th.UnusedAfter)))
	}
	if !used && active {
		add(ScheduledUnviewed, a.unusedWeak != "", "unused, yet scheduled %s: about %s runs a day", q.Schedule.String(), perDay(ev.RunsPerDay))
	}
	if q.IsDraft && q.UpdatedAt.Before(now.Add(-th.DraftAbandonedAfter)) {
		add(DraftAbandoned, false, "a draft last updated on %s, %s ago", date(q.UpdatedAt), ago(now, q.UpdatedAt))
	}
	if keep, ok := dups[q.ID]; ok {
		ev.DuplicateOf = keep
		add(Duplicate, false, "same SQL on the same data source as query %d, which ran more recently", keep)
	}
	if ds := ev.DataSource; ds != nil && ds.Paused {
		reason := ""
		if ds.PauseReason != "" {
			reason = ": " + ds.PauseReason
		}
		add(DataSourceMissing, false, "data source %q is paused%s", ds.Name, reason)
	} else if q.DataSourceID == nil {
		add(DataSourceMissing, false, "its data source was deleted")
	}
	a.references(r, add)
}

// evaluateHidden audits a query found by a probe: GET /api/queries/<id>
// carries no latest-result time, so only the data source is judged.
func (a *auditor) evaluateHidden(r *Result) {
	q := r.Query
	ev := &r.Evidence
	if q.DataSourceID != nil {
		ev.DataSource = a.sources[*q.DataSourceID]
	}
	ev.OwnerDisabled = q.User.IsDisabled || a.disabled[ownerID(q)]
	switch {
	case q.DataSourceID == nil:
		r.Findings = append(r.Findings, Finding{Code: DataSourceMissing, Detail: "its data source was deleted, so no list shows it (found by probing its id)"})
	case ev.DataSource != nil && ev.DataSource.Paused:
		r.Findings = append(r.Findings, Finding{Code: DataSourceMissing, Detail: fmt.Sprintf("data source %q is paused", ev.DataSource.Name)})
	}
}

// references checks query-based parameters and Query Results query_<id>.
func (a *auditor) references(r *Result, add func(Code, bool, string, ...any)) {
	q := r.Query
	var refs []BrokenRef
	check := func(id int, via string) {
		state := a.refState(id)
		if state == "" {
			return
		}
		for _, b := range refs {
			if b.QueryID == id && b.Via == via {
				return
			}
		}
		refs = append(refs, BrokenRef{QueryID: id, Via: via, State: state})
	}
	for _, p := range q.Options.Parameters {
		if p.Type == "query" && p.QueryID != nil {
			check(*p.QueryID, "parameter "+p.Name)
		}
	}
	if ds := r.Evidence.DataSource; ds != nil && ds.Type == "results" {
		for _, m := range queryResultsRef.FindAllStringSubmatch(q.SQL, -1) {
			if id, err := strconv.Atoi(m[1]); err == nil {
				check(id, "query_"+m[1])
			}
		}
	}
	if len(refs) == 0 {
		return
	}
	r.Evidence.BrokenRefs = refs
	weak := true
	parts := make([]string, len(refs))
	for i, b := range refs {
		parts[i] = fmt.Sprintf("%s points at query %d, which is %s", b.Via, b.QueryID, b.State)
		if b.State != "not visible" {
			weak = false
		}
	}
	add(BrokenReference, weak, "%s", strings.Join(parts, "; "))
}

// refState is "" for a usable query, else why it is not.
func (a *auditor) refState(id int) string {
	switch {
	case a.listed[id] != nil:
		return ""
	case a.archived[id]:
		return "archived"
	case a.hidden[id] != nil:
		if a.hidden[id].DataSourceID == nil {
			return "missing"
		}
		return ""
	case !a.inv.Admin && !a.probed[id]:
		return "not visible"
	}
	return "missing"
}

func (a *auditor) gaps() GapReport {
	inv := a.inv
	g := GapReport{Count: len(inv.Gaps()), MaxID: inv.maxID(), Reasons: inv.gapReasons(), Probed: len(inv.Probed)}
	found := map[int]*redash.Query{}
	for i := range inv.Hidden {
		found[inv.Hidden[i].ID] = &inv.Hidden[i]
	}
	for _, id := range inv.Probed {
		switch q := found[id]; {
		case q == nil:
			g.NotFound++
		case q.IsArchived:
			g.Archived++
		default:
			g.Hidden++
		}
	}
	return g
}

func ownerID(q *redash.Query) int {
	if q.User.ID != 0 {
		return q.User.ID
	}
	return q.UserID
}

func ownerName(q *redash.Query) string {
	switch {
	case q.User.Email != "":
		return q.User.Email
	case q.User.Name != "":
		return q.User.Name
	}
	return "user " + strconv.Itoa(ownerID(q))
}

func date(t time.Time) string { return t.UTC().Format("2006-01-02") }

// ago renders a duration in whole days ("3 days"), or hours under two days.
func ago(now, t time.Time) string {
	d := now.Sub(t)
	if d < 48*time.Hour {
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

func perDay(x float64) string {
	if x >= 10 || x == float64(int(x)) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}
