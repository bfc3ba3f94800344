package profile

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
)

// ListOptions are the inputs of `profile list`.
type ListOptions struct {
	IO         *iostreams.IOStreams
	ConfigPath string
	Output     string
}

// profileRecord is one profile in `profile list` and `profile show` output.
type profileRecord struct {
	Name           string `json:"name"`
	Current        bool   `json:"current"`
	URL            string `json:"url"`
	Org            string `json:"org"`
	APIKeySource   string `json:"api_key_source"`
	APIKey         string `json:"api_key,omitempty"`
	SheetsEndpoint string `json:"sheets_endpoint,omitempty"`
}

func newCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the profiles",
		Long:  cmdutil.LongHelp("List the profiles of the configuration file. Keys are never shown; the\nAPI_KEY column says where each profile's key comes from."),
		Example: `  # List profiles; the current one is marked with *
  redashctl profile list`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ConfigPath = configPath(f)
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func keySource(p config.Profile) string {
	switch {
	case p.APIKeyEnv != "":
		return "env:" + p.APIKeyEnv
	case p.APIKeyFile != "":
		return "file:" + p.APIKeyFile
	case p.APIKey != "":
		return "config"
	}
	return "none"
}

func listRun(opts *ListOptions) error {
	format, err := output.Parse(opts.Output)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	file, err := config.ReadFile(opts.ConfigPath)
	if err != nil {
		return err
	}
	current := file.Current()
	records := make([]profileRecord, 0, len(file.Profiles))
	for _, name := range file.Names() {
		p := file.Profiles[name]
		records = append(records, profileRecord{Name: name, Current: name == current, URL: p.URL, Org: p.Org, APIKeySource: keySource(p), SheetsEndpoint: p.SheetsEndpoint})
	}
	if len(records) == 0 && !format.Machine() {
		fmt.Fprintln(opts.IO.ErrOut, "no profiles in "+opts.ConfigPath+"; add one with `redashctl profile add NAME --url URL`")
		return nil
	}
	switch format {
	case output.JSON:
		return output.WriteJSON(opts.IO.Out, records)
	case output.YAML:
		return output.WriteYAML(opts.IO.Out, records)
	}
	header := []string{"name", "current", "url", "org", "api_key_source"}
	rows := make([][]string, len(records))
	for i, r := range records {
		cur := ""
		if r.Current {
			cur = "*"
		}
		if format == output.CSV {
			cur = boolString(r.Current)
		}
		rows[i] = []string{r.Name, cur, r.URL, r.Org, r.APIKeySource}
	}
	if format == output.CSV {
		return output.WriteCSV(opts.IO.Out, header, rows)
	}
	return output.WriteTable(opts.IO.Out, []string{"NAME", "CURRENT", "URL", "ORG", "API_KEY"}, rows, output.TableOptions{Width: opts.IO.TerminalWidth()})
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
