package deployfile

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/pkg/upgrade"
)

type F = upgrade.Finding

const (
	symptomPeriodic = "no worker consumes `periodic`: scheduled queries will not run, the Outdated Queries admin page fails and periodic maintenance (schema refresh, result cleanup, failure reports) stops"
	symptomEmails   = "no worker consumes `emails`: no mail is sent (invitations, password resets, alerts)"
	symptomDefault  = "no worker consumes `default`: alerts are not checked, events are not recorded and the default queue grows in Redis"
	symptomSchemas  = "no worker consumes `schemas`: the schema browser never loads or refreshes"
	schedulerQueues = "QUEUES is ignored: since v9.0.0-beta the scheduler only enqueues periodic jobs and runs none; give the queues to a worker"
	schedulerCount  = "WORKERS_COUNT is ignored: since v9.0.0-beta the scheduler only enqueues periodic jobs and runs none; give the queues to a worker"
	missingCookie   = "REDASH_COOKIE_SECRET is not set: the server refuses to start without it (redash/settings/__init__.py@v10.1.0)"
	missingKey      = "REDASH_SECRET_KEY is not set: data sources are then encrypted with REDASH_COOKIE_SECRET, and changing that secret makes them unreadable"
)

// TestLintFixtures lints compose files modelled on the reference layouts of v4, v8 and v10
// (redash-settings.md) and on broken upgrades users reported, and checks every finding.
func TestLintFixtures(t *testing.T) {
	tests := []struct {
		name   string
		files  []string
		target string
		want   []F
	}{
		{
			name:   "v4 production example on its own release",
			files:  []string{"testdata/v4/docker-compose.production.yml"},
			target: "4.0.1",
			want: []F{
				{
					Severity: "warning", Code: "queue-unconsumed",
					Message: "no worker consumes `schemas`: schemas are not refreshed and the queue grows in Redis (getredash/redash#3459)",
				},
				{
					Severity: "warning", Service: "worker", Code: "missing-setting",
					Message: "REDASH_COOKIE_SECRET is not set: it falls back to a public built-in default, so anyone can forge sessions, and v10.1.0 requires it",
				},
			},
		},
		{
			name:   "v4 production example on 10.1.0",
			files:  []string{"testdata/v4/docker-compose.production.yml"},
			target: "10.1",
			want: []F{
				{Severity: "error", Code: "queue-unconsumed", Message: symptomDefault},
				{Severity: "error", Code: "queue-unconsumed", Message: symptomEmails},
				{Severity: "error", Code: "queue-unconsumed", Message: symptomPeriodic},
				{Severity: "error", Code: "queue-unconsumed", Message: "no worker consumes `queries`: ad-hoc query runs and Test Connection wait forever"},
				{Severity: "error", Code: "queue-unconsumed", Message: "no worker consumes `scheduled_queries`: scheduled refreshes are queued but never executed"},
				{Severity: "error", Code: "queue-unconsumed", Message: symptomSchemas},
				{Severity: "error", Service: "worker", Code: "missing-setting", Message: missingCookie},
				{
					Severity: "warning", Service: "server", Code: "image-version", File: "testdata/v4/docker-compose.production.yml", Line: 5,
					Message: "image redash/redash:4.0.1.b4038 is v4.0.1, not the target v10.1.0",
				},
				{Severity: "warning", Service: "server, worker", Code: "missing-setting", Message: missingKey},
				{
					Severity: "warning", Service: "worker", Code: "image-version", File: "testdata/v4/docker-compose.production.yml", Line: 21,
					Message: "image redash/redash:4.0.1.b4038 is v4.0.1, not the target v10.1.0",
				},
				{Severity: "warning", Service: "worker", Code: "scheduler-queues", File: "testdata/v4/docker-compose.production.yml", Line: 29, Message: schedulerQueues},
				{Severity: "warning", Service: "worker", Code: "scheduler-queues", File: "testdata/v4/docker-compose.production.yml", Line: 30, Message: schedulerCount},
			},
		},
		{
			name:   "v8 setup layout on its own release",
			files:  []string{"testdata/v8/docker-compose.yml"},
			target: "8.0.0",
			want:   []F{},
		},
		{
			name:   "v8 setup layout on 10.1.0: every change needed",
			files:  []string{"testdata/v8/docker-compose.yml"},
			target: "10.1.0",
			want: []F{
				{Severity: "error", Code: "queue-unconsumed", Message: symptomDefault},
				{Severity: "error", Code: "queue-unconsumed", Message: symptomEmails},
				{Severity: "error", Code: "queue-unconsumed", Message: symptomPeriodic},
				{
					Severity: "warning", Service: "adhoc_worker", Code: "image-version", File: "testdata/v8/docker-compose.yml", Line: 30,
					Message: "image redash/redash:8.0.0.b32245 is v8.0.0, not the target v10.1.0",
				},
				{
					Severity: "warning", Service: "scheduled_worker", Code: "image-version", File: "testdata/v8/docker-compose.yml", Line: 24,
					Message: "image redash/redash:8.0.0.b32245 is v8.0.0, not the target v10.1.0",
				},
				{
					Severity: "warning", Service: "scheduler", Code: "image-version", File: "testdata/v8/docker-compose.yml", Line: 18,
					Message: "image redash/redash:8.0.0.b32245 is v8.0.0, not the target v10.1.0",
				},
				{Severity: "warning", Service: "scheduler", Code: "scheduler-queues", File: "testdata/v8/docker-compose.yml", Line: 22, Message: schedulerQueues},
				{Severity: "warning", Service: "scheduler", Code: "scheduler-queues", File: "testdata/v8/docker-compose.yml", Line: 23, Message: schedulerCount},
				{
					Severity: "warning", Service: "server", Code: "image-version", File: "testdata/v8/docker-compose.yml", Line: 11,
					Message: "image redash/redash:8.0.0.b32245 is v8.0.0, not the target v10.1.0",
				},
			},
		},
		{
			name:   "v8 compose moved to the 10.1.0 image without the worker service",
			files:  []string{"testdata/v8-on-v10/docker-compose.yml"},
			target: "10.1.0",
			want: []F{
				{Severity: "error", Code: "queue-unconsumed", Message: symptomDefault},
				{Severity: "error", Code: "queue-unconsumed", Message: symptomEmails},
				{Severity: "error", Code: "queue-unconsumed", Message: symptomPeriodic},
				{Severity: "warning", Service: "scheduler", Code: "scheduler-queues", File: "testdata/v8-on-v10/docker-compose.yml", Line: 22, Message: schedulerQueues},
				{Severity: "warning", Service: "scheduler", Code: "scheduler-queues", File: "testdata/v8-on-v10/docker-compose.yml", Line: 23, Message: schedulerCount},
			},
		},
		{
			name:   "v8 compose moved to the 10.1.0 image, linted against 8.0.0",
			files:  []string{"testdata/v8-on-v10/docker-compose.yml"},
			target: "8",
			want: []F{
				{
					Severity: "warning", Service: "adhoc_worker", Code: "image-version", File: "testdata/v8-on-v10/docker-compose.yml", Line: 30,
					Message: "image redash/redash:10.1.0.b50633 is v10.1.0, not the target v8.0.0",
				},
				{
					Severity: "warning", Service: "scheduled_worker", Code: "image-version", File: "testdata/v8-on-v10/docker-compose.yml", Line: 24,
					Message: "image redash/redash:10.1.0.b50633 is v10.1.0, not the target v8.0.0",
				},
				{
					Severity: "warning", Service: "scheduler", Code: "image-version", File: "testdata/v8-on-v10/docker-compose.yml", Line: 18,
					Message: "image redash/redash:10.1.0.b50633 is v10.1.0, not the target v8.0.0",
				},
				{
					Severity: "warning", Service: "server", Code: "image-version", File: "testdata/v8-on-v10/docker-compose.yml", Line: 11,
					Message: "image redash/redash:10.1.0.b50633 is v10.1.0, not the target v8.0.0",
				},
			},
		},
		{
			name:   "v10 layout",
			files:  []string{"testdata/v10/docker-compose.yml"},
			target: "10.1.0",
			want: []F{
				{
					Severity: "warning", Service: "adhoc_worker, scheduled_worker, scheduler, server, worker", Code: "setting-not-read", File: "testdata/v10/env", Line: 9,
					Message: "REDASH_GUNICORN_TIMEOUT is not read by v10.1.0 (only by v25.1.0 – master)",
				},
			},
		},
		{
			name:   "v10 layout on v25.1.0",
			files:  []string{"testdata/v10/docker-compose.yml"},
			target: "25.1",
			want: []F{
				{
					Severity: "warning", Service: "adhoc_worker", Code: "image-version", File: "testdata/v10/docker-compose.yml", Line: 27,
					Message: "image redash/redash:10.1.0.b50633 is v10.1.0, not the target v25.1.0",
				},
				{
					Severity: "warning", Service: "scheduled_worker", Code: "image-version", File: "testdata/v10/docker-compose.yml", Line: 21,
					Message: "image redash/redash:10.1.0.b50633 is v10.1.0, not the target v25.1.0",
				},
				{
					Severity: "warning", Service: "scheduler", Code: "image-version", File: "testdata/v10/docker-compose.yml", Line: 18,
					Message: "image redash/redash:10.1.0.b50633 is v10.1.0, not the target v25.1.0",
				},
				{
					Severity: "warning", Service: "server", Code: "image-version", File: "testdata/v10/docker-compose.yml", Line: 11,
					Message: "image redash/redash:10.1.0.b50633 is v10.1.0, not the target v25.1.0",
				},
				{
					Severity: "warning", Service: "worker", Code: "image-version", File: "testdata/v10/docker-compose.yml", Line: 33,
					Message: "image redash/redash:10.1.0.b50633 is v10.1.0, not the target v25.1.0",
				},
			},
		},
		{
			name:   "v10 worker whose QUEUES lacks periodic, schemas, default and emails",
			files:  []string{"testdata/v10-queues/docker-compose.yml"},
			target: "10.1.0",
			want: []F{
				{Severity: "error", Code: "queue-unconsumed", Message: symptomDefault},
				{Severity: "error", Code: "queue-unconsumed", Message: symptomEmails},
				{Severity: "error", Code: "queue-unconsumed", Message: symptomPeriodic},
				{Severity: "error", Code: "queue-unconsumed", Message: symptomSchemas},
			},
		},
		{
			name:   "Celery leftovers (settings, queue, healthcheck), a typo and a WORKERS_COUNT that is not a number",
			files:  []string{"testdata/leftovers/docker-compose.yml"},
			target: "10.1.0",
			want: []F{
				{
					Severity: "error", Service: "worker", Code: "invalid-value", File: "testdata/leftovers/docker-compose.yml", Line: 38,
					Message: `WORKERS_COUNT=two: "two" is not a number (read by bin/docker-entrypoint)`,
				},
				{Severity: "warning", Service: "scheduler", Code: "scheduler-queues", File: "testdata/leftovers/docker-compose.yml", Line: 26, Message: schedulerQueues},
				{Severity: "warning", Service: "scheduler", Code: "scheduler-queues", File: "testdata/leftovers/docker-compose.yml", Line: 27, Message: schedulerCount},
				{
					Severity: "warning", Service: "scheduler", Code: "celery-setting", File: "testdata/leftovers/docker-compose.yml", Line: 28,
					Message: "SCHEDULE_DB is a Celery setting: v10.1.0 runs RQ and ignores it",
				},
				{
					Severity: "warning", Service: "server", Code: "celery-setting", File: "testdata/leftovers/docker-compose.yml", Line: 11,
					Message: "REDASH_CELERY_BROKER is a Celery setting: v10.1.0 runs RQ and ignores it",
				},
				{
					Severity: "warning", Service: "server", Code: "unknown-setting", File: "testdata/leftovers/docker-compose.yml", Line: 12,
					Message: "REDASH_MAIL_USE_TSL is not a setting of any Redash release; did you mean REDASH_MAIL_USE_SSL or REDASH_MAIL_USE_TLS?",
				},
				{
					Severity: "warning", Service: "worker", Code: "deprecated-command", File: "testdata/leftovers/docker-compose.yml", Line: 29,
					Message: "the healthcheck runs `celery_healthcheck`, which only prints a deprecation notice since v9.0.0-beta: in v10.1.0 it always passes",
				},
				{
					Severity: "warning", Service: "worker", Code: "queue-removed", File: "testdata/leftovers/docker-compose.yml", Line: 37,
					Message: "queue `celery` does not exist in v10.1.0 (only v4.0.0 – v8.0.0): nothing is sent to it",
				},
				{
					Severity: "warning", Service: "worker", Code: "celery-setting", File: "testdata/leftovers/docker-compose.yml", Line: 39,
					Message: "WORKER_EXTRA_OPTIONS is a Celery setting: v10.1.0 runs RQ and ignores it",
				},
				{
					Severity: "warning", Service: "worker", Code: "celery-setting", File: "testdata/leftovers/docker-compose.yml", Line: 40,
					Message: "REDASH_CELERYD_WORKER_LOG_FORMAT is a Celery setting: v10.1.0 runs RQ and ignores it",
				},
			},
		},
		{
			name:   "two apps on one host with prefixed service names",
			files:  []string{"testdata/two-apps/docker-compose.yml"},
			target: "10.1.0",
			want: []F{
				{Severity: "error", App: "ops", Code: "queue-unconsumed", Message: symptomDefault},
				{Severity: "error", App: "ops", Code: "queue-unconsumed", Message: symptomEmails},
				{Severity: "error", App: "ops", Code: "queue-unconsumed", Message: symptomPeriodic},
				{
					Severity: "error", App: "ops", Service: "ops_server", Code: "invalid-value", File: "testdata/two-apps/docker-compose.yml", Line: 38,
					Message: `REDASH_MULTI_ORG: "yes please" is not a boolean: v10.1.0 accepts yes/true/on/1 or no/false/off/0/none and stops at start-up otherwise`,
				},
				{Severity: "warning", App: "ops", Service: "ops_scheduler", Code: "scheduler-queues", File: "testdata/two-apps/docker-compose.yml", Line: 44, Message: schedulerQueues},
			},
		},
		{
			name:   "setup install with /opt/redash/env missing here",
			files:  []string{"testdata/setup-abs/docker-compose.yml"},
			target: "10.1.0",
			want: []F{
				{Severity: "error", Service: "worker", Code: "missing-setting", Message: missingCookie},
				{
					Severity: "warning", Service: "scheduler", Code: "env-file-missing", File: "testdata/setup-abs/docker-compose.yml", Line: 12,
					Message: "env_file /opt/redash/env could not be read: its settings were not checked",
				},
				{
					Severity: "warning", Service: "server", Code: "env-file-missing", File: "testdata/setup-abs/docker-compose.yml", Line: 7,
					Message: "env_file /opt/redash/env could not be read: its settings were not checked",
				},
				{
					Severity: "warning", Service: "worker", Code: "missing-setting",
					Message: "REDASH_DATABASE_URL is not set: it defaults to postgresql:///postgres, a local socket that does not exist in a container",
				},
				{
					Severity: "warning", Service: "worker", Code: "missing-setting",
					Message: "REDASH_REDIS_URL is not set: it defaults to redis://localhost:6379/0, which is not the Redis container",
				},
				{Severity: "warning", Service: "worker", Code: "missing-setting", Message: missingKey},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := LoadCompose(context.Background(), tt.files, nil)
			require.NoError(t, err)
			got, err := upgrade.Lint(d, tt.target)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, upgrade.HasErrors(tt.want), upgrade.HasErrors(got))
		})
	}
}
