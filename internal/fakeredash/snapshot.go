package fakeredash

import "slices"

// Snapshot returns a deep copy of the current state.
func (s *Server) Snapshot() *Dataset {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.st
	ds := &Dataset{Version: s.d.version, OrgSlug: s.opts.OrgSlug, Now: s.opts.Now}
	for _, g := range st.groups {
		c := *g
		c.Permissions = slices.Clone(g.Permissions)
		ds.Groups = append(ds.Groups, c)
	}
	for _, u := range st.users {
		c := *u
		c.Groups = slices.Clone(u.Groups)
		ds.Users = append(ds.Users, c)
	}
	for _, d := range st.dataSources {
		c := *d
		c.Groups = slices.Clone(d.Groups)
		ds.DataSources = append(ds.DataSources, c)
	}
	for _, d := range st.destinations {
		ds.Destinations = append(ds.Destinations, *d)
	}
	ds.Queries = make([]Query, 0, len(st.queries)-1)
	for _, q := range st.queries[1:] {
		ds.Queries = append(ds.Queries, q.clone())
	}
	for _, d := range st.dashboards[1:] {
		ds.Dashboards = append(ds.Dashboards, d.clone())
	}
	for _, a := range st.alerts[1:] {
		if a != nil {
			ds.Alerts = append(ds.Alerts, a.clone())
		}
	}
	ids := make([]int, 0, len(st.results))
	for id := range st.results {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ds.Results = append(ds.Results, *st.results[id])
	}
	for k, t := range st.queryFavs {
		ds.Favorites = append(ds.Favorites, Favorite{UserID: k.user, QueryID: k.obj, CreatedAt: t})
	}
	for k, t := range st.dashFavs {
		ds.Favorites = append(ds.Favorites, Favorite{UserID: k.user, DashboardID: k.obj, CreatedAt: t})
	}
	slices.SortFunc(ds.Favorites, func(a, b Favorite) int {
		if a.UserID != b.UserID {
			return a.UserID - b.UserID
		}
		if a.QueryID != b.QueryID {
			return a.QueryID - b.QueryID
		}
		return a.DashboardID - b.DashboardID
	})
	ds.Events = s.eventsSnapshot()
	return ds
}
