package fakeredash

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// dialects are every version the fake imitates.
var dialects = []string{"4.0.2", "5.0.2", "8.0.0", "10.1.0", "26.3.0"}

type fixture struct {
	t   *testing.T
	s   *Server
	url string // base URL, with the org prefix in multi-org mode
	hc  *http.Client
}

// newFixture starts a small world over real HTTP.
func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	if opts.Queries == 0 {
		opts.Queries = 400
	}
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	if opts.Seed == 0 {
		opts.Seed = 42
	}
	s, err := New(opts)
	require.NoError(t, err)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	base := ts.URL
	if opts.OrgSlug != "" {
		base += "/" + opts.OrgSlug
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(hc.CloseIdleConnections)
	return &fixture{t: t, s: s, url: base, hc: hc}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) isJSON() bool { return r.header.Get("Content-Type") == "application/json" }
func (r response) isHTML() bool {
	return strings.HasPrefix(r.header.Get("Content-Type"), "text/html")
}

// do sends a request with "Authorization: Key <key>" when key is set.
func (f *fixture) do(method, path, key string, body any) response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(f.t, err)
		rd = bytes.NewReader(raw)
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = f.url + path
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(f.t, err)
	if key != "" {
		req.Header.Set("Authorization", "Key "+key)
	}
	resp, err := f.hc.Do(req)
	require.NoError(f.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(f.t, err)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (f *fixture) get(path, key string) response { return f.do(http.MethodGet, path, key, nil) }

// getJSON GETs path, requires a 200 JSON answer and decodes it.
func (f *fixture) getJSON(path, key string, into any) {
	f.t.Helper()
	r := f.get(path, key)
	require.Equal(f.t, http.StatusOK, r.status, "GET %s: %s", path, r.body)
	require.True(f.t, r.isJSON(), "GET %s: content type %q", path, r.header.Get("Content-Type"))
	require.NoError(f.t, json.Unmarshal(r.body, into), "GET %s", path)
}

type page struct {
	Count    int               `json:"count"`
	Page     int               `json:"page"`
	PageSize int               `json:"page_size"`
	Results  []json.RawMessage `json:"results"`
}

type item struct {
	ID int `json:"id"`
}

func ids(t *testing.T, raws []json.RawMessage) []int {
	t.Helper()
	out := make([]int, len(raws))
	for i, r := range raws {
		var it item
		require.NoError(t, json.Unmarshal(r, &it))
		out[i] = it.ID
	}
	return out
}

// listAll pages through a paginated endpoint at page_size 250.
func (f *fixture) listAll(path, key string) []int {
	f.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var out []int
	for p := 1; ; p++ {
		var pg page
		f.getJSON(path+sep+"page_size=250&page="+itoa(p), key, &pg)
		out = append(out, ids(f.t, pg.Results)...)
		if p*250 >= pg.Count {
			return out
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func message(t *testing.T, r response) string {
	t.Helper()
	var m struct {
		Message string `json:"message"`
	}
	require.True(t, r.isJSON(), "content type %q body %s", r.header.Get("Content-Type"), r.body)
	require.NoError(t, json.Unmarshal(r.body, &m))
	return m.Message
}

func major(v string) int {
	d, _ := parseVersion(v)
	return d.major
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func compareFold(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }

// searchText reports whether any word of the query starts with p.
func (q Query) searchText(p string) bool {
	d := (&query{Query: q}).searchDoc()
	return prefixIn(d.name, p) || prefixIn(d.desc, p) || prefixIn(d.sql, p) || prefixIn(d.id, p)
}
