package fakeredash

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// evGen collects generated events with interned codes.
type evGen struct {
	g        *gen
	actions  *internTable
	objTypes *internTable
	out      []event
}

func (e *evGen) add(at time.Time, userID int, action, objType string, objectID int, hasObj bool, queryID int, sql string, browser int) {
	e.out = append(e.out, event{
		at: at.Unix(), userID: int32(userID), queryID: int32(queryID), objectID: int32(objectID), hasObj: hasObj,
		action: e.actions.id(action), objType: e.objTypes.id(objType), browser: uint8(browser), sql: sql,
	})
}

func (g *gen) numEvents() int {
	if g.o.Events > 0 {
		return g.o.Events
	}
	return 10 * g.o.Queries
}

// genEvents writes the events log of the last 180 days (§11): views and
// executions of used queries in the last 90 days, older activity on the
// rest, query-key downloads of external consumers, dashboard views, lists.
func (g *gen) genEvents() {
	total := g.numEvents()
	ev := &evGen{g: g, actions: newActionTable(), objTypes: newObjTypeTable(), out: make([]event, 0, total+64)}
	var used, idle, external []*Query
	for _, q := range g.out.queries {
		p := g.plan[q.ID]
		switch {
		case q.DataSourceID == 0 || q.IsArchived:
		case p.used:
			used = append(used, q)
		default:
			idle = append(idle, q)
		}
		if p.external && q.DataSourceID != 0 && !q.IsArchived {
			external = append(external, q)
		}
	}
	recent := func() time.Time { return g.ago(time.Minute, 89*day) }
	old := func() time.Time { return g.ago(91*day, 179*day) }
	nUsers := len(g.out.users)
	person := func() int {
		for {
			id := 1 + g.intn(nUsers)
			if !g.user(id).InvitationPending {
				return id
			}
		}
	}
	useQuery := func(q *Query, at time.Time) {
		uid := person()
		x := g.r.Float64()
		switch {
		case x < 0.55:
			ev.add(at, uid, actView, "query", q.ID, true, q.ID, "", g.intn(3))
		case x < 0.88:
			ev.add(at, uid, actExecuteQuery, "data_source", q.DataSourceID, true, q.ID, g.executedSQL(q), g.intn(3))
		case x < 0.93:
			ev.add(at, uid, actExecute, "query", q.ID, true, q.ID, "", g.intn(3))
		case x < 0.97:
			ev.add(at, uid, actViewSource, "query", q.ID, true, q.ID, "", g.intn(3))
		default:
			ev.add(at, uid, actEdit, "query", q.ID, true, q.ID, "", g.intn(3))
		}
	}
	budget := func(share float64) int { return int(float64(total) * share) }

	// Every used query shows at least one sign of use in the last 90 days.
	for _, q := range used {
		if len(ev.out) >= budget(0.45) {
			break
		}
		useQuery(q, recent())
	}
	for _, q := range external {
		n := 1 + g.intn(12)
		for k := 0; k < n; k++ {
			at := recent()
			if k > 0 && g.chance(0.3) {
				at = old()
			}
			ev.add(at, 0, actAPIGet, "query", q.ID, true, q.ID, "", 3)
		}
	}
	for len(ev.out) < budget(0.65) && len(used) > 0 {
		// Skewed: a few queries get most of the attention.
		i := int(float64(len(used)) * g.r.Float64() * g.r.Float64())
		at := recent()
		if g.chance(0.15) {
			at = old()
		}
		useQuery(used[i], at)
	}
	for len(ev.out) < budget(0.75) && len(idle) > 0 {
		useQuery(pick(g, idle), old())
	}
	var liveDash []*Dashboard
	for _, d := range g.out.dashboards {
		if !d.IsArchived {
			liveDash = append(liveDash, d)
		}
	}
	for len(ev.out) < budget(0.90) && len(liveDash) > 0 {
		d := pick(g, liveDash)
		ev.add(g.ago(time.Minute, 179*day), person(), actView, "dashboard", d.ID, true, 0, "", g.intn(3))
	}
	pages := []string{"queries", "dashboards", "alerts", "users", "data_sources"}
	for len(ev.out) < total {
		at := g.ago(time.Minute, 179*day)
		uid := person()
		x := g.r.Float64()
		switch {
		case x < 0.35:
			ev.add(at, uid, actList, pick(g, []string{"query", "dashboard", "alert"}), 0, false, 0, "", g.intn(3))
		case x < 0.5:
			ev.add(at, uid, actSearch, "query", 0, false, 0, "", g.intn(3))
		case x < 0.6:
			ev.add(at, uid, actFavorites, "query", 0, false, 0, "", g.intn(3))
		case x < 0.7:
			ev.add(at, uid, actLogin, "redash", 0, false, 0, "", g.intn(3))
		case x < 0.85:
			e := len(ev.out)
			ev.add(at, uid, actView, "page", 0, false, 0, "", g.intn(3))
			ev.out[e].extra = &eventExtra{objectID: pick(g, pages)}
		default:
			// Ad hoc SQL that matches no saved query.
			ds := 1 + g.intn(dsEvents)
			sql := fmt.Sprintf("select * from scratch.tmp_%d limit %d", g.intn(10000), 10*(1+g.intn(100)))
			ev.add(at, uid, actExecuteQuery, "data_source", ds, true, 0, sql, g.intn(3))
		}
	}
	slices.SortStableFunc(ev.out, func(a, b event) int { return cmp.Compare(a.at, b.at) })
	g.out.events = ev.out
	g.out.actions, g.out.objTypes = ev.actions, ev.objTypes
}

// executedSQL is the text an execution of q sent: its SQL with some
// parameter values filled in.
func (g *gen) executedSQL(q *Query) string {
	if len(q.Parameters) == 0 {
		return q.SQL
	}
	k := g.intn(1000)
	vals := map[string]any{}
	for _, p := range q.Parameters {
		vals[p.Name] = sampleValue(p, k)
	}
	return renderSQL(q.SQL, vals)
}
