package selection

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/pkg/redash"
)

// Draft selections of --drafts.
const (
	DraftsInclude = "include"
	DraftsExclude = "exclude"
	DraftsOnly    = "only"
)

// filterFlags are the flags AddFlags registers, without --archived.
var filterFlags = []string{"tag", "search", "drafts", "scheduled", "owner", "data-source", "not-run-since", "updated-before"}

// Filter is the `query list` filters: what the server applies (search and
// tags on v5+) and what is applied here.
type Filter struct {
	Tags          []string
	Search        string
	Archived      bool
	Drafts        string
	Scheduled     bool
	Owner         string
	DataSource    string
	NotRunSince   time.Duration
	UpdatedBefore time.Time

	notRunSince, updatedBefore string
}

// AddFlags registers the filter flags on cmd; withArchived adds --archived.
func (f *Filter) AddFlags(cmd *cobra.Command, withArchived bool) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.Tags, "tag", nil, "Only queries carrying this tag (repeatable; all must match)")
	fl.StringVar(&f.Search, "search", "", "Full-text search in name, description and SQL (Redash's own search on v5+)")
	if withArchived {
		fl.BoolVar(&f.Archived, "archived", false, "List archived queries instead (Redash 7 and later)")
	}
	fl.StringVar(&f.Drafts, "drafts", DraftsInclude, "Drafts: include, exclude or only")
	fl.BoolVar(&f.Scheduled, "scheduled", false, "Only queries with an active schedule")
	fl.StringVar(&f.Owner, "owner", "", "Only queries owned by this e-mail address")
	fl.StringVar(&f.DataSource, "data-source", "", "Only queries on this data source (name or id)")
	fl.StringVar(&f.notRunSince, "not-run-since", "", "Only queries with no result newer than this (e.g. 90d, 2w, 12h)")
	fl.StringVar(&f.updatedBefore, "updated-before", "", "Only queries last updated before this date (YYYY-MM-DD)")
	_ = cmd.RegisterFlagCompletionFunc("drafts", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{DraftsInclude, DraftsExclude, DraftsOnly}, cobra.ShellCompDirectiveNoFileComp
	})
}

// Parse checks the flag values and converts the durations and dates; errors
// are usage errors.
func (f *Filter) Parse() error {
	switch f.Drafts {
	case DraftsInclude, DraftsExclude, DraftsOnly:
	case "":
		f.Drafts = DraftsInclude
	default:
		return cmdutil.FlagErrorf("invalid --drafts %q: use include, exclude or only", f.Drafts)
	}
	if f.notRunSince != "" {
		d, err := cmdutil.ParseDuration(f.notRunSince)
		if err != nil {
			return cmdutil.FlagErrorf("--not-run-since: %s", err)
		}
		f.NotRunSince = d
	}
	if f.updatedBefore != "" {
		t, err := cmdutil.ParseDate(f.updatedBefore)
		if err != nil {
			return cmdutil.FlagErrorf("--updated-before: %s", err)
		}
		f.UpdatedBefore = t
	}
	for _, t := range f.Tags {
		if strings.TrimSpace(t) == "" {
			return cmdutil.FlagErrorf("--tag must not be empty")
		}
	}
	return nil
}

// changedFilterFlags returns the filter flags given on cmd's command line.
func changedFilterFlags(cmd *cobra.Command) []string {
	var out []string
	for _, name := range filterFlags {
		if fl := cmd.Flags().Lookup(name); fl != nil && fl.Changed {
			out = append(out, name)
		}
	}
	return out
}

// canonical describes the filter in a stable form (flag order fixed), for
// journals and messages.
func (f *Filter) canonical() string {
	var parts []string
	tags := slices.Clone(f.Tags)
	slices.Sort(tags)
	for _, t := range tags {
		parts = append(parts, "--tag "+strconv.Quote(t))
	}
	if f.Search != "" {
		parts = append(parts, "--search "+strconv.Quote(f.Search))
	}
	if f.Drafts != "" && f.Drafts != DraftsInclude {
		parts = append(parts, "--drafts "+f.Drafts)
	}
	if f.Scheduled {
		parts = append(parts, "--scheduled")
	}
	if f.Owner != "" {
		parts = append(parts, "--owner "+strconv.Quote(strings.ToLower(f.Owner)))
	}
	if f.DataSource != "" {
		parts = append(parts, "--data-source "+strconv.Quote(f.DataSource))
	}
	if f.NotRunSince > 0 {
		parts = append(parts, "--not-run-since "+f.NotRunSince.String())
	}
	if !f.UpdatedBefore.IsZero() {
		parts = append(parts, "--updated-before "+f.UpdatedBefore.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, " ")
}

// Matcher applies a compiled Filter to queries.
type Matcher struct {
	f            *Filter
	now          time.Time
	dataSourceID int
	hasDS        bool
	searchLocal  bool
	tagsLocal    bool
}

// Compile resolves the data source name and splits the filter between the
// server (search and tags on v5+) and Match. It returns the list options to
// send.
func (f *Filter) Compile(ctx context.Context, client *redash.Client, v redash.Version, now time.Time) (*Matcher, redash.QueryListOptions, error) {
	m := &Matcher{f: f, now: now}
	if f.DataSource != "" {
		id, err := resolveDataSource(ctx, client, f.DataSource)
		if err != nil {
			return nil, redash.QueryListOptions{}, err
		}
		m.dataSourceID, m.hasDS = id, true
	}
	serverSide := v.HasQuerySearch()
	m.searchLocal = f.Search != "" && !serverSide
	m.tagsLocal = len(f.Tags) > 0 && !serverSide
	lo := redash.QueryListOptions{Archived: f.Archived}
	if serverSide {
		lo.Search = f.Search
		lo.Tags = f.Tags
	}
	return m, lo, nil
}

// Match reports whether q passes the client-side part of the filter.
func (m *Matcher) Match(q *redash.Query) bool {
	o := m.f
	switch o.Drafts {
	case DraftsExclude:
		if q.IsDraft {
			return false
		}
	case DraftsOnly:
		if !q.IsDraft {
			return false
		}
	}
	if o.Archived != q.IsArchived {
		return false
	}
	if o.Scheduled && !q.Schedule.Active(m.now) {
		return false
	}
	if o.Owner != "" && !strings.EqualFold(q.User.Email, o.Owner) {
		return false
	}
	if m.hasDS && (q.DataSourceID == nil || *q.DataSourceID != m.dataSourceID) {
		return false
	}
	if o.NotRunSince > 0 && q.RetrievedAt != nil && q.RetrievedAt.After(m.now.Add(-o.NotRunSince)) {
		return false
	}
	if !o.UpdatedBefore.IsZero() && !q.UpdatedAt.Before(o.UpdatedBefore) {
		return false
	}
	if m.tagsLocal {
		for _, t := range o.Tags {
			if !slices.Contains(q.Tags, t) {
				return false
			}
		}
	}
	if m.searchLocal && !searchMatch(q, o.Search) {
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

func resolveDataSource(ctx context.Context, client *redash.Client, nameOrID string) (int, error) {
	sources, err := client.DataSources.List(ctx)
	if err != nil {
		return 0, fmt.Errorf("list data sources: %w", err)
	}
	if id, err := strconv.Atoi(nameOrID); err == nil {
		return id, nil // listed, or hidden from this key, or deleted: filter by id all the same
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
