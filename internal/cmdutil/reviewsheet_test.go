package cmdutil

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/sheets"
)

func TestWriteReviewSheet(t *testing.T) {
	fake := fakesheets.New(fakesheets.Options{NoAuth: true})
	fake.CreateSpreadsheet("book", "Notes")
	require.NoError(t, fake.SetValues("book", "Notes", [][]any{{"kept"}}))
	hs := httptest.NewServer(fake)
	t.Cleanup(hs.Close)
	w, err := (&SheetsFlags{Credentials: "none", Endpoint: hs.URL}).NewWriter(t.Context(), nil, nil)
	require.NoError(t, err)

	made := time.Date(2026, 10, 30, 9, 0, 0, 0, time.UTC)
	ran := made.Add(-100 * 24 * time.Hour)
	ds := 3
	p := plan.New(made, plan.Source{URL: "https://redash.example.com/", RedashVersion: "10.1.0"}, plan.Criteria{Command: "audit"})
	p.Items = []plan.Item{
		{
			QueryID: 5, Name: "=cmd|' /C calc'!A0", Action: plan.Archive, Proposed: plan.Archive, Reasons: []plan.Reason{{Code: "stale", Detail: "old"}},
			Before: plan.Snapshot{Name: "x", DataSourceID: &ds, UpdatedAt: ran, LastRunAt: &ran},
		},
		{
			QueryID: 9, Name: "never ran", Action: plan.Keep, Proposed: plan.Keep, Reasons: []plan.Reason{{Code: "never-run", Detail: "no result"}},
			Before: plan.Snapshot{Name: "never ran", UpdatedAt: made},
		},
	}
	res, err := WriteReviewSheet(t.Context(), w, sheets.Target{SpreadsheetID: "book", Tab: "Review"}, p)
	require.NoError(t, err)
	assert.Equal(t, 2, res.Rows)
	assert.True(t, res.Created)
	assert.Equal(t, len(plan.CSVHeader), res.Columns)

	grid, err := fake.Grid("book", "Review")
	require.NoError(t, err)
	require.Len(t, grid, 3, "the grid is sized to the sheet")
	for i, h := range plan.CSVHeader {
		assert.Equal(t, h, grid[0][i].Value)
	}
	assert.Equal(t, float64(5), grid[1][0].Value, "query_id is a number")
	assert.Equal(t, "archive", grid[1][1].Value)
	assert.Equal(t, "=cmd|' /C calc'!A0", grid[1][3].Value, "text that looks like a formula stays text")
	assert.Empty(t, grid[1][3].Formula)
	assert.Equal(t, float64(3), grid[1][8].Value, "data_source_id is a number")
	assert.Equal(t, sheets.Serial(ran), grid[1][10].Value, "last_run_at is a date-time")
	assert.Equal(t, "DATE_TIME", grid[1][10].Format.Type)
	assert.Nil(t, grid[2][8].Value, "no data source: no value")
	assert.Nil(t, grid[2][10].Value, "never ran: no value")
	assert.Equal(t, "https://redash.example.com/queries/9", grid[2][15].Value)

	vals, err := fake.Values("book", "Notes")
	require.NoError(t, err)
	assert.Equal(t, [][]any{{"kept"}}, vals, "other tabs are untouched")

	bad := p.Clone()
	bad.Items[0].Action = "delete"
	_, err = WriteReviewSheet(t.Context(), w, sheets.Target{SpreadsheetID: "book", Tab: "Review"}, bad)
	require.Error(t, err, "an invalid plan is not written")
	after, err := fake.Grid("book", "Review")
	require.NoError(t, err)
	assert.Equal(t, grid, after)
}
