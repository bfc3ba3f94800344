package plan

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// ExportOptions are the flags, arguments and dependencies of `plan export`.
type ExportOptions struct {
	IO *iostreams.IOStreams
	// Sheets builds the Google Sheets writer (called only with --sheet).
	Sheets func(context.Context) (*sheets.Writer, error)

	Path string
	CSV  string
	// Sheet is --sheet as given; SheetTarget is it parsed, with --tab.
	Sheet       string
	Tab         string
	SheetTarget sheets.Target
	// SheetsFlags hold --credentials, --sheets-endpoint and
	// --writes-per-minute.
	SheetsFlags cmdutil.SheetsFlags
}

// NewCmdExport builds `plan export`.
func NewCmdExport(f *cmdutil.Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IOStreams}
	opts.Sheets = sheetsWriter(f, &opts.SheetsFlags)
	cmd := &cobra.Command{
		Use:   "export <plan.json> (--csv <file> | --sheet <url> [--tab <name>])",
		Short: "Write a plan as a review sheet (CSV or Google Sheets) with a decision column",
		Long: cmdutil.LongHelp(`Write a plan as CSV for reviewers: one row per query, with its reasons,
owner, schedule, last run, dashboards, alerts, tags and a link to it, and a
decision column filled in with the planned action (archive or keep).
Reviewers change the decisions they disagree with; 'redashctl plan import'
reads them back. Keep the query_id and decision columns; the others may be
reordered, hidden or deleted.

--csv - writes to standard output.

--sheet URL writes the same columns into a Google Sheets tab instead: the
URL's #gid= picks the tab, --tab NAME names it (created when missing), and
without either the first tab is used. The tab is replaced in one atomic
step; query ids are numbers and times real date-times there. The
spreadsheet must be shared, as editor, with the service account
(--credentials, see docs/audit.md); missing or refused Google credentials,
and a spreadsheet not shared, exit 4.`),
		Example: `  # A sheet for the teams to review
  redashctl plan export plan.json --csv review.csv

  # The same in a Google Sheets tab
  redashctl plan export plan.json --sheet https://docs.google.com/spreadsheets/d/1AbC/edit --tab review`,
		Args: cmdutil.ExactArgs(1, "give the plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			var err error
			if opts.SheetTarget, err = sheetFlags(cmd, opts.Sheet, opts.Tab, &opts.SheetsFlags); err != nil {
				return err
			}
			if !cmd.Flags().Changed("sheet") && strings.TrimSpace(opts.CSV) == "" {
				return cmdutil.FlagErrorf("give --csv <file> (or --csv - for standard output), or --sheet <url>")
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.CSV, "csv", "", "Write the review sheet to this CSV file (- for standard output)")
	cmd.Flags().StringVar(&opts.Sheet, "sheet", "", "Write the review sheet to this spreadsheet: URL (its #gid= picks the tab) or id")
	cmd.Flags().StringVar(&opts.Tab, "tab", "", "Tab of --sheet to write, created when missing (wins over the URL's #gid=)")
	opts.SheetsFlags.AddFlags(cmd)
	cmd.MarkFlagsMutuallyExclusive("csv", "sheet")
	return cmd
}

func exportRun(ctx context.Context, opts *ExportOptions) error {
	p, err := readPlan(opts.Path)
	if err != nil {
		return err
	}
	counts := p.Counts()
	if opts.Sheet != "" {
		w, err := opts.Sheets(ctx)
		if err != nil {
			return err
		}
		res, err := cmdutil.WriteReviewSheet(ctx, w, opts.SheetTarget, p)
		if err != nil {
			return cmdutil.SheetsError(err)
		}
		fmt.Fprintf(opts.IO.ErrOut, "Wrote %d rows (%d to archive, %d to keep) to %s tab %q\n",
			res.Rows, counts[plan.Archive], counts[plan.Keep], tabURL(res), res.Tab)
		return nil
	}
	if opts.CSV == "-" {
		return p.WriteCSV(opts.IO.Out)
	}
	if err := cmdutil.WriteFileAtomic(opts.CSV, 0o644, p.WriteCSV); err != nil {
		return fmt.Errorf("write %s: %w", opts.CSV, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Wrote %s: %d rows (%d to archive, %d to keep)\n", opts.CSV, len(p.Items), counts[plan.Archive], counts[plan.Keep])
	return nil
}
