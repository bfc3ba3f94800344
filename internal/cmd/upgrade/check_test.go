package upgrade_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/upgrade"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/iostreams"
)

func TestNewCmdCheck(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		target  string
		output  string
		wantErr string
	}{
		{name: "default target is the newest release", args: "", target: "v26.3.0", output: "table"},
		{name: "target", args: "--target 10.1 -o json", target: "10.1", output: "json"},
		{name: "unknown target", args: "--target 11", wantErr: `--target: unknown Redash version "11": known versions are ` + known},
		{name: "csv is not offered", args: "-o csv", wantErr: `unknown output format "csv": use one of table, json, yaml`},
		{name: "positional", args: "prod", wantErr: `unexpected argument "prod": check takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var got *upgrade.CheckOptions
			cmd := upgrade.NewCmdCheck(f, func(o *upgrade.CheckOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.target, got.Target)
			assert.Equal(t, tt.output, got.Output)
			assert.NotNil(t, got.Redash)
		})
	}
}

// checkResult mirrors the documented JSON contract of `upgrade check` (docs/output.md).
type checkResult struct {
	URL        string `json:"url"`
	Version    string `json:"version"`
	ComparedAs string `json:"compared_as"`
	Target     string `json:"target"`
	State      struct {
		Version         string         `json:"version"`
		MultiOrg        bool           `json:"multi_org"`
		WeeklySchedules int            `json:"weekly_schedules"`
		StringIntervals int            `json:"string_intervals"`
		QueueSizes      map[string]int `json:"queue_sizes"`
		Workers         []struct {
			Name   string   `json:"name"`
			Queues []string `json:"queues"`
		} `json:"workers"`
		DataSourceTypes map[string]int `json:"data_source_types"`
	} `json:"state"`
	Findings []finding `json:"findings"`
	Missing  []struct {
		Part   string `json:"part"`
		Reason string `json:"reason"`
		Failed bool   `json:"failed"`
	} `json:"missing"`
	Diff struct {
		From      string `json:"from"`
		To        string `json:"to"`
		Direction string `json:"direction"`
	} `json:"diff"`
}

func (r checkResult) missing(part string) bool {
	for _, m := range r.Missing {
		if m.Part == part {
			return true
		}
	}
	return false
}

func (r checkResult) codes() []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Code)
	}
	return out
}

func checkJSON(t *testing.T, env clitest.Env, code int, args ...string) checkResult {
	t.Helper()
	res := clitest.Run(t, env, append([]string{"upgrade", "check", "-o", "json"}, args...)...)
	require.Equal(t, code, res.Code, res.Stderr)
	var r checkResult
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &r), res.Stdout)
	return r
}

// weekly is the ground truth of the fake: listed queries with an active weekly schedule.
func weekly(srv *fakeredash.Server, key string) int {
	visible := srv.VisibleQueryIDs(key)
	n := 0
	for _, q := range srv.Snapshot().Queries {
		if slices.Contains(visible, q.ID) && q.HasTrait(fakeredash.TraitScheduleWeekly) && q.HasTrait(fakeredash.TraitScheduleActive) {
			n++
		}
	}
	return n
}

// stringIntervals is the ground truth of the fake: listed queries whose v7+ schedule stores its
// interval as a string, by id.
func stringIntervals(srv *fakeredash.Server, key string) []int {
	visible := srv.VisibleQueryIDs(key)
	var ids []int
	for _, q := range srv.Snapshot().Queries {
		if slices.Contains(visible, q.ID) && q.HasTrait(fakeredash.TraitScheduleStringInt) {
			ids = append(ids, q.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// dataSourceTypes is what each key sees of the fake's data sources: all but the deleted one for
// the admin, and not the Finance one for the user.
func dataSourceTypes(admin bool) map[string]int {
	m := map[string]int{"pg": 2, "redshift": 1, "mysql": 1, "results": 1, "bigquery": 1}
	if admin {
		m["snowflake"] = 1
	}
	return m
}

// TestCheckDialects runs upgrade check against each sandbox dialect with an admin and an
// ordinary key.
func TestCheckDialects(t *testing.T) {
	for _, v := range fakeredash.Versions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv, url := clitest.Fake(t, fakeredash.Options{Version: v, Queries: 600, Seed: 4})
			rq := v != "4.0.2" && v != "5.0.2" && v != "8.0.0"
			for _, admin := range []bool{true, false} {
				key := srv.UserKey()
				if admin {
					key = srv.AdminKey()
				}
				r := checkJSON(t, clitest.EnvFor(url, key), 0, "--target", "10.1.0")
				assert.Equal(t, url, r.URL)
				assert.True(t, strings.HasPrefix(r.Version, v), r.Version)
				assert.Equal(t, "v"+v, r.ComparedAs)
				assert.Equal(t, "v10.1.0", r.Target)
				assert.Equal(t, "v"+v, r.Diff.From)
				assert.Equal(t, "v10.1.0", r.Diff.To)
				assert.False(t, r.State.MultiOrg)
				assert.Equal(t, weekly(srv, key), r.State.WeeklySchedules)
				assert.Equal(t, dataSourceTypes(admin), r.State.DataSourceTypes)
				assert.Equal(t, r.State.WeeklySchedules > 0, slices.Contains(r.codes(), "weekly-schedules"), r.codes())
				assert.Len(t, stringIntervals(srv, key), r.State.StringIntervals)
				assert.Equal(t, r.State.StringIntervals > 0, slices.Contains(r.codes(), "string-intervals"), r.codes())
				if admin {
					require.NotNil(t, r.State.QueueSizes)
					assert.Contains(t, r.State.QueueSizes, "queries")
					assert.False(t, r.missing("queues"))
					assert.Equal(t, rq, r.State.Workers != nil, "live workers are known on RQ releases only")
				} else {
					assert.Nil(t, r.State.QueueSizes)
					assert.Nil(t, r.State.Workers)
					assert.True(t, r.missing("queues"), "a line says the queues were not checked")
				}
				for _, m := range r.Missing {
					assert.False(t, m.Failed, m.Reason)
				}
			}
			if v == "8.0.0" || v == "26.3.0" {
				require.Positive(t, weekly(srv, srv.AdminKey()), "the fake has weekly schedules")
			}
			for _, req := range srv.Requests() {
				rest, ok := strings.CutPrefix(req.Path, "/api/queries/")
				if !ok {
					continue
				}
				_, err := strconv.Atoi(strings.Trim(rest, "/"))
				assert.Error(t, err, "GET %s records a view event and must not be used by upgrade check", req.Path)
			}
		})
	}
}

func TestCheckDefaultTargetAndTable(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 300, Seed: 4})
	env := clitest.EnvFor(url, srv.AdminKey())
	r := checkJSON(t, env, 0)
	assert.Equal(t, "v26.3.0", r.Target)
	assert.Equal(t, "upgrade", r.Diff.Direction)

	res := clitest.Run(t, env, "upgrade", "check", "--target", "10.1.0")
	require.Equal(t, 0, res.Code, res.Stderr)
	golden.Assert(t, strings.ReplaceAll(res.Stdout, url, "http://redash.test"))
	assert.Equal(t, "2 warnings, no errors for v10.1.0\n", res.Stderr)

	// The table names the queries whose interval is a string: every one, in order.
	ids := stringIntervals(srv, srv.AdminKey())
	require.NotEmpty(t, ids, "the v8 sandbox has migrated schedules")
	require.LessOrEqual(t, len(ids), 20)
	var names []string
	for _, id := range ids {
		names = append(names, strconv.Itoa(id))
	}
	assert.Contains(t, res.Stdout, fmt.Sprintf("\nstring intervals:  %d queries: %s\n", len(ids), strings.Join(names, ", ")))
	assert.Equal(t, len(ids), r.State.StringIntervals)
	assert.Contains(t, r.codes(), "string-intervals")
	assert.False(t, r.missing("string_intervals"), "counted, not a gap")
}

// withRQStatus serves a fake Redash whose /api/admin/queries/rq_status answers body, as a
// v10 instance whose workers were kept from a v8 layout would.
func withRQStatus(t *testing.T, o fakeredash.Options, body string) (*fakeredash.Server, string) {
	t.Helper()
	o.Now = clitest.Now
	srv, err := fakeredash.New(o)
	require.NoError(t, err)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/admin/queries/rq_status" && r.Header.Get("Authorization") == "Key "+srv.AdminKey() {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
			return
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

const v8Workers = `{"queues": {
  "queries": {"name": "queries", "queued": 0, "started": []},
  "scheduled_queries": {"name": "scheduled_queries", "queued": 3, "started": []},
  "schemas": {"name": "schemas", "queued": 0, "started": []},
  "periodic": {"name": "periodic", "queued": 250, "started": []},
  "default": {"name": "default", "queued": 12, "started": []},
  "emails": {"name": "emails", "queued": 0, "started": []}},
 "workers": [
  {"name": "w1", "hostname": "adhoc", "pid": 7, "queues": "queries", "state": "idle", "last_heartbeat": "2026-11-01T11:59:55Z", "birth_date": "2026-11-01T10:00:00Z", "current_job": null, "successful_jobs": 4, "failed_jobs": 0, "total_working_time": 1.5},
  {"name": "w2", "hostname": "scheduled", "pid": 8, "queues": "scheduled_queries, schemas", "state": "busy", "last_heartbeat": "2026-11-01T11:59:58Z", "birth_date": "2026-11-01T10:00:00Z", "current_job": "abc (execute_query)", "successful_jobs": 9, "failed_jobs": 1, "total_working_time": 3}]}`

// TestCheckUnconsumedQueues: a v10 instance whose workers still follow the v8 layout has
// errors (exit 3) and a backlog.
func TestCheckUnconsumedQueues(t *testing.T) {
	srv, url := withRQStatus(t, fakeredash.Options{Version: "10.1.0", Queries: 200, Seed: 9}, v8Workers)
	env := clitest.EnvFor(url, srv.AdminKey())
	r := checkJSON(t, env, 3, "--target", "10.1.0")
	assert.Equal(t, map[string]int{"queries": 0, "scheduled_queries": 3, "schemas": 0, "periodic": 250, "default": 12, "emails": 0}, r.State.QueueSizes)
	require.Len(t, r.State.Workers, 2)
	assert.Equal(t, []string{"scheduled_queries", "schemas"}, r.State.Workers[1].Queues)
	var errs []string
	for _, f := range r.Findings {
		if f.Severity == "error" {
			errs = append(errs, f.Message)
		}
	}
	assert.Equal(t, []string{
		"no live worker consumes `default`: alerts are not checked, events are not recorded and the default queue grows in Redis",
		"no live worker consumes `emails`: no mail is sent (invitations, password resets, alerts)",
		"no live worker consumes `periodic`: scheduled queries will not run, the Outdated Queries admin page fails and periodic maintenance (schema refresh, result cleanup, failure reports) stops",
	}, errs)
	assert.Contains(t, r.Findings, finding{Severity: "warning", Code: "queue-backlog", Message: "queue `periodic` holds 250 jobs: let it drain before stopping the workers"})

	res := clitest.Run(t, env, "upgrade", "check", "--target", "10.1.0")
	assert.Equal(t, 3, res.Code)
	assert.Contains(t, res.Stderr, "error: 3 errors and ")
	assert.Contains(t, res.Stderr, "the instance is not ready for v10.1.0\n")
	assert.Contains(t, res.Stdout, "error     queue-unconsumed")
}

func TestCheckMultiOrg(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 200, OrgSlug: "acme"})
	env := clitest.EnvFor(url, srv.AdminKey())
	env["REDASHCTL_ORG"] = "acme"
	r := checkJSON(t, env, 0, "--target", "10.1.0")
	assert.True(t, r.State.MultiOrg)
	assert.Contains(t, r.codes(), "multi-org")
	// The admin endpoints are not org-scoped: an acme key is turned away there, which is a
	// note, not a failure.
	require.True(t, r.missing("workers"))
	for _, m := range r.Missing {
		assert.False(t, m.Failed, m.Reason)
	}
	assert.Contains(t, r.Missing[0].Reason+r.Missing[1].Reason, `needs a super-admin key of the org "default"`)

	r = checkJSON(t, env, 0, "--target", "25.8")
	assert.NotContains(t, r.codes(), "multi-org", "fixed in v25.8.0")
}

// TestCheckFaults: a proxy error on the admin endpoint leaves the rest of the check and one
// clear line (exit 3); a failing session fails the command with one line.
func TestCheckFaults(t *testing.T) {
	t.Run("HTML 502 on the admin endpoint", func(t *testing.T) {
		t.Parallel()
		srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 200})
		srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/admin", Status: 502})
		res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "upgrade", "check", "--target", "10.1.0", "-o", "json")
		assert.Equal(t, 3, res.Code, res.Stderr)
		var r checkResult
		require.NoError(t, json.Unmarshal([]byte(res.Stdout), &r))
		assert.NotNil(t, r.State.QueueSizes, "queue sizes still come from /status.json")
		assert.Nil(t, r.State.Workers)
		assert.NotContains(t, res.Stderr, "<html")
		var warn []string
		for _, l := range strings.Split(strings.TrimSpace(res.Stderr), "\n") {
			if strings.HasPrefix(l, "warning: ") {
				warn = append(warn, l)
			}
		}
		require.Len(t, warn, 1, res.Stderr)
		assert.Contains(t, warn[0], "queues and workers")
		assert.Contains(t, warn[0], "502")
		assert.Contains(t, res.Stderr, "error: incomplete check: could not read workers\n")
	})
	t.Run("persistent 503 on the session", func(t *testing.T) {
		t.Parallel()
		srv, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 50})
		srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/session", Status: 503})
		res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "upgrade", "check")
		assert.Equal(t, 1, res.Code)
		assert.Empty(t, res.Stdout)
		lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
		require.Len(t, lines, 1, res.Stderr)
		assert.Contains(t, lines[0], "503")
	})
	t.Run("bad key", func(t *testing.T) {
		t.Parallel()
		_, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 50})
		res := clitest.Run(t, clitest.EnvFor(url, "not-a-key"), "upgrade", "check")
		assert.Equal(t, 4, res.Code, res.Stderr)
	})
	t.Run("429 on the query list is retried", func(t *testing.T) {
		t.Parallel()
		srv, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 600, Seed: 4})
		srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultRateLimit, PathPrefix: "/api/queries", Times: 2, RetryAfter: 1})
		r := checkJSON(t, clitest.EnvFor(url, srv.AdminKey()), 0, "--target", "10.1.0")
		assert.Equal(t, weekly(srv, srv.AdminKey()), r.State.WeeklySchedules)
	})
}

// TestCheckListsStringIntervals: past 20 ids the table row says how many more there are; the
// JSON state counts them all.
func TestCheckListsStringIntervals(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 600, Seed: 4})
	ids := stringIntervals(srv, srv.AdminKey())
	require.Greater(t, len(ids), 20, "enough migrated schedules to cut the list")
	env := clitest.EnvFor(url, srv.AdminKey())
	res := clitest.Run(t, env, "upgrade", "check", "--target", "10.1.0")
	require.Equal(t, 0, res.Code, res.Stderr)
	var names []string
	for _, id := range ids[:20] {
		names = append(names, strconv.Itoa(id))
	}
	assert.Contains(t, res.Stdout, fmt.Sprintf("\nstring intervals:  %d queries: %s, and %d more\n", len(ids), strings.Join(names, ", "), len(ids)-20))
	assert.Equal(t, len(ids), checkJSON(t, env, 0, "--target", "10.1.0").State.StringIntervals)
}
