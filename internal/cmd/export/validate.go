package export

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/exportjob"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/results"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// ValidateOptions are the flags and dependencies of `export validate`.
type ValidateOptions struct {
	IO   *iostreams.IOStreams
	Deps *jobDeps
	Now  func() time.Time

	// SheetsFlags hold --credentials, --sheets-endpoint and
	// --writes-per-minute.
	cmdutil.SheetsFlags
	Manifest    string
	Only        []string
	LogFormat   string
	Concurrency int
	// Quiet drops the summary when every job is valid (--quiet).
	Quiet bool

	// Disabled is set by REDASHCTL_EXPORT_DISABLED.
	Disabled bool
}

// NewCmdValidate builds `export validate`.
func NewCmdValidate(f *cmdutil.Factory, runF func(*ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{IO: f.IOStreams, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "validate --manifest <file> [--only <job>]... [--log-format text|json]",
		Short: "Check an export manifest without running or writing anything",
		Long: cmdutil.LongHelp(`Check every job of an export manifest without running a query or writing to
a sheet:

- the manifest itself (strictly: unknown fields, duplicate job names and bad
  values are reported one per line, with their line);
- the job's profile and its expect_url;
- the query exists and can run: it is read from the query lists only, never
  with GET /api/queries/<id>, which Redash 6 and later record as a view;
- its parameters are complete and valid: the saved defaults with the job's
  values over them, checked against the query's definitions (numbers, enum
  options, query-based dropdown values, dates and ranges);
- the spreadsheet is reachable, the tab a #gid= names exists, and the
  credentials may edit it. Edit rights are proven with a request Google
  rejects as a whole, so nothing changes, but it counts as one write request
  of the quota. A tab is checked once however many jobs use it.

One status line per job goes to standard output (ok or failed, with every
problem), and a summary to standard error. Whether a result will fit Google's
cell limits depends on the result, so only a real export can tell. Exit 4
means that every job failed to authenticate (a Redash API key, Google
credentials, or a spreadsheet not shared with them).`,
			"  3    some jobs are invalid (they are named)"),
		Example: `  # Check the manifest cron runs
  redashctl export validate --manifest /etc/redashctl/exports.yaml

  # Against the sandbox's fake Sheets
  redashctl export validate --manifest exports.yaml --sheets-endpoint http://127.0.0.1:5001 --credentials none`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Manifest == "" {
				return cmdutil.FlagErrorf("--manifest is required: the export manifest (see docs/export.md)")
			}
			if err := opts.SheetsFlags.Check(); err != nil {
				return err
			}
			if err := checkLogFormat(opts.LogFormat); err != nil {
				return err
			}
			opts.Concurrency = f.Globals.Concurrency
			opts.Quiet = f.Globals.Quiet
			opts.Disabled = exportDisabled(f.Env)
			opts.Deps = newJobDeps(f, &opts.SheetsFlags)
			if runF != nil {
				return runF(opts)
			}
			return validateRun(cmd.Context(), opts)
		},
	}
	opts.SheetsFlags.AddFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Manifest, "manifest", "", "Export manifest, YAML (required)")
	fl.StringArrayVar(&opts.Only, "only", nil, "Check only the job of this `name` (repeat it for several)")
	fl.StringVar(&opts.LogFormat, "log-format", exportjob.LogText, "Status line format: text|json")
	_ = cmd.RegisterFlagCompletionFunc("log-format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return exportjob.LogFormats, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func validateRun(ctx context.Context, opts *ValidateOptions) error {
	m, jobs, err := loadJobs(opts.IO, opts.Manifest, opts.Only)
	if err != nil {
		return err
	}
	if opts.Disabled {
		fmt.Fprintf(opts.IO.ErrOut, "note: %s is set, so 'export run' would export nothing here; validating anyway\n", DisabledEnv)
	}
	v := &validator{opts: opts, creds: manifestCredentials(m), queries: newQueryLookup(), targets: map[string]*targetCheck{}}
	log := exportjob.NewLog(opts.IO.Out, opts.LogFormat)
	failed := runJobs(ctx, jobs, opts.Concurrency, opts.Now, log, v.check)
	return jobsOutcome(ctx, opts.IO, "validate", len(jobs), failed, false, opts.Quiet)
}

type validator struct {
	opts  *ValidateOptions
	creds string

	mu      sync.Mutex
	queries *queryLookup
	targets map[string]*targetCheck // by endpoint, credentials and target
}

type targetCheck struct {
	once sync.Once
	info *sheets.Info
	err  error
}

func (v *validator) check(ctx context.Context, j *exportjob.Job) *exportjob.Record {
	start := v.opts.Now()
	rec := &exportjob.Record{
		Job: j.Name, Profile: j.Profile, QueryID: j.QueryID,
		SpreadsheetID: j.Target.SpreadsheetID, Tab: j.Target.Tab, SheetID: j.Target.SheetID, Mode: j.Mode.String(),
	}
	problems := v.problems(ctx, j, rec)
	rec.Time = v.opts.Now()
	rec.DurationMS = rec.Time.Sub(start).Milliseconds()
	if len(problems) > 0 {
		// Every problem is reported; the kind is the first one's.
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.Error()
		}
		rec.Fail(problems[0])
		rec.Error = strings.Join(msgs, "; ")
		rec.Message = rec.Error
		return rec
	}
	rec.Status = exportjob.StatusOK
	return rec
}

// problems checks the Redash side and the Sheets side independently, so
// that one run reports both.
func (v *validator) problems(ctx context.Context, j *exportjob.Job, rec *exportjob.Record) []error {
	client, cfg, err := v.opts.Deps.Redash(j.Profile)
	if err != nil {
		return []error{err}
	}
	rec.RedashURL = cfg.URL
	if err := exportjob.CheckURL(j.ExpectURL, cfg.URL, cfg.Org); err != nil {
		return []error{err}
	}
	var problems []error
	var query string
	q, version, err := v.queries.find(ctx, j.Profile, client, cfg.URL, j.QueryID)
	if err != nil {
		problems = append(problems, err)
	} else {
		rec.QueryName = q.Name
		query = fmt.Sprintf("query %d %q", q.ID, q.Name)
		r := results.Resolver{Version: version, Now: v.opts.Now, Dropdown: func(ctx context.Context, id int) ([]string, error) {
			return results.DropdownValues(ctx, client, id)
		}}
		vals, err := r.Resolve(ctx, q, j.Params)
		if err != nil {
			problems = append(problems, err)
		} else {
			rec.Parameters = vals
			if len(vals) > 0 {
				query += " (" + formatValues(vals) + ")"
			}
		}
	}
	endpoint, creds := sheetsSettings(&v.opts.SheetsFlags, v.creds, cfg)
	info, err := v.target(ctx, endpoint, creds, j.Target)
	var sheet string
	if err != nil {
		problems = append(problems, err)
	} else {
		rec.Tab = info.Tab
		if info.TabExists {
			id := info.SheetID
			rec.SheetID = &id
		}
		sheet = fmt.Sprintf("spreadsheet %s %q tab %q", info.SpreadsheetID, info.Title, info.Tab)
		if info.TabExists {
			sheet += fmt.Sprintf(" (%dx%d grid)", info.Rows, info.Columns)
		} else {
			sheet += " (to be created)"
		}
		sheet += " is writable"
		if info.ServiceAccount != "" {
			sheet += " by " + info.ServiceAccount
		}
	}
	if len(problems) == 0 {
		rec.Message = fmt.Sprintf("%s, parameters valid -> %s, %s", query, sheet, j.Mode)
	}
	return problems
}

// target validates a spreadsheet target once per run.
func (v *validator) target(ctx context.Context, endpoint, creds string, t sheets.Target) (*sheets.Info, error) {
	gid := ""
	if t.SheetID != nil {
		gid = strconv.FormatInt(*t.SheetID, 10)
	}
	key := strings.Join([]string{endpoint, creds, t.SpreadsheetID, strings.ToLower(t.Tab), gid}, "\x00")
	v.mu.Lock()
	tc := v.targets[key]
	if tc == nil {
		tc = &targetCheck{}
		v.targets[key] = tc
	}
	v.mu.Unlock()
	tc.once.Do(func() {
		w, err := v.opts.Deps.Sheets(ctx, endpoint, creds)
		if err != nil {
			tc.err = err
			return
		}
		tc.info, tc.err = w.Validate(ctx, t)
	})
	return tc.info, tc.err
}
