package query

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/internal/progress"
	"github.com/redashctl/redashctl/internal/selection"
	"github.com/redashctl/redashctl/pkg/redash"
)

// ListOptions are the flags, arguments and dependencies of `query list`.
type ListOptions struct {
	IO     *iostreams.IOStreams
	Redash func() (*redash.Client, error)
	Now    func() time.Time

	// Filter holds --tag, --search, --archived, --drafts, --scheduled,
	// --owner, --data-source, --not-run-since and --updated-before.
	selection.Filter
	Limit  int
	Output string
}

// NewCmdList builds `query list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Redash: f.Redash, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "list [--tag <name>]... [--search <text>] [--scheduled] [--owner <email>] [flags]",
		Short: "List saved queries, with filters",
		Long: cmdutil.LongHelp(`List the saved queries that the API key can see, newest first.

Only Redash's list endpoints are read (250 rows a page, pages fetched
concurrently); redashctl never fetches queries one by one here, because from
Redash 6 on every GET /api/queries/<id> records a "view" event and would
spoil the usage signals an audit relies on.

--tag and --search go to the server where the Redash version supports them
(v5 and later); every other filter is applied here. Queries whose data
source was deleted, or is outside the key's groups, are never listed by
Redash and so are not here either.

The json, csv and yaml output is a documented contract: see docs/output.md.`),
		Example: `  # The 20 newest queries
  redashctl query list --limit 20

  # Scheduled queries that did not run for 90 days, as CSV for a spreadsheet
  redashctl query list --scheduled --not-run-since 90d -o csv > stale.csv

  # Queries tagged both finance and keep, owned by ann
  redashctl query list --tag finance --tag keep --owner ann@example.com

  # Archived queries on one data source, as JSON
  redashctl query list --archived --data-source "Warehouse" -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := output.Parse(opts.Output); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if err := opts.Filter.Parse(); err != nil {
				return err
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("--limit must not be negative, got %d", opts.Limit)
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	opts.Filter.AddFlags(cmd, true)
	cmd.Flags().IntVar(&opts.Limit, "limit", 0, "Stop after this many queries (0: all)")
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	format, err := output.Parse(opts.Output)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	client, err := opts.Redash()
	if err != nil {
		return err
	}
	version, err := client.Version(ctx)
	if err != nil {
		return err
	}
	if opts.Archived && !version.HasArchiveList() {
		return fmt.Errorf("--archived needs Redash 7 or later: Redash %s has no list of archived queries", version)
	}
	now := opts.Now().UTC()
	m, lo, err := opts.Filter.Compile(ctx, client, version, now)
	if err != nil {
		return err
	}

	bar := progress.New(opts.IO, "Listing queries")
	var records []Record
	for q, err := range client.Queries.ListIter(ctx, lo) {
		if err != nil {
			bar.Abort()
			return fmt.Errorf("list queries: %w", err)
		}
		bar.Add(1)
		if !m.Match(&q) {
			continue
		}
		records = append(records, NewRecord(&q, now))
		if opts.Limit > 0 && len(records) >= opts.Limit {
			break
		}
	}
	bar.Done()

	if len(records) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no queries match")
		if format == output.Table || format == output.CSV {
			return nil
		}
	}
	return writeRecords(opts.IO, format, records, now)
}
