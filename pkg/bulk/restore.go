package bulk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"

	"github.com/redashctl/redashctl/pkg/redash"
)

// Action is what a restore does (or did) to one object.
type Action string

// The restore actions.
const (
	// ActionCreate: the object is missing and is (re-)created.
	ActionCreate Action = "create"
	// ActionPresent: the object is already there; nothing to do.
	ActionPresent Action = "present"
	// ActionCannot: the API cannot restore it (Note says why).
	ActionCannot Action = "cannot"
	// ActionFailed: restoring it was tried and failed (Note says why).
	ActionFailed Action = "failed"
)

// RestoreItem is the restore of one query from its backup.
type RestoreItem struct {
	QueryID int
	Name    string
	// File is the backup file.
	File   string
	Backup *Backup
	// Unarchive: the query is archived and is un-archived, with its
	// schedule and tags, in one update.
	Unarchive bool
	// QueryError is set when the query could not be read or un-archived;
	// nothing else of it is restored then.
	QueryError string
	Widgets    []WidgetRestore
	Alerts     []AlertRestore
}

// WidgetRestore is one backed-up widget and what restoring it does.
type WidgetRestore struct {
	Old    Widget
	Action Action
	// NewID is the id of the widget now showing it: the re-created one, or
	// the one already there.
	NewID int
	Note  string
}

// AlertRestore is one backed-up alert and what restoring it does.
type AlertRestore struct {
	Old    Alert
	Action Action
	// NewID is the id of the alert now watching the query.
	NewID         int
	Note          string
	Subscriptions []SubscriptionRestore
}

// SubscriptionRestore is one backed-up alert subscription.
type SubscriptionRestore struct {
	Old    Subscription
	Action Action
	NewID  int
	Note   string
}

// RestoreOptions configure a Restorer.
type RestoreOptions struct {
	Client  *redash.Client
	Version redash.Version
	// Session is the caller: only the caller's own e-mail subscriptions
	// can be re-created.
	Session *redash.Session
	// Workers is how many queries are restored at once; 0 means the
	// client's concurrency.
	Workers int
	// OnItem is called (from several goroutines) when a query is done.
	OnItem func(*RestoreItem)
}

// Restorer puts archived queries back from their backups.
type Restorer struct {
	opts RestoreOptions

	mu         sync.Mutex
	dashboards map[string]*dashState
	alerts     []redash.Alert
	usedAlerts map[int]bool
}

type dashState struct {
	once sync.Once
	d    *redash.Dashboard
	err  error
}

// NewRestorer returns a Restorer.
func NewRestorer(opts RestoreOptions) *Restorer {
	if opts.Workers <= 0 {
		opts.Workers = opts.Client.Concurrency()
	}
	return &Restorer{opts: opts, dashboards: map[string]*dashState{}, usedAlerts: map[int]bool{}}
}

// Plan compares each backup with Redash now and decides, object by object,
// what to re-create: the query is un-archived only if it is archived;
// a widget is re-created unless its dashboard already has a widget of the
// same visualization at the same position; an alert unless one with the
// same name, options and rearm watches the query; a subscription unless the
// alert has it. A second restore therefore changes nothing. Each dashboard
// is read once.
func (r *Restorer) Plan(ctx context.Context, backups []*Backup, files []string) ([]*RestoreItem, error) {
	alerts, err := r.opts.Client.Alerts.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	r.alerts = alerts
	items := make([]*RestoreItem, len(backups))
	for i, b := range backups {
		items[i] = &RestoreItem{QueryID: b.Query.ID, Name: b.Query.Name, Backup: b}
		if i < len(files) {
			items[i].File = files[i]
		}
	}
	err = r.each(ctx, items, func(ctx context.Context, it *RestoreItem) error { return r.planOne(ctx, it) })
	if err != nil {
		return nil, err
	}
	return items, nil
}

func (r *Restorer) each(ctx context.Context, items []*RestoreItem, fn func(context.Context, *RestoreItem) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan *RestoreItem)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range min(r.opts.Workers, len(items)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range next {
				if err := fn(ctx, it); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
				}
			}
		}()
	}
feed:
	for _, it := range items {
		select {
		case next <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

func (r *Restorer) planOne(ctx context.Context, it *RestoreItem) error {
	b := it.Backup
	q, err := r.opts.Client.Queries.Get(ctx, it.QueryID)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, redash.ErrNotFound):
		it.QueryError = "the query no longer exists (Redash never deletes queries: check the instance)"
		return nil
	case err != nil:
		it.QueryError = "read query: " + err.Error()
		return nil
	}
	it.Unarchive = q.IsArchived
	vizOK := map[int]bool{}
	for _, v := range q.Visualizations {
		vizOK[v.ID] = true
	}
	for _, w := range b.Widgets {
		wr := WidgetRestore{Old: w}
		d, err := r.dashboard(ctx, w)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, redash.ErrNotFound):
			wr.Action, wr.Note = ActionCannot, fmt.Sprintf("dashboard %d (%s) was deleted since the backup", w.DashboardID, w.DashboardName)
		case err != nil:
			wr.Action, wr.Note = ActionFailed, "read dashboard: "+err.Error()
		case !vizOK[w.VisualizationID]:
			wr.Action, wr.Note = ActionCannot, fmt.Sprintf("visualization %d (%s) of the query was deleted since the backup", w.VisualizationID, w.VisualizationName)
		default:
			if id := r.findWidget(d, w); id != 0 {
				wr.Action, wr.NewID = ActionPresent, id
			} else {
				wr.Action = ActionCreate
				if d.IsArchived {
					wr.Note = "its dashboard is archived"
				}
			}
		}
		it.Widgets = append(it.Widgets, wr)
	}
	for _, al := range b.Alerts {
		ar := AlertRestore{Old: al}
		if cur := r.claimAlert(it.QueryID, al); cur != nil {
			ar.Action, ar.NewID = ActionPresent, cur.ID
			subs, err := r.opts.Client.Alerts.Subscriptions(ctx, cur.ID)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				ar.Note = "read its subscriptions: " + err.Error()
			}
			ar.Subscriptions = r.planSubs(al, subs, err == nil)
		} else {
			ar.Action = ActionCreate
			if s := r.opts.Session; s != nil && al.Owner.ID != 0 && al.Owner.ID != s.User.ID {
				ar.Note = fmt.Sprintf("its owner becomes you (it was %s)", personName(al.Owner))
			}
			ar.Subscriptions = r.planSubs(al, nil, true)
		}
		it.Alerts = append(it.Alerts, ar)
	}
	return nil
}

func personName(p Person) string {
	if p.Email != "" {
		return p.Email
	}
	if p.Name != "" {
		return p.Name
	}
	return "user " + strconv.Itoa(p.ID)
}

// planSubs decides each backed-up subscription against the alert's current
// ones (none for an alert to be created).
func (r *Restorer) planSubs(al Alert, current []redash.AlertSubscription, known bool) []SubscriptionRestore {
	var me int
	if s := r.opts.Session; s != nil {
		me = s.User.ID
	}
	used := map[int]bool{}
	var out []SubscriptionRestore
	for _, s := range al.Subscriptions {
		sr := SubscriptionRestore{Old: s}
		if s.Destination == nil && s.User.ID != me {
			sr.Action = ActionCannot
			sr.Note = fmt.Sprintf("the e-mail subscription of %s: Redash subscribes only the caller, so they must subscribe again themselves", personName(s.User))
			out = append(out, sr)
			continue
		}
		for _, c := range current {
			if used[c.ID] {
				continue
			}
			match := (s.Destination == nil && c.Destination == nil && c.User.ID == me) ||
				(s.Destination != nil && c.Destination != nil && c.Destination.ID == s.Destination.ID)
			if match {
				used[c.ID] = true
				sr.Action, sr.NewID = ActionPresent, c.ID
				break
			}
		}
		if sr.Action == "" {
			if !known {
				sr.Action, sr.Note = ActionFailed, "the alert's subscriptions could not be read"
			} else {
				sr.Action = ActionCreate
			}
		}
		out = append(out, sr)
	}
	return out
}

// dashboard reads a dashboard once per restore: by id from v10, by slug
// before.
func (r *Restorer) dashboard(ctx context.Context, w Widget) (*redash.Dashboard, error) {
	ref := r.opts.Client.Dashboards.Ref(r.opts.Version, redash.Dashboard{ID: w.DashboardID, Slug: w.DashboardSlug})
	r.mu.Lock()
	st := r.dashboards[ref]
	if st == nil {
		st = &dashState{}
		r.dashboards[ref] = st
	}
	r.mu.Unlock()
	st.once.Do(func() {
		st.d, st.err = r.opts.Client.Dashboards.Get(ctx, ref)
	})
	return st.d, st.err
}

// findWidget returns the id of a widget on d that shows w's visualization
// at w's position, or 0.
func (r *Restorer) findWidget(d *redash.Dashboard, w Widget) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	want := position(w.Options)
	for _, cur := range d.Widgets {
		if cur.Visualization == nil || cur.Visualization.ID != w.VisualizationID {
			continue
		}
		if reflect.DeepEqual(position(cur.Options), want) {
			return cur.ID
		}
	}
	return 0
}

// addWidget records a widget created on a cached dashboard.
func (r *Restorer) addWidget(dashboardID int, w *redash.Widget) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range r.dashboards {
		if st.d != nil && st.d.ID == dashboardID {
			st.d.Widgets = append(st.d.Widgets, *w)
		}
	}
}

// position returns a widget's options.position (or the whole options when
// there is none), decoded for comparison.
func position(opts json.RawMessage) any {
	var o map[string]any
	if json.Unmarshal(opts, &o) != nil {
		return string(bytes.TrimSpace(opts))
	}
	if p, ok := o["position"]; ok {
		return p
	}
	return o
}

// claimAlert returns an unclaimed current alert on queryID equal to al.
func (r *Restorer) claimAlert(queryID int, al Alert) *redash.Alert {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.alerts {
		cur := &r.alerts[i]
		if r.usedAlerts[cur.ID] || cur.Query.ID != queryID || cur.Name != al.Name || !jsonEqual(cur.Options, al.Options) {
			continue
		}
		if (cur.Rearm == nil) != (al.Rearm == nil) || (cur.Rearm != nil && *cur.Rearm != *al.Rearm) {
			continue
		}
		r.usedAlerts[cur.ID] = true
		return cur
	}
	return nil
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(bytes.TrimSpace(a), bytes.TrimSpace(b))
	}
	return reflect.DeepEqual(x, y)
}

// Apply carries out planned items: un-archive (with schedule and tags, in
// the server version's schedule shape), then widgets, alerts and
// subscriptions. Failures are recorded in the items; Apply returns an error
// only when ctx ends.
func (r *Restorer) Apply(ctx context.Context, items []*RestoreItem) error {
	return r.each(ctx, items, func(ctx context.Context, it *RestoreItem) error {
		err := r.applyOne(ctx, it)
		if err == nil && r.opts.OnItem != nil {
			r.opts.OnItem(it)
		}
		return err
	})
}

func (r *Restorer) applyOne(ctx context.Context, it *RestoreItem) error {
	if it.QueryError != "" {
		return nil
	}
	c, b := r.opts.Client, it.Backup
	if it.Unarchive {
		f := false
		sched := b.Query.Schedule
		req := redash.UpdateQueryRequest{IsArchived: &f, Schedule: &sched}
		if r.opts.Version.HasTags() {
			tags := slices.Clone(b.Query.Tags)
			if tags == nil {
				tags = []string{}
			}
			req.Tags = &tags
		}
		if _, err := c.Queries.Update(ctx, it.QueryID, req); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			it.QueryError = "un-archive: " + err.Error()
			return nil
		}
	}
	for i := range it.Widgets {
		wr := &it.Widgets[i]
		if wr.Action != ActionCreate {
			continue
		}
		viz := wr.Old.VisualizationID
		w, err := c.Widgets.Create(ctx, redash.CreateWidgetRequest{
			DashboardID: wr.Old.DashboardID, VisualizationID: &viz,
			Width: wr.Old.Width, Options: wr.Old.Options, Text: wr.Old.Text,
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			wr.Action, wr.Note = ActionFailed, err.Error()
			continue
		}
		wr.NewID = w.ID
		r.addWidget(wr.Old.DashboardID, w)
	}
	for i := range it.Alerts {
		ar := &it.Alerts[i]
		if ar.Action == ActionCreate {
			a, err := c.Alerts.Create(ctx, redash.CreateAlertRequest{Name: ar.Old.Name, QueryID: it.QueryID, Options: ar.Old.Options, Rearm: ar.Old.Rearm})
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				ar.Action, ar.Note = ActionFailed, err.Error()
				for j := range ar.Subscriptions {
					if ar.Subscriptions[j].Action == ActionCreate {
						ar.Subscriptions[j].Action, ar.Subscriptions[j].Note = ActionFailed, "its alert could not be re-created"
					}
				}
				continue
			}
			ar.NewID = a.ID
		}
		for j := range ar.Subscriptions {
			sr := &ar.Subscriptions[j]
			if sr.Action != ActionCreate {
				continue
			}
			var dest *int
			if sr.Old.Destination != nil {
				id := sr.Old.Destination.ID
				dest = &id
			}
			s, err := c.Alerts.Subscribe(ctx, ar.NewID, dest)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				sr.Action, sr.Note = ActionFailed, err.Error()
				continue
			}
			sr.NewID = s.ID
		}
	}
	return nil
}
