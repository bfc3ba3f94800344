// Package demo implements `redashctl demo`: a short tour against the
// embedded sandbox, with no Redash at hand.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/sandbox"
)

// RunFunc runs a redashctl command line with the given streams and
// environment and returns its exit code (root.RunContext).
type RunFunc func(ctx context.Context, args []string, ios *iostreams.IOStreams, env config.Env) int

// Options are the inputs of `redashctl demo`.
type Options struct {
	IO      *iostreams.IOStreams
	Run     RunFunc
	Version string
	Queries int
	Seed    int64
}

// NewCmdDemo builds `redashctl demo`. run executes redashctl command lines;
// the root command passes its own.
func NewCmdDemo(f *cmdutil.Factory, run RunFunc) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Run: run}
	cmd := &cobra.Command{
		Use:   "demo [--redash-version <version>] [--queries <n>]",
		Short: "Tour redashctl against an embedded sandbox Redash",
		Long: cmdutil.LongHelp(`Start the embedded sandbox (a fake Redash with 15,000 generated queries) on
a random local port, point a temporary profile at it, and run a short tour:
check the profile, then list and summarise the queries. Nothing outside a
temporary directory is touched, and no real Redash is needed.`),
		Example: `  # The tour, as in make demo
  redashctl demo

  # Against a Redash 4 sandbox
  redashctl demo --redash-version 4.0.2`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Run == nil {
				return fmt.Errorf("demo: no command runner")
			}
			return demoRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Version, "redash-version", "10.1.0", "Redash release the sandbox emulates")
	cmd.Flags().IntVar(&opts.Queries, "queries", 15000, "Number of saved queries to generate")
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "Seed of the data generator")
	return cmd
}

func demoRun(ctx context.Context, opts *Options) error {
	w := opts.IO.Out
	fmt.Fprintf(w, "Starting a Redash %s sandbox with %d generated queries...\n", opts.Version, opts.Queries)
	sb, err := sandbox.Start("127.0.0.1:0", fakeredash.Options{Version: opts.Version, Queries: opts.Queries, Seed: opts.Seed})
	if err != nil {
		return err
	}
	defer sb.Close()

	dir, err := os.MkdirTemp("", "redashctl-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	keyFile := filepath.Join(dir, "sandbox.key")
	if err := os.WriteFile(keyFile, []byte(sb.Redash.AdminKey()+"\n"), 0o600); err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	file := &config.File{CurrentProfile: "sandbox", Profiles: map[string]config.Profile{"sandbox": {URL: sb.URL, APIKeyFile: keyFile}}}
	if err := config.WriteFile(cfgPath, file); err != nil {
		return err
	}
	env := func(k string) (string, bool) {
		if k == config.EnvConfig {
			return cfgPath, true
		}
		// The tour must not pick up the user's own Redash settings.
		if strings.HasPrefix(k, "REDASHCTL_") || strings.HasPrefix(k, "REDASH_") {
			return "", false
		}
		return os.LookupEnv(k)
	}
	fmt.Fprintf(w, "Sandbox at %s; temporary profile \"sandbox\" in %s\n", sb.URL, cfgPath)

	steps := []struct {
		say  string
		args []string
	}{
		{"Which Redash is this, and who am I?", []string{"profile", "check"}},
		{"The ten most recently created queries:", []string{"query", "list", "--limit", "10"}},
		{"Scheduled queries nobody ran in 90 days - candidates for the cleanup:", []string{"query", "list", "--scheduled", "--not-run-since", "90d", "--limit", "5"}},
	}
	for _, s := range steps {
		fmt.Fprintf(w, "\n# %s\n$ redashctl %s\n", s.say, strings.Join(s.args, " "))
		if code := opts.Run(ctx, s.args, opts.IO, env); code != 0 {
			return &cmdutil.ExitError{Code: code, Err: fmt.Errorf("demo step %q failed", strings.Join(s.args, " "))}
		}
	}

	fmt.Fprintf(w, "\n# A summary of the whole inventory (from `redashctl query list -o json`):\n")
	summary, err := summarise(ctx, opts, env)
	if err != nil {
		return err
	}
	fmt.Fprint(w, summary)
	fmt.Fprintf(w, "\nTry it yourself: redashctl sandbox serve, then point REDASHCTL_URL and REDASHCTL_API_KEY at it.\n")
	return nil
}

type demoQuery struct {
	IsDraft   bool    `json:"is_draft"`
	LastRunAt *string `json:"last_run_at"`
	Schedule  *struct {
		Active bool `json:"active"`
	} `json:"schedule"`
	Tags []string `json:"tags"`
}

func summarise(ctx context.Context, opts *Options, env config.Env) (string, error) {
	ios, _, out, errOut := iostreams.Test()
	if code := opts.Run(ctx, []string{"query", "list", "-o", "json"}, ios, env); code != 0 {
		return "", &cmdutil.ExitError{Code: code, Err: fmt.Errorf("demo: query list failed: %s", strings.TrimSpace(errOut.String()))}
	}
	var qs []demoQuery
	if err := json.NewDecoder(bytes.NewReader(out.Bytes())).Decode(&qs); err != nil {
		return "", fmt.Errorf("demo: decode query list: %w", err)
	}
	var drafts, scheduled, never, tagged int
	for _, q := range qs {
		if q.IsDraft {
			drafts++
		}
		if q.Schedule != nil && q.Schedule.Active {
			scheduled++
		}
		if q.LastRunAt == nil {
			never++
		}
		if len(q.Tags) > 0 {
			tagged++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  visible queries:      %d\n", len(qs))
	fmt.Fprintf(&b, "  drafts:               %d\n", drafts)
	fmt.Fprintf(&b, "  actively scheduled:   %d\n", scheduled)
	fmt.Fprintf(&b, "  without any result:   %d\n", never)
	fmt.Fprintf(&b, "  tagged:               %d\n", tagged)
	return b.String(), nil
}
