package redash

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// AdminService reads the super-admin status endpoints. They are not
// org-scoped, answer a bad key with 403 HTML (or a redirect to /login for
// /status.json), and report errors as HTML pages.
type AdminService service

// Status is GET /status.json.
type Status struct {
	// Version is the server's version string.
	Version                 string
	QueriesCount            int
	QueryResultsCount       int
	UnusedQueryResultsCount int
	DashboardsCount         int
	WidgetsCount            int
	RedisUsedMemory         int64
	RedisUsedMemoryHuman    string
	// Manager is the scheduler's status hash (queues and sizes), verbatim;
	// its values are strings.
	Manager json.RawMessage
	// DatabaseMetrics is {"metrics": [[name, bytes], …]} (v8+), verbatim.
	DatabaseMetrics json.RawMessage
	// Raw is the whole answer.
	Raw json.RawMessage
}

// Status returns the server status (super-admin only).
//
// Redash API: GET /status.json
func (s *AdminService) Status(ctx context.Context) (*Status, error) {
	var raw json.RawMessage
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "status.json", root: true, out: &raw}); err != nil {
		return nil, fmt.Errorf("read server status: %w", err)
	}
	var w struct {
		Version                 flexString      `json:"version"`
		QueriesCount            flexInt         `json:"queries_count"`
		QueryResultsCount       flexInt         `json:"query_results_count"`
		UnusedQueryResultsCount flexInt         `json:"unused_query_results_count"`
		DashboardsCount         flexInt         `json:"dashboards_count"`
		WidgetsCount            flexInt         `json:"widgets_count"`
		RedisUsedMemory         flexInt         `json:"redis_used_memory"`
		RedisUsedMemoryHuman    nullString      `json:"redis_used_memory_human"`
		Manager                 json.RawMessage `json:"manager"`
		DatabaseMetrics         json.RawMessage `json:"database_metrics"`
	}
	if err := unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("read server status: %w", err)
	}
	return &Status{
		Version: w.Version.s, QueriesCount: int(w.QueriesCount.v), QueryResultsCount: int(w.QueryResultsCount.v),
		UnusedQueryResultsCount: int(w.UnusedQueryResultsCount.v), DashboardsCount: int(w.DashboardsCount.v),
		WidgetsCount: int(w.WidgetsCount.v), RedisUsedMemory: w.RedisUsedMemory.v,
		RedisUsedMemoryHuman: string(w.RedisUsedMemoryHuman), Manager: rawOrNil(w.Manager),
		DatabaseMetrics: rawOrNil(w.DatabaseMetrics), Raw: raw,
	}, nil
}

// OutdatedQueries is what the scheduler enqueued in its last pass.
type OutdatedQueries struct {
	Queries []Query
	// UpdatedAt is the scheduler's last_refresh_at, as Redash sent it.
	UpdatedAt string
}

// Outdated returns the queries the scheduler enqueued in its last pass
// (super-admin only). Redash answers 500 when the scheduler never ran.
//
// Redash API: GET /api/admin/queries/outdated
func (s *AdminService) Outdated(ctx context.Context) (*OutdatedQueries, error) {
	var w struct {
		Queries   []Query    `json:"queries"`
		UpdatedAt flexString `json:"updated_at"`
	}
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/admin/queries/outdated", root: true, out: &w}); err != nil {
		return nil, fmt.Errorf("list outdated queries: %w", err)
	}
	return &OutdatedQueries{Queries: w.Queries, UpdatedAt: w.UpdatedAt.s}, nil
}

// RQStatus is the RQ queues and workers (v9+).
type RQStatus struct {
	Queues  map[string]RQQueue
	Workers []RQWorker
}

// RQQueue is one RQ queue.
type RQQueue struct {
	Name    string
	Queued  int
	Started []RQJob
}

// RQJob is a job an RQ worker is running.
type RQJob struct {
	ID, Name, Origin string
	EnqueuedAt       time.Time
	StartedAt        time.Time
	// Meta holds data_source_id, org_id, scheduled, query_id, user_id.
	Meta map[string]any
}

// RQWorker is one RQ worker.
type RQWorker struct {
	Name     string
	Hostname string
	PID      int
	// Queues are the queues it listens on; a queue no worker lists is never
	// consumed (the events log stops when nobody serves "default").
	Queues           []string
	State            string
	LastHeartbeat    time.Time
	BirthDate        time.Time
	CurrentJob       string
	SuccessfulJobs   int
	FailedJobs       int
	TotalWorkingTime float64
}

// RQStatus returns RQ queues and workers (super-admin only, v9+).
//
// Redash API: GET /api/admin/queries/rq_status
func (s *AdminService) RQStatus(ctx context.Context) (*RQStatus, error) {
	if _, err := s.client.requireVersion(ctx, "the RQ status endpoint", Version.HasRQ, 9); err != nil {
		return nil, fmt.Errorf("read rq status: %w", err)
	}
	type jobWire struct {
		ID         flexString     `json:"id"`
		Name       nullString     `json:"name"`
		Origin     nullString     `json:"origin"`
		EnqueuedAt flexTime       `json:"enqueued_at"`
		StartedAt  flexTime       `json:"started_at"`
		Meta       map[string]any `json:"meta"`
	}
	var w struct {
		Queues map[string]struct {
			Name    nullString `json:"name"`
			Queued  flexInt    `json:"queued"`
			Started []jobWire  `json:"started"`
		} `json:"queues"`
		Workers []struct {
			Name             nullString `json:"name"`
			Hostname         nullString `json:"hostname"`
			PID              flexInt    `json:"pid"`
			Queues           nullString `json:"queues"`
			State            nullString `json:"state"`
			LastHeartbeat    flexTime   `json:"last_heartbeat"`
			BirthDate        flexTime   `json:"birth_date"`
			CurrentJob       nullString `json:"current_job"`
			SuccessfulJobs   flexInt    `json:"successful_jobs"`
			FailedJobs       flexInt    `json:"failed_jobs"`
			TotalWorkingTime float64    `json:"total_working_time"`
		} `json:"workers"`
	}
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/admin/queries/rq_status", root: true, out: &w}); err != nil {
		return nil, fmt.Errorf("read rq status: %w", err)
	}
	out := &RQStatus{Queues: map[string]RQQueue{}}
	for key, q := range w.Queues {
		rq := RQQueue{Name: string(q.Name), Queued: int(q.Queued.v)}
		if rq.Name == "" {
			rq.Name = key
		}
		for _, j := range q.Started {
			rq.Started = append(rq.Started, RQJob{
				ID: j.ID.s, Name: string(j.Name), Origin: string(j.Origin),
				EnqueuedAt: j.EnqueuedAt.t, StartedAt: j.StartedAt.t, Meta: j.Meta,
			})
		}
		out.Queues[key] = rq
	}
	for _, x := range w.Workers {
		wk := RQWorker{
			Name: string(x.Name), Hostname: string(x.Hostname), PID: int(x.PID.v), State: string(x.State),
			LastHeartbeat: x.LastHeartbeat.t, BirthDate: x.BirthDate.t, CurrentJob: string(x.CurrentJob),
			SuccessfulJobs: int(x.SuccessfulJobs.v), FailedJobs: int(x.FailedJobs.v), TotalWorkingTime: x.TotalWorkingTime,
		}
		for _, q := range strings.Split(string(x.Queues), ",") {
			if q = strings.TrimSpace(q); q != "" {
				wk.Queues = append(wk.Queues, q)
			}
		}
		out.Workers = append(out.Workers, wk)
	}
	return out, nil
}

// Tasks is the Celery-era task list (v4–v8). v4–v6 fill Waiting,
// InProgress and Done with tracker records; v7–v8 fill Tasks.
type Tasks struct {
	Waiting    []map[string]any
	InProgress []map[string]any
	Done       []map[string]any
	Tasks      []map[string]any
}

// Tasks returns the Celery task lists (super-admin only, v4–v8; v9+ has
// RQStatus instead). On v7–v8 it can be slow when workers do not answer.
//
// Redash API: GET /api/admin/queries/tasks
func (s *AdminService) Tasks(ctx context.Context) (*Tasks, error) {
	v, err := s.client.Version(ctx)
	if err != nil {
		return nil, fmt.Errorf("list admin tasks: %w", err)
	}
	if !v.HasAdminTasks() {
		return nil, fmt.Errorf("list admin tasks: %w (use the RQ status on v9+)", &UnsupportedError{Feature: "the admin task list", Version: v, Since: Version{Major: 4}})
	}
	var w struct {
		Waiting    []map[string]any `json:"waiting"`
		InProgress []map[string]any `json:"in_progress"`
		Done       []map[string]any `json:"done"`
		Tasks      []map[string]any `json:"tasks"`
	}
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/admin/queries/tasks", root: true, out: &w}); err != nil {
		return nil, fmt.Errorf("list admin tasks: %w", err)
	}
	return &Tasks{Waiting: w.Waiting, InProgress: w.InProgress, Done: w.Done, Tasks: w.Tasks}, nil
}

// ObjectCounters is GET /api/organization/status: object counts in the
// caller's groups (Queries equals the query list's count on v5+).
type ObjectCounters struct {
	Users       int `json:"users"`
	Alerts      int `json:"alerts"`
	DataSources int `json:"data_sources"`
	Queries     int `json:"queries"`
	Dashboards  int `json:"dashboards"`
}

// OrganizationStatus returns the org's object counters.
//
// Redash API: GET /api/organization/status
func (c *Client) OrganizationStatus(ctx context.Context) (*ObjectCounters, error) {
	var w struct {
		ObjectCounters ObjectCounters `json:"object_counters"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "api/organization/status", out: &w}); err != nil {
		return nil, fmt.Errorf("read organization status: %w", err)
	}
	return &w.ObjectCounters, nil
}
