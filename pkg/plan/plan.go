// Package plan is the versioned file of changes to a Redash instance that
// redashctl's read-only commands propose (audit --out) and its changing
// commands apply: per query an action (archive, tag, untag or keep), the
// reasons, and a snapshot of what the change will alter.
//
// A plan round-trips through a spreadsheet as CSV with a decision column
// (WriteCSV, Import), or as rows of cells (ReviewRows, ImportRows) that a
// caller puts into and reads from a Google Sheet. The package reads and
// writes only through the io.Reader and io.Writer it is given; writing
// files is the caller's job.
package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FormatV1 is the format this package reads and writes.
const FormatV1 = "redashctl-plan/v1"

// Action is what a plan does to one query.
type Action string

// The actions.
const (
	// Archive archives the query (which also clears its schedule and
	// deletes its widgets and alerts).
	Archive Action = "archive"
	// Tag adds the item's Tags.
	Tag Action = "tag"
	// Untag removes the item's Tags.
	Untag Action = "untag"
	// Keep leaves the query alone; it is in the plan so that reviewers see
	// it and can decide otherwise.
	Keep Action = "keep"
)

// Valid reports whether a is a known action.
func (a Action) Valid() bool {
	switch a {
	case Archive, Tag, Untag, Keep:
		return true
	}
	return false
}

// Why an item is protected from archiving.
const (
	// ProtectedKeepTag: the query carries the keep tag; it is never archived.
	ProtectedKeepTag = "keep-tag"
	// ProtectedExternalConsumer: a job outside Redash downloads its results;
	// it is archived only when forced.
	ProtectedExternalConsumer = "external-consumer"
)

// Plan is a reviewable list of changes to one Redash instance.
type Plan struct {
	// Format is FormatV1.
	Format string `json:"format"`
	// CreatedAt is when the plan was made.
	CreatedAt time.Time `json:"created_at"`
	// Source is the instance the plan is for.
	Source Source `json:"source"`
	// Criteria are the options that produced the plan.
	Criteria Criteria `json:"criteria"`
	// Review is set once reviewers' decisions were imported.
	Review *Review `json:"review,omitempty"`
	// Items are the changes, by query id.
	Items []Item `json:"items"`
}

// Source identifies the instance a plan was made against.
type Source struct {
	// Profile is the redashctl profile used, "" when none.
	Profile string `json:"profile"`
	// URL is the Redash base URL.
	URL string `json:"url"`
	// Org is the multi-org slug, "" for a single-org Redash.
	Org string `json:"org,omitempty"`
	// RedashVersion is the server's version, e.g. "10.1.0".
	RedashVersion string `json:"redash_version"`
	// Generator is the redashctl version that wrote the plan.
	Generator string `json:"generator,omitempty"`
}

// Criteria record how the plan was chosen.
type Criteria struct {
	// Command is the command that made the plan, e.g. "audit".
	Command string `json:"command"`
	// ArchiveWhen are the finding codes that make a query a candidate.
	ArchiveWhen []string `json:"archive_when,omitempty"`
	// KeepTag is the tag that protects a query.
	KeepTag string `json:"keep_tag,omitempty"`
	// Force lets external consumers be archived.
	Force bool `json:"force"`
	// Thresholds are the audit thresholds, as given ("90d").
	Thresholds map[string]string `json:"thresholds,omitempty"`
}

// Review records an import of reviewers' decisions.
type Review struct {
	// ImportedAt is when the decisions were imported.
	ImportedAt time.Time `json:"imported_at"`
	// File names the reviewed file.
	File string `json:"file"`
	// Rows is how many decisions were read; Changed how many differ from the
	// proposed action.
	Rows    int `json:"rows"`
	Changed int `json:"changed"`
}

// Reason is one finding behind an item.
type Reason struct {
	// Code is the finding code, e.g. "unused".
	Code string `json:"code"`
	// Detail explains it in one sentence.
	Detail string `json:"detail"`
	// Weak is set when the evidence was incomplete.
	Weak bool `json:"weak,omitempty"`
}

// Item is the change to one query.
type Item struct {
	QueryID int    `json:"query_id"`
	Name    string `json:"name"`
	// Action is what will be done: the proposal, or the reviewers' decision
	// once imported.
	Action Action `json:"action"`
	// Proposed is the action the plan's command proposed.
	Proposed Action `json:"proposed_action"`
	// Decision is the reviewers' decision, set by Import.
	Decision Action `json:"decision,omitempty"`
	// Protected is ProtectedKeepTag or ProtectedExternalConsumer, or "".
	Protected string `json:"protected,omitempty"`
	// Tags are the tags a tag or untag action adds or removes.
	Tags []string `json:"tags,omitempty"`
	// Reasons are the findings that led to the item.
	Reasons []Reason `json:"reasons"`
	// Before is the query as it was when the plan was made.
	Before Snapshot `json:"before"`
}

// Snapshot is the state of a query that a change alters, taken when the plan
// was made, so that a change can be checked against drift and undone.
type Snapshot struct {
	Name       string `json:"name"`
	IsArchived bool   `json:"is_archived"`
	IsDraft    bool   `json:"is_draft"`
	// Schedule is the schedule exactly as Redash returned it (a string on
	// v4–v6, an object from v7), null when unscheduled.
	Schedule     json.RawMessage `json:"schedule"`
	Tags         []string        `json:"tags"`
	DataSourceID *int            `json:"data_source_id"`
	OwnerEmail   string          `json:"owner_email"`
	UpdatedAt    time.Time       `json:"updated_at"`
	LastRunAt    *time.Time      `json:"last_run_at"`
	// Dashboards and Alerts are the ids of the dashboards showing it and
	// the alerts watching it: archiving deletes those widgets and alerts.
	Dashboards []int `json:"dashboards"`
	Alerts     []int `json:"alerts"`
	Version    int   `json:"version"`
}

// New returns an empty plan in the current format.
func New(createdAt time.Time, source Source, criteria Criteria) *Plan {
	return &Plan{Format: FormatV1, CreatedAt: createdAt.UTC(), Source: source, Criteria: criteria, Items: []Item{}}
}

// Counts returns how many items have each action.
func (p *Plan) Counts() map[Action]int {
	out := map[Action]int{}
	for i := range p.Items {
		out[p.Items[i].Action]++
	}
	return out
}

// Item returns the item for a query, or nil.
func (p *Plan) Item(queryID int) *Item {
	i, ok := slices.BinarySearchFunc(p.Items, queryID, func(it Item, id int) int { return it.QueryID - id })
	if ok {
		return &p.Items[i]
	}
	for i := range p.Items { // not sorted: a plan written by hand
		if p.Items[i].QueryID == queryID {
			return &p.Items[i]
		}
	}
	return nil
}

// QueryURL is the address of a query's page on the plan's instance.
func (p *Plan) QueryURL(queryID int) string {
	base := strings.TrimRight(p.Source.URL, "/")
	if p.Source.Org != "" {
		base += "/" + p.Source.Org
	}
	return base + "/queries/" + strconv.Itoa(queryID)
}

// Validate checks a plan: its format, and every item's id and actions.
func (p *Plan) Validate() error {
	if p.Format != FormatV1 {
		if p.Format == "" {
			return errors.New(`not a redashctl plan: no "format" field`)
		}
		return fmt.Errorf("unsupported plan format %q: this redashctl reads %s", p.Format, FormatV1)
	}
	if p.Source.URL == "" {
		return errors.New("invalid plan: source.url is empty")
	}
	seen := make(map[int]bool, len(p.Items))
	for i := range p.Items {
		it := &p.Items[i]
		where := fmt.Sprintf("invalid plan: item %d", i+1)
		if it.QueryID <= 0 {
			return fmt.Errorf("%s: query_id must be a positive number, got %d", where, it.QueryID)
		}
		where += fmt.Sprintf(" (query %d)", it.QueryID)
		if seen[it.QueryID] {
			return fmt.Errorf("%s: the query appears twice", where)
		}
		seen[it.QueryID] = true
		if !it.Action.Valid() {
			return fmt.Errorf("%s: unknown action %q: use archive, tag, untag or keep", where, it.Action)
		}
		if it.Proposed != "" && !it.Proposed.Valid() {
			return fmt.Errorf("%s: unknown proposed_action %q", where, it.Proposed)
		}
		if (it.Action == Tag || it.Action == Untag) && len(it.Tags) == 0 {
			return fmt.Errorf("%s: a %s action needs tags", where, it.Action)
		}
		if it.Action == Archive && it.Protected == ProtectedKeepTag {
			return fmt.Errorf("%s: carries the keep tag and cannot be archived", where)
		}
		if it.Action == Archive && it.Protected == ProtectedExternalConsumer && !p.Criteria.Force {
			return fmt.Errorf("%s: an external consumer downloads its results; it is archived only with --force", where)
		}
	}
	return nil
}

// Read decodes and validates a plan.
func Read(r io.Reader) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(r)
	if err := dec.Decode(&p); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("not a redashctl plan: invalid JSON at byte %d: %w", syn.Offset, err)
		}
		return nil, fmt.Errorf("not a redashctl plan: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a redashctl plan: data after the JSON object")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	for i := range p.Items {
		it := &p.Items[i]
		if it.Proposed == "" {
			it.Proposed = it.Action
		}
		switch sch := it.Before.Schedule; {
		case string(sch) == "null":
			it.Before.Schedule = nil
		case len(sch) > 0:
			// Written indented: keep the compact form Redash sends.
			var buf bytes.Buffer
			if json.Compact(&buf, sch) == nil {
				it.Before.Schedule = buf.Bytes()
			}
		}
	}
	return &p, nil
}

// Write validates p, then writes it as indented JSON.
func (p *Plan) Write(w io.Writer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// Clone returns a deep copy of p.
func (p *Plan) Clone() *Plan {
	c := *p
	if p.Review != nil {
		r := *p.Review
		c.Review = &r
	}
	c.Criteria.ArchiveWhen = slices.Clone(p.Criteria.ArchiveWhen)
	if p.Criteria.Thresholds != nil {
		c.Criteria.Thresholds = make(map[string]string, len(p.Criteria.Thresholds))
		for k, v := range p.Criteria.Thresholds {
			c.Criteria.Thresholds[k] = v
		}
	}
	c.Items = make([]Item, len(p.Items))
	for i, it := range p.Items {
		it.Tags = slices.Clone(it.Tags)
		it.Reasons = slices.Clone(it.Reasons)
		it.Before.Schedule = slices.Clone(it.Before.Schedule)
		it.Before.Tags = slices.Clone(it.Before.Tags)
		it.Before.Dashboards = slices.Clone(it.Before.Dashboards)
		it.Before.Alerts = slices.Clone(it.Before.Alerts)
		if it.Before.DataSourceID != nil {
			v := *it.Before.DataSourceID
			it.Before.DataSourceID = &v
		}
		if it.Before.LastRunAt != nil {
			v := *it.Before.LastRunAt
			it.Before.LastRunAt = &v
		}
		c.Items[i] = it
	}
	return &c
}
