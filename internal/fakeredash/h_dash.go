package fakeredash

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// dashListed is Dashboard.all (§9.1): not archived, published or own, and
// owned or showing a query of the caller's groups.
func (s *Server) dashListed(db *Dashboard, c *caller) bool {
	uid := c.userID()
	if db.IsArchived || (db.IsDraft && db.UserID != uid) {
		return false
	}
	if db.UserID == uid {
		return true
	}
	for _, w := range db.Widgets {
		if w.VisualizationID == 0 {
			continue
		}
		if q, _ := s.st.visualization(w.VisualizationID); q != nil && c.listsDS(q.DataSourceID) {
			return true
		}
	}
	return false
}

func (x *rctx) routeDashboards() bool {
	seg, m, d := x.seg, x.method(), x.s.d
	switch len(seg) {
	case 2:
		switch m {
		case http.MethodGet:
			x.listDashboards(false, false)
		case http.MethodPost:
			x.createDashboard()
		default:
			x.notAllowed()
		}
		return true
	case 3:
		name := seg[2]
		switch {
		case name == "my" && d.dashMine && m == http.MethodGet:
			x.listDashboards(true, false)
			return true
		case name == "favorites" && d.favorites && m == http.MethodGet:
			x.listDashboards(false, true)
			return true
		case name == "tags" && d.tags && m == http.MethodGet:
			x.dashboardTags()
			return true
		case name == "recent" && d.dashRecent && m == http.MethodGet:
			x.recentDashboards()
			return true
		}
		switch m {
		case http.MethodGet:
			x.getDashboard(name)
		case http.MethodPost:
			x.updateDashboard(name)
		case http.MethodDelete:
			x.archiveDashboard(name)
		default:
			x.notAllowed()
		}
		return true
	}
	return false
}

// listDashboards serves GET /api/dashboards (v4 a plain array, v5+
// paginated with q, tags and order), /my (v10+) and /favorites (§9.1).
func (x *rctx) listDashboards(mine, favs bool) {
	s, d, c := x.s, x.s.d, x.c
	term := ""
	var tags []string
	if d.pagedDashboards {
		term = strings.ToLower(x.args.Get("q"))
		tags = x.args["tags"]
	}
	var out []*Dashboard
	for _, db := range s.st.dashboards[1:] {
		if !s.dashListed(db, c) {
			continue
		}
		if mine && db.UserID != c.userID() {
			continue
		}
		if favs {
			if _, ok := s.st.dashFavs[favKey{c.userID(), db.ID}]; !ok {
				continue
			}
		}
		if term != "" && !strings.Contains(strings.ToLower(db.Name), term) {
			continue
		}
		if len(tags) > 0 && !hasAllTags(db.Tags, tags) {
			continue
		}
		out = append(out, db)
	}
	order := strings.TrimSpace(x.args.Get("order"))
	desc := strings.HasPrefix(order, "-")
	field := strings.TrimPrefix(order, "-")
	if !d.pagedDashboards || (field != "name" && field != "created_at") {
		field, desc = "created_at", true
	}
	slices.SortStableFunc(out, func(a, b *Dashboard) int {
		r := 0
		if field == "name" {
			r = strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
		} else {
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
	if !d.pagedDashboards {
		e := newEnc(d, 1024*len(out)+2)
		e.arr()
		for _, db := range out {
			s.encDashboard(e, db, c, false, false)
		}
		e.endArr()
		x.json(e.b)
		return
	}
	page, size := x.pageArgs()
	start, end, ok := x.checkPage(len(out), page, size)
	if !ok {
		return
	}
	x.writePage(len(out), page, size, start, end, func(e *enc, i int) { s.encDashboard(e, out[i], c, false, false) })
	if d.serverEvents && !mine {
		action := actList
		if term != "" {
			action = actSearch
		}
		s.recordEvent(c, action, "dashboard", "")
	}
}

func (x *rctx) dashboardTags() {
	counts := map[string]int{}
	for _, db := range x.s.st.dashboards[1:] {
		if x.s.dashListed(db, x.c) {
			for _, t := range db.Tags {
				counts[t]++
			}
		}
	}
	x.writeTags(counts, x.s.d)
}

func (x *rctx) recentDashboards() {
	s, c := x.s, x.c
	var out []*Dashboard
	for _, db := range s.st.dashboards[1:] {
		if s.dashListed(db, c) {
			out = append(out, db)
		}
	}
	slices.SortStableFunc(out, func(a, b *Dashboard) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	if len(out) > 20 {
		out = out[:20]
	}
	e := newEnc(s.d, 1024*len(out)+2)
	e.arr()
	for _, db := range out {
		s.encDashboard(e, db, c, false, false)
	}
	e.endArr()
	x.json(e.b)
}

// lookupDashboard finds a dashboard by slug up to v9 and by id from v10
// (?legacy = slug), §9.1.
func (x *rctx) lookupDashboard(key string) *Dashboard {
	st := x.s.st
	_, legacy := x.args["legacy"]
	if !x.s.d.dashboardsByID || legacy {
		db := st.dashBySlug[key]
		if db == nil {
			x.notFound()
		}
		return db
	}
	id, ok := x.id(key)
	if !ok {
		return nil
	}
	db := st.dashboard(id)
	if db == nil {
		x.notFound()
	}
	return db
}

// getDashboard serves GET /api/dashboards/<slug|id> with widgets; v6+
// records a view (§9.1).
func (x *rctx) getDashboard(key string) {
	s, c := x.s, x.c
	db := x.lookupDashboard(key)
	if db == nil {
		return
	}
	e := newEnc(s.d, 8192)
	s.encDashboard(e, db, c, true, true)
	x.json(e.b)
	if s.d.serverEvents {
		s.recordEvent(c, actView, "dashboard", strconv.Itoa(db.ID))
	}
}

// updateDashboard serves POST /api/dashboards/<id>: a whitelist of fields,
// is_archived from v9 and options from v10; version is a real lock (§7.3).
func (x *rctx) updateDashboard(idStr string) {
	s, d, c := x.s, x.s.d, x.c
	id, ok := x.id(idStr)
	if !ok {
		return
	}
	db := s.st.dashboard(id)
	if db == nil {
		x.notFound()
		return
	}
	if !c.canModifyOwned(db.UserID) {
		x.forbidden()
		return
	}
	body, ok := x.decodeObject()
	if !ok {
		return
	}
	if v, ok := body["version"]; ok {
		var n int
		if json.Unmarshal(v, &n) != nil || n != db.Version {
			writeMessage(x.w, http.StatusConflict, msgConflict)
			return
		}
	}
	for k, v := range body {
		switch {
		case k == "name":
			_ = json.Unmarshal(v, &db.Name)
		case k == "layout":
			db.Layout = compactJSON(v)
		case k == "dashboard_filters_enabled":
			_ = json.Unmarshal(v, &db.FiltersEnabled)
		case k == "tags" && d.tags:
			var tags []string
			_ = json.Unmarshal(v, &tags)
			db.Tags = append([]string{}, tags...)
		case k == "is_archived" && d.major >= 9:
			_ = json.Unmarshal(v, &db.IsArchived)
		case k == "is_draft":
			_ = json.Unmarshal(v, &db.IsDraft)
		case k == "options" && d.dashboardsByID:
			db.Options = compactJSON(v)
		}
	}
	db.Version++
	db.UpdatedAt = s.now()
	e := newEnc(d, 8192)
	s.encDashboard(e, db, c, true, false)
	x.json(e.b)
}

// archiveDashboard serves DELETE /api/dashboards/<slug|id> (§9.1, §17).
func (x *rctx) archiveDashboard(key string) {
	s, d, c := x.s, x.s.d, x.c
	var db *Dashboard
	if d.dashboardsByID {
		if db = x.lookupDashboard(key); db == nil {
			return
		}
	} else if db = s.st.dashBySlug[key]; db == nil {
		x.internal() // v4-v8: no 404 wrapper
		return
	}
	if !c.canModifyOwned(db.UserID) {
		writeMessage(x.w, http.StatusForbidden, msgNoEdit)
		return
	}
	db.IsArchived = true
	db.Version++
	db.UpdatedAt = s.now()
	if d.serverEvents {
		s.recordEvent(c, actArchive, "dashboard", strconv.Itoa(db.ID))
	}
	e := newEnc(d, 8192)
	s.encDashboard(e, db, c, true, false)
	x.json(e.b)
}

func (x *rctx) createDashboard() {
	s, c := x.s, x.c
	body, ok := x.decodeObject()
	if !ok {
		return
	}
	var name string
	if json.Unmarshal(body["name"], &name) != nil {
		x.internal()
		return
	}
	st := s.st
	now := s.now()
	slug := slugify(name)
	base := slug
	for i := 1; st.dashBySlug[slug] != nil; i++ {
		slug = fmt.Sprintf("%s_%d", base, i)
	}
	db := &Dashboard{
		ID: st.nextDash, Slug: slug, Name: name, UserID: c.userID(), Layout: json.RawMessage(`[]`),
		IsDraft: true, Tags: []string{}, Options: json.RawMessage(`{}`), Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	st.nextDash++
	st.dashboards = append(st.dashboards, db)
	st.dashBySlug[slug] = db
	e := newEnc(s.d, 2048)
	s.encDashboard(e, db, c, false, false)
	x.json(e.b)
}

func (x *rctx) routeWidgets() bool {
	seg, m := x.seg, x.method()
	switch len(seg) {
	case 2:
		if m != http.MethodPost {
			x.notAllowed()
			return true
		}
		x.createWidget()
		return true
	case 3:
		switch m {
		case http.MethodPost:
			x.updateWidget(seg[2])
		case http.MethodDelete:
			x.deleteWidget(seg[2])
		default:
			x.notAllowed()
		}
		return true
	}
	return false
}

// createWidget serves POST /api/widgets: the bare widget with a new id
// (§0: v4.0.2 is bare too; §17: visualization_id must be present).
func (x *rctx) createWidget() {
	s, c := x.s, x.c
	body, ok := x.decodeObject()
	if !ok {
		return
	}
	var dashID int
	if json.Unmarshal(body["dashboard_id"], &dashID) != nil {
		x.internal()
		return
	}
	db := s.st.dashboard(dashID)
	if db == nil {
		x.internal() // get_by_id_and_org(...).one() raises
		return
	}
	if !c.canModifyOwned(db.UserID) {
		x.forbidden()
		return
	}
	opts, ok := body["options"]
	if !ok {
		x.internal()
		return
	}
	vizRaw, ok := body["visualization_id"]
	if !ok {
		x.internal()
		return
	}
	w := Widget{ID: s.st.nextWidget, DashboardID: db.ID, Width: 1, Options: compactJSON(opts)}
	var vizID int
	if string(vizRaw) != "null" {
		if json.Unmarshal(vizRaw, &vizID) != nil {
			x.internal()
			return
		}
	}
	if vizID != 0 {
		q, v := s.st.visualization(vizID)
		if v == nil {
			x.internal()
			return
		}
		if !c.hasAccessQuery(q, false) {
			x.forbidden()
			return
		}
		w.VisualizationID = vizID
	}
	for k, v := range body {
		switch k {
		case "dashboard_id", "options", "visualization_id", "id":
		case "width":
			if json.Unmarshal(v, &w.Width) != nil {
				x.internal()
				return
			}
		case "text":
			var t *string
			_ = json.Unmarshal(v, &t)
			if t != nil {
				w.Text = *t
			}
		default:
			x.internal() // Widget(**kwargs) rejects unknown keywords
			return
		}
	}
	now := s.now()
	w.CreatedAt, w.UpdatedAt = now, now
	s.st.nextWidget++
	db.Widgets = append(db.Widgets, w)
	s.st.widgetDash[w.ID] = db
	e := newEnc(s.d, 4096)
	s.encWidget(e, &db.Widgets[len(db.Widgets)-1], c)
	x.json(e.b)
}

func (x *rctx) lookupWidget(idStr string) (*Dashboard, int) {
	id, ok := x.id(idStr)
	if !ok {
		return nil, -1
	}
	db := x.s.st.widgetDash[id]
	if db == nil {
		x.internal()
		return nil, -1
	}
	for i := range db.Widgets {
		if db.Widgets[i].ID == id {
			if !x.c.canModifyOwned(db.UserID) {
				x.forbidden()
				return nil, -1
			}
			return db, i
		}
	}
	x.internal()
	return nil, -1
}

func (x *rctx) updateWidget(idStr string) {
	db, i := x.lookupWidget(idStr)
	if db == nil {
		return
	}
	body, ok := x.decodeObject()
	if !ok {
		return
	}
	text, ok1 := body["text"]
	opts, ok2 := body["options"]
	if !ok1 || !ok2 {
		x.internal()
		return
	}
	w := &db.Widgets[i]
	var t *string
	_ = json.Unmarshal(text, &t)
	w.Text = ""
	if t != nil {
		w.Text = *t
	}
	w.Options = compactJSON(opts)
	w.UpdatedAt = x.s.now()
	e := newEnc(x.s.d, 4096)
	x.s.encWidget(e, w, x.c)
	x.json(e.b)
}

func (x *rctx) deleteWidget(idStr string) {
	db, i := x.lookupWidget(idStr)
	if db == nil {
		return
	}
	id := db.Widgets[i].ID
	db.Widgets = slices.Delete(db.Widgets, i, i+1)
	delete(x.s.st.widgetDash, id)
	if x.s.d.serverEvents {
		x.s.recordEvent(x.c, "delete", "widget", strconv.Itoa(id))
	}
	x.json([]byte("null"))
}
