// Package livestatus reads what a running Redash tells about itself (version,
// queues and workers, object counts, data sources, schedules, and on request
// groups and organization settings) for
// `redashctl status`, `status diff` and `upgrade check`.
//
// Each part is read on its own: a part the API key may not read, or that
// fails, becomes a Gap and the other parts are still filled. Only the session
// is essential; without it Read fails.
package livestatus

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/pkg/redash"
)

// Parts of a Snapshot, as named in Gap.Part.
const (
	PartCounts          = "counts"
	PartDataSources     = "data_sources"
	PartServer          = "server"
	PartQueues          = "queues"
	PartWorkers         = "workers"
	PartTasks           = "tasks"
	PartOutdatedQueries = "outdated_queries"
	PartSchedules       = "schedules"
	PartGroups          = "groups"
	PartOrgSettings     = "org_settings"
)

// Job systems, as in Snapshot.JobSystem.
const (
	JobSystemCelery = "celery"
	JobSystemRQ     = "rq"
)

// Options select what Read fetches beyond the default parts.
type Options struct {
	// Schedules lists every query (through the list endpoints only, never GET
	// /api/queries/<id>) to count schedules.
	Schedules bool
	// Now is the clock schedules are judged against.
	Now time.Time
	// Org reads the groups (GET /api/groups) and, with an admin key, the
	// organization settings (GET /api/settings/organization).
	Org bool
}

// Snapshot is what one Redash instance told about itself. Pointer and slice
// fields are null when the part could not be read; Gaps says why.
type Snapshot struct {
	URL string `json:"url"`
	// Org is the org slug the key belongs to ("default" on a single-org Redash).
	Org string `json:"org"`
	// MultiOrg is true when the profile addresses the instance with an org prefix.
	MultiOrg bool `json:"multi_org"`
	// Version is the release as major.minor.patch; VersionReported is the string the server
	// sent ("8.0.0+b32245").
	Version         string `json:"version"`
	VersionReported string `json:"version_reported"`
	// JobSystem is celery (v4–v8) or rq (v9 and later).
	JobSystem string `json:"job_system"`
	User      User   `json:"user"`

	Counts          *Counts        `json:"counts"`
	Server          *Server        `json:"server"`
	Queues          []Queue        `json:"queues"`
	Workers         []Worker       `json:"workers"`
	Tasks           map[string]int `json:"tasks"`
	DataSources     []DataSource   `json:"data_sources"`
	OutdatedQueries *int           `json:"outdated_queries"`
	Schedules       *Schedules     `json:"schedules,omitempty"`
	// Groups and OrgSettings are read only when Options.Org asks for them.
	Groups []Group `json:"groups,omitempty"`
	// OrgSettings are the organization settings by key, values as Redash sent them.
	OrgSettings map[string]any `json:"org_settings,omitempty"`
	// Gaps lists what could not be read, one entry per part.
	Gaps []Gap `json:"missing"`
}

// User is the owner of the API key.
type User struct {
	Name       string `json:"name"`
	Email      string `json:"email"`
	Admin      bool   `json:"admin"`
	SuperAdmin bool   `json:"super_admin"`
}

// Counts are the org's object counters (GET /api/organization/status), in the
// key's groups.
type Counts struct {
	Queries     int `json:"queries"`
	Dashboards  int `json:"dashboards"`
	Users       int `json:"users"`
	Alerts      int `json:"alerts"`
	DataSources int `json:"data_sources"`
}

// Server holds the instance-wide figures of GET /status.json (super-admin).
type Server struct {
	Queries            int    `json:"queries"`
	QueryResults       int    `json:"query_results"`
	UnusedQueryResults int    `json:"unused_query_results"`
	Dashboards         int    `json:"dashboards"`
	Widgets            int    `json:"widgets"`
	RedisUsedMemory    int64  `json:"redis_used_memory"`
	LastRefreshAt      string `json:"last_refresh_at,omitempty"`
}

// Queue is a job queue and its size.
type Queue struct {
	Name string `json:"name"`
	// Queued is the number of jobs waiting.
	Queued int `json:"queued"`
	// Running is the number of jobs being executed (RQ only); null when unknown.
	Running *int `json:"running"`
}

// Worker is a worker process. On RQ releases Queues are the queues it
// listens to; on Celery v7–v8, which report no workers, it is a worker seen
// running tasks and Queues are the queues of those tasks.
type Worker struct {
	Name           string     `json:"name"`
	Hostname       string     `json:"hostname,omitempty"`
	PID            int        `json:"pid,omitempty"`
	Queues         []string   `json:"queues"`
	State          string     `json:"state"`
	CurrentJob     string     `json:"current_job,omitempty"`
	SuccessfulJobs int        `json:"successful_jobs"`
	FailedJobs     int        `json:"failed_jobs"`
	LastHeartbeat  *time.Time `json:"last_heartbeat"`
}

// DataSource is a data source as GET /api/data_sources lists it.
type DataSource struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"`
	Paused   bool   `json:"paused"`
	ViewOnly bool   `json:"view_only"`
}

// Group is a user group as GET /api/groups lists it.
type Group struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// Type is builtin or regular.
	Type string `json:"type"`
	// Permissions are sorted.
	Permissions []string `json:"permissions"`
}

// Schedules counts the schedules of the listed queries.
type Schedules struct {
	// Queries is the number of queries listed (non-archived, in the key's groups).
	Queries int `json:"queries"`
	// Scheduled counts active schedules: set, not disabled, with a period, not past until.
	Scheduled int `json:"scheduled"`
	// Weekly counts active schedules with a day of the week.
	Weekly int `json:"weekly"`
	// Inactive counts schedules that are set but no longer run.
	Inactive int `json:"inactive"`
	// Legacy counts v4–v6 string schedules.
	Legacy int `json:"legacy"`
	// StringIntervals counts v7+ schedules whose interval is stored as a
	// numeric string, as the v7/v8 migration of v6 schedules left them.
	StringIntervals int `json:"string_intervals"`
	// StringIntervalQueries are the ids of those queries, ascending.
	StringIntervalQueries []int `json:"-"`
}

// Gap is a part of the snapshot that is missing or incomplete.
type Gap struct {
	Part   string `json:"part"`
	Reason string `json:"reason"`
	// Failed is true when reading the part failed (an error, not a permission the key lacks).
	Failed bool `json:"failed"`
}

// Failed reports whether some part failed to be read.
func (s *Snapshot) Failed() bool {
	return slices.ContainsFunc(s.Gaps, func(g Gap) bool { return g.Failed })
}

// ErrQueryKey is returned for a query API key, which reads only its query.
var ErrQueryKey = errors.New("this is a query API key, which can read only its own query: use a user's API key (Settings → Account)")

// Read reads a snapshot of the instance behind client. url names it in the
// snapshot. It fails only when the session cannot be read or ctx ends.
func Read(ctx context.Context, client *redash.Client, url string, o Options) (*Snapshot, error) {
	sess, err := client.Session(ctx)
	if err != nil {
		return nil, err
	}
	if sess.IsQueryKey() {
		return nil, &cmdutil.AuthError{Err: ErrQueryKey}
	}
	version, err := client.Version(ctx)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{
		URL:             url,
		Org:             sess.OrgSlug,
		MultiOrg:        client.Org() != "",
		Version:         version.String(),
		VersionReported: sess.Version,
		JobSystem:       JobSystemCelery,
		User: User{
			Name: sess.User.Name, Email: sess.User.Email,
			Admin: sess.IsAdmin(), SuperAdmin: sess.IsSuperAdmin(),
		},
	}
	if version.HasRQ() {
		s.JobSystem = JobSystemRQ
	}

	r := &reader{client: client, s: s, gaps: map[string]Gap{}}
	var wg sync.WaitGroup
	run := func(f func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx)
		}()
	}
	run(r.counts)
	run(r.dataSources)
	if o.Schedules {
		run(func(ctx context.Context) { r.schedules(ctx, o.Now) })
	}
	if o.Org {
		run(r.groups)
		if s.User.Admin {
			run(r.orgSettings)
		}
	}
	if s.User.SuperAdmin {
		run(r.status)
		if s.JobSystem == JobSystemRQ {
			run(r.rqStatus)
		} else {
			run(r.tasks)
		}
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.finish(version, o)
	return s, nil
}

// reader fills one snapshot from concurrent requests.
type reader struct {
	client *redash.Client
	mu     sync.Mutex
	s      *Snapshot
	gaps   map[string]Gap
	// statusQueues are the queue sizes of /status.json, used when the RQ status is
	// unavailable and as the only source on Celery releases.
	statusQueues []Queue
	outdated     *int
}

func (r *reader) fail(part, what string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gaps[part] = Gap{Part: part, Reason: what + ": " + oneLine(err), Failed: true}
}

// refused records a super-admin endpoint that turned the key away: a permission the key
// lacks there rather than a failure. On a multi-org Redash those endpoints are not org-scoped
// and answer only keys of the org with slug "default".
func (r *reader) refused(part, what string, err error) {
	if !errors.Is(err, redash.ErrUnauthorized) && !errors.Is(err, redash.ErrForbidden) {
		r.fail(part, what, err)
		return
	}
	reason := what + ": the server refused the key (" + oneLine(err) + ")"
	if r.s.MultiOrg {
		reason = what + ": needs a super-admin key of the org \"default\" (the admin endpoints are not org-scoped on a multi-org Redash)"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gaps[part] = Gap{Part: part, Reason: reason}
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func (r *reader) counts(ctx context.Context) {
	c, err := r.client.OrganizationStatus(ctx)
	if err != nil {
		r.fail(PartCounts, "object counts", err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Counts = &Counts{Queries: c.Queries, Dashboards: c.Dashboards, Users: c.Users, Alerts: c.Alerts, DataSources: c.DataSources}
}

func (r *reader) dataSources(ctx context.Context) {
	list, err := r.client.DataSources.List(ctx)
	if err != nil {
		r.fail(PartDataSources, "data sources", err)
		return
	}
	out := make([]DataSource, 0, len(list))
	for _, d := range list {
		out = append(out, DataSource{ID: d.ID, Name: d.Name, Type: d.Type, Paused: d.Paused, ViewOnly: d.ViewOnly})
	}
	slices.SortFunc(out, func(a, b DataSource) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return a.ID - b.ID
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.DataSources = out
}

func (r *reader) groups(ctx context.Context) {
	list, err := r.client.Groups.List(ctx)
	if err != nil {
		r.fail(PartGroups, "groups", err)
		return
	}
	out := make([]Group, 0, len(list))
	for _, g := range list {
		perms := slices.Clone(g.Permissions)
		slices.Sort(perms)
		out = append(out, Group{ID: g.ID, Name: g.Name, Type: g.Type, Permissions: perms})
	}
	slices.SortFunc(out, func(a, b Group) int {
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return a.ID - b.ID
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Groups = out
}

// orgSettings reads the organization settings. A key the server turns away
// lacks a permission (an admin's) rather than failing.
func (r *reader) orgSettings(ctx context.Context) {
	m, err := r.client.OrganizationSettings(ctx)
	if err != nil {
		if errors.Is(err, redash.ErrUnauthorized) || errors.Is(err, redash.ErrForbidden) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.gaps[PartOrgSettings] = Gap{Part: PartOrgSettings, Reason: "organization settings: the server refused the key (" + oneLine(err) + ")"}
			return
		}
		r.fail(PartOrgSettings, "organization settings", err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.OrgSettings = redactSettings(m)
}

func (r *reader) schedules(ctx context.Context, now time.Time) {
	sc := &Schedules{}
	for q, err := range r.client.Queries.ListIter(ctx, redash.QueryListOptions{}) {
		if err != nil {
			r.fail(PartSchedules, "schedules", fmt.Errorf("list queries: %w", err))
			return
		}
		sc.Queries++
		if !q.Schedule.IsSet() {
			continue
		}
		if q.Schedule.Legacy() {
			sc.Legacy++
		}
		if q.Schedule.StringInterval() {
			sc.StringIntervals++
			sc.StringIntervalQueries = append(sc.StringIntervalQueries, q.ID)
		}
		if !q.Schedule.Active(now) {
			sc.Inactive++
			continue
		}
		sc.Scheduled++
		if q.Schedule.DayOfWeek != "" {
			sc.Weekly++
		}
	}
	slices.Sort(sc.StringIntervalQueries)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Schedules = sc
}

// manager is the scheduler's hash in /status.json; its values are strings, the
// queue sizes numbers.
type manager struct {
	OutdatedQueriesCount json.RawMessage `json:"outdated_queries_count"`
	LastRefreshAt        json.RawMessage `json:"last_refresh_at"`
	Queues               map[string]struct {
		Size json.RawMessage `json:"size"`
	} `json:"queues"`
}

// flexInt reads a JSON number or a string holding one.
func flexInt(raw json.RawMessage) (int, bool) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	if s == "" || s == "null" {
		return 0, false
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return int(f), true
}

func flexString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	return string(raw)
}

func (r *reader) status(ctx context.Context) {
	st, err := r.client.Admin.Status(ctx)
	if err != nil {
		what := "server status, queue sizes and outdated queries"
		if r.s.JobSystem == JobSystemRQ {
			what = "server status and outdated queries"
		}
		r.refused(PartServer, what, err)
		return
	}
	srv := &Server{
		Queries: st.QueriesCount, QueryResults: st.QueryResultsCount, UnusedQueryResults: st.UnusedQueryResultsCount,
		Dashboards: st.DashboardsCount, Widgets: st.WidgetsCount, RedisUsedMemory: st.RedisUsedMemory,
	}
	var m manager
	var queues []Queue
	var outdated *int
	if len(st.Manager) > 0 && json.Unmarshal(st.Manager, &m) == nil {
		srv.LastRefreshAt = flexString(m.LastRefreshAt)
		if n, ok := flexInt(m.OutdatedQueriesCount); ok {
			outdated = &n
		}
		queues = []Queue{}
		for name, q := range m.Queues {
			n, _ := flexInt(q.Size)
			queues = append(queues, Queue{Name: name, Queued: n})
		}
		slices.SortFunc(queues, func(a, b Queue) int { return strings.Compare(a.Name, b.Name) })
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Server = srv
	r.statusQueues = queues
	r.outdated = outdated
}

func (r *reader) rqStatus(ctx context.Context) {
	st, err := r.client.Admin.RQStatus(ctx)
	if err != nil {
		r.refused(PartWorkers, "queues and workers", err)
		return
	}
	queues := make([]Queue, 0, len(st.Queues))
	for key, q := range st.Queues {
		name := q.Name
		if name == "" {
			name = key
		}
		running := len(q.Started)
		queues = append(queues, Queue{Name: name, Queued: q.Queued, Running: &running})
	}
	slices.SortFunc(queues, func(a, b Queue) int { return strings.Compare(a.Name, b.Name) })
	workers := make([]Worker, 0, len(st.Workers))
	for _, w := range st.Workers {
		wk := Worker{
			Name: w.Name, Hostname: w.Hostname, PID: w.PID, Queues: w.Queues, State: w.State,
			CurrentJob: w.CurrentJob, SuccessfulJobs: w.SuccessfulJobs, FailedJobs: w.FailedJobs,
		}
		if wk.Queues == nil {
			wk.Queues = []string{}
		}
		if !w.LastHeartbeat.IsZero() {
			t := w.LastHeartbeat.UTC()
			wk.LastHeartbeat = &t
		}
		workers = append(workers, wk)
	}
	slices.SortFunc(workers, func(a, b Worker) int { return strings.Compare(a.Name, b.Name) })
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Queues = queues
	r.s.Workers = workers
}

func (r *reader) tasks(ctx context.Context) {
	t, err := r.client.Admin.Tasks(ctx)
	if err != nil {
		r.refused(PartTasks, "task list", err)
		return
	}
	counts := map[string]int{}
	var workers []Worker
	if t.Tasks != nil {
		// v7–v8: rows from celery inspect, each naming its worker and queue.
		byName := map[string]*Worker{}
		var order []string
		for _, task := range t.Tasks {
			state, _ := task["state"].(string)
			if state == "" {
				state = "unknown"
			}
			counts[state]++
			name, _ := task["worker"].(string)
			if name == "" {
				continue
			}
			w := byName[name]
			if w == nil {
				w = &Worker{Name: name, Queues: []string{}}
				byName[name] = w
				order = append(order, name)
			}
			if q, _ := task["queue"].(string); q != "" && !slices.Contains(w.Queues, q) {
				w.Queues = append(w.Queues, q)
			}
			if state == "active" {
				w.State = "busy"
			}
		}
		slices.Sort(order)
		workers = []Worker{}
		for _, name := range order {
			w := byName[name]
			slices.Sort(w.Queues)
			if w.State == "" {
				w.State = "idle"
			}
			workers = append(workers, *w)
		}
	} else {
		// v4–v6: the query task tracker's lists.
		counts["waiting"] = len(t.Waiting)
		counts["in_progress"] = len(t.InProgress)
		counts["done"] = len(t.Done)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Tasks = counts
	r.s.Workers = workers
}

// finish settles the parts that depend on several requests and records what is missing.
func (r *reader) finish(version redash.Version, o Options) {
	s := r.s
	if s.Queues == nil && r.statusQueues != nil {
		s.Queues = r.statusQueues
	}
	s.OutdatedQueries = r.outdated
	const superAdmin = "needs a super-admin key"
	if !s.User.SuperAdmin {
		r.gaps[PartServer] = Gap{Part: PartServer, Reason: "instance-wide counts and Redis memory: " + superAdmin + " (GET /status.json)"}
		if s.JobSystem == JobSystemRQ {
			r.gaps[PartQueues] = Gap{Part: PartQueues, Reason: "queues and workers: " + superAdmin + " (GET /api/admin/queries/rq_status)"}
		} else {
			r.gaps[PartQueues] = Gap{Part: PartQueues, Reason: "queues and tasks: " + superAdmin + " (GET /status.json, GET /api/admin/queries/tasks)"}
		}
		r.gaps[PartOutdatedQueries] = Gap{Part: PartOutdatedQueries, Reason: "outdated queries: " + superAdmin + " (GET /status.json)"}
	} else {
		if s.OutdatedQueries == nil {
			if _, failed := r.gaps[PartServer]; !failed {
				r.gaps[PartOutdatedQueries] = Gap{Part: PartOutdatedQueries, Reason: "outdated queries: /status.json has no outdated_queries_count (the scheduler has not run yet)"}
			}
		}
		if s.JobSystem == JobSystemCelery && s.Workers == nil && !version.AtLeast(redash.Version{Major: 7}) {
			r.gaps[PartWorkers] = Gap{Part: PartWorkers, Reason: "workers: Redash " + s.Version + " does not report its Celery workers (only v7 and later list the tasks each worker runs)"}
		}
	}
	if !s.User.Admin && s.DataSources != nil {
		r.gaps[PartDataSources] = Gap{Part: PartDataSources, Reason: "data sources: only those of the key's groups are listed (an admin key lists all)"}
	}
	if o.Org && !s.User.Admin {
		if s.Groups != nil {
			r.gaps[PartGroups] = Gap{Part: PartGroups, Reason: "groups: only the key's own groups are listed (an admin key lists all)"}
		}
		r.gaps[PartOrgSettings] = Gap{Part: PartOrgSettings, Reason: "organization settings: needs an admin key (GET /api/settings/organization)"}
	}
	for _, p := range []string{PartCounts, PartDataSources, PartServer, PartQueues, PartWorkers, PartTasks, PartOutdatedQueries, PartSchedules, PartGroups, PartOrgSettings} {
		if g, ok := r.gaps[p]; ok {
			s.Gaps = append(s.Gaps, g)
		}
	}
	if s.Gaps == nil {
		s.Gaps = []Gap{}
	}
}

// redactSettings hides the values of settings that can hold secrets (SAML
// service-provider keys and the like), so that status diff never prints one;
// whether two instances agree on them is still visible through a digest.
func redactSettings(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		lk := strings.ToLower(k)
		secret := false
		for _, w := range []string{"secret", "password", "private", "key", "token", "cert", "sp_settings"} {
			if strings.Contains(lk, w) {
				secret = true
			}
		}
		switch v.(type) {
		case bool, float64, int, json.Number, nil:
			secret = false // flags and numbers hold no secret
		}
		if secret && v != "" {
			data, _ := json.Marshal(v)
			sum := sha256.Sum256(data)
			v = fmt.Sprintf("(redacted, sha256 %x)", sum[:6])
		}
		out[k] = v
	}
	return out
}
