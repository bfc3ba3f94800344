// Package audit implements `redashctl audit`: findings about saved queries
// (stale, broken, unused, scheduled but unviewed…) with their evidence, and
// an archive plan for review.
package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/build"
	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/internal/progress"
	"github.com/redashctl/redashctl/pkg/audit"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/redash"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// Groupings of --by.
const (
	byOwner      = "owner"
	byTag        = "tag"
	byDataSource = "data-source"
)

// AuditOptions are the flags, arguments and dependencies of `audit`.
type AuditOptions struct {
	IO     *iostreams.IOStreams
	Redash func() (*redash.Client, error)
	Config func() (*config.Config, error)
	Now    func() time.Time

	Thresholds audit.Thresholds
	// ThresholdFlags are the thresholds as given, for the plan's criteria.
	ThresholdFlags map[string]string
	KeepTag        string
	By             string
	Output         string
	Out            string
	ArchiveWhen    []audit.Code
	FailOn         []audit.Code
	Force          bool
	ProbeHidden    bool

	// Sheet is --sheet as given; SheetTarget is it parsed, with --tab.
	Sheet       string
	Tab         string
	SheetTarget sheets.Target
	// SheetsFlags hold --credentials, --sheets-endpoint and
	// --writes-per-minute.
	SheetsFlags cmdutil.SheetsFlags
	// Sheets builds the Google Sheets writer (called only with --sheet).
	Sheets func(context.Context) (*sheets.Writer, error)
}

// durationFlag is a threshold flag read with cmdutil.ParseDuration.
type durationFlag struct {
	name, def, usage string
	target           func(*audit.Thresholds) *time.Duration
}

var durationFlags = []durationFlag{
	{"never-run-after", "7d", "A query with no result is never-run once older than this", func(t *audit.Thresholds) *time.Duration { return &t.NeverRunAfter }},
	{"stale-after", "90d", "An unscheduled query not run nor updated for this long is stale", func(t *audit.Thresholds) *time.Duration { return &t.StaleAfter }},
	{"unused-after", "90d", "Usage window: no view, run or download for this long is unused", func(t *audit.Thresholds) *time.Duration { return &t.UnusedAfter }},
	{"draft-abandoned-after", "30d", "A draft not updated for this long is abandoned", func(t *audit.Thresholds) *time.Duration { return &t.DraftAbandonedAfter }},
	{"events-max-lag", "3d", "The events log counts as stopped when its newest event trails the newest run by more than this", func(t *audit.Thresholds) *time.Duration { return &t.EventsMaxLag }},
}

// NewCmdAudit builds `audit`.
func NewCmdAudit(f *cmdutil.Factory, runF func(*AuditOptions) error) *cobra.Command {
	opts := &AuditOptions{IO: f.IOStreams, Redash: f.Redash, Config: f.Config, Now: f.Now}
	opts.Sheets = func(ctx context.Context) (*sheets.Writer, error) {
		cfg, err := f.Config()
		if err != nil {
			return nil, err
		}
		return opts.SheetsFlags.NewWriter(ctx, cfg, f.Globals)
	}
	durations := make([]string, len(durationFlags))
	var failingPeriods float64
	var archiveWhen, failOn []string
	cmd := &cobra.Command{
		Use:   "audit [--out <plan.json> [--sheet <url> [--tab <name>]]] [--archive-when <code>,...] [--fail-on <code>,...] [flags]",
		Short: "Find stale, broken, unused and scheduled-but-unviewed queries",
		Long: cmdutil.LongHelp(`Audit the saved queries the API key can see, explain every finding with
its evidence, and optionally write an archive plan to review.

Findings (thresholds are flags):
  never-run            no result, created more than 7 days ago
  stale                no active schedule, not run and not updated for 90 days
  schedule-failing     an active schedule whose last run is older than 3 periods
                       (or that never ran), or a schedule Redash disabled
  owner-disabled       the owner's account is disabled
  unused               on no dashboard, in no alert, and no view, UI execution,
                       query-key download or run of its SQL in the last 90 days
  external-consumer    a marker: its results were downloaded with its query API
                       key, so a job outside Redash depends on it
  scheduled-unviewed   unused yet actively scheduled: the warehouse keeps running
                       it for nobody (the report estimates its runs a day)
  draft-abandoned      a draft not updated for 30 days
  duplicate            the same SQL (case and whitespace aside) on the same data
                       source as a query that ran more recently
  data-source-missing  its data source was deleted or is paused
  broken-reference     a query-based parameter or a Query Results query_<id>
                       points at an archived or missing query

Data is read without touching the usage it measures: queries only through
the list endpoints, never GET /api/queries/<id> (from Redash 6 that records
a "view" on the query, the very signal unused is measured by; list pages and
dashboard reads do record list and dashboard view events). Also read:
dashboards with their widgets, alerts, disabled users, data sources, and,
with an admin key, the events log back to the start of the usage window.
Reads run concurrently within --concurrency and --rate. The events log is
checked before it is trusted: when its newest event is far older than the
newest query run, no worker is recording events and unused is reported as
weak. A non-admin key works too: the rules that lose evidence are named, and
their findings marked weak.

Ids that no list returns (queries on a deleted data source, outside the
key's groups, archived on Redash 4-6) are reported as gaps in the id
sequence. --probe-hidden fetches them one by one with GET
/api/queries/<id>: from Redash 6 on, each such request records a view event
on that query.

--out writes an archive plan (format redashctl-plan/v1, see docs/audit.md):
every query with a finding among --archive-when, to archive, or to keep
when it carries --keep-tag, is an external consumer (unless --force), or
rests only on weak evidence. Review it with 'redashctl plan show', or
round-trip it through a spreadsheet with 'redashctl plan export --csv' and
'redashctl plan import --csv'.

--sheet URL (with --out) also writes that review sheet straight into a
Google Sheets tab: the columns of 'plan export --csv', decision included,
one row per plan item. The URL's #gid= picks the tab, --tab NAME names it
instead (created when missing), and without either the first tab is used.
The tab is replaced in one atomic step; the spreadsheet must be shared, as
editor, with the service account (--credentials, see docs/audit.md), which
is checked before Redash is read; missing or refused Google credentials,
and a spreadsheet not shared, exit 4. Reviewers change the decisions, then
'redashctl plan import plan.json --sheet URL' reads them back.

The default table shows the counts per finding, per owner (--by), and the
costliest scheduled-unviewed queries; -o json|csv|yaml gives one record per
query with findings, documented in docs/output.md.`,
			"  3    --fail-on: findings with one of those codes exist"),
		Example: `  # Audit the current profile's instance
  redashctl audit

  # A plan, and its review sheet in a Google Sheets tab
  redashctl audit --out plan.json --sheet https://docs.google.com/spreadsheets/d/1AbC/edit --tab review

  # Counts per data source, and a plan of what to archive
  redashctl audit --by data-source --out plan.json

  # Every finding as CSV, with a 30-day usage window
  redashctl audit --unused-after 30d -o csv > findings.csv

  # A scheduled check: exit 3 when queries are broken or failing
  redashctl audit --fail-on broken-reference,schedule-failing -o json > audit.json

  # Also archive duplicates, and protect queries tagged "prod"
  redashctl audit --archive-when unused,duplicate --keep-tag prod --out plan.json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := output.Parse(opts.Output); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			th := audit.DefaultThresholds()
			opts.ThresholdFlags = map[string]string{}
			for i, df := range durationFlags {
				d, err := cmdutil.ParseDuration(durations[i])
				if err != nil {
					return cmdutil.FlagErrorf("--%s: %s", df.name, err)
				}
				if d <= 0 {
					return cmdutil.FlagErrorf("--%s must be positive, got %q", df.name, durations[i])
				}
				*df.target(&th) = d
				opts.ThresholdFlags[strings.ReplaceAll(df.name, "-", "_")] = durations[i]
			}
			if failingPeriods < 1 || failingPeriods > 1000 {
				return cmdutil.FlagErrorf("--failing-periods must be between 1 and 1000, got %g", failingPeriods)
			}
			th.FailingPeriods = failingPeriods
			opts.ThresholdFlags["failing_periods"] = strconv.FormatFloat(failingPeriods, 'f', -1, 64)
			if err := th.Validate(); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			opts.Thresholds = th
			switch opts.By {
			case byOwner, byTag, byDataSource:
			default:
				return cmdutil.FlagErrorf("invalid --by %q: use owner, tag or data-source", opts.By)
			}
			var err error
			if opts.ArchiveWhen, err = audit.ParseCodes(archiveWhen); err != nil {
				return cmdutil.FlagErrorf("--archive-when: %s", err)
			}
			if len(opts.ArchiveWhen) == 0 {
				return cmdutil.FlagErrorf("--archive-when needs at least one finding code")
			}
			for _, c := range opts.ArchiveWhen {
				if c.Marker() {
					return cmdutil.FlagErrorf("--archive-when: %s is a marker, not a reason to archive", c)
				}
			}
			if opts.FailOn, err = audit.ParseCodes(failOn); err != nil {
				return cmdutil.FlagErrorf("--fail-on: %s", err)
			}
			if strings.TrimSpace(opts.Out) == "" && cmd.Flags().Changed("out") {
				return cmdutil.FlagErrorf("--out needs a file name")
			}
			if cmd.Flags().Changed("tab") && !cmd.Flags().Changed("sheet") {
				return cmdutil.FlagErrorf("--tab needs --sheet <url>")
			}
			if cmd.Flags().Changed("sheet") {
				if opts.Out == "" {
					return cmdutil.FlagErrorf("--sheet needs --out <plan.json>: 'plan import --sheet' reads the decisions back into that plan")
				}
				if opts.SheetTarget, err = cmdutil.SheetTarget(opts.Sheet, opts.Tab, cmd.Flags().Changed("tab")); err != nil {
					return err
				}
				if err := opts.SheetsFlags.Check(); err != nil {
					return err
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return auditRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	for i, df := range durationFlags {
		fl.StringVar(&durations[i], df.name, df.def, df.usage)
	}
	fl.Float64Var(&failingPeriods, "failing-periods", 3, "A schedule is failing when its last run is older than this many periods")
	fl.StringVar(&opts.KeepTag, "keep-tag", "keep", "Queries with this tag never enter an archive plan (\"\" for none)")
	fl.StringVar(&opts.By, "by", byOwner, "Group the table by owner, tag or data-source")
	fl.StringVar(&opts.Out, "out", "", "Write an archive plan (JSON) to this file")
	fl.StringSliceVar(&archiveWhen, "archive-when", codeNames(audit.DefaultArchiveWhen()), "Finding codes that make a query an archive candidate")
	fl.StringSliceVar(&failOn, "fail-on", nil, "Exit 3 when any query has one of these finding codes")
	fl.BoolVar(&opts.Force, "force", false, "Let external consumers (queries read by jobs outside Redash) into the archive plan")
	fl.BoolVar(&opts.ProbeHidden, "probe-hidden", false, "Fetch the ids no list returns one by one (records a view on each from Redash 6)")
	fl.StringVar(&opts.Sheet, "sheet", "", "Also write the plan's review sheet to this spreadsheet: URL (its #gid= picks the tab) or id; needs --out")
	fl.StringVar(&opts.Tab, "tab", "", "Tab of --sheet to write, created when missing (wins over the URL's #gid=)")
	opts.SheetsFlags.AddFlags(cmd)
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	codes := codeNames(audit.Codes())
	for _, name := range []string{"archive-when", "fail-on"} {
		_ = cmd.RegisterFlagCompletionFunc(name, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return codes, cobra.ShellCompDirectiveNoFileComp
		})
	}
	_ = cmd.RegisterFlagCompletionFunc("by", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{byOwner, byTag, byDataSource}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func codeNames(codes []audit.Code) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = string(c)
	}
	return out
}

func auditRun(ctx context.Context, opts *AuditOptions) error {
	format, err := output.Parse(opts.Output)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	client, err := opts.Redash()
	if err != nil {
		return err
	}
	var sw *sheets.Writer
	if opts.Sheet != "" {
		// Check the spreadsheet before the long read of Redash, not after.
		if sw, err = opts.Sheets(ctx); err != nil {
			return err
		}
		if _, err := sw.Validate(ctx, opts.SheetTarget); err != nil {
			return cmdutil.SheetsError(fmt.Errorf("--sheet: %w", err))
		}
	}
	now := opts.Now().UTC()
	bar := progress.New(opts.IO, "Reading Redash")
	if format.Machine() {
		bar = progress.New(quietIO(opts.IO), "")
	}
	inv, err := gather(ctx, client, gatherOptions{since: now.Add(-opts.Thresholds.UnusedAfter), probe: opts.ProbeHidden}, bar)
	if err != nil {
		bar.Abort()
		return err
	}
	bar.Done()
	rep, err := audit.Run(inv, audit.Options{Now: now, Thresholds: opts.Thresholds, KeepTag: opts.KeepTag})
	if err != nil {
		return err
	}
	items := rep.PlanItems(audit.PlanOptions{ArchiveWhen: opts.ArchiveWhen, Force: opts.Force})
	actions := map[int]plan.Action{}
	for _, it := range items {
		actions[it.QueryID] = it.Action
	}

	var p *plan.Plan
	if opts.Out != "" {
		if p, err = newPlan(opts, client, rep, now, items); err != nil {
			return err
		}
		if err := cmdutil.WriteFileAtomic(opts.Out, 0o644, p.Write); err != nil {
			return fmt.Errorf("write plan: %w", err)
		}
	}

	records := make([]Record, len(rep.Results))
	for i := range rep.Results {
		records[i] = newRecord(&rep.Results[i], now, actions[rep.Results[i].Query.ID])
	}
	notes(opts, rep)
	if len(records) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no findings")
	}
	switch format {
	case output.JSON:
		err = output.WriteJSON(opts.IO.Out, records)
	case output.YAML:
		err = output.WriteYAML(opts.IO.Out, records)
	case output.CSV:
		if len(records) > 0 {
			rows := make([][]string, len(records))
			for i := range records {
				rows[i] = records[i].csvRow()
			}
			err = output.WriteCSV(opts.IO.Out, csvHeader, rows)
		}
	default:
		err = writeTable(opts.IO, opts, inv, rep, records, client.BaseURL())
	}
	if err != nil {
		return err
	}
	if opts.Out != "" {
		n := p.Counts()
		fmt.Fprintf(opts.IO.ErrOut, "Wrote %s: %d to archive, %d to keep for review\n", opts.Out, n[plan.Archive], n[plan.Keep])
	}
	if sw != nil {
		res, err := cmdutil.WriteReviewSheet(ctx, sw, opts.SheetTarget, p)
		if err != nil {
			return cmdutil.SheetsError(fmt.Errorf("%w; the plan %s is written: 'redashctl plan export %s --sheet <url>' writes its sheet again", err, opts.Out, opts.Out))
		}
		fmt.Fprintf(opts.IO.ErrOut, "Wrote the review sheet: %d rows to %s tab %q\n", res.Rows, sheetURL(res), res.Tab)
	}
	if len(opts.FailOn) > 0 {
		n := 0
		for i := range rep.Results {
			for _, c := range opts.FailOn {
				if rep.Results[i].Has(c) {
					n++
					break
				}
			}
		}
		if n > 0 {
			return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Err: fmt.Errorf("%d queries have findings among %s (--fail-on)", n, audit.JoinCodes(opts.FailOn, ", "))}
		}
	}
	return nil
}

// quietIO is a copy of ios that shows no progress.
func quietIO(ios *iostreams.IOStreams) *iostreams.IOStreams {
	c := *ios
	c.SetQuiet(true)
	return &c
}

func newPlan(opts *AuditOptions, client *redash.Client, rep *audit.Report, now time.Time, items []plan.Item) (*plan.Plan, error) {
	src := plan.Source{URL: client.BaseURL(), RedashVersion: rep.Version.String(), Generator: "redashctl " + build.Get().Version}
	if org := client.Org(); org != "" {
		src.URL = strings.TrimSuffix(strings.TrimSuffix(src.URL, "/"), "/"+org) + "/"
		src.Org = org
	}
	if opts.Config != nil {
		if cfg, err := opts.Config(); err == nil {
			src.Profile = cfg.Profile
		}
	}
	p := plan.New(now, src, plan.Criteria{
		Command: "audit", ArchiveWhen: codeNames(opts.ArchiveWhen), KeepTag: opts.KeepTag, Force: opts.Force, Thresholds: opts.ThresholdFlags,
	})
	p.Items = items
	return p, p.Validate()
}

// notes writes to stderr what limits the audit: rules without evidence, the
// events log's state, gaps in the id sequence.
func notes(opts *AuditOptions, rep *audit.Report) {
	w := opts.IO.ErrOut
	for _, l := range rep.Limitations {
		fmt.Fprintf(w, "warning: %s (affects %s)\n", l.Reason, audit.JoinCodes(l.Codes, ", "))
	}
	if g := rep.Gaps; g.Count > 0 {
		fmt.Fprintf(w, "note: %d of the query ids 1-%d are in no list; they may be %s\n", g.Count, g.MaxID, strings.Join(g.Reasons, ", or "))
		if g.Probed > 0 {
			fmt.Fprintf(w, "note: probed %d ids one by one: %d live (audited), %d archived, %d not found\n", g.Probed, g.Hidden, g.Archived, g.NotFound)
		} else {
			fmt.Fprintln(w, "note: --probe-hidden fetches them one by one (from Redash 6 each fetch records a view on the query)")
		}
	}
}

// sheetURL is the address of the tab a Write wrote.
func sheetURL(res *sheets.Result) string {
	id := res.SheetID
	return sheets.Target{SpreadsheetID: res.SpreadsheetID, SheetID: &id}.URL()
}
