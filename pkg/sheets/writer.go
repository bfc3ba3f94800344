package sheets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/api/option"
	sheetsapi "google.golang.org/api/sheets/v4"
	htransport "google.golang.org/api/transport/http"

	"github.com/redashctl/redashctl/internal/retry"
)

// Defaults and Google's limits.
const (
	// DefaultWritesPerMinute is Google's default per-user write quota.
	DefaultWritesPerMinute = 60
	// DefaultMaxRequestBytes keeps each request under Google's recommended
	// 2 MB (10 MB is a hard limit).
	DefaultMaxRequestBytes = 2_000_000
	// DefaultAttemptTimeout bounds one HTTP attempt.
	DefaultAttemptTimeout = 2 * time.Minute
	// MaxCells is Google's limit of cells per spreadsheet, counting every
	// tab's whole grid.
	MaxCells = 10_000_000
	// MaxCellChars is Google's limit of characters in one cell.
	MaxCellChars = 50_000
	// MaxColumns is the widest grid Google allows (column ZZZ).
	MaxColumns = 18_278
	// CredentialsNone, as Options.Credentials, sends no Google credentials;
	// it is allowed only together with Options.Endpoint.
	CredentialsNone = "none"
)

// Options configures a Writer.
type Options struct {
	// Credentials is the path of a service-account key file (JSON); ""
	// uses Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
	// gcloud's application-default login, or the metadata server);
	// CredentialsNone sends no credentials and needs Endpoint.
	Credentials string
	// Endpoint replaces https://sheets.googleapis.com/, for a fake or a
	// proxy (e.g. http://127.0.0.1:5001/).
	Endpoint string
	// HTTPClient provides the base transport (its Transport; nil uses
	// http.DefaultTransport), its Jar and CheckRedirect. Its Timeout, if
	// any, bounds a whole call, retries included; prefer AttemptTimeout.
	HTTPClient *http.Client
	// WritesPerMinute paces write requests to stay under Google's per-user
	// quota; 0 means 60, a negative value turns pacing off. Writes are
	// spaced evenly (no bursts), and all calls of one Writer share the
	// pacer, as they share the user's quota: give concurrent exports one
	// Writer.
	WritesPerMinute int
	// Retry is the retry policy for 429, 502-504 and network failures.
	// MaxAttempts 0 means retry.Default() (keeping Sleep, Now and Jitter if
	// set); MaxAttempts 1 turns retries off. Its Sleep and Now also drive
	// the write pacing, so tests can run on a manual clock.
	Retry retry.Policy
	// UserAgent is sent with every request.
	UserAgent string
	// MaxRequestBytes bounds the body of each request; 0 means
	// DefaultMaxRequestBytes. Rows are chunked to fit.
	MaxRequestBytes int
	// AttemptTimeout bounds one HTTP attempt; 0 means
	// DefaultAttemptTimeout. A timed-out attempt is retried.
	AttemptTimeout time.Duration
}

// Writer writes tables into Google Sheets. It is safe for concurrent use;
// all its calls share one write pacer, as they share the user's quota.
type Writer struct {
	svc     *sheetsapi.Service
	policy  retry.Policy
	limiter *rate.Limiter // nil = no pacing
	maxBody int
	// account is the service account's e-mail when known, for messages.
	account string
	total   statsCounter
	// rnd is the (goroutine-safe) source of staging tab ids.
	rnd func() uint64
}

// Stats counts the traffic of a Write or of a Writer's whole life.
type Stats struct {
	// Calls is the number of API calls (before retries).
	Calls int
	// Requests is the number of HTTP requests sent, retries included.
	Requests int
	// WriteRequests is the number of requests to write methods (they count
	// against the write quota), retries included.
	WriteRequests int
	// Retries is Requests minus Calls.
	Retries int
	// BytesSent is the total size of request bodies.
	BytesSent int64
	// MaxRequestBytes is the largest request body.
	MaxRequestBytes int64
	// Paced is the total time write requests waited for the pacer.
	Paced time.Duration
}

type statsCounter struct {
	calls, requests, writes atomic.Int64
	bytes, maxBytes, paced  atomic.Int64
}

func (c *statsCounter) snapshot() Stats {
	s := Stats{
		Calls: int(c.calls.Load()), Requests: int(c.requests.Load()), WriteRequests: int(c.writes.Load()),
		BytesSent: c.bytes.Load(), MaxRequestBytes: c.maxBytes.Load(), Paced: time.Duration(c.paced.Load()),
	}
	s.Retries = max(0, s.Requests-s.Calls)
	return s
}

func (c *statsCounter) addRequest(write bool, n int64) {
	c.requests.Add(1)
	if write {
		c.writes.Add(1)
	}
	if n > 0 {
		c.bytes.Add(n)
		for {
			m := c.maxBytes.Load()
			if n <= m || c.maxBytes.CompareAndSwap(m, n) {
				break
			}
		}
	}
}

type statsKey struct{}

// counters returns the per-call counters carried by ctx, if any.
func counters(ctx context.Context) *statsCounter {
	c, _ := ctx.Value(statsKey{}).(*statsCounter)
	return c
}

// Stats returns the traffic of the Writer so far.
func (w *Writer) Stats() Stats { return w.total.snapshot() }

// ServiceAccount returns the e-mail of the service account in use, or ""
// when unknown (Application Default Credentials without a key file, or no
// credentials).
func (w *Writer) ServiceAccount() string { return w.account }

// New builds a Writer. Missing or unreadable credentials give an error
// matching ErrAuth; credentials Google rejects are reported by the first
// call, also as ErrAuth.
func New(ctx context.Context, opts Options) (*Writer, error) {
	w := &Writer{policy: opts.Retry, maxBody: opts.MaxRequestBytes}
	if w.policy.MaxAttempts == 0 {
		d := retry.Default()
		d.Sleep, d.Now, d.Jitter = opts.Retry.Sleep, opts.Retry.Now, opts.Retry.Jitter
		w.policy = d
	}
	if w.maxBody <= 0 {
		w.maxBody = DefaultMaxRequestBytes
	}
	wpm := opts.WritesPerMinute
	if wpm == 0 {
		wpm = DefaultWritesPerMinute
	}
	if wpm > 0 {
		w.limiter = rate.NewLimiter(rate.Limit(float64(wpm)/60), 1)
	}
	w.rnd = newRand()

	endpoint := strings.TrimSpace(opts.Endpoint)
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("sheets endpoint %q: not an http(s) URL", opts.Endpoint)
		}
		if !strings.HasSuffix(endpoint, "/") {
			endpoint += "/"
		}
	}

	base := http.DefaultTransport
	hc := &http.Client{}
	if opts.HTTPClient != nil {
		*hc = *opts.HTTPClient
		if opts.HTTPClient.Transport != nil {
			base = opts.HTTPClient.Transport
		}
	}
	timeout := opts.AttemptTimeout
	if timeout <= 0 {
		timeout = DefaultAttemptTimeout
	}
	// Inner to outer: count what reaches the server, bound each attempt,
	// pace writes, retry, count calls.
	var inner http.RoundTripper = &countTransport{base: base, w: w}
	inner = &attemptTransport{base: inner, d: timeout}
	inner = &paceTransport{base: inner, w: w}
	inner = &retry.Transport{Base: inner, Policy: w.policy}
	inner = &callTransport{base: inner, w: w}

	var rt http.RoundTripper
	switch opts.Credentials {
	case CredentialsNone:
		if endpoint == "" {
			return nil, newKindError(ErrAuth, nil,
				"sheets credentials %q need a sheets endpoint: Google itself always requires credentials", CredentialsNone)
		}
		rt = &headerTransport{base: inner, userAgent: opts.UserAgent}
	default:
		gopts := []option.ClientOption{
			option.WithScopes(sheetsapi.SpreadsheetsScope),
			option.WithTelemetryDisabled(),
		}
		if opts.UserAgent != "" {
			gopts = append(gopts, option.WithUserAgent(opts.UserAgent))
		}
		if opts.Credentials != "" {
			data, account, err := readServiceAccount(opts.Credentials)
			if err != nil {
				return nil, err
			}
			w.account = account
			gopts = append(gopts, option.WithAuthCredentialsJSON(option.ServiceAccount, data))
		} else {
			w.account = adcAccount()
		}
		t, err := htransport.NewTransport(ctx, inner, gopts...)
		if err != nil {
			if opts.Credentials == "" {
				return nil, newKindError(ErrAuth, err,
					"no Google credentials: give a service-account key file (--credentials) or set up Application Default Credentials (%s)", oneLine(err.Error()))
			}
			return nil, newKindError(ErrAuth, err, "google credentials %s: %s", opts.Credentials, oneLine(err.Error()))
		}
		rt = t
	}
	hc.Transport = &authErrorTransport{base: rt}

	svcOpts := []option.ClientOption{option.WithHTTPClient(hc)}
	if endpoint != "" {
		svcOpts = append(svcOpts, option.WithEndpoint(endpoint))
	}
	svc, err := sheetsapi.NewService(ctx, svcOpts...)
	if err != nil {
		return nil, fmt.Errorf("sheets client: %w", err)
	}
	if opts.UserAgent != "" {
		svc.UserAgent = opts.UserAgent
	}
	w.svc = svc
	return w, nil
}

// readServiceAccount reads and checks a service-account key file,
// returning its bytes and the account's e-mail.
func readServiceAccount(path string) ([]byte, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", newKindError(ErrAuth, err, "google credentials: %s", oneLine(err.Error()))
	}
	var key struct {
		Type        string `json:"type"`
		ClientEmail string `json:"client_email"`
		PrivateKey  string `json:"private_key"`
	}
	if err := json.Unmarshal(data, &key); err != nil {
		return nil, "", newKindError(ErrAuth, err, "google credentials %s: not a JSON key file: %s", path, oneLine(err.Error()))
	}
	if key.Type != "service_account" {
		return nil, "", newKindError(ErrAuth, nil,
			"google credentials %s: type %q is not a service-account key (create a key for a service account in the Google Cloud console)", path, key.Type)
	}
	if key.ClientEmail == "" || key.PrivateKey == "" {
		return nil, "", newKindError(ErrAuth, nil, "google credentials %s: the service-account key has no client_email or private_key", path)
	}
	return data, key.ClientEmail, nil
}

// adcAccount returns the service account of the key file named by
// GOOGLE_APPLICATION_CREDENTIALS, if any, for messages only.
func adcAccount() string {
	path := os.Getenv("GOOGLE_APPLICATION_CREDENTIALS")
	if path == "" {
		return ""
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var key struct {
		ClientEmail string `json:"client_email"`
	}
	_ = json.Unmarshal(data, &key)
	return key.ClientEmail
}

// reachedKey marks, in a request's context, that the request got past the
// credentials layer.
type reachedKey struct{}

// authErrorTransport turns errors raised before a request reaches the
// inner transport — the credentials layer failing to get a token — into
// ErrAuth.
type authErrorTransport struct{ base http.RoundTripper }

func (t *authErrorTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	reached := new(atomic.Bool)
	req = req.WithContext(context.WithValue(req.Context(), reachedKey{}, reached))
	resp, err := t.base.RoundTrip(req)
	if err != nil && !reached.Load() && req.Context().Err() == nil {
		return nil, newKindError(ErrAuth, err, "google credentials: cannot get an access token: %s", oneLine(err.Error()))
	}
	return resp, err
}

// headerTransport sets the User-Agent when no credentials layer does.
type headerTransport struct {
	base      http.RoundTripper
	userAgent string
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.userAgent != "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.userAgent)
	}
	return t.base.RoundTrip(req)
}

// callTransport counts API calls and marks that the request got past the
// credentials layer.
type callTransport struct {
	base http.RoundTripper
	w    *Writer
}

func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if r, ok := req.Context().Value(reachedKey{}).(*atomic.Bool); ok {
		r.Store(true)
	}
	t.w.total.calls.Add(1)
	if c := counters(req.Context()); c != nil {
		c.calls.Add(1)
	}
	return t.base.RoundTrip(req)
}

// isWrite reports whether a request counts as a write for the quota.
func isWrite(req *http.Request) bool {
	return req.Method != http.MethodGet && req.Method != http.MethodHead
}

// paceTransport spaces write requests under the per-user quota. It sits
// under the retry layer, so every attempt is paced.
type paceTransport struct {
	base http.RoundTripper
	w    *Writer
}

func (t *paceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if lim := t.w.limiter; lim != nil && isWrite(req) {
		now := t.w.now()
		r := lim.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			if err := t.w.policy.Wait(req.Context(), d); err != nil {
				r.CancelAt(t.w.now())
				return nil, err
			}
			t.w.total.paced.Add(int64(d))
			if c := counters(req.Context()); c != nil {
				c.paced.Add(int64(d))
			}
		}
	}
	return t.base.RoundTrip(req)
}

func (w *Writer) now() time.Time {
	if w.policy.Now != nil {
		return w.policy.Now()
	}
	return time.Now()
}

// attemptTransport bounds one attempt and reads its whole answer, so that
// an answer cut short fails the attempt (and the retry layer repeats it)
// instead of failing the caller's decoding later. An attempt that times out
// while the caller's context is alive is reported as transient.
type attemptTransport struct {
	base http.RoundTripper
	d    time.Duration
}

// maxAnswerBytes bounds an answer read into memory.
const maxAnswerBytes = 512 << 20

func (t *attemptTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeoutCause(req.Context(), t.d, errAttemptTimeout)
	defer cancel()
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err == nil {
		var body []byte
		body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
		_ = resp.Body.Close()
		if err == nil {
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			return resp, nil
		}
		err = fmt.Errorf("read answer: %w", err)
	}
	if req.Context().Err() == nil && errors.Is(context.Cause(ctx), errAttemptTimeout) {
		return nil, retry.Transient(fmt.Errorf("no complete answer within %s: %w", t.d, err))
	}
	return nil, err
}

var errAttemptTimeout = errors.New("attempt timed out")

// countTransport counts the requests that are sent.
type countTransport struct {
	base http.RoundTripper
	w    *Writer
}

func (t *countTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	write := isWrite(req)
	n := req.ContentLength
	t.w.total.addRequest(write, n)
	if c := counters(req.Context()); c != nil {
		c.addRequest(write, n)
	}
	return t.base.RoundTrip(req)
}
