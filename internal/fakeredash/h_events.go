package fakeredash

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// addEvent appends to the log, dropping the oldest beyond the cap.
func (s *Server) addEvent(ev event, action, objType string) {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	if s.eventsStopped {
		return
	}
	ev.action = s.actions.id(action)
	ev.objType = s.objTypes.id(objType)
	s.events = append(s.events, ev)
	if len(s.events) > s.evCap {
		drop := len(s.events) - s.evCap + s.evCap/10
		s.events = append(s.events[:0:0], s.events[drop:]...)
	}
}

func (s *Server) baseEvent(c *caller) event {
	ev := event{at: s.now().Unix(), browser: uint8(len(browsers) - 1)}
	if c.user != nil {
		ev.userID = int32(c.user.ID)
	} else if c.apiQuery != nil {
		ev.queryID = int32(c.apiQuery.ID)
	}
	return ev
}

// recordEvent records a server-side event (§11); objectID "" is null.
func (s *Server) recordEvent(c *caller, action, objType, objectID string) {
	ev := s.baseEvent(c)
	if objectID != "" {
		if n, err := strconv.Atoi(objectID); err == nil {
			ev.objectID, ev.hasObj = int32(n), true
			if objType == "query" && ev.queryID == 0 {
				ev.queryID = int32(n)
			}
		} else {
			ev.extra = &eventExtra{objectID: objectID}
		}
	}
	s.addEvent(ev, action, objType)
}

// recordExecution records execute_query on the data source, with the SQL
// that ran (§10.5, §17).
func (s *Server) recordExecution(c *caller, ds int, sql string, queryID int) {
	ev := s.baseEvent(c)
	ev.objectID, ev.hasObj, ev.dsID, ev.sql = int32(ds), true, int32(ds), sql
	ev.queryID = int32(queryID)
	s.addEvent(ev, actExecuteQuery, "data_source")
}

// recordAPIGet records a query-key download (§11).
func (s *Server) recordAPIGet(c *caller, queryID int) {
	ev := s.baseEvent(c)
	ev.objectID, ev.hasObj, ev.queryID = int32(queryID), true, int32(queryID)
	ev.browser = 3
	s.addEvent(ev, actAPIGet, "query")
}

// listEvents serves GET /api/events: admin only, newest first (§11).
func (x *rctx) listEvents() {
	s := x.s
	if !x.c.admin {
		x.forbidden()
		return
	}
	page, size := x.pageArgs()
	s.evMu.RLock()
	defer s.evMu.RUnlock()
	n := len(s.events)
	start, end, ok := x.checkPage(n, page, size)
	if !ok {
		return
	}
	x.writePage(n, page, size, start, end, func(e *enc, i int) {
		s.encEvent(e, &s.events[n-1-i])
	})
}

func (s *Server) encEvent(e *enc, ev *event) {
	action, objType := s.actions.name(ev.action), s.objTypes.name(ev.objType)
	oid := ev.objectIDString()
	e.obj()
	e.key("org_id")
	e.integer(1)
	e.key("user_id")
	e.optInt(int(ev.userID))
	e.key("action")
	e.str(action)
	e.key("object_type")
	e.str(objType)
	e.key("object_id")
	if oid == "" {
		e.null()
	} else {
		e.str(oid)
	}
	e.key("created_at")
	e.time(time.Unix(ev.at, 0).UTC())
	e.key("user_name")
	e.str(s.eventUserName(ev))
	e.key("browser")
	e.str(browsers[ev.browser])
	e.key("location")
	e.str("Unknown")
	e.key("details")
	e.obj()
	switch {
	case action == actExecuteQuery && objType == "data_source":
		e.key("query")
		e.str(ev.sql)
		e.key("data_source")
		e.str(oid)
	case action == actView && objType == "page":
		e.key("page")
		e.str(oid)
	default:
		e.key("object_id")
		if oid == "" {
			e.null()
		} else {
			e.str(oid)
		}
		e.key("object_type")
		e.str(objType)
	}
	e.endObj()
	e.endObj()
}

// postEvents serves POST /api/events: any logged-in user may post (§11).
func (x *rctx) postEvents() {
	var list []map[string]any
	if err := json.Unmarshal(x.body(), &list); err != nil {
		writeMessage(x.w, http.StatusBadRequest, msgBadRequest)
		return
	}
	for _, m := range list {
		action, _ := m["action"].(string)
		objType, _ := m["object_type"].(string)
		oid := ""
		switch v := m["object_id"].(type) {
		case string:
			oid = v
		case float64:
			oid = strconv.FormatFloat(v, 'f', -1, 64)
		}
		x.s.recordEvent(x.c, action, objType, oid)
	}
	x.json([]byte("null"))
}

// eventsSnapshot exports the events log, oldest first.
func (s *Server) eventsSnapshot() []Event {
	s.evMu.RLock()
	defer s.evMu.RUnlock()
	out := make([]Event, len(s.events))
	for i := range s.events {
		out[i] = s.exportEvent(&s.events[i])
	}
	return out
}
