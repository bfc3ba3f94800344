package root_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/fakeredash"
)

// oneLine asserts that stderr is exactly one "error: ..." line (plus an
// optional usage hint) and returns the error text.
func oneLine(t *testing.T, stderr string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	require.NotEmpty(t, lines)
	assert.True(t, strings.HasPrefix(lines[0], "error: "), "stderr: %q", stderr)
	for _, l := range lines[1:] {
		assert.True(t, strings.HasPrefix(l, "Run '"), "unexpected stderr line %q", l)
	}
	assert.NotContains(t, stderr, "goroutine")
	assert.NotContains(t, stderr, "<html")
	assert.NotContains(t, stderr, "<!DOCTYPE")
	return lines[0]
}

func TestExitCodes(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Queries: 60})
	htmlSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>hello</body></html>"))
	}))
	t.Cleanup(htmlSrv.Close)
	badGateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"))
	}))
	t.Cleanup(badGateway.Close)
	tlsSrv := httptest.NewTLSServer(srv)
	t.Cleanup(tlsSrv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedURL := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close())

	tests := []struct {
		name    string
		env     clitest.Env
		args    []string
		code    int
		errPart string
	}{
		{name: "version", args: []string{"version"}, code: 0},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, errPart: `unknown command "frobnicate"`},
		{name: "unknown flag", args: []string{"query", "list", "--nope"}, code: 2, errPart: "unknown flag: --nope"},
		{name: "bad output", env: clitest.EnvFor(url, srv.AdminKey()), args: []string{"query", "list", "-o", "xml"}, code: 2, errPart: `unknown output format "xml": use one of table, json, csv, yaml`},
		{name: "bad drafts", args: []string{"query", "list", "--drafts", "maybe"}, code: 2, errPart: `invalid --drafts "maybe"`},
		{name: "bad duration", args: []string{"query", "list", "--not-run-since", "3y"}, code: 2, errPart: `--not-run-since: invalid duration "3y"`},
		{name: "bad concurrency", args: []string{"query", "list", "--concurrency", "0"}, code: 2, errPart: "--concurrency must be between 1 and 64"},
		{name: "no url", args: []string{"query", "list"}, code: 2, errPart: "no Redash URL"},
		{name: "malformed url", env: clitest.EnvFor("redash.example.com", "k"), args: []string{"query", "list"}, code: 2, errPart: `malformed Redash URL "redash.example.com"`},
		{name: "no key", env: clitest.Env{"REDASHCTL_URL": url}, args: []string{"query", "list"}, code: 4, errPart: "no API key for " + url},
		{name: "bad key", env: clitest.EnvFor(url, "wrong-key"), args: []string{"query", "list"}, code: 4, errPart: "check the API key"},
		{name: "unknown profile", args: []string{"--profile", "nope", "query", "list"}, code: 1, errPart: `unknown profile "nope"`},
		{name: "not a redash (html 200)", env: clitest.EnvFor(htmlSrv.URL, "k"), args: []string{"query", "list"}, code: 1, errPart: "HTML"},
		{name: "proxy 502 html", env: clitest.EnvFor(badGateway.URL, "k"), args: []string{"--timeout", "2s", "query", "list"}, code: 1, errPart: "502"},
		{name: "unreachable", env: clitest.EnvFor(closedURL, "k"), args: []string{"--timeout", "2s", "query", "list"}, code: 1, errPart: "connection refused"},
		{name: "tls failure", env: clitest.EnvFor(tlsSrv.URL, srv.AdminKey()), args: []string{"query", "list"}, code: 1, errPart: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := clitest.Run(t, tt.env, tt.args...)
			assert.Equal(t, tt.code, res.Code, "stdout: %s\nstderr: %s", res.Stdout, res.Stderr)
			if tt.errPart != "" {
				line := oneLine(t, res.Stderr)
				assert.Contains(t, line, tt.errPart)
				assert.NotContains(t, line, srv.AdminKey(), "an API key leaked into an error")
			}
		})
	}
}

func TestUsageErrorPointsAtHelp(t *testing.T) {
	res := clitest.Run(t, nil, "query", "list", "--limit", "-1")
	assert.Equal(t, 2, res.Code)
	assert.Equal(t, "error: --limit must not be negative, got -1\nRun 'redashctl query list --help' for usage.\n", res.Stderr)
}

func TestDebugLogRedactsKey(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Queries: 30})
	res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "--debug", "query", "list", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, "GET ")
	assert.NotContains(t, res.Stderr, srv.AdminKey())
	assert.NotContains(t, res.Stdout, srv.AdminKey())
	for _, r := range srv.Requests() {
		assert.NotContains(t, r.Path+"?"+r.RawQuery, srv.AdminKey(), "the key must never be in a URL")
		assert.Equal(t, "Key "+srv.AdminKey(), r.Header.Get("Authorization"))
	}
}

func TestHelpEndsWithExitStatus(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"query", "list", "--help"}, {"profile", "add", "--help"}, {"sandbox", "serve", "--help"}} {
		res := clitest.Run(t, nil, args...)
		assert.Equal(t, 0, res.Code)
		assert.Contains(t, res.Stdout, "Exit status:", strings.Join(args, " "))
		assert.Contains(t, res.Stdout, "Examples:", strings.Join(args, " "))
	}
}
