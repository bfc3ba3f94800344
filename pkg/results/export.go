package results

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"syscall"
	"time"

	"github.com/redashctl/redashctl/pkg/redash"
)

// Freshness says which result of a query an export takes.
type Freshness struct {
	// Refresh always runs the query (Redash's max_age 0).
	Refresh bool
	// MaxAge takes a cached result at most this old, and runs the query
	// when there is none. Zero takes any cached result of the same SQL and
	// parameter values, running the query only when there is none
	// (Redash's default, max_age -1). Redash counts whole seconds.
	MaxAge time.Duration
}

// Validate reports a contradictory or unusable freshness.
func (f Freshness) Validate() error {
	switch {
	case f.Refresh && f.MaxAge != 0:
		return errors.New("refresh and a maximum age exclude each other")
	case f.MaxAge < 0:
		return fmt.Errorf("maximum age %s is negative", f.MaxAge)
	case f.MaxAge > 0 && f.MaxAge < time.Second:
		return fmt.Errorf("maximum age %s is below Redash's resolution of one second", f.MaxAge)
	}
	return nil
}

// maxAge is the max_age to send: nil for Redash's default.
func (f Freshness) maxAge() *int {
	switch {
	case f.Refresh:
		n := 0
		return &n
	case f.MaxAge > 0:
		n := int(min(f.MaxAge/time.Second, math.MaxInt32))
		return &n
	}
	return nil
}

// String describes the freshness for messages.
func (f Freshness) String() string {
	switch {
	case f.Refresh:
		return "a fresh run"
	case f.MaxAge > 0:
		return "a result at most " + f.MaxAge.String() + " old"
	}
	return "the cached result"
}

// Request is one export: a query, its parameter values and how fresh the
// result must be.
type Request struct {
	QueryID int
	// Args are the user's parameter values, merged over the saved defaults.
	Args Args
	// Freshness picks a cached result or a fresh run.
	Freshness Freshness
	// MaxResultAge refuses a result that Redash produced longer ago than
	// this, whatever Freshness asked for (0: no limit). It guards unattended
	// runs against publishing stale data, for example from a Redash whose
	// workers stopped.
	MaxResultAge time.Duration
}

// StaleResultError is a result older than Request.MaxResultAge.
type StaleResultError struct {
	QueryID     int
	ResultID    int
	RetrievedAt time.Time
	Age, Max    time.Duration
}

// Error returns one line with the result's age and the limit.
func (e *StaleResultError) Error() string {
	return fmt.Sprintf("query %d: result %d is %s old (retrieved %s), older than the allowed %s: nothing was written",
		e.QueryID, e.ResultID, HumanAge(e.Age), e.RetrievedAt.UTC().Format(time.RFC3339), HumanAge(e.Max))
}

// HumanAge writes an age for people: to the second below a minute, to the
// minute below a day, in days and hours beyond ("45s", "3h4m", "2d5h").
func HumanAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(max(d, 0)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}

// Stage is a step of an export, for progress reports.
type Stage int

// Stages of an export.
const (
	// StageSubmit asks Redash for a cached result or a run.
	StageSubmit Stage = iota + 1
	// StageWait waits for the run (Progress.JobID).
	StageWait
	// StageDownload streams the rows into the sink (Progress.Rows).
	StageDownload
)

// Progress is reported at each stage and every 1,024 rows.
type Progress struct {
	Stage Stage
	JobID string
	Rows  int64
}

// Options configure an Exporter.
type Options struct {
	// Now is the clock for result ages and dynamic date values; nil means
	// time.Now.
	Now func() time.Time
	// PollInterval is the pause between polls of a running job (0: 1s).
	PollInterval time.Duration
	// JobTimeout bounds the wait for a run (0: 10 minutes). The job is left
	// running: Redash shares it with everyone who runs the same SQL.
	JobTimeout time.Duration
	// Attempts bounds how often the answer of a run request, or the result's
	// download, is started again after it broke off (0: 3 attempts).
	Attempts int
	// RestartDelay is the pause before such a new attempt, multiplied by
	// the attempt number (0: 1s).
	RestartDelay time.Duration
	// Progress, when set, is told what the export is doing.
	Progress func(Progress)
}

// Exporter runs the result pipeline of one Redash instance: resolve the
// parameters, get a cached result or run the query, wait for the run, and
// stream the result into a Sink. It is safe for concurrent use (one Sink
// per export).
type Exporter struct {
	client *redash.Client
	opts   Options
}

// NewExporter returns an Exporter that uses client.
func NewExporter(client *redash.Client, opts Options) *Exporter {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.JobTimeout <= 0 {
		opts.JobTimeout = 10 * time.Minute
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 3
	}
	if opts.RestartDelay <= 0 {
		opts.RestartDelay = time.Second
	}
	return &Exporter{client: client, opts: opts}
}

// Prepared is a query with checked parameter values, ready to run.
type Prepared struct {
	Request Request
	// Query is the saved query, as GET /api/queries/{id} returned it.
	Query   *redash.Query
	Version redash.Version
	// Values are the parameter values sent to Redash (see Resolver.Resolve).
	Values map[string]any
	// SQL is the query's text with the values filled in, which v4–v6
	// servers run; empty for v7+, which fill them in themselves.
	SQL string
}

// check validates the request's own fields.
func (req Request) check() error {
	if req.QueryID <= 0 {
		return fmt.Errorf("invalid query id %d", req.QueryID)
	}
	if err := req.Freshness.Validate(); err != nil {
		return err
	}
	if req.MaxResultAge < 0 {
		return fmt.Errorf("maximum result age %s is negative", req.MaxResultAge)
	}
	return nil
}

// Prepare reads the query and resolves its parameters, without running
// anything. Unknown, missing and bad parameter values give one
// *ParamError; a query that does not exist gives an error matching
// redash.ErrNotFound. From Redash v6 reading the query records a "view"
// event on it.
func (e *Exporter) Prepare(ctx context.Context, req Request) (*Prepared, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	if _, err := e.client.Version(ctx); err != nil {
		return nil, err
	}
	q, err := e.client.Queries.Get(ctx, req.QueryID)
	if err != nil {
		if errors.Is(err, redash.ErrNotFound) {
			return nil, fmt.Errorf("query %d does not exist or this API key cannot see it: %w", req.QueryID, err)
		}
		return nil, err
	}
	return e.PrepareQuery(ctx, req, q)
}

// PrepareQuery is Prepare for a query already read (from a query list, say,
// which records no view event): it checks the request and resolves the
// parameters against q. q must be req.QueryID.
func (e *Exporter) PrepareQuery(ctx context.Context, req Request, q *redash.Query) (*Prepared, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	if q == nil || q.ID != req.QueryID {
		return nil, fmt.Errorf("prepare query %d: got another query", req.QueryID)
	}
	v, err := e.client.Version(ctx)
	if err != nil {
		return nil, err
	}
	if q.DataSourceID == nil {
		return nil, fmt.Errorf("query %d has no data source (it was deleted), so it cannot run", q.ID)
	}
	r := Resolver{Version: v, Now: e.opts.Now, Dropdown: func(ctx context.Context, id int) ([]string, error) {
		return DropdownValues(ctx, e.client, id)
	}}
	values, err := r.Resolve(ctx, q, req.Args)
	if err != nil {
		return nil, err
	}
	p := &Prepared{Request: req, Query: q, Version: v, Values: values}
	if !v.HasResultsPost() {
		if p.SQL, err = Render(q.SQL, q.Options.Parameters, values); err != nil {
			return nil, fmt.Errorf("query %d: %w", q.ID, err)
		}
	}
	return p, nil
}

// Summary describes a finished export.
type Summary struct {
	QueryID   int
	QueryName string
	ResultID  int
	// JobID is the run's job, "" for a cached result.
	JobID string
	// Ran is true when Redash ran the query for this export, false when it
	// answered from its cache.
	Ran bool
	// RetrievedAt is when Redash produced the result; Age is how long
	// before the end of the export that was.
	RetrievedAt time.Time
	Age         time.Duration
	Columns     int
	Rows        int64
	// Attempts is how many times the rows were started (1 unless an answer
	// or download broke off).
	Attempts int
	// Parameters are the values the query ran with.
	Parameters map[string]any
}

// Export prepares and runs req into sink; see Prepare and Run.
func (e *Exporter) Export(ctx context.Context, req Request, sink Sink) (*Summary, error) {
	p, err := e.Prepare(ctx, req)
	if err != nil {
		_ = sink.Abort()
		return nil, err
	}
	return e.Run(ctx, p, sink)
}

// Run gets the result p asks for and streams it into sink, which it commits
// on success and aborts on any failure. When Redash answers the run request
// from its cache, the rows come with that answer and go straight to the
// sink. Otherwise the run is awaited up to Options.JobTimeout (a run that
// fails or is cancelled is an error carrying Redash's message, a
// *redash.JobError) and its rows are read by the run's result id, never as
// "the query's latest result", which may belong to other parameter values.
// An answer or download that breaks off starts again from the first row, up
// to Options.Attempts times. A result older than Request.MaxResultAge is
// refused (a *StaleResultError) before the sink commits.
func (e *Exporter) Run(ctx context.Context, p *Prepared, sink Sink) (sum *Summary, err error) {
	defer func() {
		if err != nil {
			_ = sink.Abort()
		}
	}()
	qid := p.Query.ID
	sum = &Summary{QueryID: qid, QueryName: p.Query.Name, Parameters: p.Values}
	e.progress(Progress{Stage: StageSubmit})
	var sub *redash.Submission
	var rows *rowFeed
	err = e.again(ctx, func() error {
		var err error
		rows = e.feed(sink)
		sub, err = e.client.Queries.Submit(ctx, *p.Query, redash.SubmitRequest{
			Parameters: p.Values, SQL: p.SQL, MaxAge: p.Request.Freshness.maxAge(),
		}, rows.handler())
		if err == nil && sub.Result != nil || rows.begun {
			sum.Attempts++
		}
		return err
	})
	if err != nil {
		return nil, sinkCause(qid, err)
	}

	res := sub.Result
	if sub.Job != nil {
		sum.Ran, sum.JobID = true, sub.Job.ID
		e.progress(Progress{Stage: StageWait, JobID: sub.Job.ID})
		job, err := e.client.Jobs.Wait(ctx, sub.Job.ID, redash.WaitOptions{PollInterval: e.opts.PollInterval, Timeout: e.opts.JobTimeout})
		if err != nil {
			return nil, fmt.Errorf("query %d: %w", qid, err)
		}
		if job.QueryResultID == nil || *job.QueryResultID <= 0 {
			return nil, fmt.Errorf("query %d: job %s finished without a result id", qid, job.ID)
		}
		rid := *job.QueryResultID
		err = e.again(ctx, func() error {
			sum.Attempts++
			rows = e.feed(sink)
			e.progress(Progress{Stage: StageDownload})
			var err error
			res, err = e.client.Queries.StreamResult(ctx, rid, rows.handler())
			return err
		})
		if err != nil {
			return nil, sinkCause(qid, err)
		}
		res.ID = rid
	}
	e.progress(Progress{Stage: StageDownload, Rows: rows.rows})
	sum.ResultID = res.ID
	sum.RetrievedAt = res.RetrievedAt
	sum.Columns = len(res.Data.Columns)
	sum.Rows = rows.rows
	if err := e.checkAge(p, res.ID, res.RetrievedAt); err != nil {
		return nil, err
	}
	info := Info{QueryID: qid, ResultID: sum.ResultID, RetrievedAt: res.RetrievedAt, Columns: sum.Columns, Rows: sum.Rows}
	if err := sink.Commit(info); err != nil {
		return nil, fmt.Errorf("query %d: %w", qid, err)
	}
	sum.Age = max(e.opts.Now().Sub(res.RetrievedAt), 0)
	return sum, nil
}

// sinkCause reports a sink's failure as itself, without the request it
// interrupted; other errors keep their context.
func sinkCause(qid int, err error) error {
	var se *sinkError
	if errors.As(err, &se) {
		return fmt.Errorf("query %d: %w", qid, se.err)
	}
	return fmt.Errorf("query %d: %w", qid, err)
}

// sinkError marks a failure of the sink, which is never retried.
type sinkError struct{ err error }

func (e *sinkError) Error() string { return e.err.Error() }
func (e *sinkError) Unwrap() error { return e.err }

// rowFeed turns one streamed result into sink calls: each row map becomes
// a slice in column order, reused from row to row.
type rowFeed struct {
	e     *Exporter
	sink  Sink
	cols  []redash.Column
	buf   []any
	rows  int64
	begun bool
}

func (e *Exporter) feed(sink Sink) *rowFeed { return &rowFeed{e: e, sink: sink} }

func (f *rowFeed) handler() redash.ResultHandler {
	return redash.ResultHandler{
		Columns: func(c []redash.Column) error {
			f.cols, f.buf, f.begun = c, make([]any, len(c)), true
			if err := f.sink.Begin(c); err != nil {
				return &sinkError{err}
			}
			return nil
		},
		Row: func(m map[string]any) error {
			for i, c := range f.cols {
				f.buf[i] = m[c.Name]
			}
			f.rows++
			if f.rows%1024 == 0 {
				f.e.progress(Progress{Stage: StageDownload, Rows: f.rows})
			}
			if err := f.sink.Row(f.buf); err != nil {
				return &sinkError{err}
			}
			return nil
		},
	}
}

// again runs f up to Options.Attempts times while it fails with an answer
// that broke off (a truncated body, a reset connection).
func (e *Exporter) again(ctx context.Context, f func() error) error {
	for attempt := 1; ; attempt++ {
		err := f()
		if err == nil || attempt >= e.opts.Attempts || !brokeOff(err) || ctx.Err() != nil {
			if err != nil && attempt > 1 && brokeOff(err) {
				return fmt.Errorf("%w (the answer broke off %d times; gave up)", err, attempt)
			}
			return err
		}
		t := time.NewTimer(time.Duration(attempt) * e.opts.RestartDelay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// brokeOff reports whether err is an answer that broke off midway (a
// truncated body, a connection reset while reading it), which is worth
// starting again. HTTP errors and failures before an answer were already
// retried by the client, and a timeout would only repeat.
func brokeOff(err error) bool {
	var se *sinkError
	if errors.As(err, &se) {
		return false
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
}

func (e *Exporter) checkAge(p *Prepared, resultID int, retrievedAt time.Time) error {
	limit := p.Request.MaxResultAge
	if limit <= 0 || retrievedAt.IsZero() {
		return nil
	}
	age := max(e.opts.Now().Sub(retrievedAt), 0)
	if age <= limit {
		return nil
	}
	return &StaleResultError{QueryID: p.Query.ID, ResultID: resultID, RetrievedAt: retrievedAt, Age: age, Max: limit}
}

func (e *Exporter) progress(p Progress) {
	if e.opts.Progress != nil {
		e.opts.Progress(p)
	}
}

// DropdownValues returns the values a query-based dropdown parameter
// accepts, the way Redash's server checks them: from the backing query's
// latest result, the column named "value" (in any case) or else the first
// column, each value as Python's str() writes it. The whole result is read
// into memory (dropdown queries are small).
func DropdownValues(ctx context.Context, c *redash.Client, queryID int) ([]string, error) {
	res, err := c.Queries.LatestResult(ctx, queryID)
	if err != nil {
		if errors.Is(err, redash.ErrNotFound) {
			return nil, fmt.Errorf("query %d has no result yet (or this API key cannot see it): run it in Redash first", queryID)
		}
		return nil, err
	}
	if len(res.Data.Columns) == 0 {
		return nil, fmt.Errorf("the result of query %d has no columns", queryID)
	}
	col := res.Data.Columns[0].Name
	for _, c := range res.Data.Columns {
		if strings.EqualFold(c.Name, "value") {
			col = c.Name
			break
		}
	}
	out := make([]string, 0, len(res.Data.Rows))
	for _, row := range res.Data.Rows {
		for k, v := range row {
			if strings.EqualFold(k, col) {
				out = append(out, scalarText(v))
				break
			}
		}
	}
	return out, nil
}
