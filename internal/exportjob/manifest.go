// Package exportjob holds what the export commands share beyond the result
// pipeline (pkg/results) and the Sheets writer (pkg/sheets): the export
// manifest of `export run` and `export validate`, the lock that keeps two
// runs of one manifest apart, the adapter that streams a result into a
// sheet, and the status records the commands print.
//
// It writes to no terminal: the commands hand it their writers.
package exportjob

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/pkg/results"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// ManifestVersion is the only manifest format version so far.
const ManifestVersion = 1

// Manifest is an export manifest: the jobs a cron line keeps current.
type Manifest struct {
	// Path is the file the manifest was read from.
	Path string
	// Credentials is the service-account key file for Google Sheets, or
	// sheets.CredentialsNone, or "" (the command line or Application
	// Default Credentials decide).
	Credentials string
	// Jobs are in file order.
	Jobs []Job
}

// Job is one export of a manifest: a query's result into one tab.
type Job struct {
	// Name identifies the job in --only and in status lines; unique.
	Name string
	// Line is the job's line in the manifest.
	Line int
	// Profile is the redashctl profile of the Redash instance; "" uses the
	// command line's profile or URL.
	Profile string
	// QueryID is the saved query to export.
	QueryID int
	// Params are the parameter values, merged over the saved defaults.
	Params results.Args
	// Freshness picks a cached result or a fresh run.
	Freshness results.Freshness
	// Spreadsheet is the spreadsheet URL or id as written.
	Spreadsheet string
	// Target is Spreadsheet parsed, with Tab applied.
	Target sheets.Target
	Mode   sheets.Mode
	// ValueInput is raw or user-entered.
	ValueInput sheets.ValueInput
	// NoHeader leaves out the header row.
	NoHeader bool
	// TimestampColumn, in append mode, adds a first column of that name
	// holding the export's time.
	TimestampColumn string
	// ExpectURL, if set, is the only Redash URL the job may run against.
	ExpectURL string
	// MaxResultAge refuses to write a result older than this (0: no limit).
	MaxResultAge time.Duration
}

// Request returns the job's result request.
func (j *Job) Request() results.Request {
	return results.Request{QueryID: j.QueryID, Args: j.Params, Freshness: j.Freshness, MaxResultAge: j.MaxResultAge}
}

// Problem is one thing wrong with a manifest.
type Problem struct {
	Line int
	// Job is the job's name, when known.
	Job string
	Msg string
}

// ManifestError lists every problem of a manifest, one per line.
type ManifestError struct {
	Path     string
	Problems []Problem
}

// Error returns the problems, one per line, each as "path:line: message".
func (e *ManifestError) Error() string {
	return strings.Join(e.Lines(), "\n")
}

// Lines returns one line per problem: "path:line: [job "name": ]message".
func (e *ManifestError) Lines() []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		where := e.Path
		if p.Line > 0 {
			where += ":" + strconv.Itoa(p.Line)
		}
		if p.Job != "" {
			out[i] = fmt.Sprintf("%s: job %q: %s", where, p.Job, p.Msg)
		} else {
			out[i] = fmt.Sprintf("%s: %s", where, p.Msg)
		}
	}
	return out
}

// LoadManifest reads and checks the manifest at path; see ParseManifest.
func LoadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("read manifest %s: %w", path, err)
	}
	return ParseManifest(path, data)
}

var (
	topFields = []string{"version", "credentials", "defaults", "jobs"}
	jobFields = []string{
		"name", "profile", "query", "parameters", "max_age", "refresh", "spreadsheet", "tab", "mode",
		"value_input", "no_header", "timestamp_column", "expect_url", "max_result_age",
	}
	jobNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// ParseManifest parses a manifest strictly: unknown fields, duplicate keys,
// duplicate job names (compared case-insensitively), missing or bad values
// are all reported at once in a *ManifestError, each with its line. YAML
// anchors, aliases and merge keys (<<: *defaults) are allowed, so that jobs
// can share settings.
func ParseManifest(path string, data []byte) (*Manifest, error) {
	p := &parser{m: &Manifest{Path: path}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		p.add(yamlLine(err), "", yamlMessage(err))
		return nil, p.err()
	}
	if len(doc.Content) == 0 {
		p.add(0, "", "the manifest is empty: it needs a jobs list")
		return nil, p.err()
	}
	root := resolve(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, "", "the manifest must be a mapping with a jobs list")
		return nil, p.err()
	}
	var jobs *yaml.Node
	var defaults []pair
	for _, kv := range p.pairs(root, "") {
		switch kv.key.Value {
		case "version":
			n, ok := p.integer(kv.val, "")
			if ok && n != ManifestVersion {
				p.add(kv.val.Line, "", fmt.Sprintf("unsupported version %d: this redashctl reads version %d", n, ManifestVersion))
			}
		case "credentials":
			p.m.Credentials, _ = p.str(kv.val, "")
		case "jobs":
			jobs = resolve(kv.val)
		case "defaults":
			defaults = p.defaults(resolve(kv.val))
		default:
			p.unknown(kv.key, "", topFields)
		}
	}
	switch {
	case jobs == nil:
		p.add(root.Line, "", "no jobs: add a jobs list")
	case jobs.Kind != yaml.SequenceNode:
		p.add(jobs.Line, "", "jobs must be a list")
	case len(jobs.Content) == 0:
		p.add(jobs.Line, "", "the jobs list is empty")
	default:
		seen := map[string]int{}
		for _, n := range jobs.Content {
			j, ok := p.job(resolve(n), defaults)
			if j.Name != "" {
				key := strings.ToLower(j.Name)
				if first, dup := seen[key]; dup {
					p.add(j.Line, "", fmt.Sprintf("duplicate job name %q (first at line %d): names must be unique", j.Name, first))
					continue
				}
				seen[key] = j.Line
			}
			if ok {
				p.m.Jobs = append(p.m.Jobs, j)
			}
		}
	}
	if len(p.problems) > 0 {
		return nil, p.err()
	}
	return p.m, nil
}

// Select returns the jobs named in only, in manifest order, or every job
// when only is empty. An unknown name is an error that lists the known ones.
func (m *Manifest) Select(only []string) ([]Job, error) {
	if len(only) == 0 {
		return m.Jobs, nil
	}
	want := map[string]bool{}
	for _, n := range only {
		want[strings.ToLower(strings.TrimSpace(n))] = true
	}
	var out []Job
	for _, j := range m.Jobs {
		if want[strings.ToLower(j.Name)] {
			out = append(out, j)
			delete(want, strings.ToLower(j.Name))
		}
	}
	if len(want) > 0 {
		var unknown, known []string
		for n := range want {
			unknown = append(unknown, strconv.Quote(n))
		}
		for _, j := range m.Jobs {
			known = append(known, j.Name)
		}
		slices.Sort(unknown)
		return nil, fmt.Errorf("%s has no job %s: its jobs are %s", m.Path, strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}

type parser struct {
	m        *Manifest
	problems []Problem
	// defaultLines are the lines of the defaults' values: a problem there
	// is the defaults', not the job's that inherits it.
	defaultLines map[int]bool
}

// add records a problem once: a bad value in defaults is reported at its
// line, not again for every job that inherits it.
func (p *parser) add(line int, job, msg string) {
	if job != "" && p.defaultLines[line] {
		job, msg = "", "defaults: "+msg
	}
	for _, q := range p.problems {
		if q.Line == line && q.Msg == msg {
			return
		}
	}
	p.problems = append(p.problems, Problem{Line: line, Job: job, Msg: msg})
}

func (p *parser) err() error {
	slices.SortStableFunc(p.problems, func(a, b Problem) int { return a.Line - b.Line })
	return &ManifestError{Path: p.m.Path, Problems: p.problems}
}

type pair struct{ key, val *yaml.Node }

// resolve follows aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		return resolve(n.Content[0])
	}
	return n
}

// pairs returns a mapping's key/value pairs with merge keys applied (keys
// written in the mapping win over merged ones) and reports duplicate keys.
func (p *parser) pairs(n *yaml.Node, job string) []pair {
	var own, merged []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" || (k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Style == 0) {
			merged = append(merged, p.merge(v, job)...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.add(k.Line, job, "keys must be plain names")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.add(k.Line, job, fmt.Sprintf("%q is given twice (first at line %d)", k.Value, first))
			continue
		}
		seen[k.Value] = k.Line
		own = append(own, pair{k, v})
	}
	for _, kv := range merged {
		if _, ok := seen[kv.key.Value]; !ok {
			seen[kv.key.Value] = kv.key.Line
			own = append(own, kv)
		}
	}
	return own
}

func (p *parser) merge(v *yaml.Node, job string) []pair {
	v = resolve(v)
	switch v.Kind {
	case yaml.MappingNode:
		return p.pairs(v, job)
	case yaml.SequenceNode:
		var out []pair
		seen := map[string]bool{}
		for _, m := range v.Content {
			for _, kv := range p.merge(m, job) {
				if !seen[kv.key.Value] {
					seen[kv.key.Value] = true
					out = append(out, kv)
				}
			}
		}
		return out
	}
	p.add(v.Line, job, "a merge key (<<) needs a mapping or a list of mappings")
	return nil
}

func (p *parser) unknown(k *yaml.Node, job string, known []string) {
	p.add(k.Line, job, fmt.Sprintf("unknown field %q (known fields: %s)", k.Value, strings.Join(known, ", ")))
}

// defaults reads the defaults mapping: any job field but name, checked
// here once rather than in every job.
func (p *parser) defaults(n *yaml.Node) []pair {
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "", "defaults must be a mapping of job fields")
		return nil
	}
	var out []pair
	for _, kv := range p.pairs(n, "") {
		switch {
		case kv.key.Value == "name":
			p.add(kv.key.Line, "", "defaults cannot set a name: every job names itself")
		case !slices.Contains(jobFields, kv.key.Value):
			p.add(kv.key.Line, "", fmt.Sprintf("defaults: unknown field %q (known fields: %s)", kv.key.Value, strings.Join(jobFields[1:], ", ")))
		default:
			out = append(out, kv)
			if p.defaultLines == nil {
				p.defaultLines = map[int]bool{}
			}
			p.defaultLines[kv.key.Line] = true
			p.defaultLines[resolve(kv.val).Line] = true
		}
	}
	return out
}

func (p *parser) job(n *yaml.Node, defaults []pair) (Job, bool) {
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, "", "each job must be a mapping (name: ..., query: ..., spreadsheet: ...)")
		return Job{}, false
	}
	before := len(p.problems)
	j := Job{Line: n.Line, Mode: sheets.ModeReplace}
	kvs := p.pairs(n, "")
	for _, d := range defaults {
		if !hasKey(kvs, d.key.Value) {
			kvs = append(kvs, d)
		}
	}
	// The name first, so that every other problem can name the job.
	for _, kv := range kvs {
		if kv.key.Value == "name" {
			if s, ok := p.str(kv.val, ""); ok {
				if !jobNameRE.MatchString(s) {
					p.add(kv.val.Line, "", fmt.Sprintf("job name %q: use 1 to 64 letters, digits, '.', '_' and '-', starting with a letter or digit", s))
				}
				j.Name = s
			}
		}
	}
	name := j.Name
	var tab string
	hasTab := false
	for _, kv := range kvs {
		v := kv.val
		switch kv.key.Value {
		case "name":
		case "profile":
			j.Profile, _ = p.str(v, name)
		case "query":
			if id, ok := p.integer(v, name); ok {
				if id <= 0 {
					p.add(v.Line, name, fmt.Sprintf("query must be a positive query id, got %d", id))
				}
				j.QueryID = id
			}
		case "parameters":
			j.Params = p.params(v, name)
		case "max_age":
			j.Freshness.MaxAge, _ = p.duration(v, name, "max_age")
		case "refresh":
			j.Freshness.Refresh, _ = p.boolean(v, name)
		case "spreadsheet":
			if s, ok := p.str(v, name); ok {
				t, err := sheets.ParseTarget(s)
				if err != nil {
					p.add(v.Line, name, err.Error())
				}
				j.Spreadsheet, j.Target = s, t
			}
		case "tab":
			tab, hasTab = p.str(v, name)
			if hasTab && strings.TrimSpace(tab) == "" {
				p.add(v.Line, name, "tab is empty: name a tab or leave the field out")
			}
		case "mode":
			if s, ok := p.str(v, name); ok {
				m, err := sheets.ParseMode(s)
				if err != nil {
					p.add(v.Line, name, err.Error())
				}
				j.Mode = m
			}
		case "value_input":
			if s, ok := p.str(v, name); ok {
				vi, err := sheets.ParseValueInput(s)
				if err != nil {
					p.add(v.Line, name, err.Error())
				}
				j.ValueInput = vi
			}
		case "no_header":
			j.NoHeader, _ = p.boolean(v, name)
		case "timestamp_column":
			j.TimestampColumn, _ = p.str(v, name)
		case "expect_url":
			if s, ok := p.str(v, name); ok {
				if err := CheckExpectURL(s); err != nil {
					p.add(v.Line, name, "expect_url: "+err.Error())
				}
				j.ExpectURL = s
			}
		case "max_result_age":
			j.MaxResultAge, _ = p.duration(v, name, "max_result_age")
		default:
			p.unknown(kv.key, name, jobFields)
		}
	}
	if j.Name == "" && len(p.problems) == before {
		p.add(n.Line, "", "the job has no name")
	}
	if j.QueryID == 0 && !hasKey(kvs, "query") {
		p.add(n.Line, name, "no query: give the id of the saved query to export")
	}
	if j.Spreadsheet == "" && !hasKey(kvs, "spreadsheet") {
		p.add(n.Line, name, "no spreadsheet: give the spreadsheet's URL or id")
	}
	if err := j.Freshness.Validate(); err != nil {
		p.add(n.Line, name, "max_age and refresh: "+err.Error())
	}
	if j.TimestampColumn != "" && j.Mode != sheets.ModeAppend {
		p.add(n.Line, name, "timestamp_column needs mode: append")
	}
	if hasTab {
		// A tab named in the manifest wins over the URL's #gid=, which every
		// copied URL carries.
		j.Target.Tab, j.Target.SheetID = tab, nil
	}
	return j, len(p.problems) == before
}

func hasKey(kvs []pair, k string) bool {
	return slices.ContainsFunc(kvs, func(kv pair) bool { return kv.key.Value == k })
}

func (p *parser) scalar(n *yaml.Node, job string) (*yaml.Node, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		p.add(n.Line, job, "expected a single value, not a list or mapping")
		return nil, false
	}
	return n, true
}

func (p *parser) str(n *yaml.Node, job string) (string, bool) {
	s, ok := p.scalar(n, job)
	if !ok {
		return "", false
	}
	if s.Tag == "!!null" {
		p.add(s.Line, job, "value is empty")
		return "", false
	}
	return s.Value, true
}

func (p *parser) integer(n *yaml.Node, job string) (int, bool) {
	s, ok := p.scalar(n, job)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s.Value)
	if err != nil {
		p.add(s.Line, job, fmt.Sprintf("%q is not a whole number", s.Value))
		return 0, false
	}
	return v, true
}

func (p *parser) boolean(n *yaml.Node, job string) (bool, bool) {
	s, ok := p.scalar(n, job)
	if !ok {
		return false, false
	}
	switch s.Value {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	p.add(s.Line, job, fmt.Sprintf("%q is not true or false", s.Value))
	return false, false
}

func (p *parser) duration(n *yaml.Node, job, field string) (time.Duration, bool) {
	s, ok := p.str(n, job)
	if !ok {
		return 0, false
	}
	d, err := cmdutil.ParseDuration(s)
	if err != nil {
		p.add(n.Line, job, field+": "+err.Error())
		return 0, false
	}
	return d, true
}

// params reads the parameters mapping: a scalar is one value, a list of
// scalars several (a multi-value parameter), a mapping with start and end
// a range.
func (p *parser) params(n *yaml.Node, job string) results.Args {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		p.add(n.Line, job, "parameters must be a mapping of parameter names to values")
		return nil
	}
	args := results.Args{}
	for _, kv := range p.pairs(n, job) {
		name := kv.key.Value
		v := resolve(kv.val)
		switch v.Kind {
		case yaml.ScalarNode:
			if v.Tag == "!!null" {
				args[name] = []string{""}
			} else {
				args[name] = []string{v.Value}
			}
		case yaml.SequenceNode:
			vals := []string{}
			for _, e := range v.Content {
				if e = resolve(e); e.Kind != yaml.ScalarNode {
					p.add(e.Line, job, fmt.Sprintf("parameter %q: list items must be single values", name))
					continue
				}
				vals = append(vals, e.Value)
			}
			if len(vals) == 0 {
				p.add(v.Line, job, fmt.Sprintf("parameter %q: the list is empty", name))
			}
			// One JSON array, so that a single-item list stays a list.
			b, _ := json.Marshal(vals)
			args[name] = []string{string(b)}
		case yaml.MappingNode:
			rng := map[string]string{}
			for _, e := range p.pairs(v, job) {
				ev := resolve(e.val)
				if e.key.Value != "start" && e.key.Value != "end" {
					p.add(e.key.Line, job, fmt.Sprintf("parameter %q: a range has only start and end, not %q", name, e.key.Value))
					continue
				}
				if ev.Kind != yaml.ScalarNode {
					p.add(ev.Line, job, fmt.Sprintf("parameter %q: %s must be a single value", name, e.key.Value))
					continue
				}
				rng[e.key.Value] = ev.Value
			}
			if _, ok := rng["start"]; !ok {
				p.add(v.Line, job, fmt.Sprintf("parameter %q: a range needs start and end", name))
				continue
			}
			if _, ok := rng["end"]; !ok {
				p.add(v.Line, job, fmt.Sprintf("parameter %q: a range needs start and end", name))
				continue
			}
			b, _ := json.Marshal(rng)
			args[name] = []string{string(b)}
		}
	}
	return args
}

// CheckExpectURL checks the syntax of an expect_url value.
func CheckExpectURL(s string) error {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

func yamlLine(err error) int {
	m := yamlLineRE.FindStringSubmatch(strings.SplitN(err.Error(), "\n", 2)[0])
	if m == nil || m[1] == "" {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func yamlMessage(err error) string {
	first := strings.SplitN(err.Error(), "\n", 2)[0]
	if m := yamlLineRE.FindStringSubmatch(first); m != nil {
		return "not valid YAML: " + m[2]
	}
	return "not valid YAML: " + first
}
