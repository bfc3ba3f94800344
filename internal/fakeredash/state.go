package fakeredash

import (
	"slices"
	"sort"
	"sync/atomic"
	"time"
)

// query is a stored query with a search-token cache.
type query struct {
	Query
	doc atomic.Pointer[searchDoc] // search tokens, built on first search
}

type hashKey struct {
	ds   int
	hash string
}

type favKey struct{ user, obj int }

type job struct {
	id        string
	status    int // 1 queued, 2 started, 3 finished, 4 failed
	error     string
	resultID  int
	startedAt time.Time
	key       hashKey
	sql       string
	queryID   int // saved query run (0 = ad hoc)
	cancelled bool
}

// state is the mutable world, guarded by Server.mu.
type state struct {
	groups       []*Group
	users        []*User
	userByID     map[int]*User
	userByKey    map[string]*User
	userJSON     map[int][]byte // full user object per dialect (users never change)
	dataSources  []*DataSource
	dsByID       map[int]*DataSource
	destinations []*Destination

	queries   []*query // index = id; [0] is nil
	byCreated []*query // created_at desc, id desc: the default list order
	byAPIKey  map[string]*query
	vizQuery  map[int]*query // visualization id -> its query
	byHash    map[hashKey][]*query

	dashboards []*Dashboard // index = id; [0] is nil
	dashBySlug map[string]*Dashboard
	widgetDash map[int]*Dashboard
	alerts     []*Alert // index = id; nil once deleted

	results      map[int]*QueryResult
	latestByHash map[hashKey]*QueryResult

	queryFavs map[favKey]time.Time
	dashFavs  map[favKey]time.Time

	jobs      map[string]*job
	jobByHash map[hashKey]*job

	outdated    []int
	lastRefresh time.Time

	nextViz, nextWidget, nextAlert, nextSub, nextResult, nextDash, nextJob int
}

func newState(g *generated) *state {
	st := &state{
		groups:       g.groups,
		users:        g.users,
		userByID:     map[int]*User{},
		userByKey:    map[string]*User{},
		userJSON:     map[int][]byte{},
		dataSources:  g.dataSources,
		dsByID:       map[int]*DataSource{},
		destinations: g.destinations,
		queries:      make([]*query, 1, len(g.queries)+1),
		byAPIKey:     make(map[string]*query, len(g.queries)),
		vizQuery:     make(map[int]*query, len(g.queries)*2),
		byHash:       make(map[hashKey][]*query, len(g.queries)),
		dashboards:   make([]*Dashboard, 1, len(g.dashboards)+1),
		dashBySlug:   map[string]*Dashboard{},
		widgetDash:   map[int]*Dashboard{},
		alerts:       make([]*Alert, 1, len(g.alerts)+1),
		results:      make(map[int]*QueryResult, len(g.results)),
		latestByHash: make(map[hashKey]*QueryResult, len(g.results)),
		queryFavs:    map[favKey]time.Time{},
		dashFavs:     map[favKey]time.Time{},
		jobs:         map[string]*job{},
		jobByHash:    map[hashKey]*job{},
		outdated:     g.outdated,
		lastRefresh:  g.lastRefresh,
		nextViz:      g.nextViz,
		nextWidget:   g.nextWidget,
		nextSub:      g.nextSub,
		nextAlert:    len(g.alerts) + 1,
		nextResult:   len(g.results) + 1,
		nextDash:     len(g.dashboards) + 1,
		nextJob:      1,
	}
	for _, u := range g.users {
		st.userByID[u.ID] = u
		st.userByKey[u.APIKey] = u
	}
	for _, s := range g.dataSources {
		st.dsByID[s.ID] = s
	}
	for _, gq := range g.queries {
		q := &query{Query: *gq}
		st.queries = append(st.queries, q)
		st.indexQuery(q)
	}
	st.byCreated = append(make([]*query, 0, len(st.queries)), st.queries[1:]...)
	sort.Slice(st.byCreated, func(i, j int) bool { return newerFirst(st.byCreated[i], st.byCreated[j]) })
	for _, d := range g.dashboards {
		st.dashboards = append(st.dashboards, d)
		st.dashBySlug[d.Slug] = d
		for _, w := range d.Widgets {
			st.widgetDash[w.ID] = d
		}
	}
	st.alerts = append(st.alerts, g.alerts...)
	for _, r := range g.results {
		st.addResult(r)
	}
	for _, f := range g.favorites {
		if f.QueryID != 0 {
			st.queryFavs[favKey{f.UserID, f.QueryID}] = f.CreatedAt
		} else {
			st.dashFavs[favKey{f.UserID, f.DashboardID}] = f.CreatedAt
		}
	}
	return st
}

func newerFirst(a, b *query) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

func (st *state) indexQuery(q *query) {
	st.byAPIKey[q.APIKey] = q
	for _, v := range q.Visualizations {
		st.vizQuery[v.ID] = q
	}
	if q.DataSourceID != 0 {
		k := hashKey{q.DataSourceID, q.QueryHash}
		st.byHash[k] = append(st.byHash[k], q)
	}
}

func (st *state) unindexHash(q *query) {
	k := hashKey{q.DataSourceID, q.QueryHash}
	list := st.byHash[k]
	if i := slices.Index(list, q); i >= 0 {
		st.byHash[k] = slices.Delete(list, i, i+1)
	}
}

// insertByCreated keeps byCreated sorted when a query is added.
func (st *state) insertByCreated(q *query) {
	i := sort.Search(len(st.byCreated), func(i int) bool { return newerFirst(q, st.byCreated[i]) })
	st.byCreated = slices.Insert(st.byCreated, i, q)
}

func (st *state) addResult(r *QueryResult) {
	st.results[r.ID] = r
	k := hashKey{r.DataSourceID, r.QueryHash}
	if cur := st.latestByHash[k]; cur == nil || !r.RetrievedAt.Before(cur.RetrievedAt) {
		st.latestByHash[k] = r
	}
}

func (st *state) query(id int) *query {
	if id <= 0 || id >= len(st.queries) {
		return nil
	}
	return st.queries[id]
}

func (st *state) dashboard(id int) *Dashboard {
	if id <= 0 || id >= len(st.dashboards) {
		return nil
	}
	return st.dashboards[id]
}

func (st *state) alert(id int) *Alert {
	if id <= 0 || id >= len(st.alerts) {
		return nil
	}
	return st.alerts[id]
}

func (st *state) visualization(id int) (*query, *Visualization) {
	q := st.vizQuery[id]
	if q == nil {
		return nil, nil
	}
	for i := range q.Visualizations {
		if q.Visualizations[i].ID == id {
			return q, &q.Visualizations[i]
		}
	}
	return nil, nil
}
