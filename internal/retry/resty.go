package retry

import (
	"net/http"
	"time"

	"github.com/go-resty/resty/v2"
)

// ConfigureResty makes c retry under p: it sets the retry count, the
// condition (RestyCondition) and the wait (RestyRetryAfter). resty waits with
// its own timer, so p.Sleep is not used there; the wait still ends when the
// request's context is done.
func (p Policy) ConfigureResty(c *resty.Client) {
	maxWait := p.MaxDelay
	if p.MaxRetryAfter > maxWait {
		maxWait = p.MaxRetryAfter
	}
	if maxWait <= 0 {
		maxWait = time.Nanosecond
	}
	c.SetRetryCount(p.Retries()).
		SetRetryWaitTime(0).
		SetRetryMaxWaitTime(maxWait).
		SetRetryAfter(p.RestyRetryAfter())
	c.RetryConditions = nil
	c.AddRetryCondition(p.RestyCondition())
}

// RestyCondition returns a resty retry condition applying ShouldRetry to the
// attempt's request, response and error.
func (p Policy) RestyCondition() resty.RetryConditionFunc {
	return func(resp *resty.Response, err error) bool {
		var (
			req *http.Request
			raw *http.Response
		)
		if resp != nil {
			raw = resp.RawResponse
			if resp.Request != nil {
				req = resp.Request.RawRequest
				if req == nil {
					// The request failed before it was built (for example
					// the rate limiter's wait ended); nothing was sent.
					return false
				}
			}
		}
		if raw != nil && err != nil && !RetryableError(err) {
			// A complete response the caller turned into an error (its
			// middleware decided it is an API error): judge by status.
			err = nil
		}
		return p.ShouldRetry(req, raw, err)
	}
}

// RestyRetryAfter returns a resty RetryAfterFunc giving Delay for the attempt
// that just failed. It never returns zero, which resty would read as "use
// your own backoff".
func (p Policy) RestyRetryAfter() resty.RetryAfterFunc {
	return func(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
		n := 1
		var raw *http.Response
		if resp != nil {
			raw = resp.RawResponse
			if resp.Request != nil && resp.Request.Attempt > 0 {
				n = resp.Request.Attempt
			}
		}
		d, _ := p.Delay(n, raw)
		if d <= 0 {
			d = time.Nanosecond
		}
		return d, nil
	}
}
