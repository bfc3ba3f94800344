package plan

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
)

// ExportOptions are the flags, arguments and dependencies of `plan export`.
type ExportOptions struct {
	IO *iostreams.IOStreams

	Path string
	CSV  string
}

// NewCmdExport builds `plan export`.
func NewCmdExport(f *cmdutil.Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "export <plan.json> --csv <file>",
		Short: "Write a plan as a CSV review sheet with a decision column",
		Long: cmdutil.LongHelp(`Write a plan as CSV for reviewers: one row per query, with its reasons,
owner, schedule, last run, dashboards, alerts, tags and a link to it, and a
decision column filled in with the planned action (archive or keep).
Reviewers change the decisions they disagree with; 'redashctl plan import'
reads them back. Keep the query_id and decision columns; the others may be
reordered, hidden or deleted.

--csv - writes to standard output.`),
		Example: `  # A sheet for the teams to review
  redashctl plan export plan.json --csv review.csv`,
		Args: cmdutil.ExactArgs(1, "give the plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			// TODO(issue 3): --sheet <url> writes the review sheet to Google Sheets once pkg/sheets exists.
			if strings.TrimSpace(opts.CSV) == "" {
				return cmdutil.FlagErrorf("give --csv <file> (or --csv - for standard output)")
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.CSV, "csv", "", "Write the review sheet to this CSV file (- for standard output)")
	return cmd
}

func exportRun(_ context.Context, opts *ExportOptions) error {
	p, err := readPlan(opts.Path)
	if err != nil {
		return err
	}
	if opts.CSV == "-" {
		return p.WriteCSV(opts.IO.Out)
	}
	if err := cmdutil.WriteFileAtomic(opts.CSV, 0o644, p.WriteCSV); err != nil {
		return fmt.Errorf("write %s: %w", opts.CSV, err)
	}
	counts := p.Counts()
	fmt.Fprintf(opts.IO.ErrOut, "Wrote %s: %d rows (%d to archive, %d to keep)\n", opts.CSV, len(p.Items), counts["archive"], counts["keep"])
	return nil
}
