package upgrade

import (
	"fmt"
	"regexp"
	"strings"
)

// Markdown renders the report as GitHub-flavoured Markdown, to paste into a migration ticket.
func (r *DiffReport) Markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	verb := "Upgrade"
	switch r.Direction {
	case DirectionDowngrade:
		verb = "Downgrade"
	case DirectionNone:
		verb = "Redash"
	}
	p("# %s %s → %s\n\n", verb, r.From, r.To)
	if len(r.Crossed) > 0 {
		p("Releases crossed: %s.\n\n", strings.Join(r.Crossed, ", "))
	}
	if r.JobSystem != nil || r.Python != nil || r.BaseImage != nil || r.Image != nil {
		p("| | %s | %s |\n|---|---|---|\n", r.From, r.To)
		for _, row := range []struct {
			name string
			c    *Change
		}{{"Job system", r.JobSystem}, {"Python", r.Python}, {"Base image", r.BaseImage}, {"Image", r.Image}} {
			if row.c != nil {
				p("| %s | %s | %s |\n", row.name, cell(orDash(row.c.From)), cell(orDash(row.c.To)))
			}
		}
		p("\n")
	}

	if len(r.Actions) > 0 {
		p("## Actions\n\n")
		for _, a := range r.Actions {
			opt := ""
			if !a.Required {
				opt = " (optional)"
			}
			p("%d. [ ] **%s**%s", a.Step, a.Title, opt)
			if a.Detail != "" {
				p(" — %s", a.Detail)
			}
			p("\n")
		}
		p("\n")
	}

	if len(r.Services) > 0 {
		p("## Service layout of %s\n\n", r.To)
		p("| Service | Command | QUEUES | WORKERS_COUNT | Consumes |\n|---|---|---|---|---|\n")
		for _, s := range r.Services {
			if s.Command == "" {
				continue
			}
			consumes := strings.Join(s.Consumes, ", ")
			if s.Schedules && consumes == "" {
				consumes = "(enqueues periodic jobs)"
			}
			p("| %s | %s | %s | %s | %s |\n", cell(s.Name), code(s.Command), code(s.Queues), cell(s.WorkersCount), cell(consumes))
		}
		p("\n")
		if len(r.ServiceChanges) > 0 {
			p("Changes from the %s layout:\n\n", r.From)
			for _, c := range r.ServiceChanges {
				p("- `%s` %s: %s\n", c.Service, c.Change, c.Detail)
			}
			p("\n")
		}
	}

	if n := len(r.SettingsAdded) + len(r.SettingsRemoved) + len(r.SettingsRenamed) + len(r.SettingsChanged); n > 0 {
		p("## Settings\n\n")
		settingTable := func(title string, list []SettingInfo) {
			if len(list) == 0 {
				return
			}
			p("### %s (%d)\n\n| Setting | Default | Parser | Scope |\n|---|---|---|---|\n", title, len(list))
			for _, s := range list {
				p("| %s | %s | %s | %s |\n", code(s.Name), defaultCell(s.Default), code(s.Parser), cell(s.Scope))
			}
			p("\n")
		}
		settingTable("Added", r.SettingsAdded)
		settingTable("Removed", r.SettingsRemoved)
		if len(r.SettingsRenamed) > 0 {
			p("### Renamed (%d)\n\n| Old | New | Old name still read |\n|---|---|---|\n", len(r.SettingsRenamed))
			for _, rn := range r.SettingsRenamed {
				still := "no"
				if rn.OldStillRead {
					still = "yes"
				}
				p("| %s | %s | %s |\n", code(rn.Old), code(rn.New), still)
			}
			p("\n")
		}
		if len(r.SettingsChanged) > 0 {
			p("### Changed (%d)\n\n| Setting | What | Old | New |\n|---|---|---|---|\n", len(r.SettingsChanged))
			for _, c := range r.SettingsChanged {
				p("| %s | %s | %s | %s |\n", code(c.Name), c.Field, defaultCell(c.Old), defaultCell(c.New))
			}
			p("\n")
		}
	}

	if len(r.Entrypoint) > 0 {
		p("## Entrypoint (bin/docker-entrypoint)\n\n| Command | Change | Variable | Old default | New default |\n|---|---|---|---|---|\n")
		for _, e := range r.Entrypoint {
			oldV, newV := "", ""
			if e.Variable != "" {
				oldV, newV = readCell(e.Old), readCell(e.New)
			}
			p("| %s | %s | %s | %s | %s |\n", code(e.Command), e.Change, code(e.Variable), oldV, newV)
		}
		p("\n")
	}

	if len(r.QueuesAdded)+len(r.QueuesRemoved)+len(r.JobsMoved) > 0 {
		p("## Queues and jobs\n\n")
		if len(r.QueuesAdded) > 0 {
			p("- Queues added: %s\n", codeList(r.QueuesAdded))
		}
		if len(r.QueuesRemoved) > 0 {
			p("- Queues removed: %s\n", codeList(r.QueuesRemoved))
		}
		if len(r.JobsMoved) > 0 {
			p("\n| Job | %s | %s |\n|---|---|---|\n", r.From, r.To)
			for _, j := range r.JobsMoved {
				p("| %s | %s | %s |\n", code(j.Job), cell(j.From), cell(j.To))
			}
		}
		p("\n")
	}

	if len(r.DataSourceTypes) > 0 {
		p("## Data source types\n\n| Type | Module | %s | %s |\n|---|---|---|---|\n", r.From, r.To)
		for _, d := range r.DataSourceTypes {
			p("| %s | %s | %s | %s |\n", code(d.Type), code(d.Module), d.From, d.To)
		}
		p("\n")
	}

	if len(r.Migrations) > 0 {
		p("## Database migrations (%d)\n\n", len(r.Migrations))
		for _, m := range r.Migrations {
			p("- `%s` %s\n", m.Revision, m.Title)
		}
		p("\n")
	}

	if len(r.Pitfalls) > 0 {
		p("## Known pitfalls\n\n")
		for _, pf := range r.Pitfalls {
			p("### %s\n\n", pf.Title)
			p("Affects %s", pf.Versions)
			if pf.Condition != "" {
				p(" (only with %s)", strings.ReplaceAll(pf.Condition, "_", " "))
			}
			p(".")
			if len(pf.Issues) > 0 {
				var links []string
				for _, is := range pf.Issues {
					links = append(links, issueLink(is))
				}
				p(" Reports: %s.", strings.Join(links, ", "))
			}
			if len(pf.References) > 0 {
				p(" Sources: %s.", strings.Join(pf.References, ", "))
			}
			p("\n\n%s\n\n", pf.Detail)
			if pf.Fix != "" {
				p("**Fix:** %s\n\n", pf.Fix)
			}
		}
	}

	if len(r.Notes) > 0 {
		p("## Release notes\n\n")
		for _, n := range r.Notes {
			p("- **%s**: %s\n", n.Version, n.Text)
		}
		p("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

var issueRef = regexp.MustCompile(`^([\w.-]+/[\w.-]+)#(\d+)$`)

func issueLink(ref string) string {
	m := issueRef.FindStringSubmatch(ref)
	if m == nil {
		return ref
	}
	return fmt.Sprintf("[%s](https://github.com/%s/issues/%s)", ref, m[1], m[2])
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func code(s string) string {
	if s == "" {
		return ""
	}
	return "`" + cell(s) + "`"
}

func codeList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return strings.Join(out, ", ")
}

func defaultCell(d *string) string {
	switch {
	case d == nil:
		return "(none)"
	case *d == "":
		return `""`
	}
	return code(*d)
}

func readCell(d *string) string {
	if d == nil {
		return "(not read)"
	}
	return defaultCell(d)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
