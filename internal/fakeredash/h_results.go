package fakeredash

import (
	"bytes"
	"crypto/md5"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// column of generated result data.
type column struct {
	name, typ string
}

var columnPalette = []column{
	{"day", "date"},
	{"created_at", "datetime"},
	{"region", "string"},
	{"total", "integer"},
	{"amount", "float"},
	{"is_active", "boolean"},
	{"team", "string"},
	{"users", "integer"},
}

// resultData generates a result's data deterministically from its SQL and
// id (§10.5): 2-5 typed columns, 3-20 rows.
func resultData(r *QueryResult) ([]column, []map[string]any) {
	sum := md5.Sum([]byte(r.SQL))
	rng := rand.New(rand.NewPCG(uint64(r.ID), uint64(sum[0])<<8|uint64(sum[1])))
	cols := columnsFromSQL(r.SQL)
	if len(cols) == 0 {
		n := 2 + int(sum[2]%4)
		start := int(sum[3]) % len(columnPalette)
		for i := 0; i < n; i++ {
			cols = append(cols, columnPalette[(start+i)%len(columnPalette)])
		}
	}
	n := len(cols)
	rows := make([]map[string]any, 3+rng.IntN(18))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	regions := []string{"EMEA", "AMER", "APAC"}
	for i := range rows {
		row := make(map[string]any, n)
		for _, c := range cols {
			switch c.typ {
			case "date":
				row[c.name] = base.AddDate(0, 0, i).Format("2006-01-02")
			case "datetime":
				row[c.name] = base.Add(time.Duration(i)*time.Hour + time.Duration(rng.IntN(3600))*time.Second).Format("2006-01-02T15:04:05")
			case "string":
				row[c.name] = regions[rng.IntN(len(regions))]
			case "integer":
				row[c.name] = rng.IntN(10000)
			case "float":
				row[c.name] = float64(rng.IntN(1000000)) / 100
			case "boolean":
				row[c.name] = rng.IntN(2) == 1
			}
		}
		rows[i] = row
	}
	return cols, rows
}

var (
	selectRE = regexp.MustCompile(`(?is)^\s*select\s+(.*?)\s+from\s`)
	aliasRE  = regexp.MustCompile(`(?i)\bas\s+([a-z_][a-z0-9_]*)\s*$`)
)

// columnsFromSQL names the result's columns after the SELECT list of the
// generated SQL: "x AS alias" keeps its alias, a bare word keeps its name.
func columnsFromSQL(sql string) []column {
	m := selectRE.FindStringSubmatch(sql)
	if m == nil || strings.TrimSpace(m[1]) == "*" {
		return nil
	}
	var cols []column
	for _, part := range splitTopLevel(m[1]) {
		part = strings.TrimSpace(part)
		name := part
		if a := aliasRE.FindStringSubmatch(part); a != nil {
			name = strings.ToLower(a[1])
		}
		if strings.ContainsAny(name, " ()*'") || name == "" {
			return nil
		}
		typ := "string"
		switch {
		case name == "period" || name == "day":
			typ = "date"
		case name == "latest" || strings.HasSuffix(name, "_at"):
			typ = "datetime"
		case strings.HasPrefix(name, "avg") || name == "amount":
			typ = "float"
		case part != name:
			typ = "integer"
		}
		cols = append(cols, column{name, typ})
	}
	return cols
}

// splitTopLevel splits a SELECT list on commas outside parentheses.
func splitTopLevel(list string) []string {
	var parts []string
	depth, start := 0, 0
	for i, c := range list {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, list[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, list[start:])
}

func (s *Server) encResultData(e *enc, r *QueryResult) {
	cols, rows := resultData(r)
	e.obj()
	e.key("columns")
	e.arr()
	for _, c := range cols {
		e.obj()
		e.key("name")
		e.str(c.name)
		e.key("friendly_name")
		e.str(c.name)
		e.key("type")
		e.str(c.typ)
		e.endObj()
	}
	e.endArr()
	e.key("rows")
	e.arr()
	for _, row := range rows {
		e.obj()
		for _, c := range cols {
			e.key(c.name)
			switch v := row[c.name].(type) {
			case string:
				e.str(v)
			case int:
				e.integer(v)
			case float64:
				e.float(v)
			case bool:
				e.boolean(v)
			}
		}
		e.endObj()
	}
	e.endArr()
	e.endObj()
}

// encResult writes QueryResult.to_dict(); trimmed to data and retrieved_at
// for query-key callers of the POST endpoints (§3.2).
func (s *Server) encResult(e *enc, r *QueryResult, trimmed bool) {
	e.obj()
	if !trimmed {
		e.key("id")
		e.integer(r.ID)
		e.key("query_hash")
		e.str(r.QueryHash)
		e.key("query")
		e.str(r.SQL)
	}
	e.key("data")
	s.encResultData(e, r)
	if !trimmed {
		e.key("data_source_id")
		e.integer(r.DataSourceID)
		e.key("runtime")
		e.float(r.Runtime)
	}
	e.key("retrieved_at")
	e.time(r.RetrievedAt)
	e.endObj()
}

// queryResultsDownload serves GET /api/queries/<id>/results[.<ext>] and
// /api/queries/<id>/results/<rid>[.<ext>] (§10.1, §3.2).
func (x *rctx) queryResultsDownload(qidStr, ridPart, filePart string) {
	s, c := x.s, x.c
	qid, ok := x.id(qidStr)
	if !ok {
		return
	}
	ext := "json"
	if i := strings.LastIndexByte(filePart, '.'); i >= 0 {
		ext = filePart[i+1:]
	}
	var r *QueryResult
	q := s.st.query(qid)
	if ridPart != "" {
		ridStr, _, _ := strings.Cut(ridPart, ".")
		rid, ok := x.id(ridStr)
		if !ok {
			return
		}
		if r = s.st.results[rid]; r == nil {
			x.notFound()
			return
		}
	} else {
		if q == nil {
			x.notFound()
			return
		}
		r = s.st.results[q.LatestQueryDataID]
	}
	if r == nil {
		writeMessage(x.w, http.StatusNotFound, msgNoCache)
		return
	}
	if !c.hasAccessDS(r.DataSourceID, false) {
		x.forbidden()
		return
	}
	if c.isAPI() {
		// A query key gets 404 when the SQL changed since the last run.
		if q == nil || r.QueryHash != q.QueryHash {
			writeMessage(x.w, http.StatusNotFound, msgNoCache)
			return
		}
		s.recordAPIGet(c, qid)
	}
	if ridPart != "" {
		x.w.Header().Set("Cache-Control", "private,max-age=31557600")
	}
	switch ext {
	case "json":
	case "csv":
	case "tsv":
		if !s.d.tsv {
			ext = "csv"
		}
	case "xlsx":
		x.w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	default:
		if s.d.tsv {
			x.internal() // v9+: KeyError on an unknown extension
			return
		}
		ext = "csv" // v4-v8 fall back to CSV
	}
	if s.d.contentDisp && q != nil {
		name := fmt.Sprintf("%s_%s.%s", q.Name, r.RetrievedAt.UTC().Format("2006_01_02"), ext)
		cd := "attachment; filename=\"" + strings.ReplaceAll(name, "\"", "") + "\""
		if s.d.tsv {
			cd += "; filename*=UTF-8''" + url.PathEscape(name)
		}
		x.w.Header().Set("Content-Disposition", cd)
	}
	switch ext {
	case "json":
		e := newEnc(s.d, 4096)
		e.obj()
		e.key("query_result")
		s.encResult(e, r, false)
		e.endObj()
		x.json(e.b)
	case "xlsx":
		x.w.WriteHeader(http.StatusOK)
		_, _ = x.w.Write(s.xlsx(r))
	default:
		sep := ','
		ctype := "text/csv; charset=UTF-8"
		if ext == "tsv" {
			sep = '\t'
			ctype = "text/tab-separated-values; charset=UTF-8"
		}
		body := s.dsv(r, sep)
		x.w.Header().Set("Content-Type", ctype)
		x.w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		x.w.WriteHeader(http.StatusOK)
		_, _ = x.w.Write(body)
	}
}

// dsv writes CSV/TSV; from v8 booleans are true/false and dates use the
// org's display format DD/MM/YY and HH:mm (§10.5).
func (s *Server) dsv(r *QueryResult, sep rune) []byte {
	cols, rows := resultData(r)
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = sep
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.name
	}
	_ = w.Write(head)
	for _, row := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			v := row[c.name]
			switch c.typ {
			case "boolean":
				if s.d.csvReformat {
					rec[i] = strconv.FormatBool(v.(bool))
				} else if v.(bool) {
					rec[i] = "True"
				} else {
					rec[i] = "False"
				}
			case "date":
				rec[i] = v.(string)
				if s.d.csvReformat {
					t, _ := time.Parse("2006-01-02", v.(string))
					rec[i] = t.Format("02/01/06")
				}
			case "datetime":
				rec[i] = v.(string)
				if s.d.csvReformat {
					t, _ := time.Parse("2006-01-02T15:04:05", v.(string))
					rec[i] = t.Format("02/01/06 15:04")
				}
			default:
				rec[i] = fmt.Sprint(v)
			}
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

// runArgs is one execution request.
type runArgs struct {
	ds       *DataSource
	template string
	params   map[string]any
	queryID  int
	maxAge   int
	event    bool // record execute_query
}

// runQuery is Redash's run_query (§10.2): checks, an execute_query event,
// then a cached result or a job.
func (x *rctx) runQuery(a runArgs) {
	s, c := x.s, x.c
	if a.ds == nil {
		if s.d.dataSourceGone401 {
			writeJobError(x.w, http.StatusUnauthorized, msgDSGone)
		} else {
			x.internal()
		}
		return
	}
	if a.ds.Paused {
		writeJobError(x.w, http.StatusBadRequest, fmt.Sprintf("%s is paused (%s). Please try later.", a.ds.Name, a.ds.PauseReason))
		return
	}
	if missing := missingParams(a.template, a.params); len(missing) > 0 {
		writeJobError(x.w, http.StatusBadRequest, "Missing parameter value for: "+strings.Join(missing, ", "))
		return
	}
	sql := renderSQL(a.template, a.params)
	key := hashKey{a.ds.ID, hashSQL(sql)}
	if a.event {
		s.recordExecution(c, a.ds.ID, sql, a.queryID)
	}
	if a.maxAge != 0 {
		if r := s.st.latestByHash[key]; r != nil && (a.maxAge < 0 || s.now().Sub(r.RetrievedAt) <= time.Duration(a.maxAge)*time.Second) {
			e := newEnc(s.d, 4096)
			e.obj()
			e.key("query_result")
			s.encResult(e, r, c.isAPI())
			e.endObj()
			x.json(e.b)
			return
		}
	}
	j := s.st.jobByHash[key]
	if j == nil || j.status >= 3 {
		j = &job{id: s.newJobID(), status: 1, key: key, sql: sql, queryID: a.queryID}
		s.st.jobs[j.id] = j
		s.st.jobByHash[key] = j
	}
	x.json(s.jobJSON(j))
}

func (s *Server) newJobID() string {
	r := s.keyRand
	return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xfff, r.Uint32()&0xfff, r.Uint64()&0xffffffffffff)
}

// jobJSON writes {"job": {...}} in the dialect's shape (§10.4, §17).
func (s *Server) jobJSON(j *job) []byte {
	e := newEnc(s.d, 256)
	e.obj()
	e.key("job")
	e.obj()
	e.key("id")
	e.str(j.id)
	e.key("updated_at")
	switch {
	case j.status == 2 && s.d.rq:
		e.time(j.startedAt)
	case j.status == 2:
		e.float(float64(j.startedAt.UnixMicro()) / 1e6)
	default:
		e.integer(0)
	}
	e.key("status")
	e.integer(j.status)
	e.key("error")
	e.str(j.error)
	if s.d.rq {
		e.key("result")
		e.optInt(j.resultID)
	}
	e.key("query_result_id")
	e.optInt(j.resultID)
	e.endObj()
	e.endObj()
	return e.b
}

// paramsFromArgs collects p_<name> query arguments (§10.3).
func paramsFromArgs(args url.Values) map[string]any {
	out := map[string]any{}
	for k, v := range args {
		if name, ok := strings.CutPrefix(k, "p_"); ok && len(v) > 0 {
			out[name] = v[0]
		}
	}
	return out
}

// runSavedQuery serves POST /api/queries/<id>/results (v7+, §10.1).
func (x *rctx) runSavedQuery(idStr string) {
	s, c := x.s, x.c
	q := x.lookupQuery(idStr)
	if q == nil {
		return
	}
	var body struct {
		Parameters map[string]any `json:"parameters"`
		MaxAge     *int           `json:"max_age"`
	}
	if len(bytes.TrimSpace(x.body())) > 0 {
		if err := json.Unmarshal(x.body(), &body); err != nil && s.d.major < 8 {
			writeMessage(x.w, http.StatusBadRequest, msgBadRequest)
			return
		}
	}
	if body.Parameters == nil {
		body.Parameters = map[string]any{}
	}
	safe := isSafe(q.Parameters)
	if !c.hasAccessQuery(q, !safe) {
		switch {
		case !safe && c.isAPI():
			writeJobError(x.w, http.StatusForbidden, msgUnsafeKey)
		case !safe:
			writeJobError(x.w, http.StatusForbidden, msgUnsafeViewer)
		default:
			writeJobError(x.w, http.StatusForbidden, msgNoRunPerm)
		}
		return
	}
	if bad := invalidParams(s.d, q.Parameters, body.Parameters); len(bad) > 0 {
		writeMessage(x.w, http.StatusBadRequest, msgBadParams+strings.Join(bad, ", "))
		return
	}
	maxAge := -1
	if body.MaxAge != nil {
		maxAge = *body.MaxAge
	}
	x.runQuery(runArgs{ds: s.liveDS(q.DataSourceID), template: q.SQL, params: body.Parameters, queryID: q.ID, maxAge: maxAge, event: s.d.execEventsOnRuns})
}

func (s *Server) liveDS(id int) *DataSource {
	ds := s.st.dsByID[id]
	if ds == nil || ds.Deleted {
		return nil
	}
	return ds
}

// refreshQuery serves POST /api/queries/<id>/refresh: always executes,
// parameters from p_ arguments, no validation (§10.1).
func (x *rctx) refreshQuery(idStr string) {
	s, c := x.s, x.c
	q := x.lookupQuery(idStr)
	if q == nil {
		return
	}
	if !c.hasAccessQuery(q, true) {
		x.forbidden()
		return
	}
	x.runQuery(runArgs{ds: s.liveDS(q.DataSourceID), template: q.SQL, params: paramsFromArgs(x.args), queryID: q.ID, maxAge: 0, event: s.d.execEventsOnRuns})
}

func (x *rctx) routeQueryResults() bool {
	seg, m := x.seg, x.method()
	switch len(seg) {
	case 2:
		if m != http.MethodPost {
			x.notAllowed()
			return true
		}
		x.adhocQuery()
		return true
	case 3:
		if m != http.MethodGet {
			x.notAllowed()
			return true
		}
		x.resultByID(seg[2])
		return true
	}
	return false
}

// adhocQuery serves POST /api/query_results (§10.1).
func (x *rctx) adhocQuery() {
	s, c := x.s, x.c
	var body struct {
		Query        string          `json:"query"`
		DataSourceID *int            `json:"data_source_id"`
		MaxAge       *int            `json:"max_age"`
		QueryID      json.RawMessage `json:"query_id"`
		Parameters   map[string]any  `json:"parameters"`
	}
	if err := json.Unmarshal(x.body(), &body); err != nil {
		writeMessage(x.w, http.StatusBadRequest, msgBadRequest)
		return
	}
	if body.DataSourceID == nil {
		writeJobError(x.w, http.StatusUnauthorized, msgSelectDS)
		return
	}
	ds := s.liveDS(*body.DataSourceID)
	if ds == nil {
		x.notFound()
		return
	}
	if !c.hasAccessDS(ds.ID, true) {
		writeJobError(x.w, http.StatusForbidden, msgNoRunPerm)
		return
	}
	params := body.Parameters
	if params == nil || !s.d.resultsPost {
		params = paramsFromArgs(x.args)
	}
	maxAge := -1
	if body.MaxAge != nil {
		maxAge = *body.MaxAge
	}
	qid := 0
	_ = json.Unmarshal(body.QueryID, &qid)
	x.runQuery(runArgs{ds: ds, template: body.Query, params: params, queryID: qid, maxAge: maxAge, event: true})
}

// resultByID serves GET /api/query_results/<rid>[.<ext>] (user keys).
func (x *rctx) resultByID(part string) {
	s := x.s
	ridStr, ext, hasExt := strings.Cut(part, ".")
	rid, ok := x.id(ridStr)
	if !ok {
		return
	}
	r := s.st.results[rid]
	if r == nil {
		x.notFound()
		return
	}
	if !x.c.hasAccessDS(r.DataSourceID, false) {
		x.forbidden()
		return
	}
	x.w.Header().Set("Cache-Control", "private,max-age=31557600")
	if hasExt && ext != "json" {
		body := s.dsv(r, ',')
		x.w.Header().Set("Content-Type", "text/csv; charset=UTF-8")
		x.w.WriteHeader(http.StatusOK)
		_, _ = x.w.Write(body)
		return
	}
	e := newEnc(s.d, 4096)
	e.obj()
	e.key("query_result")
	s.encResult(e, r, false)
	e.endObj()
	x.json(e.b)
}

// getJob serves GET /api/jobs/<id>: jobs start on the first poll and
// finish on the second (§10.4).
func (x *rctx) getJob(id string) {
	s := x.s
	j := s.st.jobs[id]
	if j == nil {
		if s.d.unknownJob500 {
			x.internal() // RQ: NoSuchJobError is not caught
			return
		}
		// Celery: an unknown id reads as PENDING forever.
		x.json(s.jobJSON(&job{id: id, status: 1}))
		return
	}
	switch j.status {
	case 1:
		j.status = 2
		j.startedAt = s.now()
	case 2:
		s.finishJob(j)
	}
	x.json(s.jobJSON(j))
}

// finishJob stores the result and re-points every query with the same
// hash and data source at it (§10.3); SQL naming a deprecated_ table fails.
func (s *Server) finishJob(j *job) {
	st := s.st
	if i := strings.Index(j.sql, "deprecated_"); i >= 0 {
		end := strings.IndexAny(j.sql[i:], " \n\t;)")
		name := j.sql[i:]
		if end > 0 {
			name = j.sql[i : i+end]
		}
		j.status = 4
		j.error = fmt.Sprintf("relation \"%s\" does not exist", name)
		return
	}
	now := s.now()
	sum := md5.Sum([]byte(j.sql))
	r := &QueryResult{
		ID: st.nextResult, QueryHash: j.key.hash, SQL: j.sql, DataSourceID: j.key.ds,
		Runtime: float64(1+int(sum[0])*40) / 1000, RetrievedAt: now,
	}
	st.nextResult++
	st.addResult(r)
	for _, q := range st.byHash[j.key] {
		if s.d.archivedNoLatest && q.IsArchived {
			continue
		}
		s.setLatest(q, r)
		if s.d.updatedOnExec {
			q.UpdatedAt = now
		}
	}
	j.status = 3
	j.resultID = r.ID
}

// cancelJob serves DELETE /api/jobs/<id>.
func (x *rctx) cancelJob(id string) {
	s := x.s
	j := s.st.jobs[id]
	if j == nil {
		if s.d.unknownJob500 {
			x.internal()
			return
		}
		x.json([]byte("null"))
		return
	}
	if j.status < 3 {
		j.status = 4
		j.cancelled = true
		j.error = "Query execution cancelled."
		if s.d.rq {
			j.error = "Query cancelled by user."
		}
	}
	x.json([]byte("null"))
}
