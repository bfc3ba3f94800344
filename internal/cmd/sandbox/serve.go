package sandbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/iostreams"
	sandboxsrv "github.com/redashctl/redashctl/internal/sandbox"
)

// ServeOptions are the inputs of `sandbox serve`.
type ServeOptions struct {
	IO      *iostreams.IOStreams
	Addr    string
	Version string
	Queries int
	Seed    int64
	Latency time.Duration
	Org     string
	// SheetsAddr is where the fake Google Sheets API listens; "" serves none.
	SheetsAddr string
	// Ready, when set, is called with the base URL once the server listens (tests).
	Ready func(url string, srv *fakeredash.Server)
}

func newCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "serve [--addr <host:port>] [--sheets-addr <host:port>] [--redash-version <version>] [--queries <n>] [--seed <n>] [--latency <duration>]",
		Short: "Serve the sandbox over HTTP until interrupted",
		Long: cmdutil.LongHelp(`Serve a fake Redash over HTTP and print its URL and an admin API key, then
keep serving until Ctrl-C. Point redashctl (or any Redash client) at it with
REDASHCTL_URL and REDASHCTL_API_KEY, or with a profile.

Beside it, on --sheets-addr, a fake Google Sheets API takes the exports
('redashctl export sheet|run|validate'): point them at it with
--sheets-endpoint and --credentials none (or REDASHCTL_SHEETS_ENDPOINT and
REDASHCTL_SHEETS_CREDENTIALS=none). It needs no Google account, and any
spreadsheet id works: an unknown one is created on first use. An empty
--sheets-addr serves no fake Sheets.

Versions: ` + fmt.Sprint(fakeredash.Versions()) + `.`),
		Example: `  # A Redash 10.1 sandbox on port 5000
  redashctl sandbox serve

  # Redash 4 with 20 ms latency per request, on a random port
  redashctl sandbox serve --redash-version 4.0.2 --latency 20ms --addr 127.0.0.1:0

  # Use it from another shell
  export REDASHCTL_URL=http://127.0.0.1:5000 REDASHCTL_API_KEY=<printed key>
  redashctl query list --limit 5

  # Export into its fake Sheets
  export REDASHCTL_SHEETS_ENDPOINT=http://127.0.0.1:5001 REDASHCTL_SHEETS_CREDENTIALS=none
  redashctl export sheet --query 1 --sheet demo --tab Demo`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Queries < 0 || opts.Queries > 200000 {
				return cmdutil.FlagErrorf("--queries must be between 1 and 200000, got %d", opts.Queries)
			}
			if opts.Latency < 0 {
				return cmdutil.FlagErrorf("--latency must not be negative")
			}
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:5000", "Address to listen on")
	cmd.Flags().StringVar(&opts.SheetsAddr, "sheets-addr", "127.0.0.1:5001", "Address of the fake Google Sheets API (empty: none)")
	cmd.Flags().StringVar(&opts.Version, "redash-version", "10.1.0", "Redash release to emulate")
	cmd.Flags().IntVar(&opts.Queries, "queries", 15000, "Number of saved queries to generate")
	cmd.Flags().Int64Var(&opts.Seed, "seed", 1, "Seed of the data generator")
	cmd.Flags().DurationVar(&opts.Latency, "latency", 0, "Latency added to every request")
	cmd.Flags().StringVar(&opts.Org, "org", "", "Serve as a multi_org Redash with this org slug")
	return cmd
}

func serveRun(ctx context.Context, opts *ServeOptions) error {
	fmt.Fprintf(opts.IO.ErrOut, "Generating a Redash %s sandbox with %d queries (seed %d)...\n", opts.Version, opts.Queries, opts.Seed)
	fo := fakeredash.Options{Version: opts.Version, Queries: opts.Queries, Seed: opts.Seed, Latency: opts.Latency, OrgSlug: opts.Org}
	var sb *sandboxsrv.Sandbox
	var err error
	if opts.SheetsAddr != "" {
		sb, err = sandboxsrv.StartWithSheets(opts.Addr, opts.SheetsAddr, fo)
	} else {
		sb, err = sandboxsrv.Start(opts.Addr, fo)
	}
	if err != nil {
		return err
	}
	defer sb.Close()
	srv, base := sb.Redash, sb.URL
	w := opts.IO.Out
	fmt.Fprintf(w, "Redash %s sandbox listening on %s\n", srv.Version(), base)
	if opts.Org != "" {
		fmt.Fprintf(w, "org:           %s\n", opts.Org)
	}
	fmt.Fprintf(w, "admin API key: %s\n", srv.AdminKey())
	fmt.Fprintf(w, "user API key:  %s\n", srv.UserKey())
	fmt.Fprintf(w, "\nIn another shell:\n  export REDASHCTL_URL=%s REDASHCTL_API_KEY=%s", base, srv.AdminKey())
	if opts.Org != "" {
		fmt.Fprintf(w, " REDASHCTL_ORG=%s", opts.Org)
	}
	fmt.Fprintf(w, "\n  redashctl query list --limit 10\n")
	if sb.Sheets != nil {
		fmt.Fprintf(w, "\nFake Google Sheets API listening on %s (no credentials; any spreadsheet id works).\n", sb.SheetsURL)
		fmt.Fprintf(w, "Export into it:\n  export REDASHCTL_SHEETS_ENDPOINT=%s REDASHCTL_SHEETS_CREDENTIALS=none\n", sb.SheetsURL)
		fmt.Fprintf(w, "  redashctl export sheet --query <id> --sheet demo --tab Demo\n")
		fmt.Fprintf(w, "or pass --sheets-endpoint %s --credentials none to export sheet, run or validate.\n", sb.SheetsURL)
	}
	fmt.Fprintf(w, "\nPress Ctrl-C to stop.\n")
	if opts.Ready != nil {
		opts.Ready(base, srv)
	}
	<-ctx.Done()
	fmt.Fprintln(opts.IO.ErrOut, "sandbox stopped")
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil
	}
	return ctx.Err()
}
