package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/output"
)

// AddOutputFlag adds -o/--output with the given formats (the standard four
// when none are given) and returns where the value lands.
func AddOutputFlag(cmd *cobra.Command, target *string, formats ...output.Format) {
	if len(formats) == 0 {
		formats = output.Standard
	}
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	cmd.Flags().StringVarP(target, "output", "o", string(formats[0]), "Output format: "+strings.Join(names, "|"))
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return names, cobra.ShellCompDirectiveNoFileComp
	})
}

// ExactArgs is cobra.ExactArgs with a usage error that says what is missing.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return FlagErrorf("%s", what)
		case len(args) > n:
			return FlagErrorf("too many arguments: %s; got %q", what, strings.Join(args[n:], " "))
		}
		return nil
	}
}

// MaxArgs allows at most n arguments.
func MaxArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > n {
			return FlagErrorf("too many arguments: %s; got %q", what, strings.Join(args, " "))
		}
		return nil
	}
}

// NoArgs refuses positional arguments.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %q: %s takes no arguments", args[0], cmd.CommandPath())
	}
	return nil
}

// ExitStatusHelp is the "Exit status" block every command's Long help ends with.
func ExitStatusHelp(extra ...string) string {
	lines := []string{
		"Exit status:",
		"  0    success (also: no results, a completed --dry-run)",
		"  1    failure",
		"  2    usage error (bad flag or argument)",
	}
	lines = append(lines, extra...)
	lines = append(lines,
		"  4    authentication failure (bad or missing API key, wrong org)",
		"  130  interrupted",
	)
	return strings.Join(lines, "\n")
}

// LongHelp joins a description and the exit-status block.
func LongHelp(description string, extra ...string) string {
	return fmt.Sprintf("%s\n\n%s", strings.TrimSpace(description), ExitStatusHelp(extra...))
}
