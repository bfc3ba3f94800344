package redash

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
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

// ListIter yields events newest first, reading pages ahead of the consumer
// and stopping at count. Events have no id: when new events shift the list
// while it is read, the rows repeated at the start of a page (those that
// ended the previous page) are dropped. Break out of the loop as soon as
// events are older than the window you need (the log can hold tens of
// thousands of pages).
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
		fetch := func(ctx context.Context, n, size int) (*Page[Event], error) {
			return s.List(ctx, ListOptions{Page: n, PageSize: size})
		}
		p := pager[Event]{fetch: fetch, start: 1, size: page.PageSize, ahead: ahead, filter: overlapFilter()}
		p.iter(ctx)(yield)
	}
}

// eventKey identifies an event as well as the API allows.
func eventKey(e Event) string {
	uid := ""
	if e.UserID != nil {
		uid = strconv.Itoa(*e.UserID)
	}
	details, _ := json.Marshal(e.Details) // map keys are sorted
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%d\x00%s\x00%s", uid, e.Action, e.ObjectType, e.ObjectID,
		e.CreatedAt.Unix(), e.UserName, details)
}

// overlapFilter drops, from each page, the longest prefix that repeats the
// end of the previous page: what new events pushed down while paging.
func overlapFilter() func([]Event) []Event {
	var prev []string
	return func(items []Event) []Event {
		keys := make([]string, len(items))
		for i, e := range items {
			keys[i] = eventKey(e)
		}
		skip := 0
		if len(keys) > 0 {
			for i := max(0, len(prev)-len(keys)); i < len(prev); i++ {
				if prev[i] != keys[0] {
					continue
				}
				k := len(prev) - i
				match := true
				for j := 1; j < k; j++ {
					if prev[i+j] != keys[j] {
						match = false
						break
					}
				}
				if match {
					skip = k
					break
				}
			}
		}
		prev = keys
		return items[skip:]
	}
}
