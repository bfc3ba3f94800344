package fakeredash

import (
	"strconv"
	"time"
)

// event is the compact stored form of an Event: the log holds ~150,000 of
// them, so strings are interned and rare fields live in extra.
type event struct {
	at       int64 // unix seconds (§11: whole-second resolution)
	userID   int32
	queryID  int32 // generation fact: the saved query concerned
	objectID int32
	dsID     int32 // details.data_source for execute_query
	action   uint8
	objType  uint8
	browser  uint8
	hasObj   bool
	sql      string
	extra    *eventExtra
}

type eventExtra struct {
	objectID string // a non-numeric object id (page name, posted events)
	userName string
}

// interned action and object type names; index 0 is "".
type internTable struct {
	names []string
	index map[string]uint8
}

func newInternTable(names ...string) *internTable {
	t := &internTable{names: []string{""}, index: map[string]uint8{"": 0}}
	for _, n := range names {
		t.id(n)
	}
	return t
}

// id returns the code for name, adding it while there is room; the
// caller holds the events lock when adding is possible.
func (t *internTable) id(name string) uint8 {
	if c, ok := t.index[name]; ok {
		return c
	}
	if len(t.names) >= 255 {
		return t.index["other"]
	}
	c := uint8(len(t.names))
	t.names = append(t.names, name)
	t.index[name] = c
	return c
}

func (t *internTable) name(c uint8) string { return t.names[c] }

const (
	actView         = "view"
	actExecuteQuery = "execute_query"
	actExecute      = "execute"
	actAPIGet       = "api_get"
	actList         = "list"
	actSearch       = "search"
	actViewSource   = "view_source"
	actEdit         = "edit"
	actCreate       = "create"
	actArchive      = "archive"
	actFavorites    = "load_favorites"
	actLogin        = "login"
)

func newActionTable() *internTable {
	return newInternTable(actView, actExecuteQuery, actExecute, actAPIGet, actList, actSearch,
		actViewSource, actEdit, actCreate, actArchive, actFavorites, actLogin, "other")
}

func newObjTypeTable() *internTable {
	return newInternTable("query", "data_source", "dashboard", "page", "alert", "user",
		"group", "query_result", "outdated_queries", "celery_tasks", "rq_status", "widget", "other")
}

func (e *event) objectIDString() string {
	if e.extra != nil && e.extra.objectID != "" {
		return e.extra.objectID
	}
	if !e.hasObj {
		return ""
	}
	return strconv.Itoa(int(e.objectID))
}

// export expands a stored event into the public form.
func (s *Server) exportEvent(e *event) Event {
	ev := Event{
		UserID:     int(e.userID),
		UserName:   s.eventUserName(e),
		Action:     s.actions.name(e.action),
		ObjectType: s.objTypes.name(e.objType),
		ObjectID:   e.objectIDString(),
		CreatedAt:  time.Unix(e.at, 0).UTC(),
		Browser:    browsers[e.browser],
		Location:   "Unknown",
		QueryID:    int(e.queryID),
	}
	if ev.Action == actExecuteQuery && ev.ObjectType == "data_source" {
		ev.SQL = e.sql
		ev.DataSource = ev.ObjectID
	}
	if ev.Action == actView && ev.ObjectType == "page" {
		ev.Page = ev.ObjectID
	}
	return ev
}

// eventUserName follows serialize_event (§11): the user's name for user
// events, the API key's name for key events.
func (s *Server) eventUserName(e *event) string {
	if e.extra != nil && e.extra.userName != "" {
		return e.extra.userName
	}
	if e.userID != 0 {
		if u := s.st.userByID[int(e.userID)]; u != nil {
			return u.Name
		}
		return "User " + strconv.Itoa(int(e.userID))
	}
	if e.queryID != 0 {
		return "ApiKey: Query " + strconv.Itoa(int(e.queryID))
	}
	return "Unknown"
}
