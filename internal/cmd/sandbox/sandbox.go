// Package sandbox implements `redashctl sandbox`: the embedded fake Redash.
package sandbox

import (
	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
)

// NewCmdSandbox builds the `sandbox` command group.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox <command>",
		Short: "Run an embedded, Redash-compatible fake server to try redashctl on",
		Long: cmdutil.LongHelp(`The sandbox is an in-process fake Redash that speaks the Redash REST API of
several releases (4.0.2, 5.0.2, 8.0.0, 10.1.0, 26.3.0), seeded with realistic
data: thousands of queries with drafts, schedules of every shape, stale and
never-run queries, archived ones, dashboards, alerts, users and an events
log. Nothing it holds is real, and nothing is kept when it stops.`),
		Example: `  # Serve a Redash 8 sandbox with 2,000 queries
  redashctl sandbox serve --redash-version 8.0.0 --queries 2000`,
	}
	cmd.AddCommand(newCmdServe(f, nil))
	return cmd
}
