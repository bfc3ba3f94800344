// Package version implements `redashctl version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/build"
	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/output"
)

// NewCmdVersion builds `redashctl version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Long:  cmdutil.LongHelp("Print the version, commit and build date of this binary. Release builds\nhave them stamped in; `go install` builds take them from the module's build\ninformation."),
		Example: `  # Print the version
  redashctl version

  # As JSON, for scripts
  redashctl version -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := output.Parse(format, output.Table, output.JSON, output.YAML)
			if err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			info := build.Get()
			switch out {
			case output.JSON:
				return output.WriteJSON(f.IOStreams.Out, info)
			case output.YAML:
				return output.WriteYAML(f.IOStreams.Out, info)
			}
			_, err = fmt.Fprintf(f.IOStreams.Out, "redashctl %s (commit %s, built %s, %s)\n", info.Version, info.Commit, info.Date, info.Go)
			return err
		},
	}
	cmdutil.AddOutputFlag(cmd, &format, output.Table, output.JSON, output.YAML)
	return cmd
}
