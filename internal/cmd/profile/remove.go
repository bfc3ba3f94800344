package profile

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
)

func newCmdRemove(f *cmdutil.Factory, runF func(path, name string) error) *cobra.Command {
	return &cobra.Command{
		Use:     "remove <name>",
		Aliases: []string{"rm"},
		Short:   "Remove a profile",
		Long:    cmdutil.LongHelp("Remove a profile from the configuration file. A key file or environment\nvariable it named is left alone."),
		Example: `  # Forget the old staging instance
  redashctl profile remove staging`,
		Args: cmdutil.ExactArgs(1, "profile remove needs a profile name"),
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
			delete(file.Profiles, name)
			if file.CurrentProfile == name {
				file.CurrentProfile = ""
			}
			if err := config.WriteFile(path, file); err != nil {
				return err
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "Removed profile %q\n", name)
			return nil
		},
	}
}
