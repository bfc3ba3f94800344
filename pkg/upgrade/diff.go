package upgrade

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Directions of a DiffReport.
const (
	DirectionUpgrade   = "upgrade"
	DirectionDowngrade = "downgrade"
	DirectionNone      = "none"
)

// DiffReport is what changes for an operator between two releases.
type DiffReport struct {
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
	// Direction is upgrade, downgrade or none (the same release).
	Direction string `json:"direction" yaml:"direction"`
	// Crossed lists the releases between From and To, excluding the older and including the
	// newer one: the releases whose changes are applied (upgrade) or undone (downgrade).
	Crossed   []string `json:"crossed" yaml:"crossed"`
	JobSystem *Change  `json:"job_system,omitempty" yaml:"job_system,omitempty"`
	Python    *Change  `json:"python,omitempty" yaml:"python,omitempty"`
	BaseImage *Change  `json:"base_image,omitempty" yaml:"base_image,omitempty"`
	Image     *Change  `json:"image,omitempty" yaml:"image,omitempty"`

	SettingsAdded   []SettingInfo   `json:"settings_added" yaml:"settings_added"`
	SettingsRemoved []SettingInfo   `json:"settings_removed" yaml:"settings_removed"`
	SettingsRenamed []Rename        `json:"settings_renamed" yaml:"settings_renamed"`
	SettingsChanged []SettingChange `json:"settings_changed" yaml:"settings_changed"`

	// Entrypoint lists the bin/docker-entrypoint commands and variable defaults that differ.
	Entrypoint []EntrypointChange `json:"entrypoint" yaml:"entrypoint"`

	QueuesAdded   []string  `json:"queues_added" yaml:"queues_added"`
	QueuesRemoved []string  `json:"queues_removed" yaml:"queues_removed"`
	JobsMoved     []JobMove `json:"jobs_moved" yaml:"jobs_moved"`
	// Services is the reference layout of To, with the queues each service consumes.
	Services []ServiceLayout `json:"services" yaml:"services"`
	// ServiceChanges compares the reference layouts of From and To.
	ServiceChanges []ServiceChange `json:"service_changes" yaml:"service_changes"`
	// DataSourceTypes lists the query runners whose availability differs.
	DataSourceTypes []DataSourceTypeChange `json:"data_source_types" yaml:"data_source_types"`
	// Migrations are the database migrations added by the crossed releases.
	Migrations []Migration   `json:"migrations" yaml:"migrations"`
	Actions    []Action      `json:"actions" yaml:"actions"`
	Pitfalls   []Pitfall     `json:"pitfalls" yaml:"pitfalls"`
	Notes      []ReleaseNote `json:"notes" yaml:"notes"`
}

// Change is a value that differs between the two releases.
type Change struct {
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// SettingInfo names a setting with how it is read.
type SettingInfo struct {
	Name string `json:"name" yaml:"name"`
	// Default is the default as written in the code; nil means there is none.
	Default *string `json:"default" yaml:"default"`
	Parser  string  `json:"parser" yaml:"parser"`
	Scope   string  `json:"scope" yaml:"scope"`
}

// Rename is a setting read under a new name in the target release.
type Rename struct {
	Old string `json:"old" yaml:"old"`
	New string `json:"new" yaml:"new"`
	// OldStillRead reports whether the target still reads the old name as a fallback.
	OldStillRead bool `json:"old_still_read" yaml:"old_still_read"`
}

// SettingChange is one aspect (default, parser or scope) of a setting both releases read.
type SettingChange struct {
	Name  string `json:"name" yaml:"name"`
	Field string `json:"field" yaml:"field"`
	// Old and New are nil when there is no default.
	Old *string `json:"old" yaml:"old"`
	New *string `json:"new" yaml:"new"`
}

// EntrypointChange is a bin/docker-entrypoint command added or removed, or a variable whose
// shell default (${VAR:-default}) differs.
type EntrypointChange struct {
	Command string `json:"command" yaml:"command"`
	// Change is added, removed or changed.
	Change string `json:"change" yaml:"change"`
	// Variable is empty when the whole command is added or removed.
	Variable string `json:"variable,omitempty" yaml:"variable,omitempty"`
	// Old and New are the defaults; nil when the variable is not read.
	Old *string `json:"old,omitempty" yaml:"old,omitempty"`
	New *string `json:"new,omitempty" yaml:"new,omitempty"`
}

// Availability of a query runner in a release.
const (
	RunnerDefault   = "default"   // in default_query_runners
	RunnerAvailable = "available" // shipped, enabled only through REDASH_ADDITIONAL_QUERY_RUNNERS
	RunnerAbsent    = "absent"    // not shipped
)

// DataSourceTypeChange is a query runner whose availability differs between the releases.
type DataSourceTypeChange struct {
	Type   string `json:"type" yaml:"type"`
	Module string `json:"module" yaml:"module"`
	From   string `json:"from" yaml:"from"`
	To     string `json:"to" yaml:"to"`
}

func runnerState(v *Version, t string) (state, module string) {
	d, ok := v.DataSourceType(t)
	switch {
	case !ok:
		return RunnerAbsent, ""
	case d.Default:
		return RunnerDefault, d.Module
	}
	return RunnerAvailable, d.Module
}

func diffDataSourceTypes(a, b *Version) []DataSourceTypeChange {
	out := []DataSourceTypeChange{}
	types := map[string]bool{}
	for _, d := range a.DataSourceTypes {
		types[d.Type] = true
	}
	for _, d := range b.DataSourceTypes {
		types[d.Type] = true
	}
	for _, t := range slices.Sorted(maps.Keys(types)) {
		sa, ma := runnerState(a, t)
		sb, mb := runnerState(b, t)
		if sa == sb {
			continue
		}
		module := mb
		if module == "" {
			module = ma
		}
		out = append(out, DataSourceTypeChange{Type: t, Module: module, From: sa, To: sb})
	}
	return out
}

// JobMove is a job that goes to a different queue (or to none, when it no longer exists).
type JobMove struct {
	Job  string `json:"job" yaml:"job"`
	From string `json:"from" yaml:"from"`
	To   string `json:"to" yaml:"to"`
}

// ServiceLayout is a service of the target's reference layout.
type ServiceLayout struct {
	Name         string   `json:"name" yaml:"name"`
	Command      string   `json:"command,omitempty" yaml:"command,omitempty"`
	Image        string   `json:"image,omitempty" yaml:"image,omitempty"`
	Queues       string   `json:"queues,omitempty" yaml:"queues,omitempty"`
	WorkersCount string   `json:"workers_count,omitempty" yaml:"workers_count,omitempty"`
	Consumes     []string `json:"consumes,omitempty" yaml:"consumes,omitempty"`
	Schedules    bool     `json:"schedules,omitempty" yaml:"schedules,omitempty"`
}

// ServiceChange is a difference between the reference layouts.
type ServiceChange struct {
	Service string `json:"service" yaml:"service"`
	// Change is added, removed or changed.
	Change string `json:"change" yaml:"change"`
	Detail string `json:"detail" yaml:"detail"`
}

// Action phases, in the order they are carried out.
const (
	PhaseBackup   = "backup"
	PhaseSettings = "settings"
	PhaseCompose  = "compose"
	PhaseMigrate  = "migrate"
	PhaseStart    = "start"
	PhaseVerify   = "verify"
)

var phases = []string{PhaseBackup, PhaseSettings, PhaseCompose, PhaseMigrate, PhaseStart, PhaseVerify}

func phaseRank(p string) int { return slices.Index(phases, p) }

// Action is one step of the upgrade (or downgrade), in order.
type Action struct {
	Step  int    `json:"step" yaml:"step"`
	Phase string `json:"phase" yaml:"phase"`
	// Required is false for clean-ups that the target tolerates when skipped.
	Required bool   `json:"required" yaml:"required"`
	Title    string `json:"title" yaml:"title"`
	Detail   string `json:"detail,omitempty" yaml:"detail,omitempty"`
}

// Pitfall is a known problem relevant to the move, with the Redash issues that report it.
type Pitfall struct {
	ID    string `json:"id" yaml:"id"`
	Title string `json:"title" yaml:"title"`
	// Issues are GitHub references such as "getredash/redash#5069".
	Issues []string `json:"issues,omitempty" yaml:"issues,omitempty"`
	// References are other sources (path@tag in getredash/redash, CVE numbers).
	References []string `json:"references,omitempty" yaml:"references,omitempty"`
	// Versions says which upgrades or releases are affected.
	Versions string `json:"versions" yaml:"versions"`
	// Condition, when set, limits the pitfall to instances with that trait: multi_org,
	// weekly_schedules or string_intervals.
	Condition string `json:"condition,omitempty" yaml:"condition,omitempty"`
	Detail    string `json:"detail" yaml:"detail"`
	Fix       string `json:"fix,omitempty" yaml:"fix,omitempty"`
}

// ReleaseNote is an upgrade note of a crossed release.
type ReleaseNote struct {
	Version string `json:"version" yaml:"version"`
	Text    string `json:"text" yaml:"text"`
}

// Diff compares two releases (in any order, each as Resolve accepts it).
func Diff(from, to string) (*DiffReport, error) {
	a, err := Lookup(from)
	if err != nil {
		return nil, fmt.Errorf("diff from: %w", err)
	}
	b, err := Lookup(to)
	if err != nil {
		return nil, fmt.Errorf("diff to: %w", err)
	}
	c := mustCatalog()
	r := &DiffReport{
		From: a.Tag, To: b.Tag, Direction: DirectionNone,
		Crossed: []string{}, SettingsAdded: []SettingInfo{}, SettingsRemoved: []SettingInfo{},
		SettingsRenamed: []Rename{}, SettingsChanged: []SettingChange{}, QueuesAdded: []string{},
		QueuesRemoved: []string{}, JobsMoved: []JobMove{}, Entrypoint: []EntrypointChange{}, ServiceChanges: []ServiceChange{},
		Migrations: []Migration{}, Actions: []Action{}, Pitfalls: []Pitfall{}, Notes: []ReleaseNote{},
		DataSourceTypes: []DataSourceTypeChange{},
	}
	older, newer := a, b
	switch {
	case a.index < b.index:
		r.Direction = DirectionUpgrade
	case a.index > b.index:
		r.Direction = DirectionDowngrade
		older, newer = b, a
	}
	for _, v := range c.between(older, newer) {
		r.Crossed = append(r.Crossed, v.Tag)
		r.Migrations = append(r.Migrations, v.Migrations...)
		for _, n := range v.Notes {
			r.Notes = append(r.Notes, ReleaseNote{Version: v.Tag, Text: n})
		}
	}
	r.JobSystem = change(a.JobSystemDetail, b.JobSystemDetail)
	r.Python = change(a.Python, b.Python)
	r.BaseImage = change(a.BaseImage, b.BaseImage)
	r.Image = change(a.DockerImage, b.DockerImage)
	diffSettings(r, a, b)
	diffQueues(r, a, b)
	r.Entrypoint = diffEntrypoint(a, b)
	r.DataSourceTypes = diffDataSourceTypes(a, b)
	r.Services = layout(b)
	r.ServiceChanges = diffLayouts(a, b)
	r.Actions = actions(c, r, a, b)
	r.Pitfalls = pitfalls(c, r, a, b)
	return r, nil
}

func change(a, b string) *Change {
	if a == b {
		return nil
	}
	return &Change{From: a, To: b}
}

func info(s Setting) SettingInfo {
	return SettingInfo{Name: s.Name, Default: s.Default, Parser: s.Parser, Scope: s.Scope}
}

func diffSettings(r *DiffReport, a, b *Version) {
	renamedNew := map[string]bool{}
	renamedOld := map[string]bool{}
	// A name the target reads with a fallback to a name the source read: renamed forwards.
	for _, s := range b.Settings() {
		if _, ok := a.settings[s.Name]; ok {
			continue
		}
		for _, old := range s.FallbackEnv {
			if _, ok := a.settings[old]; ok {
				_, still := b.settings[old]
				r.SettingsRenamed = append(r.SettingsRenamed, Rename{Old: old, New: s.Name, OldStillRead: still})
				renamedNew[s.Name] = true
				break
			}
		}
	}
	// A name the source read with a fallback the target still reads: renamed back (downgrades).
	for _, s := range a.Settings() {
		if _, ok := b.settings[s.Name]; ok {
			continue
		}
		for _, fb := range s.FallbackEnv {
			if _, ok := b.settings[fb]; ok {
				r.SettingsRenamed = append(r.SettingsRenamed, Rename{Old: s.Name, New: fb})
				renamedOld[s.Name] = true
				break
			}
		}
	}
	for _, s := range b.Settings() {
		if _, ok := a.settings[s.Name]; !ok && !renamedNew[s.Name] {
			r.SettingsAdded = append(r.SettingsAdded, info(s))
		}
	}
	for _, s := range a.Settings() {
		if _, ok := b.settings[s.Name]; !ok && !renamedOld[s.Name] {
			r.SettingsRemoved = append(r.SettingsRemoved, info(s))
		}
	}
	for _, s := range a.Settings() {
		t, ok := b.settings[s.Name]
		if !ok {
			continue
		}
		if !sameDefault(s, t) {
			r.SettingsChanged = append(r.SettingsChanged, SettingChange{Name: s.Name, Field: "default", Old: s.Default, New: t.Default})
		}
		if normalizeParser(s.Parser) != normalizeParser(t.Parser) {
			r.SettingsChanged = append(r.SettingsChanged, SettingChange{Name: s.Name, Field: "parser", Old: &s.Parser, New: &t.Parser})
		}
		if s.Scope != t.Scope {
			r.SettingsChanged = append(r.SettingsChanged, SettingChange{Name: s.Name, Field: "scope", Old: &s.Scope, New: &t.Scope})
		}
	}
}

// sameDefault ignores differences of Python spelling only: quote style and implicit
// concatenation of adjacent string literals.
func sameDefault(a, b Setting) bool {
	if (a.Default == nil) != (b.Default == nil) {
		return false
	}
	if a.Default == nil {
		return true
	}
	if a.DefaultKind != "expression" || b.DefaultKind != "expression" {
		return *a.Default == *b.Default
	}
	return normalizeExpr(*a.Default) == normalizeExpr(*b.Default)
}

func normalizeExpr(s string) string {
	s = strings.ReplaceAll(s, `"`, `'`)
	return strings.ReplaceAll(s, `' '`, "")
}

// normalizeParser ignores the list() that the Python 3 port wrapped around map().
func normalizeParser(p string) string {
	p = strings.TrimSuffix(p, " | list")
	return strings.ReplaceAll(p, `"`, `'`)
}

func diffQueues(r *DiffReport, a, b *Version) {
	for _, q := range b.Queues {
		if !a.HasQueue(q.Name) {
			r.QueuesAdded = append(r.QueuesAdded, q.Name)
		}
	}
	for _, q := range a.Queues {
		if !b.HasQueue(q.Name) {
			r.QueuesRemoved = append(r.QueuesRemoved, q.Name)
		}
	}
	jobs := slices.Sorted(maps.Keys(mergeKeys(a.Jobs, b.Jobs)))
	for _, j := range jobs {
		qa, qb := a.Jobs[j], b.Jobs[j]
		if qa != qb {
			r.JobsMoved = append(r.JobsMoved, JobMove{Job: j, From: orNone(qa), To: orNone(qb)})
		}
	}
}

func diffEntrypoint(a, b *Version) []EntrypointChange {
	out := []EntrypointChange{}
	cmds := map[string]bool{}
	for k := range a.Commands {
		cmds[k] = true
	}
	for k := range b.Commands {
		cmds[k] = true
	}
	for _, name := range slices.Sorted(maps.Keys(cmds)) {
		ca, inA := a.Commands[name]
		cb, inB := b.Commands[name]
		switch {
		case !inA:
			out = append(out, EntrypointChange{Command: name, Change: "added"})
			continue
		case !inB:
			out = append(out, EntrypointChange{Command: name, Change: "removed"})
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(mergeKeys(ca.Env, cb.Env))) {
			va, okA := ca.Env[k]
			vb, okB := cb.Env[k]
			switch {
			case okA && !okB:
				out = append(out, EntrypointChange{Command: name, Change: "removed", Variable: k, Old: &va})
			case !okA && okB:
				out = append(out, EntrypointChange{Command: name, Change: "added", Variable: k, New: &vb})
			case va != vb:
				out = append(out, EntrypointChange{Command: name, Change: "changed", Variable: k, Old: &va, New: &vb})
			}
		}
	}
	return out
}

func mergeKeys(a, b map[string]string) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// isRedashReference reports whether a reference service runs the Redash image.
func isRedashReference(v *Version, s ReferenceService) bool {
	if s.Command == "" {
		return isRedashImage(s.Image)
	}
	_, ok := v.Commands[splitCommand(s.Command)[0]]
	return ok
}

func layout(v *Version) []ServiceLayout {
	var out []ServiceLayout
	for _, s := range v.Services {
		l := ServiceLayout{Name: s.Name, Command: s.Command, Image: s.Image}
		if isRedashReference(v, s) {
			run := v.RunOf(splitCommand(s.Command), s.Env)
			l.Queues = s.Env["QUEUES"]
			l.WorkersCount = s.Env["WORKERS_COUNT"]
			l.Consumes = run.Consumes
			l.Schedules = run.Schedules
		}
		out = append(out, l)
	}
	return out
}

func describeService(v *Version, s ReferenceService) string {
	var parts []string
	if s.Command != "" {
		parts = append(parts, fmt.Sprintf("command `%s`", s.Command))
	}
	if q, ok := s.Env["QUEUES"]; ok {
		parts = append(parts, fmt.Sprintf("QUEUES=%q", q))
	}
	if w, ok := s.Env["WORKERS_COUNT"]; ok {
		parts = append(parts, "WORKERS_COUNT="+w)
	}
	if isRedashReference(v, s) {
		if run := v.RunOf(splitCommand(s.Command), s.Env); len(run.Consumes) > 0 {
			parts = append(parts, "consumes "+strings.Join(run.Consumes, ", "))
		}
	} else if s.Image != "" {
		parts = append(parts, "image "+s.Image)
	}
	return strings.Join(parts, ", ")
}

func diffLayouts(a, b *Version) []ServiceChange {
	out := []ServiceChange{}
	find := func(v *Version, name string) (ReferenceService, bool) {
		i := slices.IndexFunc(v.Services, func(s ReferenceService) bool { return s.Name == name })
		if i < 0 {
			return ReferenceService{}, false
		}
		return v.Services[i], true
	}
	for _, s := range b.Services {
		old, ok := find(a, s.Name)
		if !ok {
			out = append(out, ServiceChange{Service: s.Name, Change: "added", Detail: describeService(b, s)})
			continue
		}
		var diffs []string
		if old.Command != s.Command {
			diffs = append(diffs, fmt.Sprintf("command `%s` → `%s`", old.Command, s.Command))
		}
		for _, k := range []string{"QUEUES", "WORKERS_COUNT"} {
			ov, had := old.Env[k]
			nv, has := s.Env[k]
			switch {
			case had && !has:
				diffs = append(diffs, fmt.Sprintf("drop %s (was %q)", k, ov))
			case !had && has:
				diffs = append(diffs, fmt.Sprintf("set %s=%q", k, nv))
			case had && has && ov != nv:
				diffs = append(diffs, fmt.Sprintf("%s %q → %q", k, ov, nv))
			}
		}
		if !isRedashReference(b, s) && old.Image != s.Image {
			diffs = append(diffs, fmt.Sprintf("image %s → %s", old.Image, s.Image))
		}
		if len(diffs) > 0 {
			out = append(out, ServiceChange{Service: s.Name, Change: "changed", Detail: strings.Join(diffs, "; ")})
		}
	}
	for _, s := range a.Services {
		if _, ok := find(b, s.Name); !ok {
			out = append(out, ServiceChange{Service: s.Name, Change: "removed", Detail: describeService(a, s)})
		}
	}
	return out
}

// applies evaluates curated version bounds for a move from a to b.
func (c *catalog) applies(bd bounds, r *DiffReport, a, b *Version) bool {
	if r.Direction == DirectionNone {
		return false
	}
	if bd.When == "migrations" && (len(r.Migrations) == 0 || r.Direction == DirectionDowngrade) {
		return false
	}
	hasFrom := bd.FromMin != "" || bd.FromMax != ""
	if r.Direction == DirectionDowngrade && hasFrom {
		return false
	}
	return c.within(a, bd.FromMin, bd.FromMax) && c.within(b, bd.ToMin, bd.ToMax)
}

func boundsText(bd bounds) string {
	span := func(min, max string) string {
		switch {
		case min != "" && max != "" && min == max:
			return min
		case min != "" && max != "":
			return min + " – " + max
		case min != "":
			return min + " or later"
		case max != "":
			return max + " or earlier"
		}
		return "any release"
	}
	switch {
	case bd.When == "migrations":
		return "any upgrade that crosses database migrations"
	case bd.FromMin != "" || bd.FromMax != "":
		return "upgrades from " + span(bd.FromMin, bd.FromMax) + " to " + span(bd.ToMin, bd.ToMax)
	}
	return span(bd.ToMin, bd.ToMax)
}

func (p curatedPitfall) pitfall() Pitfall {
	return Pitfall{
		ID: p.ID, Title: p.Title, Issues: p.Issues, References: p.References,
		Versions: boundsText(p.bounds), Condition: p.Condition, Detail: p.Detail, Fix: p.Fix,
	}
}

func pitfalls(c *catalog, r *DiffReport, a, b *Version) []Pitfall {
	out := []Pitfall{}
	for _, p := range c.curated.Pitfalls {
		if !c.applies(p.bounds, r, a, b) {
			continue
		}
		out = append(out, p.pitfall())
	}
	return out
}

func actions(c *catalog, r *DiffReport, a, b *Version) []Action {
	if r.Direction == DirectionNone {
		return []Action{}
	}
	var out []Action
	add := func(phase string, required bool, title, detail string) {
		out = append(out, Action{Phase: phase, Required: required, Title: title, Detail: detail})
	}
	if r.Direction == DirectionUpgrade {
		add(PhaseBackup, true, "Back up the database and the env file",
			fmt.Sprintf("pg_dump the Redash database before the %s image touches it: migrations are not undone by going back to %s.", b.Tag, a.Tag))
	} else {
		add(PhaseBackup, true, "Back up the database and the env file", "Take a dump of the current state before changing anything.")
	}

	for _, ca := range c.curated.Actions {
		if c.applies(ca.bounds, r, a, b) {
			add(ca.Phase, true, ca.Title, ca.Detail)
		}
	}
	for _, rn := range r.SettingsRenamed {
		if rn.OldStillRead {
			add(PhaseSettings, false, fmt.Sprintf("Rename %s to %s", rn.Old, rn.New),
				fmt.Sprintf("%s still reads %s as a fallback.", b.Tag, rn.Old))
		} else {
			add(PhaseSettings, true, fmt.Sprintf("Rename %s to %s", rn.Old, rn.New),
				fmt.Sprintf("%s no longer reads %s.", b.Tag, rn.Old))
		}
	}
	if names := removedServerSettings(r); len(names) > 0 {
		add(PhaseSettings, false, "Remove settings the target no longer reads",
			fmt.Sprintf("%s ignores %s.", b.Tag, strings.Join(names, ", ")))
	}

	var gone, disabled []string
	var modules []string
	for _, d := range r.DataSourceTypes {
		switch {
		case d.To == RunnerAbsent:
			gone = append(gone, d.Type)
		case d.From == RunnerDefault && d.To == RunnerAvailable:
			disabled = append(disabled, d.Type)
			if m := "redash.query_runner." + d.Module; !slices.Contains(modules, m) {
				modules = append(modules, m)
			}
		}
	}
	if len(gone) > 0 {
		add(PhaseSettings, false, "Move or drop data sources whose type the target does not ship",
			fmt.Sprintf("%s has no query runner for %s; data sources of these types stop working (redashctl upgrade check counts them).", b.Tag, strings.Join(gone, ", ")))
	}
	if len(disabled) > 0 {
		add(PhaseSettings, false, "Enable query runners that are no longer on by default",
			fmt.Sprintf("If you use %s, add %s to REDASH_ADDITIONAL_QUERY_RUNNERS.", strings.Join(disabled, ", "), strings.Join(modules, ",")))
	}

	out = append(out, layoutActions(a, b)...)
	image := "the " + strings.TrimPrefix(b.Tag, "v") + " image"
	if b.DockerImage != "" {
		image = b.DockerImage
	}
	if b.Tag == "master" {
		image = "an image built from master"
	}
	add(PhaseCompose, true, "Point every Redash service at "+image, "")

	if r.Direction == DirectionUpgrade && len(r.Migrations) > 0 {
		add(PhaseMigrate, true, "Stop the Redash services and run the database migrations",
			fmt.Sprintf("docker-compose run --rm server manage db upgrade (%d migrations in %s)", len(r.Migrations), strings.Join(versionsWithMigrations(c, r.Crossed), ", ")))
	}
	if r.Direction == DirectionDowngrade && len(r.Migrations) > 0 {
		add(PhaseMigrate, true, "Restore the database backup taken before the upgrade",
			fmt.Sprintf("%s cannot use a schema migrated by %s.", b.Tag, strings.Join(versionsWithMigrations(c, r.Crossed), ", ")))
	}
	start := "docker-compose up -d --force-recreate"
	if a.JobSystem != b.JobSystem {
		start += " --build"
	}
	add(PhaseStart, true, "Recreate the containers", start)
	add(PhaseVerify, false, "Check that every queue has a worker",
		fmt.Sprintf("redashctl upgrade lint --target %s --compose docker-compose.yml, then redashctl status", b.Tag))

	sort.SliceStable(out, func(i, j int) bool { return phaseRank(out[i].Phase) < phaseRank(out[j].Phase) })
	for i := range out {
		out[i].Step = i + 1
	}
	return out
}

func versionsWithMigrations(c *catalog, tags []string) []string {
	var out []string
	for _, t := range tags {
		if len(c.byTag[t].Migrations) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// removedServerSettings lists the settings the source read and the target does not, except
// query runner and destination ones (they only matter to the data sources using them).
func removedServerSettings(r *DiffReport) []string {
	var names []string
	for _, s := range r.SettingsRemoved {
		if s.Scope == "query_runner" || s.Scope == "destination" {
			continue
		}
		names = append(names, s.Name)
	}
	return names
}

// layoutActions turns the reference layout differences into compose edits. An edit is
// required when the source layout, run by the target release, leaves a required queue or the
// scheduler without a service.
func layoutActions(a, b *Version) []Action {
	var old []ReferenceService
	for _, s := range a.Services {
		if isRedashReference(a, s) {
			old = append(old, s)
		}
	}
	consumed := map[string]bool{}
	unknown := map[string]bool{}
	for _, s := range old {
		run := b.RunOf(splitCommand(s.Command), s.Env)
		if !run.Known {
			unknown[s.Name] = true
		}
		for _, q := range run.Consumes {
			consumed[q] = true
		}
	}
	var missing []string
	for _, q := range b.RequiredQueues {
		if !consumed[q] {
			missing = append(missing, q)
		}
	}
	var out []Action
	for _, ch := range diffLayouts(a, b) {
		ref := b
		if ch.Change == "removed" {
			ref = a
		}
		i := slices.IndexFunc(ref.Services, func(s ReferenceService) bool { return s.Name == ch.Service })
		if i < 0 || !isRedashReference(ref, ref.Services[i]) {
			continue
		}
		s := ref.Services[i]
		required := unknown[s.Name]
		var title string
		switch ch.Change {
		case "added":
			run := b.RunOf(splitCommand(s.Command), s.Env)
			for _, q := range run.Consumes {
				if slices.Contains(missing, q) {
					required = true
				}
			}
			title = fmt.Sprintf("Add a `%s` service", s.Name)
		case "removed":
			title = fmt.Sprintf("Remove the `%s` service", s.Name)
		default:
			title = fmt.Sprintf("Change the `%s` service", s.Name)
		}
		out = append(out, Action{Phase: PhaseCompose, Required: required, Title: title, Detail: ch.Detail})
	}
	return out
}
