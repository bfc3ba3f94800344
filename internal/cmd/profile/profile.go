// Package profile implements `redashctl profile`: named Redash instances and
// orgs in the configuration file.
package profile

import (
	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
)

// NewCmdProfile builds the `profile` command group.
func NewCmdProfile(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile <command>",
		Short: "Manage named Redash instances and orgs",
		Long: cmdutil.LongHelp(`A profile names one Redash instance, or one org of a multi_org instance:
its URL, its org slug and where its API key comes from (an environment
variable, a file, or - discouraged - the configuration file itself).

The configuration file is $XDG_CONFIG_HOME/redashctl/config.yaml (or
~/.config/redashctl/config.yaml); --config or REDASHCTL_CONFIG choose another.`),
		Example: `  # Add a profile whose key is read from an environment variable
  redashctl profile add prod --url https://redash.example.com --api-key-env REDASH_PROD_KEY

  # Check that it connects
  redashctl profile check prod`,
	}
	cmd.AddCommand(newCmdAdd(f, nil), newCmdList(f, nil), newCmdUse(f, nil), newCmdRemove(f, nil), newCmdShow(f, nil), newCmdCheck(f, nil))
	return cmd
}

// configPath is the file the profile commands read and write.
func configPath(f *cmdutil.Factory) string {
	if f.Globals.ConfigPath != "" {
		return f.Globals.ConfigPath
	}
	return config.DefaultPath(f.Env)
}

func profileName(arg string) (string, error) {
	n, err := config.NormalizeName(arg)
	if err != nil {
		return "", cmdutil.FlagErrorWrap(err)
	}
	return n, nil
}
