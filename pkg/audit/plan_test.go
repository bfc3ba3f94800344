package audit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/redash"
)

func TestPlanItems(t *testing.T) {
	inv := inventory(
		q(1), // unused: archive
		q(2, func(q *redash.Query) { q.Tags = []string{"keep", "x"} }), // unused, keep tag: keep
		q(3, ranAgo(100*day)),                       // stale and external consumer: keep unless forced
		q(4, sql("select a from t"), ranAgo(5*day)), // duplicate only: not a candidate by default
		q(5, sql("select a from t"), ranAgo(time.Hour)),
		q(6, schedule(t, `{"interval": 3600, "time": null, "day_of_week": null, "until": null}`), func(q *redash.Query) { q.IsDraft = true }),
	)
	inv.Dashboards = []Dashboard{{ID: 1, QueryIDs: []int{4, 5}}}
	feed(t, inv.Events, event("api_get", "query", "3", 50*day, nil))
	inv.Events.byQuery[3].downloads = 2
	rep := run(t, inv)

	items := rep.PlanItems(PlanOptions{})
	byID := map[int]plan.Item{}
	for _, it := range items {
		byID[it.QueryID] = it
	}
	assert.Len(t, items, 4, "1, 2, 3 and 6")
	assert.Equal(t, plan.Archive, byID[1].Action)
	assert.Equal(t, plan.Archive, byID[1].Proposed)
	assert.Equal(t, []plan.Reason{{Code: "unused", Detail: "on no dashboard, in no alert, and no view, run or download since 2026-08-03"}}, byID[1].Reasons)
	assert.Equal(t, plan.Keep, byID[2].Action)
	assert.Equal(t, plan.ProtectedKeepTag, byID[2].Protected)
	assert.Equal(t, `it carries the tag "keep": never archived`, byID[2].Reasons[1].Detail)
	assert.Equal(t, plan.Keep, byID[3].Action)
	assert.Equal(t, plan.ProtectedExternalConsumer, byID[3].Protected)
	assert.Equal(t, []string{"stale", "external-consumer"}, reasonCodes(byID[3]))
	assert.Equal(t, []string{"unused", "scheduled-unviewed", "draft-abandoned"}, reasonCodes(byID[6]))

	// The snapshot is what archiving changes.
	b := byID[6].Before
	assert.True(t, b.IsDraft)
	assert.JSONEq(t, `{"interval": 3600, "time": null, "day_of_week": null, "until": null}`, string(b.Schedule))
	assert.Equal(t, "ann@example.com", b.OwnerEmail)
	assert.Equal(t, []int{}, b.Dashboards)
	assert.Equal(t, []string{"keep", "x"}, byID[2].Before.Tags)
	require.NotNil(t, b.LastRunAt)

	items = rep.PlanItems(PlanOptions{ArchiveWhen: []Code{Duplicate, ExternalConsumer}, Force: true})
	require.Len(t, items, 1, "markers are no reason; only the duplicate")
	assert.Equal(t, 4, items[0].QueryID)
	assert.Equal(t, []int{1}, items[0].Before.Dashboards)

	items = rep.PlanItems(PlanOptions{Force: true})
	for _, it := range items {
		if it.QueryID == 3 {
			assert.Equal(t, plan.Archive, it.Action, "forced")
		}
	}

	// Weak findings alone never archive.
	inv = inventory(q(1))
	inv.Events, inv.Admin = nil, false
	rep = run(t, inv)
	items = rep.PlanItems(PlanOptions{})
	require.Len(t, items, 1)
	assert.Equal(t, plan.Keep, items[0].Action)
	assert.True(t, items[0].Reasons[0].Weak)
	assert.Equal(t, "weak-evidence", items[0].Reasons[1].Code)

	// Items make a valid plan that survives JSON.
	p := plan.New(now, plan.Source{URL: "https://redash.example.com/"}, plan.Criteria{Command: "audit"})
	p.Items = rep.PlanItems(PlanOptions{})
	data, err := json.Marshal(p)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"format":"redashctl-plan/v1"`)
	require.NoError(t, p.Validate())
}

func reasonCodes(it plan.Item) []string {
	var out []string
	for _, r := range it.Reasons {
		out = append(out, r.Code)
	}
	return out
}

func TestTemplateMatch(t *testing.T) {
	tests := []struct {
		template, ran string
		match         bool
	}{
		{"select * from t where a = '{{ a }}'", "SELECT * FROM t WHERE a = 'x y z'", true},
		{"select * from t where a = '{{ a }}'", "select * from t where a = ''", true},
		{"select {{cols}} from t where d between '{{ p.start }}' and '{{ p.end }}' limit 5", "select a, b from t where d between '2024-01-01' and '2024-02-01' limit 5", true},
		{"select {{cols}} from t where d between '{{ p.start }}' and '{{ p.end }}' limit 5", "select a, b from t where d between '2024-01-01' limit 5", false},
		{"select * from t where a = '{{ a }}' limit 5", "select * from t where a = 'x' limit 6", false},
		{"{{ whole }}", "anything at all", true},
		{"select 1 {{x}}{{y}} from t", "select 1 ab from t", true},
	}
	for _, tt := range tests {
		tp := newTemplate(0, tt.template)
		require.NotNil(t, tp, tt.template)
		assert.Equal(t, tt.match, tp.match(NormalizeSQL(tt.ran)), "%q ~ %q", tt.template, tt.ran)
	}
	assert.Nil(t, newTemplate(0, "select '{' from t"))
}
