package audit

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/pkg/redash"
)

var eventsNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func eventKey(action, objType, objID, sql string, at time.Time, user string) string {
	return fmt.Sprintf("%s|%s|%s|%s|%d|%s", action, objType, objID, sql, at.Unix(), user)
}

// shifter serves the fake and, once, holds page `hold` of the events log
// until page `hold+1` was served, then records `insert` new events before
// serving it: the later page is served before the shift, the earlier one
// after, so a reader that trusts page numbers skips rows.
type shifter struct {
	srv    *fakeredash.Server
	hold   string
	insert int

	once    sync.Once
	served  chan struct{}
	counted sync.Once
}

func (h *shifter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/events" && r.Method == http.MethodGet {
		page := r.URL.Query().Get("page")
		switch page {
		case h.hold:
			h.once.Do(func() {
				<-h.served
				body := "[" + strings.TrimSuffix(strings.Repeat(`{"action":"view","object_type":"dashboard","object_id":1},`, h.insert), ",") + "]"
				req := httptest.NewRequest(http.MethodPost, "/api/events", strings.NewReader(body))
				req.Header = r.Header.Clone()
				rec := httptest.NewRecorder()
				h.srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					panic(rec.Body.String())
				}
			})
		case nextPage(h.hold):
			defer h.counted.Do(func() { close(h.served) })
		}
	}
	h.srv.ServeHTTP(w, r)
}

func nextPage(p string) string {
	var n int
	_, _ = fmt.Sscan(p, &n)
	return fmt.Sprint(n + 1)
}

// readEvents hands add each event of the log through the client's
// iterator, as the audit reads it, until add returns false.
func readEvents(t *testing.T, client *redash.Client, ahead int, add func(*redash.Event) bool) error {
	t.Helper()
	for e, err := range client.Events.ListIter(context.Background(), redash.EventListOptions{ReadAhead: ahead}) {
		if err != nil {
			return err
		}
		if !add(&e) {
			break
		}
	}
	return nil
}

// TestReadEventsShifted: events recorded while the log is read push the
// pages down; a page served before the shift and the one above it served
// after it would skip rows. Through fakeredash, every event is handed over
// exactly once.
func TestReadEventsShifted(t *testing.T) {
	for _, insert := range []int{30, 600} {
		t.Run(fmt.Sprint(insert), func(t *testing.T) {
			srv, err := fakeredash.New(fakeredash.Options{Version: "10.1.0", Queries: 100, Events: 2000, Seed: 3, Now: eventsNow})
			require.NoError(t, err)
			want := map[string]int{}
			snap := srv.Snapshot().Events
			for _, e := range snap {
				want[eventKey(e.Action, e.ObjectType, e.ObjectID, e.SQL, e.CreatedAt, e.UserName)]++
			}
			h := &shifter{srv: srv, hold: "2", insert: insert, served: make(chan struct{})}
			hs := httptest.NewServer(h)
			defer hs.Close()
			client, err := redash.NewClient(hs.URL, redash.WithAPIKey(srv.AdminKey()), redash.WithConcurrency(4), redash.WithVersion(redash.MustParseVersion("10.1.0")))
			require.NoError(t, err)

			got := map[string]int{}
			var order []time.Time
			err = readEvents(t, client, 8, func(e *redash.Event) bool {
				sql, _ := e.Details["query"].(string)
				got[eventKey(e.Action, e.ObjectType, e.ObjectID, sql, e.CreatedAt, e.UserName)]++
				order = append(order, e.CreatedAt)
				return true
			})
			require.NoError(t, err)
			assert.Equal(t, want, got, "every event of the log exactly once")
			assert.Len(t, order, len(snap))
			for i := 1; i < len(order); i++ {
				require.False(t, order[i].After(order[i-1]), "newest first at %d", i)
			}
		})
	}
}

// TestReadEventsStops: the read stops when add says so, and reads about
// as many pages as it handed over plus its read-ahead.
func TestReadEventsStops(t *testing.T) {
	srv, err := fakeredash.New(fakeredash.Options{Version: "10.1.0", Queries: 100, Events: 5000, Seed: 3, Now: eventsNow})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	client, err := redash.NewClient(hs.URL, redash.WithAPIKey(srv.AdminKey()), redash.WithConcurrency(2), redash.WithVersion(redash.MustParseVersion("10.1.0")))
	require.NoError(t, err)
	n := 0
	require.NoError(t, readEvents(t, client, 4, func(*redash.Event) bool {
		n++
		return n < 600
	}))
	assert.Equal(t, 600, n)
	pages := 0
	for _, r := range srv.Requests() {
		if r.Path == "/api/events" {
			pages++
		}
	}
	assert.LessOrEqual(t, pages, 3+4, "3 pages used, at most 4 read ahead")

	// An empty log.
	srv2, err := fakeredash.New(fakeredash.Options{Version: "10.1.0", Queries: 100, Events: 1, Seed: 3, Now: eventsNow})
	require.NoError(t, err)
	srv2.StopEvents(eventsNow.Add(-400 * 24 * time.Hour))
	hs2 := httptest.NewServer(srv2)
	defer hs2.Close()
	client2, err := redash.NewClient(hs2.URL, redash.WithAPIKey(srv2.AdminKey()), redash.WithVersion(redash.MustParseVersion("10.1.0")))
	require.NoError(t, err)
	require.NoError(t, readEvents(t, client2, 4, func(*redash.Event) bool {
		t.Fatal("no events")
		return false
	}))
}
