package redash

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// ListOptions selects one page of a paginated list.
type ListOptions struct {
	// Page is 1-based; 0 means 1.
	Page int
	// PageSize is 1..250; 0 means 250, the most Redash serves.
	PageSize int
}

func (o ListOptions) normalized() (ListOptions, error) {
	if o.Page < 0 {
		return o, fmt.Errorf("invalid page %d: must be positive", o.Page)
	}
	if o.Page == 0 {
		o.Page = 1
	}
	if o.PageSize < 0 || o.PageSize > MaxPageSize {
		return o, fmt.Errorf("invalid page size %d: must be 1..%d", o.PageSize, MaxPageSize)
	}
	if o.PageSize == 0 {
		o.PageSize = MaxPageSize
	}
	return o, nil
}

func (o ListOptions) values() url.Values {
	return url.Values{"page": {strconv.Itoa(o.Page)}, "page_size": {strconv.Itoa(o.PageSize)}}
}

// Page is one page of a list. Redash pages in the body: {"count", "page",
// "page_size", "results"}. Lists that Redash does not paginate (v4 users and
// dashboards, alerts, data sources) come back as a single page holding
// everything.
type Page[T any] struct {
	// Count is the number of items in the whole list when the page was read.
	Count int `json:"count"`
	// Page is the 1-based page number.
	Page int `json:"page"`
	// PageSize is the page size asked for.
	PageSize int `json:"page_size"`
	// Results are the page's items.
	Results []T `json:"results"`

	unpaged bool
}

// Unpaged reports whether the server answered with a plain array (no paging).
func (p *Page[T]) Unpaged() bool { return p.unpaged }

// UnmarshalJSON reads the paging envelope or a plain array.
func (p *Page[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var items []T
		if err := unmarshal(b, &items); err != nil {
			return err
		}
		*p = Page[T]{Count: len(items), Page: 1, PageSize: len(items), Results: items, unpaged: true}
		return nil
	}
	var w struct {
		Count    flexInt `json:"count"`
		Page     flexInt `json:"page"`
		PageSize flexInt `json:"page_size"`
		Results  []T     `json:"results"`
	}
	if err := unmarshal(b, &w); err != nil {
		return err
	}
	*p = Page[T]{Count: int(w.Count.v), Page: int(w.Page.v), PageSize: int(w.PageSize.v), Results: w.Results}
	return nil
}

// bodyDecoder is a decode target that reads the raw body itself, so that a
// page is decoded in one pass instead of once per nesting level.
type bodyDecoder interface {
	decodeBody(b []byte) error
}

// pageTarget decodes a page (or a plain array) of wire items W into T.
type pageTarget[W, T any] struct {
	page *Page[T]
	conv func(*W) T
}

func (pt pageTarget[W, T]) decodeBody(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var items []W
		if err := unmarshal(b, &items); err != nil {
			return err
		}
		*pt.page = Page[T]{Count: len(items), Page: 1, PageSize: len(items), Results: pt.convert(items), unpaged: true}
		return nil
	}
	var w struct {
		Count    flexInt `json:"count"`
		Page     flexInt `json:"page"`
		PageSize flexInt `json:"page_size"`
		Results  []W     `json:"results"`
	}
	if err := unmarshal(b, &w); err != nil {
		return err
	}
	*pt.page = Page[T]{Count: int(w.Count.v), Page: int(w.Page.v), PageSize: int(w.PageSize.v), Results: pt.convert(w.Results)}
	return nil
}

func (pt pageTarget[W, T]) convert(items []W) []T {
	if pt.conv == nil {
		if out, ok := any(items).([]T); ok {
			return out
		}
	}
	out := make([]T, len(items))
	for i := range items {
		out[i] = pt.conv(&items[i])
	}
	return out
}

// getPageOf reads one page (or a plain array) from path, decoding items as
// W and converting them with conv.
func getPageOf[W, T any](ctx context.Context, c *Client, path string, q url.Values, conv func(*W) T) (*Page[T], error) {
	var p Page[T]
	if err := c.do(ctx, request{method: http.MethodGet, path: path, query: q, out: pageTarget[W, T]{page: &p, conv: conv}}); err != nil {
		return nil, err
	}
	return &p, nil
}

// getPage reads one page (or a plain array) of T from path.
func getPage[T any](ctx context.Context, c *Client, path string, q url.Values) (*Page[T], error) {
	return getPageOf[T, T](ctx, c, path, q, nil)
}

// pageFetcher reads page n of a list, with the given page size.
type pageFetcher[T any] func(ctx context.Context, n, size int) (*Page[T], error)

// pager walks a paginated list once: it reads the first page, learns count,
// then starts the fetches of the next ahead pages at once and yields items in
// page order. The client's in-flight limit (its concurrency) bounds how many
// of those fetches are on the wire at a time, and a slot freed by any page is
// taken at once by the next, so one slow page does not stall the others.
// filter sees each page's items in order and returns those to yield (it
// de-duplicates).
type pager[T any] struct {
	fetch pageFetcher[T]
	start int
	size  int
	// ahead is how many pages past the one being consumed may be fetched
	// or held; breaking out of the loop wastes at most that many requests.
	ahead  int
	filter func([]T) []T
	// onCount, when set, learns the list's count from the first page.
	onCount func(count int)
}

// endOfList reports whether err, for a page after the first, means the list
// got shorter while we paged: "Page is out of range" (400), or the 404
// Flask-SQLAlchemy gives when count fell to 0.
func endOfList(err error) bool {
	var er *ErrorResponse
	if !errors.As(err, &er) {
		return false
	}
	switch er.StatusCode {
	case http.StatusBadRequest:
		return strings.Contains(strings.ToLower(er.Message), "page is out of range")
	case http.StatusNotFound:
		return true
	}
	return false
}

func ceilDiv(a, b int) int {
	if b <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

type pageResult[T any] struct {
	page *Page[T]
	err  error
}

func (p pager[T]) iter(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		var wg sync.WaitGroup
		defer wg.Wait() // runs after cancel: no fetch outlives the iterator
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()

		emit := func(items []T) bool {
			if p.filter != nil {
				items = p.filter(items)
			}
			for _, it := range items {
				if !yield(it, nil) {
					return false
				}
			}
			return true
		}

		first, err := p.fetch(ctx, p.start, p.size)
		if err != nil {
			yield(zero, err)
			return
		}
		if first.unpaged {
			emit(first.Results)
			return
		}
		if p.onCount != nil {
			p.onCount(first.Count)
		}
		if !emit(first.Results) {
			return
		}
		count := first.Count
		last := ceilDiv(count, p.size)
		ahead := max(p.ahead, 1)

		var queue []chan pageResult[T]
		next := p.start + 1
		launch := func() {
			n := next
			next++
			ch := make(chan pageResult[T], 1)
			queue = append(queue, ch)
			wg.Add(1)
			go func() {
				defer wg.Done()
				pg, err := p.fetch(ctx, n, p.size)
				ch <- pageResult[T]{pg, err}
			}()
		}
		for n := p.start + 1; n <= last; n++ {
			for next <= last && next < n+ahead {
				launch()
			}
			r := <-queue[0]
			queue = queue[1:]
			if r.err != nil {
				if endOfList(r.err) {
					return
				}
				yield(zero, r.err)
				return
			}
			if r.page.unpaged {
				// A server that ignores page and answers with everything.
				emit(r.page.Results)
				return
			}
			if r.page.Count > count {
				// Rows were added while we paged: later rows shifted onto
				// pages past the old end; fetch those too.
				count = r.page.Count
				last = ceilDiv(count, p.size)
			}
			if !emit(r.page.Results) {
				return
			}
			if len(r.page.Results) == 0 {
				return
			}
		}
	}
}

// dedupeBy returns a stateful filter that drops items whose key was seen.
func dedupeBy[T any, K comparable](key func(T) K) func([]T) []T {
	seen := make(map[K]struct{})
	return func(items []T) []T {
		out := items[:0] // pages are freshly decoded: filter in place
		for _, it := range items {
			k := key(it)
			if _, dup := seen[k]; dup {
				continue
			}
			seen[k] = struct{}{}
			out = append(out, it)
		}
		return out
	}
}

// collect drains an iterator into a slice.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for it, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}

// all drains the pager into a slice sized from the first page's count.
func (p pager[T]) all(ctx context.Context) ([]T, error) {
	var out []T
	p.onCount = func(n int) { out = make([]T, 0, min(n, 1<<20)) }
	for it, err := range p.iter(ctx) {
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}
