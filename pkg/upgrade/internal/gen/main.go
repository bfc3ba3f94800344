// Command gen distils the Redash settings fact table (redash-settings.json, kept outside this
// repository) into pkg/upgrade/data/catalog.json. It is run by hand, never by tests or at run
// time:
//
//	go run ./internal/gen -in ../../../shared/redash-settings.json -out data/catalog.json
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"sort"
	"strings"
)

// Input shapes: only the fields the catalog keeps.

type inFile struct {
	About struct {
		Repositories map[string]string `json:"repositories"`
	} `json:"about"`
	Versions json.RawMessage `json:"versions"`
}

type inVersion struct {
	Commit       string `json:"commit"`
	Date         string `json:"date"`
	Python       string `json:"python"`
	PythonDetail struct {
		BaseImage string `json:"base_image"`
	} `json:"python_detail"`
	JobSystem    string                        `json:"job_system"`
	Dependencies map[string]string             `json:"dependencies"`
	DockerImage  *struct{ Tag, Source string } `json:"docker_image"`
	Settings     map[string]inSetting          `json:"settings"`
	Entrypoint   map[string]struct {
		Command string                     `json:"command"`
		Env     map[string]json.RawMessage `json:"env"`
	} `json:"entrypoint"`
	ServicesSource  string                     `json:"services_source"`
	Services        map[string]inService       `json:"services"`
	Queues          map[string]string          `json:"queues"`
	Jobs            map[string]string          `json:"jobs"`
	PeriodicJobs    map[string]json.RawMessage `json:"periodic_jobs"`
	RQDefaultQueues *struct {
		DefaultQueues []string `json:"default_queues"`
	} `json:"rq_default_queues"`
	Migrations []struct {
		RevisionFile string `json:"revision_file"`
		Title        string `json:"title"`
	} `json:"migrations_added"`
	UpgradeNotes []string `json:"upgrade_notes"`
	SetupEnvFile *struct {
		Vars []string `json:"vars"`
	} `json:"setup_env_file"`
}

type inSetting struct {
	Default                 *string  `json:"default"`
	DefaultKind             string   `json:"default_kind"`
	Parser                  string   `json:"parser"`
	Setting                 string   `json:"setting"`
	Source                  string   `json:"source"`
	Scope                   string   `json:"scope"`
	FallbackEnv             []string `json:"fallback_env"`
	DefaultFromEnv          string   `json:"default_from_env"`
	EffectiveDefault        string   `json:"effective_default"`
	EffectiveDefaultFromEnv string   `json:"effective_default_from_env"`
	Notes                   []string `json:"notes"`
}

type inService struct {
	Image   string            `json:"image"`
	Command string            `json:"command"`
	Env     map[string]string `json:"env"`
	EnvFile string            `json:"env_file"`
}

// Output shapes: what pkg/upgrade decodes.

type outFile struct {
	Comment  string               `json:"_comment"`
	Sources  map[string]string    `json:"sources"`
	Versions []outVersion         `json:"versions"`
	Settings map[string][]outSpan `json:"settings"`
}

type outVersion struct {
	Tag             string                   `json:"tag"`
	Date            string                   `json:"date"`
	Commit          string                   `json:"commit"`
	Python          string                   `json:"python"`
	BaseImage       string                   `json:"base_image"`
	JobSystem       string                   `json:"job_system"`
	JobSystemDetail string                   `json:"job_system_detail"`
	DockerImage     string                   `json:"docker_image,omitempty"`
	ParseBoolean    string                   `json:"parse_boolean"`
	Entrypoint      map[string]outEntrypoint `json:"entrypoint"`
	DefaultQueues   []string                 `json:"default_queues,omitempty"`
	Queues          []outQueue               `json:"queues"`
	Jobs            map[string]string        `json:"jobs"`
	PeriodicJobs    []string                 `json:"periodic_jobs"`
	ServicesSource  string                   `json:"services_source"`
	Services        []outService             `json:"services"`
	Migrations      []outMigration           `json:"migrations,omitempty"`
	SetupEnvVars    []string                 `json:"setup_env_vars,omitempty"`
	Notes           []string                 `json:"notes"`
}

type outEntrypoint struct {
	Command string             `json:"command"`
	Env     map[string]*string `json:"env,omitempty"`
}

type outQueue struct {
	Name    string `json:"name"`
	Purpose string `json:"purpose"`
	Source  string `json:"source,omitempty"`
}

type outService struct {
	Name    string            `json:"name"`
	Image   string            `json:"image,omitempty"`
	Command string            `json:"command,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	EnvFile string            `json:"env_file,omitempty"`
}

type outMigration struct {
	Revision string `json:"revision"`
	Title    string `json:"title"`
}

type outSpan struct {
	From                    string   `json:"from"`
	To                      string   `json:"to"`
	Default                 *string  `json:"default"`
	DefaultKind             string   `json:"default_kind"`
	Parser                  string   `json:"parser"`
	Scope                   string   `json:"scope"`
	File                    string   `json:"file"`
	Internal                string   `json:"internal,omitempty"`
	FallbackEnv             []string `json:"fallback_env,omitempty"`
	DefaultFromEnv          string   `json:"default_from_env,omitempty"`
	EffectiveDefault        string   `json:"effective_default,omitempty"`
	EffectiveDefaultFromEnv string   `json:"effective_default_from_env,omitempty"`
	Notes                   []string `json:"notes,omitempty"`
}

func main() {
	in := flag.String("in", "", "path of redash-settings.json")
	out := flag.String("out", "data/catalog.json", "path of the catalog to write")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*in, *out); err != nil {
		log.Fatalf("gen: %v", err)
	}
}

func run(inPath, outPath string) error {
	if inPath == "" {
		return errors.New("-in is required")
	}
	raw, err := os.ReadFile(inPath)
	if err != nil {
		return err
	}
	var f inFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("decode %s: %w", inPath, err)
	}
	tags, err := objectKeys(f.Versions)
	if err != nil {
		return err
	}
	var versions map[string]inVersion
	if err := json.Unmarshal(f.Versions, &versions); err != nil {
		return fmt.Errorf("decode versions: %w", err)
	}

	o := outFile{
		Comment:  "Generated by pkg/upgrade/internal/gen from redash-settings.json; do not edit by hand. Hand-curated facts live in curated.yaml.",
		Sources:  map[string]string{},
		Settings: map[string][]outSpan{},
	}
	for repo, commit := range f.About.Repositories {
		o.Sources[repo] = commit
	}
	for _, tag := range tags {
		v := versions[tag]
		ov, err := convertVersion(tag, v)
		if err != nil {
			return fmt.Errorf("%s: %w", tag, err)
		}
		o.Versions = append(o.Versions, ov)
	}
	o.Settings = settingSpans(tags, versions)

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(o); err != nil {
		return err
	}
	return os.WriteFile(outPath, buf.Bytes(), 0o644)
}

// objectKeys returns the keys of a JSON object in document order (the fact table lists the
// tags in release order).
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// splitCitation separates "text -- path@tag" into the text and its citation.
func splitCitation(s string) (text, source string) {
	if i := strings.LastIndex(s, " -- "); i >= 0 {
		return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+4:])
	}
	return s, ""
}

func convertVersion(tag string, v inVersion) (outVersion, error) {
	ov := outVersion{
		Tag:            tag,
		Date:           v.Date[:10],
		Commit:         v.Commit[:12],
		Python:         v.Python,
		BaseImage:      v.PythonDetail.BaseImage,
		JobSystem:      v.JobSystem,
		ServicesSource: v.ServicesSource,
		Jobs:           v.Jobs,
		Notes:          v.UpgradeNotes,
		Entrypoint:     map[string]outEntrypoint{},
		ParseBoolean:   "strict",
	}
	if strings.HasPrefix(tag, "v4.") || strings.HasPrefix(tag, "v5.") {
		ov.ParseBoolean = "json"
	}
	dep := func(name string) string { return strings.TrimLeft(v.Dependencies[name], "=") }
	switch v.JobSystem {
	case "celery":
		ov.JobSystemDetail = "Celery " + dep("celery")
	case "rq":
		ov.JobSystemDetail = fmt.Sprintf("RQ %s, rq-scheduler %s, supervisord %s", dep("rq"), dep("rq-scheduler"), dep("supervisor"))
	default:
		return ov, fmt.Errorf("unknown job system %q", v.JobSystem)
	}
	if v.DockerImage != nil {
		ov.DockerImage = v.DockerImage.Tag
	}
	for cmd, e := range v.Entrypoint {
		oe := outEntrypoint{Command: e.Command}
		if len(e.Env) > 0 {
			oe.Env = map[string]*string{}
			for name, rawDef := range e.Env {
				var d struct {
					Default *string `json:"default"`
				}
				if err := json.Unmarshal(rawDef, &d); err != nil {
					return ov, fmt.Errorf("entrypoint %s %s: %w", cmd, name, err)
				}
				oe.Env[name] = d.Default
			}
		}
		ov.Entrypoint[cmd] = oe
	}
	if v.RQDefaultQueues != nil {
		ov.DefaultQueues = v.RQDefaultQueues.DefaultQueues
	}
	for _, name := range queueOrder(v.Queues) {
		purpose, source := splitCitation(v.Queues[name])
		ov.Queues = append(ov.Queues, outQueue{Name: name, Purpose: purpose, Source: source})
	}
	for name := range v.PeriodicJobs {
		if !strings.HasPrefix(name, "_") {
			ov.PeriodicJobs = append(ov.PeriodicJobs, name)
		}
	}
	sort.Strings(ov.PeriodicJobs)
	for _, name := range serviceOrder(v.Services) {
		s := v.Services[name]
		ov.Services = append(ov.Services, outService{Name: name, Image: s.Image, Command: s.Command, Env: s.Env, EnvFile: s.EnvFile})
	}
	for _, m := range v.Migrations {
		ov.Migrations = append(ov.Migrations, outMigration{Revision: strings.TrimSuffix(m.RevisionFile, ".py"), Title: m.Title})
	}
	if v.SetupEnvFile != nil {
		ov.SetupEnvVars = v.SetupEnvFile.Vars
	}
	return ov, nil
}

var knownQueueOrder = []string{"periodic", "emails", "default", "scheduled_queries", "queries", "schemas", "celery"}

func queueOrder(m map[string]string) []string {
	return ordered(m, knownQueueOrder)
}

var knownServiceOrder = []string{"server", "scheduler", "scheduled_worker", "adhoc_worker", "worker", "redis", "postgres", "nginx"}

func serviceOrder(m map[string]inService) []string {
	return ordered(m, knownServiceOrder)
}

func ordered[V any](m map[string]V, known []string) []string {
	var names []string
	for _, k := range known {
		if _, ok := m[k]; ok {
			names = append(names, k)
		}
	}
	var rest []string
	for k := range m {
		if !slices.Contains(known, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(names, rest...)
}

// settingSpans folds the per-tag settings into runs of consecutive tags over which a setting is
// read the same way.
func settingSpans(tags []string, versions map[string]inVersion) map[string][]outSpan {
	names := map[string]bool{}
	for _, v := range versions {
		for n := range v.Settings {
			names[n] = true
		}
	}
	spans := map[string][]outSpan{}
	for n := range names {
		var cur *outSpan
		for _, tag := range tags {
			s, ok := versions[tag].Settings[n]
			if !ok {
				cur = nil
				continue
			}
			sp := outSpan{
				From: tag, To: tag,
				Default:                 s.Default,
				DefaultKind:             s.DefaultKind,
				Parser:                  s.Parser,
				Scope:                   s.Scope,
				File:                    strings.SplitN(s.Source, "@", 2)[0],
				Internal:                s.Setting,
				FallbackEnv:             s.FallbackEnv,
				DefaultFromEnv:          s.DefaultFromEnv,
				EffectiveDefault:        s.EffectiveDefault,
				EffectiveDefaultFromEnv: s.EffectiveDefaultFromEnv,
				Notes:                   s.Notes,
			}
			if cur != nil && sameSpan(*cur, sp) {
				cur.To = tag
				continue
			}
			spans[n] = append(spans[n], sp)
			cur = &spans[n][len(spans[n])-1]
		}
	}
	return spans
}

func sameSpan(a, b outSpan) bool {
	a.From, a.To, b.From, b.To = "", "", "", ""
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
