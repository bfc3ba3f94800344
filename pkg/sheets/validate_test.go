package sheets_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/pkg/sheets"
)

func TestValidate(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Data", "Other")
	require.NoError(t, h.fake.SetValues("book", "Data", [][]any{{"keep"}}))
	h.fake.CreateSpreadsheet("viewonly", "Data")
	require.NoError(t, h.fake.SetAccess("viewonly", fakesheets.AccessView))
	h.fake.CreateSpreadsheet("private")
	require.NoError(t, h.fake.SetAccess("private", fakesheets.AccessNone))
	ctx := t.Context()
	before := h.fake.Sheets("book")

	info, err := h.w.Validate(ctx, sheets.Target{SpreadsheetID: "book", Tab: "data"})
	require.NoError(t, err)
	assert.Equal(t, &sheets.Info{
		SpreadsheetID: "book", Title: "Spreadsheet book", Tab: "Data", TabExists: true,
		SheetID: 0, Rows: 1000, Columns: 26, Cells: 52000,
	}, info)

	info, err = h.w.Validate(ctx, sheets.Target{SpreadsheetID: "book", Tab: "New tab"})
	require.NoError(t, err)
	assert.False(t, info.TabExists)
	assert.Equal(t, "New tab", info.Tab)

	assert.Equal(t, before, h.fake.Sheets("book"), "validation changes nothing")
	assert.Equal(t, [][]any{{"keep"}}, mustValues(t, h, "book", "Data"))
	probes := h.fake.WriteRequests()
	require.Len(t, probes, 2, "one write probe per validation")
	for _, p := range probes {
		assert.Equal(t, []string{"deleteSheet"}, p.Kinds)
		assert.Equal(t, 400, p.Status, "the probe cannot apply")
	}

	_, err = h.w.Validate(ctx, sheets.Target{SpreadsheetID: "viewonly"})
	require.ErrorIs(t, err, sheets.ErrPermission)
	assert.EqualError(t, err, "validate spreadsheet viewonly: spreadsheet viewonly is not shared with the account redashctl uses as Editor (share it with that address) [403 PERMISSION_DENIED: The caller does not have permission]")

	_, err = h.w.Validate(ctx, sheets.Target{SpreadsheetID: "private"})
	require.ErrorIs(t, err, sheets.ErrPermission)

	_, err = h.w.Validate(ctx, sheets.Target{SpreadsheetID: "missing"})
	require.ErrorIs(t, err, sheets.ErrNotFound)
	assert.EqualError(t, err, "validate spreadsheet missing: spreadsheet missing not found: check the URL or id")

	gid := int64(4242)
	_, err = h.w.Validate(ctx, sheets.Target{SpreadsheetID: "book", SheetID: &gid})
	require.ErrorIs(t, err, sheets.ErrNotFound)

	_, err = h.w.Validate(ctx, sheets.Target{})
	require.ErrorIs(t, err, sheets.ErrInvalidTarget)
}

func mustValues(t *testing.T, h *harness, id, tab string) [][]any {
	t.Helper()
	v, err := h.fake.Values(id, tab)
	require.NoError(t, err)
	return v
}

func TestWriterStatsAccumulate(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book")
	r1, err := h.write(sheets.Target{SpreadsheetID: "book"}, table(cols("a"), [][]any{{1}}), sheets.WriteOptions{})
	require.NoError(t, err)
	r2, err := h.write(sheets.Target{SpreadsheetID: "book"}, table(cols("a"), [][]any{{2}}), sheets.WriteOptions{})
	require.NoError(t, err)
	total := h.w.Stats()
	assert.Equal(t, r1.Stats.Requests+r2.Stats.Requests, total.Requests)
	assert.Equal(t, r1.Stats.WriteRequests+r2.Stats.WriteRequests, total.WriteRequests)
	assert.Equal(t, r1.Stats.BytesSent+r2.Stats.BytesSent, total.BytesSent)
	assert.Equal(t, len(h.fake.Requests()), total.Requests, "every request sent is counted once")
	assert.Equal(t, 4, r1.Stats.Requests, "read, create staging, one chunk, swap")
	assert.Equal(t, 3, r1.Stats.WriteRequests)
	var bytes int64
	for _, r := range h.fake.Requests() {
		bytes += int64(r.Bytes)
	}
	assert.Equal(t, bytes, total.BytesSent)
}

func TestConcurrentWritesShareOneWriter(t *testing.T) {
	h := newHarness(t, fakesheets.Options{}, func(o *sheets.Options) { o.MaxRequestBytes = 800 })
	h.fake.CreateSpreadsheet("book", "Sheet1")
	tabs := []string{"A", "B", "C", "D"}
	errs := make(chan error, len(tabs))
	for i, tab := range tabs {
		go func() {
			_, err := h.w.Write(t.Context(), sheets.Target{SpreadsheetID: "book", Tab: tab},
				genTable(cols("tab", "n"), 100+i, func(j int, row []any) { row[0], row[1] = tab, j }), sheets.WriteOptions{})
			errs <- err
		}()
	}
	for range tabs {
		require.NoError(t, <-errs)
	}
	for i, tab := range tabs {
		v := mustValues(t, h, "book", tab)
		require.Len(t, v, 101+i, tab)
		assert.Equal(t, []any{tab, float64(99 + i)}, v[100+i])
	}
	assert.Empty(t, h.stagingTabs("book"))
}
