package fakeredash

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Access levels of a caller to a data source.
const (
	accessNone     = 0
	accessViewOnly = 1
	accessFull     = 2
)

// caller is an authenticated user key or query key (§3.2).
type caller struct {
	user     *User  // nil for a query-key caller
	apiQuery *query // the query whose key was used
	admin    bool
	groups   []int
	access   []int8 // by data source id (0 none, 1 view-only, 2 full)
	// objectAccess: a v7+ query key, checked against its query object
	objectAccess bool
}

func (c *caller) userID() int {
	if c == nil || c.user == nil {
		return 0
	}
	return c.user.ID
}

func (c *caller) isAPI() bool { return c != nil && c.user == nil }

func (s *Server) newCaller(u *User, groups []int, apiQuery *query) *caller {
	c := &caller{user: u, apiQuery: apiQuery, groups: groups, access: make([]int8, numDataSource+1)}
	if u != nil {
		c.admin = u.IsAdmin
	}
	for _, ds := range s.st.dataSources {
		if ds.Deleted || ds.ID >= len(c.access) {
			continue
		}
		level := int8(accessNone)
		for _, g := range ds.Groups {
			if !slices.Contains(groups, g.GroupID) {
				continue
			}
			if g.ViewOnly {
				level = max(level, accessViewOnly)
			} else {
				level = accessFull
			}
		}
		c.access[ds.ID] = level
	}
	return c
}

// listsDS reports whether lists show objects of data source ds to c:
// lists filter by the caller's groups, admins included (§3.3, §5.4).
func (c *caller) listsDS(ds int) bool {
	return ds > 0 && ds < len(c.access) && c.access[ds] != accessNone
}

// hasAccessDS is has_access for one data source: admins pass (§3.3).
func (c *caller) hasAccessDS(ds int, needFull bool) bool {
	if c.admin {
		return true
	}
	if ds <= 0 || ds >= len(c.access) {
		return false
	}
	if needFull {
		return c.access[ds] == accessFull
	}
	return c.access[ds] != accessNone
}

// hasAccessQuery is has_access for a query. From v7 a query key has view
// access to its own query and nothing more (has_access_to_object), so it
// may run it only when it is safe (§3.2).
func (c *caller) hasAccessQuery(q *query, needFull bool) bool {
	if c.objectAccess {
		return q == c.apiQuery && !needFull
	}
	return c.hasAccessDS(q.DataSourceID, needFull)
}

// canModifyOwned: the owner or an admin (§3.3).
func (c *caller) canModifyOwned(ownerID int) bool {
	if c == nil || c.user == nil {
		return false
	}
	return c.admin || c.user.ID == ownerID
}

func (c *caller) canModifyQuery(q *query) bool { return c.canModifyOwned(q.UserID) }

// apiKeyFromRequest follows get_api_key_from_request (§3.1): the api_key
// query parameter wins; otherwise the Authorization header with exactly
// one "Key " prefix stripped, or else the whole header value.
func apiKeyFromRequest(r *http.Request) string {
	if vals, ok := r.URL.Query()["api_key"]; ok && len(vals) > 0 {
		return vals[0]
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return ""
	}
	if rest, ok := strings.CutPrefix(h, "Key "); ok {
		return rest
	}
	return h
}

// authenticate finds the caller for key. queryID is the <query_id> of the
// URL, if any: a query key only works there (§3.2). Callers hold s.mu.
func (s *Server) authenticate(key string, inOrg bool, queryID string) *caller {
	if key == "" || !inOrg {
		return nil
	}
	if u := s.st.userByKey[key]; u != nil {
		if s.d.rejectDisabled && !u.DisabledAt.IsZero() {
			return nil // §3.1: disabled users are rejected from v6
		}
		return s.newCaller(u, u.Groups, nil)
	}
	if queryID == "" {
		return nil
	}
	id, err := strconv.Atoi(queryID)
	if err != nil {
		return nil
	}
	q := s.st.query(id)
	if q == nil || q.APIKey != key {
		return nil
	}
	var groups []int
	if ds := s.st.dsByID[q.DataSourceID]; ds != nil {
		for _, g := range ds.Groups {
			groups = append(groups, g.GroupID)
		}
	}
	c := s.newCaller(nil, groups, q)
	c.objectAccess = s.d.major >= 7
	return c
}
