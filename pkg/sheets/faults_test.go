package sheets_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// oldRows and newRows are the target's contents before and after a
// replace; the new ones need about ten chunks at a 1,500-byte request limit.
var (
	oldRows = [][]any{{"old", 1.0}, {"old", 2.0}, {"old", 3.0}}
	newRows = func() [][]any {
		rows := make([][]any, 400)
		for i := range rows {
			rows[i] = []any{fmt.Sprintf("new row number %03d", i), float64(i)}
		}
		return rows
	}()
)

// faultHarness has a spreadsheet whose tab "Data" holds oldRows.
func faultHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, fakesheets.Options{}, func(o *sheets.Options) { o.MaxRequestBytes = 1500 })
	h.fake.CreateSpreadsheet("book", "Data")
	require.NoError(t, h.fake.SetValues("book", "Data", append([][]any{{"k", "v"}}, oldRows...)))
	require.NoError(t, h.fake.SetGrid("book", "Data", 4, 2, 0, 0))
	return h
}

// state tells whether the tab holds exactly the old or the new contents.
func (h *harness) state(tab string) string {
	h.t.Helper()
	g := h.grid("book", tab)
	switch {
	case assert.ObjectsAreEqual(valuesGrid([]string{"k", "v"}, oldRows), g):
		return "old"
	case assert.ObjectsAreEqual(valuesGrid([]string{"k", "v"}, newRows), g):
		return "new"
	}
	return fmt.Sprintf("mixed (%d rows)", len(g))
}

func TestFaultsMidExportLeaveOldOrNew(t *testing.T) {
	chunk := fakesheets.Fault{Op: "values.update", Skip: 2}
	swap := fakesheets.Fault{Op: "spreadsheets.batchUpdate", BodyContains: "copyPaste"}
	create := fakesheets.Fault{Op: "spreadsheets.batchUpdate", BodyContains: "addSheet"}
	with := func(f fakesheets.Fault, kind fakesheets.FaultKind, times int, mod ...func(*fakesheets.Fault)) fakesheets.Fault {
		f.Kind, f.Times = kind, times
		for _, m := range mod {
			m(&f)
		}
		return f
	}
	status := func(code int) func(*fakesheets.Fault) { return func(f *fakesheets.Fault) { f.Status = code } }
	retryAfter := func(s int) func(*fakesheets.Fault) { return func(f *fakesheets.Fault) { f.RetryAfter = s } }

	tests := []struct {
		name    string
		fault   fakesheets.Fault
		want    string
		wantErr error  // nil: success
		errText string // part of the message
	}{
		{"429 at a chunk once", with(chunk, fakesheets.FaultRateLimit, 1, retryAfter(5)), "new", nil, ""},
		{"429 at every chunk", with(chunk, fakesheets.FaultRateLimit, 0), "old", sheets.ErrRateLimited, "quota still exceeded after retries"},
		{"502 page at chunks twice", with(chunk, fakesheets.FaultHTML5xx, 2), "new", nil, ""},
		{"503 page at every chunk", with(chunk, fakesheets.FaultHTML5xx, 0, status(503)), "old", nil, "503 Service Unavailable: non-JSON (HTML) answer"},
		{"reset at a chunk once", with(chunk, fakesheets.FaultReset, 1), "new", nil, ""},
		{"truncated chunk answer once", with(chunk, fakesheets.FaultTruncate, 1), "new", nil, ""},
		{"slow chunk answers", with(chunk, fakesheets.FaultSlow, 3, func(f *fakesheets.Fault) { f.Delay = time.Millisecond }), "new", nil, ""},
		{"429 at the swap once", with(swap, fakesheets.FaultRateLimit, 1), "new", nil, ""},
		{"502 at every swap", with(swap, fakesheets.FaultHTML5xx, 0), "old", nil, "502 Bad Gateway"},
		{"500 at the swap", with(swap, fakesheets.FaultHTML5xx, 1, status(500)), "old", nil, "500 Internal Server Error"},
		{"reset at the swap once", with(swap, fakesheets.FaultReset, 1), "new", nil, ""},
		{"reset at every swap", with(swap, fakesheets.FaultReset, 0), "old", nil, ""},
		{"swap applied, answer lost", with(swap, fakesheets.FaultTruncate, 1), "new", nil, ""},
		{"swap applied, every answer lost", with(swap, fakesheets.FaultTruncate, 0), "new", nil, ""},
		{"429 at staging creation once", with(create, fakesheets.FaultRateLimit, 1), "new", nil, ""},
		{"staging created, answer lost", with(create, fakesheets.FaultTruncate, 1), "new", nil, ""},
		{"staging never created", with(create, fakesheets.FaultReset, 0), "old", nil, "create staging tab"},
		{"metadata read fails", with(fakesheets.Fault{Op: "spreadsheets.get"}, fakesheets.FaultHTML5xx, 0), "old", nil, "502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := faultHarness(t)
			sheetID := h.props("book", "Data").SheetID
			h.fake.AddFault(tt.fault)
			res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("k", "v"), newRows), sheets.WriteOptions{})
			assert.Equal(t, tt.want, h.state("Data"))
			if tt.want == "new" {
				require.NoError(t, err)
				assert.Equal(t, len(newRows), res.Rows)
			} else {
				require.Error(t, err)
				if tt.wantErr != nil {
					assert.ErrorIs(t, err, tt.wantErr)
				}
				assert.Contains(t, err.Error(), tt.errText)
				assert.NotContains(t, err.Error(), "<html", "no raw HTML in errors")
				assert.NotContains(t, err.Error(), "\n")
			}
			assert.Equal(t, sheetID, h.props("book", "Data").SheetID)
			assert.Empty(t, h.stagingTabs("book"), "no staging tab is left behind")
			assert.NotZero(t, h.fake.FaultHits()[0], "the fault fired")
		})
	}
}

func TestFaultsWhenCreatingTheTab(t *testing.T) {
	for _, kind := range []fakesheets.FaultKind{fakesheets.FaultTruncate, fakesheets.FaultReset} {
		t.Run(kind.String(), func(t *testing.T) {
			h := faultHarness(t)
			// The swap of a new tab renames the staging tab.
			h.fake.AddFault(fakesheets.Fault{Kind: kind, Op: "spreadsheets.batchUpdate", BodyContains: `"title":"Fresh"`, Times: 1})
			res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Fresh"}, table(cols("k", "v"), newRows), sheets.WriteOptions{})
			require.NoError(t, err)
			assert.True(t, res.Created)
			assert.Equal(t, "new", h.state("Fresh"))
			assert.False(t, h.props("book", "Fresh").Hidden)
			assert.Empty(t, h.stagingTabs("book"))
			assert.Equal(t, []int{1}, h.fake.FaultHits())
		})
	}
}

// TestRandomFaultsNeverMix runs exports under random faults on every
// request: each one ends with the old contents and an error, or the new
// contents and no error.
func TestRandomFaultsNeverMix(t *testing.T) {
	kinds := []fakesheets.FaultKind{fakesheets.FaultRateLimit, fakesheets.FaultHTML5xx, fakesheets.FaultReset, fakesheets.FaultTruncate}
	outcomes := map[string]int{}
	for seed := int64(1); seed <= 12; seed++ {
		h := newHarness(t, fakesheets.Options{Seed: seed}, func(o *sheets.Options) { o.MaxRequestBytes = 1500 })
		h.fake.CreateSpreadsheet("book", "Data")
		require.NoError(t, h.fake.SetValues("book", "Data", append([][]any{{"k", "v"}}, oldRows...)))
		require.NoError(t, h.fake.SetGrid("book", "Data", 4, 2, 0, 0))
		h.fake.AddFault(fakesheets.Fault{Kind: kinds[seed%4], Rate: 0.35})
		_, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("k", "v"), newRows), sheets.WriteOptions{})
		got := h.state("Data")
		if err != nil {
			assert.Equal(t, "old", got, "seed %d: %v", seed, err)
		} else {
			assert.Equal(t, "new", got, "seed %d", seed)
		}
		outcomes[got]++
	}
	assert.NotZero(t, outcomes["new"], "some exports got through: %v", outcomes)
}

func TestQuotaExhaustionIsWaitedOut(t *testing.T) {
	// The fake allows 3 writes a minute and says when to come back; the
	// client does not pace, so it meets 429s and waits them out.
	h := newHarness(t, fakesheets.Options{WritesPerMinute: 3, QuotaRetryAfter: true}, func(o *sheets.Options) {
		o.WritesPerMinute = -1
		o.MaxRequestBytes = 1500
	})
	h.fake.CreateSpreadsheet("book", "Data")
	start := h.clock.Now()
	res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("k", "v"), newRows), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, "new", h.state("Data"))
	throttled := 0
	for _, r := range h.fake.Requests() {
		if r.Status == http.StatusTooManyRequests {
			throttled++
		}
	}
	assert.Positive(t, throttled)
	assert.Equal(t, throttled, res.Stats.Retries)
	assert.GreaterOrEqual(t, h.clock.Now().Sub(start), time.Minute, "simulated time passed, not real time")
}

func TestQuotaWithoutRetryAfterFailsCleanly(t *testing.T) {
	// Backoff alone (0.5+1+2+4 s) cannot outwait a one-minute window.
	h := newHarness(t, fakesheets.Options{WritesPerMinute: 3}, func(o *sheets.Options) {
		o.WritesPerMinute = -1
		o.MaxRequestBytes = 1500
	})
	h.fake.CreateSpreadsheet("book", "Data")
	require.NoError(t, h.fake.SetValues("book", "Data", append([][]any{{"k", "v"}}, oldRows...)))
	require.NoError(t, h.fake.SetGrid("book", "Data", 4, 2, 0, 0))
	_, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("k", "v"), newRows), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrRateLimited)
	assert.Contains(t, err.Error(), "Quota exceeded for quota metric 'Write requests'")
	assert.Equal(t, "old", h.state("Data"))
}

func TestPacingAvoidsQuotaErrors(t *testing.T) {
	// Client and fake both at Google's default 60 writes a minute: the
	// pacer spaces the writes and the fake never answers 429.
	h := newHarness(t, fakesheets.Options{}, func(o *sheets.Options) { o.MaxRequestBytes = 400 })
	h.fake.CreateSpreadsheet("book", "Data")
	start := h.clock.Now()
	res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("k", "v"), newRows), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Greater(t, res.Stats.WriteRequests, 60, "more writes than one minute's quota")
	for _, r := range h.fake.Requests() {
		assert.NotEqual(t, http.StatusTooManyRequests, r.Status)
	}
	assert.Zero(t, res.Stats.Retries)
	assert.Equal(t, time.Duration(res.Stats.WriteRequests-1)*time.Second, res.Stats.Paced, "one write a second")
	assert.Equal(t, res.Stats.Paced, h.clock.Now().Sub(start))
	assert.Equal(t, res.Stats.Paced, h.w.Stats().Paced)
}

func TestAttemptTimeoutRetries(t *testing.T) {
	h := newHarness(t, fakesheets.Options{}, func(o *sheets.Options) { o.AttemptTimeout = 100 * time.Millisecond })
	h.fake.CreateSpreadsheet("book", "Data")
	h.fake.AddFault(fakesheets.Fault{Kind: fakesheets.FaultSlow, Op: "values.update", Delay: time.Minute, Times: 1})
	res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("k", "v"), newRows[:3]), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Stats.Retries)
	assert.Equal(t, valuesGrid([]string{"k", "v"}, newRows[:3]), h.grid("book", "Data"))
}
