package fakesheets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Google's limits, the defaults of Options.
const (
	DefaultWritesPerMinute = 60
	DefaultMaxRequestBytes = 10 << 20
	DefaultMaxCells        = 10_000_000
	DefaultMaxCellChars    = 50_000
	// DefaultRows and DefaultColumns are the grid of a new tab.
	DefaultRows    = 1000
	DefaultColumns = 26
)

// Options configures a fake Sheets server. The zero value imitates Google's
// defaults.
type Options struct {
	// NoAuth accepts requests without an Authorization header.
	NoAuth bool
	// Tokens, if not empty, are the only Bearer tokens accepted; otherwise
	// any non-empty Bearer token is. The token names the user for quotas.
	Tokens []string
	// WritesPerMinute is the per-user write quota over a sliding minute:
	// 0 means 60, a negative value means no limit.
	WritesPerMinute int
	// ReadsPerMinute is the per-user read quota; 0 or negative means no
	// limit (Google's default is also 60).
	ReadsPerMinute int
	// QuotaRetryAfter adds a Retry-After header to quota 429s, telling when
	// the window frees a slot. Google does not promise one.
	QuotaRetryAfter bool
	// MaxRequestBytes is the largest request body: 0 means 10 MiB; larger
	// bodies are answered 400.
	MaxRequestBytes int64
	// MaxCells is the cells limit of a spreadsheet; 0 means 10,000,000.
	MaxCells int64
	// MaxCellChars is the characters limit of a cell; 0 means 50,000.
	MaxCellChars int
	// Now is the clock of quotas and recorded requests; nil means time.Now.
	Now func() time.Time
	// AutoCreate creates an unknown spreadsheet, with one tab "Sheet1",
	// on first use instead of answering 404 (for demos).
	AutoCreate bool
	// RecordBodies keeps request bodies in the request log.
	RecordBodies bool
	// Seed seeds the generator of Fault.Rate.
	Seed int64
}

// Request is one request the fake received.
type Request struct {
	Time   time.Time
	Method string
	// Path is the unescaped URL path, such as
	// /v4/spreadsheets/abc/values/Sheet1!A1.
	Path  string
	Query url.Values
	// Header holds the request headers (Authorization included).
	Header http.Header
	// Op names the API method: "spreadsheets.get",
	// "spreadsheets.batchUpdate", "values.get", "values.batchGet",
	// "values.update", "values.append", "values.clear",
	// "values.batchUpdate", "values.batchClear", or "" when unknown.
	Op string
	// SpreadsheetID is the spreadsheet the request addressed.
	SpreadsheetID string
	// Write reports whether Op is a write method (quota "write requests").
	Write bool
	// Kinds lists, for spreadsheets.batchUpdate, the request kinds in
	// order ("addSheet", "copyPaste", ...).
	Kinds []string
	// Bytes is the size of the request body.
	Bytes int
	// Body is the request body when Options.RecordBodies is set.
	Body []byte
	// Status is the HTTP status answered; 0 when the connection was reset.
	Status int
	// Fault names the injected fault that handled the request, if any.
	Fault string
}

// Server is a fake Google Sheets API v4 server (an http.Handler).
type Server struct {
	opts          Options
	maxCells      int64
	maxCellChars  int
	maxBody       int64
	writesPerMin  int
	readsPerMin   int
	validTokens   map[string]bool
	recordBodies  bool
	autoCreate    bool
	requireBearer bool

	mu     sync.Mutex // guards everything below
	ss     map[string]*spreadsheet
	fmts   []NumberFormat
	fmtIdx map[NumberFormat]uint16
	nextID int64
	quota  map[string][]time.Time // user+kind → times of recent requests

	reqMu    sync.Mutex // guards requests and the entries it points to
	requests []*Request

	faultMu   sync.Mutex
	faults    []*faultState
	faultRand *rand.Rand
}

// New returns a fake Sheets server without spreadsheets.
func New(opts Options) *Server {
	s := &Server{
		opts:          opts,
		maxCells:      opts.MaxCells,
		maxCellChars:  opts.MaxCellChars,
		maxBody:       opts.MaxRequestBytes,
		writesPerMin:  opts.WritesPerMinute,
		readsPerMin:   opts.ReadsPerMinute,
		recordBodies:  opts.RecordBodies,
		autoCreate:    opts.AutoCreate,
		requireBearer: !opts.NoAuth,
		ss:            map[string]*spreadsheet{},
		fmts:          []NumberFormat{{}},
		fmtIdx:        map[NumberFormat]uint16{},
		nextID:        1_000_000,
		quota:         map[string][]time.Time{},
		faultRand:     rand.New(rand.NewPCG(uint64(opts.Seed), 0x5eed)),
	}
	if s.maxCells <= 0 {
		s.maxCells = DefaultMaxCells
	}
	if s.maxCellChars <= 0 {
		s.maxCellChars = DefaultMaxCellChars
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxRequestBytes
	}
	if s.writesPerMin == 0 {
		s.writesPerMin = DefaultWritesPerMinute
	}
	if len(opts.Tokens) > 0 {
		s.validTokens = map[string]bool{}
		for _, t := range opts.Tokens {
			s.validTokens[t] = true
		}
	}
	return s
}

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// Clock is a manual clock for Options.Now. Its Sleep advances the clock
// instead of waiting, so it can also serve as a client's sleep function.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Sleep advances the clock by d at once, or returns ctx's error if ctx is
// done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.Advance(d)
	}
	return nil
}

// route is a parsed request path.
type route struct {
	op     string
	id     string
	rng    string // A1 range of values.* methods with a range in the path
	write  bool
	method string // expected method
}

var writeOps = map[string]bool{
	"spreadsheets.batchUpdate": true, "values.update": true, "values.append": true,
	"values.clear": true, "values.batchUpdate": true, "values.batchClear": true,
}

// parseRoute maps an escaped path to an API method.
func parseRoute(escaped string) (route, bool) {
	const prefix = "/v4/spreadsheets/"
	if !strings.HasPrefix(escaped, prefix) {
		return route{}, false
	}
	segs := strings.Split(escaped[len(prefix):], "/")
	for i, sg := range segs {
		u, err := url.PathUnescape(sg)
		if err != nil {
			return route{}, false
		}
		segs[i] = u
	}
	var rt route
	switch len(segs) {
	case 1:
		id, verb, _ := strings.Cut(segs[0], ":")
		rt.id = id
		switch verb {
		case "":
			rt.op, rt.method = "spreadsheets.get", http.MethodGet
		case "batchUpdate":
			rt.op, rt.method = "spreadsheets.batchUpdate", http.MethodPost
		default:
			return route{}, false
		}
	case 2:
		rt.id = segs[0]
		switch segs[1] {
		case "values:batchGet":
			rt.op, rt.method = "values.batchGet", http.MethodGet
		case "values:batchUpdate":
			rt.op, rt.method = "values.batchUpdate", http.MethodPost
		case "values:batchClear":
			rt.op, rt.method = "values.batchClear", http.MethodPost
		default:
			return route{}, false
		}
	case 3:
		if segs[1] != "values" {
			return route{}, false
		}
		rt.id = segs[0]
		rng := segs[2]
		switch {
		case strings.HasSuffix(rng, ":append"):
			rt.op, rt.method, rt.rng = "values.append", http.MethodPost, strings.TrimSuffix(rng, ":append")
		case strings.HasSuffix(rng, ":clear"):
			rt.op, rt.method, rt.rng = "values.clear", http.MethodPost, strings.TrimSuffix(rng, ":clear")
		default:
			rt.op, rt.method, rt.rng = "values.get", http.MethodGet, rng
		}
	default:
		return route{}, false
	}
	if rt.id == "" {
		return route{}, false
	}
	rt.write = writeOps[rt.op]
	return rt, true
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, tooLarge := readBody(r.Body, s.maxBody)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rt, known := parseRoute(r.URL.EscapedPath())
	if known && rt.op == "values.get" && r.Method == http.MethodPut {
		rt.op, rt.method, rt.write = "values.update", http.MethodPut, true
	}
	rec := Request{
		Time: s.now(), Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(),
		Op: rt.op, SpreadsheetID: rt.id, Write: rt.write, Bytes: len(body),
	}
	if tooLarge {
		rec.Bytes = int(s.maxBody) + 1
	}
	if rt.op == "spreadsheets.batchUpdate" && !tooLarge {
		rec.Kinds = batchKinds(body)
	}
	if s.recordBodies {
		rec.Body = body
	}
	// The entry is logged before the request is handled and its status is
	// set before any byte of the answer leaves, so a client that got an
	// answer always finds its request in the log.
	entry := &rec
	s.reqMu.Lock()
	s.requests = append(s.requests, entry)
	if len(s.requests) > maxRecorded {
		s.requests = append(s.requests[:0:0], s.requests[len(s.requests)-maxRecorded/2:]...)
	}
	s.reqMu.Unlock()
	sw := &statusWriter{ResponseWriter: w, onStatus: func(code int) {
		s.reqMu.Lock()
		entry.Status = code
		s.reqMu.Unlock()
	}}

	if f := s.matchFault(r.Method, rt.op, r.URL.Path, body); f != nil {
		s.reqMu.Lock()
		entry.Fault = f.Kind.String()
		s.reqMu.Unlock()
		if s.applyFault(f, sw, r, func(w http.ResponseWriter) { s.serve(w, r, rt, known, body, tooLarge) }) {
			return
		}
		s.reqMu.Lock()
		entry.Fault = ""
		s.reqMu.Unlock()
	}
	s.serve(sw, r, rt, known, body, tooLarge)
}

func readBody(rc io.ReadCloser, limit int64) ([]byte, bool) {
	if rc == nil {
		return nil, false
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, limit+1))
	if int64(len(b)) > limit {
		_, _ = io.Copy(io.Discard, rc)
		return nil, true
	}
	return b, false
}

// serve answers r after faults: routing, payload limit, auth, access,
// quota, then the method.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route, known bool, body []byte, tooLarge bool) {
	if !known {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "Method not found.")
		return
	}
	if r.Method != rt.method {
		writeError(w, http.StatusMethodNotAllowed, "INVALID_ARGUMENT",
			fmt.Sprintf("Method %s is not allowed for %s.", r.Method, rt.op))
		return
	}
	if tooLarge {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT",
			fmt.Sprintf("Request payload size exceeds the limit: %d bytes.", s.maxBody))
		return
	}
	user, ok := s.authenticate(w, r)
	if !ok {
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.ss[rt.id]
	if ss == nil && s.autoCreate {
		ss = s.createLocked(rt.id, "Sheet1")
	}
	if ss == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "Requested entity was not found.")
		return
	}
	if ss.access == AccessNone || (rt.write && ss.access == AccessView) {
		writeError(w, http.StatusForbidden, "PERMISSION_DENIED", "The caller does not have permission")
		return
	}
	if !s.takeQuota(w, user, rt.write) {
		return
	}
	q := r.URL.Query()
	switch rt.op {
	case "spreadsheets.get":
		s.handleGet(w, ss, q)
	case "spreadsheets.batchUpdate":
		s.handleBatchUpdate(w, ss, body)
	case "values.get":
		s.handleValuesGet(w, ss, rt.rng, q)
	case "values.batchGet":
		s.handleValuesBatchGet(w, ss, q)
	case "values.update":
		s.handleValuesUpdate(w, ss, rt.rng, q, body)
	case "values.append":
		s.handleValuesAppend(w, ss, rt.rng, q, body)
	case "values.clear":
		s.handleValuesClear(w, ss, rt.rng)
	case "values.batchUpdate":
		s.handleValuesBatchUpdate(w, ss, body)
	case "values.batchClear":
		s.handleValuesBatchClear(w, ss, body)
	}
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if !s.requireBearer {
			return "anonymous", true
		}
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED",
			"Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		return "", false
	}
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" || (s.validTokens != nil && !s.validTokens[tok]) {
		writeError(w, http.StatusUnauthorized, "UNAUTHENTICATED",
			"Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.")
		return "", false
	}
	return tok, true
}

// takeQuota counts a request against the user's per-minute quota, or
// answers 429. Called with s.mu held.
func (s *Server) takeQuota(w http.ResponseWriter, user string, write bool) bool {
	limit, metric := s.readsPerMin, "Read requests"
	if write {
		limit, metric = s.writesPerMin, "Write requests"
	}
	if limit <= 0 {
		return true
	}
	key := metric + "\x00" + user
	now := s.now()
	times := s.quota[key]
	cut := 0
	for cut < len(times) && !times[cut].After(now.Add(-time.Minute)) {
		cut++
	}
	times = times[cut:]
	if len(times) >= limit {
		s.quota[key] = times
		if s.opts.QuotaRetryAfter {
			wait := times[0].Add(time.Minute).Sub(now)
			secs := int((wait + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		}
		writeErrorDetails(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED",
			fmt.Sprintf("Quota exceeded for quota metric '%s' and limit '%s per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:0'.", metric, metric),
			[]any{map[string]any{
				"@type":  "type.googleapis.com/google.rpc.ErrorInfo",
				"reason": "RATE_LIMIT_EXCEEDED",
				"domain": "googleapis.com",
				"metadata": map[string]string{
					"service":     "sheets.googleapis.com",
					"quota_limit": strings.ReplaceAll(metric, " ", "") + "PerMinutePerUser",
				},
			}})
		return false
	}
	s.quota[key] = append(times, now)
	return true
}

// writeError answers with Google's JSON error body.
func writeError(w http.ResponseWriter, code int, status, msg string) {
	writeErrorDetails(w, code, status, msg, nil)
}

func writeErrorDetails(w http.ResponseWriter, code int, status, msg string, details []any) {
	e := map[string]any{"code": code, "message": msg, "status": status}
	if details != nil {
		e["details"] = details
	}
	writeJSON(w, code, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func badRequest(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", msg)
}

// statusWriter reports the status answered before the answer leaves.
type statusWriter struct {
	http.ResponseWriter
	status   int
	onStatus func(int)
}

func (sw *statusWriter) setStatus(code int) {
	if sw.status == 0 {
		sw.status = code
		sw.onStatus(code)
	}
}

func (sw *statusWriter) WriteHeader(code int) {
	sw.setStatus(code)
	sw.ResponseWriter.WriteHeader(code)
}

func (sw *statusWriter) Write(b []byte) (int, error) {
	sw.setStatus(http.StatusOK)
	return sw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (for faults).
func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }

// maxRecorded bounds the request log of a long-running sandbox; beyond it
// the older half is forgotten.
const maxRecorded = 20_000

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []Request {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// WriteRequests returns the logged requests to write methods, whatever
// their outcome.
func (s *Server) WriteRequests() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Write {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.reqMu.Lock()
	s.requests = nil
	s.reqMu.Unlock()
}

// batchKinds lists the request kinds of a batchUpdate body.
func batchKinds(body []byte) []string {
	var b struct {
		Requests []map[string]json.RawMessage `json:"requests"`
	}
	if json.Unmarshal(body, &b) != nil {
		return nil
	}
	out := make([]string, 0, len(b.Requests))
	for _, r := range b.Requests {
		for k := range r {
			out = append(out, k)
		}
	}
	return out
}

// apiMessage is an error whose text is an API error message, written the
// way Google writes them (capitalised, often ending with a period).
type apiMessage struct{ msg string }

func (e *apiMessage) Error() string { return e.msg }

// gerr formats an API error message.
func gerr(format string, args ...any) error {
	return &apiMessage{msg: fmt.Sprintf(format, args...)}
}
