package upgrade

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
)

// Severities of a Finding.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Finding codes. A code keeps its meaning across releases of redashctl.
const (
	// CodeQueueUnconsumed: no worker consumes a queue Redash sends jobs to.
	CodeQueueUnconsumed = "queue-unconsumed"
	// CodeNoScheduler: no service runs the periodic scheduler.
	CodeNoScheduler = "no-scheduler"
	// CodeDuplicateScheduler: Celery beat runs more than once.
	CodeDuplicateScheduler = "duplicate-scheduler"
	// CodeNoServer: no service runs the web server.
	CodeNoServer = "no-server"
	// CodeNoRedashService: nothing in the files runs the Redash image.
	CodeNoRedashService = "no-redash-service"
	// CodeUnknownCommand: the command is not one the target's entrypoint knows.
	CodeUnknownCommand = "unknown-command"
	// CodeDeprecatedCommand: the command only prints a deprecation notice in the target.
	CodeDeprecatedCommand = "deprecated-command"
	// CodeImageVersion: the service's image is another release than the target.
	CodeImageVersion = "image-version"
	// CodeQueueRemoved: QUEUES names a queue that no longer exists in the target.
	CodeQueueRemoved = "queue-removed"
	// CodeUnknownQueue: QUEUES names a queue no Redash release uses.
	CodeUnknownQueue = "unknown-queue"
	// CodeQueuesFormat: QUEUES is written in a form the target's job system misreads.
	CodeQueuesFormat = "queues-format"
	// CodeSchedulerQueues: QUEUES or WORKERS_COUNT on an RQ scheduler, which ignores them.
	CodeSchedulerQueues = "scheduler-queues"
	// CodeCelerySetting: a Celery setting left behind on an RQ release.
	CodeCelerySetting = "celery-setting"
	// CodeSettingNotRead: a setting other releases read, but not the target.
	CodeSettingNotRead = "setting-not-read"
	// CodeUnknownSetting: a REDASH_* name no release reads.
	CodeUnknownSetting = "unknown-setting"
	// CodeInvalidValue: a value the setting's parser rejects.
	CodeInvalidValue = "invalid-value"
	// CodeMissingSetting: a mandatory or strongly advised setting is not set.
	CodeMissingSetting = "missing-setting"
	// CodeEnvFileMissing: an env_file could not be read, so its settings were not checked.
	CodeEnvFileMissing = "env-file-missing"
	// CodeUnknownQueryRunner: a redash.query_runner module the target does not ship is
	// enabled.
	CodeUnknownQueryRunner = "unknown-query-runner"
)

// Finding is one problem Lint or CheckLive found.
type Finding struct {
	// Severity is error (Redash will not work as intended) or warning.
	Severity string `json:"severity" yaml:"severity"`
	// Service names the service, or several separated by ", " when the same problem (same
	// file and line) appears in each; it is empty for problems of the deployment as a whole.
	Service string `json:"service" yaml:"service"`
	// App names the Redash installation when the files hold several (services sharing a
	// Redis URL form one); it is empty when there is only one.
	App     string `json:"app,omitempty" yaml:"app,omitempty"`
	Code    string `json:"code" yaml:"code"`
	Message string `json:"message" yaml:"message"`
	File    string `json:"file,omitempty" yaml:"file,omitempty"`
	Line    int    `json:"line,omitempty" yaml:"line,omitempty"`
}

// Deployment is a Redash installation as read from its files.
type Deployment struct {
	// Services are the containers of the compose files, Redash or not.
	Services []Service `json:"services" yaml:"services"`
	// Env holds variables from env files linted on their own, without a compose file. They
	// are checked as settings; without services no queue layout can be checked.
	Env        map[string]string `json:"env,omitempty" yaml:"env,omitempty"`
	EnvSources map[string]Source `json:"env_sources,omitempty" yaml:"env_sources,omitempty"`
	// Files lists the files read.
	Files []string `json:"files,omitempty" yaml:"files,omitempty"`
}

// Service is one container definition.
type Service struct {
	Name  string `json:"name" yaml:"name"`
	Image string `json:"image,omitempty" yaml:"image,omitempty"`
	// Build is true when the image is built from a build section.
	Build bool `json:"build,omitempty" yaml:"build,omitempty"`
	// Command is the command line; nil means the image's default (server).
	Command []string `json:"command,omitempty" yaml:"command,omitempty"`
	// Healthcheck is the healthcheck test as compose writes it (["CMD", ...] or
	// ["CMD-SHELL", "..."]); nil when there is none.
	Healthcheck []string `json:"healthcheck,omitempty" yaml:"healthcheck,omitempty"`
	// Env is the environment after env_file and environment are merged.
	Env map[string]string `json:"env,omitempty" yaml:"env,omitempty"`
	// PassThrough lists variables named without a value, which the container takes from the
	// environment of whoever runs compose; their values are unknown.
	PassThrough []string `json:"pass_through,omitempty" yaml:"pass_through,omitempty"`
	// EnvSources says where each variable of Env and PassThrough is set, when known.
	EnvSources map[string]Source `json:"env_sources,omitempty" yaml:"env_sources,omitempty"`
	// MissingEnvFiles lists env_file entries that could not be read.
	MissingEnvFiles []string `json:"missing_env_files,omitempty" yaml:"missing_env_files,omitempty"`
	// Source is where the service is defined.
	Source Source `json:"source" yaml:"source"`
}

// Source is a place in a file; Line is 0 when unknown.
type Source struct {
	File string `json:"file,omitempty" yaml:"file,omitempty"`
	Line int    `json:"line,omitempty" yaml:"line,omitempty"`
}

// Lint checks a deployment against a target release (as Resolve accepts it) and returns the
// findings, errors first. The error is non-nil only when the target is unknown.
func Lint(d Deployment, target string) ([]Finding, error) {
	v, err := Lookup(target)
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	l := &linter{c: mustCatalog(), v: v}
	if len(d.Services) == 0 {
		l.env("", "", d.Env, nil, d.EnvSources, Source{})
		l.queryRunners("", d.Env, d.EnvSources, Source{})
		l.required("", d.Env, nil)
		return l.result(), nil
	}
	var redash []Service
	for _, s := range d.Services {
		if l.isRedash(s) {
			redash = append(redash, s)
		}
	}
	if len(redash) == 0 {
		l.add(Finding{
			Severity: SeverityWarning, Code: CodeNoRedashService,
			Message: "no service runs the Redash image (redash/redash) or a Redash entrypoint command: nothing to check",
		})
		return l.result(), nil
	}
	groups := groupByBroker(v, redash)
	for _, g := range groups {
		l.app = ""
		if len(groups) > 1 {
			l.app = g.label
		}
		for _, s := range g.services {
			l.service(s)
		}
		l.coverage(g.services)
	}
	return l.result(), nil
}

type linter struct {
	c        *catalog
	v        *Version
	app      string
	findings []Finding
}

func (l *linter) add(f Finding) {
	f.App = l.app
	l.findings = append(l.findings, f)
}

// isRedashImage reports whether an image reference names a Redash server image.
func isRedashImage(image string) bool {
	img := strings.ToLower(image)
	if i := strings.IndexAny(img, ":@"); i >= 0 && !strings.Contains(img[i:], "/") {
		img = img[:i]
	}
	base := path.Base(img)
	return strings.Contains(base, "redash") && !strings.Contains(base, "nginx")
}

func (l *linter) isRedash(s Service) bool {
	if isRedashImage(s.Image) {
		return true
	}
	if len(s.Command) == 0 {
		return false
	}
	cmd := s.Command[0]
	known := false
	for _, v := range l.c.versions {
		if _, ok := v.Commands[cmd]; ok {
			known = true
			break
		}
	}
	if !known {
		return false
	}
	if s.Image == "" {
		return true
	}
	for k := range s.Env {
		if strings.HasPrefix(k, "REDASH_") {
			return true
		}
	}
	return false
}

type appGroup struct {
	key      string
	label    string
	services []Service
}

// brokerURL is where a service's jobs live: the Redis of RQ (RQ_REDIS_URL, then
// REDASH_REDIS_URL) or the Celery broker (REDASH_CELERY_BROKER, then the Redis URL). known is
// false when no such variable has a value here (unset, passed through from the shell, or in
// an env file that could not be read).
func brokerURL(v *Version, s Service) (url string, known bool) {
	names := []string{"RQ_REDIS_URL", "REDASH_REDIS_URL", "REDIS_URL"}
	if v.JobSystem == JobSystemCelery {
		names = []string{"REDASH_CELERY_BROKER", "REDASH_REDIS_URL", "REDIS_URL"}
	}
	for _, n := range names {
		if u := s.Env[n]; u != "" {
			return u, true
		}
	}
	return "", false
}

// groupByBroker splits the Redash services into installations: services sharing a queue
// broker work on the same queues. A service whose broker is unknown joins the installation
// whose services' names share the longest prefix with its own (the first one on a tie).
func groupByBroker(v *Version, services []Service) []appGroup {
	var groups []appGroup
	var unknown []Service
	for _, s := range services {
		key, known := brokerURL(v, s)
		if !known {
			unknown = append(unknown, s)
			continue
		}
		i := slices.IndexFunc(groups, func(g appGroup) bool { return g.key == key })
		if i < 0 {
			groups = append(groups, appGroup{key: key})
			i = len(groups) - 1
		}
		groups[i].services = append(groups[i].services, s)
	}
	if len(groups) == 0 {
		groups = append(groups, appGroup{key: "redis://localhost:6379/0"})
	}
	for _, s := range unknown {
		best, bestLen := 0, -1
		for i, g := range groups {
			for _, m := range g.services {
				if n := len(commonPrefix([]string{s.Name, m.Name})); n > bestLen {
					best, bestLen = i, n
				}
			}
		}
		groups[best].services = append(groups[best].services, s)
	}
	order := map[string]int{}
	for i, s := range services {
		order[s.Name] = i
	}
	for i := range groups {
		g := &groups[i]
		sort.SliceStable(g.services, func(a, b int) bool { return order[g.services[a].Name] < order[g.services[b].Name] })
		var names []string
		for _, s := range g.services {
			names = append(names, s.Name)
		}
		// Name the installation by the prefix its service names share, up to a separator
		// ("sales" for sales_server and sales_scheduler), else by its Redis URL.
		g.label = g.key
		if p := commonPrefix(names); len(names) > 1 {
			if i := strings.LastIndexAny(p, "_-."); i > 0 {
				g.label = p[:i]
			}
		}
	}
	return groups
}

func commonPrefix(names []string) string {
	if len(names) == 0 {
		return ""
	}
	p := names[0]
	for _, n := range names[1:] {
		for !strings.HasPrefix(n, p) {
			p = p[:len(p)-1]
		}
	}
	return p
}

// releasesWithCommand lists the releases whose entrypoint has cmd.
func (l *linter) releasesWithCommand(cmd string) []string {
	var tags []string
	for _, v := range l.c.versions {
		if _, ok := v.Commands[cmd]; ok {
			tags = append(tags, v.Tag)
		}
	}
	return tags
}

// spans compresses a list of tags in release order into "a – b" runs.
func (l *linter) spans(tags []string) string {
	var parts []string
	for i := 0; i < len(tags); {
		j := i
		for j+1 < len(tags) && l.c.byTag[tags[j+1]].index == l.c.byTag[tags[j]].index+1 {
			j++
		}
		if i == j {
			parts = append(parts, tags[i])
		} else {
			parts = append(parts, tags[i]+" – "+tags[j])
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func (l *linter) service(s Service) {
	v := l.v
	where := s.Source
	for _, f := range s.MissingEnvFiles {
		l.add(Finding{
			Severity: SeverityWarning, Service: s.Name, Code: CodeEnvFileMissing, File: where.File, Line: where.Line,
			Message: fmt.Sprintf("env_file %s could not be read: its settings were not checked", f),
		})
	}
	run := v.RunOf(s.Command, s.Env)
	switch {
	case !run.Known && (run.Command == "celery worker" || strings.HasPrefix(run.Command, "rq ")):
		l.add(Finding{
			Severity: SeverityError, Service: s.Name, Code: CodeUnknownCommand, File: where.File, Line: where.Line,
			Message: fmt.Sprintf("runs `%s`, but %s uses %s", run.Command, v.Tag, v.JobSystemDetail),
		})
	case !run.Known:
		if tags := l.releasesWithCommand(run.Command); len(tags) > 0 {
			l.add(Finding{
				Severity: SeverityError, Service: s.Name, Code: CodeUnknownCommand, File: where.File, Line: where.Line,
				Message: fmt.Sprintf("command `%s` is not in the %s entrypoint (only %s): the container will fail to start", run.Command, v.Tag, l.spans(tags)),
			})
		} else {
			l.add(Finding{
				Severity: SeverityWarning, Service: s.Name, Code: CodeUnknownCommand, File: where.File, Line: where.Line,
				Message: fmt.Sprintf("command `%s` is not a %s entrypoint command (%s): its queues cannot be checked", run.Command, v.Tag, strings.Join(slices.Sorted(maps.Keys(v.Commands)), ", ")),
			})
		}
	case run.Command == "celery_healthcheck" && v.JobSystem == JobSystemRQ:
		l.add(Finding{
			Severity: SeverityWarning, Service: s.Name, Code: CodeDeprecatedCommand, File: where.File, Line: where.Line,
			Message: fmt.Sprintf("`celery_healthcheck` only prints a deprecation notice since v9.0.0-beta; %s checks nothing", v.Tag),
		})
	}
	l.image(s)
	l.healthcheck(s)
	if run.Known {
		l.queues(s, run)
	}
	command := run.Command
	if !run.Known {
		command = "-" // an unknown command reads no entrypoint variable
	}
	l.env(s.Name, command, s.Env, s.PassThrough, s.EnvSources, where)
	l.queryRunners(s.Name, s.Env, s.EnvSources, where)
	if len(s.MissingEnvFiles) == 0 && run.Known && !strings.HasSuffix(run.Command, "healthcheck") {
		l.required(s.Name, s.Env, s.PassThrough)
	}
}

// healthcheck checks entrypoint commands used as the healthcheck.
func (l *linter) healthcheck(s Service) {
	var words []string
	for _, part := range s.Healthcheck {
		words = append(words, strings.Fields(part)...)
	}
	for _, w := range words {
		switch _, known := l.v.Commands[w]; {
		case w == "celery_healthcheck" && l.v.JobSystem == JobSystemRQ:
			l.add(Finding{
				Severity: SeverityWarning, Service: s.Name, Code: CodeDeprecatedCommand, File: s.Source.File, Line: s.Source.Line,
				Message: fmt.Sprintf("the healthcheck runs `celery_healthcheck`, which only prints a deprecation notice since v9.0.0-beta: in %s it always passes", l.v.Tag),
			})
		case strings.HasSuffix(w, "_healthcheck") && !known && len(l.releasesWithCommand(w)) > 0:
			l.add(Finding{
				Severity: SeverityError, Service: s.Name, Code: CodeUnknownCommand, File: s.Source.File, Line: s.Source.Line,
				Message: fmt.Sprintf("the healthcheck runs `%s`, which the %s entrypoint does not have (only %s): the container is reported unhealthy", w, l.v.Tag, l.spans(l.releasesWithCommand(w))),
			})
		}
	}
}

func (l *linter) image(s Service) {
	if !isRedashImage(s.Image) {
		return
	}
	ref := s.Image
	if i := strings.LastIndex(ref, ":"); i < 0 || strings.Contains(ref[i:], "/") {
		return
	}
	tag, err := Resolve(ref)
	if err != nil || tag == l.v.Tag {
		return
	}
	l.add(Finding{
		Severity: SeverityWarning, Service: s.Name, Code: CodeImageVersion, File: s.Source.File, Line: s.Source.Line,
		Message: fmt.Sprintf("image %s is %s, not the target %s", s.Image, tag, l.v.Tag),
	})
}

func (l *linter) queues(s Service, run Run) {
	v := l.v
	src := s.EnvSources["QUEUES"]
	if run.Schedules && v.JobSystem == JobSystemRQ {
		for _, k := range []string{"QUEUES", "WORKERS_COUNT"} {
			if _, ok := s.Env[k]; ok {
				ks := s.EnvSources[k]
				l.add(Finding{
					Severity: SeverityWarning, Service: s.Name, Code: CodeSchedulerQueues, File: ks.File, Line: ks.Line,
					Message: fmt.Sprintf("%s is ignored: since v9.0.0-beta the scheduler only enqueues periodic jobs and runs none; give the queues to a worker", k),
				})
			}
		}
		return
	}
	if run.Queues == "" || run.QueuesDefaulted && v.JobSystem == JobSystemRQ {
		return
	}
	if v.JobSystem == JobSystemCelery && len(strings.Fields(run.Queues)) > 1 {
		l.add(Finding{
			Severity: SeverityError, Service: s.Name, Code: CodeQueuesFormat, File: src.File, Line: src.Line,
			Message: fmt.Sprintf("QUEUES=%q has spaces: %s passes it unquoted to celery -Q, which needs a comma-separated list", run.Queues, v.Tag),
		})
	}
	for _, q := range splitQueues(run.Queues, JobSystemRQ) {
		if v.HasQueue(q) {
			continue
		}
		var had []string
		for _, o := range l.c.versions {
			if o.HasQueue(q) {
				had = append(had, o.Tag)
			}
		}
		if len(had) > 0 {
			l.add(Finding{
				Severity: SeverityWarning, Service: s.Name, Code: CodeQueueRemoved, File: src.File, Line: src.Line,
				Message: fmt.Sprintf("queue `%s` does not exist in %s (only %s): nothing is sent to it", q, v.Tag, l.spans(had)),
			})
			continue
		}
		l.add(Finding{
			Severity: SeverityWarning, Service: s.Name, Code: CodeUnknownQueue, File: src.File, Line: src.Line,
			Message: fmt.Sprintf("queue `%s` is not a Redash queue: only data sources configured with that queue name send jobs there", q),
		})
	}
}

// isCeleryOnly reports whether name is read only by the Celery releases.
func (l *linter) isCeleryOnly(name string) bool {
	if slices.Contains(l.c.curated.CeleryOnly.Names, name) {
		return true
	}
	for _, p := range l.c.curated.CeleryOnly.Prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// entrypointVar reports whether the target's entrypoint reads name, and for which commands
// its value must be checked: only command (when not empty), else any.
func (l *linter) entrypointVar(name, command string) (kind string, known, readHere bool) {
	for cmdName, cmd := range l.v.Commands {
		if _, in := cmd.Env[name]; in {
			known = true
			if command == "" || cmdName == command {
				readHere = true
			}
		}
	}
	return l.c.curated.EntrypointVars[name], known, readHere
}

// readElsewhere lists the releases that read name as a setting or in their entrypoint.
func (l *linter) readElsewhere(name string) []string {
	var tags []string
	for _, v := range l.c.versions {
		_, s := v.settings[name]
		inEntrypoint := false
		for _, cmd := range v.Commands {
			if _, ok := cmd.Env[name]; ok {
				inEntrypoint = true
			}
		}
		if s || inEntrypoint {
			tags = append(tags, v.Tag)
		}
	}
	return tags
}

// candidates are the names the target reads, for "did you mean".
func (l *linter) candidates() []string {
	names := slices.Collect(maps.Keys(l.v.settings))
	for _, cmd := range l.v.Commands {
		for k := range cmd.Env {
			if !slices.Contains(names, k) {
				names = append(names, k)
			}
		}
	}
	return names
}

// env checks each variable of one service running command (or of a lone env file when service
// and command are "").
func (l *linter) env(service, command string, env map[string]string, passThrough []string, sources map[string]Source, where Source) {
	v := l.v
	names := slices.Sorted(maps.Keys(env))
	for _, n := range passThrough {
		if _, ok := env[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		value, hasValue := env[name]
		src, ok := sources[name]
		if !ok {
			src = where
		}
		f := Finding{Service: service, File: src.File, Line: src.Line}
		emit := func(sev, code, msg string) {
			f.Severity, f.Code, f.Message = sev, code, msg
			l.add(f)
		}
		if v.JobSystem == JobSystemRQ && l.isCeleryOnly(name) {
			emit(SeverityWarning, CodeCelerySetting, fmt.Sprintf("%s is a Celery setting: %s runs RQ and ignores it", name, v.Tag))
			continue
		}
		if kind, known, readHere := l.entrypointVar(name, command); known {
			if hasValue && kind != "" && readHere {
				if p := checkEntrypointValue(kind, value); p != "" {
					emit(SeverityError, CodeInvalidValue, fmt.Sprintf("%s=%s: %s (read by bin/docker-entrypoint)", name, value, p))
				}
			}
			continue
		}
		if name == "QUEUES" {
			continue // checked with the service's command
		}
		if s, ok := v.settings[name]; ok {
			if hasValue {
				if p, sev := checkValue(v, s, value); p != "" {
					emit(sev, CodeInvalidValue, fmt.Sprintf("%s: %s", name, p))
				}
			}
			continue
		}
		if tags := l.readElsewhere(name); len(tags) > 0 {
			emit(SeverityWarning, CodeSettingNotRead, fmt.Sprintf("%s is not read by %s (only by %s)", name, v.Tag, l.spans(tags)))
			continue
		}
		if strings.HasPrefix(name, "REDASH_") {
			msg := fmt.Sprintf("%s is not a setting of any Redash release", name)
			if s := suggest(name, l.candidates()); len(s) > 0 {
				msg += fmt.Sprintf("; did you mean %s?", strings.Join(s, " or "))
			}
			emit(SeverityWarning, CodeUnknownSetting, msg)
		}
	}
}

// queryRunners checks the query runner modules a service enables: redash/__init__.py imports
// each one at start-up (import_query_runners), so a module the target does not ship stops
// every process.
func (l *linter) queryRunners(service string, env map[string]string, sources map[string]Source, where Source) {
	disabled := map[string]bool{}
	for _, m := range strings.Split(env["REDASH_DISABLED_QUERY_RUNNERS"], ",") {
		disabled[m] = true
	}
	for _, name := range []string{"REDASH_ENABLED_QUERY_RUNNERS", "REDASH_ADDITIONAL_QUERY_RUNNERS"} {
		value, ok := env[name]
		if !ok {
			continue
		}
		src, ok := sources[name]
		if !ok {
			src = where
		}
		for _, m := range strings.Split(value, ",") {
			if m != strings.TrimSpace(m) {
				l.add(Finding{
					Severity: SeverityError, Service: service, Code: CodeUnknownQueryRunner, File: src.File, Line: src.Line,
					Message: fmt.Sprintf("%s lists %q: Redash does not strip the items (array_from_string), so importing it fails at start-up", name, m),
				})
				continue
			}
			module, isRedash := strings.CutPrefix(m, "redash.query_runner.")
			if !isRedash || disabled[m] || l.v.hasRunnerModule(module) {
				continue
			}
			l.add(Finding{
				Severity: SeverityError, Service: service, Code: CodeUnknownQueryRunner, File: src.File, Line: src.Line,
				Message: fmt.Sprintf("%s lists %s, which %s does not ship: every process fails at start-up importing it", name, m, l.v.Tag),
			})
		}
	}
}

// required reports mandatory or strongly advised settings that are not set.
func (l *linter) required(service string, env map[string]string, passThrough []string) {
	set := func(n string) bool {
		_, ok := env[n]
		return ok || slices.Contains(passThrough, n)
	}
	for _, r := range l.v.RequiredSettings {
		if set(r.Name) || slices.ContainsFunc(r.Alternatives, set) {
			continue
		}
		l.add(Finding{
			Severity: r.Severity, Service: service, Code: CodeMissingSetting,
			Message: fmt.Sprintf("%s is not set: %s", r.Name, r.Reason),
		})
	}
}

// coverage checks that one installation's workers consume every queue and that the scheduler
// and the web server run.
func (l *linter) coverage(services []Service) {
	v := l.v
	consumed := map[string]bool{}
	var schedulers, servers []string
	anyKnown := false
	for _, s := range services {
		run := v.RunOf(s.Command, s.Env)
		if !run.Known {
			continue
		}
		anyKnown = true
		for _, q := range run.Consumes {
			consumed[q] = true
		}
		if run.Schedules {
			schedulers = append(schedulers, s.Name)
		}
		if run.Serves {
			servers = append(servers, s.Name)
		}
	}
	if !anyKnown {
		return
	}
	symptoms := l.c.curated.QueueSymptoms[v.JobSystem]
	for _, q := range v.RequiredQueues {
		if !consumed[q] {
			l.add(Finding{
				Severity: SeverityError, Code: CodeQueueUnconsumed,
				Message: fmt.Sprintf("no worker consumes `%s`: %s", q, symptoms[q]),
			})
		}
	}
	if v.JobSystem == JobSystemCelery {
		l.celerySchemas(services, consumed, symptoms)
	}
	switch {
	case len(schedulers) == 0:
		what := "rq-scheduler"
		if v.JobSystem == JobSystemCelery {
			what = "Celery beat"
		}
		l.add(Finding{
			Severity: SeverityError, Code: CodeNoScheduler,
			Message: fmt.Sprintf("no service runs `scheduler` (%s): periodic jobs are never enqueued, so scheduled queries will not run", what),
		})
	case len(schedulers) > 1 && v.JobSystem == JobSystemCelery:
		l.add(Finding{
			Severity: SeverityWarning, Code: CodeDuplicateScheduler,
			Message: fmt.Sprintf("Celery beat runs in %s: each sends every periodic task, so they run more than once", strings.Join(schedulers, ", ")),
		})
	}
	if len(servers) == 0 {
		l.add(Finding{
			Severity: SeverityWarning, Code: CodeNoServer,
			Message: "no service runs `server`: there is no web UI or API in these files",
		})
	}
}

// celerySchemas checks the queue refresh_schema goes to in the Celery releases: the
// hard-coded `schemas` up to v6 (consumed by no default layout, PR #3459), then
// REDASH_SCHEMAS_REFRESH_QUEUE (default `celery`).
func (l *linter) celerySchemas(services []Service, consumed map[string]bool, symptoms map[string]string) {
	route := l.v.Jobs["refresh_schema"]
	if route == "schemas" {
		if !consumed["schemas"] {
			l.add(Finding{
				Severity: SeverityWarning, Code: CodeQueueUnconsumed,
				Message: fmt.Sprintf("no worker consumes `schemas`: %s (getredash/redash#3459)", symptoms["schemas"]),
			})
		}
		return
	}
	s, ok := l.v.settings["REDASH_SCHEMAS_REFRESH_QUEUE"]
	if !ok || s.Default == nil {
		return
	}
	queues := map[string]bool{}
	for _, svc := range services {
		q := svc.Env["REDASH_SCHEMAS_REFRESH_QUEUE"]
		if q == "" {
			q = *s.Default
		}
		queues[q] = true
	}
	for _, q := range slices.Sorted(maps.Keys(queues)) {
		if !consumed[q] && q != "celery" {
			l.add(Finding{
				Severity: SeverityError, Code: CodeQueueUnconsumed,
				Message: fmt.Sprintf("no worker consumes `%s` (REDASH_SCHEMAS_REFRESH_QUEUE): %s", q, symptoms["schemas"]),
			})
		}
	}
}

// result merges findings that differ only by service and sorts them: errors first, then
// deployment-wide ones, then by service, file, line and code.
func (l *linter) result() []Finding {
	type key struct {
		sev, app, code, msg, file string
		line                      int
	}
	merged := map[key]*Finding{}
	var order []key
	services := map[key][]string{}
	for _, f := range l.findings {
		k := key{f.Severity, f.App, f.Code, f.Message, f.File, f.Line}
		if _, ok := merged[k]; !ok {
			ff := f
			merged[k] = &ff
			order = append(order, k)
		}
		if f.Service != "" && !slices.Contains(services[k], f.Service) {
			services[k] = append(services[k], f.Service)
		}
	}
	out := make([]Finding, 0, len(order))
	for _, k := range order {
		f := *merged[k]
		names := services[k]
		sort.Strings(names)
		f.Service = strings.Join(names, ", ")
		out = append(out, f)
	}
	sortFindings(out)
	return out
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity == SeverityError
		}
		if a.App != b.App {
			return a.App < b.App
		}
		if (a.Service == "") != (b.Service == "") {
			return a.Service == ""
		}
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == SeverityError })
}
