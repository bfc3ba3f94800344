package audit

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/redashctl/redashctl/pkg/redash"
)

// eventsPageSize is the most Redash serves a page.
const eventsPageSize = redash.MaxPageSize

// readEvents reads the events log newest first and hands each event once to
// add until add returns false or the log ends.
//
// Redash pages the log from the newest event, so every event recorded while
// it is read pushes all later pages down, and pages read concurrently are
// pushed by different amounts: rows repeat, and rows are skipped when a
// later page was served before an earlier one. (The audit's own reads add
// events from Redash 6: one per list page, one per dashboard.) So each row
// is placed by its position counted from the oldest event — count-1-i for
// row i of a page served with that count, which new events do not change —
// rows already read are dropped, and a range a page skipped is read again.
//
// ahead pages are fetched at once; the client's concurrency bounds how many
// are on the wire.
func readEvents(ctx context.Context, client *redash.Client, ahead int, add func(*redash.Event) bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		page *redash.Page[redash.Event]
		n    int
		err  error
	}
	fetch := func(n int) chan result {
		ch := make(chan result, 1)
		go func() {
			p, err := client.Events.List(ctx, redash.ListOptions{Page: n, PageSize: eventsPageSize})
			ch <- result{p, n, err}
		}()
		return ch
	}
	var queue []chan result
	defer func() {
		cancel()
		for _, ch := range queue {
			<-ch // no fetch outlives the read
		}
	}()

	first := <-fetch(1)
	if first.err != nil {
		return first.err
	}
	count := first.page.Count // the largest count seen
	next := count - 1         // position of the next event to hand over
	launched := 1
	pending := &first // a page to look at before the queue
	refills := 0
	for next >= 0 {
		for len(queue) < ahead && launched*eventsPageSize < count {
			launched++
			queue = append(queue, fetch(launched))
		}
		var r result
		switch {
		case pending != nil:
			r, pending = *pending, nil
		case len(queue) > 0:
			r, queue = <-queue[0], queue[1:]
		default:
			return nil // every page was read
		}
		if r.err != nil {
			if outOfRange(r.err) {
				return nil // the log shrank under us: it ends here
			}
			return r.err
		}
		count = max(count, r.page.Count)
		// Row i of the page is at position top-i.
		top := r.page.Count - 1 - (r.n-1)*eventsPageSize
		if len(r.page.Results) > 0 && top < next {
			// Events recorded since pushed the rows from next down to top
			// past this page's start: read the page that holds next now,
			// then this one again.
			if refills++; refills > maxRefills {
				return errors.New("the events log grows faster than it can be read: try again later")
			}
			held := r
			pending = &held
			n := (count-1-next)/eventsPageSize + 1
			fill := <-fetch(n)
			if fill.err != nil {
				if outOfRange(fill.err) {
					return nil
				}
				return fill.err
			}
			count = max(count, fill.page.Count)
			ftop := fill.page.Count - 1 - (n-1)*eventsPageSize
			if ftop >= next && !hand(fill.page.Results, ftop, &next, add) {
				return nil
			}
			continue
		}
		refills = 0
		if !hand(r.page.Results, top, &next, add) {
			return nil
		}
	}
	return nil
}

// maxRefills bounds how many times in a row a skipped range is read again.
const maxRefills = 20

// hand gives add the rows at positions next and below (row i of the page is
// at position top-i), moving next down; false when add wants no more.
func hand(rows []redash.Event, top int, next *int, add func(*redash.Event) bool) bool {
	for i := range rows {
		pos := top - i
		if pos > *next {
			continue // read already
		}
		if pos < *next {
			return true // cannot happen within a page; the caller refills
		}
		*next = pos - 1
		if !add(&rows[i]) {
			return false
		}
	}
	return true
}

// outOfRange recognises Redash's answer to a page past the end.
func outOfRange(err error) bool {
	var er *redash.ErrorResponse
	if !errors.As(err, &er) {
		return false
	}
	return er.StatusCode == http.StatusNotFound ||
		(er.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToLower(er.Message), "out of range"))
}
