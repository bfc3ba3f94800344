// Package upgrade knows how Redash releases v4.0.0 to v26.3.0 (and master) are configured and
// deployed, and answers the questions an operator has before and after an upgrade: what changed
// between two releases (Diff), what is wrong with a deployment for a target release (Lint), and
// what a live instance should look at before it moves (CheckLive).
//
// The facts come from data embedded in the binary: data/catalog.json, generated from the Redash
// source by ./internal/gen, and data/curated.yaml, the hand-curated pitfalls and rules. The
// package does no I/O.
package upgrade

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

//go:generate go run ./internal/gen -in ../../../shared/redash-settings.json -out data/catalog.json
//go:generate python3 internal/gen/query_runners.py $REDASH_GIT data/query_runners.json

//go:embed data/catalog.json
var catalogJSON []byte

//go:embed data/curated.yaml
var curatedYAML []byte

//go:embed data/query_runners.json
var queryRunnersJSON []byte

// Job systems.
const (
	JobSystemCelery = "celery"
	JobSystemRQ     = "rq"
)

// Version describes one Redash release: its runtime, job system, queues, entrypoint commands,
// reference service layout and settings. Values returned by Lookup are shared and must not be
// modified.
type Version struct {
	Tag             string `json:"tag" yaml:"tag"`
	Date            string `json:"date" yaml:"date"`
	Commit          string `json:"commit" yaml:"commit"`
	Python          string `json:"python" yaml:"python"`
	BaseImage       string `json:"base_image" yaml:"base_image"`
	JobSystem       string `json:"job_system" yaml:"job_system"`
	JobSystemDetail string `json:"job_system_detail" yaml:"job_system_detail"`
	// DockerImage is the published image of the release, when a source names its build.
	DockerImage string `json:"docker_image,omitempty" yaml:"docker_image,omitempty"`
	// BooleanParser is "json" (v4, v5: json.loads of the lowered value) or "strict" (v6 and
	// later: yes/true/on/1 and no/false/off/0/none).
	BooleanParser string `json:"boolean_parser" yaml:"boolean_parser"`
	// Queues lists every queue the release enqueues jobs on.
	Queues []Queue `json:"queues" yaml:"queues"`
	// RequiredQueues must each be consumed by some worker.
	RequiredQueues []string `json:"required_queues" yaml:"required_queues"`
	// DefaultQueues are consumed by an RQ worker whose QUEUES is empty (RQ releases only).
	DefaultQueues []string `json:"default_queues,omitempty" yaml:"default_queues,omitempty"`
	// Jobs maps each job to the queue it is sent to.
	Jobs         map[string]string `json:"jobs" yaml:"jobs"`
	PeriodicJobs []string          `json:"periodic_jobs" yaml:"periodic_jobs"`
	// Commands are the bin/docker-entrypoint commands, by name.
	Commands map[string]Command `json:"commands" yaml:"commands"`
	// Services is the reference production layout and ServicesSource where it comes from.
	Services       []ReferenceService `json:"services" yaml:"services"`
	ServicesSource string             `json:"services_source" yaml:"services_source"`
	Migrations     []Migration        `json:"migrations,omitempty" yaml:"migrations,omitempty"`
	// SetupEnvVars are the variables the official setup script writes into the env file.
	SetupEnvVars []string `json:"setup_env_vars,omitempty" yaml:"setup_env_vars,omitempty"`
	// Notes are the upgrade notes for this release, each citing its source.
	Notes []string `json:"notes" yaml:"notes"`
	// DataSourceTypes lists the query runners the release ships, sorted by type.
	DataSourceTypes []DataSourceType `json:"data_source_types" yaml:"data_source_types"`
	// RequiredSettings are the settings whose absence Lint reports for this release.
	RequiredSettings []RequiredSetting `json:"required_settings" yaml:"required_settings"`

	index    int
	settings map[string]Setting
}

// Queue is a job queue and what is sent to it.
type Queue struct {
	Name    string `json:"name" yaml:"name"`
	Purpose string `json:"purpose" yaml:"purpose"`
	Source  string `json:"source,omitempty" yaml:"source,omitempty"`
}

// Command is a bin/docker-entrypoint command: what it runs and the defaults of the variables it
// reads (${VAR:-default}).
type Command struct {
	Name string            `json:"name" yaml:"name"`
	Run  string            `json:"run" yaml:"run"`
	Env  map[string]string `json:"env,omitempty" yaml:"env,omitempty"`
}

// ReferenceService is one service of a release's reference docker-compose layout.
type ReferenceService struct {
	Name    string            `json:"name" yaml:"name"`
	Image   string            `json:"image,omitempty" yaml:"image,omitempty"`
	Command string            `json:"command,omitempty" yaml:"command,omitempty"`
	Env     map[string]string `json:"env,omitempty" yaml:"env,omitempty"`
	EnvFile string            `json:"env_file,omitempty" yaml:"env_file,omitempty"`
	// Consumes lists the queues the service executes jobs from in its own release.
	Consumes []string `json:"consumes,omitempty" yaml:"consumes,omitempty"`
}

// RequiredSetting is a setting that must be set (severity error) or that should be set
// (warning) for a release; setting any of Alternatives also satisfies it.
type RequiredSetting struct {
	Name         string   `json:"name" yaml:"name"`
	Alternatives []string `json:"alternatives,omitempty" yaml:"alternatives,omitempty"`
	Severity     string   `json:"severity" yaml:"severity"`
	Reason       string   `json:"reason" yaml:"reason"`
}

// DataSourceType is a query runner: the type string data sources store, the module under
// redash.query_runner that provides it, and whether the module is in default_query_runners
// (otherwise it must be added with REDASH_ADDITIONAL_QUERY_RUNNERS).
type DataSourceType struct {
	Type    string `json:"type" yaml:"type"`
	Module  string `json:"module" yaml:"module"`
	Default bool   `json:"default" yaml:"default"`
}

// DataSourceType returns the query runner of type t in v.
func (v *Version) DataSourceType(t string) (DataSourceType, bool) {
	i := slices.IndexFunc(v.DataSourceTypes, func(d DataSourceType) bool { return d.Type == t })
	if i < 0 {
		return DataSourceType{}, false
	}
	return v.DataSourceTypes[i], true
}

// hasRunnerModule reports whether redash.query_runner.<module> exists in v.
func (v *Version) hasRunnerModule(module string) bool {
	return slices.ContainsFunc(v.DataSourceTypes, func(d DataSourceType) bool { return d.Module == module })
}

// Migration is a database migration added by a release.
type Migration struct {
	Revision string `json:"revision" yaml:"revision"`
	Title    string `json:"title" yaml:"title"`
}

// Setting is one environment variable a release reads.
type Setting struct {
	Name string `json:"name" yaml:"name"`
	// Default is the default as written in the code; nil means there is none.
	Default *string `json:"default" yaml:"default"`
	// DefaultKind is literal, expression (another setting or a Python expression) or none.
	DefaultKind string `json:"default_kind" yaml:"default_kind"`
	// Parser lists the helpers applied to the raw string, inner first, separated by " | "
	// ("str" is the raw string).
	Parser string `json:"parser" yaml:"parser"`
	// Scope is server, org_setting_default (only the default of a per-organization setting),
	// query_runner, destination or other.
	Scope string `json:"scope" yaml:"scope"`
	File  string `json:"file" yaml:"file"`
	// Internal is the Python name the value is stored under.
	Internal string `json:"internal,omitempty" yaml:"internal,omitempty"`
	// FallbackEnv are other variables read, in order, when this one is unset.
	FallbackEnv      []string `json:"fallback_env,omitempty" yaml:"fallback_env,omitempty"`
	DefaultFromEnv   string   `json:"default_from_env,omitempty" yaml:"default_from_env,omitempty"`
	EffectiveDefault string   `json:"effective_default,omitempty" yaml:"effective_default,omitempty"`
	Notes            []string `json:"notes,omitempty" yaml:"notes,omitempty"`
	// Since and Until are the first and last catalog releases of the run that contains this
	// release and reads the setting the same way.
	Since string `json:"since" yaml:"since"`
	Until string `json:"until" yaml:"until"`
}

// Setting returns the setting called name as read by v.
func (v *Version) Setting(name string) (Setting, bool) {
	s, ok := v.settings[name]
	return s, ok
}

// Settings returns every setting v reads, sorted by name.
func (v *Version) Settings() []Setting {
	out := make([]Setting, 0, len(v.settings))
	for _, s := range v.settings {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// HasQueue reports whether v enqueues jobs on the named queue.
func (v *Version) HasQueue(name string) bool {
	return slices.ContainsFunc(v.Queues, func(q Queue) bool { return q.Name == name })
}

// catalog is the decoded embedded data.
type catalog struct {
	versions []*Version
	byTag    map[string]*Version
	curated  curated
	// everRead maps each setting name to the tags reading it, in release order.
	everRead map[string][]string
}

type curated struct {
	Pitfalls         []curatedPitfall             `yaml:"pitfalls"`
	Actions          []curatedAction              `yaml:"actions"`
	RequiredSettings []requiredSetting            `yaml:"required_settings"`
	QueueSymptoms    map[string]map[string]string `yaml:"queue_symptoms"`
	CeleryOnly       struct {
		Prefixes []string `yaml:"prefixes"`
		Names    []string `yaml:"names"`
	} `yaml:"celery_only"`
	EntrypointVars map[string]string `yaml:"entrypoint_vars"`
}

// bounds are inclusive version bounds on an upgrade's source and target.
type bounds struct {
	FromMin string `yaml:"from_min"`
	FromMax string `yaml:"from_max"`
	ToMin   string `yaml:"to_min"`
	ToMax   string `yaml:"to_max"`
	When    string `yaml:"when"`
}

type curatedPitfall struct {
	ID         string   `yaml:"id"`
	Title      string   `yaml:"title"`
	Issues     []string `yaml:"issues"`
	References []string `yaml:"references"`
	Condition  string   `yaml:"condition"`
	Detail     string   `yaml:"detail"`
	Fix        string   `yaml:"fix"`
	bounds     `yaml:",inline"`
}

type curatedAction struct {
	ID     string `yaml:"id"`
	Phase  string `yaml:"phase"`
	Title  string `yaml:"title"`
	Detail string `yaml:"detail"`
	bounds `yaml:",inline"`
}

type requiredSetting struct {
	Name         string   `yaml:"name"`
	Alternatives []string `yaml:"alternatives"`
	Min          string   `yaml:"min"`
	Max          string   `yaml:"max"`
	Severity     string   `yaml:"severity"`
	Reason       string   `yaml:"reason"`
}

// File shapes of data/catalog.json.

type fileCatalog struct {
	Versions []fileVersion         `json:"versions"`
	Settings map[string][]fileSpan `json:"settings"`
}

type fileVersion struct {
	Tag             string `json:"tag"`
	Date            string `json:"date"`
	Commit          string `json:"commit"`
	Python          string `json:"python"`
	BaseImage       string `json:"base_image"`
	JobSystem       string `json:"job_system"`
	JobSystemDetail string `json:"job_system_detail"`
	DockerImage     string `json:"docker_image"`
	ParseBoolean    string `json:"parse_boolean"`
	Entrypoint      map[string]struct {
		Command string             `json:"command"`
		Env     map[string]*string `json:"env"`
	} `json:"entrypoint"`
	DefaultQueues  []string           `json:"default_queues"`
	Queues         []Queue            `json:"queues"`
	Jobs           map[string]string  `json:"jobs"`
	PeriodicJobs   []string           `json:"periodic_jobs"`
	ServicesSource string             `json:"services_source"`
	Services       []ReferenceService `json:"services"`
	Migrations     []Migration        `json:"migrations"`
	SetupEnvVars   []string           `json:"setup_env_vars"`
	Notes          []string           `json:"notes"`
}

type fileSpan struct {
	From                    string   `json:"from"`
	To                      string   `json:"to"`
	Default                 *string  `json:"default"`
	DefaultKind             string   `json:"default_kind"`
	Parser                  string   `json:"parser"`
	Scope                   string   `json:"scope"`
	File                    string   `json:"file"`
	Internal                string   `json:"internal"`
	FallbackEnv             []string `json:"fallback_env"`
	DefaultFromEnv          string   `json:"default_from_env"`
	EffectiveDefault        string   `json:"effective_default"`
	EffectiveDefaultFromEnv string   `json:"effective_default_from_env"`
	Notes                   []string `json:"notes"`
}

var loadCatalog = sync.OnceValues(func() (*catalog, error) {
	c, err := decodeCatalog(catalogJSON, curatedYAML)
	if err != nil {
		return nil, err
	}
	if err := c.addQueryRunners(queryRunnersJSON); err != nil {
		return nil, err
	}
	return c, nil
})

// addQueryRunners decodes data/query_runners.json into each release.
func (c *catalog) addQueryRunners(raw []byte) error {
	var f struct {
		Versions map[string]map[string]struct {
			Module  string `json:"module"`
			Default bool   `json:"default"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("decode query_runners.json: %w", err)
	}
	for _, v := range c.versions {
		runners, ok := f.Versions[v.Tag]
		if !ok {
			return fmt.Errorf("query_runners.json: no entry for %s", v.Tag)
		}
		v.DataSourceTypes = make([]DataSourceType, 0, len(runners))
		for t, r := range runners {
			v.DataSourceTypes = append(v.DataSourceTypes, DataSourceType{Type: t, Module: r.Module, Default: r.Default})
		}
		sort.Slice(v.DataSourceTypes, func(i, j int) bool { return v.DataSourceTypes[i].Type < v.DataSourceTypes[j].Type })
	}
	return nil
}

// mustCatalog returns the embedded catalog. The data is compiled in and checked by the tests,
// so a decoding failure is a build defect.
func mustCatalog() *catalog {
	c, err := loadCatalog()
	if err != nil {
		panic(fmt.Sprintf("upgrade: embedded catalog is invalid: %v", err))
	}
	return c
}

func decodeCatalog(rawCatalog, rawCurated []byte) (*catalog, error) {
	var fc fileCatalog
	if err := json.Unmarshal(rawCatalog, &fc); err != nil {
		return nil, fmt.Errorf("decode catalog.json: %w", err)
	}
	c := &catalog{byTag: map[string]*Version{}, everRead: map[string][]string{}}
	if err := yaml.Unmarshal(rawCurated, &c.curated); err != nil {
		return nil, fmt.Errorf("decode curated.yaml: %w", err)
	}
	for i, fv := range fc.Versions {
		v := &Version{
			Tag: fv.Tag, Date: fv.Date, Commit: fv.Commit, Python: fv.Python, BaseImage: fv.BaseImage,
			JobSystem: fv.JobSystem, JobSystemDetail: fv.JobSystemDetail, DockerImage: fv.DockerImage,
			BooleanParser: fv.ParseBoolean, Queues: fv.Queues, DefaultQueues: fv.DefaultQueues,
			Jobs: fv.Jobs, PeriodicJobs: fv.PeriodicJobs, ServicesSource: fv.ServicesSource,
			Services: fv.Services, Migrations: fv.Migrations, SetupEnvVars: fv.SetupEnvVars,
			Notes: fv.Notes, Commands: map[string]Command{}, settings: map[string]Setting{}, index: i,
		}
		for name, e := range fv.Entrypoint {
			cmd := Command{Name: name, Run: e.Command}
			for k, d := range e.Env {
				if d == nil {
					continue
				}
				if cmd.Env == nil {
					cmd.Env = map[string]string{}
				}
				cmd.Env[k] = *d
			}
			v.Commands[name] = cmd
		}
		switch v.JobSystem {
		case JobSystemRQ:
			if len(v.DefaultQueues) == 0 {
				return nil, fmt.Errorf("%s: RQ release without default queues", v.Tag)
			}
			v.RequiredQueues = slices.Clone(v.DefaultQueues)
		case JobSystemCelery:
			// Everything the beat scheduler and the web process enqueue, with the data source
			// queue defaults. `schemas` is handled by Lint: no default layout consumed it in
			// v4-v6, and from v7 refresh_schema goes to REDASH_SCHEMAS_REFRESH_QUEUE.
			v.RequiredQueues = []string{"queries", "scheduled_queries", "celery"}
		default:
			return nil, fmt.Errorf("%s: unknown job system %q", v.Tag, v.JobSystem)
		}
		if _, dup := c.byTag[v.Tag]; dup {
			return nil, fmt.Errorf("duplicate release %s", v.Tag)
		}
		c.versions = append(c.versions, v)
		c.byTag[v.Tag] = v
	}
	for name, spans := range fc.Settings {
		for _, sp := range spans {
			from, ok1 := c.byTag[sp.From]
			to, ok2 := c.byTag[sp.To]
			if !ok1 || !ok2 || from.index > to.index {
				return nil, fmt.Errorf("setting %s: bad span %s..%s", name, sp.From, sp.To)
			}
			for _, v := range c.versions[from.index : to.index+1] {
				v.settings[name] = Setting{
					Name: name, Default: sp.Default, DefaultKind: sp.DefaultKind, Parser: sp.Parser,
					Scope: sp.Scope, File: sp.File, Internal: sp.Internal, FallbackEnv: sp.FallbackEnv,
					DefaultFromEnv: sp.DefaultFromEnv, EffectiveDefault: sp.EffectiveDefault,
					Notes: sp.Notes, Since: sp.From, Until: sp.To,
				}
			}
		}
	}
	for _, v := range c.versions {
		for name := range v.settings {
			c.everRead[name] = append(c.everRead[name], v.Tag)
		}
		for i := range v.Services {
			s := &v.Services[i]
			if run, ok := v.runOf(splitCommand(s.Command), s.Env); ok {
				s.Consumes = run.Consumes
			}
		}
	}
	if err := c.checkCurated(); err != nil {
		return nil, err
	}
	for _, v := range c.versions {
		for _, r := range c.curated.RequiredSettings {
			if c.within(v, r.Min, r.Max) {
				v.RequiredSettings = append(v.RequiredSettings, RequiredSetting{Name: r.Name, Alternatives: r.Alternatives, Severity: r.Severity, Reason: r.Reason})
			}
		}
	}
	return c, nil
}

func (c *catalog) checkCurated() error {
	check := func(what, tag string) error {
		if tag == "" {
			return nil
		}
		if _, ok := c.byTag[tag]; !ok {
			return fmt.Errorf("curated.yaml: %s names unknown release %q", what, tag)
		}
		return nil
	}
	for _, p := range c.curated.Pitfalls {
		for _, t := range []string{p.FromMin, p.FromMax, p.ToMin, p.ToMax} {
			if err := check("pitfall "+p.ID, t); err != nil {
				return err
			}
		}
	}
	for _, a := range c.curated.Actions {
		for _, t := range []string{a.FromMin, a.FromMax, a.ToMin, a.ToMax} {
			if err := check("action "+a.ID, t); err != nil {
				return err
			}
		}
		if phaseRank(a.Phase) < 0 {
			return fmt.Errorf("curated.yaml: action %s has unknown phase %q", a.ID, a.Phase)
		}
	}
	for _, r := range c.curated.RequiredSettings {
		if err := check("required setting "+r.Name, r.Min); err != nil {
			return err
		}
		if err := check("required setting "+r.Name, r.Max); err != nil {
			return err
		}
		if r.Severity != SeverityError && r.Severity != SeverityWarning {
			return fmt.Errorf("curated.yaml: required setting %s has severity %q", r.Name, r.Severity)
		}
	}
	return nil
}

// Pitfalls returns every known upgrade pitfall, whichever releases it affects.
func Pitfalls() []Pitfall {
	c := mustCatalog()
	out := make([]Pitfall, 0, len(c.curated.Pitfalls))
	for _, p := range c.curated.Pitfalls {
		out = append(out, p.pitfall())
	}
	return out
}

// IsCelerySetting reports whether name is read only by the Celery releases (v4.0.0 to
// v8.0.0): REDASH_CELERY_*, CELERY_*, REDASH_SCHEMAS_REFRESH_QUEUE and the Celery entrypoint
// variables.
func IsCelerySetting(name string) bool {
	l := linter{c: mustCatalog()}
	return l.isCeleryOnly(name)
}

// Versions returns the tags of every release in the catalog, oldest first; "master" (the
// snapshot of the default branch) is last.
func Versions() []string {
	c := mustCatalog()
	out := make([]string, len(c.versions))
	for i, v := range c.versions {
		out[i] = v.Tag
	}
	return out
}

// Lookup returns the release that Resolve(v) names.
func Lookup(v string) (*Version, error) {
	tag, err := Resolve(v)
	if err != nil {
		return nil, err
	}
	return mustCatalog().byTag[tag], nil
}

// Resolve turns a version as users write it into a catalog tag. It accepts tags ("v10.1.0"),
// bare versions ("10.1.0"), shortened ones ("10.1", "8": the newest final release with that
// prefix, or the newest pre-release when there is no final one, so "9" is v9.0.0-beta), Docker
// image tags and references ("8.0.0.b32245", "redash/redash:10.1.0.b50633"), build suffixes
// ("10.1.0+b50633") and "master". Anything else is an error that lists the known versions.
func Resolve(v string) (string, error) {
	c := mustCatalog()
	tag, ok := c.resolve(v)
	if !ok {
		return "", fmt.Errorf("unknown Redash version %q: known versions are %s", v, strings.Join(Versions(), ", "))
	}
	return tag, nil
}

// ResolveNearest is Resolve for versions the catalog may not list, such as the monthly
// "24.04.0-dev" preview builds: it returns the newest catalog release that is not newer than v,
// and exact reports whether v is itself in the catalog.
func ResolveNearest(v string) (tag string, exact bool, err error) {
	c := mustCatalog()
	if tag, ok := c.resolve(v); ok {
		return tag, true, nil
	}
	want, ok := parseSemver(normalizeVersion(v))
	if !ok {
		return "", false, fmt.Errorf("unknown Redash version %q: known versions are %s", v, strings.Join(Versions(), ", "))
	}
	best := ""
	for _, cv := range c.versions {
		sv, ok := parseSemver(cv.Tag)
		if !ok {
			continue
		}
		if compareSemver(sv, want) <= 0 {
			best = cv.Tag
		}
	}
	if best == "" {
		return "", false, fmt.Errorf("version %q is older than every known Redash version (%s)", v, strings.Join(Versions(), ", "))
	}
	return best, false, nil
}

func normalizeVersion(v string) string {
	s := strings.TrimSpace(strings.ToLower(v))
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = s[i+1:] // image reference: keep the tag
	}
	if i := strings.Index(s, "+"); i >= 0 {
		s = s[:i] // build metadata, as in 10.1.0+b50633
	}
	// Docker build numbers: 8.0.0.b32245, 9.0.0-beta.b42121.
	if i := strings.LastIndex(s, ".b"); i > 0 && isDigits(s[i+2:]) {
		s = s[:i]
	}
	if s != "" && s != "master" && !strings.HasPrefix(s, "v") {
		s = "v" + s
	}
	return s
}

func (c *catalog) resolve(v string) (string, bool) {
	s := normalizeVersion(v)
	if s == "" {
		return "", false
	}
	if _, ok := c.byTag[s]; ok {
		return s, true
	}
	parts := strings.Split(strings.SplitN(s, "-", 2)[0], ".")
	if len(parts) > 3 {
		return "", false
	}
	for _, p := range parts {
		if !isDigits(strings.TrimPrefix(p, "v")) {
			return "", false
		}
	}
	// A prefix: "v10.1" matches v10.1.0, "v9.0.0" matches v9.0.0-beta, "v8.0.0-beta" matches
	// v8.0.0-beta.2. Prefer the newest final release, then the newest pre-release.
	var final, pre string
	for _, cv := range c.versions {
		if cv.Tag == "master" || !versionHasPrefix(cv.Tag, s) {
			continue
		}
		if strings.Contains(cv.Tag, "-") {
			pre = cv.Tag
		} else {
			final = cv.Tag
		}
	}
	if final != "" {
		return final, true
	}
	return pre, pre != ""
}

// versionHasPrefix reports whether tag starts with prefix at a component boundary.
func versionHasPrefix(tag, prefix string) bool {
	if !strings.HasPrefix(tag, prefix) {
		return false
	}
	rest := tag[len(prefix):]
	return rest == "" || rest[0] == '.' || rest[0] == '-'
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

type semver struct {
	major, minor, patch int
	pre                 string
}

func parseSemver(tag string) (semver, bool) {
	s := strings.TrimPrefix(tag, "v")
	core, pre, _ := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return semver{}, false
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil {
			return semver{}, false
		}
		n[i] = x
	}
	return semver{n[0], n[1], n[2], pre}, true
}

func compareSemver(a, b semver) int {
	for _, d := range []int{a.major - b.major, a.minor - b.minor, a.patch - b.patch} {
		if d != 0 {
			return d
		}
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1
	case b.pre == "":
		return -1
	}
	return strings.Compare(a.pre, b.pre)
}

// between returns the releases after a and up to b (both catalog tags, a before b).
func (c *catalog) between(a, b *Version) []*Version {
	return c.versions[a.index+1 : b.index+1]
}

// within reports whether v lies in [min, max]; empty bounds are open.
func (c *catalog) within(v *Version, min, max string) bool {
	if min != "" && v.index < c.byTag[min].index {
		return false
	}
	if max != "" && v.index > c.byTag[max].index {
		return false
	}
	return true
}
