// Package query implements `redashctl query`: the inventory of saved queries.
package query

import (
	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
)

// NewCmdQuery builds the `query` command group.
func NewCmdQuery(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "query <command>",
		Short: "Inventory of saved queries",
		Long:  cmdutil.LongHelp("Work with Redash's saved queries."),
		Example: `  # Every scheduled query, as CSV
  redashctl query list --scheduled -o csv`,
	}
	cmd.AddCommand(NewCmdList(f, nil))
	return cmd
}
