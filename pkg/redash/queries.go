package redash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"sort"
	"strconv"
)

// QueriesService handles saved queries.
type QueriesService service

// QueryListOptions selects queries to list. Search, Tags and Order are sent
// only to servers that support them (v5+, see ServerFilters); on v4 they are
// dropped and the caller must filter client-side.
type QueryListOptions struct {
	ListOptions
	// Search is Redash's full-text search (q): words ANDed, each a prefix.
	Search string
	// Tags keeps queries carrying all of these tags.
	Tags []string
	// Order is name, created_at, schedule, runtime, executed_at or
	// created_by, "-" prefixed for descending.
	Order string
	// Archived lists only archived queries (GET /api/queries/archive, v7+).
	Archived bool
	// My lists only the caller's queries (GET /api/queries/my).
	My bool
	// Favorites lists only the caller's favorites (v5+).
	Favorites bool
}

// ServerFilters reports whether a server of version v applies Search, Tags
// and Order itself. When false, List ignores them and the caller filters.
func (o QueryListOptions) ServerFilters(v Version) bool { return v.HasQuerySearch() }

func (o QueryListOptions) path(v Version) (string, error) {
	n := 0
	for _, b := range []bool{o.Archived, o.My, o.Favorites} {
		if b {
			n++
		}
	}
	if n > 1 {
		return "", errors.New("list queries: archived, my and favorites cannot be combined")
	}
	switch {
	case o.Archived:
		if !v.HasArchiveList() {
			return "", fmt.Errorf("list archived queries: %w", &UnsupportedError{Feature: "listing archived queries", Version: v, Since: Version{Major: 7}})
		}
		return "api/queries/archive", nil
	case o.Favorites:
		if !v.HasFavorites() {
			return "", fmt.Errorf("list favorite queries: %w", &UnsupportedError{Feature: "favorites", Version: v, Since: Version{Major: 5}})
		}
		return "api/queries/favorites", nil
	case o.My:
		return "api/queries/my", nil
	}
	return "api/queries", nil
}

func (o QueryListOptions) values(v Version, page ListOptions) url.Values {
	q := page.values()
	if !o.ServerFilters(v) {
		return q
	}
	if o.Search != "" {
		q.Set("q", o.Search)
	}
	for _, t := range o.Tags {
		q.Add("tags", t)
	}
	if o.Order != "" {
		q.Set("order", o.Order)
	}
	return q
}

func (s *QueriesService) fetcher(ctx context.Context, opts QueryListOptions) (pageFetcher[Query], ListOptions, error) {
	page, err := opts.ListOptions.normalized()
	if err != nil {
		return nil, page, fmt.Errorf("list queries: %w", err)
	}
	v, err := s.client.Version(ctx)
	if err != nil {
		return nil, page, fmt.Errorf("list queries: %w", err)
	}
	path, err := opts.path(v)
	if err != nil {
		return nil, page, err
	}
	tags := append([]string(nil), opts.Tags...)
	o := opts
	o.Tags = tags
	users := newUserCache()
	fetch := func(ctx context.Context, n, size int) (*Page[Query], error) {
		p, err := getPageOf(ctx, s.client, path, o.values(v, ListOptions{Page: n, PageSize: size}),
			func(w *queryWire) Query { return w.queryWith(users) })
		if err != nil {
			return nil, fmt.Errorf("list queries (page %d): %w", n, err)
		}
		return p, nil
	}
	return fetch, page, nil
}

// List returns one page of queries (PageSize 0 means 250). It never calls
// GET /api/queries/{id}. From v6 each page read records a "list" (or
// "search") event, not a view.
//
// Redash API: GET /api/queries (or /api/queries/archive, /my, /favorites)
func (s *QueriesService) List(ctx context.Context, opts QueryListOptions) (*Page[Query], error) {
	fetch, page, err := s.fetcher(ctx, opts)
	if err != nil {
		return nil, err
	}
	return fetch(ctx, page.Page, page.PageSize)
}

// ListIter yields every query of the list from opts.Page on, in page order,
// de-duplicated by id. After the first page it reads the remaining
// ceil(count/250)-1 pages concurrently (up to the client's concurrency, at
// most twice that many pages ahead of the caller) and stops at count; rows
// added while paging are picked up from the pages they shift onto, and a
// list that shrinks ends quietly. Breaking out of the loop stops all
// fetching. opts is not modified.
//
// Redash API: GET /api/queries (or /api/queries/archive, /my, /favorites)
func (s *QueriesService) ListIter(ctx context.Context, opts QueryListOptions) iter.Seq2[Query, error] {
	return func(yield func(Query, error) bool) {
		p, err := s.pager(ctx, opts)
		if err != nil {
			yield(Query{}, err)
			return
		}
		p.iter(ctx)(yield)
	}
}

func (s *QueriesService) pager(ctx context.Context, opts QueryListOptions) (pager[Query], error) {
	fetch, page, err := s.fetcher(ctx, opts)
	if err != nil {
		return pager[Query]{}, err
	}
	return pager[Query]{
		fetch: fetch, start: page.Page, size: page.PageSize, ahead: s.client.readAhead(),
		filter: dedupeBy(func(q Query) int { return q.ID }),
	}, nil
}

// ListAll returns every query of the list; see ListIter.
//
// Redash API: GET /api/queries (or /api/queries/archive, /my, /favorites)
func (s *QueriesService) ListAll(ctx context.Context, opts QueryListOptions) ([]Query, error) {
	p, err := s.pager(ctx, opts)
	if err != nil {
		return nil, err
	}
	return p.all(ctx)
}

// Get returns one query with its visualizations. From Redash v6 on, every
// call records a "view" event on the query, which corrupts usage audits:
// never use it in listing or audit paths (the list endpoints carry all
// fields but visualizations).
//
// Redash API: GET /api/queries/{id}
func (s *QueriesService) Get(ctx context.Context, id int) (*Query, error) {
	var q Query
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/queries/" + strconv.Itoa(id), out: &q}); err != nil {
		return nil, fmt.Errorf("get query %d: %w", id, err)
	}
	return &q, nil
}

// CreateQueryRequest is the body of a new query. Redash always creates it as
// a draft.
type CreateQueryRequest struct {
	Name         string
	SQL          string
	DataSourceID int
	Description  string
	// Schedule is written in the server version's shape when set.
	Schedule *Schedule
	Options  *QueryOptions
	// Tags needs v5+.
	Tags []string
}

// Create saves a new query (always as a draft) and returns it.
//
// Redash API: POST /api/queries
func (s *QueriesService) Create(ctx context.Context, req CreateQueryRequest) (*Query, error) {
	v, err := s.client.Version(ctx)
	if err != nil {
		return nil, fmt.Errorf("create query: %w", err)
	}
	body := map[string]any{"name": req.Name, "query": req.SQL, "data_source_id": req.DataSourceID}
	if req.Description != "" {
		body["description"] = req.Description
	}
	if req.Schedule != nil {
		body["schedule"] = req.Schedule.EncodeFor(v)
	}
	if req.Options != nil {
		body["options"] = *req.Options
	} else {
		body["options"] = map[string]any{"parameters": []any{}}
	}
	if len(req.Tags) > 0 {
		if !v.HasTags() {
			return nil, fmt.Errorf("create query: %w", &UnsupportedError{Feature: "tags", Version: v, Since: Version{Major: 5}})
		}
		body["tags"] = req.Tags
	}
	var q Query
	if err := s.client.do(ctx, request{method: http.MethodPost, path: "api/queries", body: body, out: &q}); err != nil {
		return nil, fmt.Errorf("create query: %w", err)
	}
	return &q, nil
}

// UpdateQueryRequest holds the fields to change; nil fields are not sent.
// Send Version too: a mismatch gives 409 (ErrConflict). Redash never
// advances a query's version, so it does not catch concurrent edits.
type UpdateQueryRequest struct {
	Name         *string
	Description  *string
	SQL          *string
	DataSourceID *int
	// Schedule, when non-nil, is written in the server version's shape; a
	// pointer to an unset Schedule clears it (null).
	Schedule *Schedule
	Options  *QueryOptions
	// Tags replaces the whole tag list (v5+).
	Tags       *[]string
	IsDraft    *bool
	IsArchived *bool
	Version    *int
}

func (r UpdateQueryRequest) body(v Version) (map[string]any, error) {
	b := map[string]any{}
	if r.Name != nil {
		b["name"] = *r.Name
	}
	if r.Description != nil {
		b["description"] = *r.Description
	}
	if r.SQL != nil {
		b["query"] = *r.SQL
	}
	if r.DataSourceID != nil {
		b["data_source_id"] = *r.DataSourceID
	}
	if r.Schedule != nil {
		b["schedule"] = r.Schedule.EncodeFor(v)
	}
	if r.Options != nil {
		b["options"] = *r.Options
	}
	if r.Tags != nil {
		if !v.HasTags() {
			return nil, &UnsupportedError{Feature: "tags", Version: v, Since: Version{Major: 5}}
		}
		tags := *r.Tags
		if tags == nil {
			tags = []string{}
		}
		b["tags"] = tags
	}
	if r.IsDraft != nil {
		b["is_draft"] = *r.IsDraft
	}
	if r.IsArchived != nil {
		b["is_archived"] = *r.IsArchived
	}
	if r.Version != nil {
		b["version"] = *r.Version
	}
	return b, nil
}

// Update changes the given fields of a query and returns it (with
// visualizations). Setting IsArchived false un-archives, but does not bring
// back the schedule, widgets or alerts archiving removed. The request is
// retried on transient failures: it writes absolute values.
//
// Redash API: POST /api/queries/{id}
func (s *QueriesService) Update(ctx context.Context, id int, req UpdateQueryRequest) (*Query, error) {
	v, err := s.client.Version(ctx)
	if err != nil {
		return nil, fmt.Errorf("update query %d: %w", id, err)
	}
	body, err := req.body(v)
	if err != nil {
		return nil, fmt.Errorf("update query %d: %w", id, err)
	}
	var q Query
	if err := s.client.do(ctx, request{
		method: http.MethodPost, path: "api/queries/" + strconv.Itoa(id),
		body: body, out: &q, idempotent: true,
	}); err != nil {
		return nil, fmt.Errorf("update query %d: %w", id, err)
	}
	return &q, nil
}

// Archive archives a query. Redash then also clears its schedule, deletes
// every widget showing its visualizations and deletes its alerts and their
// subscriptions; none of that can be undone through the API, so back them up
// first. Archiving twice is harmless, so the request is retried on transient
// failures.
//
// Redash API: DELETE /api/queries/{id}
func (s *QueriesService) Archive(ctx context.Context, id int) error {
	if err := s.client.do(ctx, request{method: http.MethodDelete, path: "api/queries/" + strconv.Itoa(id), idempotent: true}); err != nil {
		return fmt.Errorf("archive query %d: %w", id, err)
	}
	return nil
}

// Tags returns every query tag with its count (non-archived queries, drafts
// included, in the caller's groups), most used first. Needs v5+.
//
// Redash API: GET /api/queries/tags
func (s *QueriesService) Tags(ctx context.Context) ([]Tag, error) {
	return tagsAt(ctx, s.client, "api/queries/tags", "query tags")
}

func tagsAt(ctx context.Context, c *Client, path, what string) ([]Tag, error) {
	if _, err := c.requireVersion(ctx, what, Version.HasTags, 5); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	var raw json.RawMessage
	if err := c.do(ctx, request{method: http.MethodGet, path: path, out: &raw}); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	tags, err := decodeTags(raw)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	return tags, nil
}

// decodeTags reads {"tags": [{"name", "count"}]} (v6+) or {"tag": count}
// (v5), and sorts by count descending, then name.
func decodeTags(raw json.RawMessage) ([]Tag, error) {
	var obj map[string]json.RawMessage
	if err := unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("decode tags: %w", err)
	}
	var tags []Tag
	if list, ok := obj["tags"]; ok && len(list) > 0 && list[0] == '[' {
		var w []struct {
			Name  nullString `json:"name"`
			Count flexInt    `json:"count"`
		}
		if err := unmarshal(list, &w); err != nil {
			return nil, fmt.Errorf("decode tags: %w", err)
		}
		for _, t := range w {
			tags = append(tags, Tag{Name: string(t.Name), Count: int(t.Count.v)})
		}
	} else {
		for name, n := range obj {
			var c flexInt
			if err := unmarshal(n, &c); err != nil {
				return nil, fmt.Errorf("decode tag %q: %w", name, err)
			}
			tags = append(tags, Tag{Name: name, Count: int(c.v)})
		}
	}
	sort.SliceStable(tags, func(i, j int) bool {
		if tags[i].Count != tags[j].Count {
			return tags[i].Count > tags[j].Count
		}
		return tags[i].Name < tags[j].Name
	})
	return tags, nil
}
