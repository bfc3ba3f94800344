package status_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/status"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/iostreams"
)

func TestNewCmdStatus(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		output  string
		wantErr string
	}{
		{name: "default", args: "", output: "table"},
		{name: "json", args: "-o json", output: "json"},
		{name: "yaml", args: "--output yaml", output: "yaml"},
		{name: "csv is not offered", args: "-o csv", wantErr: `unknown output format "csv": use one of table, json, yaml`},
		{name: "positional", args: "prod", wantErr: `unexpected argument "prod": status takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var got *status.StatusOptions
			cmd := status.NewCmdStatus(f, func(o *status.StatusOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.output, got.Output)
			assert.NotNil(t, got.Redash)
			assert.NotNil(t, got.Config)
		})
	}
}

// snapshot mirrors the documented JSON contract of `status` (docs/output.md).
type snapshot struct {
	URL             string `json:"url" yaml:"url"`
	Org             string `json:"org" yaml:"org"`
	MultiOrg        bool   `json:"multi_org" yaml:"multi_org"`
	Version         string `json:"version" yaml:"version"`
	VersionReported string `json:"version_reported" yaml:"version_reported"`
	JobSystem       string `json:"job_system" yaml:"job_system"`
	User            struct {
		Name       string `json:"name" yaml:"name"`
		Email      string `json:"email" yaml:"email"`
		Admin      bool   `json:"admin" yaml:"admin"`
		SuperAdmin bool   `json:"super_admin" yaml:"super_admin"`
	} `json:"user" yaml:"user"`
	Counts *struct {
		Queries     int `json:"queries" yaml:"queries"`
		Dashboards  int `json:"dashboards" yaml:"dashboards"`
		Users       int `json:"users" yaml:"users"`
		Alerts      int `json:"alerts" yaml:"alerts"`
		DataSources int `json:"data_sources" yaml:"data_sources"`
	} `json:"counts" yaml:"counts"`
	Server *struct {
		Queries         int   `json:"queries" yaml:"queries"`
		Widgets         int   `json:"widgets" yaml:"widgets"`
		RedisUsedMemory int64 `json:"redis_used_memory" yaml:"redis_used_memory"`
	} `json:"server" yaml:"server"`
	Queues []struct {
		Name    string `json:"name" yaml:"name"`
		Queued  int    `json:"queued" yaml:"queued"`
		Running *int   `json:"running" yaml:"running"`
	} `json:"queues" yaml:"queues"`
	Workers []struct {
		Name   string   `json:"name" yaml:"name"`
		Queues []string `json:"queues" yaml:"queues"`
		State  string   `json:"state" yaml:"state"`
	} `json:"workers" yaml:"workers"`
	Tasks       map[string]int `json:"tasks" yaml:"tasks"`
	DataSources []struct {
		ID     int    `json:"id" yaml:"id"`
		Name   string `json:"name" yaml:"name"`
		Type   string `json:"type" yaml:"type"`
		Paused bool   `json:"paused" yaml:"paused"`
	} `json:"data_sources" yaml:"data_sources"`
	OutdatedQueries *int `json:"outdated_queries" yaml:"outdated_queries"`
	// Groups and OrgSettings are filled by status diff only.
	Groups []struct {
		ID          int      `json:"id" yaml:"id"`
		Name        string   `json:"name" yaml:"name"`
		Type        string   `json:"type" yaml:"type"`
		Permissions []string `json:"permissions" yaml:"permissions"`
	} `json:"groups" yaml:"groups"`
	OrgSettings map[string]any `json:"org_settings" yaml:"org_settings"`
	Missing     []struct {
		Part   string `json:"part" yaml:"part"`
		Reason string `json:"reason" yaml:"reason"`
		Failed bool   `json:"failed" yaml:"failed"`
	} `json:"missing" yaml:"missing"`
}

func (s snapshot) queueNames() []string {
	var out []string
	for _, q := range s.Queues {
		out = append(out, q.Name)
	}
	return out
}

func (s snapshot) missingParts() []string {
	out := []string{}
	for _, m := range s.Missing {
		out = append(out, m.Part)
	}
	return out
}

func statusJSON(t *testing.T, env clitest.Env, code int) (snapshot, clitest.Result) {
	t.Helper()
	res := clitest.Run(t, env, "status", "-o", "json")
	require.Equal(t, code, res.Code, res.Stderr)
	var s snapshot
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &s), res.Stdout)
	return s, res
}

// outdatedCount asks the fake directly, as an independent source of the outdated count.
func outdatedCount(t *testing.T, url, key string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url+"/api/admin/queries/outdated", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Key "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		Queries []json.RawMessage `json:"queries"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return len(body.Queries)
}

// TestStatusDialects: every sandbox dialect, with a super-admin key (everything) and an
// ordinary key (what it can read, and one line for each part it cannot).
func TestStatusDialects(t *testing.T) {
	rqQueues := []string{"default", "emails", "periodic", "queries", "scheduled_queries", "schemas"}
	tests := []struct {
		version   string
		jobSystem string
		queues    []string
		workers   int
		tasks     map[string]int
	}{
		{version: "4.0.2", jobSystem: "celery", queues: []string{"celery", "queries"}, tasks: map[string]int{"waiting": 0, "in_progress": 0, "done": 1}},
		{version: "5.0.2", jobSystem: "celery", queues: []string{"celery", "queries"}, tasks: map[string]int{"waiting": 0, "in_progress": 0, "done": 1}},
		{version: "8.0.0", jobSystem: "celery", queues: []string{"celery", "queries", "scheduled_queries"}, workers: 1, tasks: map[string]int{"active": 1}},
		{version: "10.1.0", jobSystem: "rq", queues: rqQueues, workers: 1},
		{version: "26.3.0", jobSystem: "rq", queues: rqQueues, workers: 1},
	}
	require.Len(t, tests, len(fakeredash.Versions()), "one case per dialect")
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			t.Parallel()
			srv, url := clitest.Fake(t, fakeredash.Options{Version: tt.version, Queries: 400, Seed: 6})
			admin, res := statusJSON(t, clitest.EnvFor(url, srv.AdminKey()), 0)
			assert.Equal(t, url, admin.URL)
			assert.Equal(t, tt.version, admin.Version)
			assert.True(t, strings.HasPrefix(admin.VersionReported, tt.version), admin.VersionReported)
			assert.Equal(t, tt.jobSystem, admin.JobSystem)
			assert.Equal(t, "default", admin.Org)
			assert.True(t, admin.User.SuperAdmin)
			require.NotNil(t, admin.Counts)
			assert.Equal(t, 7, admin.Counts.DataSources)
			assert.Len(t, admin.DataSources, 7)
			if tt.version != "4.0.2" {
				assert.Len(t, srv.VisibleQueryIDs(srv.AdminKey()), admin.Counts.Queries, "org status counts what the query list shows (v5+)")
			}
			require.NotNil(t, admin.Server)
			assert.Positive(t, admin.Server.Queries)
			assert.Equal(t, tt.queues, admin.queueNames())
			for _, q := range admin.Queues {
				assert.Equal(t, tt.jobSystem == "rq", q.Running != nil, "running jobs are known on RQ only")
			}
			require.NotNil(t, admin.OutdatedQueries)
			assert.Equal(t, outdatedCount(t, url, srv.AdminKey()), *admin.OutdatedQueries)
			assert.Len(t, admin.Workers, tt.workers)
			if tt.jobSystem == "rq" {
				assert.Equal(t, []string{"queries", "scheduled_queries", "periodic", "schemas", "default", "emails"}, admin.Workers[0].Queues)
				assert.Nil(t, admin.Tasks)
			} else {
				assert.Equal(t, tt.tasks, admin.Tasks)
			}
			if tt.workers == 0 {
				assert.Equal(t, []string{"workers"}, admin.missingParts(), "v4–v6 report no workers")
				assert.Equal(t, "note: workers: Redash "+tt.version+" does not report its Celery workers (only v7 and later list the tasks each worker runs)\n", res.Stderr)
			} else {
				assert.Empty(t, admin.Missing)
				assert.Empty(t, res.Stderr)
			}

			srv.ResetRequests()
			user, res := statusJSON(t, clitest.EnvFor(url, srv.UserKey()), 0)
			assert.False(t, user.User.Admin)
			require.NotNil(t, user.Counts)
			assert.Equal(t, 6, user.Counts.DataSources, "the Finance data source is not in the user's groups")
			assert.Len(t, user.DataSources, 6)
			assert.Nil(t, user.Server)
			assert.Nil(t, user.Queues)
			assert.Nil(t, user.Workers)
			assert.Nil(t, user.OutdatedQueries)
			assert.Equal(t, []string{"data_sources", "server", "queues", "outdated_queries"}, user.missingParts())
			lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
			assert.Len(t, lines, 4, res.Stderr)
			for _, l := range lines {
				assert.True(t, strings.HasPrefix(l, "note: "), l)
			}
			assert.Contains(t, res.Stderr, "needs a super-admin key")
			for _, r := range srv.Requests() {
				assert.False(t, strings.HasPrefix(r.Path, "/api/admin") || r.Path == "/status.json",
					"an ordinary key is not sent to %s: the session says it is no super-admin", r.Path)
			}

			res = clitest.Run(t, clitest.EnvFor(url, srv.UserKey()), "status")
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Contains(t, res.Stdout, "queries:")
			assert.Contains(t, res.Stdout, "DATA SOURCE")
			assert.NotContains(t, res.Stdout, "QUEUE")
		})
	}
}

func TestStatusYAML(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 100})
	env := clitest.EnvFor(url, srv.AdminKey())
	j, _ := statusJSON(t, env, 0)
	res := clitest.Run(t, env, "status", "-o", "yaml")
	require.Equal(t, 0, res.Code, res.Stderr)
	var y snapshot
	require.NoError(t, yaml.Unmarshal([]byte(res.Stdout), &y))
	assert.Equal(t, j, y)
}

func TestStatusTableGolden(t *testing.T) {
	for _, tt := range []struct {
		version string
		admin   bool
	}{{"10.1.0", true}, {"8.0.0", true}, {"4.0.2", false}} {
		name := tt.version + "_user"
		if tt.admin {
			name = tt.version + "_admin"
		}
		t.Run(name, func(t *testing.T) {
			srv, url := clitest.Fake(t, fakeredash.Options{Version: tt.version, Queries: 120, Seed: 8})
			key := srv.UserKey()
			if tt.admin {
				key = srv.AdminKey()
			}
			res := clitest.Run(t, clitest.EnvFor(url, key), "status")
			require.Equal(t, 0, res.Code, res.Stderr)
			golden.Assert(t, strings.ReplaceAll(res.Stdout, url, "http://redash.test"))
		})
	}
}

func TestStatusMultiOrg(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 100, OrgSlug: "acme"})
	env := clitest.EnvFor(url, srv.AdminKey())
	env["REDASHCTL_ORG"] = "acme"
	s, res := statusJSON(t, env, 0)
	assert.True(t, s.MultiOrg)
	assert.Equal(t, "acme", s.Org)
	assert.NotNil(t, s.Counts)
	assert.Equal(t, []string{"server", "workers"}, s.missingParts())
	assert.Contains(t, res.Stderr, `needs a super-admin key of the org "default"`)
}

// TestStatusFaults: every fault kind on the endpoints status reads. Transient ones are
// retried; a part that keeps failing is reported on one line (exit 3) and the rest printed.
func TestStatusFaults(t *testing.T) {
	tests := []struct {
		name    string
		version string
		fault   fakeredash.Fault
		args    []string
		code    int
		warning []string // the one warning line contains these
		check   func(t *testing.T, s snapshot)
	}{
		{
			name: "HTML 502 from a proxy on the admin endpoint", version: "10.1.0",
			fault: fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/admin", Status: 502},
			code:  3, warning: []string{"queues and workers", "502", "rq_status", "not a Redash API response"},
			check: func(t *testing.T, s snapshot) {
				assert.Len(t, s.Queues, 6, "queue sizes still come from /status.json")
				assert.Nil(t, s.Workers)
				assert.NotNil(t, s.Counts)
				assert.Len(t, s.DataSources, 7)
			},
		},
		{
			name: "HTML 502 on the Celery task list", version: "8.0.0",
			fault: fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/admin/queries/tasks", Status: 502},
			code:  3, warning: []string{"task list", "502"},
			check: func(t *testing.T, s snapshot) {
				assert.Len(t, s.Queues, 3)
				assert.Nil(t, s.Tasks)
			},
		},
		{
			name: "persistent 503 on /status.json", version: "8.0.0",
			fault: fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/status.json", Status: 503},
			code:  3, warning: []string{"server status, queue sizes and outdated queries", "503"},
			check: func(t *testing.T, s snapshot) {
				assert.Nil(t, s.Server)
				assert.Nil(t, s.Queues)
				assert.Nil(t, s.OutdatedQueries)
				assert.Len(t, s.Workers, 1, "the task list still names the worker")
			},
		},
		{
			name: "HTML 200 page on the data sources", version: "10.1.0",
			fault: fakeredash.Fault{Kind: fakeredash.FaultHTML200, PathPrefix: "/api/data_sources"},
			code:  3, warning: []string{"data sources", "HTML"},
			check: func(t *testing.T, s snapshot) {
				assert.Nil(t, s.DataSources)
				assert.NotNil(t, s.Counts)
			},
		},
		{
			name: "429 with Retry-After on the org status", version: "10.1.0",
			fault: fakeredash.Fault{Kind: fakeredash.FaultRateLimit, PathPrefix: "/api/organization/status", Times: 2, RetryAfter: 1},
			check: func(t *testing.T, s snapshot) { assert.NotNil(t, s.Counts) },
		},
		{
			name: "502 twice on the admin endpoint", version: "26.3.0",
			fault: fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/admin", Times: 2, Status: 502},
			check: func(t *testing.T, s snapshot) { assert.Len(t, s.Workers, 1) },
		},
		{
			name: "truncated body", version: "10.1.0",
			fault: fakeredash.Fault{Kind: fakeredash.FaultTruncate, PathPrefix: "/api/data_sources", Times: 2},
			check: func(t *testing.T, s snapshot) { assert.Len(t, s.DataSources, 7) },
		},
		{
			name: "connection reset", version: "4.0.2",
			fault: fakeredash.Fault{Kind: fakeredash.FaultReset, PathPrefix: "/status.json", Times: 2},
			check: func(t *testing.T, s snapshot) { assert.NotNil(t, s.Server) },
		},
		{
			name: "slow response", version: "10.1.0",
			fault: fakeredash.Fault{Kind: fakeredash.FaultSlow, PathPrefix: "/api/admin", Times: 1, Delay: 10e9},
			args:  []string{"--timeout", "1s"},
			check: func(t *testing.T, s snapshot) { assert.Len(t, s.Workers, 1) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := clitest.Fake(t, fakeredash.Options{Version: tt.version, Queries: 150})
			srv.AddFault(tt.fault)
			res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), append(tt.args, "status", "-o", "json")...)
			require.Equal(t, tt.code, res.Code, res.Stderr)
			var s snapshot
			require.NoError(t, json.Unmarshal([]byte(res.Stdout), &s), res.Stdout)
			tt.check(t, s)
			assert.NotContains(t, res.Stderr, "<html")
			var warnings []string
			for _, l := range strings.Split(strings.TrimSpace(res.Stderr), "\n") {
				if strings.HasPrefix(l, "warning: ") {
					warnings = append(warnings, l)
				}
			}
			if tt.code == 0 {
				assert.Empty(t, warnings, res.Stderr)
				return
			}
			require.Len(t, warnings, 1, res.Stderr)
			for _, w := range tt.warning {
				assert.Contains(t, warnings[0], w)
			}
			assert.True(t, slices.ContainsFunc(s.Missing, func(m struct {
				Part   string `json:"part" yaml:"part"`
				Reason string `json:"reason" yaml:"reason"`
				Failed bool   `json:"failed" yaml:"failed"`
			},
			) bool {
				return m.Failed
			}))
			assert.Contains(t, res.Stderr, "error: incomplete: could not read ")
		})
	}
}

func TestStatusFailures(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 50})
	res := clitest.Run(t, clitest.EnvFor(url, "not-a-key"), "status")
	assert.Equal(t, 4, res.Code, res.Stderr)
	assert.Len(t, strings.Split(strings.TrimSpace(res.Stderr), "\n"), 1, res.Stderr)

	srv.AddFault(fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/session", Status: 502})
	res = clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "status")
	assert.Equal(t, 1, res.Code)
	assert.Empty(t, res.Stdout)
	lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
	require.Len(t, lines, 1, res.Stderr)
	assert.Contains(t, lines[0], "502")
	assert.NotContains(t, lines[0], "<html")

	res = clitest.Run(t, clitest.Env{"REDASHCTL_URL": url}, "status")
	assert.Equal(t, 4, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, "no API key")
}
