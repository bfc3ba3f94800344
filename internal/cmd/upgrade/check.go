package upgrade

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
	live "github.com/redashctl/redashctl/internal/livestatus"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/pkg/redash"
	upg "github.com/redashctl/redashctl/pkg/upgrade"
)

var checkFormats = []output.Format{output.Table, output.JSON, output.YAML}

// CheckOptions are the flags and dependencies of `upgrade check`.
type CheckOptions struct {
	IO     *iostreams.IOStreams
	Redash func() (*redash.Client, error)
	Config func() (*config.Config, error)
	Now    func() time.Time

	Target string
	Output string
}

// CheckResult is what `upgrade check -o json` prints.
type CheckResult struct {
	URL string `json:"url"`
	// Version is the version the instance reports; ComparedAs the catalog release it is
	// compared as.
	Version    string `json:"version"`
	ComparedAs string `json:"compared_as"`
	Target     string `json:"target"`
	// State is what was learned from the instance.
	State    upg.LiveState `json:"state"`
	Findings []upg.Finding `json:"findings"`
	// Missing lists what could not be read, so was not checked.
	Missing []live.Gap      `json:"missing"`
	Diff    *upg.DiffReport `json:"diff"`
}

// newestRelease is the default target: the newest final release of the catalog.
func newestRelease() string {
	vs := upg.Versions()
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i] != "master" && !strings.Contains(vs[i], "-") {
			return vs[i]
		}
	}
	return vs[len(vs)-1]
}

// NewCmdCheck builds `upgrade check`.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{IO: f.IOStreams, Redash: f.Redash, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "check [--target <version>] [flags]",
		Short: "Check what matters when the current instance moves to a release",
		Long: cmdutil.LongHelp(`Read the Redash instance of the current profile and report what will matter
when it moves to the target release:

  - schedule shapes the target handles badly: weekly schedules (reported not
    to queue from v9) and intervals stored as a string (left by the v7/v8
    migration), counted from the query lists only (redashctl never calls
    GET /api/queries/<id>, which records a view on v6 and later); the table
    lists the queries whose interval is a string
  - a multi-org instance (the profile has an org) moving to a release with
    broken data source icons behind nginx
  - jobs waiting in a queue, which a new job system will not run
  - queues no live worker consumes (RQ releases)
  - data sources whose type the target drops or no longer enables

It then summarises the differences between the instance's own release and the
target (see "redashctl upgrade diff" for all of them). The default target is
the newest known release.

Queues and workers need a super-admin key; with another key they are not
checked and a line on stderr says so.

The json and yaml output is a documented contract: see docs/output.md.`,
			"  3    errors were found, or a part of the instance could not be read"),
		Example: `  # Before moving the current profile's instance to 10.1.0
  redashctl upgrade check --target 10.1.0

  # Against the newest known release, as JSON
  redashctl upgrade check -o json

  # Another profile
  redashctl upgrade check --profile prod --target 25.8`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := output.Parse(opts.Output, checkFormats...); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if opts.Target == "" {
				opts.Target = newestRelease()
			}
			if err := checkVersion("--target", opts.Target); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Target, "target", "", "Release to move to (default: the newest known release, "+newestRelease()+")")
	cmdutil.AddOutputFlag(cmd, &opts.Output, checkFormats...)
	_ = cmd.RegisterFlagCompletionFunc("target", completeVersions)
	return cmd
}

// liveState turns a snapshot into what upgrade.CheckLive reads.
func liveState(s *live.Snapshot) upg.LiveState {
	st := upg.LiveState{Version: s.VersionReported, MultiOrg: s.MultiOrg}
	if st.Version == "" {
		st.Version = s.Version
	}
	if s.Schedules != nil {
		st.WeeklySchedules = s.Schedules.Weekly
		st.StringIntervals = s.Schedules.StringIntervals
	}
	if s.Queues != nil {
		st.QueueSizes = map[string]int{}
		for _, q := range s.Queues {
			st.QueueSizes[q.Name] = q.Queued
		}
	}
	// Celery releases report only the workers seen running tasks, which says nothing about
	// the queues the others listen to.
	if s.JobSystem == live.JobSystemRQ && s.Workers != nil {
		st.Workers = []upg.LiveWorker{}
		for _, w := range s.Workers {
			st.Workers = append(st.Workers, upg.LiveWorker{Name: w.Name, Queues: w.Queues})
		}
	}
	if s.DataSources != nil {
		st.DataSourceTypes = map[string]int{}
		for _, d := range s.DataSources {
			st.DataSourceTypes[d.Type]++
		}
	}
	return st
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	format, err := output.Parse(opts.Output, checkFormats...)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	target, err := upg.Resolve(opts.Target)
	if err != nil {
		return cmdutil.FlagErrorf("--target: %s", err)
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	client, err := opts.Redash()
	if err != nil {
		return err
	}
	snap, err := live.Read(ctx, client, cfg.URL, live.Options{Schedules: true, Now: opts.Now().UTC()})
	if err != nil {
		return fmt.Errorf("check %s: %w", cfg.URL, err)
	}
	state := liveState(snap)
	findings, err := upg.CheckLive(state, target)
	if err != nil {
		return fmt.Errorf("check %s: %w", cfg.URL, err)
	}
	from, _, err := upg.ResolveNearest(state.Version)
	if err != nil {
		return fmt.Errorf("check %s: instance version: %w", cfg.URL, err)
	}
	diff, err := upg.Diff(from, target)
	if err != nil {
		return fmt.Errorf("check %s: %w", cfg.URL, err)
	}
	if findings == nil {
		findings = []upg.Finding{}
	}
	gaps := snap.Gaps
	res := &CheckResult{
		URL: cfg.URL, Version: state.Version, ComparedAs: from, Target: target,
		State: state, Findings: findings, Missing: gaps, Diff: diff,
	}
	switch format {
	case output.JSON:
		err = output.WriteJSON(opts.IO.Out, res)
	case output.YAML:
		err = output.WriteYAML(opts.IO.Out, res)
	default:
		err = writeCheck(opts.IO, res, snap)
	}
	if err != nil {
		return err
	}
	var failed []string
	for _, g := range gaps {
		kind := "note"
		if g.Failed {
			kind = "warning"
			failed = append(failed, g.Part)
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s: not checked: %s\n", kind, g.Reason)
	}
	if err := verdict(opts.IO, findings, "the instance is", target); err != nil || len(failed) == 0 {
		return err
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Err: fmt.Errorf("incomplete check: could not read %s", strings.Join(failed, ", "))}
}

// maxListedQueries is how many query ids a table row names before "and N more".
const maxListedQueries = 20

// queryList names the queries by id: "2 queries: 12, 40", at most limit ids.
func queryList(ids []int, limit int) string {
	parts := make([]string, 0, min(len(ids), limit)+1)
	for _, id := range ids[:min(len(ids), limit)] {
		parts = append(parts, strconv.Itoa(id))
	}
	if len(ids) > limit {
		parts = append(parts, fmt.Sprintf("and %d more", len(ids)-limit))
	}
	noun := "queries"
	if len(ids) == 1 {
		noun = "query"
	}
	return fmt.Sprintf("%d %s: %s", len(ids), noun, strings.Join(parts, ", "))
}

func countsText(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func writeCheck(ios *iostreams.IOStreams, res *CheckResult, snap *live.Snapshot) error {
	w := ios.Out
	p := &printer{w: w, topts: tableOptions(ios)}
	version := res.Version
	if strings.TrimPrefix(res.ComparedAs, "v") != res.Version {
		version += " (compared as " + res.ComparedAs + ")"
	}
	rows := [][]string{
		{"instance", res.URL},
		{"version", version},
		{"target", res.Target},
		{"multi-org", map[bool]string{true: "yes (org " + snap.Org + ")", false: "no"}[res.State.MultiOrg]},
	}
	if snap.Schedules != nil {
		rows = append(rows, []string{"schedules", fmt.Sprintf("%d active, %d weekly, of %d queries listed", snap.Schedules.Scheduled, snap.Schedules.Weekly, snap.Schedules.Queries)})
		if ids := snap.Schedules.StringIntervalQueries; len(ids) > 0 {
			rows = append(rows, []string{"string intervals", queryList(ids, maxListedQueries)})
		}
	}
	if res.State.DataSourceTypes != nil {
		rows = append(rows, []string{"data source types", orDash(countsText(res.State.DataSourceTypes))})
	}
	if res.State.QueueSizes != nil {
		rows = append(rows, []string{"queued jobs", orDash(countsText(res.State.QueueSizes))})
	}
	if res.State.Workers != nil {
		rows = append(rows, []string{"workers", fmt.Sprintf("%d", len(res.State.Workers))})
	}
	for _, r := range rows {
		p.printf("%-18s %s\n", r[0]+":", r[1])
	}

	if len(res.Findings) > 0 {
		p.printf("\n")
		rows := make([][]string, 0, len(res.Findings))
		for _, f := range res.Findings {
			rows = append(rows, []string{f.Severity, f.Code, f.Message})
		}
		if p.err == nil {
			p.err = output.WriteTable(w, []string{"SEVERITY", "CODE", "MESSAGE"}, rows, output.TableOptions{})
		}
	}
	writeDiffSummary(p, res.Diff)
	return p.err
}

// writeDiffSummary writes the headline of a DiffReport: what changes, the actions and the
// pitfalls by title, and the command that prints all of it.
func writeDiffSummary(p *printer, r *upg.DiffReport) {
	p.printf("\n")
	if r.Direction == upg.DirectionNone {
		p.printf("The instance already runs %s: no release differences.\n", r.To)
		return
	}
	p.printf("%s\n", heading(r))
	if len(r.Crossed) > 0 {
		p.para(indent+"Releases crossed: ", indent+indent, strings.Join(r.Crossed, ", "))
	}
	for _, row := range []struct {
		name string
		c    *upg.Change
	}{{"Job system", r.JobSystem}, {"Python", r.Python}} {
		if row.c != nil {
			p.printf("%s%s: %s → %s\n", indent, row.name, orDash(row.c.From), orDash(row.c.To))
		}
	}
	p.printf("%sSettings: %d added, %d removed, %d renamed, %d changed\n", indent,
		len(r.SettingsAdded), len(r.SettingsRemoved), len(r.SettingsRenamed), len(r.SettingsChanged))
	if len(r.QueuesAdded)+len(r.QueuesRemoved) > 0 {
		p.printf("%sQueues: added %s; removed %s\n", indent, orDash(strings.Join(r.QueuesAdded, ", ")), orDash(strings.Join(r.QueuesRemoved, ", ")))
	}
	if len(r.Migrations) > 0 {
		p.printf("%sDatabase migrations: %d\n", indent, len(r.Migrations))
	}
	if len(r.Actions) > 0 {
		p.title("Actions")
		for _, a := range r.Actions {
			num := fmt.Sprintf("%s%d. ", indent, a.Step)
			t := a.Title
			if !a.Required {
				t = "(optional) " + t
			}
			p.para(num, strings.Repeat(" ", len(num)), t)
		}
	}
	if len(r.Pitfalls) > 0 {
		p.title("Known pitfalls (%d)", len(r.Pitfalls))
		for _, pf := range r.Pitfalls {
			t := pf.Title
			if len(pf.Issues) > 0 {
				t += " (" + strings.Join(pf.Issues, ", ") + ")"
			}
			p.para(indent+"- ", indent+"  ", t)
		}
	}
	p.printf("\nEvery detail: redashctl upgrade diff --from %s --to %s\n", r.From, r.To)
}
