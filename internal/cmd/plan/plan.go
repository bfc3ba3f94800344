// Package plan implements `redashctl plan`: show a plan file, and round-trip
// it through a spreadsheet for review (export and import as CSV).
package plan

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/pkg/plan"
)

// NewCmdPlan builds the `plan` command group.
func NewCmdPlan(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan <command>",
		Short: "Review plan files: show, export to CSV, import decisions",
		Long: cmdutil.LongHelp(`Work with plan files (format redashctl-plan/v1): the reviewable list of
changes that 'redashctl audit --out plan.json' proposes and that the
changing commands apply. See docs/audit.md.

These commands read and write local files only; they never talk to Redash.`),
		Example: `  # Summarise a plan
  redashctl plan show plan.json

  # Review it in a spreadsheet, then read the decisions back
  redashctl plan export plan.json --csv review.csv
  redashctl plan import plan.json --csv review.csv`,
	}
	cmd.AddCommand(NewCmdShow(f, nil))
	cmd.AddCommand(NewCmdExport(f, nil))
	cmd.AddCommand(NewCmdImport(f, nil))
	return cmd
}

// readPlan reads and validates a plan file.
func readPlan(path string) (*plan.Plan, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	defer fh.Close()
	p, err := plan.Read(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
