package upgrade

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/redashctl/redashctl/internal/output"
	upg "github.com/redashctl/redashctl/pkg/upgrade"
)

const indent = "  "

// printer writes the sections of a report for people.
type printer struct {
	w     io.Writer
	topts output.TableOptions
	err   error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// title starts a section.
func (p *printer) title(format string, args ...any) {
	p.printf("\n"+format+"\n", args...)
}

// table writes an indented table.
func (p *printer) table(header []string, rows [][]string) {
	if p.err != nil {
		return
	}
	o := p.topts
	if o.Width > 0 {
		o.Width = max(o.Width-len(indent), 20)
	}
	var buf bytes.Buffer
	if p.err = output.WriteTable(&buf, header, rows, o); p.err != nil {
		return
	}
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		p.printf("%s%s\n", indent, line)
	}
}

// para writes text indented by prefix for the first line and by hang for the
// next ones, wrapped to the terminal width when there is one.
func (p *printer) para(prefix, hang, text string) {
	width := p.topts.Width
	if width <= 0 {
		p.printf("%s%s\n", prefix, text)
		return
	}
	line := prefix
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len([]rune(line))+1+len([]rune(word)) > width {
			p.printf("%s\n", line)
			line, empty = hang, true
		}
		if empty {
			line += word
			empty = false
		} else {
			line += " " + word
		}
	}
	p.printf("%s\n", line)
}

func defaultText(d *string) string {
	switch {
	case d == nil:
		return "(none)"
	case *d == "":
		return `""`
	}
	return *d
}

func readText(d *string) string {
	if d == nil {
		return "(not read)"
	}
	return defaultText(d)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func heading(r *upg.DiffReport) string {
	switch r.Direction {
	case upg.DirectionDowngrade:
		return fmt.Sprintf("Downgrade %s → %s", r.From, r.To)
	case upg.DirectionNone:
		return fmt.Sprintf("Redash %s → %s: the same release, nothing changes", r.From, r.To)
	}
	return fmt.Sprintf("Upgrade %s → %s", r.From, r.To)
}

// writeReport renders a DiffReport for a terminal: the same sections as its
// Markdown, as aligned tables and indented lists.
func writeReport(w io.Writer, r *upg.DiffReport, topts output.TableOptions) error {
	p := &printer{w: w, topts: topts}
	p.printf("%s\n", heading(r))
	if len(r.Crossed) > 0 {
		p.para("Releases crossed: ", indent, strings.Join(r.Crossed, ", "))
	}
	var runtime [][]string
	for _, row := range []struct {
		name string
		c    *upg.Change
	}{{"Job system", r.JobSystem}, {"Python", r.Python}, {"Base image", r.BaseImage}, {"Image", r.Image}} {
		if row.c != nil {
			runtime = append(runtime, []string{row.name, orDash(row.c.From), orDash(row.c.To)})
		}
	}
	if len(runtime) > 0 {
		p.printf("\n")
		p.table([]string{"", r.From, r.To}, runtime)
	}

	if len(r.Actions) > 0 {
		p.title("Actions")
		for _, a := range r.Actions {
			num := fmt.Sprintf("%s%d. ", indent, a.Step)
			hang := strings.Repeat(" ", len(num))
			t := a.Title
			if !a.Required {
				t = "(optional) " + t
			}
			p.para(num, hang, t)
			if a.Detail != "" {
				p.para(hang, hang, a.Detail)
			}
		}
	}

	if len(r.Services) > 0 {
		p.title("Service layout of %s", r.To)
		var rows [][]string
		for _, s := range r.Services {
			if s.Command == "" {
				continue
			}
			consumes := strings.Join(s.Consumes, ", ")
			if s.Schedules && consumes == "" {
				consumes = "(enqueues periodic jobs)"
			}
			rows = append(rows, []string{s.Name, s.Command, s.Queues, s.WorkersCount, consumes})
		}
		p.table([]string{"SERVICE", "COMMAND", "QUEUES", "WORKERS_COUNT", "CONSUMES"}, rows)
		if len(r.ServiceChanges) > 0 {
			p.printf("%sChanges from the %s layout:\n", indent, r.From)
			for _, c := range r.ServiceChanges {
				p.para(indent+"- ", indent+"  ", fmt.Sprintf("%s %s: %s", c.Service, c.Change, c.Detail))
			}
		}
	}

	settingTable := func(title string, list []upg.SettingInfo) {
		if len(list) == 0 {
			return
		}
		p.title("Settings %s (%d)", title, len(list))
		rows := make([][]string, 0, len(list))
		for _, s := range list {
			rows = append(rows, []string{s.Name, s.Scope, s.Parser, defaultText(s.Default)})
		}
		p.table([]string{"SETTING", "SCOPE", "PARSER", "DEFAULT"}, rows)
	}
	settingTable("added", r.SettingsAdded)
	settingTable("removed", r.SettingsRemoved)
	if len(r.SettingsRenamed) > 0 {
		p.title("Settings renamed (%d)", len(r.SettingsRenamed))
		rows := make([][]string, 0, len(r.SettingsRenamed))
		for _, rn := range r.SettingsRenamed {
			still := "no"
			if rn.OldStillRead {
				still = "yes"
			}
			rows = append(rows, []string{rn.Old, rn.New, still})
		}
		p.table([]string{"OLD", "NEW", "OLD NAME STILL READ"}, rows)
	}
	if len(r.SettingsChanged) > 0 {
		p.title("Settings changed (%d)", len(r.SettingsChanged))
		rows := make([][]string, 0, len(r.SettingsChanged))
		for _, c := range r.SettingsChanged {
			rows = append(rows, []string{c.Name, c.Field, defaultText(c.Old), defaultText(c.New)})
		}
		p.table([]string{"SETTING", "WHAT", "OLD", "NEW"}, rows)
	}

	if len(r.Entrypoint) > 0 {
		p.title("Entrypoint (bin/docker-entrypoint)")
		rows := make([][]string, 0, len(r.Entrypoint))
		for _, e := range r.Entrypoint {
			oldV, newV := "", ""
			if e.Variable != "" {
				oldV, newV = readText(e.Old), readText(e.New)
			}
			rows = append(rows, []string{e.Command, e.Change, e.Variable, oldV, newV})
		}
		p.table([]string{"COMMAND", "CHANGE", "VARIABLE", "OLD DEFAULT", "NEW DEFAULT"}, rows)
	}

	if len(r.QueuesAdded)+len(r.QueuesRemoved)+len(r.JobsMoved) > 0 {
		p.title("Queues and jobs")
		if len(r.QueuesAdded) > 0 {
			p.printf("%sQueues added: %s\n", indent, strings.Join(r.QueuesAdded, ", "))
		}
		if len(r.QueuesRemoved) > 0 {
			p.printf("%sQueues removed: %s\n", indent, strings.Join(r.QueuesRemoved, ", "))
		}
		if len(r.JobsMoved) > 0 {
			rows := make([][]string, 0, len(r.JobsMoved))
			for _, j := range r.JobsMoved {
				rows = append(rows, []string{j.Job, j.From, j.To})
			}
			p.table([]string{"JOB", "QUEUE IN " + r.From, "QUEUE IN " + r.To}, rows)
		}
	}

	if len(r.DataSourceTypes) > 0 {
		p.title("Data source types")
		rows := make([][]string, 0, len(r.DataSourceTypes))
		for _, d := range r.DataSourceTypes {
			rows = append(rows, []string{d.Type, d.Module, d.From, d.To})
		}
		p.table([]string{"TYPE", "MODULE", r.From, r.To}, rows)
	}

	if len(r.Migrations) > 0 {
		p.title("Database migrations (%d)", len(r.Migrations))
		for _, m := range r.Migrations {
			p.para(indent+"- ", indent+"  ", m.Revision+" "+m.Title)
		}
	}

	if len(r.Pitfalls) > 0 {
		p.title("Known pitfalls (%d)", len(r.Pitfalls))
		for i, pf := range r.Pitfalls {
			if i > 0 {
				p.printf("\n")
			}
			writePitfall(p, pf)
		}
	}

	if len(r.Notes) > 0 {
		p.title("Release notes")
		for _, n := range r.Notes {
			p.para(indent+"- ", indent+"  ", n.Version+": "+n.Text)
		}
	}
	return p.err
}

func writePitfall(p *printer, pf upg.Pitfall) {
	hang := indent + "  "
	p.para(indent+"- ", hang, pf.Title)
	affects := "Affects " + pf.Versions
	if pf.Condition != "" {
		affects += " (only with " + strings.ReplaceAll(pf.Condition, "_", " ") + ")"
	}
	affects += "."
	if len(pf.Issues) > 0 {
		affects += " Reports: " + strings.Join(pf.Issues, ", ") + "."
	}
	if len(pf.References) > 0 {
		affects += " Sources: " + strings.Join(pf.References, ", ") + "."
	}
	p.para(hang, hang, affects)
	p.para(hang, hang, pf.Detail)
	if pf.Fix != "" {
		p.para(hang, hang, "Fix: "+pf.Fix)
	}
}
