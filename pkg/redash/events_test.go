package redash

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// growingLog is an events log, newest first, that events are recorded into
// while it is read: before serves page n, it runs before(n) first.
type growingLog struct {
	base time.Time

	mu     sync.Mutex
	events []map[string]any
	added  int
	before func(page int)
}

// newGrowingLog holds n events; event i (1 is the oldest) has object id i.
func newGrowingLog(n int) *growingLog {
	l := &growingLog{base: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}
	for i := n; i >= 1; i-- {
		l.events = append(l.events, makeEvent(i, l.base.Add(time.Duration(i)*time.Second)))
	}
	return l
}

// record adds k events newer than every other; their object ids start "new".
func (l *growingLog) record(k int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fresh := make([]map[string]any, 0, k+len(l.events))
	for range k {
		l.added++
		e := makeEvent(0, l.base.Add(time.Duration(1_000_000+l.added)*time.Second))
		e["object_id"] = fmt.Sprintf("new%d", l.added)
		fresh = append([]map[string]any{e}, fresh...)
	}
	l.events = append(fresh, l.events...)
}

func (l *growingLog) serve(f *fakeRedash) {
	f.routes["GET /api/events"] = func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if l.before != nil {
			l.before(n)
		}
		l.mu.Lock()
		rows := slicesClone(l.events)
		l.mu.Unlock()
		f.list(w, r, rows)
	}
}

// readAllEvents drains ListIter into the object ids it yielded.
func readAllEvents(t *testing.T, c *Client, opts EventListOptions) ([]string, error) {
	t.Helper()
	var ids []string
	for e, err := range c.Events.ListIter(context.Background(), opts) {
		if err != nil {
			return ids, err
		}
		ids = append(ids, e.ObjectID)
	}
	return ids, nil
}

// wantIDs is "n", "n-1", …, "1": the log's events newest first.
func wantIDs(n int) []string {
	out := make([]string, 0, n)
	for i := n; i >= 1; i-- {
		out = append(out, strconv.Itoa(i))
	}
	return out
}

// TestEventsListIterShifted forces the ordering that loses rows when pages
// are trusted by number: page hold is held until page hold+1 was served,
// then events are recorded before it is served. Page hold+1 then comes from
// the smaller log and page hold from the larger one, so the rows between
// them belong to neither; they must be read again. Every event the log held
// at the start is yielded exactly once, in order, and no newer one.
func TestEventsListIterShifted(t *testing.T) {
	tests := []struct {
		name               string
		events, size       int
		ahead, hold, burst int
	}{
		{name: "less than a page", events: 2000, size: 250, hold: 2, burst: 30},
		{name: "more than two pages", events: 2000, size: 250, hold: 2, burst: 600},
		{name: "small pages, deep in the log", events: 1000, size: 40, ahead: 3, hold: 7, burst: 95},
		{name: "near the end", events: 1000, size: 100, hold: 9, burst: 150},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newGrowingLog(tt.events)
			served := make(chan struct{})
			var heldOnce, servedOnce sync.Once
			held := false
			l.before = func(n int) {
				switch n {
				case tt.hold:
					heldOnce.Do(func() {
						<-served
						held = true
						l.record(tt.burst)
					})
				case tt.hold + 1:
					// Served before this returns: the page is computed
					// before the burst is recorded.
					servedOnce.Do(func() { close(served) })
				}
			}
			f := newFake(t, "10.1.0")
			l.serve(f)
			c, _ := f.start(WithConcurrency(4))

			ids, err := readAllEvents(t, c, EventListOptions{PageSize: tt.size, ReadAhead: tt.ahead})
			require.NoError(t, err)
			require.True(t, held, "page %d was held until page %d was served", tt.hold, tt.hold+1)
			assert.Empty(t, cmp.Diff(wantIDs(tt.events), ids), "every event of the log at the start, once, newest first")
			pages := f.count("GET", "/api/events")
			assert.Greater(t, pages, (tt.events+tt.size-1)/tt.size, "the skipped range was read again")
		})
	}
}

// TestEventsListIterGrowing: every read records events (as reads of other
// lists do from Redash 6), so every page is served from a longer log.
func TestEventsListIterGrowing(t *testing.T) {
	for _, conc := range []int{1, 4} {
		t.Run(fmt.Sprint("concurrency ", conc), func(t *testing.T) {
			l := newGrowingLog(1500)
			l.before = func(n int) {
				if n > 1 {
					l.record(7)
				}
			}
			f := newFake(t, "10.1.0")
			l.serve(f)
			c, _ := f.start(WithConcurrency(conc))
			ids, err := readAllEvents(t, c, EventListOptions{PageSize: 50})
			require.NoError(t, err)
			assert.Empty(t, cmp.Diff(wantIDs(1500), ids), "every event of the log at the start, once, newest first")
		})
	}
}

// TestEventsListIterOutrun: a log that grows by more than a page per
// request cannot be read to the end; ListIter says so instead of reading
// forever.
func TestEventsListIterOutrun(t *testing.T) {
	l := newGrowingLog(500)
	l.before = func(n int) {
		if n > 1 {
			l.record(120)
		}
	}
	f := newFake(t, "10.1.0")
	l.serve(f)
	c, _ := f.start(WithConcurrency(2))
	ids, err := readAllEvents(t, c, EventListOptions{PageSize: 50, ReadAhead: 2})
	require.Error(t, err)
	assert.EqualError(t, err, "list events: the log grows faster than it can be read: try again later")
	assert.Equal(t, wantIDs(500)[:50], ids, "the first page, then nothing")
	assert.LessOrEqual(t, f.count("GET", "/api/events"), 1+(2*2+20)+1+2, "first page, the stalled reads, the read-ahead")
}

// TestEventsListIterStopWhileReReading: breaking out while a skipped range
// is being read again ends the read; no fetch outlives the loop.
func TestEventsListIterStopWhileReReading(t *testing.T) {
	l := newGrowingLog(1000)
	served := make(chan struct{})
	var heldOnce, servedOnce sync.Once
	l.before = func(n int) {
		switch n {
		case 2:
			heldOnce.Do(func() {
				<-served
				l.record(60)
			})
		case 3:
			servedOnce.Do(func() { close(served) })
		}
	}
	f := newFake(t, "10.1.0")
	l.serve(f)
	c, _ := f.start(WithConcurrency(4))
	var ids []string
	for e, err := range c.Events.ListIter(context.Background(), EventListOptions{PageSize: 100, ReadAhead: 4}) {
		require.NoError(t, err)
		ids = append(ids, e.ObjectID)
		if len(ids) == 230 {
			break
		}
	}
	assert.Equal(t, wantIDs(1000)[:230], ids)
}
