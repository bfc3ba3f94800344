package fakeredash

import (
	"encoding/json"
	"net/http"
	"strconv"
)

func (s *Server) alertVisible(a *Alert, c *caller) bool {
	q := s.st.query(a.QueryID)
	return q != nil && c.listsDS(q.DataSourceID)
}

func (x *rctx) routeAlerts() bool {
	seg, m := x.seg, x.method()
	switch len(seg) {
	case 2:
		switch m {
		case http.MethodGet:
			x.listAlerts()
		case http.MethodPost:
			x.createAlert()
		default:
			x.notAllowed()
		}
		return true
	case 3:
		switch m {
		case http.MethodGet:
			x.getAlert(seg[2])
		case http.MethodPost:
			x.updateAlert(seg[2])
		case http.MethodDelete:
			x.deleteAlert(seg[2])
		default:
			x.notAllowed()
		}
		return true
	case 4:
		if seg[3] != "subscriptions" {
			return false
		}
		switch m {
		case http.MethodGet:
			x.listSubscriptions(seg[2])
		case http.MethodPost:
			x.subscribe(seg[2])
		default:
			x.notAllowed()
		}
		return true
	case 5:
		if seg[3] != "subscriptions" || m != http.MethodDelete {
			return false
		}
		x.unsubscribe(seg[2], seg[4])
		return true
	}
	return false
}

// listAlerts serves GET /api/alerts: a plain array of full alerts of the
// caller's groups (§9.3).
func (x *rctx) listAlerts() {
	s, c := x.s, x.c
	e := newEnc(s.d, 64*1024)
	e.arr()
	for _, a := range s.st.alerts[1:] {
		if a != nil && s.alertVisible(a, c) {
			s.encAlert(e, a)
		}
	}
	e.endArr()
	x.json(e.b)
	if s.d.serverEvents {
		s.recordEvent(c, actList, "alert", "")
	}
}

// lookupAlert: unknown ids are a 404 for the alert itself; the
// subscription routes fail with 500 (§17).
func (x *rctx) lookupAlert(idStr string, missing func()) *Alert {
	id, ok := x.id(idStr)
	if !ok {
		return nil
	}
	a := x.s.st.alert(id)
	if a == nil {
		missing()
		return nil
	}
	return a
}

func (x *rctx) getAlert(idStr string) {
	s, c := x.s, x.c
	a := x.lookupAlert(idStr, x.notFound)
	if a == nil {
		return
	}
	q := s.st.query(a.QueryID)
	if q == nil || !c.hasAccessQuery(q, false) {
		x.forbidden()
		return
	}
	e := newEnc(s.d, 8192)
	s.encAlert(e, a)
	x.json(e.b)
	if s.d.serverEvents {
		s.recordEvent(c, actView, "alert", strconv.Itoa(a.ID))
	}
}

// createAlert serves POST /api/alerts: a new id, state unknown, owned by
// the caller (§8.1, §17).
func (x *rctx) createAlert() {
	s, c := x.s, x.c
	body, ok := x.decodeObject()
	if !ok {
		return
	}
	for _, k := range []string{"options", "name", "query_id"} {
		if _, ok := body[k]; !ok {
			writeMessage(x.w, http.StatusBadRequest, msgBadRequest)
			return
		}
	}
	var qid int
	if json.Unmarshal(body["query_id"], &qid) != nil {
		x.internal()
		return
	}
	q := s.st.query(qid)
	if q == nil {
		x.internal()
		return
	}
	if !c.hasAccessQuery(q, false) {
		x.forbidden()
		return
	}
	now := s.now()
	a := &Alert{ID: s.st.nextAlert, QueryID: qid, UserID: c.userID(), State: "unknown", Options: compactJSON(body["options"]), CreatedAt: now, UpdatedAt: now}
	_ = json.Unmarshal(body["name"], &a.Name)
	if v, ok := body["rearm"]; ok {
		_ = json.Unmarshal(v, &a.Rearm)
	}
	s.st.nextAlert++
	s.st.alerts = append(s.st.alerts, a)
	if s.d.serverEvents {
		s.recordEvent(c, actCreate, "alert", strconv.Itoa(a.ID))
	}
	e := newEnc(s.d, 8192)
	s.encAlert(e, a)
	x.json(e.b)
}

func (x *rctx) updateAlert(idStr string) {
	s, c := x.s, x.c
	a := x.lookupAlert(idStr, x.notFound)
	if a == nil {
		return
	}
	if !c.canModifyOwned(a.UserID) {
		x.forbidden()
		return
	}
	body, ok := x.decodeObject()
	if !ok {
		return
	}
	if v, ok := body["name"]; ok {
		_ = json.Unmarshal(v, &a.Name)
	}
	if v, ok := body["options"]; ok {
		a.Options = compactJSON(v)
	}
	if v, ok := body["rearm"]; ok {
		a.Rearm = 0
		_ = json.Unmarshal(v, &a.Rearm)
	}
	a.UpdatedAt = s.now()
	e := newEnc(s.d, 8192)
	s.encAlert(e, a)
	x.json(e.b)
}

func (x *rctx) deleteAlert(idStr string) {
	a := x.lookupAlert(idStr, x.notFound)
	if a == nil {
		return
	}
	if !x.c.canModifyOwned(a.UserID) {
		x.forbidden()
		return
	}
	x.s.st.alerts[a.ID] = nil
	x.json([]byte("null"))
}

func (s *Server) encSubscription(e *enc, a *Alert, sub *AlertSubscription) {
	e.obj()
	e.key("id")
	e.integer(sub.ID)
	e.key("user")
	s.encUser(e, sub.UserID)
	e.key("alert_id")
	e.integer(a.ID)
	if sub.DestinationID != 0 {
		for _, d := range s.st.destinations {
			if d.ID == sub.DestinationID {
				e.key("destination")
				s.encDestination(e, d)
			}
		}
	}
	e.endObj()
}

func (s *Server) encDestination(e *enc, d *Destination) {
	icons := map[string]string{"slack": "fa-slack", "email": "fa-envelope", "pagerduty": "creative-commons-pd-alt"}
	e.obj()
	e.key("id")
	e.integer(d.ID)
	e.key("name")
	e.str(d.Name)
	e.key("type")
	e.str(d.Type)
	e.key("icon")
	e.str(icons[d.Type])
	e.endObj()
}

func (x *rctx) listSubscriptions(idStr string) {
	s := x.s
	a := x.lookupAlert(idStr, x.internal)
	if a == nil {
		return
	}
	e := newEnc(s.d, 4096)
	e.arr()
	for i := range a.Subscriptions {
		s.encSubscription(e, a, &a.Subscriptions[i])
	}
	e.endArr()
	x.json(e.b)
}

// subscribe serves POST /api/alerts/<id>/subscriptions: the subscriber is
// always the caller (§8.1).
func (x *rctx) subscribe(idStr string) {
	s, c := x.s, x.c
	a := x.lookupAlert(idStr, x.internal)
	if a == nil {
		return
	}
	body, ok := x.decodeObject()
	if !ok {
		return
	}
	sub := AlertSubscription{ID: s.st.nextSub, UserID: c.userID()}
	if v, ok := body["destination_id"]; ok && string(v) != "null" {
		if json.Unmarshal(v, &sub.DestinationID) != nil {
			x.internal()
			return
		}
		found := false
		for _, d := range s.st.destinations {
			found = found || d.ID == sub.DestinationID
		}
		if !found {
			x.internal()
			return
		}
	}
	s.st.nextSub++
	a.Subscriptions = append(a.Subscriptions, sub)
	e := newEnc(s.d, 2048)
	s.encSubscription(e, a, &a.Subscriptions[len(a.Subscriptions)-1])
	x.json(e.b)
}

func (x *rctx) unsubscribe(alertStr, subStr string) {
	a := x.lookupAlert(alertStr, x.internal)
	if a == nil {
		return
	}
	sid, ok := x.id(subStr)
	if !ok {
		return
	}
	for i, sub := range a.Subscriptions {
		if sub.ID == sid {
			if !x.c.canModifyOwned(sub.UserID) {
				x.forbidden()
				return
			}
			a.Subscriptions = append(a.Subscriptions[:i:i], a.Subscriptions[i+1:]...)
			x.json([]byte("null"))
			return
		}
	}
	x.internal()
}

func (x *rctx) listDestinations() {
	s := x.s
	e := newEnc(s.d, 512)
	e.arr()
	for _, d := range s.st.destinations {
		s.encDestination(e, d)
	}
	e.endArr()
	x.json(e.b)
}
