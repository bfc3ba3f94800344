package redash

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/retry"
)

// This file holds a small Redash stand-in for the unit tests: just enough of
// each dialect (4.0.2, 5.0.2, 8.0.0, 10.1.0, 26.3.0) to exercise the client,
// written from the behaviours recorded in the API reference. The shared fake
// server (internal/fakeredash) is tested against separately.

const testKey = "SECRETKEY0123456789abcdefghijklmnopqrstu"

type recorded struct {
	Method, Path, RawQuery, Auth, Cookie string
	Body                                 string
}

type fakeRedash struct {
	t       *testing.T
	version string
	major   int
	key     string
	org     string // multi-org prefix, "" for single org

	mu       sync.Mutex
	queries  []map[string]any // newest first, as Redash's default order
	archived []map[string]any
	reqs     []recorded

	inflight, maxInflight atomic.Int32

	// fault, when set, may answer a request itself (returning true).
	fault func(w http.ResponseWriter, r *http.Request) bool
	// afterPage runs after page n of a query list was served.
	afterPage func(n int)
	// extra routes, matched on "METHOD /path" after auth.
	routes map[string]http.HandlerFunc
}

func newFake(t *testing.T, version string) *fakeRedash {
	t.Helper()
	v, err := ParseVersion(version)
	require.NoError(t, err)
	return &fakeRedash{t: t, version: version, major: v.Major, key: testKey, routes: map[string]http.HandlerFunc{}}
}

// start serves f over real HTTP and returns a client for it.
func (f *fakeRedash) start(opts ...Option) (*Client, *httptest.Server) {
	f.t.Helper()
	srv := httptest.NewServer(f)
	f.t.Cleanup(srv.Close)
	base := []Option{WithAPIKey(f.key), WithRetryPolicy(fastRetry())}
	if f.org != "" {
		base = append(base, WithOrg(f.org))
	}
	c, err := NewClient(srv.URL, append(base, opts...)...)
	require.NoError(f.t, err)
	return c, srv
}

func fastRetry() retry.Policy {
	return retry.Policy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxRetryAfter: 5 * time.Second}
}

func (f *fakeRedash) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

func (f *fakeRedash) count(method, path string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeHTML(w http.ResponseWriter, code int, title string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintf(w, "<html><head><title>%s</title></head><body><h1>%s</h1>\n<p>lots\nof\nmarkup</p></body></html>", title, title)
}

func (f *fakeRedash) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for {
		m := f.maxInflight.Load()
		if n <= m || f.maxInflight.CompareAndSwap(m, n) {
			break
		}
	}
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.reqs = append(f.reqs, recorded{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Auth: r.Header.Get("Authorization"), Cookie: r.Header.Get("Cookie"), Body: string(body),
	})
	f.mu.Unlock()

	if f.fault != nil && f.fault(w, r) {
		return
	}
	if f.major >= 10 {
		// v10+ sets a session cookie on every response; the client must not
		// keep it.
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3ss10n", Path: "/"})
	}

	path := r.URL.Path
	switch {
	case path == "/status.json" || strings.HasPrefix(path, "/api/admin/"):
		// Not org-scoped.
		if r.Header.Get("Authorization") != "Key "+f.key {
			if path == "/status.json" {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(path), http.StatusFound)
				return
			}
			writeHTML(w, http.StatusForbidden, "403 Forbidden")
			return
		}
	default:
		prefix := "/"
		if f.org != "" {
			prefix = "/" + f.org + "/"
		}
		if !strings.HasPrefix(path, prefix) {
			writeJSON(w, 404, map[string]string{"message": loginMessage})
			return
		}
		path = "/" + strings.TrimPrefix(path, prefix)
		if r.Header.Get("Authorization") != "Key "+f.key {
			if strings.Contains(path, "/api/") || strings.HasPrefix(path, "/api/") {
				writeJSON(w, 404, map[string]string{"message": loginMessage})
				return
			}
			http.Redirect(w, r, "/login", http.StatusFound)
			return
		}
	}
	if h, ok := f.routes[r.Method+" "+path]; ok {
		h(w, r)
		return
	}
	switch {
	case r.Method == "GET" && path == "/api/session":
		f.session(w)
	case r.Method == "GET" && path == "/api/queries":
		f.list(w, r, f.snapshot(false))
	case r.Method == "GET" && path == "/api/queries/archive":
		if f.major < 7 {
			// v4–v6: "archive" is taken as a query id.
			writeJSON(w, 500, map[string]string{"message": "Internal Server Error"})
			return
		}
		f.list(w, r, f.snapshot(true))
	case r.Method == "GET" && strings.HasPrefix(path, "/api/queries/"):
		id, err := strconv.Atoi(strings.TrimPrefix(path, "/api/queries/"))
		if err != nil {
			writeJSON(w, 500, map[string]string{"message": "Internal Server Error"})
			return
		}
		for _, q := range f.snapshot(false) {
			if q["id"] == id {
				writeJSON(w, 200, q)
				return
			}
		}
		writeJSON(w, 404, map[string]string{"message": "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again."})
	default:
		// Redash's catch-all serves the single-page app.
		writeHTML(w, 200, "Redash")
	}
}

func (f *fakeRedash) session(w http.ResponseWriter) {
	writeJSON(w, 200, map[string]any{
		"user": map[string]any{
			"id": 1, "name": "Admin", "email": "admin@example.com", "groups": []int{1, 2},
			"permissions": []string{"admin", "super_admin", "view_query"},
		},
		"org_slug":      "default",
		"client_config": map[string]any{"version": f.version, "pageSize": 20},
	})
}

func (f *fakeRedash) snapshot(archived bool) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if archived {
		return slices.Clone(f.archived)
	}
	return slices.Clone(f.queries)
}

// list implements Redash's paginate(): page and page_size checks, 400s and
// the envelope.
func (f *fakeRedash) list(w http.ResponseWriter, r *http.Request, rows []map[string]any) {
	q := r.URL.Query()
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil {
		page = 1
	}
	size, err := strconv.Atoi(q.Get("page_size"))
	if err != nil {
		size = 25
	}
	if f.major >= 5 {
		if tags := q["tags"]; len(tags) > 0 {
			rows = slices.DeleteFunc(rows, func(m map[string]any) bool {
				have, _ := m["tags"].([]string)
				for _, t := range tags {
					if !slices.Contains(have, t) {
						return true
					}
				}
				return false
			})
		}
	}
	count := len(rows)
	switch {
	case page < 1:
		writeJSON(w, 400, map[string]string{"message": "Page must be positive integer."})
		return
	case size < 1 || size > 250:
		writeJSON(w, 400, map[string]string{"message": "Page size is out of range (1-250)."})
		return
	case (page-1)*size+1 > count && count > 0:
		writeJSON(w, 400, map[string]string{"message": "Page is out of range."})
		return
	case count == 0 && page > 1:
		writeJSON(w, 404, map[string]string{"message": "Not Found"})
		return
	}
	lo := (page - 1) * size
	hi := min(lo+size, count)
	writeJSON(w, 200, map[string]any{"count": count, "page": page, "page_size": size, "results": rows[lo:hi]})
	if f.afterPage != nil {
		f.afterPage(page)
	}
}

// makeQuery builds a list item shaped like the fake's version.
func (f *fakeRedash) makeQuery(id int) map[string]any {
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Hour)
	ts := func(t time.Time) string {
		if f.major < 8 {
			return t.Format("2006-01-02T15:04:05.000000+00:00")
		}
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	user := map[string]any{
		"id": 7, "name": "Ann", "email": "ann@example.com", "groups": []int{1, 2},
		"created_at": ts(created), "updated_at": ts(created),
	}
	if f.major >= 5 {
		user["disabled_at"] = nil
		user["is_disabled"] = false
	}
	q := map[string]any{
		"id": id, "name": fmt.Sprintf("Query %d", id), "description": nil, "query": fmt.Sprintf("select %d", id),
		"query_hash": fmt.Sprintf("h%d", id), "api_key": "qk" + strconv.Itoa(id), "is_archived": false,
		"is_draft": id%10 == 0, "updated_at": ts(created), "created_at": ts(created), "data_source_id": 1,
		"latest_query_data_id": nil, "options": map[string]any{"parameters": []any{}}, "version": 1,
		"user": user, "last_modified_by_id": 7, "retrieved_at": nil, "runtime": nil,
	}
	switch {
	case f.major < 7:
		q["schedule"] = []any{nil, "3600", "06:30"}[id%3]
	default:
		q["schedule"] = []any{
			nil,
			map[string]any{"interval": 3600, "time": nil, "day_of_week": nil, "until": nil},
			map[string]any{"interval": "86400", "time": "06:30", "day_of_week": nil, "until": nil},
		}[id%3]
		q["is_safe"] = true
	}
	if f.major >= 5 {
		q["tags"] = []string{}
		if id%2 == 0 {
			q["tags"] = []string{"even"}
		}
		q["is_favorite"] = false
	}
	return q
}

// seed fills the fake with n queries, ids n..1 (newest first).
func (f *fakeRedash) seed(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = f.queries[:0]
	for id := n; id >= 1; id-- {
		f.queries = append(f.queries, f.makeQuery(id))
	}
}

// prepend adds new queries at the top, as new rows appear in Redash.
func (f *fakeRedash) prepend(ids ...int) {
	rows := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		rows = append(rows, f.makeQuery(id))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(rows, f.queries...)
}

func (f *fakeRedash) truncate(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = f.queries[:n]
}

func ids(qs []Query) []int {
	out := make([]int, len(qs))
	for i, q := range qs {
		out[i] = q.ID
	}
	return out
}

func newJar(t *testing.T) http.CookieJar {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return jar
}

// newStatic serves h over real HTTP.
func newStatic(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
