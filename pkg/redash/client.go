package redash

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-resty/resty/v2"
	"golang.org/x/time/rate"

	"github.com/redashctl/redashctl/internal/retry"
)

// Defaults of a Client.
const (
	// DefaultConcurrency is how many requests a client has in flight at most.
	DefaultConcurrency = 4
	// DefaultTimeout bounds one attempt of one request, body included.
	DefaultTimeout = 60 * time.Second
	// DefaultMaxBodySize bounds a buffered response body.
	DefaultMaxBodySize = 64 << 20
	// DefaultMaxResultSize bounds a streamed query result.
	DefaultMaxResultSize = 2 << 30
	// DefaultUserAgent is sent unless WithUserAgent says otherwise.
	DefaultUserAgent = "redashctl"
	// MaxPageSize is the largest page_size Redash accepts, in every version.
	MaxPageSize = 250
)

// Client talks to one Redash instance (and one org of it) with one API key.
// It is safe for concurrent use. Every request waits for a free slot among
// its Concurrency in-flight requests, then for the client's rate limiter, so
// that no more than the rate ever leaves in any second.
type Client struct {
	base *url.URL // ends in "/", org prefix included
	root *url.URL // ends in "/", without the org prefix

	apiKey      string
	org         string
	rc          *resty.Client
	limiter     *rate.Limiter
	sem         chan struct{}
	decodeSem   chan struct{}
	concurrency int
	policy      retry.Policy
	debug       io.Writer
	debugMu     sync.Mutex
	maxBody     int64
	maxResult   int64
	timeout     time.Duration

	verMu   sync.Mutex
	version Version

	// Queries lists, reads, updates, archives and runs queries.
	Queries *QueriesService
	// Dashboards lists and reads dashboards.
	Dashboards *DashboardsService
	// Widgets creates and deletes dashboard widgets.
	Widgets *WidgetsService
	// Users lists users.
	Users *UsersService
	// DataSources lists data sources.
	DataSources *DataSourcesService
	// Groups lists user groups.
	Groups *GroupsService
	// Alerts lists, creates and subscribes to alerts.
	Alerts *AlertsService
	// Events reads the events log (admin keys only).
	Events *EventsService
	// Jobs polls query executions.
	Jobs *JobsService
	// Admin reads super-admin status endpoints.
	Admin *AdminService
}

type service struct{ client *Client }

type config struct {
	apiKey      string
	httpClient  *http.Client
	org         string
	concurrency int
	rps         float64
	limiter     *rate.Limiter
	policy      retry.Policy
	policySet   bool
	timeout     time.Duration
	debug       io.Writer
	userAgent   string
	version     Version
	maxBody     int64
	maxResult   int64
}

// Option configures a Client in NewClient.
type Option func(*config)

// WithAPIKey sets the API key, sent only as "Authorization: Key <key>".
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = strings.TrimSpace(key) } }

// WithHTTPClient sets the HTTP client whose transport sends the requests. The
// client is copied: its cookie jar is dropped and redirects are never
// followed. Its Timeout is used unless WithTimeout is given.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithOrg sets the multi-org slug; org-scoped paths get the prefix "/<slug>/".
func WithOrg(slug string) Option {
	return func(c *config) { c.org = strings.Trim(strings.TrimSpace(slug), "/") }
}

// WithConcurrency sets how many requests the client has in flight at most,
// also the number of pages a listing fetches at once (default 4).
func WithConcurrency(n int) Option { return func(c *config) { c.concurrency = n } }

// WithRateLimit sets the most requests per second the client sends, retries
// included, shared by all its requests; 0 means unlimited.
func WithRateLimit(rps float64) Option { return func(c *config) { c.rps = rps } }

// WithRateLimiter makes the client wait for l before every request (retries
// included), for sharing one limiter between clients. It overrides
// WithRateLimit.
func WithRateLimiter(l *rate.Limiter) Option { return func(c *config) { c.limiter = l } }

// WithRetryPolicy sets the retry policy (default retry.Default()).
func WithRetryPolicy(p retry.Policy) Option {
	return func(c *config) { c.policy, c.policySet = p, true }
}

// WithTimeout bounds each attempt of each request, from sending it to the
// end of its body, not counting the wait for the rate limiter or a free
// in-flight slot (default 60s; 0 means no bound but the context).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithDebug writes one line per HTTP attempt to w: method, URL, status and
// duration. The API key is never written.
func WithDebug(w io.Writer) Option { return func(c *config) { c.debug = w } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(s string) Option { return func(c *config) { c.userAgent = s } }

// WithVersion fixes the server's Redash version and skips detection, for
// query API keys (which GET /api/session does not tell the version to) or to
// save a request.
func WithVersion(v Version) Option { return func(c *config) { c.version = v } }

// WithMaxBodySize bounds a buffered response body (default 64 MiB); a larger
// body is an error matching ErrBodyTooLarge.
func WithMaxBodySize(n int64) Option { return func(c *config) { c.maxBody = n } }

// WithMaxResultSize bounds a streamed query result (default 2 GiB); a larger
// result is an error matching ErrBodyTooLarge.
func WithMaxResultSize(n int64) Option { return func(c *config) { c.maxResult = n } }

// NewClient returns a client for the Redash at baseURL (for example
// "https://redash.example.com" or "https://example.com/redash/"). The URL must
// be http or https with a host and no query string; it is normalised to end
// in "/", and WithOrg appends the org prefix.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	cfg := config{
		concurrency: DefaultConcurrency,
		timeout:     -1,
		userAgent:   DefaultUserAgent,
		maxBody:     DefaultMaxBodySize,
		maxResult:   DefaultMaxResultSize,
	}
	for _, o := range opts {
		o(&cfg)
	}
	root, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if cfg.concurrency < 1 {
		return nil, fmt.Errorf("invalid concurrency %d: must be at least 1", cfg.concurrency)
	}
	if cfg.rps < 0 {
		return nil, fmt.Errorf("invalid rate limit %g: must be 0 (unlimited) or more", cfg.rps)
	}
	if cfg.maxBody <= 0 || cfg.maxResult <= 0 {
		return nil, fmt.Errorf("invalid maximum body size %d: must be positive", cfg.maxBody)
	}
	if strings.ContainsAny(cfg.org, "/?#% ") {
		return nil, fmt.Errorf("invalid org slug %q: must be a single path segment", cfg.org)
	}
	if strings.ContainsAny(cfg.apiKey, "\r\n") {
		return nil, errors.New("invalid API key: contains a line break")
	}
	if !cfg.policySet {
		cfg.policy = retry.Default()
	}

	c := &Client{
		root:        root,
		base:        root,
		apiKey:      cfg.apiKey,
		org:         cfg.org,
		concurrency: cfg.concurrency,
		sem:         make(chan struct{}, cfg.concurrency),
		decodeSem:   make(chan struct{}, decodeSlots()),
		policy:      cfg.policy,
		debug:       cfg.debug,
		maxBody:     cfg.maxBody,
		maxResult:   cfg.maxResult,
		version:     cfg.version,
		limiter:     cfg.limiter,
	}
	if c.org != "" {
		c.base = root.JoinPath(c.org)
		c.base.Path += "/"
	}
	if c.limiter == nil && cfg.rps > 0 {
		c.limiter = rate.NewLimiter(rate.Limit(cfg.rps), 1)
	}

	hc := &http.Client{}
	if cfg.httpClient != nil {
		cp := *cfg.httpClient
		hc = &cp
	}
	if hc.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = cfg.concurrency + 2
		hc.Transport = t
	}
	hc.Transport = &transport{base: hc.Transport, c: c}
	hc.Jar = nil
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// The attempt timeout runs in our transport, after the rate limiter and
	// the in-flight slot, so that waiting for those never times a request out.
	switch {
	case cfg.timeout >= 0:
		c.timeout = cfg.timeout
	case hc.Timeout > 0:
		c.timeout = hc.Timeout
	default:
		c.timeout = DefaultTimeout
	}
	hc.Timeout = 0

	rc := resty.NewWithClient(hc)
	rc.SetLogger(nopLogger{})
	rc.SetHeader("User-Agent", cfg.userAgent)
	rc.SetHeader("Accept", "application/json")
	if c.apiKey != "" {
		rc.SetHeader("Authorization", "Key "+c.apiKey)
	}
	rc.SetResponseBodyLimit(int(min(cfg.maxBody, int64(^uint(0)>>1))))
	c.policy.ConfigureResty(rc)
	cond := c.policy.RestyCondition()
	rc.RetryConditions = []resty.RetryConditionFunc{func(resp *resty.Response, err error) bool {
		if !cond(resp, err) {
			return false
		}
		// A streamed response that is retried is dropped unread: close it so
		// that its in-flight slot is freed (closing a read body is harmless).
		if resp != nil && resp.RawResponse != nil && resp.RawResponse.Body != nil {
			_ = resp.RawResponse.Body.Close()
		}
		return true
	}}
	rc.OnAfterResponse(c.checkResponse)
	c.rc = rc

	s := &service{client: c}
	c.Queries = (*QueriesService)(s)
	c.Dashboards = (*DashboardsService)(s)
	c.Widgets = (*WidgetsService)(s)
	c.Users = (*UsersService)(s)
	c.DataSources = (*DataSourcesService)(s)
	c.Groups = (*GroupsService)(s)
	c.Alerts = (*AlertsService)(s)
	c.Events = (*EventsService)(s)
	c.Jobs = (*JobsService)(s)
	c.Admin = (*AdminService)(s)
	return c, nil
}

func parseBaseURL(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, errors.New("invalid redash URL: empty")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid redash URL %q: not a URL", redactRawURL(s))
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" || u.Host == "" && u.Opaque != "" {
			return nil, fmt.Errorf("invalid redash URL %q: must start with https:// or http://", redactRawURL(s))
		}
		return nil, fmt.Errorf("invalid redash URL %q: scheme must be http or https", redactRawURL(s))
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("invalid redash URL %q: no host", redactRawURL(s))
	}
	if u.RawQuery != "" || u.ForceQuery {
		return nil, fmt.Errorf("invalid redash URL %q: must not contain a query string (the API key belongs in the profile, never in the URL)", redactRawURL(s))
	}
	u.Fragment, u.RawFragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u, nil
}

// redactRawURL drops the query and user info of a URL string for messages.
func redactRawURL(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = nil
		return u.String()
	}
	return s
}

// redactURL returns u for messages and logs: no user info, and any api_key
// query parameter replaced.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	cp := *u
	cp.User = nil
	if cp.RawQuery != "" {
		q := cp.Query()
		for k := range q {
			if strings.EqualFold(k, "api_key") {
				q.Set(k, "REDACTED")
			}
		}
		cp.RawQuery = q.Encode()
	}
	return cp.String()
}

// BaseURL returns the URL org-scoped paths are resolved against (with the org
// prefix, ending in "/").
func (c *Client) BaseURL() string { return c.base.String() }

// Org returns the multi-org slug, or "" for a single-org Redash.
func (c *Client) Org() string { return c.org }

// Concurrency returns how many requests the client has in flight at most.
func (c *Client) Concurrency() int { return c.concurrency }

// decodeSlots is how many list pages may be decoded at once: all CPUs but
// one, so that decoding the pages that came back never delays sending the
// next requests and reading their answers (the listing is bound by round
// trips, not by decoding).
func decodeSlots() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// readAhead is how many pages a listing fetches past the one it yields:
// twice the concurrency, so that the in-flight slots never sit idle behind
// one slow page.
func (c *Client) readAhead() int { return 2 * c.concurrency }

// endpoint resolves a relative path against the org-scoped base URL, or the
// root URL for paths Redash does not scope to an org.
func (c *Client) endpoint(path string, root bool) string {
	base := c.base
	if root {
		base = c.root
	}
	return base.String() + strings.TrimPrefix(path, "/")
}

// nopLogger keeps resty quiet: a library never writes to the terminal.
type nopLogger struct{}

func (nopLogger) Errorf(string, ...any) {}
func (nopLogger) Warnf(string, ...any)  {}
func (nopLogger) Debugf(string, ...any) {}
