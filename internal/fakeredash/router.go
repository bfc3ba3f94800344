package fakeredash

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// rctx is one request being answered.
type rctx struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	path  string   // after the org prefix
	seg   []string // path segments
	args  url.Values
	c     *caller
	inOrg bool

	bodyBytes []byte
}

// staticQueryPaths are the fixed names under /api/queries/ of a dialect;
// anything else there is a <query_id> (§2.2).
func (d *dialect) staticQueryPath(name string) bool {
	switch name {
	case "my", "recent", "search", "format":
		return true
	case "archive":
		return d.archiveList
	case "favorites", "tags":
		return d.favorites
	}
	return false
}

// queryIDInPath returns the <query_id> URL variable, if the route has one.
func (s *Server) queryIDInPath(seg []string) string {
	if len(seg) >= 3 && seg[0] == "api" && seg[1] == "queries" && seg[2] != "" && !s.d.staticQueryPath(seg[2]) {
		return seg[2]
	}
	return ""
}

// adminRoute reports whether path is a super-admin blueprint route of the
// dialect (§12).
func (d *dialect) adminRoute(path string) bool {
	switch path {
	case "/api/admin/queries/outdated":
		return true
	case "/api/admin/queries/tasks":
		return !d.rq
	case "/api/admin/queries/rq_status":
		return d.rq
	}
	return false
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rel, inOrg, _ := s.resolveOrg(r.URL.Path)
	x := &rctx{s: s, w: w, r: r, path: rel, args: r.URL.Query(), inOrg: inOrg}
	x.bodyBytes, _ = io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(x.bodyBytes))
	x.seg = strings.Split(strings.TrimPrefix(rel, "/"), "/")
	if s.d.cookies {
		s.setCookies(w, r)
	}

	// Routes without login.
	switch {
	case r.URL.Path == "/ping":
		writeHTML(w, http.StatusOK, "PONG.")
		return
	case r.URL.Path == "/api/config" && r.Method == http.MethodGet:
		x.config()
		return
	case rel == "/login" && inOrg:
		writeHTML(w, http.StatusOK, loginPage)
		return
	}

	key := apiKeyFromRequest(r)
	admin := s.d.adminRoute(r.URL.Path)
	mutating := r.Method != http.MethodGet && r.Method != http.MethodHead
	if mutating {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else if x.needsWriteLock() {
		s.mu.Lock()
		defer s.mu.Unlock()
	} else {
		s.mu.RLock()
		defer s.mu.RUnlock()
	}
	x.c = s.authenticate(key, inOrg, s.queryIDInPath(x.seg))

	if admin {
		// require_super_admin wraps login_required: 403 HTML first (§2.3).
		if x.c == nil || !x.c.admin {
			writeHTML(w, http.StatusForbidden, werkzeugPage(http.StatusForbidden, msgForbidden))
			return
		}
	}
	if x.c == nil {
		x.loginRequired()
		return
	}
	x.dispatch()
}

// needsWriteLock: GETs that change state (job polls advance jobs).
func (x *rctx) needsWriteLock() bool {
	seg := x.seg
	if len(seg) >= 3 && seg[0] == "api" && seg[1] == "jobs" {
		return true
	}
	return len(seg) >= 5 && seg[0] == "api" && seg[1] == "queries" && seg[3] == "jobs"
}

// loginRequired answers an unauthenticated request like redirect_to_login
// (§2.3): 404 JSON on /api/ paths, else a 302 to the login page.
func (x *rctx) loginRequired() {
	if strings.Contains(x.r.URL.Path, "/api/") {
		writeMessage(x.w, http.StatusNotFound, msgLogin)
		return
	}
	scheme := "http"
	if x.r.TLS != nil {
		scheme = "https"
	}
	login := "/login"
	if x.s.opts.OrgSlug != "" {
		login = "/" + x.s.opts.OrgSlug + "/login"
	}
	next := scheme + "://" + x.r.Host + x.r.URL.RequestURI()
	loc := login + "?next=" + url.QueryEscape(next)
	x.w.Header().Set("Location", loc)
	writeHTML(x.w, http.StatusFound, "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: <a href=\""+loc+"\">"+loc+"</a>. If not, click the link.\n")
}

// setCookies imitates v10+'s session and csrf_token cookies (§3.1).
func (s *Server) setCookies(w http.ResponseWriter, r *http.Request) {
	sum := sha1.Sum([]byte(r.RemoteAddr + r.URL.Path))
	tok := hex.EncodeToString(sum[:])
	http.SetCookie(w, &http.Cookie{Name: "session", Value: ".eJw" + tok[:24], Path: "/", HttpOnly: true})
	http.SetCookie(w, &http.Cookie{Name: "csrf_token", Value: tok, Path: "/"})
}

// unknown answers a path no route claims: the SPA for GET (§2.2), a 405
// HTML page otherwise.
func (x *rctx) unknown() {
	if x.r.Method == http.MethodGet || x.r.Method == http.MethodHead {
		writeHTML(x.w, http.StatusOK, spaPage(x.s.opts.OrgSlug != ""))
		return
	}
	writeHTML(x.w, http.StatusMethodNotAllowed, werkzeugPage(http.StatusMethodNotAllowed, msgNotAllowed))
}

func (x *rctx) notAllowed() { writeMessage(x.w, http.StatusMethodNotAllowed, msgNotAllowed) }
func (x *rctx) internal()   { writeMessage(x.w, http.StatusInternalServerError, msgInternal) }
func (x *rctx) notFound()   { writeMessage(x.w, http.StatusNotFound, msgNotFound) }
func (x *rctx) forbidden()  { writeMessage(x.w, http.StatusForbidden, msgForbidden) }
func (x *rctx) json(b []byte) {
	writeJSON(x.w, http.StatusOK, b)
}

// id parses an integer URL variable; a non-integer is a database error,
// a 500, in Redash (§2.2, §17).
func (x *rctx) id(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil {
		x.internal()
		return 0, false
	}
	return n, true
}

func (x *rctx) method() string {
	if x.r.Method == http.MethodHead {
		return http.MethodGet
	}
	return x.r.Method
}

// dispatch routes an authenticated request.
func (x *rctx) dispatch() {
	seg, d, m := x.seg, x.s.d, x.method()
	if x.c.isAPI() {
		// A query key reaches only routes with <query_id> (§3.2).
		x.dispatchQueryKey()
		return
	}
	// Unscoped routes are matched on the full path: under an org prefix
	// they do not exist (§4).
	switch x.r.URL.Path {
	case "/status.json":
		if !x.c.admin {
			writeHTML(x.w, http.StatusForbidden, werkzeugPage(http.StatusForbidden, msgForbidden))
			return
		}
		x.statusJSON()
		return
	case "/api/admin/queries/outdated":
		x.adminOutdated()
		return
	case "/api/admin/queries/tasks":
		if !d.rq {
			x.adminTasks()
			return
		}
	case "/api/admin/queries/rq_status":
		if d.rq {
			x.adminRQStatus()
			return
		}
	}
	if len(seg) < 2 || seg[0] != "api" || slices.Contains(seg, "") {
		x.unknown() // no route has empty segments: "/api/queries/" is the SPA
		return
	}
	n := len(seg)
	switch seg[1] {
	case "session":
		if n == 2 && m == http.MethodGet {
			x.session()
			return
		}
	case "organization":
		if n == 3 && seg[2] == "status" && m == http.MethodGet {
			x.orgStatus()
			return
		}
	case "queries":
		if x.routeQueries() {
			return
		}
	case "query_results":
		if x.routeQueryResults() {
			return
		}
	case "jobs":
		if n == 3 {
			switch m {
			case http.MethodGet:
				x.getJob(seg[2])
			case http.MethodDelete:
				x.cancelJob(seg[2])
			default:
				x.notAllowed()
			}
			return
		}
	case "dashboards":
		if x.routeDashboards() {
			return
		}
	case "widgets":
		if x.routeWidgets() {
			return
		}
	case "alerts":
		if x.routeAlerts() {
			return
		}
	case "users":
		if x.routeUsers() {
			return
		}
	case "data_sources":
		if x.routeDataSources() {
			return
		}
	case "groups":
		if x.routeGroups() {
			return
		}
	case "settings":
		if x.routeSettings() {
			return
		}
	case "destinations":
		if n == 2 && m == http.MethodGet {
			x.listDestinations()
			return
		}
	case "events":
		if n == 2 {
			switch m {
			case http.MethodGet:
				x.listEvents()
			case http.MethodPost:
				x.postEvents()
			default:
				x.notAllowed()
			}
			return
		}
	}
	x.unknown()
}

// dispatchQueryKey serves the few routes a query key may use (§3.2).
func (x *rctx) dispatchQueryKey() {
	seg, m := x.seg, x.method()
	n := len(seg)
	qid := seg[2]
	if slices.Contains(seg, "") {
		x.unknown()
		return
	}
	switch {
	case n == 3 && m == http.MethodGet:
		x.getQuery(qid)
	case n == 3:
		x.forbidden()
	case n == 4 && (strings.HasPrefix(seg[3], "results.") || (seg[3] == "results" && x.s.d.resultsPost)) && m == http.MethodGet:
		x.queryResultsDownload(qid, "", seg[3])
	case n == 4 && seg[3] == "results" && m == http.MethodPost && x.s.d.resultsPost:
		x.runSavedQuery(qid)
	case n == 5 && seg[3] == "results" && m == http.MethodGet:
		x.queryResultsDownload(qid, seg[4], seg[4])
	case n == 4 && seg[3] == "refresh" && m == http.MethodPost:
		writeMessage(x.w, http.StatusForbidden, msgUseUserKey)
	case n == 5 && seg[3] == "jobs" && m == http.MethodGet && x.s.d.queryJobsRoute:
		x.getJob(seg[4])
	case n >= 4:
		x.forbidden()
	default:
		x.unknown()
	}
}
