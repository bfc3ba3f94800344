package redash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

// DashboardsService handles dashboards.
type DashboardsService service

// DashboardListOptions selects dashboards to list. Search and Tags are sent to
// v5+ servers only (v4 returns a plain array of every visible dashboard).
type DashboardListOptions struct {
	ListOptions
	// Search matches names (ILIKE), v5+.
	Search string
	// Tags keeps dashboards carrying all of these tags, v5+.
	Tags []string
}

func (s *DashboardsService) fetcher(ctx context.Context, opts DashboardListOptions) (pageFetcher[Dashboard], ListOptions, error) {
	page, err := opts.ListOptions.normalized()
	if err != nil {
		return nil, page, fmt.Errorf("list dashboards: %w", err)
	}
	v, err := s.client.Version(ctx)
	if err != nil {
		return nil, page, fmt.Errorf("list dashboards: %w", err)
	}
	search, tags := opts.Search, append([]string(nil), opts.Tags...)
	fetch := func(ctx context.Context, n, size int) (*Page[Dashboard], error) {
		var q url.Values
		if v.PaginatedDashboards() {
			q = ListOptions{Page: n, PageSize: size}.values()
			if search != "" {
				q.Set("q", search)
			}
			for _, t := range tags {
				q.Add("tags", t)
			}
		}
		p, err := getPage[Dashboard](ctx, s.client, "api/dashboards", q)
		if err != nil {
			return nil, fmt.Errorf("list dashboards (page %d): %w", n, err)
		}
		return p, nil
	}
	return fetch, page, nil
}

// List returns one page of dashboards; v4 answers with every dashboard in
// one unpaged Page. Items carry no widgets.
//
// Redash API: GET /api/dashboards
func (s *DashboardsService) List(ctx context.Context, opts DashboardListOptions) (*Page[Dashboard], error) {
	fetch, page, err := s.fetcher(ctx, opts)
	if err != nil {
		return nil, err
	}
	return fetch(ctx, page.Page, page.PageSize)
}

// ListIter yields every non-archived dashboard visible to the caller, paging
// like QueriesService.ListIter.
//
// Redash API: GET /api/dashboards
func (s *DashboardsService) ListIter(ctx context.Context, opts DashboardListOptions) iter.Seq2[Dashboard, error] {
	return func(yield func(Dashboard, error) bool) {
		fetch, page, err := s.fetcher(ctx, opts)
		if err != nil {
			yield(Dashboard{}, err)
			return
		}
		p := pager[Dashboard]{
			fetch: fetch, start: page.Page, size: page.PageSize, ahead: s.client.readAhead(),
			filter: dedupeBy(func(d Dashboard) int { return d.ID }),
		}
		p.iter(ctx)(yield)
	}
}

// ListAll returns every dashboard; see ListIter.
//
// Redash API: GET /api/dashboards
func (s *DashboardsService) ListAll(ctx context.Context, opts DashboardListOptions) ([]Dashboard, error) {
	return collect(s.ListIter(ctx, opts))
}

// Get returns one dashboard with its widgets. ref is the slug up to v9 and
// the id (as a string) from v10; GetByRef picks the right one. From v6 each
// call records a "view" event on the dashboard.
//
// Redash API: GET /api/dashboards/{slug} (v4–v9), GET /api/dashboards/{id} (v10+)
func (s *DashboardsService) Get(ctx context.Context, ref string) (*Dashboard, error) {
	if ref == "" {
		return nil, errors.New("get dashboard: empty slug or id")
	}
	var d Dashboard
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/dashboards/" + url.PathEscape(ref), out: &d}); err != nil {
		return nil, fmt.Errorf("get dashboard %s: %w", ref, err)
	}
	return &d, nil
}

// GetByRef returns the dashboard d (for example a list item) with its
// widgets, addressing it by id on v10+ and by slug before (on v10+ the slug
// field is derived from the name and cannot be used).
//
// Redash API: GET /api/dashboards/{slug} (v4–v9), GET /api/dashboards/{id} (v10+)
func (s *DashboardsService) GetByRef(ctx context.Context, d Dashboard) (*Dashboard, error) {
	v, err := s.client.Version(ctx)
	if err != nil {
		return nil, fmt.Errorf("get dashboard %d: %w", d.ID, err)
	}
	return s.Get(ctx, s.Ref(v, d))
}

// Ref returns how a server of version v addresses d: its id from v10, its
// slug before.
func (s *DashboardsService) Ref(v Version, d Dashboard) string {
	if v.DashboardsByID() || d.Slug == "" {
		return strconv.Itoa(d.ID)
	}
	return d.Slug
}

// Tags returns every dashboard tag with its count, most used first (v5+).
//
// Redash API: GET /api/dashboards/tags
func (s *DashboardsService) Tags(ctx context.Context) ([]Tag, error) {
	return tagsAt(ctx, s.client, "api/dashboards/tags", "dashboard tags")
}

// WidgetsService creates and deletes dashboard widgets.
type WidgetsService service

// CreateWidgetRequest is the body of a new widget.
type CreateWidgetRequest struct {
	DashboardID int
	// VisualizationID is nil for a text box (it is always sent: Redash
	// answers 500 when the key is missing).
	VisualizationID *int
	Width           int
	// Options holds the grid position and parameter mappings; nil sends {}.
	Options json.RawMessage
	Text    string
}

// Create adds a widget to a dashboard and returns it with its new id.
//
// Redash API: POST /api/widgets
func (s *WidgetsService) Create(ctx context.Context, req CreateWidgetRequest) (*Widget, error) {
	opts := req.Options
	if len(opts) == 0 {
		opts = json.RawMessage(`{}`)
	}
	width := req.Width
	if width == 0 {
		width = 1
	}
	body := map[string]any{
		"dashboard_id":     req.DashboardID,
		"visualization_id": req.VisualizationID,
		"width":            width,
		"options":          opts,
		"text":             req.Text,
	}
	var raw json.RawMessage
	if err := s.client.do(ctx, request{method: http.MethodPost, path: "api/widgets", body: body, out: &raw}); err != nil {
		return nil, fmt.Errorf("create widget on dashboard %d: %w", req.DashboardID, err)
	}
	// v4.0.0 wraps the widget in {"widget": ...}; later versions do not.
	var wrapped struct {
		Widget *Widget `json:"widget"`
	}
	if err := unmarshal(raw, &wrapped); err == nil && wrapped.Widget != nil {
		return wrapped.Widget, nil
	}
	var w Widget
	if err := unmarshal(raw, &w); err != nil {
		return nil, fmt.Errorf("create widget on dashboard %d: %w", req.DashboardID, err)
	}
	return &w, nil
}

// Delete removes a widget.
//
// Redash API: DELETE /api/widgets/{id}
func (s *WidgetsService) Delete(ctx context.Context, id int) error {
	if err := s.client.do(ctx, request{method: http.MethodDelete, path: "api/widgets/" + strconv.Itoa(id), idempotent: true}); err != nil {
		return fmt.Errorf("delete widget %d: %w", id, err)
	}
	return nil
}

// ListWithWidgets returns every dashboard the caller can list, each read
// once with its widgets (GET per dashboard, up to the client's concurrency
// at a time), in list order. A dashboard archived or deleted between the
// list and its GET (404) is left out. It is how to find the widgets showing
// a query: no endpoint lists widgets by query. From v6 each GET records a
// "view" event on the dashboard.
//
// Redash API: GET /api/dashboards, then GET /api/dashboards/{slug} (v4–v9)
// or GET /api/dashboards/{id} (v10+)
func (s *DashboardsService) ListWithWidgets(ctx context.Context, opts DashboardListOptions) ([]Dashboard, error) {
	list, err := s.ListAll(ctx, opts)
	if err != nil {
		return nil, err
	}
	v, err := s.client.Version(ctx)
	if err != nil {
		return nil, fmt.Errorf("list dashboards: %w", err)
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]*Dashboard, len(list))
	errs := make([]error, len(list))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s.client.concurrency, len(list)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d, err := s.Get(ctx, s.Ref(v, list[i]))
				switch {
				case errors.Is(err, ErrNotFound):
				case err != nil:
					errs[i] = err
					cancel()
				default:
					out[i] = d
				}
			}
		}()
	}
feed:
	for i := range list {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := parent.Err(); err != nil {
		return nil, fmt.Errorf("list dashboards: %w", err)
	}
	result := make([]Dashboard, 0, len(list))
	for _, d := range out {
		if d != nil {
			result = append(result, *d)
		}
	}
	return result, nil
}
