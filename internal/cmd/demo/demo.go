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
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/internal/sandbox"
	"github.com/redashctl/redashctl/pkg/sheets"
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
		Long: cmdutil.LongHelp(`Start the embedded sandbox (a fake Redash with 15,000 generated queries, and
a fake Google Sheets API) on random local ports, point a temporary profile at
them, and run a short tour: check the profile, list and summarise the
queries, then export one query's result into a spreadsheet tab and read it
back. Nothing outside a temporary directory is touched, and no real Redash
or Google account is needed.`),
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
	sb, err := sandbox.StartWithSheets("127.0.0.1:0", "127.0.0.1:0", fakeredash.Options{Version: opts.Version, Queries: opts.Queries, Seed: opts.Seed})
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
	file := &config.File{CurrentProfile: "sandbox", Profiles: map[string]config.Profile{"sandbox": {
		URL: sb.URL, APIKeyFile: keyFile, SheetsEndpoint: sb.SheetsURL, SheetsCredentials: sheets.CredentialsNone,
	}}}
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

	if err := exportStep(ctx, opts, sb, env); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nTry it yourself: redashctl sandbox serve, then point REDASHCTL_URL and REDASHCTL_API_KEY at it.\n")
	return nil
}

// demoSpreadsheet and demoTab are where the tour exports; the fake Sheets
// creates the spreadsheet on first use.
const (
	demoSpreadsheet = "demo-spreadsheet"
	demoTab         = "Demo"
)

// exportStep exports one cached query's result into the fake Sheets and
// reads the tab back from the fake, to show that it landed.
func exportStep(ctx context.Context, opts *Options, sb *sandbox.Sandbox, env config.Env) error {
	w := opts.IO.Out
	q, ok := exportable(sb.Redash.Snapshot())
	if !ok {
		fmt.Fprintf(w, "\n# (no query with a cached result to export in this sandbox)\n")
		return nil
	}
	args := []string{"export", "sheet", "--query", strconv.Itoa(q.ID), "--sheet", demoSpreadsheet, "--tab", demoTab}
	fmt.Fprintf(w, "\n# Export query %d %q into the sandbox's fake Google Sheets (the profile sets its sheets_endpoint):\n$ redashctl %s\n", q.ID, q.Name, strings.Join(args, " "))
	if code := opts.Run(ctx, args, opts.IO, env); code != 0 {
		return &cmdutil.ExitError{Code: code, Err: fmt.Errorf("demo step %q failed", strings.Join(args, " "))}
	}
	grid, err := sb.Sheets.Grid(demoSpreadsheet, demoTab)
	if err != nil {
		return fmt.Errorf("demo: read the tab back: %w", err)
	}
	fmt.Fprintf(w, "\n# Read back from the fake Sheets: tab %q holds %d rows (header included); the first ones:\n", demoTab, len(grid))
	var rows [][]string
	for i, r := range grid {
		if i > 5 {
			break
		}
		row := make([]string, len(r))
		for j, c := range r {
			row[j] = cellText(c)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil
	}
	return output.WriteTable(w, rows[0], rows[1:], output.TableOptions{})
}

// exportable picks a query whose cached result the tour can export: listed
// (not archived, not a draft), with a data source, without parameters;
// preferably one with a date column, to show dates landing as dates.
func exportable(d *fakeredash.Dataset) (fakeredash.Query, bool) {
	results := map[int]bool{}
	for _, r := range d.Results {
		results[r.ID] = true
	}
	var found fakeredash.Query
	ok := false
	for i := len(d.Queries) - 1; i >= 0; i-- {
		q := d.Queries[i]
		if results[q.LatestQueryDataID] && !q.IsArchived && !q.IsDraft && q.DataSourceID != 0 && len(q.Parameters) == 0 &&
			!strings.Contains(q.SQL, "{{") && !strings.Contains(q.SQL, "deprecated_") &&
			!q.HasTrait(fakeredash.TraitDataSourcePaused) && !q.HasTrait(fakeredash.TraitDataSourceDeleted) {
			if !ok {
				found, ok = q, true
			}
			if strings.Contains(q.SQL, " AS period") {
				return q, true
			}
		}
	}
	return found, ok
}

var sheetsEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// cellText shows a cell as the Sheets UI would: dates as dates.
func cellText(c fakesheets.Cell) string {
	switch v := c.Value.(type) {
	case nil:
		return ""
	case float64:
		at := sheetsEpoch.Add(time.Duration(v * 24 * float64(time.Hour))).Round(time.Second)
		switch c.Format.Type {
		case "DATE":
			return at.Format("2006-01-02")
		case "DATE_TIME":
			return at.Format("2006-01-02 15:04:05")
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		return v
	}
	return fmt.Sprint(c.Value)
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
