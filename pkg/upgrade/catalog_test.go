package upgrade

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersions(t *testing.T) {
	vs := Versions()
	require.Len(t, vs, 20)
	assert.Equal(t, "v4.0.0", vs[0])
	assert.Equal(t, "master", vs[len(vs)-1])
	assert.Equal(t, []string{
		"v4.0.0", "v4.0.1", "v4.0.2", "v5.0.0-beta", "v5.0.0", "v5.0.1", "v5.0.2",
		"v6.0.0-beta", "v6.0.0", "v7.0.0", "v8.0.0-beta.2", "v8.0.0", "v9.0.0-beta", "v10.0.0-beta",
		"v10.0.0", "v10.1.0", "v25.1.0", "v25.8.0", "v26.3.0", "master",
	}, vs)
	vs[0] = "changed"
	assert.Equal(t, "v4.0.0", Versions()[0], "Versions returns a copy")
}

func TestResolve(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"v10.1.0", "v10.1.0"},
		{"10.1.0", "v10.1.0"},
		{"10.1", "v10.1.0"},
		{"10", "v10.1.0"},
		{"8", "v8.0.0"},
		{"8.0", "v8.0.0"},
		{"V8.0.0", "v8.0.0"},
		{" 8.0.0 ", "v8.0.0"},
		{"8.0.0-beta", "v8.0.0-beta.2"},
		{"9", "v9.0.0-beta"},
		{"9.0.0", "v9.0.0-beta"},
		{"4.0", "v4.0.2"},
		{"5", "v5.0.2"},
		{"6.0.0-beta", "v6.0.0-beta"},
		{"25", "v25.8.0"},
		{"26.3", "v26.3.0"},
		{"8.0.0.b32245", "v8.0.0"},
		{"9.0.0-beta.b42121", "v9.0.0-beta"},
		{"redash/redash:10.1.0.b50633", "v10.1.0"},
		{"10.1.0+b50633", "v10.1.0"},
		{"master", "master"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Resolve(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestResolveUnknown(t *testing.T) {
	for _, in := range []string{"", "11", "10.2", "1.0.0", "latest", "v10.1.0.1", "banana", "24.04.0-dev"} {
		t.Run(in, func(t *testing.T) {
			_, err := Resolve(in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "unknown Redash version")
			assert.Contains(t, err.Error(), "known versions are v4.0.0, v4.0.1,")
			assert.True(t, strings.HasSuffix(err.Error(), "v26.3.0, master"), err.Error())
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestResolveNearest(t *testing.T) {
	tests := []struct {
		in        string
		want      string
		wantExact bool
	}{
		{"10.1.0", "v10.1.0", true},
		{"24.04.0-dev", "v10.1.0", false},
		{"25.03.0-dev", "v25.1.0", false},
		{"10.0.1", "v10.0.0", false},
		{"30.1.0", "v26.3.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, exact, err := ResolveNearest(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantExact, exact)
		})
	}
	_, _, err := ResolveNearest("3.0.0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `version "3.0.0" is older than every known Redash version`)
	_, _, err = ResolveNearest("banana")
	assert.ErrorContains(t, err, `unknown Redash version "banana"`)
}

func lookup(t *testing.T, v string) *Version {
	t.Helper()
	ver, err := Lookup(v)
	require.NoError(t, err)
	return ver
}

func str(s string) *string { return &s }

// TestEmbeddedFacts checks the embedded catalog against facts read by hand in the Redash source
// (git -C <getredash/redash> show <tag>:<path>); each case names the file@tag checked.
func TestEmbeddedFacts(t *testing.T) {
	t.Run("cookie secret loses its default in 10.1.0", func(t *testing.T) {
		// redash/settings/__init__.py@v10.0.0 line 67:
		//   SECRET_KEY = os.environ.get("REDASH_COOKIE_SECRET", "c292a0a3aa32397cdb050e233733900f")
		s, ok := lookup(t, "v10.0.0").Setting("REDASH_COOKIE_SECRET")
		require.True(t, ok)
		assert.Equal(t, str("c292a0a3aa32397cdb050e233733900f"), s.Default)
		// redash/settings/__init__.py@v10.1.0 lines 67-70: no default, raise if None.
		s, ok = lookup(t, "v10.1.0").Setting("REDASH_COOKIE_SECRET")
		require.True(t, ok)
		assert.Nil(t, s.Default)
		assert.Equal(t, "v10.1.0", s.Since)
	})
	t.Run("REDASH_SECRET_KEY appears in v7 and defaults to the cookie secret", func(t *testing.T) {
		// redash/settings/__init__.py@v7.0.0 line 116:
		//   SECRET_KEY = os.environ.get('REDASH_SECRET_KEY', COOKIE_SECRET)
		s, ok := lookup(t, "v7.0.0").Setting("REDASH_SECRET_KEY")
		require.True(t, ok)
		assert.Equal(t, str("COOKIE_SECRET"), s.Default)
		assert.Equal(t, "expression", s.DefaultKind)
		// redash/settings/__init__.py@v6.0.0 has no REDASH_SECRET_KEY.
		_, ok = lookup(t, "v6.0.0").Setting("REDASH_SECRET_KEY")
		assert.False(t, ok)
	})
	t.Run("v6 renames Celery settings and keeps the old names as fallbacks", func(t *testing.T) {
		// redash/settings/__init__.py@v6.0.0-beta lines 36-38:
		//   os.environ.get("REDASH_CELERY_RESULT_BACKEND", os.environ.get("REDASH_CELERY_BACKEND", CELERY_BROKER))
		s, ok := lookup(t, "v6.0.0-beta").Setting("REDASH_CELERY_RESULT_BACKEND")
		require.True(t, ok)
		assert.Equal(t, []string{"REDASH_CELERY_BACKEND"}, s.FallbackEnv)
		_, ok = lookup(t, "v6.0.0-beta").Setting("REDASH_CELERY_BACKEND")
		assert.True(t, ok)
	})
	t.Run("v9 reads no REDASH_CELERY settings", func(t *testing.T) {
		// git grep REDASH_CELERY v9.0.0-beta -- redash finds nothing; at v8.0.0 it finds 18
		// lines in redash/settings/__init__.py.
		for _, s := range lookup(t, "v9.0.0-beta").Settings() {
			assert.False(t, strings.HasPrefix(s.Name, "REDASH_CELERY"), s.Name)
		}
		n := 0
		for _, s := range lookup(t, "v8.0.0").Settings() {
			if strings.HasPrefix(s.Name, "REDASH_CELERY") {
				n++
			}
		}
		assert.Equal(t, 18, n)
	})
	t.Run("v8 entrypoint defaults", func(t *testing.T) {
		// bin/docker-entrypoint@v8.0.0:
		//   worker():    WORKERS_COUNT=${WORKERS_COUNT:-2}  QUEUES=${QUEUES:-queries,scheduled_queries,celery,schemas}
		//   scheduler(): WORKERS_COUNT=${WORKERS_COUNT:-1}  QUEUES=${QUEUES:-celery}
		v := lookup(t, "v8.0.0")
		assert.Equal(t, "queries,scheduled_queries,celery,schemas", v.Commands["worker"].Env["QUEUES"])
		assert.Equal(t, "2", v.Commands["worker"].Env["WORKERS_COUNT"])
		assert.Equal(t, "celery", v.Commands["scheduler"].Env["QUEUES"])
		assert.Equal(t, "1", v.Commands["scheduler"].Env["WORKERS_COUNT"])
		assert.Equal(t, JobSystemCelery, v.JobSystem)
		assert.Equal(t, "2.7", v.Python)
	})
	t.Run("v4 entrypoint defaults and schemas routing", func(t *testing.T) {
		// bin/docker-entrypoint@v4.0.0 lines 5-6: QUEUES=${QUEUES:-queries,scheduled_queries,celery};
		// redash/tasks/queries.py@v4.0.0 line 398: refresh_schema.apply_async(..., queue="schemas").
		v := lookup(t, "v4.0.0")
		assert.Equal(t, "queries,scheduled_queries,celery", v.Commands["worker"].Env["QUEUES"])
		assert.Equal(t, "schemas", v.Jobs["refresh_schema"])
		// redash/settings/__init__.py@v7.0.0 line 50: REDASH_SCHEMAS_REFRESH_QUEUE defaults to "celery".
		s, ok := lookup(t, "v7.0.0").Setting("REDASH_SCHEMAS_REFRESH_QUEUE")
		require.True(t, ok)
		assert.Equal(t, str("celery"), s.Default)
	})
	t.Run("v10 RQ worker", func(t *testing.T) {
		// bin/docker-entrypoint@v10.1.0: export WORKERS_COUNT=${WORKERS_COUNT:-2}; export QUEUES=${QUEUES:-}
		// redash/worker.py@v10.1.0 lines 20-22: default_operational_queues = ["periodic", "emails", "default"],
		// default_query_queues = ["scheduled_queries", "queries", "schemas"].
		v := lookup(t, "v10.1.0")
		assert.Equal(t, "", v.Commands["worker"].Env["QUEUES"])
		assert.Equal(t, "2", v.Commands["worker"].Env["WORKERS_COUNT"])
		assert.Equal(t, []string{"periodic", "emails", "default", "scheduled_queries", "queries", "schemas"}, v.DefaultQueues)
		assert.ElementsMatch(t, v.DefaultQueues, v.RequiredQueues)
		// redash/tasks/general.py@v10.1.0: @job("default") record_event, @job("emails") send_mail,
		// @job("queries", ...) test_connection, @job("schemas", ...) get_schema;
		// redash/tasks/alerts.py@v10.1.0: @job("default", timeout=300) check_alerts_for_query.
		assert.Equal(t, "emails", v.Jobs["send_mail"])
		assert.Equal(t, "default", v.Jobs["record_event"])
		assert.Equal(t, "default", v.Jobs["check_alerts_for_query"])
		assert.Equal(t, "queries", v.Jobs["test_connection"])
		assert.Equal(t, "schemas", v.Jobs["get_schema"])
		assert.Equal(t, JobSystemRQ, v.JobSystem)
	})
	t.Run("v9 default queues and the changelog's worker service", func(t *testing.T) {
		// redash/worker.py@v9.0.0-beta line 20:
		//   default_queues = ["scheduled_queries", "queries", "periodic", "emails", "default", "schemas"]
		v := lookup(t, "v9.0.0-beta")
		assert.Equal(t, []string{"scheduled_queries", "queries", "periodic", "emails", "default", "schemas"}, v.DefaultQueues)
		// CHANGELOG.md@v9.0.0-beta "Upgrading": worker service with QUEUES: "periodic emails default", WORKERS_COUNT: 1.
		i := slices.IndexFunc(v.Services, func(s ReferenceService) bool { return s.Name == "worker" })
		require.GreaterOrEqual(t, i, 0)
		assert.Equal(t, "periodic emails default", v.Services[i].Env["QUEUES"])
		assert.Equal(t, "1", v.Services[i].Env["WORKERS_COUNT"])
		assert.Equal(t, []string{"periodic", "emails", "default"}, v.Services[i].Consumes)
	})
	t.Run("boolean parser changes in v6", func(t *testing.T) {
		// redash/settings/helpers.py@v5.0.2: return json.loads(str.lower());
		// @v6.0.0-beta: yes/true/on/1, no/false/off/0/none, else ValueError.
		assert.Equal(t, "json", lookup(t, "v5.0.2").BooleanParser)
		assert.Equal(t, "strict", lookup(t, "v6.0.0-beta").BooleanParser)
	})
	t.Run("data source types", func(t *testing.T) {
		// redash/settings/__init__.py@v10.1.0 default_query_runners lists "redash.query_runner.pg"
		// and "redash.query_runner.mapd"; redash/query_runner/pg.py@v10.1.0 type() returns "pg",
		// "redshift", "redshift_iam" and "cockroach".
		v10 := lookup(t, "v10.1.0")
		for _, ty := range []string{"pg", "redshift", "redshift_iam", "cockroach"} {
			d, ok := v10.DataSourceType(ty)
			require.True(t, ok, ty)
			assert.Equal(t, DataSourceType{Type: ty, Module: "pg", Default: true}, d)
		}
		d, ok := v10.DataSourceType("mapd")
		require.True(t, ok)
		assert.True(t, d.Default)
		// redash/query_runner/mapd.py does not exist at v25.1.0 (removed by #6122).
		_, ok = lookup(t, "v25.1.0").DataSourceType("mapd")
		assert.False(t, ok)
		// redash/query_runner/big_query.py@v6.0.0 registers BigQueryGCE (type "bigquery_gce");
		// at v7.0.0 it lives in big_query_gce.py, which default_query_runners does not list.
		d, _ = lookup(t, "v6.0.0").DataSourceType("bigquery_gce")
		assert.Equal(t, DataSourceType{Type: "bigquery_gce", Module: "big_query", Default: true}, d)
		d, _ = lookup(t, "v7.0.0").DataSourceType("bigquery_gce")
		assert.Equal(t, DataSourceType{Type: "bigquery_gce", Module: "big_query_gce", Default: false}, d)
		// redash/query_runner/yandex_metrica.py@v6.0.0 keeps the type "yandex_metrika" ("written
		// with a k for backward-compatibility. See #2874").
		_, ok = lookup(t, "v6.0.0").DataSourceType("yandex_metrika")
		assert.True(t, ok)
	})
	t.Run("RQ settings of v9", func(t *testing.T) {
		// redash/settings/__init__.py@v9.0.0-beta line 45: RQ_REDIS_URL = os.environ.get("RQ_REDIS_URL", _REDIS_URL);
		// lines 79-80: REDASH_ENFORCE_PRIVATE_IP_BLOCK parsed with parse_boolean, default "true".
		v := lookup(t, "v9.0.0-beta")
		s, ok := v.Setting("REDASH_ENFORCE_PRIVATE_IP_BLOCK")
		require.True(t, ok)
		assert.Equal(t, str("true"), s.Default)
		assert.Equal(t, "parse_boolean", s.Parser)
		_, ok = v.Setting("RQ_REDIS_URL")
		assert.True(t, ok)
	})
}

func TestRequiredSettingsAndHelpers(t *testing.T) {
	names := func(v *Version) []string {
		var out []string
		for _, r := range v.RequiredSettings {
			out = append(out, r.Severity+" "+r.Name)
		}
		return out
	}
	assert.Equal(t, []string{"warning REDASH_COOKIE_SECRET", "warning REDASH_DATABASE_URL", "warning REDASH_REDIS_URL"}, names(lookup(t, "v6.0.0")))
	assert.Equal(t, []string{"warning REDASH_COOKIE_SECRET", "warning REDASH_SECRET_KEY", "warning REDASH_DATABASE_URL", "warning REDASH_REDIS_URL"}, names(lookup(t, "v10.0.0")))
	assert.Equal(t, []string{"error REDASH_COOKIE_SECRET", "warning REDASH_SECRET_KEY", "warning REDASH_DATABASE_URL", "warning REDASH_REDIS_URL"}, names(lookup(t, "v10.1.0")))

	for name, want := range map[string]bool{
		"REDASH_CELERY_BROKER": true, "CELERYD_CONCURRENCY": true, "SCHEDULE_DB": true, "WORKER_EXTRA_OPTIONS": true,
		"REDASH_SCHEMAS_REFRESH_QUEUE": true, "QUEUES": false, "RQ_REDIS_URL": false, "REDASH_CELERYISH": false,
	} {
		assert.Equal(t, want, IsCelerySetting(name), name)
	}

	ps := Pitfalls()
	require.NotEmpty(t, ps)
	i := slices.IndexFunc(ps, func(p Pitfall) bool { return p.ID == "weekly-schedules" })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, "v9.0.0-beta or later", ps[i].Versions)
	assert.Equal(t, []string{"getredash/redash#5069", "getredash/redash#6806"}, ps[i].Issues)
}

func TestCatalogConsistency(t *testing.T) {
	c := mustCatalog()
	for _, v := range c.versions {
		t.Run(v.Tag, func(t *testing.T) {
			assert.NotEmpty(t, v.Settings())
			for _, q := range v.RequiredQueues {
				assert.True(t, v.HasQueue(q), "required queue %s is a queue", q)
			}
			for _, q := range v.DefaultQueues {
				assert.True(t, v.HasQueue(q), "default queue %s is a queue", q)
			}
			// The reference layout, run by its own release, covers every required queue and
			// has one scheduler.
			consumed := map[string]bool{}
			schedulers := 0
			for _, s := range v.Services {
				if !isRedashReference(v, s) {
					continue
				}
				run := v.RunOf(splitCommand(s.Command), s.Env)
				require.True(t, run.Known, s.Name)
				for _, q := range run.Consumes {
					consumed[q] = true
				}
				if run.Schedules {
					schedulers++
				}
			}
			for _, q := range v.RequiredQueues {
				assert.True(t, consumed[q], "reference layout consumes %s", q)
			}
			assert.Equal(t, 1, schedulers)
			for _, cmd := range []string{"server", "worker", "scheduler", "create_db", "manage"} {
				assert.Contains(t, v.Commands, cmd)
			}
		})
	}
	ids := map[string]bool{}
	for _, p := range c.curated.Pitfalls {
		assert.False(t, ids[p.ID], "pitfall id %s is unique", p.ID)
		ids[p.ID] = true
		assert.NotEmpty(t, p.Title)
		assert.NotEmpty(t, p.Detail)
		for _, is := range p.Issues {
			assert.Regexp(t, `^[\w-]+/[\w-]+#\d+$`, is)
		}
	}
	for _, sym := range []string{JobSystemCelery, JobSystemRQ} {
		for _, v := range c.versions {
			if v.JobSystem != sym {
				continue
			}
			for _, q := range v.RequiredQueues {
				assert.NotEmpty(t, c.curated.QueueSymptoms[sym][q], "symptom for %s queue %s", sym, q)
			}
		}
	}
}

func TestDecodeCatalogErrors(t *testing.T) {
	_, err := decodeCatalog([]byte("{"), curatedYAML)
	assert.ErrorContains(t, err, "decode catalog.json")
	_, err = decodeCatalog(catalogJSON, []byte("pitfalls: ["))
	assert.ErrorContains(t, err, "decode curated.yaml")
	_, err = decodeCatalog(catalogJSON, []byte("pitfalls:\n  - id: x\n    to_min: v99.0.0\n"))
	assert.ErrorContains(t, err, `pitfall x names unknown release "v99.0.0"`)
	_, err = decodeCatalog([]byte(`{"versions":[{"tag":"v1","job_system":"cron"}]}`), nil)
	assert.ErrorContains(t, err, `unknown job system "cron"`)
}

func TestRunOf(t *testing.T) {
	v8, v10 := lookup(t, "v8.0.0"), lookup(t, "v10.1.0")
	tests := []struct {
		name string
		v    *Version
		args []string
		env  map[string]string
		want Run
	}{
		{
			"image default is server (Dockerfile@v10.1.0 CMD [\"server\"])", v10, nil, nil,
			Run{Command: "server", Known: true, Serves: true},
		},
		{
			"rq worker with entrypoint default", v10,
			[]string{"worker"},
			nil,
			Run{
				Command: "worker", Known: true, QueuesDefaulted: true,
				Consumes: []string{"periodic", "emails", "default", "scheduled_queries", "queries", "schemas"},
			},
		},
		{
			"rq worker with spaces", v10,
			[]string{"worker"},
			map[string]string{"QUEUES": "periodic emails default"},
			Run{Command: "worker", Known: true, Queues: "periodic emails default", Consumes: []string{"periodic", "emails", "default"}},
		},
		{
			"rq worker with commas and spaces", v10,
			[]string{"worker"},
			map[string]string{"QUEUES": "periodic,emails default,periodic"},
			Run{Command: "worker", Known: true, Queues: "periodic,emails default,periodic", Consumes: []string{"periodic", "emails", "default"}},
		},
		{
			"rq scheduler consumes nothing", v10,
			[]string{"scheduler"},
			map[string]string{"QUEUES": "celery"},
			Run{Command: "scheduler", Known: true, Schedules: true},
		},
		{
			"celery scheduler executes its queues", v8,
			[]string{"scheduler"},
			nil,
			Run{Command: "scheduler", Known: true, Schedules: true, Queues: "celery", QueuesDefaulted: true, Consumes: []string{"celery"}},
		},
		{
			"celery worker default", v8,
			[]string{"worker"},
			map[string]string{"QUEUES": ""},
			Run{
				Command: "worker", Known: true, Queues: "queries,scheduled_queries,celery,schemas", QueuesDefaulted: true,
				Consumes: []string{"queries", "scheduled_queries", "celery", "schemas"},
			},
		},
		{
			"celery takes only the first word", v8,
			[]string{"worker"},
			map[string]string{"QUEUES": "queries celery"},
			Run{Command: "worker", Known: true, Queues: "queries celery", Consumes: []string{"queries"}},
		},
		{
			"explicit entrypoint path", v10,
			[]string{"/app/bin/docker-entrypoint", "scheduler"},
			nil,
			Run{Command: "scheduler", Known: true, Schedules: true},
		},
		{
			"manage.py rq worker", v10,
			[]string{"./manage.py", "rq", "worker", "periodic", "emails,default"},
			nil,
			Run{Command: "rq worker", Known: true, Queues: "periodic emails,default", Consumes: []string{"periodic", "emails", "default"}},
		},
		{
			"manage rq worker without queues", v10,
			[]string{"bash", "-c", "/app/manage.py rq worker"},
			nil,
			Run{
				Command: "rq worker", Known: true, QueuesDefaulted: true,
				Consumes: []string{"periodic", "emails", "default", "scheduled_queries", "queries", "schemas"},
			},
		},
		{
			"celery command line", v8,
			[]string{"celery", "worker", "--app=redash.worker", "--beat", "-Qqueries,celery"},
			nil,
			Run{Command: "celery worker", Known: true, Schedules: true, Queues: "queries,celery", Consumes: []string{"queries", "celery"}},
		},
		{
			"celery command line on RQ", v10,
			[]string{"celery", "worker", "-Q", "celery"},
			nil,
			Run{Command: "celery worker"},
		},
		{
			"rq command line on Celery", v8,
			[]string{"manage.py", "rq", "worker"},
			nil,
			Run{Command: "rq worker"},
		},
		{
			"scheduled_worker is a service name, not a command", v10,
			[]string{"scheduled_worker"},
			nil,
			Run{Command: "scheduled_worker"},
		},
		{
			"celery dev_worker runs beat", v8,
			[]string{"dev_worker"},
			nil,
			Run{
				Command: "dev_worker", Known: true, Schedules: true, QueuesDefaulted: true,
				Queues: "queries,scheduled_queries,celery,schemas", Consumes: []string{"queries", "scheduled_queries", "celery", "schemas"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.v.RunOf(tt.args, tt.env))
		})
	}
}
