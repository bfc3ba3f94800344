package fakeredash

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func (x *rctx) routeUsers() bool {
	seg, m := x.seg, x.method()
	switch {
	case len(seg) == 2 && m == http.MethodGet:
		x.listUsers()
		return true
	case len(seg) == 3 && m == http.MethodGet:
		x.getUser(seg[2])
		return true
	}
	return false
}

// parseBoolean is Redash's parse_boolean: anything but true/false raises
// a ValueError, a 500 (§13).
func parseBoolean(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// listUsers serves GET /api/users (§13): v4 a plain array of everyone; v5
// paginated, "disabled" selecting disabled users by its presence; v8+
// disabled=true|false and pending=true|false.
func (x *rctx) listUsers() {
	s, d := x.s, x.s.d
	var users []*User
	if !d.pagedUsers {
		e := newEnc(d, 512*len(s.st.users))
		e.arr()
		for _, u := range s.st.users {
			s.encUser(e, u.ID)
		}
		e.endArr()
		x.json(e.b)
		return
	}
	disabled := false
	var pending *bool
	if d.userPendingFilter {
		if v, ok := x.args["disabled"]; ok {
			b, ok := parseBoolean(v[0])
			if !ok {
				x.internal()
				return
			}
			disabled = b
		}
		if v, ok := x.args["pending"]; ok {
			b, ok := parseBoolean(v[0])
			if !ok {
				x.internal()
				return
			}
			pending = &b
		}
	} else {
		_, disabled = x.args["disabled"]
	}
	term := strings.ToLower(x.args.Get("q"))
	for _, u := range s.st.users {
		if disabled != !u.DisabledAt.IsZero() {
			continue
		}
		if pending != nil && *pending != u.InvitationPending {
			continue
		}
		if term != "" && !strings.Contains(strings.ToLower(u.Name), term) && !strings.Contains(strings.ToLower(u.Email), term) {
			continue
		}
		users = append(users, u)
	}
	order := strings.TrimSpace(x.args.Get("order"))
	desc := strings.HasPrefix(order, "-")
	field := strings.TrimPrefix(order, "-")
	switch field {
	case "name", "created_at", "groups":
	case "active_at":
		if !d.userPendingFilter {
			field, desc = "created_at", true
		}
	default:
		field, desc = "created_at", true
	}
	if term == "" || order != "" {
		slices.SortStableFunc(users, func(a, b *User) int {
			r := 0
			switch field {
			case "name":
				r = strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
			case "groups":
				r = slices.Compare(a.Groups, b.Groups)
			case "active_at":
				r = a.ActiveAt.Compare(b.ActiveAt)
			default:
				r = a.CreatedAt.Compare(b.CreatedAt)
			}
			if r == 0 {
				r = a.ID - b.ID
			}
			if desc {
				r = -r
			}
			return r
		})
	}
	page, size := x.pageArgs()
	start, end, ok := x.checkPage(len(users), page, size)
	if !ok {
		return
	}
	groupName := map[int]string{}
	for _, g := range s.st.groups {
		groupName[g.ID] = g.Name
	}
	x.writePage(len(users), page, size, start, end, func(e *enc, i int) {
		u := users[i]
		s.encUserFields(e, u, func(e *enc) {
			e.arr()
			for _, id := range u.Groups {
				e.obj()
				e.key("id")
				e.integer(id)
				e.key("name")
				e.str(groupName[id])
				e.endObj()
			}
			e.endArr()
		})
	})
	if d.serverEvents {
		action := actList
		if term != "" {
			action = actSearch
		}
		s.recordEvent(x.c, action, "user", "")
	}
}

func (x *rctx) getUser(idStr string) {
	s, c := x.s, x.c
	id, ok := x.id(idStr)
	if !ok {
		return
	}
	u := s.st.userByID[id]
	if u == nil {
		x.notFound()
		return
	}
	e := newEnc(s.d, 1024)
	b := s.userJSON(u)
	if c.admin || c.userID() == u.ID {
		// to_dict(with_api_key=True) for admins and the user themself.
		b = append(b[:len(b)-1], []byte(`, "api_key": `)...)
		b = appendString(b, u.APIKey)
		b = append(b, '}')
	}
	e.raw(b)
	x.json(e.b)
	if s.d.serverEvents {
		s.recordEvent(c, actView, "user", strconv.Itoa(u.ID))
	}
}

func (x *rctx) routeDataSources() bool {
	seg, m := x.seg, x.method()
	switch {
	case len(seg) == 2 && m == http.MethodGet:
		x.listDataSources()
		return true
	case len(seg) == 3 && m == http.MethodGet:
		x.getDataSource(seg[2])
		return true
	}
	return false
}

// visibleDataSources: admins see all, others their groups' (§13).
func (x *rctx) visibleDataSources() []*DataSource {
	var out []*DataSource
	for _, ds := range x.s.st.dataSources {
		if ds.Deleted {
			continue
		}
		if x.c.admin || x.c.listsDS(ds.ID) {
			out = append(out, ds)
		}
	}
	return out
}

// encDataSourceHead opens a data source object with the fields every
// caller sees: id, name, type, syntax, paused and pause_reason.
func encDataSourceHead(e *enc, ds *DataSource) {
	e.obj()
	e.key("id")
	e.integer(ds.ID)
	e.key("name")
	e.str(ds.Name)
	e.key("type")
	e.str(ds.Type)
	e.key("syntax")
	e.str(ds.Syntax)
	e.key("paused")
	e.integer(boolInt(ds.Paused))
	e.key("pause_reason")
	if ds.Paused {
		e.str(ds.PauseReason)
	} else {
		e.null()
	}
}

func (x *rctx) encDataSourceShort(e *enc, ds *DataSource) {
	viewOnly := true
	for _, g := range ds.Groups {
		if slices.Contains(x.c.groups, g.GroupID) && !g.ViewOnly {
			viewOnly = false
		}
	}
	encDataSourceHead(e, ds)
	if x.s.d.autoLimit {
		e.key("supports_auto_limit")
		e.boolean(ds.Type != "results" && ds.Type != "bigquery")
	}
	e.key("view_only")
	e.boolean(viewOnly)
	e.endObj()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// listDataSources serves GET /api/data_sources: a plain array sorted by id
// on v4 and by lower-cased name from v5 (§13).
func (x *rctx) listDataSources() {
	s := x.s
	list := x.visibleDataSources()
	if s.d.major >= 5 {
		slices.SortStableFunc(list, func(a, b *DataSource) int {
			return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		})
	}
	e := newEnc(s.d, 256*len(list))
	e.arr()
	for _, ds := range list {
		x.encDataSourceShort(e, ds)
	}
	e.endArr()
	x.json(e.b)
	if s.d.serverEvents {
		s.recordEvent(x.c, actList, "datasource", "")
	}
}

// getDataSource: admin-only up to v8; from v10 any user with access gets
// the short form (§13).
func (x *rctx) getDataSource(idStr string) {
	s, c := x.s, x.c
	id, ok := x.id(idStr)
	if !ok {
		return
	}
	if !c.admin && s.d.major < 10 {
		x.forbidden()
		return
	}
	ds := s.liveDS(id)
	if ds == nil {
		x.notFound()
		return
	}
	if !c.hasAccessDS(id, false) {
		x.forbidden()
		return
	}
	e := newEnc(s.d, 1024)
	if !c.admin {
		x.encDataSourceShort(e, ds)
		x.json(e.b)
		return
	}
	encDataSourceHead(e, ds)
	e.key("options")
	e.raw([]byte(`{"host":"db.internal","port":5432,"user":"redash","password":"--------","dbname":"analytics"}`))
	e.key("queue_name")
	e.str("queries")
	e.key("scheduled_queue_name")
	e.str("scheduled_queries")
	e.key("groups")
	e.obj()
	for _, g := range ds.Groups {
		e.key(strconv.Itoa(g.GroupID))
		e.boolean(g.ViewOnly)
	}
	e.endObj()
	e.endObj()
	x.json(e.b)
}

func (x *rctx) routeGroups() bool {
	seg, m := x.seg, x.method()
	if m != http.MethodGet {
		return false
	}
	switch len(seg) {
	case 2:
		x.listGroups()
		return true
	case 3:
		x.getGroup(seg[2])
		return true
	case 4:
		switch seg[3] {
		case "members":
			x.groupMembers(seg[2])
			return true
		case "data_sources":
			x.groupDataSources(seg[2])
			return true
		}
	}
	return false
}

func (s *Server) encGroup(e *enc, g *Group) {
	e.obj()
	e.key("id")
	e.integer(g.ID)
	e.key("name")
	e.str(g.Name)
	e.key("permissions")
	e.strs(g.Permissions)
	e.key("type")
	e.str(g.Type)
	e.key("created_at")
	e.time(g.CreatedAt)
	e.endObj()
}

// listGroups: all groups for admins, the caller's own otherwise (§13).
func (x *rctx) listGroups() {
	s, c := x.s, x.c
	e := newEnc(s.d, 1024)
	e.arr()
	for _, g := range s.st.groups {
		if c.admin || slices.Contains(c.groups, g.ID) {
			s.encGroup(e, g)
		}
	}
	e.endArr()
	x.json(e.b)
	if s.d.serverEvents {
		s.recordEvent(c, actList, "group", "")
	}
}

func (x *rctx) group(idStr string) *Group {
	id, ok := x.id(idStr)
	if !ok {
		return nil
	}
	for _, g := range x.s.st.groups {
		if g.ID == id {
			if !x.c.admin && !slices.Contains(x.c.groups, id) {
				x.forbidden()
				return nil
			}
			return g
		}
	}
	x.notFound()
	return nil
}

func (x *rctx) getGroup(idStr string) {
	g := x.group(idStr)
	if g == nil {
		return
	}
	e := newEnc(x.s.d, 512)
	x.s.encGroup(e, g)
	x.json(e.b)
}

// groupMembers: every user with the group, disabled ones included (§13).
func (x *rctx) groupMembers(idStr string) {
	s := x.s
	g := x.group(idStr)
	if g == nil {
		return
	}
	e := newEnc(s.d, 64*1024)
	e.arr()
	for _, u := range s.st.users {
		if slices.Contains(u.Groups, g.ID) {
			s.encUser(e, u.ID)
		}
	}
	e.endArr()
	x.json(e.b)
}

func (x *rctx) groupDataSources(idStr string) {
	s := x.s
	if !x.c.admin {
		x.forbidden()
		return
	}
	g := x.group(idStr)
	if g == nil {
		return
	}
	e := newEnc(s.d, 1024)
	e.arr()
	for _, ds := range s.st.dataSources {
		if ds.Deleted {
			continue
		}
		for _, dg := range ds.Groups {
			if dg.GroupID == g.ID {
				x.encDataSourceShort(e, ds)
			}
		}
	}
	e.endArr()
	x.json(e.b)
}

func (s *Server) orgSlug() string {
	if s.opts.OrgSlug == "" {
		return "default"
	}
	return s.opts.OrgSlug
}

// encClientConfig writes client_config; the version only for logged-in
// users (§0, §13).
func (s *Server) encClientConfig(e *enc, withVersion, admin bool) {
	e.obj()
	if withVersion {
		e.key("newVersionAvailable")
		e.boolean(false)
		e.key("version")
		e.str(s.d.reported)
	}
	if admin {
		e.key("showBeaconConsentMessage")
		e.boolean(false)
	}
	e.key("allowScriptsInUserInput")
	e.boolean(false)
	e.key("showPermissionsControl")
	e.boolean(false)
	e.key("allowCustomJSVisualizations")
	e.boolean(false)
	e.key("autoPublishNamedQueries")
	e.boolean(true)
	e.key("mailSettingsMissing")
	e.boolean(true)
	e.key("dashboardRefreshIntervals")
	e.ints([]int{60, 300, 600, 1800, 3600, 43200, 86400})
	e.key("queryRefreshIntervals")
	e.ints([]int{60, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 18000, 21600, 25200, 28800, 32400, 36000, 39600, 43200, 86400, 604800, 1209600, 2592000})
	e.key("googleLoginEnabled")
	e.boolean(false)
	e.key("pageSize")
	e.integer(20)
	e.key("pageSizeOptions")
	e.ints([]int{5, 10, 20, 50, 100})
	e.key("tableCellMaxJSONSize")
	e.integer(50000)
	e.key("basePath")
	if s.opts.OrgSlug != "" {
		e.str("/" + s.opts.OrgSlug + "/")
	} else {
		e.str("/")
	}
	e.key("dateFormat")
	e.str("DD/MM/YY")
	e.key("dateTimeFormat")
	e.str("DD/MM/YY HH:mm")
	e.key("integerFormat")
	e.str("0,0")
	e.key("floatFormat")
	e.str("0,0.00")
	e.endObj()
}

func (x *rctx) config() {
	s := x.s
	e := newEnc(s.d, 1024)
	e.obj()
	e.key("org_slug")
	e.str(s.orgSlug())
	e.key("client_config")
	s.encClientConfig(e, false, false)
	e.endObj()
	x.json(e.b)
}

// session serves GET /api/session (§13).
func (x *rctx) session() {
	s, c := x.s, x.c
	u := c.user
	perms := []string{}
	for _, g := range s.st.groups {
		if slices.Contains(u.Groups, g.ID) {
			for _, p := range g.Permissions {
				if !slices.Contains(perms, p) {
					perms = append(perms, p)
				}
			}
		}
	}
	e := newEnc(s.d, 2048)
	e.obj()
	e.key("user")
	e.obj()
	e.key("profile_image_url")
	e.str(gravatar(u.Email))
	e.key("id")
	e.integer(u.ID)
	e.key("name")
	e.str(u.Name)
	e.key("email")
	e.str(u.Email)
	e.key("groups")
	e.ints(u.Groups)
	e.key("permissions")
	e.strs(perms)
	e.endObj()
	e.key("org_slug")
	e.str(s.orgSlug())
	e.key("client_config")
	s.encClientConfig(e, true, c.admin)
	if s.d.messages {
		e.key("messages")
		e.arr()
		if !u.EmailVerified {
			e.str("email-not-verified")
		}
		e.endArr()
	}
	e.endObj()
	x.json(e.b)
}

// orgStatus serves GET /api/organization/status (§13).
func (x *rctx) orgStatus() {
	s, c := x.s, x.c
	users := 0
	for _, u := range s.st.users {
		if !s.d.userDisabled || u.DisabledAt.IsZero() {
			users++
		}
	}
	queries := 0
	for _, q := range s.st.queries[1:] {
		if !q.IsArchived && c.listsDS(q.DataSourceID) {
			queries++
		}
	}
	alerts := 0
	for _, a := range s.st.alerts[1:] {
		if a != nil && s.alertVisible(a, c) {
			alerts++
		}
	}
	dashboards := 0
	for _, db := range s.st.dashboards[1:] {
		if s.dashListed(db, c) {
			dashboards++
		}
	}
	e := newEnc(s.d, 256)
	e.obj()
	e.key("object_counters")
	e.obj()
	e.key("users")
	e.integer(users)
	e.key("alerts")
	e.integer(alerts)
	e.key("data_sources")
	e.integer(len(x.visibleDataSources()))
	e.key("queries")
	e.integer(queries)
	e.key("dashboards")
	e.integer(dashboards)
	e.endObj()
	e.endObj()
	x.json(e.b)
}

// statusJSON serves /status.json in the dialect's shape (§12.1).
func (x *rctx) statusJSON() {
	s, d := x.s, x.s.d
	queries, widgets := 0, 0
	for _, q := range s.st.queries[1:] {
		if !q.IsArchived {
			queries++
		}
	}
	for _, db := range s.st.dashboards[1:] {
		widgets += len(db.Widgets)
	}
	e := newEnc(d, 2048)
	e.obj()
	e.key("redis_used_memory")
	e.integer(3145728)
	e.key("redis_used_memory_human")
	e.str("3.00M")
	e.key("version")
	e.str(d.reported)
	e.key("queries_count")
	e.integer(queries)
	e.key("query_results_count")
	e.integer(len(s.st.results))
	e.key("unused_query_results_count")
	e.integer(len(s.st.results) / 10)
	e.key("dashboards_count")
	e.integer(len(s.st.dashboards) - 1)
	e.key("widgets_count")
	e.integer(widgets)
	e.key("workers")
	e.arr()
	e.endArr()
	e.key("manager")
	e.obj()
	e.key("last_refresh_at")
	e.str(fmt.Sprintf("%.2f", float64(s.st.lastRefresh.UnixMilli())/1000))
	e.key("outdated_queries_count")
	e.str(strconv.Itoa(len(s.st.outdated)))
	e.key("query_ids")
	e.str(idsJSON(s.st.outdated))
	if d.major >= 25 {
		e.key("started_at")
		e.str(fmt.Sprintf("%.2f", float64(s.opts.Now.Add(-72*3600e9).UnixMilli())/1000))
	}
	e.key("queues")
	e.obj()
	switch {
	case d.rq:
		for _, q := range []string{"queries", "scheduled_queries", "periodic", "schemas", "default", "emails"} {
			e.key(q)
			e.obj()
			e.key("size")
			e.integer(0)
			e.endObj()
		}
	case d.major >= 8:
		for _, q := range []string{"celery", "queries", "scheduled_queries"} {
			e.key(q)
			e.obj()
			e.key("size")
			e.integer(0)
			e.endObj()
		}
	default:
		e.key("queries")
		e.obj()
		e.key("data_sources")
		e.str("Production DB, Analytics Warehouse")
		e.key("size")
		e.integer(0)
		e.endObj()
		e.key("celery")
		e.obj()
		e.key("data_sources")
		e.str("")
		e.key("size")
		e.integer(0)
		e.endObj()
	}
	e.endObj()
	e.endObj()
	if d.major >= 8 {
		e.key("database_metrics")
		e.obj()
		e.key("metrics")
		e.raw([]byte(`[["Query Results Size", 52428800], ["Redash DB Size", 104857600]]`))
		e.endObj()
	}
	e.endObj()
	x.json(e.b)
}

func idsJSON(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// adminOutdated serves /api/admin/queries/outdated (§12.2).
func (x *rctx) adminOutdated() {
	s, c := x.s, x.c
	e := newEnc(s.d, 4096*len(s.st.outdated))
	e.obj()
	e.key("queries")
	e.arr()
	for _, id := range s.st.outdated {
		if q := s.st.query(id); q != nil {
			s.encQueryListItem(e, q, c)
		}
	}
	e.endArr()
	e.key("updated_at")
	e.str(fmt.Sprintf("%.2f", float64(s.st.lastRefresh.UnixMilli())/1000))
	e.endObj()
	x.json(e.b)
	if s.d.serverEvents {
		s.recordEvent(c, actList, "outdated_queries", "")
	}
}

// adminTasks serves /api/admin/queries/tasks: v4-v6 tracker lists, v7-v8
// {"tasks": [...]} (§12.3).
func (x *rctx) adminTasks() {
	s, d := x.s, x.s.d
	e := newEnc(d, 2048)
	e.obj()
	now := float64(s.now().UnixMilli()) / 1000
	if d.major < 7 {
		for _, k := range []string{"waiting", "in_progress", "done"} {
			e.key(k)
			e.arr()
			if k == "done" && len(s.st.outdated) > 0 {
				q := s.st.query(s.st.outdated[0])
				e.obj()
				e.key("task_id")
				e.str("5a3c8f2e-7d41-4b0e-9a53-2f1e8c6b9d70")
				e.key("state")
				e.str("finished")
				e.key("query_hash")
				e.str(q.QueryHash)
				e.key("data_source_id")
				e.integer(q.DataSourceID)
				e.key("scheduled")
				e.boolean(true)
				e.key("username")
				e.str("Scheduled")
				e.key("query_id")
				e.integer(q.ID)
				e.key("retries")
				e.integer(0)
				e.key("scheduled_retries")
				e.integer(0)
				e.key("created_at")
				e.float(now - 60)
				e.key("started_at")
				e.float(now - 58)
				e.key("run_time")
				e.float(1.25)
				e.key("updated_at")
				e.float(now - 57)
				e.endObj()
			}
			e.endArr()
		}
	} else {
		e.key("tasks")
		e.arr()
		e.obj()
		e.key("state")
		e.str("active")
		e.key("task_name")
		e.str("redash.tasks.refresh_queries")
		e.key("worker")
		e.str("celery@worker-1")
		e.key("worker_pid")
		e.integer(42)
		e.key("queue")
		e.str("celery")
		e.key("task_id")
		e.str("0e5c3a7b-1f2d-4c8e-b9a6-7d3e2f1c0b9a")
		e.key("start_time")
		e.float(now - 2)
		e.endObj()
		e.endArr()
	}
	e.endObj()
	x.json(e.b)
	if d.serverEvents {
		s.recordEvent(x.c, actList, "celery_tasks", "")
	}
}

// adminRQStatus serves /api/admin/queries/rq_status (v9+, §12.3).
func (x *rctx) adminRQStatus() {
	s, d := x.s, x.s.d
	started := s.now().Add(-90e9)
	e := newEnc(d, 2048)
	e.obj()
	e.key("queues")
	e.obj()
	for _, q := range []string{"queries", "scheduled_queries", "periodic", "schemas", "default", "emails"} {
		e.key(q)
		e.obj()
		e.key("name")
		e.str(q)
		e.key("queued")
		e.integer(0)
		e.key("started")
		e.arr()
		e.endArr()
		e.endObj()
	}
	e.endObj()
	e.key("workers")
	e.arr()
	e.obj()
	e.key("name")
	e.str("worker-1.42")
	e.key("hostname")
	e.str("worker-1")
	e.key("pid")
	e.integer(42)
	e.key("queues")
	e.str("queries, scheduled_queries, periodic, schemas, default, emails")
	e.key("state")
	e.str("idle")
	e.key("last_heartbeat")
	e.time(s.now().Add(-5e9))
	e.key("birth_date")
	e.time(started)
	e.key("current_job")
	e.null()
	e.key("successful_jobs")
	e.integer(len(s.st.jobs))
	e.key("failed_jobs")
	e.integer(0)
	e.key("total_working_time")
	e.float(12.5)
	e.endObj()
	e.endArr()
	e.endObj()
	x.json(e.b)
	if d.serverEvents {
		s.recordEvent(x.c, actList, "rq_status", "")
	}
}
