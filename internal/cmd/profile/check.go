package profile

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/pkg/redash"
)

// CheckOptions are the inputs of `profile check`.
type CheckOptions struct {
	IO     *iostreams.IOStreams
	Redash func() (*redash.Client, error)
	Config *config.Config
	Output string
}

// CheckResult is what `profile check -o json` prints.
type CheckResult struct {
	Profile   string `json:"profile"`
	URL       string `json:"url"`
	Org       string `json:"org"`
	Version   string `json:"version"`
	UserName  string `json:"user_name"`
	UserEmail string `json:"user_email"`
	Admin     bool   `json:"admin"`
}

func newCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "check [<name>]",
		Short: "Connect and print the server version, the user and whether the key is an admin key",
		Long: cmdutil.LongHelp(`Connect to Redash with a profile (by default the one this invocation would
use) and print the server version, the user the API key belongs to, whether
it is an admin key, and the org. Reads only GET /api/session.`),
		Example: `  # Check the current profile
  redashctl profile check

  # Check another one, as JSON
  redashctl profile check staging -o json`,
		Args: cmdutil.MaxArgs(1, "profile check takes at most one profile name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := resolve(f, args)
			if err != nil {
				return err
			}
			for _, w := range cfg.Warnings {
				fmt.Fprintln(f.IOStreams.ErrOut, "warning: "+w)
			}
			opts.Config = cfg
			opts.Redash = func() (*redash.Client, error) { return factory.NewRedashClient(cfg, f.Globals, f.IOStreams) }
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output, output.Table, output.JSON, output.YAML)
	return cmd
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	format, err := output.Parse(opts.Output, output.Table, output.JSON, output.YAML)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	client, err := opts.Redash()
	if err != nil {
		return err
	}
	sess, err := client.Session(ctx)
	if err != nil {
		return fmt.Errorf("check %s: %w", opts.Config.URL, err)
	}
	res := CheckResult{
		Profile:   opts.Config.Profile,
		URL:       opts.Config.URL,
		Org:       sess.OrgSlug,
		UserName:  sess.User.Name,
		UserEmail: sess.User.Email,
		Admin:     sess.IsAdmin(),
	}
	if v, err := client.Version(ctx); err == nil {
		res.Version = v.String()
	}
	switch format {
	case output.JSON:
		return output.WriteJSON(opts.IO.Out, res)
	case output.YAML:
		return output.WriteYAML(opts.IO.Out, res)
	}
	w := opts.IO.Out
	admin := "no"
	if res.Admin {
		admin = "yes"
	}
	fmt.Fprintf(w, "profile:  %s\n", orNone(res.Profile))
	fmt.Fprintf(w, "url:      %s\n", res.URL)
	fmt.Fprintf(w, "version:  %s\n", orNone(res.Version))
	fmt.Fprintf(w, "user:     %s <%s>\n", res.UserName, res.UserEmail)
	fmt.Fprintf(w, "admin:    %s\n", admin)
	fmt.Fprintf(w, "org:      %s\n", orNone(res.Org))
	return nil
}
