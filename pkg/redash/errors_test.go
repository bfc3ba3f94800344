package redash

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// assertOneLine checks what every error must be: one line, no API key.
func assertOneLine(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "\n")
	assert.NotContains(t, err.Error(), testKey)
	assert.NotContains(t, err.Error(), "<html")
}

// failFirst answers the first n requests with h, then lets the fake answer.
func failFirst(n int32, h http.HandlerFunc) (func(http.ResponseWriter, *http.Request) bool, *atomic.Int32) {
	var calls atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) bool {
		if calls.Add(1) <= n {
			h(w, r)
			return true
		}
		return false
	}, &calls
}

func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func TestBadKeyIsUnauthorized(t *testing.T) {
	for _, version := range []string{"4.0.2", "8.0.0", "26.3.0"} {
		t.Run(version, func(t *testing.T) {
			f := newFake(t, version)
			f.key = "the-real-key"
			c, srv := f.start(WithAPIKey(testKey))
			_, err := c.Session(context.Background())
			assertOneLine(t, err)
			assert.ErrorIs(t, err, ErrUnauthorized)
			assert.NotErrorIs(t, err, ErrNotFound, "the auth 404 is not a missing object")
			var ae *AuthError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 404, ae.StatusCode)
			assert.Equal(t, "read session: unauthorized: redash answered GET "+srv.URL+"/api/session with 404 Not Found: check the API key and the org slug", err.Error())
			assert.Equal(t, 1, f.count("GET", "/api/session"), "not retried")
		})
	}
}

func TestMissingKeyIsUnauthorized(t *testing.T) {
	f := newFake(t, "10.1.0")
	srvC, srv := f.start()
	_ = srvC
	c, err := NewClient(srv.URL, WithRetryPolicy(fastRetry()))
	require.NoError(t, err)
	_, err = c.Queries.List(context.Background(), QueryListOptions{})
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.Equal(t, "", f.requests()[0].Auth)
}

func TestAdminEndpointsNeedSuperAdmin(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.key = "the-real-key"
	c, _ := f.start(WithAPIKey(testKey), WithVersion(MustParseVersion("10.1.0")))
	ctx := context.Background()

	_, err := c.Admin.RQStatus(ctx)
	assertOneLine(t, err)
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.Contains(t, err.Error(), "needs a super-admin key")
	assert.Contains(t, err.Error(), "403 Forbidden")

	_, err = c.Admin.Outdated(ctx)
	assert.ErrorIs(t, err, ErrUnauthorized)

	// /status.json redirects to the login page; the client does not follow.
	_, err = c.Admin.Status(ctx)
	assertOneLine(t, err)
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.Contains(t, err.Error(), "302 Found")
	assert.Contains(t, err.Error(), "super-admin")
	assert.Zero(t, f.count("GET", "/login"), "the login redirect is never followed")
}

func TestRedirectIsNotFollowed(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.fault = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/api/session" {
			http.Redirect(w, r, "https://redash.example.com/api/session?x=1", http.StatusMovedPermanently)
			return true
		}
		return false
	}
	c, srv := f.start()
	_, err := c.Session(context.Background())
	assertOneLine(t, err)
	var re *RedirectError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 301, re.StatusCode)
	assert.Equal(t, "https://redash.example.com/api/session", re.Location)
	assert.Equal(t, "read session: redash redirected GET "+srv.URL+"/api/session to https://redash.example.com/api/session (301 Moved Permanently): use the final address as the Redash URL", err.Error())
	assert.Len(t, f.requests(), 1)
}

func TestRedirectToLoginOnAPIPathIsUnauthorized(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.fault = func(w http.ResponseWriter, r *http.Request) bool {
		http.Redirect(w, r, "/login?next=%2Fapi%2Fsession", http.StatusFound)
		return true
	}
	c, _ := f.start()
	_, err := c.Session(context.Background())
	assertOneLine(t, err)
	assert.ErrorIs(t, err, ErrUnauthorized)
	assert.Contains(t, err.Error(), "check the API key and the org slug")
}

func TestJSONErrorsMatchSentinels(t *testing.T) {
	tests := []struct {
		code    int
		body    any
		target  error
		message string
	}{
		{404, map[string]string{"message": "The requested URL was not found on the server."}, ErrNotFound, "The requested URL was not found on the server."},
		{409, map[string]string{"message": "A conflict happened while processing the request."}, ErrConflict, "A conflict happened while processing the request."},
		{403, map[string]string{"message": "You don't have permission to edit this resource."}, ErrForbidden, "You don't have permission to edit this resource."},
		{400, map[string]any{"job": map[string]any{"status": 4, "error": "Missing parameter value for: w, n"}}, nil, "Missing parameter value for: w, n"},
		{500, map[string]string{"message": "Internal Server Error"}, nil, "Internal Server Error"},
		{400, map[string]string{"message": "line one\n  line two"}, nil, "line one line two"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code, tt.message), func(t *testing.T) {
			f := newFake(t, "10.1.0")
			f.fault = func(w http.ResponseWriter, _ *http.Request) bool { writeJSON(w, tt.code, tt.body); return true }
			c, srv := f.start()
			_, err := c.Queries.Get(context.Background(), 5)
			assertOneLine(t, err)
			var er *ErrorResponse
			require.ErrorAs(t, err, &er)
			assert.Equal(t, tt.code, er.StatusCode)
			assert.Equal(t, tt.message, er.Message)
			assert.Equal(t, "GET", er.Method)
			assert.Equal(t, srv.URL+"/api/queries/5", er.URL)
			assert.Equal(t, fmt.Sprintf("get query 5: redash returned %d %s for GET %s/api/queries/5: %s", tt.code, http.StatusText(tt.code), srv.URL, tt.message), err.Error())
			for _, s := range []error{ErrNotFound, ErrConflict, ErrForbidden} {
				assert.Equal(t, s == tt.target, errors.Is(err, s), "errors.Is(%v)", s)
			}
			assert.NotErrorIs(t, err, ErrUnauthorized)
			assert.Len(t, f.requests(), 1, "4xx and 500 are not retried")
		})
	}
}

func TestHTMLPageOn200IsNotAnAPI(t *testing.T) {
	f := newFake(t, "8.0.0")
	c, srv := f.start(WithVersion(MustParseVersion("10.1.0")))
	// The v8 server does not know rq_status; its catch-all answers 200 HTML.
	f.routes["GET /api/admin/queries/rq_status"] = func(w http.ResponseWriter, _ *http.Request) { writeHTML(w, 200, "Redash") }
	_, err := c.Admin.RQStatus(context.Background())
	assertOneLine(t, err)
	var he *HTMLError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 200, he.StatusCode)
	assert.Equal(t, "Redash", he.Title)
	assert.Equal(t, "read rq status: redash returned an HTML page (200 OK) for GET "+srv.URL+"/api/admin/queries/rq_status: this endpoint does not exist on this server or Redash version, or the URL is not a Redash", err.Error())
	assert.Len(t, f.requests(), 1)
}

func TestNotARedash(t *testing.T) {
	srv := newStatic(t, func(w http.ResponseWriter, _ *http.Request) { writeHTML(w, 200, "Welcome to nginx!") })
	c, err := NewClient(srv.URL, WithAPIKey(testKey))
	require.NoError(t, err)
	_, err = c.Version(context.Background())
	assertOneLine(t, err)
	var he *HTMLError
	require.ErrorAs(t, err, &he)
	assert.Contains(t, err.Error(), "the URL is not a Redash")
}

func TestProxyErrorPageRetriedThenReported(t *testing.T) {
	f := newFake(t, "10.1.0")
	var calls atomic.Int32
	f.fault = func(w http.ResponseWriter, _ *http.Request) bool {
		calls.Add(1)
		writeHTML(w, 502, "502 Bad Gateway")
		return true
	}
	c, srv := f.start()
	_, err := c.Session(context.Background())
	assertOneLine(t, err)
	var he *HTMLError
	require.ErrorAs(t, err, &he)
	assert.Equal(t, 502, he.StatusCode)
	assert.Equal(t, "read session: redash returned an HTML page (502 Bad Gateway) for GET "+srv.URL+"/api/session: not a Redash API response — check the URL or the proxy in front of Redash", err.Error())
	assert.EqualValues(t, 4, calls.Load(), "all attempts of the policy were used")
}

func TestTransientFaultsAreRetried(t *testing.T) {
	truncatedFraming := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "4000")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"count": 3, "page": 1, "page_size": 250, "results": [{"id": 3, "na`)
		_ = http.NewResponseController(w).Flush()
		resetConnection(w)
	}
	truncatedJSON := func(w http.ResponseWriter, _ *http.Request) {
		// The connection closes cleanly, but the JSON ends early.
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"count": 3, "page": 1, "page_size": 250, "results": [{"id": 3, "na`)
	}
	tests := []struct {
		name  string
		fault http.HandlerFunc
	}{
		{"429 with Retry-After", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "0")
			writeJSON(w, 429, map[string]string{"message": "slow down"})
		}},
		{"502 HTML", func(w http.ResponseWriter, _ *http.Request) { writeHTML(w, 502, "502 Bad Gateway") }},
		{"503 JSON", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 503, map[string]string{"message": "busy"}) }},
		{"504 HTML", func(w http.ResponseWriter, _ *http.Request) { writeHTML(w, 504, "504 Gateway Time-out") }},
		{"connection reset", func(w http.ResponseWriter, _ *http.Request) { resetConnection(w) }},
		{"truncated body", truncatedFraming},
		{"truncated JSON", truncatedJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "10.1.0")
			f.seed(3)
			c, _ := f.start(WithVersion(MustParseVersion("10.1.0")))
			fault, calls := failFirst(2, tt.fault)
			f.fault = fault
			qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
			require.NoError(t, err)
			assert.Equal(t, []int{3, 2, 1}, ids(qs))
			assert.EqualValues(t, 3, calls.Load(), "two failures, then success")
		})
	}
}

func TestRateLimitErrorWhenRetriesExhausted(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.fault = func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, 429, map[string]string{"message": "slow down"})
		return true
	}
	p := fastRetry()
	p.MaxAttempts = 2
	p.MaxRetryAfter = 10 * time.Millisecond // 1s is then too long to wait
	c, srv := f.start(WithRetryPolicy(p))
	_, err := c.Session(context.Background())
	assertOneLine(t, err)
	assert.ErrorIs(t, err, ErrRateLimited)
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, time.Second, rl.RetryAfter)
	assert.Equal(t, "read session: rate limited: redash (or a proxy in front of it) answered GET "+srv.URL+"/api/session with 429 Too Many Requests; retry after 1s; lower --rate or --concurrency", err.Error())
	assert.Len(t, f.requests(), 1, "a Retry-After beyond the policy's maximum is not waited for")
}

func TestUnsafeRequestsAreNotRetried(t *testing.T) {
	f := newFake(t, "10.1.0")
	fault, calls := failFirst(1, func(w http.ResponseWriter, _ *http.Request) { writeHTML(w, 502, "Bad Gateway") })
	f.fault = fault
	c, _ := f.start(WithVersion(MustParseVersion("10.1.0")))
	_, err := c.Queries.Create(context.Background(), CreateQueryRequest{Name: "x", SQL: "select 1", DataSourceID: 1})
	require.Error(t, err)
	var he *HTMLError
	require.ErrorAs(t, err, &he)
	assert.EqualValues(t, 1, calls.Load())
	assert.Len(t, f.requests(), 1, "a create is never sent twice")
}

func TestIdempotentWritesAreRetried(t *testing.T) {
	f := newFake(t, "10.1.0")
	fault, _ := failFirst(1, func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 503, map[string]string{"message": "busy"}) })
	f.fault = fault
	f.routes["DELETE /api/queries/9"] = func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, nil) }
	c, _ := f.start(WithVersion(MustParseVersion("10.1.0")))
	require.NoError(t, c.Queries.Archive(context.Background(), 9))
	assert.Equal(t, 2, f.count("DELETE", "/api/queries/9"))
}

func TestSlowResponseEndsWithContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	f := newFake(t, "10.1.0")
	f.fault = func(_ http.ResponseWriter, r *http.Request) bool {
		select {
		case <-r.Context().Done():
		case <-release:
		}
		return true
	}
	c, _ := f.start()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Session(ctx)
	assertOneLine(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, f.requests(), 1, "no retry once the context is done")
}

func TestAttemptTimeoutIsRetried(t *testing.T) {
	var calls atomic.Int32
	f := newFake(t, "10.1.0")
	f.fault = func(_ http.ResponseWriter, r *http.Request) bool {
		if calls.Add(1) == 1 {
			<-r.Context().Done() // hang until the client gives up on the attempt
			return true
		}
		return false
	}
	c, _ := f.start(WithTimeout(100 * time.Millisecond))
	s, err := c.Session(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, s.User.ID)
	assert.EqualValues(t, 2, calls.Load())
}

func TestBodyTooLarge(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(50)
	c, _ := f.start(WithVersion(MustParseVersion("10.1.0")), WithMaxBodySize(2048))
	_, err := c.Queries.List(context.Background(), QueryListOptions{})
	assertOneLine(t, err)
	assert.ErrorIs(t, err, ErrBodyTooLarge)
	assert.Len(t, f.requests(), 1, "a too-large body is not retried")
}

func TestUnreachableHost(t *testing.T) {
	srv := newStatic(t, func(http.ResponseWriter, *http.Request) {})
	url := srv.URL
	srv.Close()
	p := fastRetry()
	p.MaxAttempts = 2
	c, err := NewClient(url, WithAPIKey(testKey), WithRetryPolicy(p))
	require.NoError(t, err)
	_, err = c.Session(context.Background())
	assertOneLine(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "read session: GET "+url+"/api/session: "), err.Error())
	assert.Contains(t, err.Error(), "connection refused")
}

func TestDecodeErrorIsNotRetried(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.fault = func(w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"user": "not an object"}`)
		return true
	}
	c, _ := f.start()
	_, err := c.Session(context.Background())
	assertOneLine(t, err)
	assert.Contains(t, err.Error(), "decode response of GET")
	assert.Len(t, f.requests(), 1)
}

func TestErrorTypesFormat(t *testing.T) {
	assert.Equal(t, "listing archived queries needs Redash 7 or newer, the server runs 5.0.2",
		(&UnsupportedError{Feature: "listing archived queries", Version: MustParseVersion("5.0.2"), Since: Version{Major: 7}}).Error())
	assert.ErrorIs(t, &UnsupportedError{}, ErrUnsupported)
	assert.Equal(t, "query job abc failed: Query cancelled by user.", (&JobError{JobID: "abc", Status: JobFailed, Message: "Query cancelled by user."}).Error())
	assert.Equal(t, "redash returned a text/plain response (503 Service Unavailable) for GET http://x/api/queries: not a Redash API response — check the URL or the proxy in front of Redash",
		(&HTMLError{StatusCode: 503, Method: "GET", URL: "http://x/api/queries", ContentType: "text/plain; charset=utf-8"}).Error())
	assert.Equal(t, "redash returned 499 for GET http://x/api/queries",
		(&ErrorResponse{StatusCode: 499, Method: "GET", URL: "http://x/api/queries"}).Error())
}

func TestStalledBodyTimesOutAndIsRetried(t *testing.T) {
	var calls atomic.Int32
	f := newFake(t, "10.1.0")
	f.seed(3)
	f.fault = func(w http.ResponseWriter, r *http.Request) bool {
		if calls.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			_, _ = io.WriteString(w, `{"count": 3, "results": [`)
			_ = http.NewResponseController(w).Flush()
			<-r.Context().Done() // the body stalls until the client gives up
			return true
		}
		return false
	}
	c, _ := f.start(WithTimeout(200*time.Millisecond), WithVersion(MustParseVersion("10.1.0")))
	qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
	require.NoError(t, err)
	assert.Len(t, qs, 3)
	assert.EqualValues(t, 2, calls.Load())
}

func TestWaitingForRateLimiterIsNotTimedOut(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(3)
	lim := rate.NewLimiter(rate.Every(1500*time.Millisecond), 1)
	c, _ := f.start(WithTimeout(time.Second), WithRateLimiter(lim), WithVersion(MustParseVersion("10.1.0")))
	for range 2 { // the second request waits ~1.5s for its token
		_, err := c.Queries.List(context.Background(), QueryListOptions{})
		require.NoError(t, err)
	}
	assert.Len(t, f.requests(), 2, "no attempt timed out")
}
