package fakesheets

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	fake  *Server
	srv   *httptest.Server
	clock *Clock
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := NewClock(t0)
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	fake := New(opts)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return &env{t: t, fake: fake, srv: srv, clock: clock}
}

type answer struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

// errorStatus returns Google's canonical status of an error answer.
func (a answer) errorStatus() string {
	e, _ := a.JSON["error"].(map[string]any)
	s, _ := e["status"].(string)
	return s
}

func (a answer) errorMessage() string {
	e, _ := a.JSON["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// do sends a request with the Bearer token "tok" unless the header map
// overrides Authorization ("" removes it).
func (e *env) do(method, path string, body any, hdr ...string) answer {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	require.NoError(e.t, err)
	req.Header.Set("Authorization", "Bearer tok")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := e.srv.Client().Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: data}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(e.t, json.Unmarshal(data, &a.JSON), string(data))
	}
	return a
}

// batch sends a spreadsheets.batchUpdate with the given requests.
func (e *env) batch(id string, reqs ...map[string]any) answer {
	e.t.Helper()
	return e.do("POST", "/v4/spreadsheets/"+id+":batchUpdate", map[string]any{"requests": reqs})
}

// put sends values.update.
func (e *env) put(id, rng, input string, values [][]any) answer {
	e.t.Helper()
	return e.do("PUT", "/v4/spreadsheets/"+id+"/values/"+url.PathEscape(rng)+"?valueInputOption="+input,
		map[string]any{"values": values})
}

// get sends values.get with extra query parameters.
func (e *env) get(id, rng, query string) answer {
	e.t.Helper()
	p := "/v4/spreadsheets/" + id + "/values/" + url.PathEscape(rng)
	if query != "" {
		p += "?" + query
	}
	return e.do("GET", p, nil)
}

func (e *env) values(id, tab string) [][]any {
	e.t.Helper()
	v, err := e.fake.Values(id, tab)
	require.NoError(e.t, err)
	return v
}

func (e *env) sheet(id, tab string) SheetProperties {
	e.t.Helper()
	p, ok := e.fake.Sheet(id, tab)
	require.True(e.t, ok, "tab %q", tab)
	return p
}
