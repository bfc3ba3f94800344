package profile

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/output"
)

func newCmdShow(f *cmdutil.Factory, runF func(*config.Config) error) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show [<name>]",
		Short: "Show the settings a profile resolves to, with the key masked",
		Long: cmdutil.LongHelp(`Show the URL, org and API key source that a profile resolves to after
flags and environment variables are applied. Without a name, show the
profile this invocation would use. The key is masked: only its last four
characters are shown.`),
		Example: `  # What would commands use right now?
  redashctl profile show

  # A named profile, as JSON
  redashctl profile show prod -o json`,
		Args: cmdutil.MaxArgs(1, "profile show takes at most one profile name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := output.Parse(format, output.Table, output.JSON, output.YAML)
			if err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			cfg, err := resolve(f, args)
			if err != nil {
				return err
			}
			for _, w := range cfg.Warnings {
				fmt.Fprintln(f.IOStreams.ErrOut, "warning: "+w)
			}
			if runF != nil {
				return runF(cfg)
			}
			rec := profileRecord{Name: cfg.Profile, URL: cfg.URL, Org: cfg.Org, APIKeySource: cfg.APIKeySource, APIKey: config.MaskKey(cfg.APIKey), SheetsEndpoint: cfg.SheetsEndpoint}
			if rec.APIKeySource == "" {
				rec.APIKeySource = "none"
			}
			switch format {
			case output.JSON:
				return output.WriteJSON(f.IOStreams.Out, rec)
			case output.YAML:
				return output.WriteYAML(f.IOStreams.Out, rec)
			}
			w := f.IOStreams.Out
			fmt.Fprintf(w, "profile:         %s\n", orNone(rec.Name))
			fmt.Fprintf(w, "config file:     %s\n", cfg.Path)
			fmt.Fprintf(w, "url:             %s\n", orNone(rec.URL))
			fmt.Fprintf(w, "org:             %s\n", orNone(rec.Org))
			fmt.Fprintf(w, "api key:         %s\n", orNone(rec.APIKey))
			fmt.Fprintf(w, "api key source:  %s\n", rec.APIKeySource)
			if rec.SheetsEndpoint != "" {
				fmt.Fprintf(w, "sheets endpoint: %s\n", rec.SheetsEndpoint)
			}
			return nil
		},
	}
	cmdutil.AddOutputFlag(cmd, &format, output.Table, output.JSON, output.YAML)
	return cmd
}

// resolve loads the configuration for the named profile, or for whatever
// this invocation selects when no name is given.
func resolve(f *cmdutil.Factory, args []string) (*config.Config, error) {
	g := *f.Globals
	if len(args) == 1 {
		name, err := profileName(args[0])
		if err != nil {
			return nil, err
		}
		g.Profile = name
	}
	return config.Load(config.Overrides{ConfigPath: g.ConfigPath, Profile: g.Profile, URL: g.URL, Org: g.Org}, f.Env)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
