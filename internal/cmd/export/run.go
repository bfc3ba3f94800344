package export

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/exportjob"
	"github.com/redashctl/redashctl/internal/iostreams"
)

// RunOptions are the flags and dependencies of `export run`.
type RunOptions struct {
	IO   *iostreams.IOStreams
	Deps *jobDeps
	Now  func() time.Time
	// LockPaths are where the manifest's lock may live, in order.
	LockPaths []string

	// SheetsFlags hold --credentials, --sheets-endpoint and
	// --writes-per-minute.
	cmdutil.SheetsFlags
	Manifest    string
	Only        []string
	DryRun      bool
	LogFormat   string
	LockFile    string
	Concurrency int
	// Quiet drops the summary of a run that fully succeeded (--quiet).
	Quiet      bool
	JobTimeout time.Duration
	// PollInterval is the pause between polls of a run (hidden flag, tests).
	PollInterval time.Duration

	// Disabled is set by REDASHCTL_EXPORT_DISABLED.
	Disabled bool
}

// NewCmdRun builds `export run`.
func NewCmdRun(f *cmdutil.Factory, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{IO: f.IOStreams, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "run --manifest <file> [--only <job>]... [--concurrency <n>] [--dry-run] [--log-format text|json]",
		Short: "Run the Google Sheets exports of a manifest (the cron entry point)",
		Long: cmdutil.LongHelp(`Run every job of an export manifest: each exports one saved query's result
into one Google Sheets tab, as 'redashctl export sheet' does. This is the
command for cron, systemd timers and Kubernetes CronJobs; docs/export.md
describes the manifest and has examples of each.

The manifest is read strictly: an unknown field, a duplicate job name or a
bad value stops the run before anything happens, with one line per problem
naming its line. --only NAME (repeatable) runs only those jobs.

A lock keeps two runs of the same manifest apart, so overlapping cron runs
never write the same sheet: the second one fails at once, naming the run
that holds the lock. The lock file sits beside the manifest
(.<manifest>.lock), or in $XDG_RUNTIME_DIR/redashctl/ (or the temporary
directory) when that directory is read-only, or at --lock-file. The system
releases it when a run ends, however it ends, so a crashed run never blocks
the next one.

Up to --concurrency jobs run at once; jobs that write to the same
spreadsheet run one after another. Every job ends with one status line on
standard output: ok, failed (with the reason), dry-run or disabled;
--log-format json prints each as one JSON object for log collectors (see
docs/output.md). A summary goes to standard error.

Every job is safe to repeat: a replace leaves the target as it was until one
atomic swap, so a run that was interrupted, or whose writes hit Google's
quota (429) or errors (5xx) past every retry, leaves each tab old or new,
never mixed, and the next run puts it right.

Safety for copies of production: REDASHCTL_EXPORT_DISABLED=1 turns the run
into a no-op that prints a "disabled" line per job and exits 0; a job's
expect_url refuses to run against another Redash; its max_result_age
refuses to overwrite a sheet with an older result.

--dry-run finds each job's query in the query lists (no view event),
checks its parameters and checks that its spreadsheet is reachable and
writable, without writing and without the lock.

A bad manifest or a held lock exits 1 with nothing done; exit 4 means that
every job failed to authenticate (a Redash API key, Google credentials, or a
spreadsheet not shared with them).`,
			"  3    some jobs failed (they are named); the others succeeded"),
		Example: `  # Every job of the manifest, as cron runs it
  redashctl export run --manifest /etc/redashctl/exports.yaml

  # Two jobs only, one JSON status line per job for a log collector
  redashctl export run --manifest exports.yaml --only revenue --only signups --log-format json

  # Check every job without writing
  redashctl export run --manifest exports.yaml --dry-run`,
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
			if opts.JobTimeout <= 0 {
				return cmdutil.FlagErrorf("--job-timeout must be positive, got %s", opts.JobTimeout)
			}
			if opts.PollInterval < 0 {
				return cmdutil.FlagErrorf("--poll-interval must not be negative")
			}
			opts.Concurrency = f.Globals.Concurrency
			opts.Quiet = f.Globals.Quiet
			opts.LockPaths = []string{opts.LockFile}
			if opts.LockFile == "" {
				opts.LockPaths = exportjob.LockPaths(opts.Manifest, f.Env)
			}
			opts.Disabled = exportDisabled(f.Env)
			opts.Deps = newJobDeps(f, &opts.SheetsFlags)
			if runF != nil {
				return runF(opts)
			}
			return manifestRun(cmd.Context(), opts)
		},
	}
	opts.SheetsFlags.AddFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Manifest, "manifest", "", "Export manifest, YAML (required)")
	fl.StringArrayVar(&opts.Only, "only", nil, "Run only the job of this `name` (repeat it for several)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "Check every job (query, parameters, spreadsheet access) without writing")
	fl.StringVar(&opts.LogFormat, "log-format", exportjob.LogText, "Status line format: text|json")
	fl.StringVar(&opts.LockFile, "lock-file", "", "Lock file (default: beside the manifest)")
	fl.DurationVar(&opts.JobTimeout, "job-timeout", 10*time.Minute, "How long to wait for Redash to run a query")
	fl.DurationVar(&opts.PollInterval, "poll-interval", 0, "Pause between polls of a running query (default 1s)")
	_ = fl.MarkHidden("poll-interval")
	_ = cmd.RegisterFlagCompletionFunc("log-format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return exportjob.LogFormats, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func manifestRun(ctx context.Context, opts *RunOptions) error {
	m, jobs, err := loadJobs(opts.IO, opts.Manifest, opts.Only)
	if err != nil {
		return err
	}
	log := exportjob.NewLog(opts.IO.Out, opts.LogFormat)
	if opts.Disabled {
		for i := range jobs {
			log.Write(disabledRecord(&jobs[i], opts.Now()))
		}
		fmt.Fprintf(opts.IO.ErrOut, "exports disabled by %s: none of the %s of %s ran\n", DisabledEnv, plural(int64(len(jobs)), "job"), opts.Manifest)
		return nil
	}
	if !opts.DryRun {
		lock, err := exportjob.AcquireFirst(opts.LockPaths, opts.Now())
		if err != nil {
			var held *exportjob.HeldError
			if errors.As(err, &held) {
				return fmt.Errorf("%w: this run exported nothing", err)
			}
			return err
		}
		defer func() { _ = lock.Release() }()
	}
	r := &jobRunner{
		deps: opts.Deps, sheetsFlags: &opts.SheetsFlags, creds: manifestCredentials(m), now: opts.Now,
		pollInterval: opts.PollInterval, jobTimeout: opts.JobTimeout, dryRun: opts.DryRun, lookup: newQueryLookup(),
	}
	failed := runJobs(ctx, jobs, opts.Concurrency, opts.Now, log, func(ctx context.Context, j *exportjob.Job) *exportjob.Record {
		rec, _ := r.run(ctx, j)
		return rec
	})
	return jobsOutcome(ctx, opts.IO, "export", len(jobs), failed, opts.DryRun, opts.Quiet)
}

// loadJobs reads the manifest and selects the jobs; manifest problems are
// printed one per line.
func loadJobs(ios *iostreams.IOStreams, path string, only []string) (*exportjob.Manifest, []exportjob.Job, error) {
	m, err := exportjob.LoadManifest(path)
	if err != nil {
		var me *exportjob.ManifestError
		if errors.As(err, &me) {
			for _, l := range me.Lines() {
				fmt.Fprintln(ios.ErrOut, "error: "+l)
			}
			return nil, nil, &cmdutil.ExitError{Code: cmdutil.ExitFailure, Err: fmt.Errorf("%s: %s: nothing ran", path, plural(int64(len(me.Problems)), "problem"))}
		}
		return nil, nil, err
	}
	jobs, err := m.Select(only)
	if err != nil {
		return nil, nil, cmdutil.FlagErrorWrap(err)
	}
	return m, jobs, nil
}

// runJobs runs do for every job, up to concurrency at once, the jobs of one
// spreadsheet one after another (in manifest order), writes each job's
// record to log as it ends, and returns the records of the jobs that
// failed, in manifest order. Once ctx is done, jobs not yet started fail as
// interrupted without running.
func runJobs(ctx context.Context, jobs []exportjob.Job, concurrency int, now func() time.Time, log *exportjob.Log,
	do func(context.Context, *exportjob.Job) *exportjob.Record,
) []*exportjob.Record {
	var groups [][]int
	bySheet := map[string]int{}
	for i, j := range jobs {
		key := j.Target.SpreadsheetID
		g, ok := bySheet[key]
		if !ok {
			g = len(groups)
			bySheet[key] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], i)
	}
	recs := make([]*exportjob.Record, len(jobs))
	work := make(chan []int)
	var wg sync.WaitGroup
	for range max(1, min(concurrency, len(groups))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range work {
				for _, i := range g {
					if ctx.Err() != nil {
						j := &jobs[i]
						rec := &exportjob.Record{
							Time: now(), Job: j.Name, Profile: j.Profile, QueryID: j.QueryID,
							SpreadsheetID: j.Target.SpreadsheetID, Tab: j.Target.Tab, SheetID: j.Target.SheetID, Mode: j.Mode.String(),
						}
						rec.Fail(fmt.Errorf("not started: %w", ctx.Err()))
						recs[i] = rec
					} else {
						recs[i] = do(ctx, &jobs[i])
					}
					log.Write(recs[i])
				}
			}
		}()
	}
	for _, g := range groups {
		work <- g
	}
	close(work)
	wg.Wait()
	var failed []*exportjob.Record
	for _, r := range recs {
		if r.Status == exportjob.StatusFailed {
			failed = append(failed, r)
		}
	}
	return failed
}

// jobsOutcome prints the summary on stderr and returns the exit error:
// nil when every job succeeded, exit 4 when every job failed to
// authenticate, else exit 3; interrupted runs return ctx's error (130).
func jobsOutcome(ctx context.Context, ios *iostreams.IOStreams, verb string, total int, failed []*exportjob.Record, dryRun, quiet bool) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if len(failed) == 0 {
		if quiet {
			return nil
		}
		switch {
		case verb == "validate":
			fmt.Fprintf(ios.ErrOut, "validated %s: no problems\n", plural(int64(total), "job"))
		case dryRun:
			fmt.Fprintf(ios.ErrOut, "dry run: checked %s, wrote nothing\n", plural(int64(total), "job"))
		default:
			fmt.Fprintf(ios.ErrOut, "exported %s\n", plural(int64(total), "job"))
		}
		return nil
	}
	names := make([]string, len(failed))
	auth := len(failed) == total
	for i, r := range failed {
		names[i] = r.Job
		if !exportjob.IsAuthKind(r.ErrorKind) {
			auth = false
		}
	}
	what := "failed"
	if verb == "validate" {
		what = "are invalid"
	}
	err := fmt.Errorf("%d of %s %s: %s", len(failed), plural(int64(total), "job"), what, strings.Join(names, ", "))
	if auth {
		return &cmdutil.AuthError{Err: err}
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Err: err}
}
