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
)

// ImportOptions are the flags, arguments and dependencies of `plan import`.
type ImportOptions struct {
	IO  *iostreams.IOStreams
	Now func() time.Time

	Path  string
	CSV   string
	Out   string
	Force bool
}

// NewCmdImport builds `plan import`.
func NewCmdImport(f *cmdutil.Factory, runF func(*ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{IO: f.IOStreams, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "import <plan.json> --csv <review.csv> [--out <file>]",
		Short: "Read reviewers' decisions from a CSV sheet into a plan",
		Long: cmdutil.LongHelp(`Read the decision column of a review sheet (written by 'redashctl plan
export', edited in a spreadsheet) and set each plan item's action to it:
keep or archive (or the item's own tag or untag).

The whole file is checked before anything is written, and every wrong row is
named: a query that is not in the plan, a query listed twice, an unknown or
empty decision, a row whose url is another instance's, archiving a query
that carries the keep tag, or an external consumer without --force. Every
plan item needs its row. Rows count like a spreadsheet's: the header is
row 1.

The plan is rewritten in place unless --out names another file; it records
the proposed action next to each decision.`),
		Example: `  # Take the reviewed sheet back into the plan
  redashctl plan import plan.json --csv review.csv

  # Keep the original plan, write the reviewed one beside it
  redashctl plan import plan.json --csv review.csv --out reviewed.json`,
		Args: cmdutil.ExactArgs(1, "give the plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			// TODO(issue 3): --sheet <url> reads the decisions from Google Sheets once pkg/sheets exists.
			if strings.TrimSpace(opts.CSV) == "" {
				return cmdutil.FlagErrorf("give --csv <review.csv>")
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
	return cmd
}

func importRun(_ context.Context, opts *ImportOptions) error {
	p, err := readPlan(opts.Path)
	if err != nil {
		return err
	}
	in := opts.IO.In
	name := "standard input"
	if opts.CSV != "-" {
		fh, err := os.Open(opts.CSV)
		if err != nil {
			return fmt.Errorf("read review sheet: %w", err)
		}
		defer fh.Close()
		in, name = fh, filepath.Base(opts.CSV)
	}
	reviewed, res, err := plan.Import(p, in, plan.ImportOptions{File: name, Now: opts.Now(), Force: opts.Force})
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
