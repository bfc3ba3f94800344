package query_test

import (
	"encoding/csv"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/query"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/iostreams"
)

func TestNewCmdList(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		check   func(t *testing.T, o *query.ListOptions)
		wantErr string
	}{
		{name: "defaults", args: "", check: func(t *testing.T, o *query.ListOptions) {
			assert.Equal(t, "include", o.Drafts)
			assert.Equal(t, "table", o.Output)
			assert.Zero(t, o.Limit)
			assert.Empty(t, o.Tags)
		}},
		{name: "all filters", args: "--tag a --tag b --search rev --archived --drafts only --scheduled --owner x@y --data-source 3 --not-run-since 90d --updated-before 2025-01-02 --limit 7 -o csv", check: func(t *testing.T, o *query.ListOptions) {
			assert.Equal(t, []string{"a", "b"}, o.Tags)
			assert.Equal(t, "rev", o.Search)
			assert.True(t, o.Archived)
			assert.Equal(t, "only", o.Drafts)
			assert.True(t, o.Scheduled)
			assert.Equal(t, "x@y", o.Owner)
			assert.Equal(t, "3", o.DataSource)
			assert.Equal(t, 90*24*time.Hour, o.NotRunSince)
			assert.Equal(t, time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), o.UpdatedBefore)
			assert.Equal(t, 7, o.Limit)
			assert.Equal(t, "csv", o.Output)
		}},
		{name: "bad drafts", args: "--drafts yes", wantErr: `invalid --drafts "yes": use include, exclude or only`},
		{name: "bad date", args: "--updated-before 01/02/2025", wantErr: `--updated-before: invalid date "01/02/2025": use YYYY-MM-DD or an RFC 3339 time`},
		{name: "bad output", args: "-o xml", wantErr: `unknown output format "xml": use one of table, json, csv, yaml`},
		{name: "empty tag", args: "--tag=", wantErr: "--tag must not be empty"},
		{name: "positional", args: "42", wantErr: `unexpected argument "42": list takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var got *query.ListOptions
			cmd := query.NewCmdList(f, func(o *query.ListOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, got)
		})
	}
}

// record mirrors the documented JSON contract of docs/output.md.
type record struct {
	ID           int      `json:"id" yaml:"id"`
	Name         string   `json:"name" yaml:"name"`
	OwnerEmail   string   `json:"owner_email" yaml:"owner_email"`
	DataSourceID *int     `json:"data_source_id" yaml:"data_source_id"`
	Tags         []string `json:"tags" yaml:"tags"`
	IsDraft      bool     `json:"is_draft" yaml:"is_draft"`
	IsArchived   bool     `json:"is_archived" yaml:"is_archived"`
	Schedule     *struct {
		IntervalSeconds int64   `json:"interval_seconds" yaml:"interval_seconds"`
		Time            *string `json:"time" yaml:"time"`
		DayOfWeek       *string `json:"day_of_week" yaml:"day_of_week"`
		Until           *string `json:"until" yaml:"until"`
		Active          bool    `json:"active" yaml:"active"`
	} `json:"schedule" yaml:"schedule"`
	CreatedAt      time.Time  `json:"created_at" yaml:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at" yaml:"updated_at"`
	LastRunAt      *time.Time `json:"last_run_at" yaml:"last_run_at"`
	RuntimeSeconds *float64   `json:"runtime_seconds" yaml:"runtime_seconds"`
}

func listJSON(t *testing.T, env clitest.Env, args ...string) []record {
	t.Helper()
	res := clitest.Run(t, env, append([]string{"query", "list", "-o", "json"}, args...)...)
	require.Equal(t, 0, res.Code, res.Stderr)
	var recs []record
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &recs))
	return recs
}

func ids(recs []record) []int {
	out := make([]int, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	slices.Sort(out)
	return out
}

// TestListDialects: query list returns exactly the visible queries of each
// sandbox dialect, in every output format.
func TestListDialects(t *testing.T) {
	for _, v := range fakeredash.Versions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv, url := clitest.Fake(t, fakeredash.Options{Version: v, Queries: 700, Seed: 7})
			for _, key := range []string{srv.AdminKey(), srv.UserKey()} {
				env := clitest.EnvFor(url, key)
				want := srv.VisibleQueryIDs(key)
				require.NotEmpty(t, want)

				recs := listJSON(t, env)
				assert.Equal(t, want, ids(recs), "json")
				for _, r := range recs {
					assert.NotNil(t, r.Tags)
					assert.False(t, r.IsArchived)
					assert.False(t, r.CreatedAt.IsZero())
					assert.Equal(t, time.UTC, r.CreatedAt.Location())
				}

				res := clitest.Run(t, env, "query", "list", "-o", "yaml")
				require.Equal(t, 0, res.Code, res.Stderr)
				var yrecs []record
				require.NoError(t, yaml.Unmarshal([]byte(res.Stdout), &yrecs))
				assert.Equal(t, want, ids(yrecs), "yaml")

				res = clitest.Run(t, env, "query", "list", "-o", "csv")
				require.Equal(t, 0, res.Code, res.Stderr)
				rows, err := csv.NewReader(strings.NewReader(res.Stdout)).ReadAll()
				require.NoError(t, err)
				require.Equal(t, "id", rows[0][0])
				var csvIDs []int
				for _, row := range rows[1:] {
					id, err := strconv.Atoi(row[0])
					require.NoError(t, err)
					csvIDs = append(csvIDs, id)
				}
				slices.Sort(csvIDs)
				assert.Equal(t, want, csvIDs, "csv")

				res = clitest.Run(t, env, "query", "list")
				require.Equal(t, 0, res.Code, res.Stderr)
				assert.Equal(t, len(want)+1, strings.Count(res.Stdout, "\n"), "table: a header and one line per query")
			}

			env := clitest.EnvFor(url, srv.AdminKey())
			res := clitest.Run(t, env, "query", "list", "--archived", "-o", "json")
			if v == "4.0.2" || v == "5.0.2" {
				assert.Equal(t, 1, res.Code)
				assert.Contains(t, res.Stderr, "--archived needs Redash 7 or later")
				return
			}
			require.Equal(t, 0, res.Code, res.Stderr)
			var arch []record
			require.NoError(t, json.Unmarshal([]byte(res.Stdout), &arch))
			assert.Equal(t, srv.ArchivedQueryIDs(srv.AdminKey()), ids(arch))
			for _, r := range arch {
				assert.True(t, r.IsArchived)
			}
		})
	}
}

func TestListFilters(t *testing.T) {
	for _, v := range []string{"4.0.2", "10.1.0"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv, url := clitest.Fake(t, fakeredash.Options{Version: v, Queries: 500, Seed: 3})
			env := clitest.EnvFor(url, srv.AdminKey())
			all := listJSON(t, env)
			require.NotEmpty(t, all)
			pick := func(keep func(r record) bool) []int {
				var out []int
				for _, r := range all {
					if keep(r) {
						out = append(out, r.ID)
					}
				}
				slices.Sort(out)
				return out
			}

			scheduled := pick(func(r record) bool { return r.Schedule != nil && r.Schedule.Active })
			require.NotEmpty(t, scheduled)
			assert.Equal(t, scheduled, ids(listJSON(t, env, "--scheduled")))

			drafts := pick(func(r record) bool { return r.IsDraft })
			require.NotEmpty(t, drafts)
			assert.Equal(t, drafts, ids(listJSON(t, env, "--drafts", "only")))
			assert.Equal(t, pick(func(r record) bool { return !r.IsDraft }), ids(listJSON(t, env, "--drafts", "exclude")))

			cutoff := clitest.Now.Add(-90 * 24 * time.Hour)
			stale := pick(func(r record) bool { return r.LastRunAt == nil || !r.LastRunAt.After(cutoff) })
			require.NotEmpty(t, stale)
			assert.Equal(t, stale, ids(listJSON(t, env, "--not-run-since", "90d")))

			owner := all[len(all)/2].OwnerEmail
			assert.Equal(t, pick(func(r record) bool { return strings.EqualFold(r.OwnerEmail, owner) }), ids(listJSON(t, env, "--owner", strings.ToUpper(owner))))

			before := time.Date(clitest.Now.Year()-1, 1, 1, 0, 0, 0, 0, time.UTC)
			assert.Equal(t, pick(func(r record) bool { return r.UpdatedAt.Before(before) }), ids(listJSON(t, env, "--updated-before", before.Format("2006-01-02"))))

			ds := srv.Snapshot().DataSources[0]
			byDS := pick(func(r record) bool { return r.DataSourceID != nil && *r.DataSourceID == ds.ID })
			require.NotEmpty(t, byDS)
			assert.Equal(t, byDS, ids(listJSON(t, env, "--data-source", ds.Name)))
			assert.Equal(t, byDS, ids(listJSON(t, env, "--data-source", strconv.Itoa(ds.ID))))
			res := clitest.Run(t, env, "query", "list", "--data-source", "No Such Source")
			assert.Equal(t, 2, res.Code)
			assert.Contains(t, res.Stderr, `unknown data source "No Such Source": known ones are`)

			limited := listJSON(t, env, "--limit", "7")
			assert.Len(t, limited, 7)

			if v == "4.0.2" {
				for _, r := range all {
					assert.Empty(t, r.Tags, "v4 has no tags")
				}
				return
			}
			tagged := pick(func(r record) bool { return slices.Contains(r.Tags, "finance") })
			require.NotEmpty(t, tagged)
			assert.Equal(t, tagged, ids(listJSON(t, env, "--tag", "finance")))
		})
	}
}

// TestListSearchV4IsClientSide: v4 has no server-side search, so the filter
// runs here; on v10 the server searches (q=) and the client passes it on.
func TestListSearch(t *testing.T) {
	for _, v := range []string{"4.0.2", "10.1.0"} {
		t.Run(v, func(t *testing.T) {
			srv, url := clitest.Fake(t, fakeredash.Options{Version: v, Queries: 300, Seed: 5})
			env := clitest.EnvFor(url, srv.AdminKey())
			all := listJSON(t, env)
			word := strings.Fields(all[0].Name)[0]
			srv.ResetRequests()
			found := listJSON(t, env, "--search", word)
			require.NotEmpty(t, found)
			assert.Contains(t, ids(found), all[0].ID)
			sawQ := false
			for _, r := range srv.Requests() {
				if strings.HasPrefix(r.Path, "/api/queries") && strings.Contains(r.RawQuery, "q=") {
					sawQ = true
				}
			}
			assert.Equal(t, v != "4.0.2", sawQ, "search is sent to the server only where it exists")
		})
	}
}

func TestListTableGolden(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 40, Seed: 11})
	res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "query", "list", "--limit", "8")
	require.Equal(t, 0, res.Code, res.Stderr)
	golden.Assert(t, res.Stdout)
}

func TestListJSONGolden(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 40, Seed: 11})
	res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "query", "list", "--limit", "3", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	golden.Assert(t, res.Stdout)
}

func TestListEmpty(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Queries: 50})
	env := clitest.EnvFor(url, srv.AdminKey())
	res := clitest.Run(t, env, "query", "list", "--tag", "no-such-tag", "-o", "json")
	assert.Equal(t, 0, res.Code)
	assert.Equal(t, "[]\n", res.Stdout)
	assert.Equal(t, "no queries match\n", res.Stderr)
	res = clitest.Run(t, env, "query", "list", "--tag", "no-such-tag", "-o", "csv")
	assert.Equal(t, 0, res.Code)
	assert.Empty(t, res.Stdout)
}

func TestListMultiOrg(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Queries: 300, OrgSlug: "acme"})
	env := clitest.EnvFor(url, srv.AdminKey())
	env["REDASHCTL_ORG"] = "acme"
	assert.Equal(t, srv.VisibleQueryIDs(srv.AdminKey()), ids(listJSON(t, env)))

	env["REDASHCTL_ORG"] = "other"
	res := clitest.Run(t, env, "query", "list")
	assert.Equal(t, 4, res.Code, "a wrong org is an authentication failure in Redash: %s", res.Stderr)
}

// TestListFaults: every fault kind of the sandbox, on the list endpoint; the
// transient ones are retried and the listing is complete, the others give one
// clear line.
func TestListFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault fakeredash.Fault
		args  []string
		code  int
		err   string
	}{
		{name: "429 with Retry-After", fault: fakeredash.Fault{Kind: fakeredash.FaultRateLimit, PathPrefix: "/api/queries", Times: 2, RetryAfter: 1}},
		{name: "502 HTML from a proxy", fault: fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/queries", Times: 2, Status: 502}},
		{name: "connection reset", fault: fakeredash.Fault{Kind: fakeredash.FaultReset, PathPrefix: "/api/queries", Times: 2}},
		{name: "truncated body", fault: fakeredash.Fault{Kind: fakeredash.FaultTruncate, PathPrefix: "/api/queries", Times: 2}},
		{name: "slow response", fault: fakeredash.Fault{Kind: fakeredash.FaultSlow, PathPrefix: "/api/queries", Times: 1, Delay: 10 * time.Second}, args: []string{"--timeout", "1s"}},
		{name: "HTML 200 page", fault: fakeredash.Fault{Kind: fakeredash.FaultHTML200, PathPrefix: "/api/queries"}, code: 1, err: "HTML"},
		{name: "persistent 503", fault: fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/queries", Status: 503}, code: 1, err: "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := clitest.Fake(t, fakeredash.Options{Queries: 800, Seed: 2})
			srv.AddFault(tt.fault)
			res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), append(tt.args, "query", "list", "-o", "json")...)
			require.Equal(t, tt.code, res.Code, res.Stderr)
			if tt.code == 0 {
				var recs []record
				require.NoError(t, json.Unmarshal([]byte(res.Stdout), &recs))
				assert.Equal(t, srv.VisibleQueryIDs(srv.AdminKey()), ids(recs))
				return
			}
			assert.Empty(t, res.Stdout)
			lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
			assert.Len(t, lines, 1, res.Stderr)
			assert.Contains(t, lines[0], tt.err)
			assert.NotContains(t, res.Stderr, "<html")
		})
	}
}

func TestListNeverGetsOneQuery(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 600})
	_ = listJSON(t, clitest.EnvFor(url, srv.AdminKey()), "--scheduled", "--owner", "x@example.com")
	for _, r := range srv.Requests() {
		rest, ok := strings.CutPrefix(r.Path, "/api/queries/")
		if !ok {
			continue
		}
		_, err := strconv.Atoi(strings.Trim(rest, "/"))
		assert.Error(t, err, "GET %s records a view event and must not be used by query list", r.Path)
	}
}

// TestListOnATerminal: a title line and a table fitted to the terminal width
// on a TTY; piped output has neither, and no progress reaches stdout.
func TestListOnATerminal(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Queries: 60})
	env := clitest.EnvFor(url, srv.AdminKey())
	res := clitest.RunTTY(t, true, env, "query", "list", "--limit", "5")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.True(t, strings.HasPrefix(res.Stdout, "Showing 5 queries\n\n"), res.Stdout)
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 120, line)
	}
	res = clitest.RunTTY(t, false, env, "query", "list", "--limit", "5")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.True(t, strings.HasPrefix(res.Stdout, "ID "), res.Stdout)
	assert.Empty(t, res.Stderr)
	res = clitest.RunTTY(t, false, env, "--quiet", "query", "list", "--limit", "5", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Empty(t, res.Stderr)
}
