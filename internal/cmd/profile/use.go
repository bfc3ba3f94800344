package profile

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
)

func newCmdUse(f *cmdutil.Factory, runF func(path, name string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "use <name>",
		Short: "Make a profile the current one",
		Long:  cmdutil.LongHelp("Make a profile the current one: commands use it when neither --profile nor\nREDASHCTL_PROFILE names another."),
		Example: `  # Work on staging from now on
  redashctl profile use staging`,
		Args: cmdutil.ExactArgs(1, "profile use needs a profile name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := profileName(args[0])
			if err != nil {
				return err
			}
			path := configPath(f)
			if runF != nil {
				return runF(path, name)
			}
			file, err := config.ReadFile(path)
			if err != nil {
				return err
			}
			if _, ok := file.Profiles[name]; !ok {
				_, err := config.Load(config.Overrides{ConfigPath: path, Profile: name}, func(string) (string, bool) { return "", false })
				return err
			}
			file.CurrentProfile = name
			if err := config.WriteFile(path, file); err != nil {
				return err
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "Current profile is now %q\n", name)
			return nil
		},
	}
}
