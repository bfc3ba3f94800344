// Package upgrade implements `redashctl upgrade`: what changes between two
// Redash releases (diff), whether deployment files are ready for a release
// (lint), and what a live instance should look at before it moves (check).
package upgrade

import (
	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
)

// NewCmdUpgrade builds the `upgrade` command group.
func NewCmdUpgrade(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upgrade <command>",
		Short: "Prepare a Redash upgrade: release differences, config lint, live checks",
		Long: cmdutil.LongHelp(`Prepare and verify a move between Redash releases (v4.0.0 to v26.3.0).

The facts come from a catalog built into redashctl from the Redash source of
every release: the settings each release reads, its job queues and which
service must consume them, its docker-entrypoint commands and reference
docker-compose layout, its query runners, database migrations, and the known
upgrade pitfalls with their Redash issue numbers. Nothing is downloaded.

  diff    what changes between two releases, with the actions in order
  lint    check env and docker-compose files against a target release
  check   what a live instance (the current profile) should look at first`),
		Example: `  # What changes from 8.0.0 to 10.1.0, as Markdown for a migration ticket
  redashctl upgrade diff --from 8.0.0 --to 10.1.0 -o markdown

  # Is this compose file ready for 10.1.0?
  redashctl upgrade lint --target 10.1.0 --compose docker-compose.yml

  # What the current instance should look at before moving to 10.1.0
  redashctl upgrade check --target 10.1.0`,
	}
	cmd.AddCommand(NewCmdDiff(f, nil), NewCmdLint(f, nil), NewCmdCheck(f, nil))
	return cmd
}
