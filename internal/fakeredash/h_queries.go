package fakeredash

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

type listKind int

const (
	listAll listKind = iota
	listMine
	listArchive
	listFavorites
)

// listed reports whether q belongs in a list of kind for c (§5.1, §5.4).
func (s *Server) listed(q *query, c *caller, kind listKind) bool {
	if !c.listsDS(q.DataSourceID) {
		return false // deleted data source, or none of the caller's groups
	}
	uid := c.userID()
	switch kind {
	case listAll:
		if q.IsArchived {
			return false
		}
		// v4: published plus own drafts; v5+: everyone's drafts.
		return s.d.major >= 5 || !q.IsDraft || q.UserID == uid
	case listMine:
		return !q.IsArchived && q.UserID == uid
	case listArchive:
		return q.IsArchived && (!q.IsDraft || q.UserID == uid)
	case listFavorites:
		if q.IsArchived {
			return false
		}
		_, fav := s.st.queryFavs[favKey{uid, q.ID}]
		return fav
	}
	return false
}

// VisibleQueryIDs returns, ascending, the ids GET /api/queries lists for
// apiKey (nil for a key that does not authenticate there).
func (s *Server) VisibleQueryIDs(apiKey string) []int {
	return s.idsFor(apiKey, listAll)
}

// ArchivedQueryIDs returns, ascending, what GET /api/queries/archive lists
// for apiKey by the v7+ rule (archived, minus other users' drafts), in
// every dialect.
func (s *Server) ArchivedQueryIDs(apiKey string) []int {
	return s.idsFor(apiKey, listArchive)
}

func (s *Server) idsFor(apiKey string, kind listKind) []int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.authenticate(apiKey, true, "")
	if c == nil {
		return nil
	}
	var ids []int
	for _, q := range s.st.queries[1:] {
		if s.listed(q, c, kind) {
			ids = append(ids, q.ID)
		}
	}
	return ids
}

func (x *rctx) routeQueries() bool {
	seg, m, d := x.seg, x.method(), x.s.d
	switch len(seg) {
	case 2:
		switch m {
		case http.MethodGet:
			x.listQueries(listAll)
		case http.MethodPost:
			x.createQuery()
		default:
			x.notAllowed()
		}
		return true
	case 3:
		name := seg[2]
		if d.staticQueryPath(name) {
			switch {
			case name == "format":
				if m != http.MethodPost {
					return false
				}
				x.formatQuery()
			case m != http.MethodGet:
				x.notAllowed()
			case name == "my":
				x.listQueries(listMine)
			case name == "archive":
				x.listQueries(listArchive)
			case name == "favorites":
				x.listQueries(listFavorites)
			case name == "tags":
				x.queryTags()
			case name == "recent":
				x.recentQueries()
			case name == "search":
				x.searchQueries()
			}
			return true
		}
		switch m {
		case http.MethodGet:
			x.getQuery(name)
		case http.MethodPost:
			x.updateQuery(name)
		case http.MethodDelete:
			x.archiveQuery(name)
		default:
			x.notAllowed()
		}
		return true
	case 4:
		qid, sub := seg[2], seg[3]
		switch {
		case sub == "results" && d.resultsPost:
			switch m {
			case http.MethodGet:
				x.queryResultsDownload(qid, "", "results.json")
			case http.MethodPost:
				x.runSavedQuery(qid)
			default:
				x.notAllowed()
			}
			return true
		case strings.HasPrefix(sub, "results."):
			if m != http.MethodGet {
				x.notAllowed()
				return true
			}
			x.queryResultsDownload(qid, "", sub)
			return true
		case sub == "refresh":
			if m != http.MethodPost {
				x.notAllowed()
				return true
			}
			x.refreshQuery(qid)
			return true
		case sub == "favorite" && d.favorites:
			x.favoriteQuery(qid, m)
			return true
		}
	case 5:
		qid := seg[2]
		switch {
		case seg[3] == "results" && m == http.MethodGet:
			x.queryResultsDownload(qid, seg[4], seg[4])
			return true
		case seg[3] == "jobs" && d.queryJobsRoute && m == http.MethodGet:
			x.getJob(seg[4])
			return true
		}
	}
	return false
}

// listQueries serves /api/queries, /my, /archive and /favorites (§5).
func (x *rctx) listQueries(kind listKind) {
	s, d, c := x.s, x.s.d, x.c
	page, size := x.pageArgs()
	term := ""
	var tags []string
	var spec orderSpec
	hasOrder := false
	if d.searchAndOrder {
		term = x.args.Get("q")
		tags = x.args["tags"]
		spec, hasOrder = d.queryOrder(x.args.Get("order"))
	}
	var groups [][]searchTerm
	if term != "" {
		groups = parseSearch(term)
	}
	// byCreated is already in the default order (-created_at). When that is
	// the answer's order, only the requested page's rows are kept.
	window := !hasOrder && term == ""
	lo, hi := 0, 0
	if window && page >= 1 && size >= 1 && page-1 < len(s.st.byCreated)/size+1 {
		lo, hi = (page-1)*size, page*size
	}
	var qs []*query
	var ranks map[*query]float64
	if term != "" {
		ranks = map[*query]float64{}
	}
	count := 0
	for _, q := range s.st.byCreated {
		if !s.listed(q, c, kind) {
			continue
		}
		if len(tags) > 0 && !hasAllTags(q.Tags, tags) {
			continue
		}
		if term != "" {
			r := q.searchDoc().rank(groups)
			if r == 0 {
				continue
			}
			ranks[q] = r
		}
		if !window || (count >= lo && count < hi) {
			qs = append(qs, q)
		}
		count++
	}
	switch {
	case hasOrder:
		var starred func(*query) (int64, bool)
		if spec.field == "starred_at" {
			starred = func(q *query) (int64, bool) {
				t, ok := s.st.queryFavs[favKey{c.userID(), q.ID}]
				return t.UnixMicro(), ok
			}
		}
		if spec.field != "created_at" || !spec.desc {
			s.sortQueries(qs, spec, starred)
		}
	case term != "" && d.searchKeepsRank:
		// v8+: a search without order keeps the rank order (§5.6).
		slices.SortStableFunc(qs, func(a, b *query) int {
			ra, rb := ranks[a], ranks[b]
			switch {
			case ra > rb:
				return -1
			case ra < rb:
				return 1
			}
			return 0
		})
	}
	start, end, ok := x.checkPage(count, page, size)
	if !ok {
		return
	}
	off := 0
	if window {
		off = start // qs holds rows start..end-1 only
	}
	x.writePage(count, page, size, start, end, func(e *enc, i int) { s.encQueryListItem(e, qs[i-off], c) })
	if d.serverEvents {
		switch {
		case kind == listFavorites:
			s.recordEvent(c, actFavorites, "query", "")
		case kind == listMine:
		case term != "":
			s.recordEvent(c, actSearch, "query", "")
		default:
			s.recordEvent(c, actList, "query", "")
		}
	}
}

// queryTags serves /api/queries/tags (§7.2).
func (x *rctx) queryTags() {
	s, d := x.s, x.s.d
	counts := map[string]int{}
	for _, q := range s.st.queries[1:] {
		if q.IsArchived || !x.c.listsDS(q.DataSourceID) {
			continue
		}
		for _, t := range q.Tags {
			counts[t]++
		}
	}
	x.writeTags(counts, d)
}

func (x *rctx) writeTags(counts map[string]int, d *dialect) {
	names := make([]string, 0, len(counts))
	for t := range counts {
		names = append(names, t)
	}
	slices.Sort(names)
	if !d.tagsByName {
		slices.SortStableFunc(names, func(a, b string) int { return counts[b] - counts[a] })
	}
	e := newEnc(d, 64+32*len(names))
	e.obj()
	if !d.tagsListShape {
		// v5: {"tag": count}.
		for _, t := range names {
			e.key(t)
			e.integer(counts[t])
		}
		e.endObj()
		x.json(e.b)
		return
	}
	e.key("tags")
	e.arr()
	for _, t := range names {
		e.obj()
		e.key("name")
		e.str(t)
		e.key("count")
		e.integer(counts[t])
		e.endObj()
	}
	e.endArr()
	e.endObj()
	x.json(e.b)
}

// recentQueries serves /api/queries/recent, a plain array (§5.1).
func (x *rctx) recentQueries() {
	s, c := x.s, x.c
	var out []*query
	if s.d.major >= 5 {
		for _, q := range s.st.queries[1:] {
			if s.listed(q, c, listMine) {
				out = append(out, q)
			}
		}
		slices.SortStableFunc(out, func(a, b *query) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
		if len(out) > 10 {
			out = out[:10]
		}
	} else {
		out = s.recentByEvents(c)
	}
	e := newEnc(s.d, 2048*len(out)+2)
	e.arr()
	for _, q := range out {
		s.encQueryRecent(e, q, c)
	}
	e.endArr()
	x.json(e.b)
}

// recentByEvents is v4's ranking: the last 7 days of edit, execute,
// edit_name, edit_description and view_source events, the caller's first.
func (s *Server) recentByEvents(c *caller) []*query {
	s.evMu.RLock()
	defer s.evMu.RUnlock()
	since := s.now().Add(-7 * day).Unix()
	wanted := map[string]bool{actEdit: true, actExecute: true, "edit_name": true, "edit_description": true, actViewSource: true}
	var out []*query
	seen := map[int]bool{}
	for pass := 0; pass < 2 && len(out) < 20; pass++ {
		for i := len(s.events) - 1; i >= 0 && len(out) < 20; i-- {
			ev := &s.events[i]
			if ev.at < since {
				break
			}
			mine := int(ev.userID) == c.userID()
			if (pass == 0) != mine || !wanted[s.actions.name(ev.action)] || s.objTypes.name(ev.objType) != "query" || !ev.hasObj {
				continue
			}
			q := s.st.query(int(ev.objectID))
			if q == nil || seen[q.ID] || !s.listed(q, c, listAll) {
				continue
			}
			seen[q.ID] = true
			out = append(out, q)
		}
	}
	return out
}

// searchQueries serves /api/queries/search: v4 a plain array, v5+ a 301
// to the list (§5.1).
func (x *rctx) searchQueries() {
	s, c := x.s, x.c
	term := x.args.Get("q")
	if term == "" {
		x.json([]byte("[]"))
		return
	}
	if s.d.major >= 5 {
		drafts := "false"
		if _, ok := x.args["include_drafts"]; ok {
			drafts = "true"
		}
		prefix := ""
		if s.opts.OrgSlug != "" {
			prefix = "/" + s.opts.OrgSlug
		}
		v := url.Values{"q": {term}, "drafts": {drafts}}
		x.w.Header().Set("Location", prefix+"/api/queries?"+v.Encode())
		if s.d.serverEvents {
			s.recordEvent(c, actSearch, "query", "")
		}
		writeJSON(x.w, http.StatusMovedPermanently, []byte("{}"))
		return
	}
	_, drafts := x.args["include_drafts"]
	low := strings.ToLower(term)
	var out []*query
	for _, q := range s.st.byCreated {
		if q.IsArchived || !c.listsDS(q.DataSourceID) || (q.IsDraft && !drafts) {
			continue
		}
		desc := ""
		if q.Description != nil {
			desc = *q.Description
		}
		if strings.Contains(strings.ToLower(q.Name), low) || strings.Contains(strings.ToLower(desc), low) ||
			strings.Contains(strings.ToLower(q.SQL), low) || strconv.Itoa(q.ID) == term {
			out = append(out, q)
		}
	}
	e := newEnc(s.d, 2048*len(out)+2)
	e.arr()
	for _, q := range out {
		s.encQuerySingle(e, q, c, singleOpts{})
	}
	e.endArr()
	x.json(e.b)
}

func (x *rctx) formatQuery() {
	var body struct {
		Query string `json:"query"`
	}
	_ = json.Unmarshal(x.body(), &body)
	e := newEnc(x.s.d, len(body.Query)+16)
	e.obj()
	e.key("query")
	e.str(body.Query)
	e.endObj()
	x.json(e.b)
}

func (x *rctx) body() []byte { return x.bodyBytes }

// lookupQuery parses <query_id> and loads the query (500 for a
// non-integer, 404 when unknown; archived queries load, §7.1).
func (x *rctx) lookupQuery(idStr string) *query {
	id, ok := x.id(idStr)
	if !ok {
		return nil
	}
	q := x.s.st.query(id)
	if q == nil {
		x.notFound()
		return nil
	}
	return q
}

// getQuery serves GET /api/queries/<id> (§5.5); v6+ records a view (§11).
func (x *rctx) getQuery(idStr string) {
	s, c := x.s, x.c
	q := x.lookupQuery(idStr)
	if q == nil {
		return
	}
	if !c.hasAccessQuery(q, false) {
		x.forbidden()
		return
	}
	e := newEnc(s.d, 4096)
	s.encQuerySingle(e, q, c, singleOpts{viz: true, canEdit: true, favorite: true})
	x.json(e.b)
	if s.d.serverEvents {
		s.recordEvent(c, actView, "query", strconv.Itoa(q.ID))
	}
}

// decodeObject parses a JSON object body: malformed JSON is a 400 (§17).
func (x *rctx) decodeObject() (map[string]json.RawMessage, bool) {
	var body map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(x.body()))
	if err := dec.Decode(&body); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case asErr(err, &typ):
			x.internal() // valid JSON that is not an object: the handler fails
		case asErr(err, &syn) || err != nil:
			writeMessage(x.w, http.StatusBadRequest, msgBadRequest)
		}
		return nil, false
	}
	if body == nil {
		x.internal()
		return nil, false
	}
	return body, true
}

// validateQueryFields checks the values setattr would write (§7.1); a
// value that the database or a property would reject is a 500.
func (x *rctx) validateQueryFields(body map[string]json.RawMessage, creating bool) bool {
	s, d := x.s, x.s.d
	for k, v := range body {
		isNull := string(v) == "null"
		switch k {
		case "name":
			var str string
			if json.Unmarshal(v, &str) != nil {
				x.internal()
				return false
			}
		case "description", "query_hash":
			var str *string
			if json.Unmarshal(v, &str) != nil {
				x.internal()
				return false
			}
		case "query_text":
			var str string
			if json.Unmarshal(v, &str) != nil || isNull {
				x.internal()
				return false
			}
		case "schedule":
			if isNull {
				continue
			}
			var str string
			isStr := json.Unmarshal(v, &str) == nil
			var obj map[string]json.RawMessage
			isObj := json.Unmarshal(v, &obj) == nil && obj != nil
			// §6: a string on v7+ or an object on v4-v6 fails: 500, nothing written.
			if (d.scheduleObject && !isObj) || (!d.scheduleObject && !isStr) {
				x.internal()
				return false
			}
		case "options":
			if isNull {
				if d.dropdownCheck {
					x.internal() // §7.1: options null breaks the dropdown check on v8+
					return false
				}
				continue
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(v, &obj) != nil || obj == nil {
				x.internal()
				return false
			}
		case "tags":
			if !d.tags {
				continue
			}
			var tags []*string
			if !isNull && json.Unmarshal(v, &tags) != nil {
				x.internal()
				return false
			}
		case "is_draft", "is_archived":
			var b bool
			if json.Unmarshal(v, &b) != nil {
				x.internal()
				return false
			}
		case "data_source_id":
			if isNull && !creating {
				continue
			}
			var n int
			if json.Unmarshal(v, &n) != nil {
				x.internal()
				return false
			}
			if ds := s.st.dsByID[n]; ds == nil || ds.Deleted {
				x.internal()
				return false
			}
		case "latest_query_data_id":
			if isNull {
				continue
			}
			var n int
			if json.Unmarshal(v, &n) != nil || s.st.results[n] == nil {
				x.internal()
				return false
			}
		case "user_id":
			var n int
			if json.Unmarshal(v, &n) != nil || s.st.userByID[n] == nil {
				x.internal()
				return false
			}
		case "version", "schedule_failures":
			var n int
			if json.Unmarshal(v, &n) != nil {
				x.internal()
				return false
			}
		case "retrieved_at", "runtime":
			// Read-only properties: assigning them raises (§7.1).
			x.internal()
			return false
		}
	}
	return true
}

// checkDropdowns is require_access_to_dropdown_queries (v8+, §7.1).
func (x *rctx) checkDropdowns(body map[string]json.RawMessage) bool {
	if !x.s.d.dropdownCheck {
		return true
	}
	raw, ok := body["options"]
	if !ok {
		return true
	}
	for _, p := range parseParameters(raw) {
		if p.Type != "query" {
			continue
		}
		ref := x.s.st.query(p.QueryID)
		if ref == nil {
			writeMessage(x.w, http.StatusBadRequest, "You are trying to associate a dropdown query that does not have a matching group. Please verify the dropdown query id you are trying to associate with this query.")
			return false
		}
		if !x.c.hasAccessQuery(ref, false) {
			x.forbidden()
			return false
		}
	}
	return true
}

// updateQuery serves POST /api/queries/<id>: a generic setattr of what is
// left of the body (§7).
func (x *rctx) updateQuery(idStr string) {
	s, d, c := x.s, x.s.d, x.c
	q := x.lookupQuery(idStr)
	if q == nil {
		return
	}
	if !c.canModifyQuery(q) {
		x.forbidden()
		return
	}
	body, ok := x.decodeObject()
	if !ok {
		return
	}
	for _, k := range []string{"id", "created_at", "api_key", "visualizations", "latest_query_data", "user", "last_modified_by", "org"} {
		delete(body, k)
	}
	if v, ok := body["query"]; ok {
		body["query_text"] = v
		delete(body, "query")
	}
	if !x.validateQueryFields(body, false) || !x.checkDropdowns(body) {
		return
	}
	if v, ok := body["data_source_id"]; ok && d.major >= 10 {
		var n int
		if json.Unmarshal(v, &n) == nil && n != q.DataSourceID && !c.hasAccessDS(n, true) {
			x.forbidden() // v10+: the new data source needs full access
			return
		}
	}
	if v, ok := body["version"]; ok {
		var n int
		_ = json.Unmarshal(v, &n)
		if n != q.Version {
			writeMessage(x.w, http.StatusConflict, msgConflict)
			return
		}
	}
	s.applyQueryFields(q, body)
	q.LastModifiedByID = c.userID()
	q.UpdatedAt = s.now()
	if d.relinkOnSave && q.DataSourceID != 0 {
		if r := s.st.latestByHash[hashKey{q.DataSourceID, q.QueryHash}]; r != nil {
			s.setLatest(q, r)
		}
	}
	e := newEnc(d, 4096)
	s.encQuerySingle(e, q, c, singleOpts{viz: true, favorite: true})
	x.json(e.b)
}

// applyQueryFields writes validated fields (callers hold s.mu).
func (s *Server) applyQueryFields(q *query, body map[string]json.RawMessage) {
	d := s.d
	s.st.unindexHash(q)
	defer func() {
		q.QueryHash = queryHash(d, q.SQL, q.Parameters)
		if v, ok := body["query_hash"]; ok {
			_ = json.Unmarshal(v, &q.QueryHash)
		}
		if q.DataSourceID != 0 {
			k := hashKey{q.DataSourceID, q.QueryHash}
			s.st.byHash[k] = append(s.st.byHash[k], q)
		}
		q.doc.Store(nil)
	}()
	for k, v := range body {
		isNull := string(v) == "null"
		switch k {
		case "name":
			_ = json.Unmarshal(v, &q.Name)
		case "description":
			var str *string
			_ = json.Unmarshal(v, &str)
			q.Description = str
		case "query_text":
			_ = json.Unmarshal(v, &q.SQL)
			if d.major < 10 {
				q.ScheduleFailures = 0 // v4-v8: the hash listener resets failures (§5.5)
			}
		case "schedule":
			if isNull {
				q.Schedule = nil
			} else {
				q.Schedule = compactJSON(v)
			}
		case "options":
			if isNull {
				q.Options = nil
				q.Parameters = nil
			} else {
				q.Options = compactJSON(v)
				q.Parameters = parseParameters(q.Options)
			}
		case "tags":
			if !d.tags {
				continue // v4 has no tags: a plain attribute, ignored
			}
			var tags []*string
			_ = json.Unmarshal(v, &tags)
			out := []string{}
			for _, t := range tags {
				if t == nil || (*t == "" && d.dropEmptyTags) {
					continue
				}
				out = append(out, *t)
			}
			q.Tags = out
		case "is_draft":
			_ = json.Unmarshal(v, &q.IsDraft)
		case "is_archived":
			_ = json.Unmarshal(v, &q.IsArchived)
		case "data_source_id":
			if isNull {
				q.DataSourceID = 0
			} else {
				_ = json.Unmarshal(v, &q.DataSourceID)
			}
		case "latest_query_data_id":
			if isNull {
				q.LatestQueryDataID, q.RetrievedAt, q.Runtime = 0, time.Time{}, 0
			} else {
				var n int
				_ = json.Unmarshal(v, &n)
				s.setLatest(q, s.st.results[n])
			}
		case "user_id":
			_ = json.Unmarshal(v, &q.UserID)
		case "version":
			_ = json.Unmarshal(v, &q.Version)
		case "schedule_failures":
			_ = json.Unmarshal(v, &q.ScheduleFailures)
		}
	}
}

func (s *Server) setLatest(q *query, r *QueryResult) {
	if r == nil {
		return
	}
	q.LatestQueryDataID = r.ID
	q.RetrievedAt = r.RetrievedAt
	q.Runtime = r.Runtime
}

func compactJSON(v json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return cloneRaw(v)
	}
	return json.RawMessage(b.Bytes())
}

// createQuery serves POST /api/queries: always a draft (§7.1).
func (x *rctx) createQuery() {
	s, d, c := x.s, x.s.d, x.c
	body, ok := x.decodeObject()
	if !ok {
		return
	}
	rawDS, ok := body["data_source_id"]
	if !ok {
		x.internal() // query_def.pop("data_source_id") raises
		return
	}
	var dsID int
	if json.Unmarshal(rawDS, &dsID) != nil {
		x.internal()
		return
	}
	ds := s.st.dsByID[dsID]
	if ds == nil || ds.Deleted {
		x.notFound()
		return
	}
	if !c.hasAccessDS(dsID, true) {
		x.forbidden()
		return
	}
	if !x.checkDropdowns(body) {
		return
	}
	for _, k := range []string{"id", "created_at", "api_key", "visualizations", "latest_query_data", "last_modified_by"} {
		delete(body, k)
	}
	sqlRaw, ok := body["query"]
	if !ok {
		x.internal()
		return
	}
	delete(body, "query")
	body["query_text"] = sqlRaw
	if _, ok := body["name"]; !ok {
		x.internal() // name is NOT NULL
		return
	}
	allowed := map[string]bool{
		"name": true, "description": true, "query_text": true, "schedule": true, "options": true,
		"tags": true, "is_draft": true, "is_archived": true, "data_source_id": true, "latest_query_data_id": true,
		"schedule_failures": true, "version": true, "user_id": true, "query_hash": true,
	}
	for k := range body {
		if !allowed[k] {
			x.internal() // Query(**kwargs) rejects unknown keywords
			return
		}
	}
	if !x.validateQueryFields(body, true) {
		return
	}
	now := s.now()
	q := s.newStoredQuery(now, c.userID(), dsID)
	s.applyQueryFields(q, body)
	q.IsDraft = true
	q.UserID = c.userID()
	q.LastModifiedByID = c.userID()
	s.insertQuery(q)
	if d.serverEvents {
		s.recordEvent(c, actCreate, "query", strconv.Itoa(q.ID))
	}
	e := newEnc(d, 4096)
	s.encQuerySingle(e, q, c, singleOpts{viz: d.createHasViz, favorite: true})
	x.json(e.b)
}

// newStoredQuery makes an empty query with a new id, API key and the
// default "Table" visualization (§5.5).
func (s *Server) newStoredQuery(now time.Time, owner, ds int) *query {
	st := s.st
	q := &query{Query: Query{
		ID: len(st.queries), Name: "New Query", UserID: owner, LastModifiedByID: owner, DataSourceID: ds,
		APIKey: s.runtimeKey(), Version: 1, CreatedAt: now, UpdatedAt: now, Tags: []string{},
		Options: optionsJSON(s.d, nil, false),
	}}
	if !s.d.tags {
		q.Tags = []string{}
	}
	q.Visualizations = []Visualization{{ID: st.nextViz, QueryID: q.ID, Type: "TABLE", Name: "Table", Options: json.RawMessage(`{}`), CreatedAt: now, UpdatedAt: now}}
	st.nextViz++
	return q
}

// insertQuery stores a new query and indexes it.
func (s *Server) insertQuery(q *query) {
	st := s.st
	st.queries = append(st.queries, q)
	if q.QueryHash == "" {
		q.QueryHash = queryHash(s.d, q.SQL, q.Parameters)
	}
	st.unindexHash(q)
	st.indexQuery(q)
	st.insertByCreated(q)
}

// runtimeKey makes a 40-character API key from the server's seeded
// generator (callers hold s.mu).
func (s *Server) runtimeKey() string {
	var b [40]byte
	for i := range b {
		b[i] = keyAlphabet[s.keyRand.IntN(len(keyAlphabet))]
	}
	return string(b[:])
}

// archiveQuery serves DELETE /api/queries/<id> (§8).
func (x *rctx) archiveQuery(idStr string) {
	s, c := x.s, x.c
	q := x.lookupQuery(idStr)
	if q == nil {
		return
	}
	if !c.canModifyQuery(q) {
		writeMessage(x.w, http.StatusForbidden, msgNoEdit)
		return
	}
	s.archive(q)
	x.json([]byte("null"))
}

// archive is Query.archive() (§8.1): the flag, no schedule, no widgets
// showing its visualizations (any dashboard), no alerts or subscriptions.
func (s *Server) archive(q *query) {
	st := s.st
	q.IsArchived = true
	q.Schedule = nil
	q.UpdatedAt = s.now()
	viz := map[int]bool{}
	for _, v := range q.Visualizations {
		viz[v.ID] = true
	}
	for _, db := range st.dashboards[1:] {
		kept := db.Widgets[:0]
		for _, w := range db.Widgets {
			if w.VisualizationID != 0 && viz[w.VisualizationID] {
				delete(st.widgetDash, w.ID)
				continue
			}
			kept = append(kept, w)
		}
		db.Widgets = kept
	}
	for i, a := range st.alerts {
		if a != nil && a.QueryID == q.ID {
			st.alerts[i] = nil
		}
	}
}

func (x *rctx) favoriteQuery(idStr, method string) {
	q := x.lookupQuery(idStr)
	if q == nil {
		return
	}
	k := favKey{x.c.userID(), q.ID}
	switch method {
	case http.MethodPost:
		if _, ok := x.s.st.queryFavs[k]; !ok {
			x.s.st.queryFavs[k] = x.s.now()
		}
	case http.MethodDelete:
		delete(x.s.st.queryFavs, k)
	default:
		x.notAllowed()
		return
	}
	x.json([]byte("null"))
}

// AddQuery adds a query while serving (for "rows added while paging"
// tests) and returns its id. It bypasses permission checks.
func (s *Server) AddQuery(spec QuerySpec) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := spec.CreatedAt
	if now.IsZero() {
		now = s.now()
	}
	owner := spec.UserID
	if s.st.userByID[owner] == nil {
		owner = userAdmin
	}
	ds := spec.DataSourceID
	if ds == 0 {
		ds = dsProduction
	}
	q := s.newStoredQuery(now, owner, ds)
	if spec.Name != "" {
		q.Name = spec.Name
	}
	q.SQL = spec.SQL
	if q.SQL == "" {
		q.SQL = "select " + strconv.Itoa(q.ID)
	}
	q.Description = spec.Description
	q.IsDraft = spec.IsDraft
	q.IsArchived = spec.IsArchived
	if s.d.tags && spec.Tags != nil {
		q.Tags = slices.Clone(spec.Tags)
	}
	q.Schedule = cloneRaw(spec.Schedule)
	if spec.Options != nil {
		q.Options = compactJSON(spec.Options)
		q.Parameters = parseParameters(q.Options)
	}
	s.insertQuery(q)
	return q.ID
}
