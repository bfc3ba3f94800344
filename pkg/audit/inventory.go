package audit

import (
	"slices"

	"github.com/redashctl/redashctl/pkg/redash"
)

// Source names one kind of data an Inventory is gathered from.
type Source string

// The optional sources; queries themselves are required.
const (
	SourceEvents      Source = "events"
	SourceDashboards  Source = "dashboards"
	SourceAlerts      Source = "alerts"
	SourceUsers       Source = "users"
	SourceDataSources Source = "data sources"
	SourceArchive     Source = "archived queries"
)

// Unread says why a source could not be read (a key without the permission,
// a Redash version without the endpoint).
type Unread struct {
	Source Source
	Reason string
}

// Dashboard is a non-archived dashboard and the queries its widgets show.
type Dashboard struct {
	ID   int
	Name string
	// QueryIDs are the queries of its visualization widgets (with repeats
	// removed).
	QueryIDs []int
	// Restricted counts widgets Redash hid from the key (their query is in
	// a data source outside the key's groups), so their query is unknown.
	Restricted int
}

// Alert is an alert and the query it watches.
type Alert struct {
	ID      int
	Name    string
	QueryID int
}

// Inventory is everything an audit looks at, as gathered from one Redash
// instance with one key.
type Inventory struct {
	// Version is the server's Redash version.
	Version redash.Version
	// Admin is set when the key is an admin's (the events log needs one).
	Admin bool
	// Queries are the non-archived queries the list endpoints returned.
	Queries []redash.Query
	// ArchivedIDs are the ids of the archived queries the archive list
	// (v7+) returned.
	ArchivedIDs []int
	// Hidden are the queries that lists skip but a probe of their id found
	// (GET /api/queries/<id>, with --probe-hidden), archived ones included.
	Hidden []redash.Query
	// Probed are the ids that were probed one by one; those not in Hidden
	// were not found.
	Probed []int
	// Dashboards are the non-archived dashboards with their widgets' queries.
	Dashboards []Dashboard
	// Alerts are the alerts visible to the key.
	Alerts []Alert
	// DisabledUserIDs are the users whose accounts are disabled.
	DisabledUserIDs []int
	// DataSources are the data sources visible to the key.
	DataSources []redash.DataSource
	// Events is the events log in the usage window; nil when not read.
	Events *EventLog
	// Unread lists the sources that could not be read, and why.
	Unread []Unread
}

// unread returns why source s was not read, or "".
func (inv *Inventory) unread(s Source) string {
	for _, u := range inv.Unread {
		if u.Source == s {
			return u.Reason
		}
	}
	return ""
}

// Gaps returns, ascending, the ids from 1 to the highest listed id that no
// list returned (neither the query list nor the archive list): queries on a
// deleted data source, outside the key's groups, or (where the version has
// no archive list) archived. They are the ids --probe-hidden asks for.
func (inv *Inventory) Gaps() []int {
	known := map[int]bool{}
	top := 0
	for i := range inv.Queries {
		known[inv.Queries[i].ID] = true
		top = max(top, inv.Queries[i].ID)
	}
	for _, id := range inv.ArchivedIDs {
		known[id] = true
		top = max(top, id)
	}
	var gaps []int
	for id := 1; id <= top; id++ {
		if !known[id] {
			gaps = append(gaps, id)
		}
	}
	return gaps
}

// maxID is the highest id the lists returned.
func (inv *Inventory) maxID() int {
	top := 0
	for i := range inv.Queries {
		top = max(top, inv.Queries[i].ID)
	}
	for _, id := range inv.ArchivedIDs {
		top = max(top, id)
	}
	return top
}

// gapReasons explains why ids are missing from the lists, for this version
// and key.
func (inv *Inventory) gapReasons() []string {
	r := []string{"queries on a deleted data source (Redash lists them to nobody, admins included)"}
	if inv.unread(SourceArchive) != "" || !inv.Version.HasArchiveList() {
		r = append(r, "archived queries (no archive list was read)")
	} else {
		r = append(r, "other users' archived drafts (the archive list leaves them out)")
	}
	if !inv.Version.AllDraftsListed() {
		r = append(r, "other users' drafts (Redash "+inv.Version.String()+" lists only the caller's own)")
	}
	if !inv.Admin {
		r = append(r, "queries on data sources outside the key's groups")
	}
	return r
}

func uniqueInts(ids []int) []int {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
