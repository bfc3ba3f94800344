package fakeredash

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"
)

const day = 24 * time.Hour

// Fixed ids of the generated world (documented on New).
const (
	groupAdmin   = 1
	groupDefault = 2
	groupFinance = 3

	userAdmin    = 1 // AdminKey
	userOrdinary = 2 // UserKey: default group only
	userDisabled = 3 // DisabledUserKey

	dsProduction  = 1
	dsWarehouse   = 2
	dsFinance     = 3 // only in the Finance group: invisible to the ordinary user
	dsMarketing   = 4
	dsLegacy      = 5 // paused
	dsResults     = 6 // Query Results data source (query_<id>)
	dsEvents      = 7 // view-only for the default group
	dsDeleted     = 8 // deleted: its queries have data_source_id null
	numDataSource = 8
)

// generated is the output of the generator, before indexing.
type generated struct {
	groups       []*Group
	users        []*User
	dataSources  []*DataSource
	destinations []*Destination
	queries      []*Query // index i holds id i+1
	dashboards   []*Dashboard
	alerts       []*Alert
	results      []*QueryResult
	favorites    []Favorite
	events       []event
	outdated     []int
	lastRefresh  time.Time
	nextViz      int
	nextWidget   int
	nextSub      int
	actions      *internTable
	objTypes     *internTable
}

// plan holds the dialect-independent decisions about one query, so that
// the same seed yields the same world in every dialect.
type plan struct {
	used       bool // has evidence of use in the last 90 days
	apiOnly    bool // used only through query-key downloads
	external   bool // has api_get events
	schedKind  int  // 0 none, 1 interval, 2 daily, 3 weekly
	interval   int
	schedTime  string
	schedDay   string
	untilPast  bool
	untilFut   bool
	strInt     bool
	disabled   bool
	failing    bool
	softArch   bool
	copyOf     int
	refQuery   int // query_<id> or dropdown reference
	paramCount int
}

type gen struct {
	r    *rand.Rand
	d    *dialect
	now  time.Time
	o    Options
	out  *generated
	plan []plan // index = query id
	ds   map[int]*DataSource
	// normalized SQL already used, to keep accidental duplicates out
	seenSQL map[string]bool
	// visualization id -> creation time, for widget times
	vizCreated map[int]time.Time
}

func (g *gen) intn(n int) int {
	if n <= 0 {
		return 0
	}
	return g.r.IntN(n)
}
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }
func pick[T any](g *gen, xs []T) T   { return xs[g.intn(len(xs))] }

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (g *gen) key40() string {
	var b [40]byte
	for i := range b {
		b[i] = keyAlphabet[g.intn(len(keyAlphabet))]
	}
	return string(b[:])
}

// between returns a time in [a, b) with microsecond precision.
func (g *gen) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	span := b.Sub(a) / time.Microsecond
	return a.Add(time.Duration(g.r.Int64N(int64(span))) * time.Microsecond)
}

func (g *gen) ago(min, max time.Duration) time.Time {
	return g.between(g.now.Add(-max), g.now.Add(-min))
}

func generate(o Options, d *dialect) *generated {
	g := &gen{
		r:       rand.New(rand.NewPCG(uint64(o.Seed), uint64(o.Seed)^0x9e3779b97f4a7c15)),
		d:       d,
		now:     o.Now,
		o:       o,
		out:     &generated{},
		plan:    make([]plan, o.Queries+1),
		ds:      map[int]*DataSource{},
		seenSQL: make(map[string]bool, o.Queries),
	}
	g.groupsAndSources()
	g.genUsers()
	g.genQueries()
	g.genDashboards()
	g.genAlerts()
	g.genFavorites()
	g.genEvents()
	g.genOutdated()
	computeTraits(g.out, d, g.now)
	return g.out
}

var defaultPermissions = []string{
	"create_dashboard", "create_query", "edit_dashboard", "edit_query", "view_query",
	"view_source", "execute_query", "list_users", "schedule_query", "list_dashboards",
	"list_alerts", "list_data_sources",
}

func (g *gen) orgStart() time.Time { return g.now.Add(-3 * 365 * day) }

func (g *gen) groupsAndSources() {
	t0 := g.orgStart()
	g.out.groups = []*Group{
		{ID: groupAdmin, Name: "admin", Type: "builtin", Permissions: []string{"admin", "super_admin"}, CreatedAt: t0},
		{ID: groupDefault, Name: "default", Type: "builtin", Permissions: slices.Clone(defaultPermissions), CreatedAt: t0},
		{ID: groupFinance, Name: "Finance", Type: "regular", Permissions: slices.Clone(defaultPermissions), CreatedAt: t0.Add(40 * day)},
	}
	def := []DataSourceGroup{{GroupID: groupDefault}}
	srcs := []*DataSource{
		{ID: dsProduction, Name: "Production DB", Type: "pg", Groups: def},
		{ID: dsWarehouse, Name: "Analytics Warehouse", Type: "redshift", Groups: def},
		{ID: dsFinance, Name: "Finance Warehouse", Type: "snowflake", Groups: []DataSourceGroup{{GroupID: groupFinance}}},
		{ID: dsMarketing, Name: "Marketing MySQL", Type: "mysql", Groups: def},
		{ID: dsLegacy, Name: "Legacy Reporting", Type: "pg", Paused: true, PauseReason: "Migrating to the warehouse", Groups: def},
		{ID: dsResults, Name: "Query Results", Type: "results", Groups: def},
		{ID: dsEvents, Name: "Events BigQuery", Type: "bigquery", Groups: []DataSourceGroup{{GroupID: groupDefault, ViewOnly: true}}},
		{ID: dsDeleted, Name: "Old Postgres", Type: "pg", Deleted: true, Groups: def},
	}
	for i, s := range srcs {
		s.Syntax = "sql"
		s.CreatedAt = t0.Add(time.Duration(i*20) * day)
		s.Groups = slices.Clone(s.Groups)
		g.ds[s.ID] = s
	}
	g.out.dataSources = srcs
	g.out.destinations = []*Destination{
		{ID: 1, Name: "#data-alerts", Type: "slack"},
		{ID: 2, Name: "oncall@example.com", Type: "email"},
		{ID: 3, Name: "PagerDuty", Type: "pagerduty"},
	}
}

func (g *gen) numUsers() int {
	n := 120
	if g.o.Queries < 15000 {
		n = max(12, g.o.Queries*120/15000)
	}
	return n
}

func (g *gen) genUsers() {
	n := g.numUsers()
	t0 := g.orgStart()
	used := map[string]bool{}
	for id := 1; id <= n; id++ {
		u := &User{ID: id, APIKey: g.key40(), AuthType: "password", EmailVerified: true, Groups: []int{groupDefault}}
		switch id {
		case userAdmin:
			u.Name, u.Email = "Ada Admin", "admin@example.com"
			u.Groups = []int{groupAdmin, groupDefault, groupFinance}
			u.CreatedAt = t0
		case userOrdinary:
			u.Name, u.Email = "Uma User", "user@example.com"
			u.CreatedAt = t0.Add(30 * day)
		case userDisabled:
			u.Name, u.Email = "Dan Departed", "departed@example.com"
			u.CreatedAt = t0.Add(45 * day)
			u.DisabledAt = g.ago(200*day, 400*day)
		default:
			for {
				fn, ln := pick(g, firstNames), pick(g, lastNames)
				email := strings.ToLower(fn + "." + ln + "@example.com")
				if !used[email] {
					used[email] = true
					u.Name, u.Email = fn+" "+ln, email
					break
				}
			}
			u.CreatedAt = g.between(t0.Add(10*day), g.now.Add(-60*day))
			switch {
			case id == 4 || id == 5:
				u.Groups = []int{groupAdmin, groupDefault}
			case g.chance(0.15):
				u.Groups = []int{groupDefault, groupFinance}
			}
			if id > 5 && g.chance(0.06) {
				u.DisabledAt = g.between(u.CreatedAt.Add(30*day), g.now.Add(-10*day))
			}
			if g.chance(0.1) {
				u.AuthType = "external"
			}
		}
		if id == n && n > 5 {
			// One pending invitation (shown as such from v7, §5.5).
			u.InvitationPending = true
			u.EmailVerified = false
			u.AuthType = "external"
			u.DisabledAt = time.Time{}
			u.CreatedAt = g.ago(3*day, 20*day)
		}
		u.IsAdmin = slices.Contains(u.Groups, groupAdmin)
		u.UpdatedAt = g.between(u.CreatedAt, g.now.Add(-day))
		if !u.DisabledAt.IsZero() && u.UpdatedAt.Before(u.DisabledAt) {
			u.UpdatedAt = u.DisabledAt
		}
		if !u.InvitationPending {
			end := g.now
			if !u.DisabledAt.IsZero() {
				end = u.DisabledAt
			}
			u.ActiveAt = g.between(end.Add(-20*day), end)
		}
		g.out.users = append(g.out.users, u)
	}
	// Several disabled users even in small worlds.
	if n >= 10 {
		for _, id := range []int{n - 1, n - 2} {
			u := g.out.users[id-1]
			if u.DisabledAt.IsZero() && id > 5 {
				u.DisabledAt = g.between(u.CreatedAt.Add(day), g.now.Add(-10*day))
				if u.UpdatedAt.Before(u.DisabledAt) {
					u.UpdatedAt = u.DisabledAt
				}
				if u.ActiveAt.After(u.DisabledAt) {
					u.ActiveAt = u.DisabledAt
				}
			}
		}
	}
}

func (g *gen) user(id int) *User { return g.out.users[id-1] }

// canUse reports whether user u may own queries on data source ds.
func (g *gen) canUse(u *User, ds int) bool {
	if u.IsAdmin {
		return true
	}
	for _, dg := range g.ds[ds].Groups {
		if slices.Contains(u.Groups, dg.GroupID) {
			return true
		}
	}
	return false
}

func (g *gen) pickOwner() *User {
	n := len(g.out.users)
	for {
		var id int
		switch {
		case g.chance(0.04):
			id = userAdmin
		case g.chance(0.03):
			id = userOrdinary
		case g.chance(0.6):
			id = 1 + g.intn(min(30, n))
		default:
			id = 1 + g.intn(n)
		}
		u := g.user(id)
		if !u.InvitationPending {
			return u
		}
	}
}

func (g *gen) pickDataSource() int {
	x := g.r.Float64()
	switch {
	case x < 0.30:
		return dsProduction
	case x < 0.56:
		return dsWarehouse
	case x < 0.65:
		return dsFinance
	case x < 0.75:
		return dsMarketing
	case x < 0.80:
		return dsLegacy
	case x < 0.85:
		return dsResults
	case x < 0.97:
		return dsEvents
	default:
		return dsDeleted
	}
}

func (g *gen) genQueries() {
	n := g.o.Queries
	start, end := g.orgStart().Add(7*day), g.now.Add(-2*time.Hour)
	created := make([]time.Time, n)
	for i := range created {
		created[i] = g.between(start, end)
	}
	sort.Slice(created, func(i, j int) bool { return created[i].Before(created[j]) })
	for i := 1; i < n; i++ {
		if i%997 == 0 {
			created[i] = created[i-1] // ties in created_at happen: order falls back to id
		}
	}
	vizID := 1
	master := g.r
	for id := 1; id <= n; id++ {
		// Each query draws from its own stream, so that a dialect-dependent
		// draw (e.g. whether a schedule is still active) cannot shift the
		// queries after it: one seed gives one world in every dialect.
		g.r = rand.New(rand.NewPCG(uint64(g.o.Seed)^0xa5a5a5a5, uint64(id)))
		q := g.newQuery(id, created[id-1])
		for _, v := range g.visualizationsFor(q) {
			v.ID = vizID
			vizID++
			q.Visualizations = append(q.Visualizations, v)
		}
		g.out.queries = append(g.out.queries, q)
	}
	g.r = master
	g.out.nextViz = vizID
}

func (g *gen) newQuery(id int, createdAt time.Time) *Query {
	p := &g.plan[id]
	owner := g.pickOwner()
	ds := g.pickDataSource()
	if !g.canUse(owner, ds) {
		ds = dsWarehouse
	}
	q := &Query{ID: id, UserID: owner.ID, LastModifiedByID: owner.ID, APIKey: g.key40(), Version: 1, CreatedAt: createdAt, DataSourceID: ds}
	if ds == dsDeleted {
		q.DataSourceID = 0
		q.Traits = append(q.Traits, TraitDataSourceDeleted)
	}
	q.IsDraft = g.chance(0.10)
	q.IsArchived = g.chance(0.05)
	if q.IsArchived && g.chance(0.06) {
		p.softArch = true
	}

	// SQL: a duplicate of an earlier query, a Query Results query, a
	// parameterised query, or a plain one.
	switch {
	case id > 20 && ds != dsResults && ds != dsDeleted && g.chance(0.04):
		src := g.out.queries[g.intn(id-1)]
		if src.DataSourceID == ds && len(src.Parameters) == 0 && !strings.Contains(src.SQL, "query_") {
			p.copyOf = src.ID
			q.SQL = mangleSQL(g, src.SQL)
			q.Name = src.Name
			if g.chance(0.5) {
				q.Name = "Copy of " + src.Name
			}
		}
	case ds == dsResults && id > 20:
		ref := 1 + g.intn(id-1)
		if g.chance(0.05) {
			ref = g.o.Queries + 1000 + g.intn(1000) // a query that does not exist
		}
		p.refQuery = ref
		q.SQL = fmt.Sprintf("SELECT %s, count(*) AS total\nFROM query_%d\nGROUP BY 1\nORDER BY 2 DESC", pick(g, sqlDims), ref)
		q.Traits = append(q.Traits, fmt.Sprintf("%s%d", TraitQueryResultsRefPrefix, ref))
	case ds != dsResults && g.chance(0.10):
		g.parameterise(q, p)
	}
	if q.SQL == "" {
		q.SQL = g.plainSQL(ds)
	}
	if q.Name == "" {
		q.Name = pick(g, metricNames) + " " + pick(g, dimNames)
		if g.chance(0.3) {
			q.Name = pick(g, teamNames) + ": " + q.Name
		}
		if g.chance(0.1) {
			q.Name += " (old)"
		}
	}
	if g.chance(0.4) {
		desc := "Used by the " + strings.ToLower(pick(g, teamNames)) + " team for the " + strings.ToLower(pick(g, dashTopics)) + "."
		q.Description = &desc
	}
	tags := g.pickTags()
	if g.d.tags {
		q.Tags = tags
	} else {
		q.Tags = []string{}
	}
	if g.d.tags && slices.Contains(q.Tags, "keep") {
		q.Traits = append(q.Traits, TraitKeepTag)
	}

	// Usage and schedule decisions; drawn for every query so that the
	// random stream does not depend on the dialect.
	p.used = g.chance(0.45)
	p.external = g.chance(0.03)
	p.apiOnly = p.external && g.chance(0.5)
	if p.apiOnly {
		p.used = false
	}
	scheduled := g.chance(0.2)
	g.planSchedule(p)
	if !scheduled || (q.IsArchived && !p.softArch) || (q.IsDraft && !g.chance(0.25)) {
		p.schedKind = 0
	}
	q.Schedule = g.renderSchedule(p)
	if q.DataSourceID == 0 || q.IsArchived {
		p.used, p.external, p.apiOnly = false, false, false
	}

	g.timeline(q, p)
	opts := g.optionsJSON(q.Parameters)
	q.Options = opts
	q.QueryHash = queryHash(g.d, q.SQL, q.Parameters)
	if !q.RetrievedAt.IsZero() {
		q.LatestQueryDataID = len(g.out.results) + 1
		g.out.results = append(g.out.results, &QueryResult{
			ID: q.LatestQueryDataID, QueryHash: q.QueryHash, SQL: renderDefaults(q.SQL, q.Parameters),
			DataSourceID: q.DataSourceID, Runtime: q.Runtime, RetrievedAt: q.RetrievedAt,
		})
	}
	if p.copyOf != 0 {
		q.Traits = append(q.Traits, fmt.Sprintf("%s%d", TraitCopyOfPrefix, p.copyOf))
	}
	if q.LastModifiedByID == owner.ID && g.chance(0.15) {
		q.LastModifiedByID = g.pickOwner().ID
	}
	return q
}

func (g *gen) pickTags() []string {
	tags := []string{}
	x := g.r.Float64()
	k := 0
	switch {
	case x < 0.5:
	case x < 0.85:
		k = 1
	default:
		k = 2
	}
	for range k {
		t := pick(g, tagPool)
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if g.chance(0.05) {
		tags = append(tags, "keep")
	}
	return tags
}

func (g *gen) plainSQL(ds int) string {
	for {
		table := pick(g, sqlTables)
		if ds == dsEvents {
			table = "`analytics." + strings.ReplaceAll(table, ".", "_") + "`"
		}
		m := pick(g, sqlMetrics)
		dim := pick(g, sqlDims)
		var sql string
		switch g.intn(4) {
		case 0:
			sql = fmt.Sprintf("SELECT %s, %s AS %s\nFROM %s\nWHERE created_at > now() - interval '%d days'\nGROUP BY 1\nORDER BY 2 DESC", dim, m.expr, m.alias, table, 1+g.intn(400))
		case 1:
			sql = fmt.Sprintf("SELECT date_trunc('%s', created_at) AS period, %s AS %s\nFROM %s\nWHERE %s_id = %d\nGROUP BY 1\nORDER BY 1", pick(g, []string{"day", "week", "month"}), m.expr, m.alias, table, dim, 1+g.intn(900))
		case 2:
			sql = fmt.Sprintf("select %s as %s from %s where %s = '%s%d'", m.expr, m.alias, table, dim, strings.ToLower(pick(g, teamNames)), g.intn(300))
		default:
			sql = fmt.Sprintf("SELECT *\nFROM %s\nWHERE %s IS NOT NULL\nLIMIT %d", table, dim, 100+g.intn(5000))
		}
		norm := normalizeSQL(sql)
		if !g.seenSQL[norm] {
			g.seenSQL[norm] = true
			return sql
		}
	}
}

// mangleSQL changes case and whitespace only: a duplicate in the sense of
// the audit (same whitespace-normalized, case-insensitive SQL).
func mangleSQL(g *gen, sql string) string {
	switch g.intn(3) {
	case 0:
		return strings.ToUpper(sql)
	case 1:
		return strings.Join(strings.Fields(sql), " ")
	default:
		return "  " + strings.ReplaceAll(sql, "\n", "\n    ") + "\n"
	}
}

func (g *gen) parameterise(q *Query, p *plan) {
	table := pick(g, sqlTables)
	m := pick(g, sqlMetrics)
	var where []string
	var params []Parameter
	kinds := []string{"text", "number", "enum", "date", "date-range", "query"}
	n := 1 + g.intn(3)
	used := map[string]bool{}
	for range n {
		k := pick(g, kinds)
		if used[k] {
			continue
		}
		used[k] = true
		switch k {
		case "text":
			params = append(params, Parameter{Name: "customer", Title: "Customer", Type: "text", Value: json.RawMessage(`"acme"`)})
			where = append(where, "customer_name = '{{ customer }}'")
		case "number":
			params = append(params, Parameter{Name: "min_amount", Title: "Min amount", Type: "number", Value: json.RawMessage(`100`)})
			where = append(where, "amount >= {{min_amount}}")
		case "enum":
			params = append(params, Parameter{Name: "region", Title: "Region", Type: "enum", Value: json.RawMessage(`"EMEA"`), EnumOptions: "EMEA\nAMER\nAPAC"})
			where = append(where, "region = '{{ region }}'")
		case "date":
			params = append(params, Parameter{Name: "since", Title: "Since", Type: "date", Value: json.RawMessage(`"2024-01-01"`)})
			where = append(where, "created_at >= '{{ since }}'")
		case "date-range":
			params = append(params, Parameter{Name: "period", Title: "Period", Type: "date-range", Value: json.RawMessage(`{"start":"2024-01-01","end":"2024-03-31"}`)})
			where = append(where, "created_at BETWEEN '{{ period.start }}' AND '{{ period.end }}'")
		case "query":
			if q.ID < 20 {
				continue
			}
			ref := 1 + g.intn(q.ID-1)
			p.refQuery = ref
			params = append(params, Parameter{Name: "team", Title: "Team", Type: "query", Value: json.RawMessage(`"Sales"`), QueryID: ref})
			where = append(where, "team = '{{ team }}'")
			q.Traits = append(q.Traits, fmt.Sprintf("%s%d", TraitParamQueryRefPrefix, ref))
		}
	}
	if len(params) == 0 {
		return
	}
	p.paramCount = len(params)
	q.Parameters = params
	q.SQL = fmt.Sprintf("SELECT %s, %s AS %s\nFROM %s\nWHERE %s\nGROUP BY 1\nLIMIT %d", pick(g, sqlDims), m.expr, m.alias, table, strings.Join(where, "\n  AND "), 1000+q.ID)
	q.Traits = append(q.Traits, TraitParameterized)
}

func (g *gen) planSchedule(p *plan) {
	x := g.r.Float64()
	switch {
	case x < 0.5:
		p.schedKind = 1
		p.interval = pick(g, []int{300, 600, 900, 1800, 3600, 7200, 21600, 43200})
	case x < 0.85:
		p.schedKind = 2
		p.interval = 86400
	default:
		p.schedKind = 3
		p.interval = 604800
	}
	p.schedTime = fmt.Sprintf("%02d:%02d", g.intn(24), 5*g.intn(12))
	p.schedDay = pick(g, weekdays)
	u := g.r.Float64()
	p.untilPast = u < 0.08
	p.untilFut = u >= 0.08 && u < 0.18
	p.strInt = g.chance(0.3)
	p.disabled = g.chance(0.06)
	p.failing = g.chance(0.22)
}

// renderSchedule writes the schedule in the dialect's shape (§6).
func (g *gen) renderSchedule(p *plan) json.RawMessage {
	if p.schedKind == 0 {
		return nil
	}
	if !g.d.scheduleObject {
		if p.schedKind == 1 {
			return json.RawMessage(fmt.Sprintf("%q", fmt.Sprint(p.interval)))
		}
		// v4-v6 have no weekly schedules or end dates: a daily time.
		return json.RawMessage(fmt.Sprintf("%q", p.schedTime))
	}
	e := newEnc(g.d, 128)
	e.obj()
	e.key("interval")
	if p.strInt && p.schedKind != 3 {
		e.str(fmt.Sprint(p.interval)) // migrated from a v6 string (§6)
	} else {
		e.integer(p.interval)
	}
	e.key("time")
	if p.schedKind >= 2 {
		e.str(p.schedTime)
	} else {
		e.null()
	}
	e.key("day_of_week")
	if p.schedKind == 3 {
		e.str(p.schedDay)
	} else {
		e.null()
	}
	e.key("until")
	switch {
	case p.untilPast:
		e.str(g.now.Add(-time.Duration(10+int(p.interval%50)) * day).Format("2006-01-02"))
	case p.untilFut:
		e.str(g.now.Add(time.Duration(30+int(p.interval%200)) * day).Format("2006-01-02"))
	default:
		e.null()
	}
	if p.disabled && g.d.scheduleDisabled {
		e.key("disabled")
		e.boolean(true)
	}
	e.endObj()
	return json.RawMessage(e.b)
}

// timeline sets update and execution times consistent with the plan.
func (g *gen) timeline(q *Query, p *plan) {
	created := q.CreatedAt
	period := time.Duration(p.interval) * time.Second
	var lastRun time.Time
	sched, _ := parseSchedule(q.Schedule)
	active := sched != nil && sched.Active(g.now)
	x := g.r.Float64()
	stale := x < 0.35
	never := g.chance(0.07)
	switch {
	case active && p.failing:
		if g.chance(0.25) {
			never = true
		} else {
			lastRun = created.Add(time.Hour)
			if old := g.now.Add(-4 * period).Add(-time.Duration(1+g.intn(30)) * day); old.After(lastRun) {
				lastRun = g.between(lastRun, old)
			}
			never = false
		}
	case active:
		never = false
		lastRun = g.now.Add(-time.Duration(g.r.Int64N(int64(period))))
	case never:
	case stale:
		lastRun = g.between(created, g.now.Add(-91*day))
	default:
		lastRun = g.between(maxTime(created, g.now.Add(-89*day)), g.now)
	}
	if never || (!lastRun.IsZero() && lastRun.Before(created)) {
		lastRun = time.Time{}
	}
	if q.IsArchived && !lastRun.IsZero() && g.chance(0.3) {
		lastRun = time.Time{}
	}
	// updated_at: stale queries were not touched for 90 days either.
	hi := g.now
	switch {
	case !lastRun.IsZero() && stale && !active:
		hi = minTime(g.now.Add(-91*day), lastRun.Add(day))
	case lastRun.IsZero() && g.chance(0.7):
		hi = minTime(g.now, created.Add(2*day))
	}
	if q.IsDraft && g.chance(0.5) {
		hi = minTime(hi, g.now.Add(-31*day)) // abandoned draft
	}
	if hi.Before(created) {
		hi = created.Add(time.Minute)
	}
	q.UpdatedAt = g.between(created, hi)
	if !lastRun.IsZero() {
		q.RetrievedAt = lastRun
		q.Runtime = float64(1+g.intn(20000)) / 1000
		if g.d.updatedOnExec && lastRun.After(q.UpdatedAt) {
			q.UpdatedAt = lastRun // v4/v5: every execution bumps updated_at (§1)
		}
	}
	if q.UpdatedAt.After(g.now) {
		q.UpdatedAt = g.now
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func (g *gen) optionsJSON(params []Parameter) json.RawMessage {
	return optionsJSON(g.d, params, false)
}

// optionsJSON writes a query's options object.
func optionsJSON(d *dialect, params []Parameter, autoLimit bool) json.RawMessage {
	e := newEnc(d, 64)
	e.obj()
	e.key("parameters")
	e.arr()
	for _, p := range params {
		e.obj()
		e.key("name")
		e.str(p.Name)
		e.key("title")
		e.str(p.Title)
		e.key("type")
		e.str(p.Type)
		e.key("value")
		e.raw(p.Value)
		e.key("global")
		e.boolean(false)
		if p.Type == "enum" {
			e.key("enumOptions")
			e.str(p.EnumOptions)
		}
		if p.Type == "query" {
			e.key("queryId")
			e.integer(p.QueryID)
		}
		e.key("locals")
		e.arr()
		e.endArr()
		e.endObj()
	}
	e.endArr()
	if d.autoLimit {
		e.key("apply_auto_limit")
		e.boolean(autoLimit)
	}
	e.endObj()
	return json.RawMessage(e.b)
}

func (g *gen) visualizationsFor(q *Query) []Visualization {
	vs := []Visualization{{QueryID: q.ID, Type: "TABLE", Name: "Table", Options: json.RawMessage(`{}`), CreatedAt: q.CreatedAt, UpdatedAt: q.CreatedAt}}
	if g.chance(0.4) {
		t := q.CreatedAt.Add(time.Duration(1+g.intn(600)) * time.Second)
		vs = append(vs, Visualization{
			QueryID: q.ID, Type: "CHART", Name: "Chart",
			Options: json.RawMessage(`{"globalSeriesType":"line","legend":{"enabled":true},"series":{"stacking":null}}`), CreatedAt: t, UpdatedAt: t,
		})
	}
	if g.chance(0.1) {
		t := q.CreatedAt.Add(time.Duration(1+g.intn(900)) * time.Second)
		vs = append(vs, Visualization{
			QueryID: q.ID, Type: "COUNTER", Name: "Counter", Description: "Headline number",
			Options: json.RawMessage(`{"counterColName":"total","rowNumber":1}`), CreatedAt: t, UpdatedAt: t,
		})
	}
	return vs
}

func (g *gen) numDashboards() int {
	if g.o.Dashboards > 0 {
		return g.o.Dashboards
	}
	if g.o.Queries >= 15000 {
		return 600
	}
	return max(5, g.o.Queries/25)
}

func (g *gen) genDashboards() {
	n := g.numDashboards()
	// Pools of visualizations: used (live) queries, and unused ones (only
	// allowed on archived dashboards, so they stay unused).
	var usedViz, unusedViz []Visualization
	g.vizCreated = map[int]time.Time{}
	for _, q := range g.out.queries {
		for _, v := range q.Visualizations {
			g.vizCreated[v.ID] = v.CreatedAt
		}
		p := g.plan[q.ID]
		switch {
		case p.used && !q.IsArchived:
			usedViz = append(usedViz, q.Visualizations...)
		case !q.IsArchived && q.DataSourceID != 0:
			unusedViz = append(unusedViz, q.Visualizations...)
		}
	}
	slugs := map[string]bool{}
	widgetID := 1
	start := g.orgStart().Add(14 * day)
	for id := 1; id <= n; id++ {
		owner := g.pickOwner()
		name := pick(g, teamNames) + " " + pick(g, dashTopics)
		if g.chance(0.3) {
			name += fmt.Sprintf(" %d", 2019+g.intn(7))
		}
		slug := slugify(name)
		base := slug
		for i := 1; slugs[slug]; i++ {
			slug = fmt.Sprintf("%s_%d", base, i)
		}
		slugs[slug] = true
		created := g.between(start, g.now.Add(-day))
		db := &Dashboard{
			ID: id, Slug: slug, Name: name, UserID: owner.ID, Layout: json.RawMessage(`[]`),
			FiltersEnabled: g.chance(0.2), IsArchived: g.chance(0.05), IsDraft: g.chance(0.06),
			Options: json.RawMessage(`{}`), Version: 1 + g.intn(5), CreatedAt: created,
		}
		db.UpdatedAt = g.between(created, g.now)
		tags := g.pickTags()
		if g.d.tags {
			db.Tags = tags
		} else {
			db.Tags = []string{}
		}
		nw := 1 + g.intn(8)
		row := 0
		for k := 0; k < nw; k++ {
			w := Widget{ID: widgetID, DashboardID: id, Width: 1}
			widgetID++
			col := 3 * (k % 2)
			sizeY := 8
			switch {
			case g.chance(0.15) || len(usedViz) == 0:
				w.Text = "## " + name + "\nOwned by the " + strings.ToLower(pick(g, teamNames)) + " team."
				sizeY = 3
			case db.IsArchived && len(unusedViz) > 0 && g.chance(0.5):
				w.VisualizationID = pick(g, unusedViz).ID
			default:
				w.VisualizationID = pick(g, usedViz).ID
			}
			// A widget is newer than its dashboard and its visualization.
			from := created
			if w.VisualizationID != 0 {
				from = maxTime(from, g.vizCreated[w.VisualizationID])
			}
			w.CreatedAt = g.between(from, maxTime(from, db.UpdatedAt).Add(time.Hour))
			if w.CreatedAt.After(g.now) {
				w.CreatedAt = g.now.Add(-time.Minute)
			}
			w.UpdatedAt = w.CreatedAt
			if w.UpdatedAt.After(db.UpdatedAt) {
				db.UpdatedAt = w.UpdatedAt
			}
			w.Options = json.RawMessage(fmt.Sprintf(`{"isHidden":false,"position":{"autoHeight":false,"sizeX":3,"sizeY":%d,"minSizeX":1,"maxSizeX":6,"minSizeY":1,"maxSizeY":1000,"col":%d,"row":%d},"parameterMappings":{}}`, sizeY, col, row))
			if k%2 == 1 {
				row += sizeY
			}
			db.Widgets = append(db.Widgets, w)
		}
		g.out.dashboards = append(g.out.dashboards, db)
	}
	g.out.nextWidget = widgetID
}

// slugify follows the shape of Redash's slugify: lower case, runs of
// non-alphanumerics become one dash.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	return b.String()
}

func (g *gen) genAlerts() {
	n := max(3, g.o.Queries/50)
	var pool []*Query
	for _, q := range g.out.queries {
		if g.plan[q.ID].used && !q.IsArchived && q.DataSourceID != 0 {
			pool = append(pool, q)
		}
	}
	if len(pool) == 0 {
		return
	}
	subID := 1
	ops := []string{">", "<", ">=", "<=", "==", "!="}
	states := []string{"unknown", "ok", "ok", "ok", "triggered"}
	for id := 1; id <= n; id++ {
		q := pick(g, pool)
		owner := g.user(q.UserID)
		created := g.between(q.CreatedAt, g.now.Add(-time.Hour))
		a := &Alert{ID: id, Name: q.Name + " alert", QueryID: q.ID, UserID: owner.ID, State: pick(g, states), CreatedAt: created}
		a.UpdatedAt = g.between(created, g.now)
		muted := g.chance(0.1)
		subject := ""
		if g.chance(0.2) {
			subject = fmt.Sprintf(`,"custom_subject":"%s is off"`, q.Name)
		}
		a.Options = json.RawMessage(fmt.Sprintf(`{"column":"total","op":"%s","value":%d,"muted":%t%s}`, pick(g, ops), 10*(1+g.intn(100)), muted, subject))
		if a.State == "triggered" || g.chance(0.3) {
			a.LastTriggeredAt = g.between(created, g.now)
		}
		if g.chance(0.3) {
			a.Rearm = pick(g, []int{60, 3600, 86400})
		}
		ns := 1 + g.intn(3)
		seen := map[[2]int]bool{}
		for range ns {
			s := AlertSubscription{ID: subID, UserID: owner.ID}
			if g.chance(0.4) {
				s.DestinationID = 1 + g.intn(len(g.out.destinations))
			} else if g.chance(0.5) {
				s.UserID = 1 + g.intn(len(g.out.users))
			}
			k := [2]int{s.UserID, s.DestinationID}
			if seen[k] {
				continue
			}
			seen[k] = true
			subID++
			a.Subscriptions = append(a.Subscriptions, s)
		}
		g.out.alerts = append(g.out.alerts, a)
	}
	g.out.nextSub = subID
}

func (g *gen) genFavorites() {
	// v4 has no favorites (§5.1); they are drawn anyway and dropped, so the
	// rest of the world stays the same across dialects.
	defer func() {
		if !g.d.favorites {
			g.out.favorites = nil
		}
	}()
	n := len(g.out.queries)
	for _, uid := range []int{userAdmin, userOrdinary} {
		seen := map[int]bool{}
		for range 20 {
			q := g.out.queries[g.intn(n)]
			if seen[q.ID] {
				continue
			}
			seen[q.ID] = true
			g.out.favorites = append(g.out.favorites, Favorite{UserID: uid, QueryID: q.ID, CreatedAt: g.between(q.CreatedAt, g.now)})
		}
		for range 3 {
			d := g.out.dashboards[g.intn(len(g.out.dashboards))]
			g.out.favorites = append(g.out.favorites, Favorite{UserID: uid, DashboardID: d.ID, CreatedAt: g.between(d.CreatedAt, g.now)})
		}
	}
}

func (g *gen) genOutdated() {
	for _, q := range g.out.queries {
		if len(g.out.outdated) >= 12 {
			break
		}
		if q.Schedule != nil && !q.IsArchived && q.DataSourceID != 0 && q.ID%7 == 0 {
			g.out.outdated = append(g.out.outdated, q.ID)
		}
	}
	g.out.lastRefresh = g.now.Add(-47 * time.Second)
}
