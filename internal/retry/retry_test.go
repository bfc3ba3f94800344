package retry

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixedJitter(v float64) func() float64 { return func() float64 { return v } }

func TestDefault(t *testing.T) {
	p := Default()
	assert.Equal(t, 5, p.MaxAttempts)
	assert.Equal(t, 4, p.Retries())
	assert.Equal(t, 60*time.Second, p.MaxRetryAfter)
	assert.Positive(t, p.BaseDelay)
	assert.Greater(t, p.MaxDelay, p.BaseDelay)
	assert.Equal(t, 0, Policy{}.Retries())
	assert.Equal(t, 0, Policy{MaxAttempts: 1}.Retries())
}

func TestBackoff(t *testing.T) {
	p := Policy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second, Jitter: fixedJitter(0.5)}
	tests := []struct {
		n    int
		want time.Duration
	}{
		{0, 50 * time.Millisecond},
		{1, 50 * time.Millisecond},
		{2, 100 * time.Millisecond},
		{3, 200 * time.Millisecond},
		{4, 400 * time.Millisecond},
		{5, 500 * time.Millisecond}, // capped at 1s, half of it
		{80, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, p.Backoff(tt.n), "retry %d", tt.n)
	}
	p.Jitter = fixedJitter(0)
	assert.Equal(t, time.Duration(0), p.Backoff(3), "full jitter may wait nothing")
	assert.Equal(t, time.Duration(0), Policy{}.Backoff(2))

	// With real randomness the wait stays within [0, ceiling].
	p.Jitter = nil
	for i := 0; i < 200; i++ {
		d := p.Backoff(3)
		require.GreaterOrEqual(t, d, time.Duration(0))
		require.LessOrEqual(t, d, 400*time.Millisecond)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"absent", "", 0, false},
		{"seconds", "7", 7 * time.Second, true},
		{"zero", "0", 0, true},
		{"spaces", " 3 ", 3 * time.Second, true},
		{"negative", "-4", 0, false},
		{"garbage", "soon", 0, false},
		{"http date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"huge", "99999999999999999", time.Duration(1<<63-1) / time.Second * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set("Retry-After", tt.value)
			}
			got, ok := RetryAfter(h, now)
			assert.Equal(t, tt.wantOK, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDelay(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	p := Policy{
		BaseDelay: time.Second, MaxDelay: 8 * time.Second, MaxRetryAfter: 60 * time.Second,
		Jitter: fixedJitter(0.25), Now: func() time.Time { return now },
	}

	d, ok := p.Delay(2, nil)
	assert.True(t, ok)
	assert.Equal(t, 500*time.Millisecond, d)

	resp := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"12"}}}
	d, ok = p.Delay(1, resp)
	assert.True(t, ok)
	assert.Equal(t, 12*time.Second, d, "Retry-After wins over backoff, even above MaxDelay")

	resp.Header.Set("Retry-After", now.Add(30*time.Second).Format(http.TimeFormat))
	d, ok = p.Delay(1, resp)
	assert.True(t, ok)
	assert.Equal(t, 30*time.Second, d)

	resp.Header.Set("Retry-After", "3600")
	d, ok = p.Delay(1, resp)
	assert.False(t, ok, "a wait beyond MaxRetryAfter is not honoured")
	assert.Equal(t, time.Hour, d)
}

func TestWait(t *testing.T) {
	var slept []time.Duration
	p := Policy{Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
	require.NoError(t, p.Wait(context.Background(), 3*time.Second))
	assert.Equal(t, []time.Duration{3 * time.Second}, slept)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, p.Wait(ctx, time.Second), context.Canceled)
	assert.Len(t, slept, 1, "no sleep once the context is done")

	// The real timer path ends early when the context ends.
	ctx, cancel = context.WithCancel(context.Background())
	go cancel()
	assert.ErrorIs(t, Policy{}.Wait(ctx, time.Hour), context.Canceled)
	assert.NoError(t, Policy{}.Wait(context.Background(), time.Microsecond))
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestRetryableError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"reset", &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "read", Err: syscall.ECONNRESET}}, true},
		{"unexpected eof", fmt.Errorf("read body: %w", io.ErrUnexpectedEOF), true},
		{"eof", &url.Error{Op: "Get", URL: "http://x", Err: io.EOF}, true},
		{"broken pipe", &net.OpError{Op: "write", Err: syscall.EPIPE}, true},
		{"timeout", &url.Error{Op: "Get", URL: "http://x", Err: timeoutErr{}}, true},
		{"idle conn closed", errors.New("http: server closed idle connection"), true},
		{"marked transient", Transient(errors.New("json ended early")), true},
		{"canceled", &url.Error{Op: "Get", URL: "http://x", Err: context.Canceled}, false},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), false},
		{"attempt timeout", &url.Error{Op: "Get", URL: "http://x", Err: context.DeadlineExceeded}, true},
		{"no such host", &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, false},
		{"dns timeout", &net.DNSError{Err: "timeout", IsTimeout: true}, true},
		{"tls", &url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}}, false},
		{"plain", errors.New("decode: invalid character"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, RetryableError(tt.err))
		})
	}
	assert.Nil(t, Transient(nil))
	assert.ErrorIs(t, Transient(io.ErrUnexpectedEOF), io.ErrUnexpectedEOF)
}

func TestNotSent(t *testing.T) {
	assert.True(t, NotSent(&url.Error{Op: "Post", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}))
	assert.False(t, NotSent(&net.OpError{Op: "read", Err: syscall.ECONNRESET}))
	assert.False(t, NotSent(&net.OpError{Op: "dial", Err: &net.DNSError{IsNotFound: true}}))
	assert.False(t, NotSent(context.Canceled))
}

func TestIdempotent(t *testing.T) {
	ctx := context.Background()
	for _, m := range []string{"GET", "HEAD", "OPTIONS"} {
		req, _ := http.NewRequestWithContext(ctx, m, "http://x", nil)
		assert.True(t, Idempotent(req), m)
	}
	for _, m := range []string{"POST", "DELETE", "PUT", "PATCH"} {
		req, _ := http.NewRequestWithContext(ctx, m, "http://x", nil)
		assert.False(t, Idempotent(req), m)
		req, _ = http.NewRequestWithContext(WithIdempotent(ctx), m, "http://x", nil)
		assert.True(t, Idempotent(req), m+" marked")
	}
	assert.False(t, Idempotent(nil))
	assert.True(t, IsIdempotentContext(WithIdempotent(ctx)))
	assert.False(t, IsIdempotentContext(ctx))
}

func TestShouldRetry(t *testing.T) {
	p := Policy{MaxAttempts: 3, MaxRetryAfter: time.Minute}
	ctx := context.Background()
	get, _ := http.NewRequestWithContext(ctx, "GET", "http://x", nil)
	post, _ := http.NewRequestWithContext(ctx, "POST", "http://x", nil)
	markedPost, _ := http.NewRequestWithContext(WithIdempotent(ctx), "POST", "http://x", nil)
	canceledCtx, cancel := context.WithCancel(ctx)
	cancel()
	canceledGet, _ := http.NewRequestWithContext(canceledCtx, "GET", "http://x", nil)

	status := func(code int, h ...string) *http.Response {
		r := &http.Response{StatusCode: code, Header: http.Header{}}
		if len(h) == 2 {
			r.Header.Set(h[0], h[1])
		}
		return r
	}
	reset := &net.OpError{Op: "read", Err: syscall.ECONNRESET}
	refused := &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}

	tests := []struct {
		name string
		p    Policy
		req  *http.Request
		resp *http.Response
		err  error
		want bool
	}{
		{"get 502", p, get, status(502), nil, true},
		{"get 503", p, get, status(503), nil, true},
		{"get 504", p, get, status(504), nil, true},
		{"get 429", p, get, status(429), nil, true},
		{"get 429 short retry-after", p, get, status(429, "Retry-After", "5"), nil, true},
		{"get 429 long retry-after", p, get, status(429, "Retry-After", "3600"), nil, false},
		{"get 500", p, get, status(500), nil, false},
		{"get 404", p, get, status(404), nil, false},
		{"get 200", p, get, status(200), nil, false},
		{"post 502", p, post, status(502), nil, false},
		{"marked post 503", p, markedPost, status(503), nil, true},
		{"get reset", p, get, nil, reset, true},
		{"post reset", p, post, nil, reset, false},
		{"post refused", p, post, nil, refused, true},
		{"canceled", p, canceledGet, status(503), nil, false},
		{"zero policy", Policy{}, get, status(503), nil, false},
		{"no response", p, get, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.p.ShouldRetry(tt.req, tt.resp, tt.err))
		})
	}
}
