package redash

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
)

// EventsService reads the events log. Every call needs an admin key (403
// otherwise).
type EventsService service

// EventListOptions controls ListIter.
type EventListOptions struct {
	// PageSize is 1..250; 0 means 250.
	PageSize int
	// ReadAhead is how many pages are fetched ahead of the consumer; 0 means
	// twice the client's concurrency. Breaking out of the loop wastes at most
	// that many requests.
	ReadAhead int
}

// List returns one page of events, newest first.
//
// Redash API: GET /api/events
func (s *EventsService) List(ctx context.Context, opts ListOptions) (*Page[Event], error) {
	page, err := opts.normalized()
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	p, err := getPageOf(ctx, s.client, "api/events", page.values(), (*eventWire).event)
	if err != nil {
		return nil, fmt.Errorf("list events (page %d): %w", page.Page, err)
	}
	return p, nil
}

// ListIter yields, newest first and each once, the events the log held when
// its first page was read; events recorded later are not yielded. Pages are
// read ahead of the consumer, concurrently within the client's concurrency.
// Break out of the loop as soon as events are older than the window you
// need (the log can hold tens of thousands of pages).
//
// Redash pages the log from the newest event and events have no id, so
// every event recorded during the read pushes the later pages down, and
// pages read concurrently are pushed by different amounts. ListIter places
// each row by its position counted from the oldest event, which new events
// do not change: rows it has yielded are dropped, and a range a page skipped
// (a later page served before an earlier one) is read again.
//
// Redash API: GET /api/events
func (s *EventsService) ListIter(ctx context.Context, opts EventListOptions) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		page, err := ListOptions{PageSize: opts.PageSize}.normalized()
		if err != nil {
			yield(Event{}, fmt.Errorf("list events: %w", err))
			return
		}
		ahead := opts.ReadAhead
		if ahead <= 0 {
			ahead = s.client.readAhead()
		}
		r := eventReader{s: s, size: page.PageSize, ahead: ahead}
		if err := r.read(ctx, yield); err != nil {
			yield(Event{}, err)
		}
	}
}

// errLogOutruns is returned when reads keep finding only events newer than
// the ones still to yield.
var errLogOutruns = errors.New("list events: the log grows faster than it can be read: try again later")

// eventReader walks the events log once by position.
type eventReader struct {
	s     *EventsService
	size  int
	ahead int
}

type eventPage struct {
	n    int
	page *Page[Event]
	err  error
}

// top is the position, counted from the oldest event (0), of the page's
// first row: row i of page n served while the log held count events is at
// count-1-((n-1)*size+i).
func (r eventReader) top(p eventPage) int {
	return p.page.Count - 1 - (p.n-1)*r.size
}

// read yields the rows at positions next, next-1, …, 0, where next starts
// below the first page's count. It returns nil when the log is read or the
// consumer stopped.
func (r eventReader) read(ctx context.Context, yield func(Event, error) bool) error {
	var wg sync.WaitGroup
	defer wg.Wait() // runs after cancel: no fetch outlives the iterator
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	get := func(n int) eventPage {
		p, err := r.s.List(ctx, ListOptions{Page: n, PageSize: r.size})
		return eventPage{n: n, page: p, err: err}
	}

	first := get(1)
	if first.err != nil {
		return first.err
	}
	if first.page.unpaged {
		for _, e := range first.page.Results {
			if !yield(e, nil) {
				return nil
			}
		}
		return nil
	}
	count := first.page.Count // the largest count seen
	next := count - 1         // position of the next row to yield
	launched := 1
	var queue []chan eventPage
	pending := &first // a page to look at before the queue
	// stalls counts reads in a row that yielded nothing: pages holding only
	// newer rows (pushed down by a burst of events) and re-reads. Only a log
	// growing by about a page per request keeps it rising.
	stalls, maxStalls := 0, 2*r.ahead+20
	for next >= 0 {
		// Enough pages for the largest count seen; later pages are
		// launched as new events push rows past the old end.
		for len(queue) < r.ahead && launched*r.size < count {
			launched++
			n := launched
			ch := make(chan eventPage, 1)
			queue = append(queue, ch)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch <- get(n)
			}()
		}
		var cur eventPage
		switch {
		case pending != nil:
			cur, pending = *pending, nil
		case len(queue) > 0:
			cur, queue = <-queue[0], queue[1:]
		default:
			return nil // the log shrank: every page was read
		}
		if cur.err != nil {
			if endOfList(cur.err) {
				return nil // the log shrank under us: it ends here
			}
			return cur.err
		}
		count = max(count, cur.page.Count)
		if len(cur.page.Results) > 0 && r.top(cur) < next {
			// Events recorded before this page was served, and after an
			// earlier page was, pushed the rows from next down past this
			// page's start: read the page that holds next now, then look
			// at this one again.
			held := cur
			pending = &held
			fill := get((count-1-next)/r.size + 1)
			if fill.err != nil {
				if endOfList(fill.err) {
					return nil
				}
				return fill.err
			}
			count = max(count, fill.page.Count)
			cur = fill
		}
		before := next
		if !r.hand(cur.page.Results, r.top(cur), &next, yield) {
			return nil
		}
		if next < before {
			stalls = 0
		} else if stalls++; stalls > maxStalls {
			return errLogOutruns
		}
	}
	return nil
}

// hand yields the rows at positions next and below (row i is at position
// top-i), moving next down; false when the consumer stopped. It stops at a
// row below next: the range between was skipped and is read again.
func (eventReader) hand(rows []Event, top int, next *int, yield func(Event, error) bool) bool {
	for i := range rows {
		pos := top - i
		if pos > *next {
			continue // yielded already
		}
		if pos < *next {
			return true
		}
		*next = pos - 1
		if !yield(rows[i], nil) {
			return false
		}
	}
	return true
}
