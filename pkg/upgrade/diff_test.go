package upgrade

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/<name>, or rewrites the file with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create %s", path)
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

func toJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	return buf.Bytes()
}

func TestDiffGolden(t *testing.T) {
	pairs := [][2]string{
		{"v5.0.2", "v6.0.0"},
		{"v6.0.0", "v7.0.0"},
		{"v8.0.0", "v9.0.0-beta"},
		{"v8.0.0", "v10.1.0"},
		{"v10.1.0", "v25.1.0"},
		{"v10.1.0", "v8.0.0"},
	}
	for _, p := range pairs {
		t.Run(p[0]+"_"+p[1], func(t *testing.T) {
			r, err := Diff(p[0], p[1])
			require.NoError(t, err)
			base := filepath.Join("TestDiffGolden", p[0]+"_"+p[1])
			golden(t, base+".json", toJSON(t, r))
			golden(t, base+".md", []byte(r.Markdown()))
		})
	}
}

func names(list []SettingInfo) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Name)
	}
	return out
}

func actionTitles(as []Action, requiredOnly bool) []string {
	var out []string
	for _, a := range as {
		if requiredOnly && !a.Required {
			continue
		}
		out = append(out, a.Title)
	}
	return out
}

func pitfallIDs(ps []Pitfall) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func TestDiffBoundaries(t *testing.T) {
	tests := []struct {
		name, from, to string
		check          func(t *testing.T, r *DiffReport)
	}{
		{"v5 to v6: Celery 4 renames, old names still read", "5.0.2", "6.0.0", func(t *testing.T, r *DiffReport) {
			assert.Equal(t, DirectionUpgrade, r.Direction)
			assert.Equal(t, []string{"v6.0.0-beta", "v6.0.0"}, r.Crossed)
			assert.Equal(t, &Change{From: "Celery 3.1.26.post2", To: "Celery 4.2.1"}, r.JobSystem)
			assert.Nil(t, r.Python)
			assert.ElementsMatch(t, []Rename{
				{Old: "REDASH_CELERYD_LOG_FORMAT", New: "REDASH_CELERYD_WORKER_LOG_FORMAT", OldStillRead: true},
				{Old: "REDASH_CELERYD_TASK_LOG_FORMAT", New: "REDASH_CELERYD_WORKER_TASK_LOG_FORMAT", OldStillRead: true},
				{Old: "REDASH_CELERY_BACKEND", New: "REDASH_CELERY_RESULT_BACKEND", OldStillRead: true},
				{Old: "REDASH_CELERY_TASK_RESULT_EXPIRES", New: "REDASH_CELERY_RESULT_EXPIRES", OldStillRead: true},
			}, r.SettingsRenamed)
			assert.NotContains(t, names(r.SettingsAdded), "REDASH_CELERY_RESULT_BACKEND")
			assert.Contains(t, names(r.SettingsAdded), "REDASH_PAGE_SIZE")
			assert.Equal(t, []string{"REDASH_FEATURE_DUMB_RECENTS"}, names(r.SettingsRemoved))
			assert.Contains(t, r.SettingsChanged, SettingChange{Name: "REDASH_DATE_FORMAT", Field: "scope", Old: str("server"), New: str("org_setting_default")})
			// The single worker of v5 still covers every queue under v6: layout edits are optional.
			for _, a := range r.Actions {
				if a.Phase == PhaseCompose && a.Title != "Point every Redash service at the 6.0.0 image" {
					assert.False(t, a.Required, a.Title)
				}
			}
			assert.Contains(t, pitfallIDs(r.Pitfalls), "boolean-values")
			assert.Contains(t, pitfallIDs(r.Pitfalls), "schemas-queue-unconsumed")
		}},
		{"v6 to v7: secret key split and schedule migration", "6", "7", func(t *testing.T, r *DiffReport) {
			assert.Contains(t, names(r.SettingsAdded), "REDASH_SECRET_KEY")
			assert.Contains(t, names(r.SettingsAdded), "REDASH_SCHEMAS_REFRESH_QUEUE")
			assert.Contains(t, actionTitles(r.Actions, true), "Decide on REDASH_SECRET_KEY before the first start")
			assert.Contains(t, actionTitles(r.Actions, true), "Stop the Redash services and run the database migrations")
			assert.Len(t, r.Migrations, 5)
			assert.Equal(t, []JobMove{
				{Job: "cleanup_tasks", From: "celery", To: "(none)"},
				{Job: "refresh_schema", From: "schemas", To: "settings.SCHEMAS_REFRESH_QUEUE (env REDASH_SCHEMAS_REFRESH_QUEUE, default 'celery')"},
				{Job: "sync_user_details", From: "(none)", To: "celery"},
			}, r.JobsMoved)
			assert.Equal(t, []ServiceChange{{
				Service: "scheduled_worker", Change: "changed",
				Detail: `QUEUES "scheduled_queries" → "scheduled_queries,schemas"`,
			}}, r.ServiceChanges)
			assert.Equal(t, []string{"schedule-string-interval", "missing-db-migration", "data-source-encryption"}, pitfallIDs(r.Pitfalls))
		}},
		{"v8 to v9: Celery to RQ", "v8.0.0", "v9.0.0-beta", func(t *testing.T, r *DiffReport) {
			assert.Equal(t, &Change{From: "2.7", To: "3.7"}, r.Python)
			assert.Equal(t, &Change{From: "Celery 4.3.0", To: "RQ 1.1.0, rq-scheduler 0.9.1, supervisord 4.1.0"}, r.JobSystem)
			assert.Equal(t, []string{"periodic", "emails", "default"}, r.QueuesAdded)
			assert.Equal(t, []string{"celery"}, r.QueuesRemoved)
			assert.Contains(t, names(r.SettingsRemoved), "REDASH_CELERY_BROKER")
			assert.Contains(t, names(r.SettingsRemoved), "REDASH_SCHEMAS_REFRESH_QUEUE")
			assert.Contains(t, names(r.SettingsAdded), "RQ_REDIS_URL")
			assert.Contains(t, r.SettingsChanged, SettingChange{Name: "REDASH_ADHOC_QUERY_TIME_LIMIT", Field: "default", Old: nil, New: str("-1")})
			assert.Empty(t, r.Migrations)
			assert.Equal(t, []string{
				"Back up the database and the env file",
				"Add a `worker` service",
				"Point every Redash service at redash/redash:9.0.0-beta.b42121",
				"Recreate the containers",
			}, actionTitles(r.Actions, true))
			i := slices.IndexFunc(r.Services, func(s ServiceLayout) bool { return s.Name == "worker" })
			require.GreaterOrEqual(t, i, 0)
			assert.Equal(t, []string{"periodic", "emails", "default"}, r.Services[i].Consumes)
			assert.Contains(t, pitfallIDs(r.Pitfalls), "rq-queue-coverage")
			assert.Contains(t, pitfallIDs(r.Pitfalls), "weekly-schedules")
			assert.Contains(t, pitfallIDs(r.Pitfalls), "rq-scheduler-restarts")
			assert.NotContains(t, pitfallIDs(r.Pitfalls), "cookie-secret-required")
		}},
		{"v10 to v25: Python 3.10, changed defaults, JSON migration", "10.1", "25.1", func(t *testing.T, r *DiffReport) {
			assert.Equal(t, &Change{From: "3.7", To: "3.10"}, r.Python)
			assert.Contains(t, r.SettingsChanged, SettingChange{Name: "REDASH_FEATURE_ALLOW_CUSTOM_JS_VISUALIZATIONS", Field: "default", Old: str("false"), New: str("true")})
			assert.Contains(t, names(r.SettingsAdded), "REDASH_SCHEMAS_REFRESH_TIMEOUT")
			assert.Empty(t, r.QueuesAdded)
			assert.Empty(t, r.QueuesRemoved)
			assert.Equal(t, []ServiceChange{
				{Service: "worker", Change: "changed", Detail: `QUEUES "periodic emails default" → "periodic,emails,default"`},
				{Service: "redis", Change: "changed", Detail: "image redis:5.0-alpine → redis:7-alpine"},
				{Service: "postgres", Change: "changed", Detail: "image postgres:9.6-alpine → pgautoupgrade/pgautoupgrade:latest"},
			}, r.ServiceChanges)
			assert.Len(t, r.Migrations, 5)
			assert.Contains(t, pitfallIDs(r.Pitfalls), "v25-json-migration")
			assert.Contains(t, pitfallIDs(r.Pitfalls), "v25-scheduled-stop")
			assert.NotContains(t, pitfallIDs(r.Pitfalls), "rq-scheduler-restarts")
			assert.Contains(t, actionTitles(r.Actions, true), "Point every Redash service at the 25.1.0 image")
			assert.Contains(t, r.DataSourceTypes, DataSourceTypeChange{Type: "mapd", Module: "mapd", From: RunnerDefault, To: RunnerAbsent})
			assert.Contains(t, r.DataSourceTypes, DataSourceTypeChange{Type: "oracle", Module: "oracle", From: RunnerAvailable, To: RunnerDefault})
			assert.Contains(t, actionTitles(r.Actions, false), "Move or drop data sources whose type the target does not ship")
		}},
		{"v10.0 to v10.1: the cookie secret becomes mandatory", "v10.0.0", "v10.1.0", func(t *testing.T, r *DiffReport) {
			assert.Equal(t, []SettingChange{{Name: "REDASH_COOKIE_SECRET", Field: "default", Old: str("c292a0a3aa32397cdb050e233733900f"), New: nil}}, r.SettingsChanged)
			assert.Contains(t, actionTitles(r.Actions, true), "Set REDASH_COOKIE_SECRET for every Redash service")
			assert.Contains(t, pitfallIDs(r.Pitfalls), "cookie-secret-required")
			assert.NotContains(t, actionTitles(r.Actions, false), "Stop the Redash services and run the database migrations")
		}},
		{"v10.1 to v8: downgrade", "10.1.0", "8.0.0", func(t *testing.T, r *DiffReport) {
			assert.Equal(t, DirectionDowngrade, r.Direction)
			assert.Equal(t, []string{"v9.0.0-beta", "v10.0.0-beta", "v10.0.0", "v10.1.0"}, r.Crossed)
			assert.Equal(t, &Change{From: "3.7", To: "2.7"}, r.Python)
			assert.Equal(t, []string{"celery"}, r.QueuesAdded)
			assert.Equal(t, []string{"periodic", "emails", "default"}, r.QueuesRemoved)
			assert.Contains(t, names(r.SettingsAdded), "REDASH_CELERY_BROKER")
			assert.Contains(t, names(r.SettingsRemoved), "RQ_REDIS_URL")
			assert.Contains(t, r.SettingsChanged, SettingChange{Name: "REDASH_COOKIE_SECRET", Field: "default", Old: nil, New: str("c292a0a3aa32397cdb050e233733900f")})
			assert.Contains(t, actionTitles(r.Actions, true), "Restore the database backup taken before the upgrade")
			assert.Contains(t, r.ServiceChanges, ServiceChange{
				Service: "worker", Change: "removed",
				Detail: `command ` + "`worker`" + `, QUEUES="periodic emails default", WORKERS_COUNT=1, consumes periodic, emails, default`,
			})
			// Upgrade-only pitfalls do not apply; those of the target release do.
			assert.NotContains(t, pitfallIDs(r.Pitfalls), "rq-queue-coverage")
			assert.Empty(t, r.Pitfalls)
		}},
		{"v6 to v5: downgrade renames back", "v6.0.0", "v5.0.2", func(t *testing.T, r *DiffReport) {
			assert.ElementsMatch(t, []Rename{
				{Old: "REDASH_CELERYD_WORKER_LOG_FORMAT", New: "REDASH_CELERYD_LOG_FORMAT"},
				{Old: "REDASH_CELERYD_WORKER_TASK_LOG_FORMAT", New: "REDASH_CELERYD_TASK_LOG_FORMAT"},
				{Old: "REDASH_CELERY_RESULT_BACKEND", New: "REDASH_CELERY_BACKEND"},
				{Old: "REDASH_CELERY_RESULT_EXPIRES", New: "REDASH_CELERY_TASK_RESULT_EXPIRES"},
			}, r.SettingsRenamed)
			assert.NotContains(t, names(r.SettingsRemoved), "REDASH_CELERY_RESULT_BACKEND")
			assert.Contains(t, actionTitles(r.Actions, true), "Rename REDASH_CELERY_RESULT_BACKEND to REDASH_CELERY_BACKEND")
			assert.Contains(t, pitfallIDs(r.Pitfalls), "schemas-queue-unconsumed")
		}},
		{"same release", "10.1.0", "v10.1.0", func(t *testing.T, r *DiffReport) {
			assert.Equal(t, DirectionNone, r.Direction)
			assert.Empty(t, r.Crossed)
			assert.Empty(t, r.SettingsAdded)
			assert.Empty(t, r.SettingsChanged)
			assert.Empty(t, r.Actions)
			assert.Empty(t, r.Pitfalls)
			assert.Len(t, r.Services, 8)
		}},
		{"multi-version span drops mid-path settings", "v4.0.0", "master", func(t *testing.T, r *DiffReport) {
			assert.Len(t, r.Crossed, 19)
			assert.NotContains(t, names(r.SettingsAdded), "REDASH_CELERY_RESULT_BACKEND")
			assert.Contains(t, names(r.SettingsAdded), "REDASH_DECIMAL_SEPARATOR")
			assert.Contains(t, r.Entrypoint, EntrypointChange{Command: "server", Change: "added", Variable: "REDASH_GUNICORN_BIND", New: str("[::]:5000")})
			assert.Contains(t, pitfallIDs(r.Pitfalls), "rq-queue-coverage")
			assert.NotContains(t, pitfallIDs(r.Pitfalls), "multi-org-static-images")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Diff(tt.from, tt.to)
			require.NoError(t, err)
			tt.check(t, r)
		})
	}
}

func TestDiffErrors(t *testing.T) {
	_, err := Diff("8.1", "10")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `diff from: unknown Redash version "8.1": known versions are v4.0.0`)
	_, err = Diff("8", "11")
	assert.ErrorContains(t, err, `diff to: unknown Redash version "11"`)
}

func TestDiffReportEncodings(t *testing.T) {
	r, err := Diff("8", "10.1")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(toJSON(t, r), &m))
	for _, k := range []string{
		"from", "to", "direction", "job_system", "settings_added", "settings_removed",
		"settings_renamed", "settings_changed", "services", "actions", "pitfalls",
	} {
		assert.Contains(t, m, k)
	}
	y, err := yaml.Marshal(r)
	require.NoError(t, err)
	var back DiffReport
	require.NoError(t, yaml.Unmarshal(y, &back))
	assert.Equal(t, r.Actions, back.Actions)
	assert.Equal(t, r.SettingsChanged, back.SettingsChanged)
	assert.True(t, strings.Contains(string(y), "\nsettings_added:\n"), "snake_case yaml keys")

	r, err = Diff("5.0.2", "6.0.0")
	require.NoError(t, err)
	y, err = yaml.Marshal(r.SettingsRenamed)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(y), "old_still_read: true"), "snake_case yaml keys")
}

func TestMarkdownEscapesPipes(t *testing.T) {
	r, err := Diff("v5.0.2", "v6.0.0")
	require.NoError(t, err)
	md := r.Markdown()
	assert.Contains(t, md, "`array_from_string \\| map(int)`")
	assert.Contains(t, md, "[getredash/redash#3459](https://github.com/getredash/redash/issues/3459)")
}
