package status_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/status"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/iostreams"
)

func TestNewCmdStatusDiff(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		want    [2]string
		output  string
		wantErr string
	}{
		{name: "two profiles", args: "prod staging", want: [2]string{"prod", "staging"}, output: "table"},
		{name: "names are case-insensitive", args: "Prod STAGING -o json", want: [2]string{"prod", "staging"}, output: "json"},
		{name: "one profile", args: "prod", wantErr: "status diff needs two profile names"},
		{name: "three profiles", args: "a b c", wantErr: `too many arguments: status diff needs two profile names; got "c"`},
		{name: "twice the same", args: "prod PROD", wantErr: `status diff needs two different profiles, got "prod" twice`},
		{name: "bad name", args: "prod bad/name", wantErr: `profile name "bad/name": use letters, digits, '-' and '_' only`},
		{name: "csv is not offered", args: "a b -o csv", wantErr: `unknown output format "csv": use one of table, json, yaml`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var got *status.DiffOptions
			cmd := status.NewCmdDiff(f, func(o *status.DiffOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Profiles)
			assert.Equal(t, tt.output, got.Output)
			assert.NotNil(t, got.Resolve)
		})
	}
}

// diffResult mirrors the documented JSON contract of `status diff` (docs/output.md).
type diffResult struct {
	Profiles  []string   `json:"profiles"`
	Instances []snapshot `json:"instances"`
	Rows      []struct {
		Section string `json:"section"`
		Item    string `json:"item"`
		A       string `json:"a"`
		B       string `json:"b"`
		Status  string `json:"status"`
	} `json:"rows"`
	Differences int      `json:"differences"`
	NotCompared []string `json:"not_compared"`
}

// row returns the row of an item, failing the test when there is none.
func (d diffResult) row(t *testing.T, item string) (a, b, st string) {
	t.Helper()
	for _, r := range d.Rows {
		if r.Item == item {
			return r.A, r.B, r.Status
		}
	}
	t.Fatalf("no row %q", item)
	return "", "", ""
}

// profilesEnv writes a configuration file with a profile per instance, each reading its key
// from its own variable, and sets the variables that would override a profile to values that
// must be ignored.
func profilesEnv(t *testing.T, profiles map[string][2]string) clitest.Env {
	t.Helper()
	var b strings.Builder
	b.WriteString("profiles:\n")
	env := clitest.Env{
		"REDASHCTL_URL":     "http://127.0.0.1:9",
		"REDASHCTL_API_KEY": "must-not-be-used",
		"REDASHCTL_ORG":     "nope",
		"REDASHCTL_PROFILE": "nope",
	}
	for name, p := range profiles {
		v := "KEY_" + strings.ToUpper(name)
		fmt.Fprintf(&b, "  %s:\n    url: %s\n    api_key_env: %s\n", name, p[0], v)
		env[v] = p[1]
	}
	env["REDASHCTL_CONFIG"] = clitest.WriteFile(t, "config.yaml", b.String(), 0o600)
	return env
}

// scheduled is the fake's ground truth: listed queries with an active schedule.
func scheduled(srv *fakeredash.Server, key string) int {
	visible := srv.VisibleQueryIDs(key)
	n := 0
	for _, q := range srv.Snapshot().Queries {
		if slices.Contains(visible, q.ID) && q.HasTrait(fakeredash.TraitScheduleActive) {
			n++
		}
	}
	return n
}

// TestStatusDiffV8ToV10: production on 8.0.0 against its upgraded copy on 10.1.0.
func TestStatusDiffV8ToV10(t *testing.T) {
	prod, prodURL := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 400, Seed: 12})
	stg, stgURL := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 400, Seed: 12})
	env := profilesEnv(t, map[string][2]string{"prod": {prodURL, prod.AdminKey()}, "staging": {stgURL, stg.AdminKey()}})

	res := clitest.Run(t, env, "status", "diff", "prod", "staging", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	var d diffResult
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &d))
	assert.Equal(t, []string{"prod", "staging"}, d.Profiles)
	require.Len(t, d.Instances, 2)
	assert.Equal(t, prodURL, d.Instances[0].URL, "REDASHCTL_URL does not override the profiles")
	assert.Equal(t, stgURL, d.Instances[1].URL)

	a, b, st := d.row(t, "url")
	assert.Equal(t, [3]string{prodURL, stgURL, "info"}, [3]string{a, b, st})
	a, b, st = d.row(t, "version")
	assert.Equal(t, [3]string{"8.0.0", "10.1.0", "different"}, [3]string{a, b, st})
	a, b, st = d.row(t, "job system")
	assert.Equal(t, [3]string{"celery", "rq", "different"}, [3]string{a, b, st})
	a, b, st = d.row(t, "data source Production DB")
	assert.Equal(t, [3]string{"pg", "pg", "same"}, [3]string{a, b, st})
	a, b, _ = d.row(t, "data source Legacy Reporting")
	assert.Equal(t, [2]string{"pg (paused)", "pg (paused)"}, [2]string{a, b})
	a, b, st = d.row(t, "queue celery: queued")
	assert.Equal(t, [3]string{"0", "(absent)", "different"}, [3]string{a, b, st})
	a, b, st = d.row(t, "queue periodic: workers")
	assert.Equal(t, [3]string{"(unknown)", "1", "unknown"}, [3]string{a, b, st}, "Celery reports no workers")
	a, b, _ = d.row(t, "scheduled queries")
	assert.Equal(t, fmt.Sprint(scheduled(prod, prod.AdminKey())), a)
	assert.Equal(t, fmt.Sprint(scheduled(stg, stg.AdminKey())), b)
	a, b, _ = d.row(t, "queries")
	assert.Equal(t, fmt.Sprint(len(prod.VisibleQueryIDs(prod.AdminKey()))), a)
	assert.Equal(t, fmt.Sprint(len(stg.VisibleQueryIDs(stg.AdminKey()))), b)

	diffs := 0
	for _, r := range d.Rows {
		if r.Status == "different" {
			diffs++
		}
	}
	assert.Equal(t, diffs, d.Differences)
	assert.Empty(t, d.NotCompared)
	assert.NotContains(t, res.Stderr, "not compared")

	// Groups: the same three on both sides, by name, with the same permissions.
	a, b, st = d.row(t, "group admin")
	assert.Equal(t, [3]string{"builtin, 2 permissions", "builtin, 2 permissions", "same"}, [3]string{a, b, st})
	a, b, st = d.row(t, "group Finance")
	assert.Equal(t, [3]string{"regular, 12 permissions", "regular, 12 permissions", "same"}, [3]string{a, b, st})
	assert.Equal(t, []string{"admin", "default", "Finance"}, sectionItems(d, "groups", "group "))
	// Settings: v10 added keys that v8 lacks, and both have the v8 ones with the same defaults.
	a, b, st = d.row(t, "setting disable_public_urls")
	assert.Equal(t, [3]string{"(absent)", "false", "different"}, [3]string{a, b, st})
	a, b, st = d.row(t, "setting auth_saml_sso_url")
	assert.Equal(t, [3]string{"(absent)", `""`, "different"}, [3]string{a, b, st})
	a, b, st = d.row(t, "setting date_format")
	assert.Equal(t, [3]string{`"DD/MM/YY"`, `"DD/MM/YY"`, "same"}, [3]string{a, b, st})
	a, b, st = d.row(t, "setting auth_jwt_auth_algorithms")
	assert.Equal(t, [3]string{`["HS256","RS256","ES256"]`, `["HS256","RS256","ES256"]`, "same"}, [3]string{a, b, st})
	settings := sectionItems(d, "settings", "setting ")
	assert.Len(t, settings, len(d.Instances[1].OrgSettings), "one row per key of the union (v10 has every v8 key)")
	assert.True(t, slices.IsSorted(settings))
	assert.Len(t, d.Instances[0].OrgSettings, len(settings)-5, "v8 lacks 5 of the v10 keys")
	assert.Contains(t, res.Stderr, fmt.Sprintf("%d differences\n", diffs))

	res = clitest.Run(t, env, "status", "diff", "prod", "staging")
	require.Equal(t, 0, res.Code, res.Stderr)
	lines := strings.Split(strings.TrimRight(res.Stdout, "\n"), "\n")
	assert.Equal(t, []string{"ITEM", "PROD", "STAGING"}, strings.Fields(lines[0]))
	assert.Len(t, lines, len(d.Rows)+1)
	assert.Regexp(t, `^version\s+8\.0\.0\s+10\.1\.0\s+differs$`, lines[2])
	for _, r := range []*fakeredash.Server{prod, stg} {
		for _, req := range r.Requests() {
			assert.NotContains(t, req.Header.Get("Authorization"), "must-not-be-used")
		}
	}
}

// sectionItems lists the items of a section without their prefix, in row order.
func sectionItems(d diffResult, section, prefix string) []string {
	var out []string
	for _, r := range d.Rows {
		if r.Section == section && strings.HasPrefix(r.Item, prefix) && !strings.Contains(r.Item, ": ") {
			out = append(out, strings.TrimPrefix(r.Item, prefix))
		}
	}
	return out
}

// TestStatusDiffTableGolden: the table of 8.0.0 against 10.1.0, groups and settings included.
func TestStatusDiffTableGolden(t *testing.T) {
	prod, prodURL := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 120, Seed: 8})
	stg, stgURL := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 120, Seed: 8})
	env := profilesEnv(t, map[string][2]string{"prod": {prodURL, prod.AdminKey()}, "staging": {stgURL, stg.AdminKey()}})
	res := clitest.Run(t, env, "status", "diff", "prod", "staging")
	require.Equal(t, 0, res.Code, res.Stderr)
	out := strings.ReplaceAll(res.Stdout, prodURL, "http://prod.test")
	golden.Assert(t, strings.ReplaceAll(out, stgURL, "http://staging.test"))
}

// TestStatusDiffSameInstance: two profiles on one instance show no difference.
func TestStatusDiffSameInstance(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "26.3.0", Queries: 300, Seed: 2})
	env := profilesEnv(t, map[string][2]string{"a": {url, srv.AdminKey()}, "b": {url + "/", srv.AdminKey()}})
	res := clitest.Run(t, env, "status", "diff", "a", "b", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	var d diffResult
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &d))
	assert.Zero(t, d.Differences)
	for _, r := range d.Rows {
		assert.Contains(t, []string{"same", "info"}, r.Status, r.Item)
	}
	assert.True(t, strings.HasSuffix(res.Stderr, "no differences\n"), res.Stderr)
}

// TestStatusDiffOrdinaryKey: a key that is not a super-admin's leaves the queues unknown on
// its side, with a line saying so.
func TestStatusDiffOrdinaryKey(t *testing.T) {
	prod, prodURL := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 200, Seed: 5})
	env := profilesEnv(t, map[string][2]string{"prod": {prodURL, prod.AdminKey()}, "analyst": {prodURL, prod.UserKey()}})
	res := clitest.Run(t, env, "status", "diff", "prod", "analyst", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	var d diffResult
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &d))
	a, b, st := d.row(t, "queue periodic: queued")
	assert.Equal(t, [3]string{"0", "(unknown)", "unknown"}, [3]string{a, b, st})
	a, b, st = d.row(t, "data source Finance Warehouse")
	assert.Equal(t, [3]string{"snowflake", "(absent)", "different"}, [3]string{a, b, st})
	assert.Contains(t, res.Stderr, "note: analyst: queues and workers: needs a super-admin key (GET /api/admin/queries/rq_status)\n")
	// Not an admin: its own groups only, and no settings (a note, not a failure).
	a, b, st = d.row(t, "group default")
	assert.Equal(t, [3]string{"builtin, 12 permissions", "builtin, 12 permissions", "same"}, [3]string{a, b, st})
	a, b, st = d.row(t, "group admin")
	assert.Equal(t, [3]string{"builtin, 2 permissions", "(absent)", "different"}, [3]string{a, b, st})
	a, b, st = d.row(t, "setting date_format")
	assert.Equal(t, [3]string{`"DD/MM/YY"`, "(unknown)", "unknown"}, [3]string{a, b, st})
	assert.Contains(t, res.Stderr, "note: analyst: organization settings: needs an admin key (GET /api/settings/organization)\n")
	assert.Contains(t, res.Stderr, "note: analyst: groups: only the key's own groups are listed (an admin key lists all)\n")
	for _, req := range prod.Requests() {
		if req.Path == "/api/settings/organization" {
			assert.Equal(t, "Key "+prod.AdminKey(), req.Header.Get("Authorization"), "the analyst's key never asks for the settings")
		}
	}
	assert.NotContains(t, res.Stderr, "note: prod:")
}

func TestStatusDiffBadInput(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 50})
	env := profilesEnv(t, map[string][2]string{"prod": {url, srv.AdminKey()}, "staging": {url, srv.AdminKey()}})
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{args: []string{"status", "diff", "prod"}, code: 2, err: "status diff needs two profile names"},
		{args: []string{"status", "diff", "prod", "prod"}, code: 2, err: `status diff needs two different profiles, got "prod" twice`},
		{args: []string{"--url", url, "status", "diff", "prod", "staging"}, code: 2, err: "--url does not apply to status diff"},
		{args: []string{"-p", "prod", "status", "diff", "prod", "staging"}, code: 2, err: "--profile does not apply to status diff"},
		{args: []string{"status", "diff", "prod", "qa"}, code: 1, err: `unknown profile "qa"`},
	}
	for _, tt := range tests {
		res := clitest.Run(t, env, tt.args...)
		assert.Equal(t, tt.code, res.Code, strings.Join(tt.args, " "))
		assert.Empty(t, res.Stdout)
		assert.Contains(t, strings.SplitN(res.Stderr, "\n", 2)[0], tt.err)
	}

	// A profile whose key variable is not set fails before any request.
	delete(env, "KEY_STAGING")
	srv.ResetRequests()
	res := clitest.Run(t, env, "status", "diff", "prod", "staging")
	assert.Equal(t, 1, res.Code)
	assert.Contains(t, res.Stderr, `profile staging: profile "staging" reads its API key from $KEY_STAGING, which is not set`)
	assert.Empty(t, srv.Requests())

	// A bad key on one side is an authentication failure.
	env["KEY_STAGING"] = "wrong"
	res = clitest.Run(t, env, "status", "diff", "prod", "staging")
	assert.Equal(t, 4, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, "profile staging (")
}

// TestStatusDiffFault: a proxy error on one side's admin endpoint leaves the rest of the
// comparison and one line (exit 3).
func TestStatusDiffFault(t *testing.T) {
	prod, prodURL := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 200, Seed: 3})
	stg, stgURL := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 200, Seed: 3})
	stg.AddFault(fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/admin", Status: 502})
	env := profilesEnv(t, map[string][2]string{"prod": {prodURL, prod.AdminKey()}, "staging": {stgURL, stg.AdminKey()}})
	res := clitest.Run(t, env, "status", "diff", "prod", "staging")
	assert.Equal(t, 3, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "data source Production DB")
	assert.NotContains(t, res.Stderr, "<html")
	var warn []string
	for _, l := range strings.Split(res.Stderr, "\n") {
		if strings.HasPrefix(l, "warning: ") {
			warn = append(warn, l)
		}
	}
	require.Len(t, warn, 1, res.Stderr)
	assert.True(t, strings.HasPrefix(warn[0], "warning: staging: queues and workers: "), warn[0])
	assert.Contains(t, warn[0], "502")
	assert.Contains(t, res.Stderr, "error: incomplete: could not read workers\n")
}
