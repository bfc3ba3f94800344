package plan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// ImportOptions are the flags, arguments and dependencies of `plan import`.
type ImportOptions struct {
	IO  *iostreams.IOStreams
	Now func() time.Time
	// Sheets builds the Google Sheets writer (called only with --sheet).
	Sheets func(context.Context) (*sheets.Writer, error)

	Path  string
	CSV   string
	Out   string
	Force bool
	// Sheet is --sheet as given; SheetTarget is it parsed, with --tab.
	Sheet       string
	Tab         string
	SheetTarget sheets.Target
	// SheetsFlags hold --credentials, --sheets-endpoint and
	// --writes-per-minute.
	SheetsFlags cmdutil.SheetsFlags
}

// NewCmdImport builds `plan import`.
func NewCmdImport(f *cmdutil.Factory, runF func(*ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{IO: f.IOStreams, Now: f.Now}
	opts.Sheets = sheetsWriter(f, &opts.SheetsFlags)
	cmd := &cobra.Command{
		Use:   "import <plan.json> (--csv <review.csv> | --sheet <url> [--tab <name>]) [--out <file>]",
		Short: "Read reviewers' decisions from a CSV file or a Google Sheets tab into a plan",
		Long: cmdutil.LongHelp(`Read the decision column of a review sheet (written by 'redashctl plan
export' or 'redashctl audit --sheet', edited in a spreadsheet) and set each
plan item's action to it: keep or archive (or the item's own tag or untag).

The sheet is a CSV file (--csv), or a Google Sheets tab (--sheet URL, whose
#gid= picks the tab; --tab NAME names it instead; without either, the first
tab), read with view access. Both are checked the same way.

The whole sheet is checked before anything is written, and every wrong row
is named: a query that is not in the plan, a query listed twice, an unknown or
empty decision, a row whose url is another instance's, archiving a query
that carries the keep tag, or an external consumer without --force. Every
plan item needs its row. Rows count like a spreadsheet's: the header is
row 1. Missing or refused Google credentials, and a spreadsheet not shared,
exit 4.

The plan is rewritten in place unless --out names another file; it records
the proposed action next to each decision.`),
		Example: `  # Take the reviewed sheet back into the plan
  redashctl plan import plan.json --csv review.csv

  # Keep the original plan, write the reviewed one beside it
  redashctl plan import plan.json --csv review.csv --out reviewed.json

  # Read the decisions from the tab 'redashctl audit --sheet' wrote
  redashctl plan import plan.json --sheet https://docs.google.com/spreadsheets/d/1AbC/edit --tab review`,
		Args: cmdutil.ExactArgs(1, "give the plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			var err error
			if opts.SheetTarget, err = sheetFlags(cmd, opts.Sheet, opts.Tab, &opts.SheetsFlags); err != nil {
				return err
			}
			if !cmd.Flags().Changed("sheet") && strings.TrimSpace(opts.CSV) == "" {
				return cmdutil.FlagErrorf("give --csv <review.csv> or --sheet <url>")
			}
			if opts.Out == "" {
				opts.Out = opts.Path
			}
			if runF != nil {
				return runF(opts)
			}
			return importRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.CSV, "csv", "", "The reviewed CSV sheet (- for standard input)")
	cmd.Flags().StringVar(&opts.Out, "out", "", "Write the reviewed plan here instead of over the plan file")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "Allow decisions to archive external consumers")
	cmd.Flags().StringVar(&opts.Sheet, "sheet", "", "The reviewed spreadsheet: URL (its #gid= picks the tab) or id")
	cmd.Flags().StringVar(&opts.Tab, "tab", "", "Tab of --sheet to read (wins over the URL's #gid=)")
	opts.SheetsFlags.AddFlags(cmd)
	cmd.MarkFlagsMutuallyExclusive("csv", "sheet")
	return cmd
}

func importRun(ctx context.Context, opts *ImportOptions) error {
	p, err := readPlan(opts.Path)
	if err != nil {
		return err
	}
	var (
		reviewed *plan.Plan
		res      *plan.ImportResult
		name     string
	)
	importOpts := plan.ImportOptions{Now: opts.Now(), Force: opts.Force}
	if opts.Sheet != "" {
		rows, rerr := readSheet(ctx, opts)
		if rerr != nil {
			return rerr
		}
		name = opts.SheetTarget.String()
		importOpts.File = name
		reviewed, res, err = plan.ImportRows(p, rows, importOpts)
	} else {
		in := opts.IO.In
		name = "standard input"
		if opts.CSV != "-" {
			fh, err := os.Open(opts.CSV)
			if err != nil {
				return fmt.Errorf("read review sheet: %w", err)
			}
			defer fh.Close()
			in, name = fh, filepath.Base(opts.CSV)
		}
		importOpts.File = name
		reviewed, res, err = plan.Import(p, in, importOpts)
	}
	var ie *plan.ImportError
	if errors.As(err, &ie) {
		if len(ie.Problems) == 1 {
			return fmt.Errorf("%s: %s; nothing imported", name, ie.Problems[0].Error())
		}
		for _, pr := range ie.Problems {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %s\n", name, pr.Error())
		}
		return fmt.Errorf("%s: %d problems, nothing imported", name, len(ie.Problems))
	}
	if err != nil {
		return err
	}
	if err := cmdutil.WriteFileAtomic(opts.Out, 0o644, reviewed.Write); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	counts := reviewed.Counts()
	fmt.Fprintf(opts.IO.ErrOut, "Imported %d decisions into %s: %d changed (%d to keep, %d to archive); the plan now archives %d and keeps %d\n",
		res.Rows, opts.Out, res.Changed, res.ToKeep, res.ToArchive, counts[plan.Archive], counts[plan.Keep])
	return nil
}

// readSheet reads the review tab's values.
func readSheet(ctx context.Context, opts *ImportOptions) ([][]string, error) {
	w, err := opts.Sheets(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := w.ReadValues(ctx, opts.SheetTarget)
	if err != nil {
		// ReadValues's errors name the spreadsheet and tab already.
		return nil, cmdutil.SheetsError(err)
	}
	return rows, nil
}
