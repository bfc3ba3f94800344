package redash

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors. Test for them with errors.Is.
var (
	// ErrNotFound matches a 404 that is not an authentication failure.
	ErrNotFound = errors.New("not found")
	// ErrConflict matches a 409 (a stale version in an update).
	ErrConflict = errors.New("conflict")
	// ErrForbidden matches a JSON 403: the key is valid but lacks permission.
	ErrForbidden = errors.New("forbidden")
	// ErrUnauthorized matches an authentication failure: Redash answers a bad,
	// missing or disabled key (or a wrong org slug) with a 404 JSON "Couldn't
	// find resource" on /api/ paths, a 403 HTML page on /api/admin/ paths and a
	// redirect to /login elsewhere.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrUnsupported matches a feature that the server's Redash version lacks.
	ErrUnsupported = errors.New("not supported by this redash version")
	// ErrRateLimited matches a 429 that retries did not get past.
	ErrRateLimited = errors.New("rate limited")
	// ErrBodyTooLarge matches a response body above the client's size limit.
	ErrBodyTooLarge = errors.New("response body too large")
)

const loginMessage = "Couldn't find resource. Please login and try again."

// ErrorResponse is a JSON error answer from the Redash API.
type ErrorResponse struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Message is Redash's "message" (or a job's "error"), on one line.
	Message string
	// Method and URL identify the request; the URL never holds an API key.
	Method, URL string
}

// Error returns one line naming the status, the request and the message.
func (e *ErrorResponse) Error() string {
	s := fmt.Sprintf("redash returned %s for %s %s", statusText(e.StatusCode), e.Method, e.URL)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes errors.Is match ErrNotFound (404), ErrConflict (409) and
// ErrForbidden (403).
func (e *ErrorResponse) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	}
	return false
}

// AuthError is an authentication failure; it matches ErrUnauthorized.
type AuthError struct {
	// StatusCode is the HTTP status Redash answered with (404, 403 or 30x).
	StatusCode int
	// Method and URL identify the request; the URL never holds an API key.
	Method, URL string
	// Hint says what to check.
	Hint string
}

// Error returns one line with the request, the status and the hint.
func (e *AuthError) Error() string {
	return fmt.Sprintf("unauthorized: redash answered %s %s with %s: %s", e.Method, e.URL, statusText(e.StatusCode), e.Hint)
}

// Unwrap returns ErrUnauthorized.
func (e *AuthError) Unwrap() error { return ErrUnauthorized }

// HTMLError is a response whose body is not JSON (typically an HTML page from
// a proxy, from a Redash blueprint route, or the single-page app Redash serves
// with 200 for unknown paths). The body is never included.
type HTMLError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Method and URL identify the request; the URL never holds an API key.
	Method, URL string
	// ContentType is the response's Content-Type.
	ContentType string
	// Title is the page's <title>, when there is one.
	Title string
}

// Error returns one line naming the status and the URL.
func (e *HTMLError) Error() string {
	what := "an HTML page"
	if ct := mediaType(e.ContentType); ct != "" && ct != "text/html" {
		what = "a " + ct + " response"
	} else if ct == "" {
		what = "a response without a content type"
	}
	if e.StatusCode >= 200 && e.StatusCode < 300 {
		return fmt.Sprintf("redash returned %s (%s) for %s %s: this endpoint does not exist on this server or Redash version, or the URL is not a Redash", what, statusText(e.StatusCode), e.Method, e.URL)
	}
	return fmt.Sprintf("redash returned %s (%s) for %s %s: not a Redash API response — check the URL or the proxy in front of Redash", what, statusText(e.StatusCode), e.Method, e.URL)
}

// RateLimitError is a 429 that retries did not get past; it matches
// ErrRateLimited.
type RateLimitError struct {
	// RetryAfter is the server's last Retry-After, zero when it sent none.
	RetryAfter time.Duration
	// Method and URL identify the request; the URL never holds an API key.
	Method, URL string
}

// Error returns one line with the request and the wait the server asked for.
func (e *RateLimitError) Error() string {
	s := fmt.Sprintf("rate limited: redash (or a proxy in front of it) answered %s %s with 429 Too Many Requests", e.Method, e.URL)
	if e.RetryAfter > 0 {
		s += fmt.Sprintf("; retry after %s", e.RetryAfter)
	}
	return s + "; lower --rate or --concurrency"
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// RedirectError is a redirect the client does not follow, so that the API key
// is never sent elsewhere and a login page is never decoded.
type RedirectError struct {
	// StatusCode is the 3xx status.
	StatusCode int
	// Method and URL identify the request; Location is where it pointed.
	Method, URL, Location string
}

// Error returns one line with the request and the target.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("redash redirected %s %s to %s (%s): use the final address as the Redash URL", e.Method, e.URL, e.Location, statusText(e.StatusCode))
}

// UnsupportedError is a feature the server's Redash version lacks; it matches
// ErrUnsupported.
type UnsupportedError struct {
	// Feature names what was asked for.
	Feature string
	// Version is the server's version; Since the first version with the feature.
	Version, Since Version
}

// Error returns one line naming the feature and the versions.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s needs Redash %d or newer, the server runs %s", e.Feature, e.Since.Major, e.Version)
}

// Unwrap returns ErrUnsupported.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// JobError is a query execution that failed or was cancelled.
type JobError struct {
	// JobID is the job's id.
	JobID string
	// Status is the job's final status.
	Status JobStatus
	// Message is Redash's error text.
	Message string
}

// Error returns one line with the job and Redash's message.
func (e *JobError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "no error message"
	}
	return fmt.Sprintf("query job %s %s: %s", e.JobID, e.Status, msg)
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprintf("%d", code)
}

func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// oneLine collapses whitespace and bounds the length, so that server messages
// keep errors on one line.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		r := []rune(s)
		if len(r) > max {
			s = string(r[:max]) + "…"
		}
	}
	return s
}
