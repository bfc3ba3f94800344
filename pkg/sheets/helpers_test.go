package sheets_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/internal/retry"
	"github.com/redashctl/redashctl/pkg/sheets"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// harness is a Writer talking to a fake Sheets over real HTTP; both run on
// one manual clock, so pacing, backoff and quota windows cost no real time.
type harness struct {
	t     *testing.T
	fake  *fakesheets.Server
	srv   *httptest.Server
	clock *fakesheets.Clock
	w     *sheets.Writer
	opts  sheets.Options
}

// testPolicy retries like retry.Default but waits on the clock, with the
// longest backoff (jitter 1) so that waits are exact.
func testPolicy(clock *fakesheets.Clock) retry.Policy {
	p := retry.Default()
	p.Sleep, p.Now = clock.Sleep, clock.Now
	p.Jitter = func() float64 { return 1 }
	return p
}

func newHarness(t *testing.T, fopts fakesheets.Options, mods ...func(*sheets.Options)) *harness {
	t.Helper()
	clock := fakesheets.NewClock(t0)
	if fopts.Now == nil {
		fopts.Now = clock.Now
	}
	if len(fopts.Tokens) == 0 {
		fopts.NoAuth = true
	}
	fake := fakesheets.New(fopts)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	opts := sheets.Options{
		Credentials: sheets.CredentialsNone,
		Endpoint:    srv.URL,
		HTTPClient:  srv.Client(),
		Retry:       testPolicy(clock),
		UserAgent:   "redashctl-test",
	}
	for _, m := range mods {
		m(&opts)
	}
	w, err := sheets.New(t.Context(), opts)
	require.NoError(t, err)
	return &harness{t: t, fake: fake, srv: srv, clock: clock, w: w, opts: opts}
}

func (h *harness) write(target sheets.Target, tbl sheets.Table, o sheets.WriteOptions) (*sheets.Result, error) {
	h.t.Helper()
	return h.w.Write(h.t.Context(), target, tbl, o)
}

func (h *harness) grid(id, tab string) [][]fakesheets.Cell {
	h.t.Helper()
	g, err := h.fake.Grid(id, tab)
	require.NoError(h.t, err)
	return g
}

func (h *harness) props(id, tab string) fakesheets.SheetProperties {
	h.t.Helper()
	p, ok := h.fake.Sheet(id, tab)
	require.True(h.t, ok, "tab %q exists", tab)
	return p
}

// stagingTabs lists the staging tabs left in a spreadsheet.
func (h *harness) stagingTabs(id string) []string {
	var out []string
	for _, p := range h.fake.Sheets(id) {
		if strings.HasPrefix(p.Title, "redashctl-staging-") {
			out = append(out, p.Title)
		}
	}
	return out
}

// writeOps lists the API methods of the write requests the fake saw.
func (h *harness) writeOps() []string {
	var out []string
	for _, r := range h.fake.WriteRequests() {
		out = append(out, r.Op)
	}
	return out
}

// table streams rows from a slice.
func table(cols []sheets.Column, rows [][]any) sheets.Table {
	return sheets.Table{Columns: cols, Rows: func(yield func([]any, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
	}}
}

// genTable streams n generated rows without holding them.
func genTable(cols []sheets.Column, n int, gen func(i int, row []any)) sheets.Table {
	return sheets.Table{Columns: cols, Rows: func(yield func([]any, error) bool) {
		row := make([]any, len(cols))
		for i := 0; i < n; i++ {
			gen(i, row)
			if !yield(row, nil) {
				return
			}
		}
	}}
}

func cols(names ...string) []sheets.Column {
	out := make([]sheets.Column, len(names))
	for i, n := range names {
		out[i] = sheets.Column{Name: n}
	}
	return out
}

// text is a grid row of text cells.
func text(vals ...string) []fakesheets.Cell {
	out := make([]fakesheets.Cell, len(vals))
	for i, v := range vals {
		out[i] = fakesheets.Cell{Value: v}
	}
	return out
}

func num(v float64) fakesheets.Cell { return fakesheets.Cell{Value: v} }

// valuesGrid is the expected grid of a replace: a header row and rows of
// plain values (float64, string, bool, nil).
func valuesGrid(header []string, rows [][]any) [][]fakesheets.Cell {
	g := [][]fakesheets.Cell{text(header...)}
	for _, r := range rows {
		row := make([]fakesheets.Cell, len(header))
		for j, v := range r {
			row[j] = fakesheets.Cell{Value: v}
		}
		g = append(g, row)
	}
	return g
}
