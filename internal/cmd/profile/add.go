package profile

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
)

// AddOptions are the inputs of `profile add`.
type AddOptions struct {
	IO         *iostreams.IOStreams
	ConfigPath string

	Name           string
	URL            string
	Org            string
	APIKeyEnv      string
	APIKeyFile     string
	APIKeyStdin    bool
	SheetsEndpoint string
	Use            bool
	Force          bool
}

func newCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "add <name> --url <url> [--org <slug>] [--api-key-env <var> | --api-key-file <file> | --api-key-stdin]",
		Short: "Add or replace a profile",
		Long: cmdutil.LongHelp(`Add a profile to the configuration file (created with mode 0600).

The API key is never given on the command line. Prefer --api-key-env (the
name of an environment variable that holds it) or --api-key-file. With
--api-key-stdin the key is read from standard input and stored in the
configuration file itself, which is discouraged.`),
		Example: `  # Key from an environment variable
  redashctl profile add prod --url https://redash.example.com --api-key-env REDASH_PROD_KEY

  # One org of a multi_org Redash, key from a file, and make it current
  redashctl profile add acme --url https://redash.example.com --org acme --api-key-file ~/.redash/acme.key --use

  # Store the key in the config file (discouraged)
  pass show redash/prod | redashctl profile add prod --url https://redash.example.com --api-key-stdin`,
		Args: cmdutil.ExactArgs(1, "profile add needs a profile name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, err := profileName(args[0])
			if err != nil {
				return err
			}
			opts.Name = name
			opts.ConfigPath = configPath(f)
			if err := config.ValidateURL(opts.URL); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			n := 0
			for _, set := range []bool{opts.APIKeyEnv != "", opts.APIKeyFile != "", opts.APIKeyStdin} {
				if set {
					n++
				}
			}
			if n > 1 {
				return cmdutil.FlagErrorf("--api-key-env, --api-key-file and --api-key-stdin are mutually exclusive")
			}
			if runF != nil {
				return runF(opts)
			}
			return addRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.URL, "url", "", "Redash URL, e.g. https://redash.example.com")
	cmd.Flags().StringVar(&opts.Org, "org", "", "Org slug of a multi_org Redash")
	cmd.Flags().StringVar(&opts.APIKeyEnv, "api-key-env", "", "Name of the environment variable that holds the API key")
	cmd.Flags().StringVar(&opts.APIKeyFile, "api-key-file", "", "File that holds the API key")
	cmd.Flags().BoolVar(&opts.APIKeyStdin, "api-key-stdin", false, "Read the API key from standard input and store it in the config file (discouraged)")
	cmd.Flags().StringVar(&opts.SheetsEndpoint, "sheets-endpoint", "", "Send Google Sheets calls to this endpoint instead (a fake or a proxy)")
	cmd.Flags().BoolVar(&opts.Use, "use", false, "Make it the current profile")
	cmd.Flags().BoolVar(&opts.Force, "force", false, "Replace an existing profile of that name")
	return cmd
}

func addRun(opts *AddOptions) error {
	file, err := config.ReadFile(opts.ConfigPath)
	if err != nil {
		return err
	}
	if _, exists := file.Profiles[opts.Name]; exists && !opts.Force {
		return cmdutil.FlagErrorf("profile %q exists already: pass --force to replace it", opts.Name)
	}
	p := config.Profile{
		URL:            strings.TrimRight(opts.URL, "/"),
		Org:            opts.Org,
		APIKeyEnv:      opts.APIKeyEnv,
		APIKeyFile:     opts.APIKeyFile,
		SheetsEndpoint: opts.SheetsEndpoint,
	}
	if opts.APIKeyStdin {
		key, err := readKey(opts.IO.In)
		if err != nil {
			return err
		}
		p.APIKey = key
	}
	first := file.CurrentProfile == "" && len(file.Profiles) == 0
	file.Profiles[opts.Name] = p
	if opts.Use || first {
		file.CurrentProfile = opts.Name
	}
	if err := config.WriteFile(opts.ConfigPath, file); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "Saved profile %q in %s\n", opts.Name, opts.ConfigPath)
	if p.APIKey != "" {
		fmt.Fprintln(opts.IO.ErrOut, "warning: the API key is stored in the config file; --api-key-env or --api-key-file keep it out of it")
	}
	if p.APIKeyEnv == "" && p.APIKeyFile == "" && p.APIKey == "" {
		fmt.Fprintln(opts.IO.ErrOut, "note: the profile has no API key; set REDASHCTL_API_KEY, or add --api-key-env or --api-key-file with --force")
	}
	return nil
}

func readKey(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read API key from stdin: %w", err)
	}
	key := strings.TrimSpace(line)
	if key == "" {
		return "", cmdutil.FlagErrorf("--api-key-stdin: standard input held no key")
	}
	return key, nil
}
