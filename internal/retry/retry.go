// Package retry holds the one retry policy of redashctl: which failed HTTP
// requests may be repeated, and how long to wait before repeating them.
//
// A request is retried only when it is safe to repeat (GET, HEAD, OPTIONS, or a
// request whose context was marked with WithIdempotent), and only for transient
// failures: network errors (connection reset, unexpected EOF, timeouts,
// truncated bodies), 429 Too Many Requests and 502/503/504. A request that never
// reached the server (the dial failed) is retried whatever its method. Waits
// grow exponentially with full jitter up to a cap, a Retry-After header is
// honoured up to Policy.MaxRetryAfter, and nothing waits once the context is
// done.
//
// The policy is used through resty's retry hooks (ConfigureResty) by the Redash
// client and through Transport, an http.RoundTripper, by clients that do not
// use resty.
package retry

import (
	"context"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Policy decides whether and when to retry a failed request. The zero Policy
// never retries; Default returns the policy redashctl uses.
type Policy struct {
	// MaxAttempts is the total number of attempts, the first one included.
	// Values below 2 disable retries.
	MaxAttempts int
	// BaseDelay is the backoff ceiling of the first retry; it doubles for each
	// further retry.
	BaseDelay time.Duration
	// MaxDelay caps the computed backoff.
	MaxDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the policy waits for. A server
	// asking for a longer wait is not retried, so the caller sees the error at
	// once instead of hanging.
	MaxRetryAfter time.Duration

	// Jitter returns a number in [0, 1) used for full jitter; nil uses
	// math/rand/v2. Tests set it to get exact delays.
	Jitter func() float64
	// Sleep waits for d or until ctx is done, returning ctx's error in the
	// latter case; nil uses a timer. Tests set it so that nothing really waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now returns the current time, used to turn an HTTP-date Retry-After into
	// a delay; nil uses time.Now.
	Now func() time.Time
}

// Default returns redashctl's retry policy: 5 attempts, backoff from 500ms
// doubling up to 20s with full jitter, and Retry-After honoured up to 60s.
func Default() Policy {
	return Policy{
		MaxAttempts:   5,
		BaseDelay:     500 * time.Millisecond,
		MaxDelay:      20 * time.Second,
		MaxRetryAfter: 60 * time.Second,
	}
}

// Retries returns how many times a request may be repeated after its first
// attempt.
func (p Policy) Retries() int {
	if p.MaxAttempts < 2 {
		return 0
	}
	return p.MaxAttempts - 1
}

// Backoff returns the wait before retry number n (1 for the first retry):
// a random duration in [0, min(MaxDelay, BaseDelay*2^(n-1))] ("full jitter").
func (p Policy) Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if p.BaseDelay <= 0 {
		return 0
	}
	ceiling := float64(p.BaseDelay) * math.Exp2(float64(n-1))
	if p.MaxDelay > 0 && ceiling > float64(p.MaxDelay) {
		ceiling = float64(p.MaxDelay)
	}
	if ceiling > float64(math.MaxInt64) {
		ceiling = float64(math.MaxInt64)
	}
	j := rand.Float64
	if p.Jitter != nil {
		j = p.Jitter
	}
	return time.Duration(j() * ceiling)
}

// Delay returns the wait before retry number n of a request that got resp
// (which may be nil after a network error). A valid Retry-After header wins
// over the computed backoff. ok is false when the server asks for a longer
// wait than MaxRetryAfter: such a request should not be retried.
func (p Policy) Delay(n int, resp *http.Response) (d time.Duration, ok bool) {
	if resp != nil {
		if ra, found := RetryAfter(resp.Header, p.now()); found {
			if p.MaxRetryAfter > 0 && ra > p.MaxRetryAfter {
				return ra, false
			}
			return ra, true
		}
	}
	return p.Backoff(n), true
}

// Wait sleeps for d, or returns ctx's error as soon as ctx is done.
func (p Policy) Wait(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// ShouldRetry reports whether a request that ended with resp and err (either
// may be nil) may be repeated under p, not counting attempts: the context is
// not done, the failure is transient, the request is safe to repeat (or was
// never sent), and any Retry-After is within MaxRetryAfter.
func (p Policy) ShouldRetry(req *http.Request, resp *http.Response, err error) bool {
	if p.Retries() == 0 {
		return false
	}
	if req != nil && req.Context().Err() != nil {
		return false
	}
	if err != nil {
		if NotSent(err) {
			return true
		}
		return Idempotent(req) && RetryableError(err)
	}
	if resp == nil || !RetryableStatus(resp.StatusCode) || !Idempotent(req) {
		return false
	}
	_, ok := p.Delay(1, resp)
	return ok
}

// RetryableStatus reports whether an HTTP status is worth retrying:
// 429 Too Many Requests, 502 Bad Gateway, 503 Service Unavailable and
// 504 Gateway Timeout. Other 5xx are bugs or refusals, not congestion.
func RetryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// RetryableError reports whether err is a transient network failure:
// a reset or aborted connection, an unexpected EOF (a truncated body), a
// timeout of one attempt, or an error marked with Transient. Context
// cancellation, TLS and DNS "no such host" errors are not transient.
func RetryableError(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		// An attempt that timed out (http.Client.Timeout, a dial or TLS
		// handshake timeout) is transient. A bare context deadline is the
		// caller's and final; ShouldRetry also checks the request's context.
		return !errors.Is(ne, context.DeadlineExceeded) || ne.Error() != context.DeadlineExceeded.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var te interface{ Transient() bool }
	if errors.As(err, &te) {
		return te.Transient()
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return dnsErr.IsTimeout || dnsErr.IsTemporary
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, net.ErrClosed) {
		return true
	}
	// net/http reports a connection the server dropped between requests with
	// plain-text errors that wrap nothing.
	msg := err.Error()
	for _, s := range []string{
		"server closed idle connection",
		"connection reset by peer",
		"broken pipe",
		"transport connection broken",
		"unexpected EOF",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// NotSent reports whether err shows that the request never reached the server
// (the connection could not be opened), so repeating it is safe whatever its
// method.
func NotSent(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			return dnsErr.IsTimeout || dnsErr.IsTemporary
		}
		return true
	}
	return false
}

// transientError marks an error as a transient failure.
type transientError struct{ err error }

func (e transientError) Error() string   { return e.err.Error() }
func (e transientError) Unwrap() error   { return e.err }
func (e transientError) Transient() bool { return true }

// Transient wraps err so that RetryableError reports it as transient, for
// failures only the caller can recognise (for example a JSON body that ends
// early although the connection closed cleanly).
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transientError{err: err}
}

type idempotentKey struct{}

// WithIdempotent marks requests made with the returned context as safe to
// repeat, although their method (POST, DELETE) does not say so.
func WithIdempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, idempotentKey{}, true)
}

// IsIdempotentContext reports whether ctx was marked with WithIdempotent.
func IsIdempotentContext(ctx context.Context) bool {
	v, _ := ctx.Value(idempotentKey{}).(bool)
	return v
}

// Idempotent reports whether req may be sent twice: its method is GET, HEAD
// or OPTIONS, or its context was marked with WithIdempotent.
func Idempotent(req *http.Request) bool {
	if req == nil {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, "":
		return true
	}
	return IsIdempotentContext(req.Context())
}

// RetryAfter parses a Retry-After header given as delay-seconds or as an
// HTTP-date relative to now. found is false when the header is absent or
// malformed; a date in the past gives zero.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, found bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(math.MaxInt64/time.Second) {
			secs = int64(math.MaxInt64 / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}
