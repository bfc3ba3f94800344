package retry

import (
	"io"
	"net/http"
)

// Transport is an http.RoundTripper that repeats requests under Policy.
// Requests with a body are repeated only when req.GetBody can rewind it (as
// for bodies made by http.NewRequest from bytes or strings). The response of
// the last attempt is returned as is, so the caller still sees a final 429 or
// 503 with its body. Failures while the caller reads the body happen after
// RoundTrip returns and are not retried here.
type Transport struct {
	// Base sends each attempt; nil uses http.DefaultTransport.
	Base http.RoundTripper
	// Policy decides whether and when to retry.
	Policy Policy
}

// RoundTrip sends req, repeating it while Policy allows.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	p := t.Policy
	rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	attempts := p.MaxAttempts
	if attempts < 1 || !rewindable {
		attempts = 1
	}
	ctx := req.Context()
	for n := 1; ; n++ {
		attempt := req
		if n > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			attempt = req.Clone(ctx)
			attempt.Body = body
		}
		resp, err := base.RoundTrip(attempt)
		if n >= attempts || !p.ShouldRetry(req, resp, err) {
			return resp, err
		}
		d, _ := p.Delay(n, resp)
		if resp != nil {
			// Drain a little so the connection can be reused, then close.
			_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
			_ = resp.Body.Close()
		}
		if werr := p.Wait(ctx, d); werr != nil {
			if err != nil {
				return nil, err
			}
			return nil, werr
		}
	}
}
