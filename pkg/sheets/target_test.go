package sheets_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/pkg/sheets"
)

func TestParseTarget(t *testing.T) {
	const id = "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"
	gid := func(n int64) *int64 { return &n }
	tests := []struct {
		in   string
		want sheets.Target
		err  string
	}{
		{id, sheets.Target{SpreadsheetID: id}, ""},
		{"  " + id + "\n", sheets.Target{SpreadsheetID: id}, ""},
		{"https://docs.google.com/spreadsheets/d/" + id + "/edit#gid=123", sheets.Target{SpreadsheetID: id, SheetID: gid(123)}, ""},
		{"https://docs.google.com/spreadsheets/d/" + id + "/edit?gid=0#gid=0", sheets.Target{SpreadsheetID: id, SheetID: gid(0)}, ""},
		{"https://docs.google.com/spreadsheets/d/" + id + "/edit?usp=sharing", sheets.Target{SpreadsheetID: id}, ""},
		{"https://docs.google.com/spreadsheets/d/" + id, sheets.Target{SpreadsheetID: id}, ""},
		{"https://docs.google.com/spreadsheets/u/1/d/" + id + "/edit#gid=7&range=A1", sheets.Target{SpreadsheetID: id, SheetID: gid(7)}, ""},
		{"docs.google.com/spreadsheets/d/" + id + "/edit", sheets.Target{SpreadsheetID: id}, ""},
		{"https://docs.google.com/a/example.com/spreadsheets/d/" + id + "/htmlview", sheets.Target{SpreadsheetID: id}, ""},
		{"", sheets.Target{}, `invalid spreadsheet "": empty; give a spreadsheet URL or id`},
		{"my sheet", sheets.Target{}, `invalid spreadsheet "my sheet": not a spreadsheet id (letters, digits, - and _) nor a URL`},
		{"https://example.com/spreadsheets/d/" + id, sheets.Target{}, "not a Google Sheets URL (expected https://docs.google.com/spreadsheets/d/<id>/...)"},
		{"https://docs.google.com/document/d/" + id + "/edit", sheets.Target{}, "the URL has no /spreadsheets/d/<id>/ part"},
		{"https://docs.google.com/spreadsheets/d/", sheets.Target{}, "the URL has no /spreadsheets/d/<id>/ part"},
		{"https://docs.google.com/spreadsheets/d/" + id + "/edit#gid=abc", sheets.Target{}, `gid "abc" is not a tab id`},
		{"https://docs.google.com/spreadsheets/d/" + id + "/edit#gid=-4", sheets.Target{}, `gid "-4" is not a tab id`},
		{"https://docs.google.com/spreadsheets/d/" + id + "/edit#gid=", sheets.Target{}, `gid "" is not a tab id`},
		{"https://docs.google.com/spreadsheets/d/bad!id/edit", sheets.Target{}, `"bad!id" is not a spreadsheet id`},
		{"ftp://docs.google.com/spreadsheets/d/" + id, sheets.Target{}, "not an http(s) URL"},
	}
	for _, tt := range tests {
		got, err := sheets.ParseTarget(tt.in)
		if tt.err != "" {
			require.Error(t, err, tt.in)
			assert.ErrorIs(t, err, sheets.ErrInvalidTarget)
			assert.Contains(t, err.Error(), tt.err, tt.in)
			assert.NotContains(t, err.Error(), "\n")
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestTargetStringAndURL(t *testing.T) {
	g := int64(5)
	assert.Equal(t, `spreadsheet abc tab "Daily"`, sheets.Target{SpreadsheetID: "abc", Tab: "Daily"}.String())
	assert.Equal(t, "spreadsheet abc gid 5", sheets.Target{SpreadsheetID: "abc", SheetID: &g}.String())
	assert.Equal(t, "spreadsheet abc", sheets.Target{SpreadsheetID: "abc"}.String())
	assert.Equal(t, "https://docs.google.com/spreadsheets/d/abc/edit#gid=5", sheets.Target{SpreadsheetID: "abc", SheetID: &g}.URL())
	assert.Equal(t, "https://docs.google.com/spreadsheets/d/abc/edit", sheets.Target{SpreadsheetID: "abc"}.URL())
}
