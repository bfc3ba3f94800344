package upgrade

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	upg "github.com/redashctl/redashctl/pkg/upgrade"
)

var diffFormats = []output.Format{output.Table, output.JSON, output.YAML, output.Markdown}

// DiffOptions are the flags of `upgrade diff`.
type DiffOptions struct {
	IO *iostreams.IOStreams

	From   string
	To     string
	Output string
}

// NewCmdDiff builds `upgrade diff`.
func NewCmdDiff(f *cmdutil.Factory, runF func(*DiffOptions) error) *cobra.Command {
	opts := &DiffOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "diff --from <version> --to <version> [flags]",
		Short: "Show what changes between two Redash releases",
		Long: cmdutil.LongHelp(`Show what changes for an operator between two Redash releases, in either
direction: the job system and Python, settings added, removed, renamed (and
whether the old name is still read) or with a new default, the
docker-entrypoint commands, the queues and which service must consume each
in the target, data source types, database migrations, the actions to carry
out in order, and the known pitfalls of the releases crossed with their
Redash issue numbers.

Versions are written as tags (v10.1.0), bare (10.1.0), shortened (10.1, 8),
as Docker image tags (8.0.0.b32245) or "master"; an unknown version is a
usage error that lists the known ones. No Redash is contacted.

-o markdown renders a checklist to paste into a migration ticket. The json
and yaml output is a documented contract: see docs/output.md.`),
		Example: `  # What changes from 8.0.0 to 10.1.0
  redashctl upgrade diff --from 8.0.0 --to 10.1.0

  # The same as a Markdown checklist for the migration ticket
  redashctl upgrade diff --from 8.0.0 --to 10.1.0 -o markdown > upgrade.md

  # What a rollback from 10.1.0 to 8.0.0 undoes, as JSON
  redashctl upgrade diff --from 10.1 --to 8 -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := output.Parse(opts.Output, diffFormats...); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if err := checkVersion("--from", opts.From); err != nil {
				return err
			}
			if err := checkVersion("--to", opts.To); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return diffRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "Release the instance runs now (e.g. 8.0.0)")
	fl.StringVar(&opts.To, "to", "", "Release to move to (e.g. 10.1.0)")
	cmdutil.AddOutputFlag(cmd, &opts.Output, diffFormats...)
	_ = cmd.RegisterFlagCompletionFunc("from", completeVersions)
	_ = cmd.RegisterFlagCompletionFunc("to", completeVersions)
	return cmd
}

// checkVersion reports a missing or unknown version as a usage error naming the flag.
func checkVersion(flag, v string) error {
	if strings.TrimSpace(v) == "" {
		return cmdutil.FlagErrorf("%s is required: one of %s", flag, strings.Join(upg.Versions(), ", "))
	}
	if _, err := upg.Resolve(v); err != nil {
		return cmdutil.FlagErrorf("%s: %s", flag, err)
	}
	return nil
}

func completeVersions(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return upg.Versions(), cobra.ShellCompDirectiveNoFileComp
}

func diffRun(_ context.Context, opts *DiffOptions) error {
	format, err := output.Parse(opts.Output, diffFormats...)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	r, err := upg.Diff(opts.From, opts.To)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	switch format {
	case output.JSON:
		return output.WriteJSON(opts.IO.Out, r)
	case output.YAML:
		return output.WriteYAML(opts.IO.Out, r)
	case output.Markdown:
		_, err := io.WriteString(opts.IO.Out, r.Markdown())
		return err
	}
	return writeReport(opts.IO.Out, r, tableOptions(opts.IO))
}

func tableOptions(ios *iostreams.IOStreams) output.TableOptions {
	o := output.TableOptions{}
	if ios.IsStdoutTTY() {
		o.Width = ios.TerminalWidth()
	}
	return o
}
