package sheets_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/pkg/sheets"
)

func TestReadValues(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Review", "Other")
	require.NoError(t, h.fake.SetValues("book", "Review", [][]any{
		{"query_id", "decision", "note"},
		{1234, "keep", nil, nil},
		{7, " Archive ", "", true},
		{nil},
		{0.5, false, "=SUM(A1:A2)"},
		{1e20, -3},
	}))
	// A number format changes how a cell looks, not what is read.
	require.NoError(t, h.fake.SetFormat("book", "Review", 1, 0, fakesheets.NumberFormat{Type: "NUMBER", Pattern: "#,##0.00"}))
	require.NoError(t, h.fake.SetValues("book", "Other", [][]any{{"other tab"}}))
	ctx := t.Context()
	want := [][]string{
		{"query_id", "decision", "note"},
		{"1234", "keep"},
		{"7", " Archive ", "", "TRUE"},
		{},
		{"0.5", "FALSE", "=SUM(A1:A2)"},
		{"100000000000000000000", "-3"},
	}

	got, err := h.w.ReadValues(ctx, sheets.Target{SpreadsheetID: "book", Tab: "review"})
	require.NoError(t, err)
	assert.Equal(t, want, got, "the tab is found case-insensitively")

	got, err = h.w.ReadValues(ctx, sheets.Target{SpreadsheetID: "book"})
	require.NoError(t, err)
	assert.Equal(t, want, got, "no tab: the first one")

	other := h.fake.Sheets("book")[1].SheetID
	got, err = h.w.ReadValues(ctx, sheets.Target{SpreadsheetID: "book", SheetID: &other})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"other tab"}}, got, "by gid")

	assert.Empty(t, h.fake.WriteRequests(), "reading writes nothing")
	var ops []string
	for _, r := range h.fake.Requests() {
		ops = append(ops, r.Op)
	}
	assert.Equal(t, []string{"spreadsheets.get", "values.get", "spreadsheets.get", "values.get", "spreadsheets.get", "values.get"}, ops)

	h.fake.CreateSpreadsheet("empty")
	got, err = h.w.ReadValues(ctx, sheets.Target{SpreadsheetID: "empty"})
	require.NoError(t, err)
	assert.Empty(t, got)
}

func TestReadValuesErrors(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Review")
	require.NoError(t, h.fake.SetValues("book", "Review", [][]any{{"a"}}))
	h.fake.CreateSpreadsheet("viewonly", "Review")
	require.NoError(t, h.fake.SetValues("viewonly", "Review", [][]any{{"seen"}}))
	require.NoError(t, h.fake.SetAccess("viewonly", fakesheets.AccessView))
	h.fake.CreateSpreadsheet("private")
	require.NoError(t, h.fake.SetAccess("private", fakesheets.AccessNone))
	ctx := t.Context()

	got, err := h.w.ReadValues(ctx, sheets.Target{SpreadsheetID: "viewonly"})
	require.NoError(t, err, "view access is enough")
	assert.Equal(t, [][]string{{"seen"}}, got)

	_, err = h.w.ReadValues(ctx, sheets.Target{SpreadsheetID: "private"})
	require.ErrorIs(t, err, sheets.ErrPermission)
	require.ErrorIs(t, err, sheets.ErrAuth, "a CLI maps it to its authentication exit code")
	assert.EqualError(t, err, "read spreadsheet private: spreadsheet private is not shared with the account redashctl uses (share it with that address, as Viewer at least) [403 PERMISSION_DENIED: The caller does not have permission]")

	_, err = h.w.ReadValues(ctx, sheets.Target{SpreadsheetID: "missing"})
	require.ErrorIs(t, err, sheets.ErrNotFound)

	_, err = h.w.ReadValues(ctx, sheets.Target{SpreadsheetID: "book", Tab: "Decisions"})
	require.ErrorIs(t, err, sheets.ErrNotFound)
	assert.EqualError(t, err, `read spreadsheet book tab "Decisions": spreadsheet book has no tab "Decisions"`)

	gid := int64(99)
	_, err = h.w.ReadValues(ctx, sheets.Target{SpreadsheetID: "book", SheetID: &gid})
	require.ErrorIs(t, err, sheets.ErrNotFound)

	_, err = h.w.ReadValues(ctx, sheets.Target{})
	require.ErrorIs(t, err, sheets.ErrInvalidTarget)
}

func TestReadValuesFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   fakesheets.Fault
		wantErr string
	}{
		{name: "429 with Retry-After", fault: fakesheets.Fault{Kind: fakesheets.FaultRateLimit, Op: "values.get", Times: 2, RetryAfter: 5}},
		{name: "502 HTML page", fault: fakesheets.Fault{Kind: fakesheets.FaultHTML5xx, Op: "values.get", Times: 1}},
		{name: "truncated answer", fault: fakesheets.Fault{Kind: fakesheets.FaultTruncate, Op: "values.get", Times: 1}},
		{name: "connection reset", fault: fakesheets.Fault{Kind: fakesheets.FaultReset, Op: "spreadsheets.get", Times: 1}},
		{
			name: "503 every time", fault: fakesheets.Fault{Kind: fakesheets.FaultHTML5xx, Op: "values.get", Status: 503},
			wantErr: "read spreadsheet book: 503 Service Unavailable: non-JSON (HTML) answer",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, fakesheets.Options{})
			h.fake.CreateSpreadsheet("book")
			require.NoError(t, h.fake.SetValues("book", "Sheet1", [][]any{{"query_id", "decision"}, {3, "keep"}}))
			h.fake.AddFault(tt.fault)
			got, err := h.w.ReadValues(t.Context(), sheets.Target{SpreadsheetID: "book"})
			assert.Positive(t, h.fake.FaultHits()[0], "the fault fired")
			if tt.wantErr != "" {
				require.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, [][]string{{"query_id", "decision"}, {"3", "keep"}}, got)
			assert.Positive(t, h.w.Stats().Retries)
		})
	}
}
