// Package root builds the redashctl command tree and turns errors into exit
// codes; Main is the only place where that happens.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/build"
	archivecmd "github.com/redashctl/redashctl/internal/cmd/archive"
	auditcmd "github.com/redashctl/redashctl/internal/cmd/audit"
	"github.com/redashctl/redashctl/internal/cmd/demo"
	exportcmd "github.com/redashctl/redashctl/internal/cmd/export"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	plancmd "github.com/redashctl/redashctl/internal/cmd/plan"
	"github.com/redashctl/redashctl/internal/cmd/profile"
	"github.com/redashctl/redashctl/internal/cmd/query"
	restorecmd "github.com/redashctl/redashctl/internal/cmd/restore"
	"github.com/redashctl/redashctl/internal/cmd/sandbox"
	"github.com/redashctl/redashctl/internal/cmd/status"
	tagcmd "github.com/redashctl/redashctl/internal/cmd/tag"
	"github.com/redashctl/redashctl/internal/cmd/upgrade"
	versioncmd "github.com/redashctl/redashctl/internal/cmd/version"
	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/redash"
)

// NewCmdRoot builds the command tree on a factory.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	g := f.Globals
	cmd := &cobra.Command{
		Use:   "redashctl <command> <subcommand> [flags]",
		Short: "Operate Redash instances from outside: inventory, audit, cleanup, exports, upgrades",
		Long: cmdutil.LongHelp(`redashctl talks to the Redash REST API (never to Redash's database) to do
the jobs Redash leaves to ad-hoc scripts: list and audit saved queries, tag
and archive them in bulk with backups, export results to Google Sheets from
cron, and check readiness for an upgrade.

Try it with no Redash at hand:
  redashctl demo

Configure a real instance:
  redashctl profile add prod --url https://redash.example.com --api-key-env REDASH_PROD_KEY`),
		Version:       build.Get().Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Example: `  # Try redashctl against the embedded sandbox
  redashctl demo

  # List scheduled queries of the current profile as JSON
  redashctl query list --scheduled -o json`,
	}
	cmd.SetVersionTemplate("redashctl {{.Version}}\n")
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return cmdutil.FlagErrorWrap(err)
	})
	pf := cmd.PersistentFlags()
	pf.StringVar(&g.ConfigPath, "config", "", "Configuration file (default $XDG_CONFIG_HOME/redashctl/config.yaml)")
	pf.StringVarP(&g.Profile, "profile", "p", "", "Profile to use (env REDASHCTL_PROFILE)")
	pf.StringVar(&g.URL, "url", "", "Redash URL, overriding the profile (env REDASHCTL_URL)")
	pf.StringVar(&g.Org, "org", "", "Organization slug of a multi_org Redash (env REDASHCTL_ORG)")
	pf.IntVar(&g.Concurrency, "concurrency", 4, "Requests in flight at once")
	pf.Float64Var(&g.Rate, "rate", 0, "Maximum requests per second to Redash (0: no limit)")
	pf.DurationVar(&g.Timeout, "timeout", factory.DefaultTimeout, "Timeout of one HTTP request")
	pf.BoolVar(&g.Debug, "debug", false, "Log each HTTP request to stderr (API keys redacted)")
	pf.BoolVarP(&g.Quiet, "quiet", "q", false, "No progress output")
	cmd.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		if g.Concurrency < 1 || g.Concurrency > 64 {
			return cmdutil.FlagErrorf("--concurrency must be between 1 and 64, got %d", g.Concurrency)
		}
		if g.Rate < 0 {
			return cmdutil.FlagErrorf("--rate must not be negative, got %g", g.Rate)
		}
		if g.Timeout <= 0 {
			return cmdutil.FlagErrorf("--timeout must be positive, got %s", g.Timeout)
		}
		f.IOStreams.SetQuiet(g.Quiet)
		return nil
	}

	cmd.AddGroup(&cobra.Group{ID: "core", Title: "Commands:"})
	for _, c := range []*cobra.Command{
		query.NewCmdQuery(f),
		auditcmd.NewCmdAudit(f, nil),
		plancmd.NewCmdPlan(f),
		profile.NewCmdProfile(f),
		status.NewCmdStatus(f, nil),
		upgrade.NewCmdUpgrade(f),
		sandbox.NewCmdSandbox(f),
		archivecmd.NewCmdArchive(f, nil),
		restorecmd.NewCmdRestore(f, nil),
		tagcmd.NewCmdTag(f),
		exportcmd.NewCmdExport(f),
		demo.NewCmdDemo(f, func(ctx context.Context, args []string, ios *iostreams.IOStreams, env config.Env) int {
			return RunContext(ctx, args, ios, env)
		}),
		versioncmd.NewCmdVersion(f),
	} {
		c.GroupID = "core"
		cmd.AddCommand(c)
	}
	cmd.SetCompletionCommandGroupID("core")
	cmd.SetHelpCommandGroupID("core")
	return cmd
}

// Main runs redashctl with the process's arguments and streams and returns
// the exit code.
func Main() int {
	return Run(os.Args[1:], iostreams.System(), os.LookupEnv)
}

// Run runs redashctl with the given arguments, streams and environment, and
// returns the exit code. Tests call it directly.
func Run(args []string, ios *iostreams.IOStreams, env config.Env) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return RunContext(ctx, args, ios, env)
}

// RunContext is Run with a caller's context.
func RunContext(ctx context.Context, args []string, ios *iostreams.IOStreams, env config.Env) int {
	return RunWithClock(ctx, args, ios, env, nil)
}

// RunWithClock is RunContext with an injected clock (tests); nil means time.Now.
func RunWithClock(ctx context.Context, args []string, ios *iostreams.IOStreams, env config.Env, now func() time.Time) int {
	f := factory.New(ios, env)
	if now != nil {
		f.Now = now
	}
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	cmd.SetIn(ios.In)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	executed, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	return handleError(ctx, ios, executed, err)
}

func handleError(ctx context.Context, ios *iostreams.IOStreams, cmd *cobra.Command, err error) int {
	var exitErr *cmdutil.ExitError
	var flagErr *cmdutil.FlagError
	var authErr *cmdutil.AuthError
	switch {
	case errors.Is(err, cmdutil.ErrSilent):
		return cmdutil.ExitFailure
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, cmdutil.ErrCancel)):
		fmt.Fprintln(ios.ErrOut, "interrupted")
		return cmdutil.ExitInterrupted
	case errors.As(err, &exitErr):
		if exitErr.Err != nil && !errors.Is(exitErr.Err, cmdutil.ErrSilent) {
			printError(ios, exitErr.Err)
		}
		return exitErr.Code
	case errors.As(err, &flagErr) || isCobraUsageError(err):
		printError(ios, err)
		if cmd != nil {
			fmt.Fprintf(ios.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
		return cmdutil.ExitUsage
	case errors.As(err, &authErr) || errors.Is(err, redash.ErrUnauthorized):
		printError(ios, err)
		return cmdutil.ExitAuth
	case errors.Is(err, cmdutil.ErrCancel):
		printError(ios, err)
		return cmdutil.ExitFailure
	default:
		printError(ios, err)
		return cmdutil.ExitFailure
	}
}

// printError prints an error as one line.
func printError(ios *iostreams.IOStreams, err error) {
	msg := strings.Join(strings.Fields(err.Error()), " ")
	fmt.Fprintln(ios.ErrOut, "error: "+msg)
}

// isCobraUsageError recognises the errors cobra returns for unknown commands
// and arguments, which it does not type.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag", "if any flags in the group"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
