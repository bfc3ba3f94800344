package export

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/exportjob"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/progress"
	"github.com/redashctl/redashctl/pkg/results"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// SheetOptions are the flags and dependencies of `export sheet`.
type SheetOptions struct {
	IO   *iostreams.IOStreams
	Deps *jobDeps
	Now  func() time.Time

	// ResultFlags hold --query, --param, --max-age, --refresh,
	// --max-result-age and --job-timeout.
	ResultFlags
	// SheetsFlags hold --credentials, --sheets-endpoint and
	// --writes-per-minute.
	cmdutil.SheetsFlags
	Sheet           string
	Tab             string
	Mode            string
	ValueInput      string
	NoHeader        bool
	TimestampColumn string
	ExpectURL       string
	DryRun          bool
	LogFormat       string
	// PollInterval is the pause between polls of a run (hidden flag, tests).
	PollInterval time.Duration

	// Disabled is set by REDASHCTL_EXPORT_DISABLED.
	Disabled bool

	job exportjob.Job
}

// NewCmdSheet builds `export sheet`.
func NewCmdSheet(f *cmdutil.Factory, runF func(*SheetOptions) error) *cobra.Command {
	opts := &SheetOptions{IO: f.IOStreams, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "sheet --query <id> --sheet <url> [--tab <name>] [--param <name>=<value>]... [--max-age <duration> | --refresh] [--mode replace|append] [flags]",
		Short: "Export a query's result into a Google Sheets tab",
		Long: cmdutil.LongHelp(`Export the result of a saved query into one tab of a Google spreadsheet.

The target is a spreadsheet URL, whose #gid= picks the tab, or a spreadsheet
id; --tab NAME names the tab instead (it wins over the URL's #gid=), and a
missing tab is created. The spreadsheet must be shared, as editor, with the
service account's e-mail (see docs/export.md).

--mode replace (the default) makes the tab hold exactly the result; readers
see the old contents until one atomic swap shows the new ones, the tab keeps
its id (formulas elsewhere that point at it keep working), and no old row
survives below the new data. --mode append adds the rows under those already
in the tab, with --timestamp-column NAME adding a first column holding the
time of the export; an existing header must match the result's columns.

Values keep their types: numbers stay numbers, booleans booleans, dates and
date-times become real dates, null an empty cell. Text is stored as it is
(RAW), so a value such as =IMPORTXML(...) stays text; --value-input
user-entered parses values as if typed instead. A header row of column names
comes first unless --no-header.

Which result, and parameters: as for 'redashctl export file' (--max-age,
--refresh, --param, --max-result-age). Rows are streamed from Redash into a
hidden staging tab, so a large result is never held in memory; Google's
limits (10,000,000 cells per spreadsheet, 50,000 characters per cell) are
checked before the target changes, and any failure — a limit, an exhausted
retry of a 429 or 5xx, a result older than --max-result-age, Ctrl-C —
leaves the target tab as it was. Write requests are paced under Google's
per-user quota (--writes-per-minute).

--expect-url URL refuses to run unless redashctl points at that Redash, and
REDASHCTL_EXPORT_DISABLED=1 turns the command into a no-op that says so:
both guard copies of production. --dry-run finds the query in the query
lists (no view event), resolves the parameters and checks that the
spreadsheet is reachable and writable, without writing.

One status line goes to standard output (--log-format json for one JSON
object; see docs/output.md). Google credentials that are missing or
rejected, and a spreadsheet not shared with them, exit 4 like a bad Redash
API key; parameter problems exit 2.`),
		Example: `  # Replace the tab "Revenue" with the cached result of query 42
  redashctl export sheet --query 42 --sheet https://docs.google.com/spreadsheets/d/1AbC.../edit --tab Revenue

  # A fresh run with parameters, appended under a history table with a timestamp column
  redashctl export sheet --query 42 --param region=EMEA --refresh --sheet 1AbC... --tab History --mode append --timestamp-column exported_at

  # Check parameters and access without writing
  redashctl export sheet --query 42 --sheet 1AbC... --tab Revenue --dry-run`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := opts.ResultFlags.request()
			if err != nil {
				return err
			}
			if err := opts.SheetsFlags.Check(); err != nil {
				return err
			}
			if err := checkLogFormat(opts.LogFormat); err != nil {
				return err
			}
			job := exportjob.Job{
				Name: fmt.Sprintf("query-%d", req.QueryID), QueryID: req.QueryID, Params: req.Args,
				Freshness: req.Freshness, MaxResultAge: req.MaxResultAge, NoHeader: opts.NoHeader, ExpectURL: opts.ExpectURL,
			}
			if opts.Sheet == "" {
				return cmdutil.FlagErrorf("--sheet is required: a spreadsheet URL or id")
			}
			if job.Target, err = cmdutil.SheetTarget(opts.Sheet, opts.Tab, cmd.Flags().Changed("tab")); err != nil {
				return err
			}
			job.Spreadsheet = opts.Sheet
			if job.Mode, err = sheets.ParseMode(opts.Mode); err != nil {
				return cmdutil.FlagErrorf("--mode: %v", err)
			}
			if job.ValueInput, err = sheets.ParseValueInput(opts.ValueInput); err != nil {
				return cmdutil.FlagErrorf("--value-input: %v", err)
			}
			if opts.TimestampColumn != "" && job.Mode != sheets.ModeAppend {
				return cmdutil.FlagErrorf("--timestamp-column needs --mode append")
			}
			job.TimestampColumn = opts.TimestampColumn
			if opts.ExpectURL != "" {
				if err := exportjob.CheckExpectURL(opts.ExpectURL); err != nil {
					return cmdutil.FlagErrorf("--expect-url: %v", err)
				}
			}
			if opts.PollInterval < 0 {
				return cmdutil.FlagErrorf("--poll-interval must not be negative")
			}
			opts.job = job
			opts.Disabled = exportDisabled(f.Env)
			opts.Deps = newJobDeps(f, &opts.SheetsFlags)
			if runF != nil {
				return runF(opts)
			}
			return sheetRun(cmd.Context(), opts)
		},
	}
	opts.ResultFlags.addFlags(cmd)
	opts.SheetsFlags.AddFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Sheet, "sheet", "", "Spreadsheet URL (its #gid= picks the tab) or id (required)")
	fl.StringVar(&opts.Tab, "tab", "", "Tab to write, created when missing (wins over the URL's #gid=)")
	fl.StringVar(&opts.Mode, "mode", "replace", "replace: the tab holds exactly the result; append: add the rows under the existing ones")
	fl.StringVar(&opts.ValueInput, "value-input", "raw", "raw: store values as they are; user-entered: parse them as if typed (formulas, numbers, dates)")
	fl.BoolVar(&opts.NoHeader, "no-header", false, "Leave out the header row of column names")
	fl.StringVar(&opts.TimestampColumn, "timestamp-column", "", "With --mode append, add a first column of this name holding the export's time")
	fl.StringVar(&opts.ExpectURL, "expect-url", "", "Refuse to run unless redashctl points at this Redash URL")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "Resolve parameters and check the spreadsheet is writable, without writing")
	fl.StringVar(&opts.LogFormat, "log-format", exportjob.LogText, "Status line format: text|json")
	fl.DurationVar(&opts.PollInterval, "poll-interval", 0, "Pause between polls of a running query (default 1s)")
	_ = fl.MarkHidden("poll-interval")
	for name, vals := range map[string][]string{"mode": {"replace", "append"}, "value-input": {"raw", "user-entered"}, "log-format": exportjob.LogFormats} {
		_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return vals, cobra.ShellCompDirectiveNoFileComp
		})
	}
	return cmd
}

func sheetRun(ctx context.Context, opts *SheetOptions) error {
	log := exportjob.NewLog(opts.IO.Out, opts.LogFormat)
	j := &opts.job
	if opts.Disabled {
		log.Write(disabledRecord(j, opts.Now()))
		return nil
	}
	bar := progress.New(opts.IO, fmt.Sprintf("Exporting query %d", j.QueryID))
	var shown int64
	r := &jobRunner{
		deps: opts.Deps, sheetsFlags: &opts.SheetsFlags, now: opts.Now,
		pollInterval: opts.PollInterval, jobTimeout: opts.JobTimeout, dryRun: opts.DryRun, lookup: newQueryLookup(),
		progress: func(p results.Progress) {
			if p.Stage != results.StageDownload {
				return
			}
			if p.Rows > shown {
				bar.Add(int(p.Rows - shown))
			}
			shown = p.Rows
		},
	}
	rec, err := r.run(ctx, j)
	if err != nil {
		bar.Abort()
	} else {
		bar.Done()
	}
	log.Write(rec)
	if err != nil {
		return exitErrorOf(err)
	}
	return nil
}

// disabledRecord is the status of an export that REDASHCTL_EXPORT_DISABLED
// turned off.
func disabledRecord(j *exportjob.Job, now time.Time) *exportjob.Record {
	return &exportjob.Record{
		Time: now, Job: j.Name, Status: exportjob.StatusDisabled, Profile: j.Profile, QueryID: j.QueryID,
		SpreadsheetID: j.Target.SpreadsheetID, Tab: j.Target.Tab, SheetID: j.Target.SheetID, Mode: j.Mode.String(),
		Message: fmt.Sprintf("export disabled by %s: query %d was not exported to %s", DisabledEnv, j.QueryID, j.Target),
	}
}

func checkLogFormat(s string) error {
	for _, f := range exportjob.LogFormats {
		if s == f {
			return nil
		}
	}
	return cmdutil.FlagErrorf("invalid --log-format %q: use text or json", s)
}
