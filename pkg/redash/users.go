package redash

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// UsersService handles users.
type UsersService service

// UserListOptions selects users to list.
type UserListOptions struct {
	ListOptions
	// Search matches names and e-mails (v5+).
	Search string
	// Disabled lists disabled users instead of enabled ones (v5+; v4 has no
	// disabled users, so the list is then empty).
	Disabled bool
	// Pending, when set, keeps only users whose invitation is (or is not)
	// pending (v8+; filtered client-side before).
	Pending *bool
}

// keep filters what the server of version v could not.
func (o UserListOptions) keep(v Version) func(User) bool {
	return func(u User) bool {
		if !v.PaginatedUsers() && u.IsDisabled != o.Disabled {
			return false
		}
		if o.Pending != nil && u.IsInvitationPending != *o.Pending {
			return false
		}
		return true
	}
}

func filterSlice[T any](items []T, keep func(T) bool) []T {
	out := items[:0:0]
	for _, it := range items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}

func (s *UsersService) fetcher(ctx context.Context, opts UserListOptions) (pageFetcher[User], ListOptions, Version, error) {
	page, err := opts.ListOptions.normalized()
	if err != nil {
		return nil, page, Version{}, fmt.Errorf("list users: %w", err)
	}
	v, err := s.client.Version(ctx)
	if err != nil {
		return nil, page, v, fmt.Errorf("list users: %w", err)
	}
	fetch := func(ctx context.Context, n, size int) (*Page[User], error) {
		var q url.Values
		if v.PaginatedUsers() {
			q = ListOptions{Page: n, PageSize: size}.values()
			if opts.Search != "" {
				q.Set("q", opts.Search)
			}
			// "true" works for both forms: v5–v7 test the parameter's mere
			// presence, v8+ parse it strictly as true/false.
			if opts.Disabled {
				q.Set("disabled", "true")
			}
			if opts.Pending != nil && v.UsersDisabledBoolean() {
				q.Set("pending", fmt.Sprint(*opts.Pending))
			}
		}
		p, err := getPageOf(ctx, s.client, "api/users", q, (*userWire).user)
		if err != nil {
			return nil, fmt.Errorf("list users (page %d): %w", n, err)
		}
		return p, nil
	}
	return fetch, page, v, nil
}

// List returns one page of users; v4 answers with every user in one unpaged
// Page.
//
// Redash API: GET /api/users
func (s *UsersService) List(ctx context.Context, opts UserListOptions) (*Page[User], error) {
	fetch, page, v, err := s.fetcher(ctx, opts)
	if err != nil {
		return nil, err
	}
	p, err := fetch(ctx, page.Page, page.PageSize)
	if err != nil {
		return nil, err
	}
	p.Results = filterSlice(p.Results, opts.keep(v))
	return p, nil
}

// ListIter yields every user matching opts, paging like
// QueriesService.ListIter.
//
// Redash API: GET /api/users
func (s *UsersService) ListIter(ctx context.Context, opts UserListOptions) iter.Seq2[User, error] {
	return func(yield func(User, error) bool) {
		fetch, page, v, err := s.fetcher(ctx, opts)
		if err != nil {
			yield(User{}, err)
			return
		}
		dedupe, keep := dedupeBy(func(u User) int { return u.ID }), opts.keep(v)
		p := pager[User]{
			fetch: fetch, start: page.Page, size: page.PageSize, ahead: s.client.readAhead(),
			filter: func(us []User) []User { return filterSlice(dedupe(us), keep) },
		}
		p.iter(ctx)(yield)
	}
}

// ListAll returns every user matching opts; see ListIter.
//
// Redash API: GET /api/users
func (s *UsersService) ListAll(ctx context.Context, opts UserListOptions) ([]User, error) {
	return collect(s.ListIter(ctx, opts))
}

// DataSourcesService handles data sources.
type DataSourcesService service

// List returns the data sources visible to the caller (all of them for an
// admin).
//
// Redash API: GET /api/data_sources
func (s *DataSourcesService) List(ctx context.Context) ([]DataSource, error) {
	var out []DataSource
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/data_sources", out: &out}); err != nil {
		return nil, fmt.Errorf("list data sources: %w", err)
	}
	return out, nil
}
