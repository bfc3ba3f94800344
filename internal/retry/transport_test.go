package retry

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a Sleep that records waits instead of waiting.
type recorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return ctx.Err()
}

func testPolicy(rec *recorder) Policy {
	return Policy{
		MaxAttempts:   4,
		BaseDelay:     100 * time.Millisecond,
		MaxDelay:      time.Second,
		MaxRetryAfter: time.Minute,
		Jitter:        fixedJitter(0.5),
		Sleep:         rec.sleep,
	}
}

// resetConn aborts the connection under a handler with a TCP reset.
func resetConn(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	conn, _, err := http.NewResponseController(w).Hijack()
	require.NoError(t, err)
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// sequence serves the handlers in order, repeating the last one.
func sequence(hs ...http.HandlerFunc) (http.HandlerFunc, *atomic.Int32) {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(hs) {
			i = len(hs) - 1
		}
		hs[i](w, r)
	}, &n
}

func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, http.StatusText(code))
	}
}

func TestTransportRetriesTransientStatus(t *testing.T) {
	h, calls := sequence(status(503), status(502), status(200))
	srv := httptest.NewServer(h)
	defer srv.Close()
	rec := &recorder{}
	c := &http.Client{Transport: &Transport{Policy: testPolicy(rec)}}

	req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL, nil)
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "OK", string(body))
	assert.EqualValues(t, 3, calls.Load())
	assert.Equal(t, []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}, rec.waits)
}

func TestTransportHonoursRetryAfter(t *testing.T) {
	h, calls := sequence(status(429, "Retry-After", "7"), status(200))
	srv := httptest.NewServer(h)
	defer srv.Close()
	rec := &recorder{}
	c := &http.Client{Transport: &Transport{Policy: testPolicy(rec)}}

	req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL, nil)
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.EqualValues(t, 2, calls.Load())
	assert.Equal(t, []time.Duration{7 * time.Second}, rec.waits)
}

func TestTransportGivesUpOnLongRetryAfter(t *testing.T) {
	h, calls := sequence(status(429, "Retry-After", "600"), status(200))
	srv := httptest.NewServer(h)
	defer srv.Close()
	rec := &recorder{}
	c := &http.Client{Transport: &Transport{Policy: testPolicy(rec)}}

	req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL, nil)
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 429, resp.StatusCode)
	assert.EqualValues(t, 1, calls.Load())
	assert.Empty(t, rec.waits)
}

func TestTransportReturnsLastResponseWhenExhausted(t *testing.T) {
	h, calls := sequence(status(503))
	srv := httptest.NewServer(h)
	defer srv.Close()
	rec := &recorder{}
	c := &http.Client{Transport: &Transport{Policy: testPolicy(rec)}}

	req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL, nil)
	resp, err := c.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "Service Unavailable", string(body), "the last body is readable")
	assert.EqualValues(t, 4, calls.Load())
	assert.Len(t, rec.waits, 3)
}

func TestTransportDoesNotRepeatUnsafeRequests(t *testing.T) {
	h, calls := sequence(status(503), status(200))
	srv := httptest.NewServer(h)
	defer srv.Close()
	rec := &recorder{}
	c := &http.Client{Transport: &Transport{Policy: testPolicy(rec)}}

	req, _ := http.NewRequestWithContext(context.Background(), "POST", srv.URL, strings.NewReader("{}"))
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.EqualValues(t, 1, calls.Load())
}

func TestTransportRepeatsMarkedRequestWithBody(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	record := func(next http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			bodies = append(bodies, string(b))
			mu.Unlock()
			next(w, r)
		}
	}
	h, calls := sequence(record(status(502)), record(status(200)))
	srv := httptest.NewServer(h)
	defer srv.Close()
	rec := &recorder{}
	c := &http.Client{Transport: &Transport{Policy: testPolicy(rec)}}

	ctx := WithIdempotent(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL, strings.NewReader(`{"tags":["keep"]}`))
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.EqualValues(t, 2, calls.Load())
	assert.Equal(t, []string{`{"tags":["keep"]}`, `{"tags":["keep"]}`}, bodies, "the body is re-sent whole")
}

func TestTransportRetriesConnectionReset(t *testing.T) {
	h, calls := sequence(func(w http.ResponseWriter, _ *http.Request) { resetConn(t, w) }, status(200))
	srv := httptest.NewServer(h)
	defer srv.Close()
	rec := &recorder{}
	c := &http.Client{Transport: &Transport{Policy: testPolicy(rec)}}

	req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL, nil)
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.EqualValues(t, 2, calls.Load())
}

func TestTransportStopsWhenContextEnds(t *testing.T) {
	h, calls := sequence(status(503))
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	p := testPolicy(&recorder{})
	p.Sleep = func(ctx context.Context, _ time.Duration) error {
		cancel() // Ctrl-C during the first wait
		return ctx.Err()
	}
	c := &http.Client{Transport: &Transport{Policy: p}}

	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	resp, err := c.Do(req)
	if resp != nil {
		resp.Body.Close()
	}
	require.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 1, calls.Load())
}

func TestTransportZeroPolicySendsOnce(t *testing.T) {
	h, calls := sequence(status(503), status(200))
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := &http.Client{Transport: &Transport{}}
	req, _ := http.NewRequestWithContext(context.Background(), "GET", srv.URL, nil)
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.EqualValues(t, 1, calls.Load())
}

func restyPolicy() Policy {
	return Policy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, MaxRetryAfter: time.Millisecond}
}

func TestRestyHooks(t *testing.T) {
	truncated := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"count": 3, "resu`)
		http.NewResponseController(w).Flush()
		resetConn(t, w)
	}
	ok := func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "fine") }

	tests := []struct {
		name      string
		method    string
		ctx       context.Context
		handlers  []http.HandlerFunc
		wantCalls int32
		wantCode  int
		wantErr   bool
	}{
		{"502 then ok", "GET", context.Background(), []http.HandlerFunc{status(502), ok}, 2, 200, false},
		{"429 then ok", "GET", context.Background(), []http.HandlerFunc{status(429, "Retry-After", "0"), ok}, 2, 200, false},
		{"exhausted", "GET", context.Background(), []http.HandlerFunc{status(504)}, 3, 504, false},
		{"500 not retried", "GET", context.Background(), []http.HandlerFunc{status(500), ok}, 1, 500, false},
		{"post not retried", "POST", context.Background(), []http.HandlerFunc{status(503), ok}, 1, 503, false},
		{"marked post retried", "POST", WithIdempotent(context.Background()), []http.HandlerFunc{status(503), ok}, 2, 200, false},
		{"truncated body retried", "GET", context.Background(), []http.HandlerFunc{truncated, ok}, 2, 200, false},
		{"long retry-after not waited", "GET", context.Background(), []http.HandlerFunc{status(429, "Retry-After", "30"), ok}, 1, 429, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, calls := sequence(tt.handlers...)
			srv := httptest.NewServer(h)
			defer srv.Close()
			c := resty.New()
			restyPolicy().ConfigureResty(c)
			resp, err := c.R().SetContext(tt.ctx).Execute(tt.method, srv.URL)
			if tt.wantErr {
				require.Error(t, err)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.wantCode, resp.StatusCode())
			}
			assert.Equal(t, tt.wantCalls, calls.Load())
		})
	}
}

func TestRestyRetryAfterValue(t *testing.T) {
	p := Policy{MaxAttempts: 3, BaseDelay: time.Second, MaxDelay: 10 * time.Second, MaxRetryAfter: time.Minute, Jitter: fixedJitter(0.5)}
	f := p.RestyRetryAfter()
	resp := &resty.Response{RawResponse: &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"9"}}}, Request: &resty.Request{Attempt: 1}}
	d, err := f(nil, resp)
	require.NoError(t, err)
	assert.Equal(t, 9*time.Second, d)

	resp = &resty.Response{Request: &resty.Request{Attempt: 3}}
	d, err = f(nil, resp)
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, d, "backoff of retry 3: 0.5 * 4s")

	p.Jitter = fixedJitter(0)
	d, err = p.RestyRetryAfter()(nil, resp)
	require.NoError(t, err)
	assert.Equal(t, time.Nanosecond, d, "never zero, which resty reads as 'use your own backoff'")
}

func TestRestyConditionIgnoresRequestsNeverBuilt(t *testing.T) {
	cond := Default().RestyCondition()
	assert.False(t, cond(nil, context.Canceled))
	assert.False(t, cond(&resty.Response{Request: &resty.Request{}}, io.ErrUnexpectedEOF))
}
