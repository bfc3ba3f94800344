package upgrade

import (
	"fmt"
	"maps"
	"slices"
)

// Finding codes of CheckLive.
const (
	// CodeVersionApproximate: the instance's version is not in the catalog; the nearest older
	// release stands in for it.
	CodeVersionApproximate = "version-approximate"
	// CodeWeeklySchedules: weekly schedules, which v9.0.0-beta and later are reported not to queue.
	CodeWeeklySchedules = "weekly-schedules"
	// CodeStringIntervals: JSON schedules whose interval is a string.
	CodeStringIntervals = "string-intervals"
	// CodeMultiOrg: a multi-org instance moving to a release with broken data source icons.
	CodeMultiOrg = "multi-org"
	// CodeQueueBacklog: jobs waiting in a queue.
	CodeQueueBacklog = "queue-backlog"
	// CodeDataSourceTypeRemoved: data sources of a type the target does not ship.
	CodeDataSourceTypeRemoved = "data-source-type-removed"
	// CodeDataSourceTypeDisabled: data sources of a type the target ships but does not enable
	// by default.
	CodeDataSourceTypeDisabled = "data-source-type-disabled"
)

// DefaultBacklogThreshold is the queue length from which CheckLive reports a backlog.
const DefaultBacklogThreshold = 100

// LiveState is what `redashctl upgrade check` learned from a running instance.
type LiveState struct {
	// Version is the version the instance reports (for example in /api/session or
	// /status.json); preview builds such as "24.04.0-dev" are compared as the nearest older
	// catalog release.
	Version string `json:"version" yaml:"version"`
	// MultiOrg is true when the instance runs with REDASH_MULTI_ORG.
	MultiOrg bool `json:"multi_org" yaml:"multi_org"`
	// WeeklySchedules counts scheduled queries whose interval is a week or more with a day of
	// the week.
	WeeklySchedules int `json:"weekly_schedules" yaml:"weekly_schedules"`
	// StringIntervals counts JSON schedules (v7 and later) whose interval is a string.
	StringIntervals int `json:"string_intervals" yaml:"string_intervals"`
	// QueueSizes maps queue names to the number of waiting jobs.
	QueueSizes map[string]int `json:"queue_sizes,omitempty" yaml:"queue_sizes,omitempty"`
	// Workers lists the live workers and the queues each listens to; leave it nil when
	// unknown.
	Workers []LiveWorker `json:"workers,omitempty" yaml:"workers,omitempty"`
	// DataSourceTypes counts the instance's data sources by type.
	DataSourceTypes map[string]int `json:"data_source_types,omitempty" yaml:"data_source_types,omitempty"`
	// BacklogThreshold overrides DefaultBacklogThreshold when positive.
	BacklogThreshold int `json:"backlog_threshold,omitempty" yaml:"backlog_threshold,omitempty"`
}

// LiveWorker is a worker process seen on the instance.
type LiveWorker struct {
	Name   string   `json:"name" yaml:"name"`
	Queues []string `json:"queues" yaml:"queues"`
}

// CheckLive reports what will matter when the instance described by s moves to target (as
// Resolve accepts it): schedule shapes the target handles badly, multi-org, queue backlogs and
// queues no live worker consumes, data source types the target drops. Combine it with Diff(s.Version, target) for the release
// differences.
func CheckLive(s LiveState, target string) ([]Finding, error) {
	to, err := Lookup(target)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	curTag, exact, err := ResolveNearest(s.Version)
	if err != nil {
		return nil, fmt.Errorf("check: instance version: %w", err)
	}
	c := mustCatalog()
	cur := c.byTag[curTag]
	var out []Finding
	add := func(sev, code, msg string) {
		out = append(out, Finding{Severity: sev, Code: code, Message: msg})
	}
	if !exact {
		add(SeverityWarning, CodeVersionApproximate,
			fmt.Sprintf("version %s is not in the catalog: compared as %s, the nearest older release", s.Version, cur.Tag))
	}
	if s.WeeklySchedules > 0 && c.within(to, "v9.0.0-beta", "") {
		add(SeverityWarning, CodeWeeklySchedules,
			fmt.Sprintf("%d scheduled queries run weekly; %s is reported not to queue weekly schedules (getredash/redash#5069, getredash/redash#6806): check them after the upgrade", s.WeeklySchedules, to.Tag))
	}
	if s.StringIntervals > 0 {
		add(SeverityWarning, CodeStringIntervals,
			fmt.Sprintf("%d schedules store their interval as a string, as the v7/v8 schedule migration left them (getredash/redash#4708): re-save those schedules", s.StringIntervals))
	}
	if s.MultiOrg && c.within(to, "v9.0.0-beta", "v25.1.0") {
		add(SeverityWarning, CodeMultiOrg,
			fmt.Sprintf("multi-org instance: %s requests data source icons from /<org>/static/images/, which 404 behind nginx (getredash/redash#5256); rewrite them to /static/images/ or move to v25.8.0 or later", to.Tag))
	}
	threshold := s.BacklogThreshold
	if threshold <= 0 {
		threshold = DefaultBacklogThreshold
	}
	for _, q := range slices.Sorted(maps.Keys(s.QueueSizes)) {
		n := s.QueueSizes[q]
		switch {
		case n > 0 && cur.JobSystem != to.JobSystem:
			add(SeverityWarning, CodeQueueBacklog,
				fmt.Sprintf("queue `%s` holds %d jobs: %s (%s) will not run jobs left by %s; let them drain before stopping the workers", q, n, to.Tag, to.JobSystem, cur.JobSystem))
		case n >= threshold:
			add(SeverityWarning, CodeQueueBacklog,
				fmt.Sprintf("queue `%s` holds %d jobs: let it drain before stopping the workers", q, n))
		}
	}
	for _, t := range slices.Sorted(maps.Keys(s.DataSourceTypes)) {
		n := s.DataSourceTypes[t]
		if n == 0 {
			continue
		}
		_, wasKnown := cur.DataSourceType(t)
		d, ok := to.DataSourceType(t)
		switch {
		case !ok && wasKnown:
			add(SeverityError, CodeDataSourceTypeRemoved,
				fmt.Sprintf("%d data sources of type `%s`: %s has no query runner for it, so they stop working", n, t, to.Tag))
		case ok && !d.Default:
			add(SeverityWarning, CodeDataSourceTypeDisabled,
				fmt.Sprintf("%d data sources of type `%s`: %s does not enable it by default; add redash.query_runner.%s to REDASH_ADDITIONAL_QUERY_RUNNERS", n, t, to.Tag, d.Module))
		}
	}
	if s.Workers != nil {
		consumed := map[string]bool{}
		for _, w := range s.Workers {
			for _, q := range w.Queues {
				consumed[q] = true
			}
		}
		symptoms := c.curated.QueueSymptoms[cur.JobSystem]
		for _, q := range cur.RequiredQueues {
			if !consumed[q] {
				add(SeverityError, CodeQueueUnconsumed,
					fmt.Sprintf("no live worker consumes `%s`: %s", q, symptoms[q]))
			}
		}
	}
	sortFindings(out)
	return out, nil
}
