// Package plan implements `redashctl plan`: show a plan file, and round-trip
// it through a spreadsheet for review (export and import as CSV).
package plan

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// NewCmdPlan builds the `plan` command group.
func NewCmdPlan(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plan <command>",
		Short: "Review plan files: show, export to CSV or Google Sheets, import decisions",
		Long: cmdutil.LongHelp(`Work with plan files (format redashctl-plan/v1): the reviewable list of
changes that 'redashctl audit --out plan.json' proposes and that the
changing commands apply. See docs/audit.md.

These commands never talk to Redash: they read and write local files, and,
with --sheet, a Google Sheets tab.`),
		Example: `  # Summarise a plan
  redashctl plan show plan.json

  # Review it in a spreadsheet, then read the decisions back
  redashctl plan export plan.json --csv review.csv
  redashctl plan import plan.json --csv review.csv

  # The same through a Google Sheets tab
  redashctl plan export plan.json --sheet https://docs.google.com/spreadsheets/d/1AbC/edit --tab review
  redashctl plan import plan.json --sheet https://docs.google.com/spreadsheets/d/1AbC/edit --tab review`,
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

// sheetsWriter returns the builder of the Google Sheets writer for the
// flags sf, from the run's configuration.
func sheetsWriter(f *cmdutil.Factory, sf *cmdutil.SheetsFlags) func(context.Context) (*sheets.Writer, error) {
	return func(ctx context.Context) (*sheets.Writer, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return sf.NewWriter(ctx, cfg, f.Globals)
	}
}

// sheetFlags checks --sheet, --tab and the Sheets flags, and returns the
// target (the zero Target without --sheet).
func sheetFlags(cmd *cobra.Command, sheet, tab string, sf *cmdutil.SheetsFlags) (sheets.Target, error) {
	fl := cmd.Flags()
	if !fl.Changed("sheet") {
		if fl.Changed("tab") {
			return sheets.Target{}, cmdutil.FlagErrorf("--tab needs --sheet <url>")
		}
		return sheets.Target{}, nil
	}
	t, err := cmdutil.SheetTarget(sheet, tab, fl.Changed("tab"))
	if err != nil {
		return t, err
	}
	return t, sf.Check()
}

// tabURL is the address of the tab a Write wrote.
func tabURL(res *sheets.Result) string {
	id := res.SheetID
	return sheets.Target{SpreadsheetID: res.SpreadsheetID, SheetID: &id}.URL()
}
