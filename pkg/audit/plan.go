package audit

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/redashctl/redashctl/pkg/plan"
)

// PlanOptions choose which findings make an archive candidate.
type PlanOptions struct {
	// ArchiveWhen are the codes that make a query a candidate; nil means
	// DefaultArchiveWhen. Markers (external-consumer) are ignored.
	ArchiveWhen []Code
	// Force lets external consumers be archived.
	Force bool
}

// PlanItems turns the report into plan items: one per query with a finding
// among ArchiveWhen. A candidate is archived unless it carries the keep tag,
// is an external consumer (without Force), or rests only on weak findings:
// then it is kept, with the reason, for reviewers to decide.
func (r *Report) PlanItems(o PlanOptions) []plan.Item {
	when := o.ArchiveWhen
	if when == nil {
		when = DefaultArchiveWhen()
	}
	var items []plan.Item
	for i := range r.Results {
		res := &r.Results[i]
		var reasons []plan.Reason
		strong := false
		for _, f := range res.Findings {
			if !slices.Contains(when, f.Code) || f.Code.Marker() {
				continue
			}
			reasons = append(reasons, plan.Reason{Code: string(f.Code), Detail: f.Detail, Weak: f.Weak})
			strong = strong || !f.Weak
		}
		if len(reasons) == 0 {
			continue
		}
		it := plan.Item{QueryID: res.Query.ID, Name: res.Query.Name, Action: plan.Archive, Reasons: reasons, Before: snapshot(res)}
		switch {
		case res.Keep:
			it.Action, it.Protected = plan.Keep, plan.ProtectedKeepTag
			it.Reasons = append(it.Reasons, plan.Reason{Code: "keep-tag", Detail: "it carries the tag " + quote(r.KeepTag) + ": never archived"})
		case res.Has(ExternalConsumer):
			it.Protected = plan.ProtectedExternalConsumer
			f := res.Finding(ExternalConsumer)
			it.Reasons = append(it.Reasons, plan.Reason{Code: string(ExternalConsumer), Detail: f.Detail})
			if !o.Force {
				it.Action = plan.Keep
			}
		case !strong:
			it.Action = plan.Keep
			it.Reasons = append(it.Reasons, plan.Reason{Code: "weak-evidence", Detail: "every reason rests on incomplete evidence: decide by hand"})
		}
		it.Proposed = it.Action
		items = append(items, it)
	}
	if items == nil {
		items = []plan.Item{}
	}
	return items
}

func snapshot(res *Result) plan.Snapshot {
	q := res.Query
	s := plan.Snapshot{
		Name: q.Name, IsArchived: q.IsArchived, IsDraft: q.IsDraft,
		Tags: slices.Clone(q.Tags), DataSourceID: q.DataSourceID, OwnerEmail: q.User.Email,
		UpdatedAt: q.UpdatedAt.UTC(), Dashboards: slices.Clone(res.Evidence.Dashboards), Alerts: slices.Clone(res.Evidence.Alerts),
		Version: q.Version,
	}
	if s.Tags == nil {
		s.Tags = []string{}
	}
	if s.Dashboards == nil {
		s.Dashboards = []int{}
	}
	if s.Alerts == nil {
		s.Alerts = []int{}
	}
	if q.RetrievedAt != nil {
		t := q.RetrievedAt.UTC()
		s.LastRunAt = &t
	}
	if q.Schedule.IsSet() {
		if b, err := json.Marshal(q.Schedule); err == nil {
			s.Schedule = b
		}
	}
	return s
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
