// Package export implements `redashctl export`: query results out of Redash,
// through the result pipeline of pkg/results.
package export

import (
	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
)

// NewCmdExport builds the `export` command group.
func NewCmdExport(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export <command>",
		Short: "Export query results",
		Long: cmdutil.LongHelp(`Export the results of saved queries: the cached result or a fresh run,
with parameters checked against the query's definitions, streamed so that
large results never sit in memory, and written so that a reader never sees a
half-written export.

Set REDASHCTL_EXPORT_DISABLED=1 on a copy of production (a staging Redash
restored from a backup) to turn every export into a no-op that says so.
See docs/export.md.`),
		Example: `  # The cached result of query 42 as CSV
  redashctl export file --query 42 --to sales.csv`,
	}
	cmd.AddCommand(NewCmdFile(f, nil), NewCmdSheet(f, nil), NewCmdRun(f, nil), NewCmdValidate(f, nil))
	return cmd
}
