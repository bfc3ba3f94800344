package export

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/redash"
	"github.com/redashctl/redashctl/pkg/results"
)

// FileOptions are the flags and dependencies of `export file`.
type FileOptions struct {
	IO     *iostreams.IOStreams
	Redash func() (*redash.Client, error)
	Now    func() time.Time

	// ResultFlags hold --query, --param, --max-age, --refresh,
	// --max-result-age and --job-timeout.
	ResultFlags
	To     string
	Format string

	// Disabled is set by REDASHCTL_EXPORT_DISABLED.
	Disabled bool
	// Quiet drops the summary line (--quiet).
	Quiet bool
	// PollInterval and RestartDelay override the pipeline's pauses (tests).
	PollInterval time.Duration
	RestartDelay time.Duration

	request results.Request
	format  results.Format
}

// NewCmdFile builds `export file`.
func NewCmdFile(f *cmdutil.Factory, runF func(*FileOptions) error) *cobra.Command {
	opts := &FileOptions{IO: f.IOStreams, Redash: f.Redash, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "file --query <id> --to <path> [--param <name>=<value>]... [--max-age <duration> | --refresh] [flags]",
		Short: "Export a query's result to a CSV or JSON file",
		Long: cmdutil.LongHelp(`Export the result of a saved query to a file, or to standard output with
--to -.

The format follows the file's extension (.csv, .json, .jsonl or .ndjson) or
--format: CSV with a header row of column names; JSON, an array of objects
with one row per line; or JSON lines. Values are written as Redash's JSON
results hold them: numbers with their digits, dates and date-times in ISO
8601, null as an empty CSV field or JSON null (see docs/output.md).

Which result:
  (default)       the cached result of the same query text and parameter
                  values; the query runs only when there is none
  --max-age D     a cached result at most D old, otherwise a fresh run
  --refresh       always a fresh run
A run is awaited up to --job-timeout; a run that fails or is cancelled is an
error with Redash's message. --max-result-age D refuses any result older
than D, so that an unattended export never publishes stale data.

Parameters: the query's saved defaults, which Redash never applies by
itself, with --param name=value over them. Values are checked against the
query's definitions before anything runs: numbers, enum options, the values
of a query-based dropdown, dates (YYYY-MM-DD, or dynamic values such as
d_yesterday), and ranges as START..END, {"start": …, "end": …} or d_last_month.
Repeat --param with the same name for a multi-value parameter.

The file is written to a temporary file beside the target and renamed over
it at the end, so it is either complete or untouched; on any error nothing
is written. A summary line (rows, columns, result age, cached or run) goes
to stderr unless --quiet.

With REDASHCTL_EXPORT_DISABLED=1 the command only says that exports are
disabled, and exits 0 without contacting Redash.`),
		Example: `  # The cached result of query 42 (run it if it has none) as CSV
  redashctl export file --query 42 --to sales.csv

  # A fresh run with parameters, as JSON lines on standard output
  redashctl export file --query 42 --param region=EMEA --param period=d_last_month --refresh --to - --format jsonl

  # From cron: a result at most an hour old, and never one older than a day
  redashctl export file --query 42 --max-age 1h --max-result-age 1d --to /srv/exports/sales.json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := opts.ResultFlags.request()
			if err != nil {
				return err
			}
			opts.request = req
			if opts.To == "" {
				return cmdutil.FlagErrorf("--to is required: a file path (.csv, .json, .jsonl) or - for standard output")
			}
			switch {
			case opts.Format != "":
				if opts.format, err = results.ParseFormat(opts.Format); err != nil {
					return cmdutil.FlagErrorf("--format: %v", err)
				}
			case opts.To == "-":
				opts.format = results.CSV
			default:
				var ok bool
				if opts.format, ok = results.FormatForPath(opts.To); !ok {
					return cmdutil.FlagErrorf("cannot tell the format of %q from its extension: name it .csv, .json or .jsonl, or give --format csv|json|jsonl", opts.To)
				}
			}
			opts.Disabled = exportDisabled(f.Env)
			opts.Quiet = f.Globals != nil && f.Globals.Quiet
			if runF != nil {
				return runF(opts)
			}
			return fileRun(cmd.Context(), opts)
		},
	}
	opts.ResultFlags.addFlags(cmd)
	cmd.Flags().StringVar(&opts.To, "to", "", "File to write (.csv, .json, .jsonl), or - for standard output (required)")
	cmd.Flags().StringVar(&opts.Format, "format", "", "File format: csv|json|jsonl (default: from the extension; csv for -)")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"csv", "json", "jsonl"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func fileRun(ctx context.Context, opts *FileOptions) error {
	target := opts.To
	if target == "-" {
		target = "standard output"
	}
	if opts.Disabled {
		fmt.Fprintf(opts.IO.ErrOut, "export disabled by %s: query %d was not exported to %s\n", DisabledEnv, opts.request.QueryID, target)
		return nil
	}
	// The sink first: a path that cannot be written fails before anything
	// runs on Redash.
	var sink *results.FileSink
	var err error
	if opts.To == "-" {
		sink, err = results.NewWriterSink(opts.IO.Out, opts.format)
	} else {
		sink, err = results.NewFileSink(opts.To, opts.format)
	}
	if err != nil {
		return err
	}
	defer func() { _ = sink.Abort() }()
	client, err := opts.Redash()
	if err != nil {
		return err
	}
	p := pipeline{IO: opts.IO, Now: opts.Now, JobTimeout: opts.JobTimeout, PollInterval: opts.PollInterval, RestartDelay: opts.RestartDelay}
	sum, err := p.run(ctx, client, opts.request, sink)
	if err != nil {
		return err
	}
	if !opts.Quiet {
		fmt.Fprintln(opts.IO.ErrOut, summaryLine(sum, strings.TrimSpace(target)))
	}
	return nil
}
