package redash

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewClientValidatesURL(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		opts    []Option
		want    string
		wantErr string
	}{
		{"plain", "https://redash.example.com", nil, "https://redash.example.com/", ""},
		{"trailing slash", "https://redash.example.com/", nil, "https://redash.example.com/", ""},
		{"sub path", "http://example.com:8080/redash", nil, "http://example.com:8080/redash/", ""},
		{"upper scheme", "HTTPS://x.example", nil, "https://x.example/", ""},
		{"org", "https://x.example", []Option{WithOrg("acme")}, "https://x.example/acme/", ""},
		{"org slashes", "https://x.example/", []Option{WithOrg("/acme/")}, "https://x.example/acme/", ""},
		{"fragment dropped", "https://x.example/#/queries", nil, "https://x.example/", ""},
		{"empty", "  ", nil, "", "invalid redash URL: empty"},
		{"no scheme", "redash.example.com", nil, "", "must start with https:// or http://"},
		{"host and port only", "localhost:5000", nil, "", "must start with https:// or http://"},
		{"ftp", "ftp://x.example", nil, "", "scheme must be http or https"},
		{"no host", "https://", nil, "", "no host"},
		{"query string", "https://x.example/?api_key=" + testKey, nil, "", "must not contain a query string"},
		{"bad org", "https://x.example", []Option{WithOrg("a/b")}, "", "invalid org slug"},
		{"bad concurrency", "https://x.example", []Option{WithConcurrency(0)}, "", "invalid concurrency 0"},
		{"bad rate", "https://x.example", []Option{WithRateLimit(-1)}, "", "invalid rate limit"},
		{"bad key", "https://x.example", []Option{WithAPIKey("a\nb")}, "", "line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.url, tt.opts...)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.NotContains(t, err.Error(), testKey)
				assert.NotContains(t, err.Error(), "\n")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.BaseURL())
			assert.Equal(t, DefaultConcurrency, c.Concurrency())
		})
	}
}

func TestAuthorizationHeaderOnlyAndNoCookies(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.seed(3)
	c, _ := f.start()
	ctx := context.Background()
	_, err := c.Session(ctx)
	require.NoError(t, err)
	_, err = c.Queries.ListAll(ctx, QueryListOptions{})
	require.NoError(t, err)

	reqs := f.requests()
	require.Len(t, reqs, 2) // session (which also gives the version), one page
	for _, r := range reqs {
		assert.Equal(t, "Key "+testKey, r.Auth)
		assert.NotContains(t, r.RawQuery, "api_key")
		assert.NotContains(t, r.RawQuery, testKey)
		assert.Empty(t, r.Cookie, "no cookie jar: the v10 session cookie is never sent back")
	}
}

func TestWithHTTPClientJarIsDropped(t *testing.T) {
	f := newFake(t, "10.1.0")
	jarClient := &http.Client{Jar: newJar(t)}
	c, _ := f.start(WithHTTPClient(jarClient))
	for range 2 {
		_, err := c.Session(context.Background())
		require.NoError(t, err)
	}
	for _, r := range f.requests() {
		assert.Empty(t, r.Cookie)
	}
	assert.NotNil(t, jarClient.Jar, "the caller's client is not modified")
}

func TestDebugLogNeverShowsKey(t *testing.T) {
	f := newFake(t, "8.0.0")
	f.seed(2)
	var buf bytes.Buffer
	c, srv := f.start(WithDebug(&buf))
	_, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
	require.NoError(t, err)

	log := buf.String()
	assert.NotContains(t, log, testKey)
	lines := strings.Split(strings.TrimSpace(log), "\n")
	require.Len(t, lines, 2)
	assert.Regexp(t, `^redash: GET `+srv.URL+`/api/session -> 200 \(\d+ms\)$`, lines[0])
	assert.Regexp(t, `^redash: GET `+srv.URL+`/api/queries\?page=1&page_size=250 -> 200 \(\d+ms\)$`, lines[1])
}

func TestDebugLogShowsRetriesAndErrors(t *testing.T) {
	f := newFake(t, "8.0.0")
	calls := 0
	f.fault = func(w http.ResponseWriter, r *http.Request) bool {
		calls++
		if calls == 1 {
			writeHTML(w, 502, "502 Bad Gateway")
			return true
		}
		return false
	}
	var buf bytes.Buffer
	c, _ := f.start(WithDebug(&buf))
	_, err := c.Session(context.Background())
	require.NoError(t, err)
	assert.Contains(t, buf.String(), "/api/session -> 502")
	assert.Contains(t, buf.String(), "/api/session -> 200")
}

func TestUserAgent(t *testing.T) {
	var got []string
	f := newFake(t, "8.0.0")
	f.fault = func(_ http.ResponseWriter, r *http.Request) bool {
		got = append(got, r.Header.Get("User-Agent"), r.Header.Get("Accept"))
		return false
	}
	c, _ := f.start(WithUserAgent("redashctl/1.2.3"))
	_, err := c.Session(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"redashctl/1.2.3", "application/json"}, got)
}

func TestOrgPrefix(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.org = "acme"
	f.seed(1)
	f.routes["GET /api/admin/queries/rq_status"] = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"queues": map[string]any{}, "workers": []any{}})
	}
	f.routes["GET /status.json"] = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, 200, map[string]any{"version": "10.1.0"})
	}
	c, _ := f.start()
	assert.Equal(t, "acme", c.Org())
	ctx := context.Background()
	qs, err := c.Queries.ListAll(ctx, QueryListOptions{})
	require.NoError(t, err)
	assert.Len(t, qs, 1)
	_, err = c.Admin.RQStatus(ctx)
	require.NoError(t, err)
	_, err = c.Admin.Status(ctx)
	require.NoError(t, err)

	var paths []string
	for _, r := range f.requests() {
		paths = append(paths, r.Path)
	}
	assert.Equal(t, []string{"/acme/api/session", "/acme/api/queries", "/api/admin/queries/rq_status", "/status.json"}, paths,
		"org-scoped paths carry the prefix, admin and status paths do not")
}

func TestWrongOrgIsUnauthorized(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.org = "acme"
	srvClient, srv := f.start()
	_ = srvClient
	c, err := NewClient(srv.URL, WithAPIKey(testKey), WithOrg("other"), WithRetryPolicy(fastRetry()))
	require.NoError(t, err)
	_, err = c.Session(context.Background())
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.Contains(t, err.Error(), "check the API key and the org slug")
}
