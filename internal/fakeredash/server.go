package fakeredash

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redashctl/redashctl/internal/fakehttp"
)

// Options configures a fake Redash.
type Options struct {
	// Version is the dialect: "4.0.2", "5.0.2", "8.0.0", "10.1.0" or
	// "26.3.0"; "v10.1.0", "10.1" and "10" forms are accepted too. Empty
	// means 10.1.0.
	Version string
	// Queries is the number of saved queries to generate; 0 means 15000.
	Queries int
	// Seed seeds the generator: the same seed and options give the same data.
	Seed int64
	// Latency is added to every request.
	Latency time.Duration
	// OrgSlug turns on multi-org mode: org-scoped routes answer only under
	// "/<slug>/api/..." (§4). Empty means single-org.
	OrgSlug string
	// Now is the clock the data is generated relative to; zero means
	// time.Now().UTC() truncated to the second.
	Now time.Time
	// Dashboards is the number of dashboards; 0 means 600 for 15,000
	// queries and Queries/25 (at least 5) below that.
	Dashboards int
	// Events is the size of the events log over the last 180 days; 0
	// means 10 per query.
	Events int
}

// Request is one request the fake received.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
	Time     time.Time
}

// Server is an in-process, Redash-compatible HTTP server (an http.Handler).
// It imitates the Redash release named in Options.Version, following the
// reference redash-api.md (cited below by section, e.g. §5.2).
//
// The generated world has fixed anchors: groups 1 admin, 2 default,
// 3 Finance; user 1 is the super-admin (AdminKey), user 2 an ordinary
// user of the default group (UserKey), user 3 a disabled user
// (DisabledUserKey); data source 3 is only in the Finance group, 5 is
// paused, 6 is the Query Results data source, 7 is view-only for the
// default group, and 8 was deleted (its queries have data_source_id null).
type Server struct {
	opts  Options
	d     *dialect
	start time.Time // wall clock when New returned, for now()

	mu      sync.RWMutex // guards st and keyRand
	st      *state
	keyRand *rand.Rand

	evMu          sync.RWMutex // guards events, eventsStopped, actions, objTypes
	events        []event
	eventsStopped bool // StopEvents: nothing is recorded any more
	evCap         int
	actions       *internTable
	objTypes      *internTable

	faultMu   sync.Mutex
	faults    []*faultState
	faultRand *rand.Rand

	reqMu    sync.Mutex
	requests []Request

	adminKey, userKey, disabledKey string
}

// New builds a fake Redash with generated data.
func New(opts Options) (*Server, error) {
	d, err := parseVersion(opts.Version)
	if err != nil {
		return nil, err
	}
	if opts.Queries < 0 || opts.Dashboards < 0 || opts.Events < 0 {
		return nil, errors.New("fakeredash: queries, dashboards and events must not be negative")
	}
	if opts.Queries == 0 {
		opts.Queries = 15000
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now().UTC().Truncate(time.Second)
	}
	opts.Now = opts.Now.UTC()
	opts.Version = d.version
	if strings.Contains(opts.OrgSlug, "/") {
		return nil, fmt.Errorf("fakeredash: org slug %q must not contain a slash", opts.OrgSlug)
	}
	g := generate(opts, d)
	s := &Server{
		opts:      opts,
		d:         d,
		st:        newState(g),
		events:    g.events,
		evCap:     len(g.events) + 100000,
		actions:   g.actions,
		objTypes:  g.objTypes,
		faultRand: rand.New(rand.NewPCG(uint64(opts.Seed)+1, 0x5eed)),
		keyRand:   rand.New(rand.NewPCG(uint64(opts.Seed)+2, 0x6b6579)),
	}
	s.adminKey = s.st.userByID[userAdmin].APIKey
	s.userKey = s.st.userByID[userOrdinary].APIKey
	s.disabledKey = s.st.userByID[userDisabled].APIKey
	for _, u := range s.st.users {
		s.st.userJSON[u.ID] = s.userJSON(u)
	}
	s.start = time.Now()
	return s, nil
}

// Version returns the dialect's Redash version, e.g. "10.1.0".
func (s *Server) Version() string { return s.d.version }

// AdminKey returns the super-admin user's API key.
func (s *Server) AdminKey() string { return s.adminKey }

// UserKey returns an ordinary user's API key: the default group only, so
// the Finance data source (and its queries) is invisible to it.
func (s *Server) UserKey() string { return s.userKey }

// DisabledUserKey returns a disabled user's API key: rejected from v6,
// accepted on v5; v4 has no disabling, so it works there too (§3.1).
func (s *Server) DisabledUserKey() string { return s.disabledKey }

// now is the server clock: Options.Now plus the time since New.
func (s *Server) now() time.Time {
	return s.opts.Now.Add(time.Since(s.start)).Round(time.Microsecond)
}

// ServeHTTP records the request, adds latency, applies faults and answers
// like Redash.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.record(r, body)

	if s.opts.Latency > 0 && !fakehttp.Sleep(r.Context(), s.opts.Latency) {
		return
	}
	rel, _, _ := s.resolveOrg(r.URL.Path)
	if f := s.matchFault(r.Method, rel); f != nil {
		if s.applyFault(f, w, r) {
			return
		}
	}
	s.serve(w, r)
}

func (s *Server) record(r *http.Request, body []byte) {
	req := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Time: time.Now()}
	s.reqMu.Lock()
	s.requests = append(s.requests, req)
	if len(s.requests) > maxRecorded {
		s.requests = append(s.requests[:0:0], s.requests[len(s.requests)-maxRecorded/2:]...)
	}
	s.reqMu.Unlock()
}

// maxRecorded bounds the request log of a long-running sandbox; beyond it
// the older half is forgotten.
const maxRecorded = 200000

// Requests returns the recorded requests in arrival order (the most recent
// ones when more than 200,000 arrived since the last ResetRequests).
func (s *Server) Requests() []Request {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		r.Body = slices.Clone(r.Body)
		out[i] = r
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.reqMu.Lock()
	s.requests = nil
	s.reqMu.Unlock()
}

// unscopedPaths are never org-scoped (§4).
var unscopedPaths = map[string]bool{
	"/api/admin/queries/outdated":  true,
	"/api/admin/queries/tasks":     true,
	"/api/admin/queries/rq_status": true,
	"/status.json":                 true,
	"/api/config":                  true,
	"/ping":                        true,
}

// resolveOrg strips the org prefix (§4). It returns the path the routes
// see, whether the request is in the fake's org, and whether the path is
// one of the unscoped routes.
func (s *Server) resolveOrg(path string) (rel string, inOrg, unscoped bool) {
	if unscopedPaths[path] {
		// Unscoped routes resolve to the org "default" (§4).
		return path, s.opts.OrgSlug == "" || s.opts.OrgSlug == "default", true
	}
	if s.opts.OrgSlug == "" {
		return path, true, false
	}
	trimmed := strings.TrimPrefix(path, "/")
	slug, rest, _ := strings.Cut(trimmed, "/")
	return "/" + rest, slug == s.opts.OrgSlug, false
}
