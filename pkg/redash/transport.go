package redash

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/redashctl/redashctl/internal/retry"
)

// transport runs under resty for every attempt: it waits for a free
// in-flight slot and then for the rate limiter, and writes the debug line.
// The slot comes first: a request that got its token while every slot was
// busy would otherwise be sent late, together with others that waited
// likewise, and a burst of them could go above the rate.
type transport struct {
	base http.RoundTripper
	c    *Client
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	c := t.c
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.limiter != nil {
		if err := c.limiter.Wait(ctx); err != nil {
			<-c.sem
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("rate limiter: %w", err)
		}
	}
	cancel := func() {}
	if c.timeout > 0 {
		var actx context.Context
		actx, cancel = context.WithTimeout(ctx, c.timeout)
		req = req.WithContext(actx)
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		cancel()
		<-c.sem
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = &attemptTimeout{after: c.timeout}
		}
		c.debugf("%s %s -> error: %v (%dms)", req.Method, redactURL(req.URL), errorText(err), time.Since(start).Milliseconds())
		return resp, err
	}
	c.debugf("%s %s -> %d (%dms)", req.Method, redactURL(req.URL), resp.StatusCode, time.Since(start).Milliseconds())
	resp.Body = &releaseBody{ReadCloser: resp.Body, parent: ctx, timeout: c.timeout, release: func() {
		cancel()
		<-c.sem
		// The request that waited for this slot goes out now, before this
		// goroutine goes on to decode what it read.
		runtime.Gosched()
	}}
	if cl, _ := ctx.Value(callKey{}).(*call); cl != nil && !cl.stream {
		resp.Body = cl.readBody(resp.Body, resp.ContentLength, c.maxBody)
	}
	return resp, nil
}

// readBody reads a whole body for checkResponse, in large reads into one
// buffer sized from Content-Length, and hands resty an empty body that ends
// with the read's error, if any. (Resty reads 512 bytes at a time into a
// growing slice; a list page of 250 queries is some 300 KB.) More than limit
// bytes is resty's ErrResponseBodyTooLarge, as when resty reads.
func (cl *call) readBody(body io.ReadCloser, size, limit int64) io.ReadCloser {
	var buf bytes.Buffer
	if size >= 0 && size <= limit {
		buf.Grow(int(size) + bytes.MinRead)
	}
	n, err := buf.ReadFrom(io.LimitReader(body, limit+1))
	_ = body.Close()
	if err == nil && n > limit {
		err = resty.ErrResponseBodyTooLarge
	}
	cl.body = buf.Bytes()
	return errBody{err: err}
}

// errBody is an empty body that ends with err (io.EOF when nil).
type errBody struct{ err error }

func (b errBody) Read([]byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	return 0, io.EOF
}

func (errBody) Close() error { return nil }

// attemptTimeout is one attempt that got no complete answer in time; it is
// transient, so idempotent requests are retried.
type attemptTimeout struct{ after time.Duration }

func (e *attemptTimeout) Error() string {
	return fmt.Sprintf("no complete response within %s (the request timeout)", e.after)
}
func (e *attemptTimeout) Timeout() bool   { return true }
func (e *attemptTimeout) Transient() bool { return true }

// releaseBody frees the in-flight slot and the attempt's timer when the body
// is closed or read to its end, whichever comes first.
type releaseBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
	parent  context.Context
	timeout time.Duration
}

func (b *releaseBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		if b.parent.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			err = &attemptTimeout{after: b.timeout}
		}
		b.once.Do(b.release)
	}
	return n, err
}

func (b *releaseBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

func (c *Client) debugf(format string, args ...any) {
	if c.debug == nil {
		return
	}
	line := fmt.Sprintf(format, args...)
	if c.apiKey != "" {
		line = strings.ReplaceAll(line, c.apiKey, "REDACTED")
	}
	c.debugMu.Lock()
	defer c.debugMu.Unlock()
	_, _ = io.WriteString(c.debug, "redash: "+line+"\n")
}

// errorText unwraps a *url.Error, whose text repeats the method and URL.
func errorText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// request describes one API call.
type request struct {
	method string
	path   string // relative, e.g. "api/queries"
	root   bool   // not org-scoped (admin and status endpoints)
	query  url.Values
	body   any
	out    any // decode target for a 2xx JSON body, or nil

	// idempotent marks a non-GET request as safe to repeat.
	idempotent bool
	// stream leaves the body unread: the caller reads and closes it.
	stream bool
}

type callKey struct{}

// call carries per-request state to the transport and checkResponse
// through the context.
type call struct {
	out    any
	stream bool   // the caller reads the body
	body   []byte // the body of the latest attempt, read by the transport
}

// do sends r and decodes a successful JSON answer into r.out. Errors are the
// typed errors of this package, network errors, or ctx's error.
func (c *Client) do(ctx context.Context, r request) error {
	_, err := c.send(ctx, r)
	return err
}

func (c *Client) send(ctx context.Context, r request) (*resty.Response, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if r.idempotent {
		ctx = retry.WithIdempotent(ctx)
	}
	ctx = context.WithValue(ctx, callKey{}, &call{out: r.out, stream: r.stream})
	rr := c.rc.R().SetContext(ctx)
	if r.stream {
		rr.SetDoNotParseResponse(true)
	}
	if len(r.query) > 0 {
		rr.SetQueryParamsFromValues(r.query)
	}
	if r.body != nil {
		rr.SetHeader("Content-Type", "application/json")
		rr.SetBody(r.body)
	}
	u := c.endpoint(r.path, r.root)
	resp, err := rr.Execute(r.method, u)
	if err == nil {
		return resp, nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return resp, fmt.Errorf("%s %s: %w", r.method, redactRawURL(u), ctxErr)
	}
	if isTyped(err) {
		return resp, err
	}
	if errors.Is(err, resty.ErrResponseBodyTooLarge) {
		return resp, fmt.Errorf("%s %s: %w (limit %d MiB)", r.method, redactRawURL(u), ErrBodyTooLarge, c.maxBody>>20)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return resp, fmt.Errorf("%s %s: %w", r.method, redactRawURL(u), ue.Err)
	}
	return resp, fmt.Errorf("%s %s: %w", r.method, redactRawURL(u), err)
}

func isTyped(err error) bool {
	var (
		er *ErrorResponse
		ae *AuthError
		he *HTMLError
		re *RateLimitError
		rd *RedirectError
		de *decodeError
	)
	return errors.As(err, &er) || errors.As(err, &ae) || errors.As(err, &he) ||
		errors.As(err, &re) || errors.As(err, &rd) || errors.As(err, &de)
}

// decodeError is a 2xx JSON body that could not be decoded.
type decodeError struct {
	method, url string
	err         error
	truncated   bool
}

func (e *decodeError) Error() string {
	if e.truncated {
		return fmt.Sprintf("decode response of %s %s: the body ended early (truncated)", e.method, e.url)
	}
	return fmt.Sprintf("decode response of %s %s: %v", e.method, e.url, e.err)
}

func (e *decodeError) Unwrap() error {
	if e.truncated {
		return io.ErrUnexpectedEOF
	}
	return e.err
}

// Transient marks a truncated body as a retryable failure.
func (e *decodeError) Transient() bool { return e.truncated }

// checkResponse turns every non-2xx or non-JSON answer into a typed error and
// decodes successful JSON answers. It runs inside resty's retry loop, so a
// truncated body is retried like a network error.
func (c *Client) checkResponse(_ *resty.Client, resp *resty.Response) error {
	req := resp.Request
	body := resp.Body()
	cl, _ := req.Context().Value(callKey{}).(*call)
	if cl != nil && cl.body != nil {
		body = cl.body
	}
	if err := classify(req.RawRequest, resp.StatusCode(), resp.Header(), body); err != nil {
		return err
	}
	code := resp.StatusCode()
	if code == http.StatusNoContent || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	u := redactURL(req.RawRequest.URL)
	if cl == nil || cl.out == nil {
		if !json.Valid(body) {
			return &decodeError{method: req.Method, url: u, truncated: true}
		}
		return nil
	}
	var err error
	if d, ok := cl.out.(bodyDecoder); ok {
		c.decodeSem <- struct{}{}
		err = d.decodeBody(body)
		<-c.decodeSem
	} else {
		err = unmarshal(body, cl.out)
	}
	if err != nil {
		return &decodeError{method: req.Method, url: u, err: err, truncated: truncatedJSON(body)}
	}
	return nil
}

// classify returns the typed error for an answer that is not a 2xx JSON
// body, or nil. body may be only the start of the body (for streams).
func classify(req *http.Request, code int, h http.Header, body []byte) error {
	method := req.Method
	u := redactURL(req.URL)
	path := req.URL.Path
	ct := h.Get("Content-Type")
	mt := mediaType(ct)
	isJSON := mt == "application/json" || strings.HasSuffix(mt, "+json")

	switch {
	case code >= 300 && code < 400:
		loc := h.Get("Location")
		target := loc
		if lu, err := req.URL.Parse(loc); err == nil {
			lu.RawQuery, lu.Fragment = "", ""
			target = redactURL(lu)
			if strings.HasSuffix(strings.TrimSuffix(lu.Path, "/"), "/login") {
				hint := "check the API key and the org slug"
				if !strings.Contains(path, "/api/") {
					hint = "this endpoint needs a super-admin key; check the API key"
				}
				return &AuthError{StatusCode: code, Method: method, URL: u, Hint: hint}
			}
		}
		return &RedirectError{StatusCode: code, Method: method, URL: u, Location: target}

	case code == http.StatusTooManyRequests:
		ra, _ := retry.RetryAfter(h, time.Now())
		return &RateLimitError{RetryAfter: ra, Method: method, URL: u}

	case code >= 200 && code < 300:
		if code == http.StatusNoContent || isJSON || len(bytes.TrimSpace(body)) == 0 {
			return nil
		}
		return &HTMLError{StatusCode: code, Method: method, URL: u, ContentType: ct, Title: htmlTitle(body)}

	default:
		if !isJSON {
			if code == http.StatusForbidden && strings.Contains(path, "/api/admin/") {
				return &AuthError{
					StatusCode: code, Method: method, URL: u,
					Hint: "this endpoint needs a super-admin key (a bad or missing key gets the same answer)",
				}
			}
			return &HTMLError{StatusCode: code, Method: method, URL: u, ContentType: ct, Title: htmlTitle(body)}
		}
		msg := errorMessage(body)
		if code == http.StatusNotFound && strings.Contains(msg, "Please login and try again") {
			return &AuthError{StatusCode: code, Method: method, URL: u, Hint: "check the API key and the org slug"}
		}
		return &ErrorResponse{StatusCode: code, Message: msg, Method: method, URL: u}
	}
}

// truncatedJSON reports whether body is the start of a JSON value that
// ended early. It runs only when decoding failed, and asks the standard
// scanner, whose error for that case is always the same.
func truncatedJSON(body []byte) bool {
	var v any
	err := json.Unmarshal(body, &v)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var se *json.SyntaxError
	return errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end of JSON input")
}

// errorMessage reads Redash's {"message": ...} or {"job": {"error": ...}}.
func errorMessage(body []byte) string {
	var e struct {
		Message any `json:"message"`
		Job     *struct {
			Error string `json:"error"`
		} `json:"job"`
		Error any `json:"error"`
	}
	if err := unmarshal(body, &e); err != nil {
		return oneLine(string(body), 200)
	}
	var msg string
	switch m := e.Message.(type) {
	case string:
		msg = m
	case nil:
	default:
		b, _ := json.Marshal(m)
		msg = string(b)
	}
	if msg == "" && e.Job != nil {
		msg = e.Job.Error
	}
	if msg == "" {
		if s, ok := e.Error.(string); ok {
			msg = s
		}
	}
	return oneLine(msg, 300)
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

func htmlTitle(body []byte) string {
	if len(body) > 64<<10 {
		body = body[:64<<10]
	}
	m := titleRE.FindSubmatch(body)
	if m == nil {
		return ""
	}
	return oneLine(string(m[1]), 120)
}
