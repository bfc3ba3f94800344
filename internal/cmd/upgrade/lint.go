package upgrade

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/deployfile"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	upg "github.com/redashctl/redashctl/pkg/upgrade"
)

// LintOptions are the flags of `upgrade lint`.
type LintOptions struct {
	IO *iostreams.IOStreams

	Target       string
	EnvFiles     []string
	ComposeFiles []string
	Output       string
}

// NewCmdLint builds `upgrade lint`.
func NewCmdLint(f *cmdutil.Factory, runF func(*LintOptions) error) *cobra.Command {
	opts := &LintOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "lint --target <version> (--compose <file> | --env-file <file>)... [flags]",
		Short: "Check docker-compose and env files against a Redash release",
		Long: cmdutil.LongHelp(`Check the files a Redash installation is deployed with against a target
release, before (or after) moving to it. It reports, per service:

  - queues no worker consumes, with the symptom ("no worker consumes
    periodic: scheduled queries will not run")
  - queues in QUEUES that the target no longer has, or never had
  - Celery-only settings left behind on an RQ release
  - REDASH_* names no release reads, with a "did you mean"
  - settings the target requires that are not set (REDASH_COOKIE_SECRET in
    10.1.0), values that do not parse for their setting
  - commands the target's entrypoint does not know, images of another release

--compose files are read as "docker compose -f a.yml -f b.yml" reads them,
with the library Docker Compose itself uses: env_file entries, environment
as a list or a map, YAML anchors, x- extension fields and << merges, several
Redash apps on one host. With --compose, --env-file plays the part of
"docker compose --env-file": it feeds ${VAR} interpolation (without it, a
.env beside the first compose file is used). Without --compose, the
--env-file files are linted on their own as the environment of every Redash
service (later files override earlier ones).

Nothing is sent anywhere. A file that cannot be read or parsed is an error
naming the file and the line. The json, csv and yaml output is a documented
contract: see docs/output.md.`,
			"  3    the files have errors for the target (warnings alone exit 0)"),
		Example: `  # Is a v8-era compose file ready for 10.1.0?
  redashctl upgrade lint --target 10.1.0 --compose docker-compose.yml

  # An env file on its own, as JSON findings
  redashctl upgrade lint --target 10.1.0 --env-file /opt/redash/env -o json

  # A compose file with an override and the interpolation variables of prod.env
  redashctl upgrade lint --target 25.8 --compose docker-compose.yml --compose docker-compose.override.yml --env-file prod.env`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := output.Parse(opts.Output); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if err := checkVersion("--target", opts.Target); err != nil {
				return err
			}
			if len(opts.EnvFiles)+len(opts.ComposeFiles) == 0 {
				return cmdutil.FlagErrorf("nothing to lint: give at least one --compose or --env-file")
			}
			for _, p := range append(append([]string{}, opts.ComposeFiles...), opts.EnvFiles...) {
				if strings.TrimSpace(p) == "" {
					return cmdutil.FlagErrorf("--compose and --env-file need a file name")
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return lintRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Target, "target", "", "Release to check against (e.g. 10.1.0)")
	fl.StringArrayVar(&opts.ComposeFiles, "compose", nil, "Docker Compose file (repeatable; later files override earlier ones)")
	fl.StringArrayVar(&opts.EnvFiles, "env-file", nil, "Env file (repeatable): interpolation variables with --compose, else the settings to lint")
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	_ = cmd.RegisterFlagCompletionFunc("target", completeVersions)
	_ = cmd.MarkFlagFilename("compose", "yml", "yaml")
	return cmd
}

func lintRun(ctx context.Context, opts *LintOptions) error {
	format, err := output.Parse(opts.Output)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	target, err := upg.Resolve(opts.Target)
	if err != nil {
		return cmdutil.FlagErrorf("--target: %s", err)
	}
	var d upg.Deployment
	if len(opts.ComposeFiles) > 0 {
		d, err = deployfile.LoadCompose(ctx, opts.ComposeFiles, opts.EnvFiles)
	} else {
		d, err = deployfile.LoadEnvDeployment(opts.EnvFiles)
	}
	if err != nil {
		return err
	}
	findings, err := upg.Lint(d, target)
	if err != nil {
		return err
	}
	if findings == nil {
		findings = []upg.Finding{}
	}
	if err := writeFindings(opts.IO, format, findings); err != nil {
		return err
	}
	return verdict(opts.IO, findings, "the files are", target)
}

// verdict prints the summary line and turns errors into exit 3; subject is "the files are"
// or "the instance is".
func verdict(ios *iostreams.IOStreams, findings []upg.Finding, subject, target string) error {
	errs, warns := 0, 0
	for _, f := range findings {
		if f.Severity == upg.SeverityError {
			errs++
		} else {
			warns++
		}
	}
	if errs > 0 {
		return &cmdutil.ExitError{
			Code: cmdutil.ExitPartial,
			Err:  fmt.Errorf("%s and %s: %s not ready for %s", plural(errs, "error"), plural(warns, "warning"), subject, target),
		}
	}
	if warns > 0 {
		fmt.Fprintf(ios.ErrOut, "%s, no errors for %s\n", plural(warns, "warning"), target)
		return nil
	}
	fmt.Fprintf(ios.ErrOut, "no findings: nothing to change for %s\n", target)
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func where(f upg.Finding) string {
	if f.File == "" {
		return ""
	}
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return f.File
}

// writeFindings prints findings; tables are not fitted to the terminal, so
// that no message is cut.
func writeFindings(ios *iostreams.IOStreams, format output.Format, findings []upg.Finding) error {
	switch format {
	case output.JSON:
		return output.WriteJSON(ios.Out, findings)
	case output.YAML:
		return output.WriteYAML(ios.Out, findings)
	case output.CSV:
		if len(findings) == 0 {
			return nil
		}
		rows := make([][]string, 0, len(findings))
		for _, f := range findings {
			line := ""
			if f.Line > 0 {
				line = strconv.Itoa(f.Line)
			}
			rows = append(rows, []string{f.Severity, f.Service, f.App, f.Code, f.File, line, f.Message})
		}
		return output.WriteCSV(ios.Out, []string{"severity", "service", "app", "code", "file", "line", "message"}, rows)
	}
	if len(findings) == 0 {
		return nil
	}
	withApp := false
	for _, f := range findings {
		withApp = withApp || f.App != ""
	}
	header := []string{"SEVERITY", "SERVICE", "CODE", "WHERE", "MESSAGE"}
	if withApp {
		header = []string{"SEVERITY", "APP", "SERVICE", "CODE", "WHERE", "MESSAGE"}
	}
	rows := make([][]string, 0, len(findings))
	for _, f := range findings {
		row := []string{f.Severity, orDash(f.Service), f.Code, where(f), f.Message}
		if withApp {
			row = []string{f.Severity, orDash(f.App), orDash(f.Service), f.Code, where(f), f.Message}
		}
		rows = append(rows, row)
	}
	return output.WriteTable(ios.Out, header, rows, output.TableOptions{})
}
