package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/redash"
)

// Status is where one query of an archive run stands.
type Status string

// The statuses of an archive item.
const (
	// StatusPending: will be (or, in a dry run, would be) archived.
	StatusPending Status = "pending"
	// StatusArchived: archived by this run (now or by an earlier,
	// interrupted invocation of it).
	StatusArchived Status = "archived"
	// StatusAlreadyArchived: it was archived before this run; skipped.
	StatusAlreadyArchived Status = "already-archived"
	// StatusNotFound: no such query (or not visible to the key); skipped.
	StatusNotFound Status = "not-found"
	// StatusUnlisted: a dry run could not tell: the lists do not show it
	// (unknown, archived, or on a data source outside the key's groups).
	StatusUnlisted Status = "unlisted"
	// StatusRefused: the pre-flight refused it (keep tag, not the owner).
	StatusRefused Status = "refused"
	// StatusChanged: it changed since the plan was made; skipped.
	StatusChanged Status = "changed"
	// StatusFailed: an error stopped it; a re-run tries again.
	StatusFailed Status = "failed"
)

// Target is one query selected for archiving.
type Target struct {
	ID int
	// Listed is the query as GET /api/queries listed it; nil when the list
	// did not show it.
	Listed *redash.Query
	// Before is the plan's snapshot of the query, when it came from a plan.
	Before *plan.Snapshot
}

// Item is one query of an archive run and its outcome.
type Item struct {
	QueryID int
	Name    string
	// OwnerEmail is the owner's e-mail, when known.
	OwnerEmail string
	// Schedule is the query's schedule before archiving.
	Schedule redash.Schedule
	Tags     []string
	Status   Status
	// Reason explains a skipped, refused, changed or failed item.
	Reason string
	// Backup is the backup file, relative to the backup directory.
	Backup string
	// Widgets and Alerts count what the backup holds (and archiving
	// deleted).
	Widgets, Alerts int
	// Earlier is set when an earlier invocation of the run archived it.
	Earlier bool
	// Verified is set once the query showed as archived after its DELETE.
	Verified bool

	recovered bool // archived by an interrupted DELETE of an earlier invocation
}

// ArchiveOptions configure an Archiver.
type ArchiveOptions struct {
	Client  *redash.Client
	Version redash.Version
	// Session is the caller: owner-or-admin is checked against it.
	Session *redash.Session
	// Dir is the backup directory; backups go to Dir/queries/<id>.json.
	Dir string
	// Journal records every step; nil for a dry run (Prepare only).
	Journal *Journal
	// Entries are the journal's earlier entries (a resumed run).
	Entries []Entry
	// Source is written into every backup.
	Source Source
	// KeepTag protects queries carrying it, unless Force.
	KeepTag string
	Force   bool
	// CheckDrift compares each listed query with its plan snapshot and skips
	// those that changed (for plans older than the allowed age).
	CheckDrift bool
	// Probe reads unlisted targets one by one (GET /api/queries/<id>) to
	// learn whether they exist and are archived. A dry run leaves it off.
	Probe bool
	// Workers is how many queries are worked on at once; 0 means four times
	// the client's concurrency, so that the client's in-flight slots stay
	// busy while workers write backups and the journal (requests in flight
	// stay bounded by the client).
	Workers int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnItem is called (from several goroutines) when a pending item is
	// settled.
	OnItem func(*Item)
}

// Archiver archives queries with backups and a journal.
type Archiver struct {
	opts  ArchiveOptions
	state map[int]*QueryState
	ds    *dirSyncer

	widgets map[int][]Widget
	alerts  map[int][]redash.Alert
	gaps    []string
}

// NewArchiver returns an Archiver.
func NewArchiver(opts ArchiveOptions) *Archiver {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Workers <= 0 {
		opts.Workers = 4 * opts.Client.Concurrency()
	}
	return &Archiver{opts: opts, state: Replay(opts.Entries), ds: newDirSyncer(filepath.Join(opts.Dir, BackupSubdir))}
}

// Attach gives a prepared Archiver its journal and progress callback, for
// Run.
func (a *Archiver) Attach(j *Journal, onItem func(*Item)) {
	a.opts.Journal, a.opts.OnItem = j, onItem
}

// Prepare classifies every target: done by an earlier invocation, already
// archived, unknown, refused by the pre-flight (owner or admin; the keep
// tag unless Force), changed since the plan, or pending. It reads the
// archived-query list (v7+) for targets the live list did not show and,
// with Probe, reads the rest one by one.
func (a *Archiver) Prepare(ctx context.Context, targets []Target) ([]*Item, error) {
	items := make([]*Item, len(targets))
	var unlisted []int
	for i, t := range targets {
		it := &Item{QueryID: t.ID}
		items[i] = it
		st := a.state[t.ID]
		if st != nil && st.Archived {
			it.Status, it.Earlier, it.Verified, it.Backup = StatusArchived, true, st.Verified, st.BackupFile
			if t.Listed != nil {
				// Archived by us, yet listed again: someone un-archived it.
				it.Earlier, it.Verified = false, false
			} else {
				it.Name = a.backupName(st)
				continue
			}
		}
		if t.Listed == nil {
			if t.Before != nil {
				it.Name = t.Before.Name
			}
			unlisted = append(unlisted, t.ID)
			continue
		}
		a.classifyLive(it, t.Listed, t.Before)
	}
	if len(unlisted) == 0 {
		return items, nil
	}
	archived := map[int]redash.Query{}
	if a.opts.Version.HasArchiveList() {
		want := make(map[int]bool, len(unlisted))
		for _, id := range unlisted {
			want[id] = true
		}
		for q, err := range a.opts.Client.Queries.ListIter(ctx, redash.QueryListOptions{Archived: true}) {
			if err != nil {
				return nil, fmt.Errorf("list archived queries: %w", err)
			}
			if want[q.ID] {
				archived[q.ID] = q
			}
		}
	}
	byID := make(map[int]int, len(targets))
	for i, t := range targets {
		byID[t.ID] = i
	}
	var probe []int
	for _, id := range unlisted {
		i := byID[id]
		it := items[i]
		if q, ok := archived[id]; ok {
			a.classifyArchived(it, &q)
			continue
		}
		if !a.opts.Probe {
			if st := a.state[id]; st != nil && st.DeleteSent {
				it.Reason = "a DELETE was sent by an interrupted run; the run checks whether it arrived"
			} else {
				it.Reason = "not in the query lists: unknown, archived, or on a data source outside the key's groups; the run reads it to find out"
			}
			it.Status = StatusUnlisted
			continue
		}
		probe = append(probe, i)
	}
	// The rest are read one by one, a few at a time.
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(a.opts.Client.Concurrency(), len(probe)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				a.probe(ctx, items[i], targets[i])
			}
		}()
	}
	for _, i := range probe {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return items, nil
}

// probe learns the state of a target the lists did not show.
func (a *Archiver) probe(ctx context.Context, it *Item, t Target) {
	q, err := a.opts.Client.Queries.Get(ctx, t.ID)
	switch {
	case ctx.Err() != nil:
	case errors.Is(err, redash.ErrNotFound):
		it.Status, it.Reason = StatusNotFound, "no such query"
	case errors.Is(err, redash.ErrForbidden):
		it.Status, it.Reason = StatusNotFound, "not visible to this API key"
	case err != nil:
		it.Status, it.Reason = StatusFailed, "could not read it: "+err.Error()
	case q.IsArchived:
		a.classifyArchived(it, q)
	default:
		a.classifyLive(it, q, t.Before)
	}
}

func (a *Archiver) backupName(st *QueryState) string {
	if st.BackupFile == "" {
		return ""
	}
	b, err := ReadBackup(filepath.Join(a.opts.Dir, filepath.FromSlash(st.BackupFile)))
	if err != nil {
		return ""
	}
	return b.Query.Name
}

// classifyArchived: archived now. If this run sent it a DELETE, the DELETE
// arrived (the run was interrupted before recording it); otherwise it was
// archived before the run.
func (a *Archiver) classifyArchived(it *Item, q *redash.Query) {
	it.Name, it.OwnerEmail, it.Tags = q.Name, q.User.Email, q.Tags
	if st := a.state[it.QueryID]; st != nil && st.DeleteSent {
		it.Status, it.Earlier, it.recovered, it.Backup = StatusArchived, true, true, st.BackupFile
		return
	}
	it.Status, it.Reason = StatusAlreadyArchived, "already archived"
}

// classifyLive runs the pre-flight on a query that is not archived.
func (a *Archiver) classifyLive(it *Item, q *redash.Query, before *plan.Snapshot) {
	it.Name, it.OwnerEmail, it.Schedule, it.Tags = q.Name, q.User.Email, q.Schedule, q.Tags
	it.Status, it.Reason = StatusPending, ""
	s := a.opts.Session
	owner := q.User.ID
	if owner == 0 {
		owner = q.UserID
	}
	if s != nil && !s.IsAdmin() && owner != s.User.ID {
		who := q.User.Email
		if who == "" {
			who = fmt.Sprintf("user %d", owner)
		}
		it.Status, it.Reason = StatusRefused, fmt.Sprintf("owned by %s: only its owner or an admin may archive it", who)
		return
	}
	if a.opts.KeepTag != "" && slices.Contains(q.Tags, a.opts.KeepTag) && !a.opts.Force {
		it.Status, it.Reason = StatusRefused, fmt.Sprintf("carries the keep tag %q (--force archives it anyway)", a.opts.KeepTag)
		return
	}
	if a.opts.CheckDrift && before != nil {
		if d := Drift(q, before, a.opts.Version); len(d) > 0 {
			it.Status, it.Reason = StatusChanged, "changed since the plan was made ("+strings.Join(d, ", ")+"): re-run the audit to re-plan it"
		}
	}
}

// Drift lists what differs between a query and its plan snapshot: name,
// tags, schedule, draft state, owner, and (from v6, where executions no
// longer bump it) the update time.
func Drift(q *redash.Query, before *plan.Snapshot, v redash.Version) []string {
	var out []string
	if q.Name != before.Name {
		out = append(out, "name")
	}
	if !sameStrings(q.Tags, before.Tags) {
		out = append(out, "tags")
	}
	var bs redash.Schedule
	if len(before.Schedule) > 0 {
		if err := json.Unmarshal(before.Schedule, &bs); err != nil {
			out = append(out, "schedule")
		}
	}
	if !sameSchedule(q.Schedule, bs) && !slices.Contains(out, "schedule") {
		out = append(out, "schedule")
	}
	if q.IsDraft != before.IsDraft {
		out = append(out, "draft state")
	}
	if before.OwnerEmail != "" && q.User.Email != "" && !strings.EqualFold(q.User.Email, before.OwnerEmail) {
		out = append(out, "owner")
	}
	if v.Major >= 6 && !before.UpdatedAt.IsZero() && !q.UpdatedAt.IsZero() && !q.UpdatedAt.Equal(before.UpdatedAt) {
		out = append(out, "edited "+q.UpdatedAt.UTC().Format(time.RFC3339))
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func sameSchedule(a, b redash.Schedule) bool {
	return a.IsSet() == b.IsSet() && a.Interval == b.Interval && a.Time == b.Time && a.DayOfWeek == b.DayOfWeek &&
		a.Until == b.Until && a.Disabled == b.Disabled
}

// Run backs up and archives the pending items, then verifies them, and
// records every step in the journal. Items are updated in place. It returns
// an error only when the run cannot go on (the journal cannot be written,
// the dashboards or alerts cannot be read, or ctx ended); items it did not
// reach stay pending.
func (a *Archiver) Run(ctx context.Context, items []*Item) error {
	j := a.opts.Journal
	if j == nil {
		return errors.New("archive: no journal")
	}
	var pending []*Item
	var entries []Entry
	for _, it := range items {
		switch it.Status {
		case StatusPending:
			pending = append(pending, it)
		case StatusArchived:
			if it.recovered {
				entries = append(entries, a.entry(StepArchived, it.QueryID, "the DELETE of an interrupted run had arrived", ""))
			}
		case StatusAlreadyArchived, StatusNotFound, StatusRefused, StatusChanged:
			if st := a.state[it.QueryID]; st == nil || st.Skipped != it.Reason {
				entries = append(entries, a.entry(StepSkipped, it.QueryID, it.Reason, ""))
			}
		case StatusFailed: // could not be read in Prepare
			entries = append(entries, a.entry(StepFailed, it.QueryID, "", it.Reason))
		}
	}
	if err := j.Append(entries...); err != nil {
		return err
	}
	if len(pending) > 0 {
		if err := os.MkdirAll(filepath.Join(a.opts.Dir, BackupSubdir), 0o700); err != nil {
			return fmt.Errorf("create backup folder: %w", err)
		}
		if err := a.index(ctx); err != nil {
			return err
		}
		if err := a.work(ctx, pending); err != nil {
			return err
		}
	}
	return a.verify(ctx, items)
}

func (a *Archiver) entry(step Step, id int, reason, errText string) Entry {
	return Entry{Time: a.opts.Now().UTC(), Step: step, QueryID: id, Reason: reason, Error: errText}
}

// index reads every alert once and every dashboard once (with its
// widgets), and maps them to the queries they show.
func (a *Archiver) index(ctx context.Context) error {
	c := a.opts.Client
	var alerts []redash.Alert
	var alertsErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		alerts, alertsErr = c.Alerts.List(ctx)
	}()
	dashboards, err := c.Dashboards.ListWithWidgets(ctx, redash.DashboardListOptions{})
	<-done
	if alertsErr != nil {
		return fmt.Errorf("read alerts for the backups: %w", alertsErr)
	}
	if err != nil {
		return fmt.Errorf("read dashboards for the backups: %w", err)
	}
	a.alerts = map[int][]redash.Alert{}
	for _, al := range alerts {
		a.alerts[al.Query.ID] = append(a.alerts[al.Query.ID], al)
	}
	a.widgets = map[int][]Widget{}
	restricted := 0
	for _, d := range dashboards {
		for _, w := range d.Widgets {
			if w.Restricted {
				restricted++
				continue
			}
			qid := w.QueryID()
			if qid == 0 {
				continue
			}
			a.widgets[qid] = append(a.widgets[qid], Widget{
				ID: w.ID, DashboardID: d.ID, DashboardSlug: d.Slug, DashboardName: d.Name,
				VisualizationID: w.Visualization.ID, VisualizationName: w.Visualization.Name,
				Width: w.Width, Options: w.Options, Text: w.Text,
			})
		}
	}
	a.gaps = []string{"widgets on archived dashboards and on other users' unpublished dashboards are not listed by Redash, so they are not in this backup"}
	if restricted > 0 {
		a.gaps = append(a.gaps, fmt.Sprintf("%d widgets were restricted (their query is hidden from this API key); any of them may show this query", restricted))
	}
	if s := a.opts.Session; s != nil && !s.IsAdmin() {
		a.gaps = append(a.gaps, "backed up with a non-admin key: alerts and widgets visible only to others are missing")
	}
	return nil
}

// work archives the pending items with a pool of workers. A journal failure
// stops everything; ctx ending leaves the rest pending.
func (a *Archiver) work(ctx context.Context, pending []*Item) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan *Item)
	var (
		wg       sync.WaitGroup
		fatalMu  sync.Mutex
		fatalErr error
	)
	for range min(a.opts.Workers, len(pending)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range next {
				if err := a.archiveOne(ctx, it); err != nil {
					fatalMu.Lock()
					if fatalErr == nil {
						fatalErr = err
					}
					fatalMu.Unlock()
					cancel()
					continue
				}
				if a.opts.OnItem != nil {
					a.opts.OnItem(it)
				}
			}
		}()
	}
feed:
	for _, it := range pending {
		select {
		case next <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if fatalErr != nil && !errors.Is(fatalErr, context.Canceled) {
		return fatalErr
	}
	return ctx.Err()
}

// archiveOne backs up one query (unless an earlier invocation did), records
// it, sends the DELETE and records the outcome. It returns an error only
// when the run must stop.
func (a *Archiver) archiveOne(ctx context.Context, it *Item) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j, id := a.opts.Journal, it.QueryID
	fail := func(err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		it.Status, it.Reason = StatusFailed, err.Error()
		return j.Append(a.entry(StepFailed, id, "", err.Error()))
	}
	var b *Backup
	if st := a.state[id]; st != nil && st.BackupFile != "" {
		if old, err := ReadBackup(filepath.Join(a.opts.Dir, filepath.FromSlash(st.BackupFile))); err == nil && old.Query.ID == id {
			b, it.Backup = old, st.BackupFile
		}
	}
	if b == nil {
		q, err := a.opts.Client.Queries.Get(ctx, id)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, redash.ErrNotFound):
			it.Status, it.Reason = StatusNotFound, "no such query"
			return j.Append(a.entry(StepSkipped, id, it.Reason, ""))
		case err != nil:
			return fail(err)
		case q.IsArchived:
			it.Status, it.Reason = StatusAlreadyArchived, "already archived"
			return j.Append(a.entry(StepSkipped, id, it.Reason, ""))
		}
		b, err = a.backupOf(ctx, q)
		if err != nil {
			return fail(err)
		}
		if err := writeBackup(a.opts.Dir, b, a.ds); err != nil {
			return fail(err)
		}
		it.Backup = backupRel(id)
		if err := j.Append(Entry{Time: a.opts.Now().UTC(), Step: StepBackup, QueryID: id, File: it.Backup}); err != nil {
			return err
		}
	}
	it.Widgets, it.Alerts = len(b.Widgets), len(b.Alerts)
	if it.Name == "" {
		it.Name = b.Query.Name
	}
	if err := j.Append(a.entry(StepDelete, id, "", "")); err != nil {
		return err
	}
	if err := a.opts.Client.Queries.Archive(ctx, id); err != nil {
		return fail(err)
	}
	it.Status, it.Reason = StatusArchived, ""
	return j.Append(a.entry(StepArchived, id, "", ""))
}

// backupOf gathers what archiving q destroys.
func (a *Archiver) backupOf(ctx context.Context, q *redash.Query) (*Backup, error) {
	b := &Backup{
		TakenAt: a.opts.Now().UTC(), Source: a.opts.Source, Query: *q, Schedule: q.Schedule, Tags: q.Tags,
		Widgets: slices.Clone(a.widgets[q.ID]), Gaps: a.gaps,
	}
	for _, al := range a.alerts[q.ID] {
		subs, err := a.opts.Client.Alerts.Subscriptions(ctx, al.ID)
		if err != nil {
			return nil, fmt.Errorf("back up alert %d: %w", al.ID, err)
		}
		ab := Alert{
			ID: al.ID, Name: al.Name, Options: al.Options, Rearm: al.Rearm, State: al.State,
			LastTriggeredAt: al.LastTriggeredAt, Owner: personOf(al.User), Subscriptions: []Subscription{},
		}
		for _, s := range subs {
			ab.Subscriptions = append(ab.Subscriptions, Subscription{ID: s.ID, User: personOf(s.User), Destination: s.Destination})
		}
		b.Alerts = append(b.Alerts, ab)
	}
	return b, nil
}

// verify checks that the archived items show as archived: on v7+ in one
// pass over GET /api/queries/archive (with GET /api/queries/<id> for the few
// it does not show, such as other users' drafts), before v7 by their absence
// from the live list.
func (a *Archiver) verify(ctx context.Context, items []*Item) error {
	var check []*Item
	for _, it := range items {
		if it.Status == StatusArchived && !it.Verified {
			check = append(check, it)
		}
	}
	if len(check) == 0 {
		return nil
	}
	want := make(map[int]bool, len(check))
	for _, it := range check {
		want[it.QueryID] = true
	}
	seen := map[int]bool{}
	lo := redash.QueryListOptions{Archived: a.opts.Version.HasArchiveList()}
	for q, err := range a.opts.Client.Queries.ListIter(ctx, lo) {
		if err != nil {
			return fmt.Errorf("verify: list queries: %w", err)
		}
		if want[q.ID] {
			seen[q.ID] = true
		}
	}
	// What the list did not show (on v7+, other users' drafts) is read one
	// by one, concurrently.
	type verdict struct {
		ok  bool
		why string
	}
	verdicts := make([]verdict, len(check))
	var probe []int
	for i, it := range check {
		switch {
		case lo.Archived && seen[it.QueryID]:
			verdicts[i].ok = true
		case lo.Archived:
			probe = append(probe, i)
		case seen[it.QueryID]:
			verdicts[i].why = "still listed after its DELETE"
		default:
			verdicts[i].ok = true
		}
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(a.opts.Client.Concurrency(), len(probe)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				q, err := a.opts.Client.Queries.Get(ctx, check[i].QueryID)
				switch {
				case err != nil:
					verdicts[i].why = "could not verify: " + err.Error()
				case q.IsArchived:
					verdicts[i].ok = true
				default:
					verdicts[i].why = "still not archived after its DELETE"
				}
			}
		}()
	}
	for _, i := range probe {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	entries := make([]Entry, 0, len(check))
	for i, it := range check {
		if verdicts[i].ok {
			it.Verified = true
			entries = append(entries, a.entry(StepVerified, it.QueryID, "", ""))
			continue
		}
		it.Status, it.Reason = StatusFailed, verdicts[i].why
		entries = append(entries, a.entry(StepFailed, it.QueryID, "", verdicts[i].why))
	}
	return a.opts.Journal.Append(entries...)
}
