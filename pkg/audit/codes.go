// Package audit finds stale, broken, unused and scheduled-but-unviewed saved
// queries in an Inventory gathered from a Redash instance, with the evidence
// behind every finding, and turns the findings into an archive plan.
//
// It is pure logic: it does no I/O, and the clock is given in Options.Now.
// The rules and their thresholds are those of docs/audit.md.
package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Code names a finding.
type Code string

// The finding codes, in report order.
const (
	// NeverRun: no latest result, and created before the never-run threshold.
	NeverRun Code = "never-run"
	// Stale: no active schedule, last run and last update both older than
	// the stale threshold.
	Stale Code = "stale"
	// ScheduleFailing: an active schedule whose last run is older than a few
	// periods (or that never ran), or a schedule Redash disabled.
	ScheduleFailing Code = "schedule-failing"
	// OwnerDisabled: the owner's account is disabled.
	OwnerDisabled Code = "owner-disabled"
	// Unused: on no dashboard, in no alert, and no view, run or download in
	// the usage window.
	Unused Code = "unused"
	// ExternalConsumer: a marker, not a problem: its results were downloaded
	// with its query API key, so a job outside Redash depends on it.
	ExternalConsumer Code = "external-consumer"
	// ScheduledUnviewed: unused and actively scheduled, the costly kind.
	ScheduledUnviewed Code = "scheduled-unviewed"
	// DraftAbandoned: a draft not updated within the draft threshold.
	DraftAbandoned Code = "draft-abandoned"
	// Duplicate: the same normalized SQL on the same data source as a more
	// recently executed visible query.
	Duplicate Code = "duplicate"
	// DataSourceMissing: the data source was deleted or is paused.
	DataSourceMissing Code = "data-source-missing"
	// BrokenReference: a query-based parameter or a Query Results query_<id>
	// points at an archived or missing query.
	BrokenReference Code = "broken-reference"
)

var allCodes = []Code{
	NeverRun, Stale, ScheduleFailing, OwnerDisabled, Unused, ExternalConsumer,
	ScheduledUnviewed, DraftAbandoned, Duplicate, DataSourceMissing, BrokenReference,
}

// Codes returns every finding code, in report order.
func Codes() []Code { return slices.Clone(allCodes) }

// DefaultArchiveWhen returns the codes that make a query an archive candidate
// unless the caller chooses others.
func DefaultArchiveWhen() []Code {
	return []Code{NeverRun, Stale, Unused, ScheduledUnviewed, DraftAbandoned}
}

// Marker reports whether c marks a query rather than a problem with it.
func (c Code) Marker() bool { return c == ExternalConsumer }

// Valid reports whether c is a known code.
func (c Code) Valid() bool { return slices.Contains(allCodes, c) }

// order is c's position in report order.
func (c Code) order() int { return slices.Index(allCodes, c) }

// ParseCodes reads codes from a list whose elements may themselves be
// comma-separated ("never-run,stale"). Unknown codes are an error that lists
// the known ones; duplicates are dropped; the result is in report order.
func ParseCodes(list []string) ([]Code, error) {
	var out []Code
	for _, item := range list {
		for _, s := range strings.Split(item, ",") {
			s = strings.ToLower(strings.TrimSpace(s))
			if s == "" {
				continue
			}
			c := Code(s)
			if !c.Valid() {
				return nil, fmt.Errorf("unknown finding code %q: use %s", s, JoinCodes(allCodes, ", "))
			}
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	sortCodes(out)
	return out, nil
}

// JoinCodes joins codes with sep.
func JoinCodes(codes []Code, sep string) string {
	s := make([]string, len(codes))
	for i, c := range codes {
		s[i] = string(c)
	}
	return strings.Join(s, sep)
}

func sortCodes(codes []Code) {
	slices.SortFunc(codes, func(a, b Code) int { return a.order() - b.order() })
}

// Thresholds are the ages and factors the rules compare against.
type Thresholds struct {
	// NeverRunAfter: a query with no result is never-run once it is older.
	NeverRunAfter time.Duration
	// StaleAfter: how long an unscheduled query may go without a run and
	// without an update before it is stale.
	StaleAfter time.Duration
	// UnusedAfter is the usage window: events older than this are not read.
	UnusedAfter time.Duration
	// DraftAbandonedAfter: how long a draft may go without an update.
	DraftAbandonedAfter time.Duration
	// FailingPeriods: an active schedule is failing when its last run is
	// older than this many periods.
	FailingPeriods float64
	// FailingNeverRanAfter: an active schedule that never ran is failing
	// once the query is older than this.
	FailingNeverRanAfter time.Duration
	// EventsMaxLag: the events log counts as stopped when its newest event
	// is older than the newest query execution by more than this.
	EventsMaxLag time.Duration
}

// DefaultThresholds returns the thresholds of issue 3: 7 days, 90 days,
// 90 days, 30 days, 3 periods, 1 day, and 3 days of events lag (a quiet
// weekend with only scheduled runs must not look like a dead log).
func DefaultThresholds() Thresholds {
	const day = 24 * time.Hour
	return Thresholds{
		NeverRunAfter:        7 * day,
		StaleAfter:           90 * day,
		UnusedAfter:          90 * day,
		DraftAbandonedAfter:  30 * day,
		FailingPeriods:       3,
		FailingNeverRanAfter: day,
		EventsMaxLag:         3 * day,
	}
}

// Validate checks that every threshold is positive and the usage window is
// not absurdly long.
func (t Thresholds) Validate() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"never-run threshold", t.NeverRunAfter},
		{"stale threshold", t.StaleAfter},
		{"unused window", t.UnusedAfter},
		{"draft-abandoned threshold", t.DraftAbandonedAfter},
		{"never-ran grace of failing schedules", t.FailingNeverRanAfter},
		{"events lag", t.EventsMaxLag},
	} {
		if d.v <= 0 {
			return fmt.Errorf("the %s must be positive, got %s", d.name, d.v)
		}
	}
	if t.UnusedAfter > 10*365*24*time.Hour {
		return fmt.Errorf("the unused window must be at most 10 years, got %s", t.UnusedAfter)
	}
	if t.FailingPeriods < 1 {
		return fmt.Errorf("failing schedules need at least 1 missed period, got %g", t.FailingPeriods)
	}
	return nil
}
