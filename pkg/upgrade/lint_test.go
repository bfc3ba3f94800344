package upgrade

import (
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// baseEnv is what getredash/setup's setup.sh writes into /opt/redash/env (v10 era).
func baseEnv(extra map[string]string) map[string]string {
	env := map[string]string{
		"PYTHONUNBUFFERED":     "0",
		"REDASH_LOG_LEVEL":     "INFO",
		"REDASH_REDIS_URL":     "redis://redis:6379/0",
		"POSTGRES_PASSWORD":    "pw",
		"REDASH_COOKIE_SECRET": "cookie",
		"REDASH_SECRET_KEY":    "secret",
		"REDASH_DATABASE_URL":  "postgresql://postgres:pw@postgres/postgres",
	}
	maps.Copy(env, extra)
	return env
}

// referenceDeployment builds the reference layout of release tag, with the setup env.
func referenceDeployment(t *testing.T, tag string) Deployment {
	t.Helper()
	v := lookup(t, tag)
	var d Deployment
	for _, s := range v.Services {
		svc := Service{Name: s.Name, Image: s.Image, Env: baseEnv(s.Env)}
		if s.Command != "" {
			svc.Command = splitCommand(s.Command)
		}
		if !isRedashReference(v, s) {
			svc.Env = nil
		}
		d.Services = append(d.Services, svc)
	}
	return d
}

func TestLintReferenceLayouts(t *testing.T) {
	// Each release's own reference layout, with the setup env file, has no errors.
	for _, tag := range Versions() {
		t.Run(tag, func(t *testing.T) {
			fs, err := Lint(referenceDeployment(t, tag), tag)
			require.NoError(t, err)
			assert.False(t, HasErrors(fs), "%+v", fs)
			for _, f := range fs {
				switch f.Code {
				case CodeQueueUnconsumed:
					// v4-v6: no default layout consumed `schemas` (PR #3459).
					assert.Contains(t, f.Message, "no worker consumes `schemas`")
				case CodeSettingNotRead:
					// REDASH_SECRET_KEY is written by setup but only read from v7.
					assert.Contains(t, f.Message, "REDASH_SECRET_KEY is not read")
				case CodeImageVersion:
					// The setup compose files pin older images (v6 ships 5.0.0.b4754).
				default:
					t.Errorf("unexpected finding %+v", f)
				}
			}
		})
	}
}

func TestLintV8LayoutOnV10(t *testing.T) {
	d := referenceDeployment(t, "v8.0.0")
	fs, err := Lint(d, "10.1")
	require.NoError(t, err)
	assert.Equal(t, []Finding{
		{Severity: "error", Code: CodeQueueUnconsumed, Message: "no worker consumes `default`: alerts are not checked, events are not recorded and the default queue grows in Redis"},
		{Severity: "error", Code: CodeQueueUnconsumed, Message: "no worker consumes `emails`: no mail is sent (invitations, password resets, alerts)"},
		{Severity: "error", Code: CodeQueueUnconsumed, Message: "no worker consumes `periodic`: scheduled queries will not run, the Outdated Queries admin page fails and periodic maintenance (schema refresh, result cleanup, failure reports) stops"},
		{Severity: "warning", Service: "adhoc_worker, scheduled_worker, scheduler, server", Code: CodeImageVersion, Message: "image redash/redash:7.0.0.b18042 is v7.0.0, not the target v10.1.0"},
		{Severity: "warning", Service: "scheduler", Code: CodeSchedulerQueues, Message: "QUEUES is ignored: since v9.0.0-beta the scheduler only enqueues periodic jobs and runs none; give the queues to a worker"},
		{Severity: "warning", Service: "scheduler", Code: CodeSchedulerQueues, Message: "WORKERS_COUNT is ignored: since v9.0.0-beta the scheduler only enqueues periodic jobs and runs none; give the queues to a worker"},
	}, fs)
}

func TestLintEnvOnly(t *testing.T) {
	env := map[string]string{
		"REDASH_REDIS_URL":          "redis://redis:6379/0",
		"REDASH_DATABASE_URL":       "postgresql://postgres@postgres/postgres",
		"REDASH_COOKIE_SECRETS":     "typo",
		"REDASH_MAIL_PORT":          "25x",
		"REDASH_MAIL_USE_TLS":       "yes",
		"REDASH_LOG_STDOUT":         "maybe",
		"REDASH_CELERY_BROKER":      "redis://redis:6379/1",
		"CELERYD_MAX_TASKS":         "10",
		"REDASH_FEATURE_POLICY":     "x",
		"WORKERS_COUNT":             "0",
		"REDASH_PAGE_SIZE_OPTIONS":  "5, 10,x",
		"DATABRICKS_ROW_LIMIT":      "lots",
		"SENTRY_TRACES_SAMPLE_RATE": "0.5",
		"QUEUES":                    "celery",
	}
	sources := map[string]Source{"REDASH_MAIL_PORT": {File: ".env", Line: 4}}
	fs, err := Lint(Deployment{Env: env, EnvSources: sources}, "v10.1.0")
	require.NoError(t, err)
	assert.Equal(t, []Finding{
		{Severity: "error", Code: CodeInvalidValue, Message: `REDASH_LOG_STDOUT: "maybe" is not a boolean: v10.1.0 accepts yes/true/on/1 or no/false/off/0/none and stops at start-up otherwise`},
		{Severity: "error", Code: CodeInvalidValue, Message: `REDASH_PAGE_SIZE_OPTIONS: "5, 10,x" is not a comma-separated list of integers ("x"): the server stops at start-up`},
		{Severity: "error", Code: CodeInvalidValue, Message: `WORKERS_COUNT=0: "0" starts no process (read by bin/docker-entrypoint)`},
		{Severity: "error", Code: CodeMissingSetting, Message: "REDASH_COOKIE_SECRET is not set: the server refuses to start without it (redash/settings/__init__.py@v10.1.0)"},
		{Severity: "error", File: ".env", Line: 4, Code: CodeInvalidValue, Message: `REDASH_MAIL_PORT: "25x" is not an integer: the server stops at start-up`},
		{Severity: "warning", Code: CodeCelerySetting, Message: "CELERYD_MAX_TASKS is a Celery setting: v10.1.0 runs RQ and ignores it"},
		{Severity: "warning", Code: CodeCelerySetting, Message: "REDASH_CELERY_BROKER is a Celery setting: v10.1.0 runs RQ and ignores it"},
		{Severity: "warning", Code: CodeInvalidValue, Message: `DATABRICKS_ROW_LIMIT: "lots" is not an integer: it is ignored and 20000 is used`},
		{Severity: "warning", Code: CodeMissingSetting, Message: "REDASH_SECRET_KEY is not set: data sources are then encrypted with REDASH_COOKIE_SECRET, and changing that secret makes them unreadable"},
		{Severity: "warning", Code: CodeSettingNotRead, Message: "REDASH_FEATURE_POLICY is not read by v10.1.0 (only by v25.1.0 – master)"},
		{Severity: "warning", Code: CodeUnknownSetting, Message: "REDASH_COOKIE_SECRETS is not a setting of any Redash release; did you mean REDASH_COOKIE_SECRET?"},
	}, fs)
}

func TestLintBooleansByRelease(t *testing.T) {
	env := map[string]string{"REDASH_LOG_STDOUT": "yes", "REDASH_MULTI_ORG": "null", "REDASH_ENFORCE_HTTPS": `"on"`}
	only := func(fs []Finding) []string {
		var out []string
		for _, f := range fs {
			if f.Code == CodeInvalidValue {
				out = append(out, f.Severity+" "+f.Message)
			}
		}
		return out
	}
	fs, err := Lint(Deployment{Env: env}, "v5.0.2")
	require.NoError(t, err)
	assert.Equal(t, []string{
		`error REDASH_LOG_STDOUT: "yes" is not a boolean: v5.0.2 parses it as JSON (true or false) and stops at start-up`,
		`warning REDASH_ENFORCE_HTTPS: "\"on\"" is not a boolean: v5.0.2 takes its JSON value as is; use true or false`,
	}, only(fs))
	fs, err = Lint(Deployment{Env: env}, "v6.0.0")
	require.NoError(t, err)
	assert.Equal(t, []string{
		`error REDASH_ENFORCE_HTTPS: "\"on\"" is not a boolean: v6.0.0 accepts yes/true/on/1 or no/false/off/0/none and stops at start-up otherwise`,
		`error REDASH_MULTI_ORG: "null" is not a boolean: v6.0.0 accepts yes/true/on/1 or no/false/off/0/none and stops at start-up otherwise`,
	}, only(fs))
}

func rq(name string, cmd []string, env map[string]string) Service {
	return Service{Name: name, Image: "redash/redash:10.1.0.b50633", Command: cmd, Env: baseEnv(env)}
}

func TestLintServices(t *testing.T) {
	tests := []struct {
		name     string
		target   string
		services []Service
		want     []Finding
	}{
		{
			name:   "empty QUEUES worker covers everything",
			target: "v10.1.0",
			services: []Service{
				rq("server", nil, nil),
				rq("scheduler", []string{"scheduler"}, nil),
				rq("worker", []string{"worker"}, map[string]string{"QUEUES": ""}),
			},
			want: []Finding{},
		},
		{
			name:   "worker without periodic and schemas, celery left in QUEUES",
			target: "v10.1.0",
			services: []Service{
				rq("server", []string{"server"}, nil),
				rq("scheduler", []string{"scheduler"}, nil),
				rq("worker", []string{"worker"}, map[string]string{"QUEUES": "queries scheduled_queries emails default celery"}),
			},
			want: []Finding{
				{Severity: "error", Code: CodeQueueUnconsumed, Message: "no worker consumes `periodic`: scheduled queries will not run, the Outdated Queries admin page fails and periodic maintenance (schema refresh, result cleanup, failure reports) stops"},
				{Severity: "error", Code: CodeQueueUnconsumed, Message: "no worker consumes `schemas`: the schema browser never loads or refreshes"},
				{Severity: "warning", Service: "worker", Code: CodeQueueRemoved, Message: "queue `celery` does not exist in v10.1.0 (only v4.0.0 – v8.0.0): nothing is sent to it"},
			},
		},
		{
			name:   "no scheduler and no server, custom queue, manage.py worker",
			target: "v25.1.0",
			services: []Service{
				rq("w", []string{"/app/manage.py", "rq", "worker", "periodic,emails,default,scheduled_queries,queries,schemas,bigquery"}, nil),
			},
			want: []Finding{
				{Severity: "error", Code: CodeNoScheduler, Message: "no service runs `scheduler` (rq-scheduler): periodic jobs are never enqueued, so scheduled queries will not run"},
				{Severity: "warning", Code: CodeNoServer, Message: "no service runs `server`: there is no web UI or API in these files"},
				{Severity: "warning", Service: "w", Code: CodeImageVersion, Message: "image redash/redash:10.1.0.b50633 is v10.1.0, not the target v25.1.0"},
				{Severity: "warning", Service: "w", Code: CodeUnknownQueue, Message: "queue `bigquery` is not a Redash queue: only data sources configured with that queue name send jobs there"},
			},
		},
		{
			name:   "celery command on RQ, command of a later release, healthcheck stub",
			target: "v10.1.0",
			services: []Service{
				rq("server", nil, nil),
				rq("scheduler", []string{"scheduler"}, nil),
				rq("worker", []string{"worker"}, nil),
				rq("old", []string{"celery", "worker", "--app=redash.worker", "-Qcelery"}, nil),
				rq("hc", []string{"workers_healthcheck"}, nil),
				rq("stub", []string{"celery_healthcheck"}, nil),
				rq("custom", []string{"my-script.sh"}, nil),
			},
			want: []Finding{
				{Severity: "error", Service: "hc", Code: CodeUnknownCommand, Message: "command `workers_healthcheck` is not in the v10.1.0 entrypoint (only v25.1.0 – master): the container will fail to start"},
				{Severity: "error", Service: "old", Code: CodeUnknownCommand, Message: "runs `celery worker`, but v10.1.0 uses RQ 1.5.0, rq-scheduler 0.9.1, supervisord 4.1.0"},
				{Severity: "warning", Service: "custom", Code: CodeUnknownCommand, Message: "command `my-script.sh` is not a v10.1.0 entrypoint command (celery_healthcheck, create_db, debug, dev_scheduler, dev_server, dev_worker, manage, scheduler, server, shell, tests, worker): its queues cannot be checked"},
				{Severity: "warning", Service: "stub", Code: CodeDeprecatedCommand, Message: "`celery_healthcheck` only prints a deprecation notice since v9.0.0-beta; v10.1.0 checks nothing"},
			},
		},
		{
			name:   "celery: spaces in QUEUES, beat twice, schemas refresh queue",
			target: "v8.0.0",
			services: []Service{
				{Name: "server", Image: "redash/redash:8.0.0.b32245", Command: []string{"server"}, Env: baseEnv(nil)},
				{Name: "scheduler", Image: "redash/redash:8.0.0.b32245", Command: []string{"scheduler"}, Env: baseEnv(map[string]string{"REDASH_SCHEMAS_REFRESH_QUEUE": "schemas"})},
				{Name: "dev", Image: "redash/redash:8.0.0.b32245", Command: []string{"dev_worker"}, Env: baseEnv(map[string]string{"QUEUES": "queries scheduled_queries"})},
			},
			want: []Finding{
				{Severity: "error", Code: CodeQueueUnconsumed, Message: "no worker consumes `scheduled_queries`: scheduled refreshes are queued but never executed"},
				{Severity: "error", Code: CodeQueueUnconsumed, Message: "no worker consumes `schemas` (REDASH_SCHEMAS_REFRESH_QUEUE): schemas are not refreshed and the queue grows in Redis"},
				{Severity: "error", Service: "dev", Code: CodeQueuesFormat, Message: `QUEUES="queries scheduled_queries" has spaces: v8.0.0 passes it unquoted to celery -Q, which needs a comma-separated list`},
				{Severity: "warning", Code: CodeDuplicateScheduler, Message: "Celery beat runs in scheduler, dev: each sends every periodic task, so they run more than once"},
			},
		},
		{
			name:   "v4 single worker misses schemas",
			target: "v4.0.2",
			services: []Service{
				{Name: "server", Image: "redash/redash:latest", Command: []string{"server"}, Env: baseEnv(nil)},
				{Name: "worker", Image: "redash/redash:latest", Command: []string{"scheduler"}, Env: baseEnv(map[string]string{"QUEUES": "queries,scheduled_queries,celery"})},
			},
			want: []Finding{
				{Severity: "warning", Code: CodeQueueUnconsumed, Message: "no worker consumes `schemas`: schemas are not refreshed and the queue grows in Redis (getredash/redash#3459)"},
				{Severity: "warning", Service: "server, worker", Code: CodeSettingNotRead, Message: "REDASH_SECRET_KEY is not read by v4.0.2 (only by v7.0.0 – master)"},
			},
		},
		{
			name:   "pass-through secret counts as set; unread env file suppresses missing settings",
			target: "v10.1.0",
			services: []Service{
				{
					Name: "server", Image: "redash/redash:10.1.0.b50633", PassThrough: []string{"REDASH_COOKIE_SECRET", "REDASH_SECRET_KEY"},
					Env: map[string]string{"REDASH_REDIS_URL": "redis://redis:6379/0", "REDASH_DATABASE_URL": "postgresql:///x"},
				},
				{
					Name: "scheduler", Image: "redash/redash:10.1.0.b50633", Command: []string{"scheduler"}, MissingEnvFiles: []string{"/opt/redash/env"},
					Source: Source{File: "compose.yml", Line: 9}, Env: map[string]string{"REDASH_REDIS_URL": "redis://redis:6379/0"},
				},
				{
					Name: "worker", Image: "redash/redash:10.1.0.b50633", Command: []string{"worker"},
					Env: map[string]string{"REDASH_REDIS_URL": "redis://redis:6379/0", "REDASH_COOKIE_SECRET": "x", "REDASH_SECRET_KEY": "y"},
				},
			},
			want: []Finding{
				{Severity: "warning", Service: "scheduler", Code: CodeEnvFileMissing, File: "compose.yml", Line: 9, Message: "env_file /opt/redash/env could not be read: its settings were not checked"},
				{Severity: "warning", Service: "worker", Code: CodeMissingSetting, Message: "REDASH_DATABASE_URL is not set: it defaults to postgresql:///postgres, a local socket that does not exist in a container"},
			},
		},
		{
			name:   "healthchecks from another job system or release",
			target: "v10.1.0",
			services: []Service{
				rq("server", nil, nil),
				rq("scheduler", []string{"scheduler"}, nil),
				{
					Name: "worker", Image: "redash/redash:10.1.0.b50633", Command: []string{"worker"}, Env: baseEnv(nil),
					Healthcheck: []string{"CMD-SHELL", "/app/bin/docker-entrypoint celery_healthcheck"},
				},
				{
					Name: "worker2", Image: "redash/redash:10.1.0.b50633", Command: []string{"worker"}, Env: baseEnv(nil),
					Healthcheck: []string{"CMD", "/app/bin/docker-entrypoint", "workers_healthcheck"}, Source: Source{File: "c.yml", Line: 40},
				},
			},
			want: []Finding{
				{Severity: "error", Service: "worker2", Code: CodeUnknownCommand, File: "c.yml", Line: 40, Message: "the healthcheck runs `workers_healthcheck`, which the v10.1.0 entrypoint does not have (only v25.1.0 – master): the container is reported unhealthy"},
				{Severity: "warning", Service: "worker", Code: CodeDeprecatedCommand, Message: "the healthcheck runs `celery_healthcheck`, which only prints a deprecation notice since v9.0.0-beta: in v10.1.0 it always passes"},
			},
		},
		{
			name:   "no Redash service",
			target: "v10.1.0",
			services: []Service{
				{Name: "redis", Image: "redis:7-alpine"},
				{Name: "nginx", Image: "redash/nginx:latest"},
			},
			want: []Finding{
				{Severity: "warning", Code: CodeNoRedashService, Message: "no service runs the Redash image (redash/redash) or a Redash entrypoint command: nothing to check"},
			},
		},
		{
			name:   "build-only dev service is recognised by its command",
			target: "v10.1.0",
			services: []Service{
				{Name: "server", Build: true, Command: []string{"dev_server"}, Env: baseEnv(nil)},
				{Name: "scheduler", Build: true, Command: []string{"dev_scheduler"}, Env: baseEnv(nil)},
				{Name: "worker", Build: true, Command: []string{"dev_worker"}, Env: baseEnv(nil)},
			},
			want: []Finding{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, err := Lint(Deployment{Services: tt.services}, tt.target)
			require.NoError(t, err)
			assert.Equal(t, tt.want, fs)
		})
	}
}

func TestLintTwoApps(t *testing.T) {
	app := func(prefix, redis string, queues string) []Service {
		env := func(extra map[string]string) map[string]string {
			e := baseEnv(extra)
			e["REDASH_REDIS_URL"] = redis
			return e
		}
		return []Service{
			{Name: prefix + "_server", Image: "redash/redash:10.1.0.b50633", Command: []string{"server"}, Env: env(nil)},
			{Name: prefix + "_scheduler", Image: "redash/redash:10.1.0.b50633", Command: []string{"scheduler"}, Env: env(nil)},
			{Name: prefix + "_worker", Image: "redash/redash:10.1.0.b50633", Command: []string{"worker"}, Env: env(map[string]string{"QUEUES": queues})},
		}
	}
	var d Deployment
	d.Services = append(d.Services, app("sales", "redis://redis:6379/0", "")...)
	d.Services = append(d.Services, app("ops", "redis://redis:6379/1", "queries,scheduled_queries,schemas")...)
	d.Services = append(d.Services, Service{Name: "redis", Image: "redis:7-alpine"})
	fs, err := Lint(d, "v10.1.0")
	require.NoError(t, err)
	assert.Equal(t, []Finding{
		{Severity: "error", App: "ops", Code: CodeQueueUnconsumed, Message: "no worker consumes `default`: alerts are not checked, events are not recorded and the default queue grows in Redis"},
		{Severity: "error", App: "ops", Code: CodeQueueUnconsumed, Message: "no worker consumes `emails`: no mail is sent (invitations, password resets, alerts)"},
		{Severity: "error", App: "ops", Code: CodeQueueUnconsumed, Message: "no worker consumes `periodic`: scheduled queries will not run, the Outdated Queries admin page fails and periodic maintenance (schema refresh, result cleanup, failure reports) stops"},
	}, fs)
}

func TestLintQueryRunners(t *testing.T) {
	env := baseEnv(map[string]string{
		"REDASH_ADDITIONAL_QUERY_RUNNERS": "redash.query_runner.oracle, redash.query_runner.mssql,,redash.query_runner.mapd,mycompany.runners.x",
		"REDASH_DISABLED_QUERY_RUNNERS":   "redash.query_runner.qubole",
		"REDASH_ENABLED_QUERY_RUNNERS":    "redash.query_runner.pg,redash.query_runner.qubole",
	})
	fs, err := Lint(Deployment{Env: env, EnvSources: map[string]Source{"REDASH_ADDITIONAL_QUERY_RUNNERS": {File: "env", Line: 3}}}, "v25.1.0")
	require.NoError(t, err)
	assert.Equal(t, []Finding{
		{Severity: "error", File: "env", Line: 3, Code: CodeUnknownQueryRunner, Message: `REDASH_ADDITIONAL_QUERY_RUNNERS lists " redash.query_runner.mssql": Redash does not strip the items (array_from_string), so importing it fails at start-up`},
		{Severity: "error", File: "env", Line: 3, Code: CodeUnknownQueryRunner, Message: "REDASH_ADDITIONAL_QUERY_RUNNERS lists redash.query_runner.mapd, which v25.1.0 does not ship: every process fails at start-up importing it"},
	}, fs)
	fs, err = Lint(Deployment{Env: map[string]string{"REDASH_ADDITIONAL_QUERY_RUNNERS": "redash.query_runner.mapd"}}, "v10.1.0")
	require.NoError(t, err)
	for _, f := range fs {
		assert.NotEqual(t, CodeUnknownQueryRunner, f.Code)
	}
}

func TestLintUnknownBrokerJoinsByName(t *testing.T) {
	d := Deployment{Services: []Service{
		rq("a_server", nil, map[string]string{"REDASH_REDIS_URL": "redis://redis:6379/0"}),
		rq("a_scheduler", []string{"scheduler"}, map[string]string{"REDASH_REDIS_URL": "redis://redis:6379/0"}),
		rq("b_server", nil, map[string]string{"REDASH_REDIS_URL": "redis://redis:6379/1"}),
		rq("b_scheduler", []string{"scheduler"}, map[string]string{"REDASH_REDIS_URL": "redis://redis:6379/1"}),
		{Name: "a_worker", Image: "redash/redash:10.1.0.b50633", Command: []string{"worker"}, MissingEnvFiles: []string{"a.env"}},
	}}
	fs, err := Lint(d, "10.1.0")
	require.NoError(t, err)
	var apps []string
	for _, f := range fs {
		if f.Code == CodeQueueUnconsumed {
			apps = append(apps, f.App)
		}
	}
	// a_worker has no Redis URL here (its env file is missing): it joins app "a", which is
	// covered, while app "b" has no worker at all.
	assert.Equal(t, []string{"b", "b", "b", "b", "b", "b"}, apps)
}

func TestLintUnknownTarget(t *testing.T) {
	_, err := Lint(Deployment{}, "11.0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `lint: unknown Redash version "11.0": known versions are`)
}

func TestCheckValue(t *testing.T) {
	v10, v8 := lookup(t, "v10.1.0"), lookup(t, "v8.0.0")
	intSetting := Setting{Name: "X", Parser: "int"}
	tests := []struct {
		name   string
		v      *Version
		s      Setting
		value  string
		wantOK bool
	}{
		{"int", v10, intSetting, " 42 ", true},
		{"negative int", v10, intSetting, "-1", true},
		{"py3 underscores", v10, intSetting, "1_000", true},
		{"py2 has no underscores", v8, intSetting, "1_000", false},
		{"empty int stops the server", v10, intSetting, "", false},
		{"float for int", v10, intSetting, "1.5", false},
		{"int_or_none", v10, Setting{Parser: "int_or_none"}, "abc", false},
		{"float", v10, Setting{Parser: "float"}, "1e-3", true},
		{"bad float", v10, Setting{Parser: "float"}, "half", false},
		{"bool", v10, Setting{Parser: "parse_boolean"}, " On ", true},
		{"bool none", v10, Setting{Parser: "parse_boolean"}, "none", true},
		{"json bool", v8, Setting{Parser: "parse_boolean"}, "TRUE", true},
		{"str anything", v10, Setting{Parser: "str"}, "whatever | x", true},
		{"set_from_string", v10, Setting{Parser: "set_from_string"}, "a,,b", true},
		{"list of ints with empty items", v10, Setting{Parser: "array_from_string | map(int) | list"}, "60,,300, 600", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := checkValue(tt.v, tt.s, tt.value)
			assert.Equal(t, tt.wantOK, p == "", p)
		})
	}
}

func TestSuggest(t *testing.T) {
	cands := []string{"REDASH_COOKIE_SECRET", "REDASH_DATABASE_URL", "REDASH_REDIS_URL", "REDASH_MAIL_PORT"}
	assert.Equal(t, []string{"REDASH_DATABASE_URL"}, suggest("REDASH_DATABSE_URL", cands))
	assert.Equal(t, []string{"REDASH_DATABASE_URL"}, suggest("REDASH_DTAABASE_URL", cands), "transposition counts once")
	assert.Equal(t, []string{"REDASH_REDIS_URL"}, suggest("REDASH_REDIS_ULR", cands))
	assert.Equal(t, []string{"REDASH_MAIL_USE_SSL", "REDASH_MAIL_USE_TLS"}, suggest("REDASH_MAIL_USE_TSL", []string{"REDASH_MAIL_USE_TLS", "REDASH_MAIL_USE_SSL", "REDASH_MAIL_PORT"}))
	assert.Nil(t, suggest("REDASH_SOMETHING_ELSE", cands))
	assert.Nil(t, suggest("REDASH_X", cands))
	assert.Equal(t, 2, distance("abc", "cba"))
	assert.Equal(t, 1, distance("ab", "ba"))
	assert.Equal(t, 3, distance("", "abc"))
}

func TestIsRedashImage(t *testing.T) {
	for img, want := range map[string]bool{
		"redash/redash:10.1.0.b50633":               true,
		"redash/redash":                             true,
		"registry.example.com:5000/redash:10":       true,
		"redash/redash@sha256:abc":                  true,
		"redash/nginx:latest":                       false,
		"redis:7-alpine":                            false,
		"postgres:9.6-alpine":                       false,
		"pgautoupgrade/pgautoupgrade:17-alpine":     false,
		"ghcr.io/acme/redash-custom:2024.1":         true,
		"registry.example.com:5000/tools/nginx:1.2": false,
	} {
		assert.Equal(t, want, isRedashImage(img), img)
	}
}

func TestCheckLive(t *testing.T) {
	t.Run("v8 instance moving to v10", func(t *testing.T) {
		fs, err := CheckLive(LiveState{
			Version: "8.0.0+b32245", MultiOrg: true, WeeklySchedules: 3, StringIntervals: 2,
			QueueSizes: map[string]int{"celery": 4, "queries": 0},
			Workers:    []LiveWorker{{Name: "w1", Queues: []string{"celery", "queries"}}},
		}, "10.1.0")
		require.NoError(t, err)
		assert.Equal(t, []Finding{
			{Severity: "error", Code: CodeQueueUnconsumed, Message: "no live worker consumes `scheduled_queries`: scheduled refreshes are queued but never executed"},
			{Severity: "warning", Code: CodeMultiOrg, Message: "multi-org instance: v10.1.0 requests data source icons from /<org>/static/images/, which 404 behind nginx (getredash/redash#5256); rewrite them to /static/images/ or move to v25.8.0 or later"},
			{Severity: "warning", Code: CodeQueueBacklog, Message: "queue `celery` holds 4 jobs: v10.1.0 (rq) will not run jobs left by celery; let them drain before stopping the workers"},
			{Severity: "warning", Code: CodeStringIntervals, Message: "2 schedules store their interval as a string, as the v7/v8 schedule migration left them (getredash/redash#4708): re-save those schedules"},
			{Severity: "warning", Code: CodeWeeklySchedules, Message: "3 scheduled queries run weekly; v10.1.0 is reported not to queue weekly schedules (getredash/redash#5069, getredash/redash#6806): check them after the upgrade"},
		}, fs)
	})
	t.Run("preview build moving to v25.8", func(t *testing.T) {
		fs, err := CheckLive(LiveState{
			Version: "24.04.0-dev", MultiOrg: true, WeeklySchedules: 1,
			QueueSizes: map[string]int{"queries": 250, "periodic": 99}, BacklogThreshold: 100,
		}, "v25.8.0")
		require.NoError(t, err)
		assert.Equal(t, []Finding{
			{Severity: "warning", Code: CodeQueueBacklog, Message: "queue `queries` holds 250 jobs: let it drain before stopping the workers"},
			{Severity: "warning", Code: CodeVersionApproximate, Message: "version 24.04.0-dev is not in the catalog: compared as v10.1.0, the nearest older release"},
			{Severity: "warning", Code: CodeWeeklySchedules, Message: "1 scheduled queries run weekly; v25.8.0 is reported not to queue weekly schedules (getredash/redash#5069, getredash/redash#6806): check them after the upgrade"},
		}, fs)
	})
	t.Run("data source types", func(t *testing.T) {
		fs, err := CheckLive(LiveState{Version: "10.1.0", DataSourceTypes: map[string]int{
			"pg": 4, "mapd": 2, "qubole": 0, "my_custom_runner": 1,
		}}, "25.1")
		require.NoError(t, err)
		assert.Equal(t, []Finding{
			{Severity: "error", Code: CodeDataSourceTypeRemoved, Message: "2 data sources of type `mapd`: v25.1.0 has no query runner for it, so they stop working"},
		}, fs)
		fs, err = CheckLive(LiveState{Version: "6.0.0", DataSourceTypes: map[string]int{"bigquery_gce": 1}}, "7")
		require.NoError(t, err)
		assert.Equal(t, []Finding{
			{Severity: "warning", Code: CodeDataSourceTypeDisabled, Message: "1 data sources of type `bigquery_gce`: v7.0.0 does not enable it by default; add redash.query_runner.big_query_gce to REDASH_ADDITIONAL_QUERY_RUNNERS"},
		}, fs)
	})
	t.Run("healthy v10 instance staying on v10", func(t *testing.T) {
		fs, err := CheckLive(LiveState{Version: "10.1.0", Workers: []LiveWorker{
			{Name: "a", Queues: []string{"periodic", "emails", "default"}},
			{Name: "b", Queues: []string{"scheduled_queries", "queries", "schemas"}},
		}}, "10.1.0")
		require.NoError(t, err)
		assert.Empty(t, fs)
	})
	t.Run("errors", func(t *testing.T) {
		_, err := CheckLive(LiveState{Version: "10.1.0"}, "12")
		assert.ErrorContains(t, err, `check: unknown Redash version "12"`)
		_, err = CheckLive(LiveState{Version: "dev"}, "10")
		assert.ErrorContains(t, err, `check: instance version: unknown Redash version "dev"`)
	})
}
