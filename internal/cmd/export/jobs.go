package export

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redashctl/redashctl/internal/build"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/exportjob"
	"github.com/redashctl/redashctl/pkg/redash"
	"github.com/redashctl/redashctl/pkg/results"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// jobDeps are the clients of the sheet, run and validate verbs, built on
// first use and shared by every job that needs the same one.
type jobDeps struct {
	// Redash returns the client of a profile ("" for the one the command
	// line and environment select) with the profile's configuration.
	Redash func(profile string) (*redash.Client, *config.Config, error)
	// Sheets returns the writer for an endpoint and credentials. Jobs
	// share it, and with it the pacing of the user's write quota.
	Sheets func(ctx context.Context, endpoint, credentials string) (*sheets.Writer, error)
}

func newJobDeps(f *cmdutil.Factory, sf *cmdutil.SheetsFlags) *jobDeps {
	var (
		mu      sync.Mutex
		clients = map[string]redashEntry{}
		writers = map[string]*sheets.Writer{}
	)
	d := &jobDeps{}
	d.Redash = func(profile string) (*redash.Client, *config.Config, error) {
		mu.Lock()
		defer mu.Unlock()
		if e, ok := clients[profile]; ok {
			return e.client, e.cfg, e.err
		}
		var e redashEntry
		if profile == "" {
			e.cfg, e.err = f.Config()
		} else {
			e.cfg, e.err = profileConfig(f, profile)
		}
		if e.err == nil {
			e.client, e.err = factory.NewRedashClient(e.cfg, f.Globals, f.IOStreams)
		}
		clients[profile] = e
		return e.client, e.cfg, e.err
	}
	d.Sheets = func(ctx context.Context, endpoint, credentials string) (*sheets.Writer, error) {
		mu.Lock()
		defer mu.Unlock()
		key := endpoint + "\x00" + credentials
		if w, ok := writers[key]; ok {
			return w, nil
		}
		wpm := sf.WritesPerMinute
		if wpm == 0 {
			wpm = -1
		}
		w, err := sheets.New(ctx, sheets.Options{
			Credentials:     credentials,
			Endpoint:        endpoint,
			WritesPerMinute: wpm,
			UserAgent:       "redashctl/" + build.Get().Version,
			AttemptTimeout:  f.Globals.Timeout,
		})
		if err != nil {
			return nil, err
		}
		writers[key] = w
		return w, nil
	}
	return d
}

type redashEntry struct {
	client *redash.Client
	cfg    *config.Config
	err    error
}

// profileConfig resolves a profile a manifest job names from the
// configuration file alone: the variables that would send it elsewhere
// (REDASHCTL_URL, REDASHCTL_API_KEY, REDASHCTL_ORG, REDASHCTL_PROFILE and
// their REDASH_ forms) are ignored, except the one the profile itself
// names as api_key_env.
func profileConfig(f *cmdutil.Factory, name string) (*config.Config, error) {
	name, err := config.NormalizeName(name)
	if err != nil {
		return nil, err
	}
	path := f.Globals.ConfigPath
	if path == "" {
		path = config.DefaultPath(f.Env)
	}
	file, err := config.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keep := file.Profiles[name].APIKeyEnv
	hidden := []string{config.EnvURL, config.EnvRedashURL, config.EnvAPIKey, config.EnvRedashAPIKey, config.EnvOrg, config.EnvProfile}
	env := func(k string) (string, bool) {
		if k != keep && slices.Contains(hidden, k) {
			return "", false
		}
		if f.Env == nil {
			return "", false
		}
		return f.Env(k)
	}
	return config.Load(config.Overrides{ConfigPath: path, Profile: name}, env)
}

// sheetsSettings picks the endpoint and credentials: the flag, then the
// manifest (credentials only), then the configuration (environment, then
// profile).
func sheetsSettings(sf *cmdutil.SheetsFlags, manifestCreds string, cfg *config.Config) (endpoint, creds string) {
	endpoint, creds = sf.Settings(cfg)
	if sf.Credentials == "" && manifestCreds != "" {
		creds = manifestCreds
	}
	return endpoint, creds
}

// manifestCredentials makes a manifest's relative key file path relative to
// the manifest's directory.
func manifestCredentials(m *exportjob.Manifest) string {
	c := strings.TrimSpace(m.Credentials)
	if c == "" || c == sheets.CredentialsNone || filepath.IsAbs(c) || strings.HasPrefix(c, "~") {
		return c
	}
	return filepath.Join(filepath.Dir(m.Path), c)
}

// jobRunner exports (or checks) one job; shared by export sheet and export
// run.
type jobRunner struct {
	deps         *jobDeps
	sheetsFlags  *cmdutil.SheetsFlags
	creds        string // the manifest's credentials
	now          func() time.Time
	pollInterval time.Duration
	jobTimeout   time.Duration
	// dryRun checks each job without writing. It reads queries through
	// lookup, from the query lists, never with GET /api/queries/<id>.
	dryRun bool
	lookup *queryLookup
	// progress, if set, gets the pipeline's progress reports.
	progress func(results.Progress)
}

// run runs one job and returns its record; the record says whether it
// failed, and err is the failure (nil for success).
func (r *jobRunner) run(ctx context.Context, j *exportjob.Job) (*exportjob.Record, error) {
	start := r.now()
	rec := &exportjob.Record{
		Job: j.Name, Profile: j.Profile, QueryID: j.QueryID,
		SpreadsheetID: j.Target.SpreadsheetID, Tab: j.Target.Tab, SheetID: j.Target.SheetID, Mode: j.Mode.String(),
	}
	err := r.do(ctx, j, rec)
	end := r.now()
	rec.Time = end
	rec.DurationMS = end.Sub(start).Milliseconds()
	if err != nil {
		rec.Fail(err)
		return rec, err
	}
	return rec, nil
}

func (r *jobRunner) do(ctx context.Context, j *exportjob.Job, rec *exportjob.Record) error {
	client, cfg, err := r.deps.Redash(j.Profile)
	if err != nil {
		return err
	}
	rec.RedashURL = cfg.URL
	if err := exportjob.CheckURL(j.ExpectURL, cfg.URL, cfg.Org); err != nil {
		return err
	}
	endpoint, creds := sheetsSettings(r.sheetsFlags, r.creds, cfg)
	w, err := r.deps.Sheets(ctx, endpoint, creds)
	if err != nil {
		return err
	}
	exp := results.NewExporter(client, results.Options{Now: r.now, PollInterval: r.pollInterval, JobTimeout: r.jobTimeout, Progress: r.progress})
	var p *results.Prepared
	if r.dryRun {
		q, _, ferr := r.lookup.find(ctx, j.Profile, client, cfg.URL, j.QueryID)
		if ferr != nil {
			return ferr
		}
		p, err = exp.PrepareQuery(ctx, j.Request(), q)
	} else {
		p, err = exp.Prepare(ctx, j.Request())
	}
	if err != nil {
		return err
	}
	rec.QueryName = p.Query.Name
	rec.Parameters = p.Values
	if r.dryRun {
		info, err := w.Validate(ctx, j.Target)
		if err != nil {
			return err
		}
		rec.Status = exportjob.StatusDryRun
		rec.Tab = info.Tab
		if info.TabExists {
			id := info.SheetID
			rec.SheetID = &id
		}
		rec.Message = dryRunMessage(j, p, info)
		return nil
	}
	opts := sheets.WriteOptions{Mode: j.Mode, ValueInput: j.ValueInput, NoHeader: j.NoHeader}
	if j.Mode == sheets.ModeAppend && j.TimestampColumn != "" {
		opts.Timestamp, opts.TimestampColumn = r.now(), j.TimestampColumn
	}
	sum, res, err := exportjob.ToSheet(ctx, exp, p, exportjob.Destination{Writer: w, Target: j.Target, Options: opts})
	if err != nil {
		return err
	}
	rec.Status = exportjob.StatusOK
	rec.Rows, rec.Columns, rec.ResultID, rec.Ran = sum.Rows, sum.Columns, sum.ResultID, sum.Ran
	if !sum.RetrievedAt.IsZero() {
		at := sum.RetrievedAt.UTC()
		age := sum.Age.Seconds()
		rec.RetrievedAt, rec.ResultAgeSeconds = &at, &age
	}
	if res != nil {
		id := res.SheetID
		rec.Tab, rec.SheetID, rec.TabCreated = res.Tab, &id, res.Created
		rec.WriteRequests, rec.Retries = res.Stats.WriteRequests, res.Stats.Retries
	}
	rec.Message = okMessage(j, sum, res)
	return nil
}

func okMessage(j *exportjob.Job, sum *results.Summary, res *sheets.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query %d -> spreadsheet %s", j.QueryID, j.Target.SpreadsheetID)
	if res != nil {
		fmt.Fprintf(&b, " tab %q", res.Tab)
		if res.Created {
			b.WriteString(" (created)")
		}
	}
	fmt.Fprintf(&b, ": %s, %s, %s", plural(sum.Rows, "row"), plural(int64(sum.Columns), "column"), j.Mode)
	if sum.Ran {
		fmt.Fprintf(&b, "; ran now, result %d", sum.ResultID)
	} else {
		fmt.Fprintf(&b, "; cached result %d, %s old", sum.ResultID, humanAge(sum.Age))
	}
	if res != nil {
		fmt.Fprintf(&b, "; %s", plural(int64(res.Stats.WriteRequests), "write request"))
		if res.Stats.Retries > 0 {
			fmt.Fprintf(&b, ", %s", plural(int64(res.Stats.Retries), "retry"))
		}
	}
	return b.String()
}

func dryRunMessage(j *exportjob.Job, p *results.Prepared, info *sheets.Info) string {
	var b strings.Builder
	fmt.Fprintf(&b, "would export query %d %q", j.QueryID, p.Query.Name)
	if len(p.Values) > 0 {
		fmt.Fprintf(&b, " (%s)", formatValues(p.Values))
	}
	fmt.Fprintf(&b, " -> spreadsheet %s %q tab %q", info.SpreadsheetID, info.Title, info.Tab)
	if info.TabExists {
		fmt.Fprintf(&b, " (%dx%d grid)", info.Rows, info.Columns)
	} else {
		b.WriteString(" (to be created)")
	}
	fmt.Fprintf(&b, ", %s; the spreadsheet is writable", j.Mode)
	if info.ServiceAccount != "" {
		fmt.Fprintf(&b, " by %s", info.ServiceAccount)
	}
	return b.String()
}

// formatValues writes parameter values as name=value, sorted by name.
func formatValues(vals map[string]any) string {
	names := make([]string, 0, len(vals))
	for n := range vals {
		names = append(names, n)
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + formatValue(vals[n])
	}
	return strings.Join(parts, ", ")
}

// formatValue writes a range as start..end and several values joined by
// commas.
func formatValue(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return fmt.Sprintf("%v..%v", v["start"], v["end"])
	case []string:
		return strings.Join(v, ",")
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = fmt.Sprint(e)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// exitCodeOf maps a job's failure to the exit status of a single export:
// Google and Redash authentication failures exit 4, parameter problems 2.
func exitErrorOf(err error) error {
	var pe *results.ParamError
	switch {
	case exportjob.IsAuthKind(exportjob.Kind(err)):
		var ae *cmdutil.AuthError
		if errors.As(err, &ae) {
			return err
		}
		return &cmdutil.AuthError{Err: err}
	case errors.As(err, &pe):
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
	}
	return err
}
