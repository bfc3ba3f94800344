package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/redashctl/redashctl/internal/progress"
	"github.com/redashctl/redashctl/pkg/audit"
	"github.com/redashctl/redashctl/pkg/redash"
)

// gatherOptions control what gather reads.
type gatherOptions struct {
	// since is the start of the usage window: older events are not read.
	since time.Time
	// probe fetches the ids the lists skip one by one.
	probe bool
}

// gatherer reads an inventory. Independent reads run at once; the client's
// concurrency and rate limit bound what is on the wire.
type gatherer struct {
	client *redash.Client
	opts   gatherOptions
	bar    *progress.Bar

	mu  sync.Mutex
	inv *audit.Inventory
}

// gather reads everything an audit looks at, without side effects on the
// usage it measures: queries come from the list endpoints only, never from
// GET /api/queries/<id> (which records a view from Redash 6), except the
// ids --probe-hidden asks for.
func gather(ctx context.Context, client *redash.Client, opts gatherOptions, bar *progress.Bar) (*audit.Inventory, error) {
	sess, err := client.Session(ctx)
	if err != nil {
		return nil, err
	}
	if sess.IsQueryKey() {
		return nil, errors.New("audit needs a user API key (an admin's for the events log), not a query API key")
	}
	version, err := client.Version(ctx)
	if err != nil {
		return nil, err
	}
	g := &gatherer{client: client, opts: opts, bar: bar, inv: &audit.Inventory{Version: version, Admin: sess.IsAdmin()}}

	eg, ectx := errgroup.WithContext(ctx)
	// The longest chains go first so that they hold their slots early.
	if g.inv.Admin {
		eg.Go(func() error { return g.events(ectx) })
	} else {
		g.unread(audit.SourceEvents, "the events log needs an admin key")
	}
	eg.Go(func() error { return g.dashboards(ectx) })
	eg.Go(func() error { return g.queries(ectx) })
	if version.HasArchiveList() {
		eg.Go(func() error { return g.archived(ectx) })
	} else {
		g.unread(audit.SourceArchive, fmt.Sprintf("Redash %s has no list of archived queries", version))
	}
	eg.Go(func() error { return g.alerts(ectx) })
	eg.Go(func() error { return g.users(ectx) })
	eg.Go(func() error { return g.dataSources(ectx) })
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	if opts.probe {
		if err := g.probe(ctx); err != nil {
			return nil, err
		}
	}
	inv := g.inv
	slices.SortFunc(inv.Unread, func(a, b audit.Unread) int { return sourceOrder(a.Source) - sourceOrder(b.Source) })
	slices.SortFunc(inv.Dashboards, func(a, b audit.Dashboard) int { return a.ID - b.ID })
	slices.SortFunc(inv.Hidden, func(a, b redash.Query) int { return a.ID - b.ID })
	return inv, nil
}

func sourceOrder(s audit.Source) int {
	return slices.Index([]audit.Source{
		audit.SourceEvents, audit.SourceDashboards, audit.SourceAlerts,
		audit.SourceUsers, audit.SourceDataSources, audit.SourceArchive,
	}, s)
}

func (g *gatherer) unread(s audit.Source, reason string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inv.Unread = append(g.inv.Unread, audit.Unread{Source: s, Reason: reason})
}

// optional turns a permission error on an optional source into a note.
func (g *gatherer) optional(s audit.Source, err error) error {
	if errors.Is(err, redash.ErrForbidden) {
		g.unread(s, fmt.Sprintf("the key may not read %s", s))
		return nil
	}
	return err
}

func (g *gatherer) queries(ctx context.Context) error {
	var out []redash.Query
	for q, err := range g.client.Queries.ListIter(ctx, redash.QueryListOptions{}) {
		if err != nil {
			return fmt.Errorf("list queries: %w", err)
		}
		g.bar.Add(1)
		out = append(out, q)
	}
	g.mu.Lock()
	g.inv.Queries = out
	g.mu.Unlock()
	return nil
}

func (g *gatherer) archived(ctx context.Context) error {
	var ids []int
	for q, err := range g.client.Queries.ListIter(ctx, redash.QueryListOptions{Archived: true}) {
		if err != nil {
			return g.optional(audit.SourceArchive, wrap("list archived queries", err))
		}
		ids = append(ids, q.ID)
	}
	g.mu.Lock()
	g.inv.ArchivedIDs = ids
	g.mu.Unlock()
	return nil
}

// dashboards lists the dashboards and reads each one's widgets as soon as
// its list page arrives.
func (g *gatherer) dashboards(ctx context.Context) error {
	eg, ctx := errgroup.WithContext(ctx)
	todo := make(chan redash.Dashboard)
	var (
		mu  sync.Mutex
		out []audit.Dashboard
	)
	for range 2 * g.client.Concurrency() {
		eg.Go(func() error {
			for d := range todo {
				ad, ok, err := g.dashboard(ctx, d)
				if err != nil {
					return err
				}
				if ok {
					mu.Lock()
					out = append(out, ad)
					mu.Unlock()
				}
				g.bar.Add(1)
			}
			return nil
		})
	}
	var listErr error
list:
	for d, err := range g.client.Dashboards.ListIter(ctx, redash.DashboardListOptions{}) {
		if err != nil {
			listErr = err
			break
		}
		if d.IsArchived {
			continue
		}
		select {
		case todo <- d:
		case <-ctx.Done():
			break list
		}
	}
	close(todo)
	werr := eg.Wait()
	if listErr != nil {
		return g.optional(audit.SourceDashboards, wrap("list dashboards", listErr))
	}
	if werr != nil {
		return werr
	}
	g.mu.Lock()
	g.inv.Dashboards = out
	g.mu.Unlock()
	return nil
}

// dashboard reads one dashboard's widgets. A dashboard deleted since it was
// listed is skipped; one the key may not open counts as one hidden widget.
func (g *gatherer) dashboard(ctx context.Context, d redash.Dashboard) (audit.Dashboard, bool, error) {
	full, err := g.client.Dashboards.GetByRef(ctx, d)
	switch {
	case errors.Is(err, redash.ErrForbidden):
		return audit.Dashboard{ID: d.ID, Name: d.Name, Restricted: 1}, true, nil
	case errors.Is(err, redash.ErrNotFound):
		return audit.Dashboard{}, false, nil
	case err != nil:
		return audit.Dashboard{}, false, fmt.Errorf("read dashboard %d: %w", d.ID, err)
	}
	if full.IsArchived {
		return audit.Dashboard{}, false, nil
	}
	ad := audit.Dashboard{ID: full.ID, Name: full.Name}
	for _, w := range full.Widgets {
		switch {
		case w.Restricted:
			ad.Restricted++
		case w.QueryID() != 0:
			ad.QueryIDs = append(ad.QueryIDs, w.QueryID())
		}
	}
	return ad, true, nil
}

func (g *gatherer) alerts(ctx context.Context) error {
	list, err := g.client.Alerts.List(ctx)
	if err != nil {
		return g.optional(audit.SourceAlerts, err)
	}
	out := make([]audit.Alert, len(list))
	for i, a := range list {
		out[i] = audit.Alert{ID: a.ID, Name: a.Name, QueryID: a.Query.ID}
	}
	g.mu.Lock()
	g.inv.Alerts = out
	g.mu.Unlock()
	return nil
}

// users reads the disabled users (v5+; nobody is disabled on v4). Query
// owners carry their own disabled flag too; the list also covers owners
// whose embedded user object is incomplete.
func (g *gatherer) users(ctx context.Context) error {
	if g.inv.Version.Less(redash.Version{Major: 5}) {
		return nil
	}
	var ids []int
	for u, err := range g.client.Users.ListIter(ctx, redash.UserListOptions{Disabled: true}) {
		if err != nil {
			return g.optional(audit.SourceUsers, wrap("list disabled users", err))
		}
		if u.IsDisabled || u.DisabledAt != nil {
			ids = append(ids, u.ID)
		}
	}
	g.mu.Lock()
	g.inv.DisabledUserIDs = ids
	g.mu.Unlock()
	return nil
}

func (g *gatherer) dataSources(ctx context.Context) error {
	list, err := g.client.DataSources.List(ctx)
	if err != nil {
		return g.optional(audit.SourceDataSources, err)
	}
	g.mu.Lock()
	g.inv.DataSources = list
	g.mu.Unlock()
	return nil
}

// events reads the log newest first and stops at the first event older
// than the window.
func (g *gatherer) events(ctx context.Context) error {
	log := audit.NewEventLog(g.opts.since)
	for e, err := range g.client.Events.ListIter(ctx, redash.EventListOptions{}) {
		if err != nil {
			return g.optional(audit.SourceEvents, wrap("read the events log", err))
		}
		g.bar.Add(1)
		if !log.Add(&e) {
			break
		}
	}
	g.mu.Lock()
	g.inv.Events = log
	g.mu.Unlock()
	return nil
}

// probe fetches the ids the lists skip, one GET each.
func (g *gatherer) probe(ctx context.Context) error {
	gaps := g.inv.Gaps()
	eg, ctx := errgroup.WithContext(ctx)
	todo := make(chan int)
	var (
		mu    sync.Mutex
		found []redash.Query
	)
	for range 2 * g.client.Concurrency() {
		eg.Go(func() error {
			for id := range todo {
				q, err := g.client.Queries.Get(ctx, id)
				g.bar.Add(1)
				switch {
				case errors.Is(err, redash.ErrNotFound), errors.Is(err, redash.ErrForbidden):
					continue
				case err != nil:
					return fmt.Errorf("probe query %d: %w", id, err)
				}
				q.Visualizations = nil
				mu.Lock()
				found = append(found, *q)
				mu.Unlock()
			}
			return nil
		})
	}
feed:
	for _, id := range gaps {
		select {
		case todo <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(todo)
	if err := eg.Wait(); err != nil {
		return err
	}
	g.inv.Hidden = found
	g.inv.Probed = gaps
	return nil
}

func wrap(what string, err error) error { return fmt.Errorf("%s: %w", what, err) }
