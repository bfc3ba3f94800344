package audit

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/pkg/audit"
	"github.com/redashctl/redashctl/pkg/plan"
)

// Record is one query with findings in `audit -o json|csv|yaml`. Its fields
// are a contract (docs/output.md): they may be added to, never renamed or
// removed.
type Record struct {
	ID                int                     `json:"id"`
	Name              string                  `json:"name"`
	Codes             []string                `json:"codes"`
	WeakCodes         []string                `json:"weak_codes"`
	Findings          []FindingRecord         `json:"findings"`
	PlanAction        *string                 `json:"plan_action"`
	Keep              bool                    `json:"keep"`
	Hidden            bool                    `json:"hidden"`
	OwnerEmail        string                  `json:"owner_email"`
	OwnerName         string                  `json:"owner_name"`
	OwnerDisabled     bool                    `json:"owner_disabled"`
	DataSourceID      *int                    `json:"data_source_id"`
	DataSourceName    *string                 `json:"data_source_name"`
	Tags              []string                `json:"tags"`
	IsDraft           bool                    `json:"is_draft"`
	Schedule          *cmdutil.ScheduleRecord `json:"schedule"`
	RunsPerDay        *float64                `json:"runs_per_day"`
	CreatedAt         time.Time               `json:"created_at"`
	UpdatedAt         time.Time               `json:"updated_at"`
	LastRunAt         *time.Time              `json:"last_run_at"`
	RuntimeSeconds    *float64                `json:"runtime_seconds"`
	Dashboards        []int                   `json:"dashboards"`
	Alerts            []int                   `json:"alerts"`
	ViewsInWindow     *int                    `json:"views_in_window"`
	RunsInWindow      *int                    `json:"runs_in_window"`
	DownloadsInWindow *int                    `json:"downloads_in_window"`
	LastUsedAt        *time.Time              `json:"last_used_at"`
	DuplicateOf       *int                    `json:"duplicate_of"`
	BrokenReferences  []BrokenRefRecord       `json:"broken_references"`
}

// FindingRecord is one finding with the sentence that explains it.
type FindingRecord struct {
	Code   string `json:"code"`
	Weak   bool   `json:"weak"`
	Detail string `json:"detail"`
}

// BrokenRefRecord is a reference to a query that cannot be used.
type BrokenRefRecord struct {
	QueryID int    `json:"query_id"`
	Via     string `json:"via"`
	State   string `json:"state"`
}

// newRecord converts a result; action is the query's plan action, "" when
// it is no archive candidate.
func newRecord(r *audit.Result, now time.Time, action plan.Action) Record {
	q := r.Query
	ev := &r.Evidence
	rec := Record{
		ID: q.ID, Name: q.Name, Keep: r.Keep, Hidden: r.Hidden,
		OwnerEmail: q.User.Email, OwnerName: q.User.Name, OwnerDisabled: ev.OwnerDisabled,
		DataSourceID: q.DataSourceID, Tags: q.Tags, IsDraft: q.IsDraft,
		CreatedAt: q.CreatedAt.UTC(), UpdatedAt: q.UpdatedAt.UTC(), RuntimeSeconds: q.Runtime,
		Dashboards: ev.Dashboards, Alerts: ev.Alerts,
		Codes: []string{}, WeakCodes: []string{}, BrokenReferences: []BrokenRefRecord{},
	}
	for _, f := range r.Findings {
		rec.Codes = append(rec.Codes, string(f.Code))
		if f.Weak {
			rec.WeakCodes = append(rec.WeakCodes, string(f.Code))
		}
		rec.Findings = append(rec.Findings, FindingRecord{Code: string(f.Code), Weak: f.Weak, Detail: f.Detail})
	}
	if action != "" {
		s := string(action)
		rec.PlanAction = &s
	}
	if ev.DataSource != nil {
		n := ev.DataSource.Name
		rec.DataSourceName = &n
	}
	if rec.Tags == nil {
		rec.Tags = []string{}
	}
	if rec.Dashboards == nil {
		rec.Dashboards = []int{}
	}
	if rec.Alerts == nil {
		rec.Alerts = []int{}
	}
	if q.RetrievedAt != nil {
		t := q.RetrievedAt.UTC()
		rec.LastRunAt = &t
	}
	rec.Schedule = cmdutil.NewScheduleRecord(q.Schedule, now)
	if ev.RunsPerDay > 0 {
		v := math.Round(ev.RunsPerDay*100) / 100
		rec.RunsPerDay = &v
	}
	if ev.EventsRead && !r.Hidden {
		v, ru, d := ev.Views, ev.Runs, ev.Downloads
		rec.ViewsInWindow, rec.RunsInWindow, rec.DownloadsInWindow = &v, &ru, &d
		if ev.LastUsedAt != nil {
			t := ev.LastUsedAt.UTC()
			rec.LastUsedAt = &t
		}
	}
	if ev.DuplicateOf != 0 {
		v := ev.DuplicateOf
		rec.DuplicateOf = &v
	}
	for _, b := range ev.BrokenRefs {
		rec.BrokenReferences = append(rec.BrokenReferences, BrokenRefRecord{QueryID: b.QueryID, Via: b.Via, State: b.State})
	}
	return rec
}

// csvHeader is the CSV contract: the JSON fields flattened; lists joined by
// ";", findings' details one per line.
var csvHeader = []string{
	"id", "name", "codes", "weak_codes", "plan_action", "keep", "hidden",
	"owner_email", "owner_name", "owner_disabled", "data_source_id", "data_source_name", "tags", "is_draft",
	"schedule_interval_seconds", "schedule_time", "schedule_day_of_week", "schedule_until", "schedule_active", "runs_per_day",
	"created_at", "updated_at", "last_run_at", "runtime_seconds", "dashboards", "alerts",
	"views_in_window", "runs_in_window", "downloads_in_window", "last_used_at", "duplicate_of", "broken_references", "details",
}

func (r *Record) csvRow() []string {
	details := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		details[i] = f.Code + ": " + f.Detail
	}
	refs := make([]string, len(r.BrokenReferences))
	for i, b := range r.BrokenReferences {
		refs[i] = strconv.Itoa(b.QueryID)
	}
	row := []string{
		strconv.Itoa(r.ID), r.Name, strings.Join(r.Codes, ";"), strings.Join(r.WeakCodes, ";"), deref(r.PlanAction),
		strconv.FormatBool(r.Keep), strconv.FormatBool(r.Hidden),
		r.OwnerEmail, r.OwnerName, strconv.FormatBool(r.OwnerDisabled), intString(r.DataSourceID), deref(r.DataSourceName),
		strings.Join(r.Tags, ";"), strconv.FormatBool(r.IsDraft),
	}
	if s := r.Schedule; s != nil {
		row = append(row, strconv.FormatInt(s.IntervalSeconds, 10), deref(s.Time), deref(s.DayOfWeek), deref(s.Until), strconv.FormatBool(s.Active))
	} else {
		row = append(row, "", "", "", "", "false")
	}
	row = append(row, floatString(r.RunsPerDay),
		r.CreatedAt.Format(time.RFC3339), r.UpdatedAt.Format(time.RFC3339), timeString(r.LastRunAt), floatString(r.RuntimeSeconds),
		joinInts(r.Dashboards), joinInts(r.Alerts),
		intString(r.ViewsInWindow), intString(r.RunsInWindow), intString(r.DownloadsInWindow), timeString(r.LastUsedAt),
		intString(r.DuplicateOf), strings.Join(refs, ";"), strings.Join(details, "\n"))
	return row
}

func joinInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ";")
}

func intString(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func floatString(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func timeString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
