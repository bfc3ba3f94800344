package query

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/internal/progress"
	"github.com/redashctl/redashctl/pkg/redash"
)

// Draft selections of --drafts.
const (
	draftsInclude = "include"
	draftsExclude = "exclude"
	draftsOnly    = "only"
)

// ListOptions are the flags, arguments and dependencies of `query list`.
type ListOptions struct {
	IO     *iostreams.IOStreams
	Redash func() (*redash.Client, error)
	Now    func() time.Time

	Tags          []string
	Search        string
	Archived      bool
	Drafts        string
	Scheduled     bool
	Owner         string
	DataSource    string
	NotRunSince   time.Duration
	UpdatedBefore time.Time
	Limit         int
	Output        string
}

// NewCmdList builds `query list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Redash: f.Redash, Now: f.Now}
	var notRunSince, updatedBefore string
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
			switch opts.Drafts {
			case draftsInclude, draftsExclude, draftsOnly:
			default:
				return cmdutil.FlagErrorf("invalid --drafts %q: use include, exclude or only", opts.Drafts)
			}
			if notRunSince != "" {
				d, err := cmdutil.ParseDuration(notRunSince)
				if err != nil {
					return cmdutil.FlagErrorf("--not-run-since: %s", err)
				}
				opts.NotRunSince = d
			}
			if updatedBefore != "" {
				t, err := cmdutil.ParseDate(updatedBefore)
				if err != nil {
					return cmdutil.FlagErrorf("--updated-before: %s", err)
				}
				opts.UpdatedBefore = t
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("--limit must not be negative, got %d", opts.Limit)
			}
			for _, t := range opts.Tags {
				if strings.TrimSpace(t) == "" {
					return cmdutil.FlagErrorf("--tag must not be empty")
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Tags, "tag", nil, "Only queries carrying this tag (repeatable; all must match)")
	fl.StringVar(&opts.Search, "search", "", "Full-text search in name, description and SQL (Redash's own search on v5+)")
	fl.BoolVar(&opts.Archived, "archived", false, "List archived queries instead (Redash 7 and later)")
	fl.StringVar(&opts.Drafts, "drafts", draftsInclude, "Drafts: include, exclude or only")
	fl.BoolVar(&opts.Scheduled, "scheduled", false, "Only queries with an active schedule")
	fl.StringVar(&opts.Owner, "owner", "", "Only queries owned by this e-mail address")
	fl.StringVar(&opts.DataSource, "data-source", "", "Only queries on this data source (name or id)")
	fl.StringVar(&notRunSince, "not-run-since", "", "Only queries with no result newer than this (e.g. 90d, 2w, 12h)")
	fl.StringVar(&updatedBefore, "updated-before", "", "Only queries last updated before this date (YYYY-MM-DD)")
	fl.IntVar(&opts.Limit, "limit", 0, "Stop after this many queries (0: all)")
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	_ = cmd.RegisterFlagCompletionFunc("drafts", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{draftsInclude, draftsExclude, draftsOnly}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// filter is the client-side part of the selection.
type filter struct {
	opts         *ListOptions
	now          time.Time
	dataSourceID int
	hasDS        bool
	searchLocal  bool
	tagsLocal    bool
}

func (fl *filter) match(q *redash.Query) bool {
	o := fl.opts
	switch o.Drafts {
	case draftsExclude:
		if q.IsDraft {
			return false
		}
	case draftsOnly:
		if !q.IsDraft {
			return false
		}
	}
	if o.Archived && !q.IsArchived {
		return false
	}
	if !o.Archived && q.IsArchived {
		return false
	}
	if o.Scheduled && !q.Schedule.Active(fl.now) {
		return false
	}
	if o.Owner != "" && !strings.EqualFold(q.User.Email, o.Owner) {
		return false
	}
	if fl.hasDS && (q.DataSourceID == nil || *q.DataSourceID != fl.dataSourceID) {
		return false
	}
	if o.NotRunSince > 0 && q.RetrievedAt != nil && q.RetrievedAt.After(fl.now.Add(-o.NotRunSince)) {
		return false
	}
	if !o.UpdatedBefore.IsZero() && !q.UpdatedAt.Before(o.UpdatedBefore) {
		return false
	}
	if fl.tagsLocal {
		for _, t := range o.Tags {
			if !slices.Contains(q.Tags, t) {
				return false
			}
		}
	}
	if fl.searchLocal && !searchMatch(q, o.Search) {
		return false
	}
	return true
}

// searchMatch approximates Redash's full-text search for servers that have
// none (v4): every word must start a word of the id, name, description or SQL.
func searchMatch(q *redash.Query, search string) bool {
	words := searchWords(strconv.Itoa(q.ID) + " " + q.Name + " " + q.Description + " " + q.SQL)
	for _, term := range searchWords(search) {
		found := false
		for _, w := range words {
			if strings.HasPrefix(w, term) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// searchWords splits text into lower-case words, dropping punctuation.
func searchWords(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r > 127)
	})
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
	fl := &filter{opts: opts, now: opts.Now().UTC()}
	if opts.DataSource != "" {
		id, err := resolveDataSource(ctx, client, opts.DataSource)
		if err != nil {
			return err
		}
		fl.dataSourceID, fl.hasDS = id, true
	}
	serverSide := version.HasQuerySearch()
	fl.searchLocal = opts.Search != "" && !serverSide
	fl.tagsLocal = len(opts.Tags) > 0 && !serverSide

	lo := redash.QueryListOptions{Archived: opts.Archived}
	if serverSide {
		lo.Search = opts.Search
		lo.Tags = opts.Tags
	}

	bar := progress.New(opts.IO, "Listing queries")
	var records []Record
	for q, err := range client.Queries.ListIter(ctx, lo) {
		if err != nil {
			bar.Abort()
			return fmt.Errorf("list queries: %w", err)
		}
		bar.Add(1)
		if !fl.match(&q) {
			continue
		}
		records = append(records, NewRecord(&q, fl.now))
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
	return writeRecords(opts.IO, format, records, fl.now)
}

func resolveDataSource(ctx context.Context, client *redash.Client, nameOrID string) (int, error) {
	sources, err := client.DataSources.List(ctx)
	if err != nil {
		return 0, fmt.Errorf("list data sources: %w", err)
	}
	if id, err := strconv.Atoi(nameOrID); err == nil {
		for _, ds := range sources {
			if ds.ID == id {
				return id, nil
			}
		}
		return id, nil // hidden from this key, or deleted: filter by id all the same
	}
	var names []string
	for _, ds := range sources {
		if strings.EqualFold(ds.Name, nameOrID) {
			return ds.ID, nil
		}
		names = append(names, ds.Name)
	}
	return 0, cmdutil.FlagErrorf("unknown data source %q: known ones are %s", nameOrID, strings.Join(names, ", "))
}
