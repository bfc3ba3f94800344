package deployfile

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/pkg/upgrade"
)

func load(t *testing.T, paths []string, envFiles []string) upgrade.Deployment {
	t.Helper()
	d, err := LoadCompose(context.Background(), paths, envFiles)
	require.NoError(t, err)
	return d
}

func service(t *testing.T, d upgrade.Deployment, name string) upgrade.Service {
	t.Helper()
	i := slices.IndexFunc(d.Services, func(s upgrade.Service) bool { return s.Name == name })
	require.GreaterOrEqual(t, i, 0, "service %s", name)
	return d.Services[i]
}

func names(d upgrade.Deployment) []string {
	var out []string
	for _, s := range d.Services {
		out = append(out, s.Name)
	}
	return out
}

func TestLoadComposeV8Layout(t *testing.T) {
	d := load(t, []string{"testdata/v8/docker-compose.yml"}, nil)
	assert.Equal(t, []string{"server", "scheduler", "scheduled_worker", "adhoc_worker", "redis", "postgres", "nginx"}, names(d))
	assert.Equal(t, []string{"testdata/v8/docker-compose.yml", "testdata/v8/env"}, d.Files)

	s := service(t, d, "scheduled_worker")
	assert.Equal(t, "redash/redash:8.0.0.b32245", s.Image, "image from the x-redash-service anchor")
	assert.Equal(t, []string{"worker"}, s.Command)
	assert.Equal(t, upgrade.Source{File: "testdata/v8/docker-compose.yml", Line: 24}, s.Source)
	assert.Equal(t, map[string]string{
		"PYTHONUNBUFFERED":     "0",
		"REDASH_LOG_LEVEL":     "INFO",
		"REDASH_REDIS_URL":     "redis://redis:6379/0",
		"POSTGRES_PASSWORD":    "pgpass",
		"REDASH_COOKIE_SECRET": "c7d1f3cookie",
		"REDASH_SECRET_KEY":    "9a2b44secret",
		"REDASH_DATABASE_URL":  "postgresql://postgres:pgpass@postgres/postgres",
		"QUEUES":               "scheduled_queries,schemas",
		"WORKERS_COUNT":        "1",
	}, s.Env)
	assert.Equal(t, upgrade.Source{File: "testdata/v8/docker-compose.yml", Line: 28}, s.EnvSources["QUEUES"])
	assert.Equal(t, upgrade.Source{File: "testdata/v8/env", Line: 6}, s.EnvSources["REDASH_COOKIE_SECRET"])
	assert.Empty(t, s.PassThrough)
	assert.Empty(t, s.MissingEnvFiles)

	r := service(t, d, "redis")
	assert.Nil(t, r.Command)
	assert.Empty(t, r.Env)
}

func TestLoadComposeInterpolationAndOverrides(t *testing.T) {
	t.Setenv("REDASH_TAG", "from-the-process-environment")

	d := load(t, []string{"testdata/v10/docker-compose.yml"}, nil)
	assert.Equal(t, "redash/redash:10.1.0.b50633", service(t, d, "server").Image, ".env beside the compose file, not the process environment")

	d = load(t, []string{"testdata/v10/docker-compose.yml"}, []string{"testdata/v10/other.env"})
	assert.Equal(t, "redash/redash:8.0.0.b32245", service(t, d, "server").Image, "--env-file replaces .env")

	d = load(t, []string{"testdata/v10/docker-compose.yml", "testdata/v10/docker-compose.override.yml"}, nil)
	w := service(t, d, "worker")
	assert.Equal(t, "", w.Env["QUEUES"])
	assert.Equal(t, "4", w.Env["WORKERS_COUNT"])
	assert.Equal(t, upgrade.Source{File: "testdata/v10/docker-compose.override.yml", Line: 5}, w.EnvSources["QUEUES"])
	assert.Equal(t, "true", w.Env["REDASH_ENFORCE_CSRF"], "export and inline comment in the env_file")
	assert.Equal(t, upgrade.Source{File: "testdata/v10/docker-compose.yml", Line: 33}, w.Source)

	fs, err := upgrade.Lint(d, "10.1.0")
	require.NoError(t, err)
	assert.Equal(t, []upgrade.Finding{
		{
			Severity: "warning", Service: "adhoc_worker, scheduled_worker, scheduler, server, worker", Code: upgrade.CodeSettingNotRead,
			File: "testdata/v10/env", Line: 9, Message: "REDASH_GUNICORN_TIMEOUT is not read by v10.1.0 (only by v25.1.0 – master)",
		},
	}, fs)
}

func TestLoadComposeAnchorsAndPassThrough(t *testing.T) {
	d := load(t, []string{"testdata/v10-queues/docker-compose.yml"}, nil)
	sched := service(t, d, "scheduler")
	assert.Equal(t, "c7d1f3cookie", sched.Env["REDASH_COOKIE_SECRET"], "environment: *alias")
	assert.Equal(t, upgrade.Source{File: "testdata/v10-queues/docker-compose.yml", Line: 6}, sched.EnvSources["REDASH_COOKIE_SECRET"], "line inside the x- block")
	w := service(t, d, "worker")
	assert.Equal(t, upgrade.Source{File: "testdata/v10-queues/docker-compose.yml", Line: 4}, w.EnvSources["REDASH_REDIS_URL"], "merged with <<")
	assert.Equal(t, upgrade.Source{File: "testdata/v10-queues/docker-compose.yml", Line: 26}, w.EnvSources["QUEUES"])
	assert.Equal(t, "4", w.Env["WORKERS_COUNT"])

	d = load(t, []string{"testdata/leftovers/docker-compose.yml"}, nil)
	srv := service(t, d, "server")
	assert.Equal(t, "redis://redis:6379/1", srv.Env["REDASH_CELERY_BROKER"], "environment list from an anchor")
	assert.Equal(t, upgrade.Source{File: "testdata/leftovers/docker-compose.yml", Line: 11}, srv.EnvSources["REDASH_CELERY_BROKER"])

	d = load(t, []string{"testdata/setup-abs/docker-compose.yml"}, nil)
	srv = service(t, d, "server")
	assert.Equal(t, []string{"REDASH_COOKIE_SECRET"}, srv.PassThrough)
	assert.Equal(t, []string{"/opt/redash/env"}, srv.MissingEnvFiles)
	assert.Empty(t, service(t, d, "worker").MissingEnvFiles, "optional env_file that does not exist")
}

func TestLoadComposeBuildAndProfiles(t *testing.T) {
	dir := t.TempDir()
	compose := `services:
  server:
    build: .
    command: dev_server
    environment:
      - REDASH_REDIS_URL=redis://redis:6379/0
      - FROM_DOTENV
      - FROM_NOWHERE
  worker:
    build:
      context: .
    command: dev_worker
    profiles: [workers]
  scheduler:
    command: dev_scheduler
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "compose.yaml"), []byte(compose), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("FROM_DOTENV=dotenv\n"), 0o600))
	t.Setenv("FROM_NOWHERE", "process")
	d := load(t, []string{filepath.Join(dir, "compose.yaml")}, nil)
	assert.Equal(t, []string{"server", "worker", "scheduler"}, names(d), "services in every profile")
	srv := service(t, d, "server")
	assert.True(t, srv.Build)
	assert.Equal(t, "", srv.Image)
	assert.Equal(t, "dotenv", srv.Env["FROM_DOTENV"])
	assert.Equal(t, []string{"FROM_NOWHERE"}, srv.PassThrough)
	assert.Equal(t, 7, srv.EnvSources["FROM_DOTENV"].Line)
	assert.True(t, service(t, d, "worker").Build)
	assert.False(t, service(t, d, "scheduler").Build, "neither image nor build")

	fs, err := upgrade.Lint(d, "v10.1.0")
	require.NoError(t, err)
	assert.Equal(t, []upgrade.Finding{
		{Severity: "error", Service: "scheduler, server, worker", Code: upgrade.CodeMissingSetting, Message: "REDASH_COOKIE_SECRET is not set: the server refuses to start without it (redash/settings/__init__.py@v10.1.0)"},
		{Severity: "warning", Service: "scheduler, server, worker", Code: upgrade.CodeMissingSetting, Message: "REDASH_DATABASE_URL is not set: it defaults to postgresql:///postgres, a local socket that does not exist in a container"},
		{Severity: "warning", Service: "scheduler, server, worker", Code: upgrade.CodeMissingSetting, Message: "REDASH_SECRET_KEY is not set: data sources are then encrypted with REDASH_COOKIE_SECRET, and changing that secret makes them unreadable"},
		{Severity: "warning", Service: "scheduler, worker", Code: upgrade.CodeMissingSetting, Message: "REDASH_REDIS_URL is not set: it defaults to redis://localhost:6379/0, which is not the Redis container"},
	}, fs, "the dev layout covers every queue: the RQ dev_worker with no QUEUES takes the defaults")
}

func TestLoadComposeErrors(t *testing.T) {
	tests := []struct {
		name     string
		paths    []string
		envFiles []string
		want     string
	}{
		{"no file", nil, nil, "load compose files: no file given"},
		{"missing file", []string{"testdata/nope.yml"}, nil, "read compose file: open testdata/nope.yml: no such file or directory"},
		{
			"syntax",
			[]string{"testdata/broken/syntax.yml"},
			nil,
			"load compose files: failed to parse testdata/broken/syntax.yml: yaml: while parsing a block mapping at line 1, column 3: line 3, column 4: did not find expected key",
		},
		{
			"duplicate key",
			[]string{"testdata/broken/duplicate.yml"},
			nil,
			`load compose files: failed to parse testdata/broken/duplicate.yml: yaml: construct errors: line 1: line 6: mapping key "QUEUES" already defined at line 5`,
		},
		{
			"schema",
			[]string{"testdata/broken/invalid.yml"},
			nil,
			"load compose files: validating testdata/broken/invalid.yml: services.server.environment must be a mapping",
		},
		{
			"malformed env_file",
			[]string{"testdata/broken/badenv.yml"},
			nil,
			"service server: testdata/broken/bad.env:2: unterminated quoted value",
		},
		{
			"malformed --env-file",
			[]string{"testdata/v10/docker-compose.yml"},
			[]string{"testdata/env/badname.env"},
			`testdata/env/badname.env:2: invalid variable name "1BAD"`,
		},
		{
			"second file broken",
			[]string{"testdata/v10/docker-compose.yml", "testdata/broken/syntax.yml"},
			nil,
			"load compose files: failed to parse testdata/broken/syntax.yml: yaml: while parsing a block mapping at line 1, column 3: line 3, column 4: did not find expected key",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadCompose(context.Background(), tt.paths, tt.envFiles)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}
