package audit_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/redashctl/redashctl/internal/clitest"
	auditcmd "github.com/redashctl/redashctl/internal/cmd/audit"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/audit"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/sheets"
)

const day = 24 * time.Hour

func TestNewCmdAudit(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		check   func(t *testing.T, o *auditcmd.AuditOptions)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, o *auditcmd.AuditOptions) {
			assert.Equal(t, audit.DefaultThresholds(), o.Thresholds)
			assert.Equal(t, "keep", o.KeepTag)
			assert.Equal(t, "owner", o.By)
			assert.Equal(t, "table", o.Output)
			assert.Equal(t, audit.DefaultArchiveWhen(), o.ArchiveWhen)
			assert.Empty(t, o.FailOn)
			assert.Empty(t, o.Out)
			assert.False(t, o.Force)
			assert.False(t, o.ProbeHidden)
			assert.Equal(t, map[string]string{"never_run_after": "7d", "stale_after": "90d", "unused_after": "90d", "draft_abandoned_after": "30d", "events_max_lag": "3d", "failing_periods": "3"}, o.ThresholdFlags)
		}},
		{name: "every flag", args: "--never-run-after 2w --stale-after 180d --unused-after 30d --draft-abandoned-after 60d --events-max-lag 12h --failing-periods 5 --keep-tag prod --by data-source --out p.json --archive-when unused,stale --archive-when duplicate --fail-on broken-reference --force --probe-hidden -o yaml", check: func(t *testing.T, o *auditcmd.AuditOptions) {
			assert.Equal(t, audit.Thresholds{NeverRunAfter: 14 * day, StaleAfter: 180 * day, UnusedAfter: 30 * day, DraftAbandonedAfter: 60 * day, FailingPeriods: 5, FailingNeverRanAfter: day, EventsMaxLag: 12 * time.Hour}, o.Thresholds)
			assert.Equal(t, "prod", o.KeepTag)
			assert.Equal(t, "data-source", o.By)
			assert.Equal(t, "p.json", o.Out)
			assert.Equal(t, []audit.Code{audit.Stale, audit.Unused, audit.Duplicate}, o.ArchiveWhen)
			assert.Equal(t, []audit.Code{audit.BrokenReference}, o.FailOn)
			assert.True(t, o.Force)
			assert.True(t, o.ProbeHidden)
			assert.Equal(t, "yaml", o.Output)
		}},
		{name: "no keep tag", args: "--keep-tag=", check: func(t *testing.T, o *auditcmd.AuditOptions) { assert.Empty(t, o.KeepTag) }},
		{name: "zero threshold", args: "--stale-after 0d", wantErr: `--stale-after must be positive, got "0d"`},
		{name: "bad duration", args: "--unused-after 3 months", wantErr: `unexpected argument "months": audit takes no arguments`},
		{name: "bad unit", args: "--unused-after 3mo", wantErr: `--unused-after: invalid duration "3mo": unknown unit "mo" (use w, d, h, m, s)`},
		{name: "huge window", args: "--unused-after 4000d", wantErr: "the unused window must be at most 10 years, got 96000h0m0s"},
		{name: "failing periods", args: "--failing-periods 0.5", wantErr: "--failing-periods must be between 1 and 1000, got 0.5"},
		{name: "bad by", args: "--by team", wantErr: `invalid --by "team": use owner, tag or data-source`},
		{name: "bad code", args: "--archive-when unused,unsued", wantErr: `--archive-when: unknown finding code "unsued": use never-run, stale, schedule-failing, owner-disabled, unused, external-consumer, scheduled-unviewed, draft-abandoned, duplicate, data-source-missing, broken-reference`},
		{name: "marker", args: "--archive-when external-consumer", wantErr: "--archive-when: external-consumer is a marker, not a reason to archive"},
		{name: "empty archive-when", args: "--archive-when=", wantErr: "--archive-when needs at least one finding code"},
		{name: "bad fail-on", args: "--fail-on nope", wantErr: `--fail-on: unknown finding code "nope": use never-run, stale, schedule-failing, owner-disabled, unused, external-consumer, scheduled-unviewed, draft-abandoned, duplicate, data-source-missing, broken-reference`},
		{name: "empty out", args: "--out=", wantErr: "--out needs a file name"},
		{name: "sheet", args: "--out p.json --sheet https://docs.google.com/spreadsheets/d/1AbC/edit#gid=7 --tab Review --credentials none --sheets-endpoint http://127.0.0.1:5001 --writes-per-minute 0", check: func(t *testing.T, o *auditcmd.AuditOptions) {
			assert.Equal(t, sheets.Target{SpreadsheetID: "1AbC", Tab: "Review"}, o.SheetTarget)
			assert.Equal(t, cmdutil.SheetsFlags{Credentials: "none", Endpoint: "http://127.0.0.1:5001"}, o.SheetsFlags)
			assert.NotNil(t, o.Sheets)
		}},
		{name: "sheet gid", args: "--out p.json --sheet https://docs.google.com/spreadsheets/d/1AbC/edit#gid=7", check: func(t *testing.T, o *auditcmd.AuditOptions) {
			gid := int64(7)
			assert.Equal(t, sheets.Target{SpreadsheetID: "1AbC", SheetID: &gid}, o.SheetTarget)
			assert.Equal(t, sheets.DefaultWritesPerMinute, o.SheetsFlags.WritesPerMinute)
		}},
		{name: "sheet without out", args: "--sheet 1AbC", wantErr: "--sheet needs --out <plan.json>: 'plan import --sheet' reads the decisions back into that plan"},
		{name: "tab without sheet", args: "--out p.json --tab Review", wantErr: "--tab needs --sheet <url>"},
		{name: "bad sheet", args: "--out p.json --sheet docs.google.com/document/d/1AbC", wantErr: `--sheet: invalid spreadsheet "docs.google.com/document/d/1AbC": the URL has no /spreadsheets/d/<id>/ part`},
		{name: "bad sheets endpoint", args: "--out p.json --sheet 1AbC --sheets-endpoint localhost:5001", wantErr: `--sheets-endpoint "localhost:5001" is not an http(s) URL`},
		{name: "bad output", args: "-o xml", wantErr: `unknown output format "xml": use one of table, json, csv, yaml`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var got *auditcmd.AuditOptions
			cmd := auditcmd.NewCmdAudit(f, func(o *auditcmd.AuditOptions) error { got = o; return nil })
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
	ID                int      `json:"id" yaml:"id"`
	Name              string   `json:"name" yaml:"name"`
	Codes             []string `json:"codes" yaml:"codes"`
	WeakCodes         []string `json:"weak_codes" yaml:"weak_codes"`
	PlanAction        *string  `json:"plan_action" yaml:"plan_action"`
	Keep              bool     `json:"keep" yaml:"keep"`
	Hidden            bool     `json:"hidden" yaml:"hidden"`
	OwnerEmail        string   `json:"owner_email" yaml:"owner_email"`
	OwnerDisabled     bool     `json:"owner_disabled" yaml:"owner_disabled"`
	DataSourceID      *int     `json:"data_source_id" yaml:"data_source_id"`
	DataSourceName    *string  `json:"data_source_name" yaml:"data_source_name"`
	Tags              []string `json:"tags" yaml:"tags"`
	Dashboards        []int    `json:"dashboards" yaml:"dashboards"`
	Alerts            []int    `json:"alerts" yaml:"alerts"`
	ViewsInWindow     *int     `json:"views_in_window" yaml:"views_in_window"`
	RunsInWindow      *int     `json:"runs_in_window" yaml:"runs_in_window"`
	DownloadsInWindow *int     `json:"downloads_in_window" yaml:"downloads_in_window"`
	DuplicateOf       *int     `json:"duplicate_of" yaml:"duplicate_of"`
	RunsPerDay        *float64 `json:"runs_per_day" yaml:"runs_per_day"`
	BrokenReferences  []struct {
		QueryID int    `json:"query_id" yaml:"query_id"`
		Via     string `json:"via" yaml:"via"`
		State   string `json:"state" yaml:"state"`
	} `json:"broken_references" yaml:"broken_references"`
	Findings []struct {
		Code   string `json:"code" yaml:"code"`
		Weak   bool   `json:"weak" yaml:"weak"`
		Detail string `json:"detail" yaml:"detail"`
	} `json:"findings" yaml:"findings"`
}

func auditJSON(t *testing.T, env clitest.Env, args ...string) ([]record, clitest.Result) {
	t.Helper()
	res := clitest.Run(t, env, append([]string{"audit", "-o", "json"}, args...)...)
	require.Equal(t, 0, res.Code, res.Stderr)
	var recs []record
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &recs), res.Stdout)
	return recs, res
}

func byID(recs []record) map[int]record {
	out := map[int]record{}
	for _, r := range recs {
		out[r.ID] = r
	}
	return out
}

// expected returns the finding codes the fake's traits promise for q.
func expected(q fakeredash.Query) (codes []string, dupOf int) {
	codes = []string{}
	for _, c := range audit.Codes() {
		if q.HasTrait(string(c)) {
			codes = append(codes, string(c))
		}
	}
	for _, tr := range q.Traits {
		if rest, ok := strings.CutPrefix(tr, fakeredash.TraitDuplicateOfPrefix); ok {
			dupOf, _ = strconv.Atoi(rest)
		}
	}
	return codes, dupOf
}

func readPlan(t *testing.T, path string) *plan.Plan {
	t.Helper()
	fh, err := os.Open(path)
	require.NoError(t, err)
	defer fh.Close()
	p, err := plan.Read(fh)
	require.NoError(t, err)
	return p
}

// TestGroundTruth: with an admin key, every visible query gets exactly the
// findings the sandbox's traits promise, in every dialect (v4 string
// schedules, v8 objects, v10+ string intervals and "disabled": true), and
// the plan holds exactly the archive candidates.
func TestGroundTruth(t *testing.T) {
	for _, v := range fakeredash.Versions() {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			srv, url := clitest.Fake(t, fakeredash.Options{Version: v, Queries: 1500, Seed: 21})
			out := filepath.Join(t.TempDir(), "plan.json")
			recs, res := auditJSON(t, clitest.EnvFor(url, srv.AdminKey()), "--out", out)
			got := byID(recs)
			visible := srv.VisibleQueryIDs(srv.AdminKey())
			snap := srv.Snapshot()
			seen := map[string]int{}
			candidates := map[int]plan.Action{}
			for _, q := range snap.Queries {
				if !slices.Contains(visible, q.ID) {
					require.NotContains(t, got, q.ID, "query %d is not listed", q.ID)
					continue
				}
				want, dupOf := expected(q)
				r, ok := got[q.ID]
				if len(want) == 0 {
					assert.False(t, ok, "query %d has no findings, got %v", q.ID, r.Codes)
					continue
				}
				require.Equal(t, want, r.Codes, "query %d traits %v\nfindings %+v", q.ID, q.Traits, r.Findings)
				for _, c := range want {
					seen[c]++
				}
				assert.Empty(t, r.WeakCodes, "query %d", q.ID)
				if dupOf != 0 {
					require.NotNil(t, r.DuplicateOf, "query %d", q.ID)
					assert.Equal(t, dupOf, *r.DuplicateOf, "query %d", q.ID)
				}
				assert.Equal(t, q.HasTrait(fakeredash.TraitKeepTag), r.Keep)
				for _, c := range want {
					if slices.Contains(audit.DefaultArchiveWhen(), audit.Code(c)) {
						action := plan.Archive
						if q.HasTrait(fakeredash.TraitKeepTag) || q.HasTrait(string(audit.ExternalConsumer)) {
							action = plan.Keep
						}
						candidates[q.ID] = action
					}
				}
				if a, ok := candidates[q.ID]; ok {
					require.NotNil(t, r.PlanAction, "query %d", q.ID)
					assert.Equal(t, string(a), *r.PlanAction, "query %d", q.ID)
				} else {
					assert.Nil(t, r.PlanAction, "query %d", q.ID)
				}
			}
			for _, c := range audit.Codes() {
				if v == "4.0.2" && c == audit.OwnerDisabled {
					continue // nobody is disabled on v4
				}
				assert.Positive(t, seen[string(c)], "the sandbox exercises %s", c)
			}

			p := readPlan(t, out)
			assert.Equal(t, v, p.Source.RedashVersion)
			assert.Equal(t, url+"/", p.Source.URL)
			assert.Equal(t, clitest.Now, p.CreatedAt)
			assert.Equal(t, "audit", p.Criteria.Command)
			assert.Len(t, p.Items, len(candidates))
			for _, it := range p.Items {
				assert.Equal(t, candidates[it.QueryID], it.Action, "query %d", it.QueryID)
			}
			counts := p.Counts()
			assert.Contains(t, res.Stderr, fmt.Sprintf("Wrote %s: %d to archive, %d to keep for review", out, counts[plan.Archive], counts[plan.Keep]))
		})
	}
}

// TestNonAdminKey: an ordinary user's key works; the events log is not
// read, unused findings are weak, and the warnings say why.
func TestNonAdminKey(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 1200, Seed: 4})
	recs, res := auditJSON(t, clitest.EnvFor(url, srv.UserKey()), "--out", filepath.Join(t.TempDir(), "p.json"))
	for _, r := range srv.Requests() {
		assert.NotEqual(t, "/api/events", r.Path, "no events request with a non-admin key")
	}
	assert.Contains(t, res.Stderr, "warning: the events log needs an admin key: unused rests on dashboards and alerts only, so those findings are weak, and external consumers cannot be found (affects unused, scheduled-unviewed, external-consumer)")
	assert.Contains(t, res.Stderr, "queries on data sources outside the key's groups")

	got := byID(recs)
	visible := srv.VisibleQueryIDs(srv.UserKey())
	keyIndependent := []string{"never-run", "stale", "schedule-failing", "owner-disabled", "draft-abandoned", "duplicate", "data-source-missing"}
	weakUnused := 0
	for _, q := range srv.Snapshot().Queries {
		r := got[q.ID]
		if !slices.Contains(visible, q.ID) {
			assert.NotContains(t, got, q.ID)
			continue
		}
		want, _ := expected(q)
		var a, b []string
		for _, c := range want {
			if slices.Contains(keyIndependent, c) {
				a = append(a, c)
			}
		}
		for _, c := range r.Codes {
			if slices.Contains(keyIndependent, c) {
				b = append(b, c)
			}
		}
		assert.Equal(t, a, b, "query %d", q.ID)
		assert.NotContains(t, r.Codes, "external-consumer")
		if q.HasTrait(string(audit.Unused)) {
			assert.Contains(t, r.WeakCodes, "unused", "query %d: no dashboard or alert, and without events unused is weak", q.ID)
		}
		if slices.Contains(r.Codes, "unused") {
			weakUnused++
			assert.Contains(t, r.WeakCodes, "unused")
			assert.Nil(t, r.ViewsInWindow, "no events read")
			if r.PlanAction != nil && !slices.ContainsFunc(r.Findings, func(f struct {
				Code   string `json:"code" yaml:"code"`
				Weak   bool   `json:"weak" yaml:"weak"`
				Detail string `json:"detail" yaml:"detail"`
			},
			) bool {
				return !f.Weak && slices.Contains([]string{"never-run", "stale", "draft-abandoned"}, f.Code)
			}) {
				assert.Equal(t, "keep", *r.PlanAction, "query %d: weak findings alone never archive", q.ID)
			}
		}
	}
	assert.Positive(t, weakUnused)
}

// TestEventsLogStopped: when no worker records events, unused is unproven.
func TestEventsLogStopped(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 800, Seed: 5})
	srv.StopEvents(clitest.Now.Add(-12 * day))
	recs, res := auditJSON(t, clitest.EnvFor(url, srv.AdminKey()))
	assert.Contains(t, res.Stderr, "warning: the newest event is from 2026-10-20 but queries ran until 2026-11-01: the events log stopped")
	n := 0
	for _, r := range recs {
		if slices.Contains(r.Codes, "unused") {
			n++
			assert.Contains(t, r.WeakCodes, "unused", "query %d", r.ID)
		}
	}
	assert.Positive(t, n)
}

// TestProbeHidden: the ids no list returns are fetched one by one only with
// --probe-hidden; queries on the deleted data source are found and audited.
func TestProbeHidden(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 900, Seed: 6})
	env := clitest.EnvFor(url, srv.AdminKey())
	snap := srv.Snapshot()
	listed := srv.VisibleQueryIDs(srv.AdminKey())
	archived := srv.ArchivedQueryIDs(srv.AdminKey())
	top := slices.Max(append(slices.Clone(listed), archived...))
	var gaps, hidden []int
	for _, q := range snap.Queries {
		if q.ID > top || slices.Contains(listed, q.ID) || slices.Contains(archived, q.ID) {
			continue
		}
		gaps = append(gaps, q.ID)
		if !q.IsArchived {
			require.True(t, q.HasTrait(fakeredash.TraitDataSourceMissing))
			hidden = append(hidden, q.ID)
		}
	}
	require.NotEmpty(t, hidden)

	_, res := auditJSON(t, env)
	assert.Contains(t, res.Stderr, fmt.Sprintf("note: %d of the query ids 1-%d are in no list; they may be queries on a deleted data source", len(gaps), top))
	assert.Contains(t, res.Stderr, "--probe-hidden fetches them one by one (from Redash 6 each fetch records a view on the query)")

	srv.ResetRequests()
	recs, res := auditJSON(t, env, "--probe-hidden")
	var probed []int
	for _, r := range srv.Requests() {
		if rest, ok := strings.CutPrefix(r.Path, "/api/queries/"); ok {
			id, err := strconv.Atoi(rest)
			if err == nil {
				probed = append(probed, id)
			}
		}
	}
	slices.Sort(probed)
	assert.Equal(t, gaps, probed, "exactly the gaps are fetched one by one")
	var found []int
	for _, r := range recs {
		if r.Hidden {
			found = append(found, r.ID)
			assert.Equal(t, []string{"data-source-missing"}, r.Codes)
			assert.Nil(t, r.DataSourceID)
		}
	}
	assert.Equal(t, hidden, found)
	assert.Contains(t, res.Stderr, fmt.Sprintf("note: probed %d ids one by one: %d live (audited), %d archived, 0 not found", len(gaps), len(hidden), len(gaps)-len(hidden)))
}

// TestNeverGetsOneQuery: the audit never calls GET /api/queries/<id>, which
// records a view from Redash 6; dashboards are read by slug up to v9 and by
// id from v10.
func TestNeverGetsOneQuery(t *testing.T) {
	for _, v := range []string{"8.0.0", "10.1.0"} {
		t.Run(v, func(t *testing.T) {
			srv, url := clitest.Fake(t, fakeredash.Options{Version: v, Queries: 500, Seed: 8})
			res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "audit")
			require.Equal(t, 0, res.Code, res.Stderr)
			byIDPath := regexp.MustCompile(`^/api/dashboards/\d+$`)
			dashGets := 0
			for _, r := range srv.Requests() {
				assert.Equal(t, "GET", r.Method, r.Path)
				if rest, ok := strings.CutPrefix(r.Path, "/api/queries/"); ok {
					_, err := strconv.Atoi(rest)
					assert.Error(t, err, "GET %s records a view event", r.Path)
				}
				if strings.HasPrefix(r.Path, "/api/dashboards/") {
					dashGets++
					assert.Equal(t, v == "10.1.0", byIDPath.MatchString(r.Path), r.Path)
				}
			}
			assert.Positive(t, dashGets)
		})
	}
}

func TestFailOn(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 600, Seed: 9})
	env := clitest.EnvFor(url, srv.AdminKey())
	n := 0
	for _, q := range srv.Snapshot().Queries {
		if q.HasTrait(string(audit.ScheduleFailing)) || q.HasTrait(string(audit.BrokenReference)) {
			n++
		}
	}
	require.Positive(t, n)
	res := clitest.Run(t, env, "audit", "--fail-on", "schedule-failing,broken-reference", "-o", "json")
	assert.Equal(t, 3, res.Code)
	var recs []record
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &recs), "the report is written all the same")
	assert.NotEmpty(t, recs)
	assert.True(t, strings.HasSuffix(res.Stderr, fmt.Sprintf("error: %d queries have findings among schedule-failing, broken-reference (--fail-on)\n", n)), res.Stderr)

	// A code nobody has: exit 0.
	res = clitest.Run(t, env, "audit", "--fail-on", "never-run", "--never-run-after", "3650d", "-o", "json")
	assert.Equal(t, 0, res.Code, res.Stderr)
}

func TestUsageErrorsExit2(t *testing.T) {
	res := clitest.Run(t, clitest.Env{}, "audit", "--stale-after", "-3d")
	assert.Equal(t, 2, res.Code)
	assert.Contains(t, res.Stderr, `error: --stale-after: invalid duration "-3d"`)
	assert.Contains(t, res.Stderr, "Run 'redashctl audit --help' for usage.")
}

// TestOutputFormats: json, yaml and csv carry the same records.
func TestOutputFormats(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "26.3.0", Queries: 500, Seed: 10})
	env := clitest.EnvFor(url, srv.AdminKey())
	recs, _ := auditJSON(t, env)
	require.NotEmpty(t, recs)
	var ids []int
	for _, r := range recs {
		ids = append(ids, r.ID)
		assert.NotEmpty(t, r.Codes)
		assert.Len(t, r.Findings, len(r.Codes))
		assert.NotNil(t, r.Tags)
		assert.NotNil(t, r.Dashboards)
		assert.NotNil(t, r.ViewsInWindow, "an admin key reads the events log")
	}

	res := clitest.Run(t, env, "audit", "-o", "yaml")
	require.Equal(t, 0, res.Code, res.Stderr)
	var yrecs []record
	require.NoError(t, yaml.Unmarshal([]byte(res.Stdout), &yrecs))
	assert.Equal(t, recs, yrecs)

	res = clitest.Run(t, env, "audit", "-o", "csv")
	require.Equal(t, 0, res.Code, res.Stderr)
	rows, err := csv.NewReader(strings.NewReader(res.Stdout)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, len(recs)+1)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for i, row := range rows[1:] {
		assert.Equal(t, strconv.Itoa(ids[i]), row[col["id"]])
		assert.Equal(t, strings.Join(recs[i].Codes, ";"), row[col["codes"]])
		assert.Equal(t, len(recs[i].Codes), strings.Count(row[col["details"]], "\n")+1)
	}
}

// TestGoldenTable: the default table, piped (no titles) and on a terminal.
func TestGoldenTable(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 120, Seed: 11})
	env := clitest.EnvFor(url, srv.AdminKey())
	for _, by := range []string{"owner", "tag", "data-source"} {
		t.Run(by, func(t *testing.T) {
			res := clitest.Run(t, env, "audit", "--by", by)
			require.Equal(t, 0, res.Code, res.Stderr)
			golden.Assert(t, res.Stdout)
		})
	}
	t.Run("tty", func(t *testing.T) {
		res := clitest.RunTTY(t, true, env, "--quiet", "audit")
		require.Equal(t, 0, res.Code, res.Stderr)
		golden.Assert(t, strings.ReplaceAll(res.Stdout, url, "http://sandbox"))
	})
}

// TestGoldenJSON: the record contract on a small v8 world.
func TestGoldenJSON(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 40, Seed: 12})
	res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "audit", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	golden.Assert(t, res.Stdout)
}

// TestGoldenPlan: the plan file of a small v4 world (string schedules).
func TestGoldenPlan(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "4.0.2", Queries: 40, Seed: 13})
	out := filepath.Join(t.TempDir(), "plan.json")
	res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "audit", "--out", out, "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	text := strings.ReplaceAll(string(data), url, "http://sandbox")
	text = regexp.MustCompile(`"generator": "[^"]*"`).ReplaceAllString(text, `"generator": "redashctl (test)"`)
	golden.Assert(t, text)
}

// TestFaults: transient failures on the events log and dashboards are
// retried and the audit is complete; a persistent one fails with one line.
func TestFaults(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 400, Seed: 14})
	want, _ := auditJSON(t, clitest.EnvFor(url, srv.AdminKey()))
	tests := []struct {
		name  string
		fault fakeredash.Fault
		args  []string
		code  int
		err   string
	}{
		{name: "429 with Retry-After", fault: fakeredash.Fault{Kind: fakeredash.FaultRateLimit, PathPrefix: "/api/events", Times: 2, RetryAfter: 1}},
		{name: "502 HTML from a proxy", fault: fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/dashboards/", Times: 3, Status: 502}},
		{name: "connection reset", fault: fakeredash.Fault{Kind: fakeredash.FaultReset, PathPrefix: "/api/alerts", Times: 2}},
		{name: "truncated body", fault: fakeredash.Fault{Kind: fakeredash.FaultTruncate, PathPrefix: "/api/events", Times: 2}},
		{name: "slow response", fault: fakeredash.Fault{Kind: fakeredash.FaultSlow, PathPrefix: "/api/dashboards", Times: 1, Delay: 10 * time.Second}, args: []string{"--timeout", "1s"}},
		{name: "HTML 200 page", fault: fakeredash.Fault{Kind: fakeredash.FaultHTML200, PathPrefix: "/api/data_sources"}, code: 1, err: "HTML"},
		{name: "persistent 503", fault: fakeredash.Fault{Kind: fakeredash.FaultHTML5xx, PathPrefix: "/api/events", Status: 503}, code: 1, err: "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 400, Seed: 14})
			srv.AddFault(tt.fault)
			res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), append(tt.args, "audit", "-o", "json")...)
			require.Equal(t, tt.code, res.Code, res.Stderr)
			if tt.code == 0 {
				var got []record
				require.NoError(t, json.Unmarshal([]byte(res.Stdout), &got))
				assert.Equal(t, want, got)
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

// TestOutUnwritable: a plan that cannot be written fails the run and leaves
// no file behind.
func TestOutUnwritable(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Queries: 100, Seed: 15})
	out := filepath.Join(t.TempDir(), "missing-dir", "plan.json")
	res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), "audit", "--out", out)
	assert.Equal(t, 1, res.Code)
	assert.Contains(t, res.Stderr, "error: write plan: ")
	assert.Empty(t, res.Stdout)
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err))
}

// TestMultiOrg: the plan records the org apart from the base URL, so that
// its query links point into the org.
func TestMultiOrg(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "10.1.0", Queries: 300, Seed: 16, OrgSlug: "acme"})
	env := clitest.EnvFor(url, srv.AdminKey())
	env["REDASHCTL_ORG"] = "acme"
	out := filepath.Join(t.TempDir(), "plan.json")
	recs, _ := auditJSON(t, env, "--out", out)
	require.NotEmpty(t, recs)
	p := readPlan(t, out)
	assert.Equal(t, url+"/", p.Source.URL)
	assert.Equal(t, "acme", p.Source.Org)
	require.NotEmpty(t, p.Items)
	assert.Equal(t, fmt.Sprintf("%s/acme/queries/%d", url, p.Items[0].QueryID), p.QueryURL(p.Items[0].QueryID))
}

// fakeSheets starts a fake Google Sheets over httptest with one
// spreadsheet, "book".
func fakeSheets(t *testing.T, o fakesheets.Options) (*fakesheets.Server, []string) {
	t.Helper()
	o.NoAuth = true
	srv := fakesheets.New(o)
	srv.CreateSpreadsheet("book")
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, []string{"--sheets-endpoint", hs.URL, "--credentials", "none", "--writes-per-minute", "0"}
}

// TestSheet: --sheet writes the plan's review sheet into the tab, with the
// machine output untouched on stdout.
func TestSheet(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 300, Seed: 17})
	ssrv, flags := fakeSheets(t, fakesheets.Options{})
	out := filepath.Join(t.TempDir(), "plan.json")
	recs, res := auditJSON(t, clitest.EnvFor(url, srv.AdminKey()), append([]string{"--out", out, "--sheet", "book", "--tab", "Audit"}, flags...)...)
	require.NotEmpty(t, recs)
	p := readPlan(t, out)
	require.NotEmpty(t, p.Items)
	vals, err := ssrv.Values("book", "Audit")
	require.NoError(t, err)
	require.Len(t, vals, len(p.Items)+1)
	assert.Equal(t, "query_id", vals[0][0])
	assert.Equal(t, "decision", vals[0][1])
	for i, it := range p.Items {
		assert.Equal(t, float64(it.QueryID), vals[i+1][0])
		assert.Equal(t, string(it.Action), vals[i+1][1])
	}
	tab, ok := ssrv.Sheet("book", "Audit")
	require.True(t, ok)
	assert.Contains(t, res.Stderr, fmt.Sprintf("Wrote the review sheet: %d rows to https://docs.google.com/spreadsheets/d/book/edit#gid=%d tab \"Audit\"\n", len(p.Items), tab.SheetID))
	var kinds []string
	for _, r := range ssrv.WriteRequests() {
		kinds = append(kinds, r.Kinds...)
	}
	assert.Equal(t, "deleteSheet", kinds[0], "the pre-flight check comes first")
}

// TestSheetPreflight: a spreadsheet that cannot be written is found before
// Redash is read: exit 4 (not shared) or 1 (missing), no plan written.
func TestSheetPreflight(t *testing.T) {
	tests := []struct {
		name   string
		sheet  string
		code   int
		stderr string
	}{
		{
			name: "not shared", sheet: "private", code: 4,
			stderr: "error: --sheet: validate spreadsheet private: spreadsheet private is not shared with the account redashctl uses as Editor (share it with that address) [403 PERMISSION_DENIED: The caller does not have permission]\n",
		},
		{name: "view only", sheet: "viewonly", code: 4, stderr: "error: --sheet: validate spreadsheet viewonly: spreadsheet viewonly is not shared"},
		{name: "missing", sheet: "gone", code: 1, stderr: "error: --sheet: validate spreadsheet gone: spreadsheet gone not found: check the URL or id\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, url := clitest.Fake(t, fakeredash.Options{Queries: 100, Seed: 18})
			ssrv, flags := fakeSheets(t, fakesheets.Options{})
			ssrv.CreateSpreadsheet("private")
			require.NoError(t, ssrv.SetAccess("private", fakesheets.AccessNone))
			ssrv.CreateSpreadsheet("viewonly")
			require.NoError(t, ssrv.SetAccess("viewonly", fakesheets.AccessView))
			srv.ResetRequests()
			out := filepath.Join(t.TempDir(), "plan.json")
			res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), append([]string{"audit", "--out", out, "--sheet", tt.sheet}, flags...)...)
			assert.Equal(t, tt.code, res.Code, res.Stderr)
			assert.True(t, strings.HasPrefix(res.Stderr, tt.stderr), res.Stderr)
			assert.Empty(t, res.Stdout)
			assert.NoFileExists(t, out)
			for _, r := range srv.Requests() {
				assert.NotContains(t, r.Path, "/api/queries", "Redash is not read")
			}
		})
	}
}

// TestSheetWriteFails: when the sheet cannot be written after the audit,
// the plan is kept, the tab is as it was, and the error says how to retry.
func TestSheetWriteFails(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Queries: 200, Seed: 19})
	ssrv, flags := fakeSheets(t, fakesheets.Options{})
	require.NoError(t, ssrv.SetValues("book", "Sheet1", [][]any{{"reviewers' notes"}}))
	ssrv.AddFault(fakesheets.Fault{Kind: fakesheets.FaultHTML5xx, Op: "spreadsheets.batchUpdate", BodyContains: "copyPaste", Status: 500})
	out := filepath.Join(t.TempDir(), "plan.json")
	res := clitest.Run(t, clitest.EnvFor(url, srv.AdminKey()), append([]string{"audit", "--out", out, "--sheet", "book", "-o", "json"}, flags...)...)
	assert.Equal(t, 1, res.Code)
	assert.Positive(t, ssrv.FaultHits()[0])
	assert.Contains(t, res.Stderr, "error: write to spreadsheet book: ")
	assert.Contains(t, res.Stderr, fmt.Sprintf("; the plan %s is written: 'redashctl plan export %s --sheet <url>' writes its sheet again\n", out, out))
	assert.NotEmpty(t, res.Stdout, "the findings are printed")
	readPlan(t, out)
	vals, err := ssrv.Values("book", "Sheet1")
	require.NoError(t, err)
	assert.Equal(t, [][]any{{"reviewers' notes"}}, vals)
	assert.Len(t, ssrv.Sheets("book"), 1, "no staging tab is left")
}
