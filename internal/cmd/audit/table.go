package audit

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/pkg/audit"
	"github.com/redashctl/redashctl/pkg/redash"
)

// meaning is the table's one-line gloss of each code.
var meaning = map[audit.Code]string{
	audit.NeverRun:          "no result since creation",
	audit.Stale:             "unscheduled, not run or edited lately",
	audit.ScheduleFailing:   "schedule not producing results",
	audit.OwnerDisabled:     "owner's account disabled",
	audit.Unused:            "no dashboard, alert, view or run",
	audit.ExternalConsumer:  "read by a job outside Redash (marker)",
	audit.ScheduledUnviewed: "unused but still scheduled",
	audit.DraftAbandoned:    "draft left untouched",
	audit.Duplicate:         "same SQL as a newer query",
	audit.DataSourceMissing: "data source deleted or paused",
	audit.BrokenReference:   "refers to an archived or missing query",
}

// maxGroups and maxCostly bound the table's second and third parts.
const (
	maxGroups = 25
	maxCostly = 10
)

func writeTable(ios *iostreams.IOStreams, opts *AuditOptions, inv *audit.Inventory, rep *audit.Report, records []Record, url string) error {
	w := ios.Out
	tty := ios.IsStdoutTTY()
	to := output.TableOptions{}
	if tty {
		to.Width = ios.TerminalWidth()
		key := "admin key"
		if !rep.Admin {
			key = "non-admin key"
		}
		fmt.Fprintf(w, "Audit of %s (Redash %s, %s) on %s: %d queries, %d with findings, %d tagged %q\n\n",
			url, rep.Version, key, rep.Now.Format("2006-01-02 15:04 MST"), rep.Audited, len(rep.Results), rep.Kept, rep.KeepTag)
	}

	// 1. Counts per code.
	var rows [][]string
	for _, c := range audit.Codes() {
		n, weak := 0, 0
		for i := range rep.Results {
			if f := rep.Results[i].Finding(c); f != nil {
				n++
				if f.Weak {
					weak++
				}
			}
		}
		rows = append(rows, []string{string(c), strconv.Itoa(n), strconv.Itoa(weak), meaning[c]})
	}
	if err := output.WriteTable(w, []string{"FINDING", "QUERIES", "WEAK", "MEANING"}, rows, to); err != nil {
		return err
	}

	// 2. Per owner, tag or data source.
	fmt.Fprintln(w)
	if tty {
		fmt.Fprintf(w, "By %s\n\n", opts.By)
	}
	if err := writeGroups(w, opts.By, inv, rep, records, to); err != nil {
		return err
	}

	// 3. The costliest scheduled-unviewed queries.
	var costly []*Record
	for i := range records {
		if slices.Contains(records[i].Codes, string(audit.ScheduledUnviewed)) {
			costly = append(costly, &records[i])
		}
	}
	if len(costly) == 0 {
		return nil
	}
	slices.SortStableFunc(costly, func(a, b *Record) int {
		if c := cmp.Compare(cost(b), cost(a)); c != 0 {
			return c
		}
		if c := cmp.Compare(deref64(b.RunsPerDay), deref64(a.RunsPerDay)); c != 0 {
			return c
		}
		return a.ID - b.ID
	})
	fmt.Fprintln(w)
	if tty {
		fmt.Fprintf(w, "Costliest scheduled-unviewed queries (%d in all), by estimated runtime a day\n\n", len(costly))
	}
	rows = nil
	for _, r := range costly[:min(len(costly), maxCostly)] {
		rows = append(rows, []string{
			strconv.Itoa(r.ID), r.Name, r.OwnerEmail, cmdutil.DescribeSchedule(r.Schedule),
			fmtFloat(deref64(r.RunsPerDay)), runtimeText(r.RuntimeSeconds), humanSeconds(cost(r)),
		})
	}
	return output.WriteTable(w, []string{"ID", "NAME", "OWNER", "SCHEDULE", "RUNS/DAY", "RUNTIME", "TIME/DAY"}, rows, to)
}

// cost is a scheduled query's estimated runtime a day, in seconds.
func cost(r *Record) float64 {
	if r.RuntimeSeconds == nil {
		return 0
	}
	return deref64(r.RunsPerDay) * *r.RuntimeSeconds
}

type group struct {
	name                  string
	queries, withFindings int
	archive               int
	codes                 map[audit.Code]int
}

func writeGroups(w io.Writer, by string, inv *audit.Inventory, rep *audit.Report, records []Record, to output.TableOptions) error {
	sources := map[int]string{}
	for _, ds := range inv.DataSources {
		sources[ds.ID] = ds.Name
	}
	keys := func(q *redash.Query) []string {
		switch by {
		case byTag:
			if len(q.Tags) == 0 {
				return []string{"(no tag)"}
			}
			return q.Tags
		case byDataSource:
			switch {
			case q.DataSourceID == nil:
				return []string{"(deleted)"}
			case sources[*q.DataSourceID] != "":
				return []string{sources[*q.DataSourceID]}
			}
			return []string{"data source " + strconv.Itoa(*q.DataSourceID)}
		}
		switch {
		case q.User.Email != "":
			return []string{q.User.Email}
		case q.User.Name != "":
			return []string{q.User.Name}
		}
		return []string{"user " + strconv.Itoa(q.UserID)}
	}
	groups := map[string]*group{}
	get := func(k string) *group {
		g := groups[k]
		if g == nil {
			g = &group{name: k, codes: map[audit.Code]int{}}
			groups[k] = g
		}
		return g
	}
	for i := range inv.Queries {
		if inv.Queries[i].IsArchived {
			continue
		}
		for _, k := range keys(&inv.Queries[i]) {
			get(k).queries++
		}
	}
	byID := map[int]*Record{}
	for i := range records {
		byID[records[i].ID] = &records[i]
	}
	for i := range rep.Results {
		res := &rep.Results[i]
		for _, k := range keys(res.Query) {
			g := get(k)
			if res.Hidden {
				g.queries++
			}
			g.withFindings++
			if r := byID[res.Query.ID]; r != nil && r.PlanAction != nil && *r.PlanAction == "archive" {
				g.archive++
			}
			for _, c := range res.Codes() {
				g.codes[c]++
			}
		}
	}
	list := make([]*group, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	slices.SortFunc(list, func(a, b *group) int {
		if c := cmp.Compare(b.withFindings, a.withFindings); c != 0 {
			return c
		}
		if c := cmp.Compare(b.queries, a.queries); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var rows [][]string
	for _, g := range list[:min(len(list), maxGroups)] {
		var parts []string
		for _, c := range audit.Codes() {
			if n := g.codes[c]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", c, n))
			}
		}
		rows = append(rows, []string{g.name, strconv.Itoa(g.queries), strconv.Itoa(g.withFindings), strconv.Itoa(g.archive), strings.Join(parts, ", ")})
	}
	if more := len(list) - maxGroups; more > 0 {
		rows = append(rows, []string{fmt.Sprintf("(%d more: see -o json)", more), "", "", "", ""})
	}
	header := map[string]string{byOwner: "OWNER", byTag: "TAG", byDataSource: "DATA SOURCE"}[by]
	return output.WriteTable(w, []string{header, "QUERIES", "WITH FINDINGS", "TO ARCHIVE", "FINDINGS"}, rows, to)
}

// humanSeconds renders a duration: "1h05m", "4m10s", "12s".
func humanSeconds(sec float64) string {
	s := int64(sec + 0.5)
	switch {
	case s <= 0:
		return "0s"
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}

func runtimeText(p *float64) string {
	if p == nil {
		return "-"
	}
	return strconv.FormatFloat(*p, 'f', 1, 64) + "s"
}

func fmtFloat(x float64) string {
	if x >= 10 || x == float64(int64(x)) {
		return strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

func deref64(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}
