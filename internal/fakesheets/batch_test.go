package fakesheets

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type obj = map[string]any

func TestGetWithFieldMask(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s", "First", "Second")
	_, err := e.fake.AddTab("s", "Hidden", 5, 3, true)
	require.NoError(t, err)
	require.NoError(t, e.fake.SetGrid("s", "First", 10, 4, 1, 0))

	a := e.do("GET", "/v4/spreadsheets/s?includeGridData=false", nil)
	require.Equal(t, 200, a.Status)
	assert.Equal(t, "s", a.JSON["spreadsheetId"])
	sheets := a.JSON["sheets"].([]any)
	require.Len(t, sheets, 3)
	first := sheets[0].(obj)["properties"].(obj)
	assert.NotContains(t, first, "sheetId", "Google leaves out sheetId 0")
	assert.NotContains(t, first, "index")
	assert.Equal(t, obj{"rowCount": 10.0, "columnCount": 4.0, "frozenRowCount": 1.0}, first["gridProperties"])
	assert.Equal(t, true, sheets[2].(obj)["properties"].(obj)["hidden"])

	a = e.do("GET", "/v4/spreadsheets/s?fields=spreadsheetId,properties/title,sheets/properties(sheetId,title,gridProperties(rowCount))", nil)
	require.Equal(t, 200, a.Status, string(a.Body))
	assert.Equal(t, obj{
		"spreadsheetId": "s",
		"properties":    obj{"title": "Spreadsheet s"},
		"sheets": []any{
			obj{"properties": obj{"title": "First", "gridProperties": obj{"rowCount": 10.0}}},
			obj{"properties": obj{"title": "Second", "sheetId": 1000001.0, "gridProperties": obj{"rowCount": 1000.0}}},
			obj{"properties": obj{"title": "Hidden", "sheetId": 1000002.0, "gridProperties": obj{"rowCount": 5.0}}},
		},
	}, a.JSON)

	a = e.do("GET", "/v4/spreadsheets/s?fields=sheets.properties.title", nil)
	assert.Equal(t, obj{"sheets": []any{
		obj{"properties": obj{"title": "First"}}, obj{"properties": obj{"title": "Second"}}, obj{"properties": obj{"title": "Hidden"}},
	}}, a.JSON)

	for _, bad := range []string{"sheets(properties", "nosuchfield", "sheets/properties(bogus)", "a,,b"} {
		a = e.do("GET", "/v4/spreadsheets/s?fields="+bad, nil)
		assert.Equal(t, 400, a.Status, bad)
	}
	a = e.do("GET", "/v4/spreadsheets/s?includeGridData=true", nil)
	assert.Equal(t, 400, a.Status, "grid data is not supported: a client asking for it is caught")
}

func TestBatchIsAtomic(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s")
	require.NoError(t, e.fake.SetValues("s", "Sheet1", [][]any{{"keep"}}))
	a := e.batch("s",
		obj{"addSheet": obj{"properties": obj{"title": "New"}}},
		obj{"updateCells": obj{"range": obj{"sheetId": 0}, "fields": "userEnteredValue"}},
		obj{"deleteSheet": obj{"sheetId": 42}},
	)
	require.Equal(t, 400, a.Status)
	assert.Equal(t, "Invalid requests[2].deleteSheet: No grid with id: 42", a.errorMessage())
	assert.Len(t, e.fake.Sheets("s"), 1, "the addSheet was not applied")
	assert.Equal(t, [][]any{{"keep"}}, e.values("s", "Sheet1"), "nor the clear")

	assert.Equal(t, 400, e.batch("s").Status, "at least one request")
	a = e.batch("s", obj{"addSheet": obj{}, "deleteSheet": obj{"sheetId": 0}})
	assert.Equal(t, 400, a.Status, "one kind per request")
	a = e.batch("s", obj{"sortRange": obj{}})
	assert.Equal(t, 400, a.Status)
	assert.Contains(t, a.errorMessage(), "fakesheets does not support sortRange")
	a = e.do("POST", "/v4/spreadsheets/s:batchUpdate", "{")
	assert.Equal(t, 400, a.Status)
}

func TestAddDeleteAndUpdateSheet(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s")
	a := e.batch("s", obj{"addSheet": obj{"properties": obj{
		"sheetId": 77, "title": "Stage", "hidden": true, "index": 0,
		"gridProperties": obj{"rowCount": 5, "columnCount": 2},
	}}}, obj{"addSheet": obj{}})
	require.Equal(t, 200, a.Status, string(a.Body))
	replies := a.JSON["replies"].([]any)
	assert.Equal(t, obj{"addSheet": obj{"properties": obj{
		"sheetId": 77.0, "title": "Stage", "hidden": true, "sheetType": "GRID",
		"gridProperties": obj{"rowCount": 5.0, "columnCount": 2.0},
	}}}, replies[0])
	props := e.fake.Sheets("s")
	require.Len(t, props, 3)
	assert.Equal(t, SheetProperties{SheetID: 77, Title: "Stage", Index: 0, Hidden: true, RowCount: 5, ColumnCount: 2}, props[0])
	assert.Equal(t, "Sheet3", props[2].Title, "a default title")
	assert.Equal(t, 1000, props[2].RowCount)

	for _, tt := range []struct {
		req  obj
		want string
	}{
		{obj{"addSheet": obj{"properties": obj{"title": "stage"}}}, `A sheet with the name "stage" already exists. Please enter another name.`},
		{obj{"addSheet": obj{"properties": obj{"sheetId": 77}}}, "A sheet with id 77 already exists."},
		{obj{"addSheet": obj{"properties": obj{"gridProperties": obj{"rowCount": 0}}}}, "You can't delete all the rows on the sheet."},
		{obj{"addSheet": obj{"properties": obj{"gridProperties": obj{"rowCount": 2, "frozenRowCount": 2}}}}, "You can't freeze all visible rows on the sheet."},
		{obj{"updateSheetProperties": obj{"properties": obj{"sheetId": 77, "title": "Sheet1"}, "fields": "title"}}, `A sheet with the name "Sheet1" already exists. Please enter another name.`},
		{obj{"updateSheetProperties": obj{"properties": obj{"sheetId": 77}, "fields": ""}}, "At least one field must be specified."},
		{obj{"updateSheetProperties": obj{"properties": obj{"sheetId": 5}, "fields": "title"}}, "No grid with id: 5"},
		{obj{"updateSheetProperties": obj{"properties": obj{"sheetId": 77}, "fields": "color"}}, `Invalid field mask: "color" is not a field of SheetProperties`},
	} {
		a := e.batch("s", tt.req)
		assert.Equal(t, 400, a.Status)
		assert.Contains(t, a.errorMessage(), tt.want)
	}

	// Hiding every tab, or deleting the last, is refused.
	a = e.batch("s", obj{"updateSheetProperties": obj{"properties": obj{"sheetId": 0, "hidden": true}, "fields": "hidden"}},
		obj{"updateSheetProperties": obj{"properties": obj{"sheetId": props[2].SheetID, "hidden": true}, "fields": "hidden"}})
	assert.Equal(t, 400, a.Status)
	assert.Contains(t, a.errorMessage(), "You can't hide all the sheets in a document.")

	require.NoError(t, e.fake.SetValues("s", "Sheet1", [][]any{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}))
	a = e.batch("s", obj{"updateSheetProperties": obj{
		"properties": obj{"sheetId": 0, "title": "Renamed", "index": 2, "gridProperties": obj{"rowCount": 2, "columnCount": 2}},
		"fields":     "title,index,gridProperties.rowCount,gridProperties.columnCount",
	}})
	require.Equal(t, 200, a.Status, string(a.Body))
	p := e.sheet("s", "Renamed")
	assert.Equal(t, SheetProperties{SheetID: 0, Title: "Renamed", Index: 2, RowCount: 2, ColumnCount: 2}, p)
	assert.Equal(t, [][]any{{1.0, 2.0}, {4.0, 5.0}}, e.values("s", "Renamed"), "shrinking drops the cells outside")
	a = e.batch("s", obj{"updateSheetProperties": obj{"properties": obj{"sheetId": 0, "gridProperties": obj{"rowCount": 4, "columnCount": 3}}, "fields": "gridProperties"}})
	require.Equal(t, 200, a.Status)
	g, err := e.fake.Grid("s", "Renamed")
	require.NoError(t, err)
	require.Len(t, g, 4)
	assert.Len(t, g[0], 3)
	assert.True(t, g[3][2].IsEmpty(), "growing adds empty cells, old ones do not come back")
	assert.True(t, g[0][2].IsEmpty())

	a = e.batch("s", obj{"deleteSheet": obj{"sheetId": 77}}, obj{"deleteSheet": obj{"sheetId": props[2].SheetID}})
	require.Equal(t, 200, a.Status)
	a = e.batch("s", obj{"deleteSheet": obj{"sheetId": 0}})
	assert.Equal(t, 400, a.Status)
	assert.Contains(t, a.errorMessage(), "You can't remove all the sheets in a document.")
}

func TestUpdateCellsAndRepeatCell(t *testing.T) {
	e := newEnv(t, Options{MaxCellChars: 5})
	e.fake.CreateSpreadsheet("s")
	require.NoError(t, e.fake.SetGrid("s", "Sheet1", 4, 3, 0, 0))
	date := obj{"numberFormat": obj{"type": "DATE", "pattern": "yyyy-mm-dd"}}
	a := e.batch("s",
		obj{"updateCells": obj{
			"start": obj{"sheetId": 0, "rowIndex": 1, "columnIndex": 1}, "fields": "userEnteredValue,userEnteredFormat",
			"rows": []any{
				obj{"values": []any{obj{"userEnteredValue": obj{"stringValue": "=not"}}, obj{"userEnteredValue": obj{"numberValue": 45293}, "userEnteredFormat": date}}},
				obj{"values": []any{obj{"userEnteredValue": obj{"boolValue": true}}, obj{"userEnteredValue": obj{"formulaValue": "=B2"}}}},
			},
		}},
		obj{"repeatCell": obj{"range": obj{"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1}, "cell": obj{"userEnteredValue": obj{"stringValue": "h"}}, "fields": "userEnteredValue"}},
	)
	require.Equal(t, 200, a.Status, string(a.Body))
	g, err := e.fake.Grid("s", "Sheet1")
	require.NoError(t, err)
	assert.Equal(t, []Cell{{Value: "h"}, {Value: "h"}, {Value: "h"}}, g[0])
	assert.Equal(t, []Cell{{}, {Value: "=not"}, {Value: 45293.0, Format: NumberFormat{Type: "DATE", Pattern: "yyyy-mm-dd"}}}, g[1])
	assert.Equal(t, []Cell{{}, {Value: true}, {Formula: "=B2"}}, g[2])

	// A range with fewer rows than it covers clears the masked fields.
	a = e.batch("s", obj{"updateCells": obj{"range": obj{"sheetId": 0, "startRowIndex": 1, "endRowIndex": 3, "startColumnIndex": 2}, "fields": "userEnteredValue"}})
	require.Equal(t, 200, a.Status, string(a.Body))
	g, _ = e.fake.Grid("s", "Sheet1")
	assert.Equal(t, Cell{Format: NumberFormat{Type: "DATE", Pattern: "yyyy-mm-dd"}}, g[1][2], "the format stays")
	assert.Equal(t, Cell{}, g[2][2])
	a = e.batch("s", obj{"repeatCell": obj{"range": obj{"sheetId": 0}, "cell": obj{}, "fields": "userEnteredFormat.numberFormat"}})
	require.Equal(t, 200, a.Status)
	g, _ = e.fake.Grid("s", "Sheet1")
	assert.Equal(t, Cell{}, g[1][2])

	for _, tt := range []struct {
		req  obj
		want string
	}{
		{obj{"updateCells": obj{"start": obj{"sheetId": 0, "rowIndex": 3}, "rows": []any{obj{}, obj{}}, "fields": "*"}}, "exceeds grid limits"},
		{obj{"updateCells": obj{"start": obj{"sheetId": 0, "columnIndex": 2}, "rows": []any{obj{"values": []any{obj{}, obj{}}}}, "fields": "*"}}, "exceeds grid limits"},
		{obj{"updateCells": obj{"range": obj{"sheetId": 0, "endRowIndex": 9}, "fields": "*"}}, "exceeds grid limits"},
		{obj{"updateCells": obj{"start": obj{"sheetId": 0}, "fields": ""}}, "At least one field must be specified."},
		{obj{"updateCells": obj{"fields": "*"}}, "exactly one of start and range"},
		{obj{"updateCells": obj{"start": obj{"sheetId": 0}, "fields": "bogus"}}, "Invalid field mask"},
		{obj{"updateCells": obj{"start": obj{"sheetId": 0}, "fields": "*", "rows": []any{obj{"values": []any{obj{"userEnteredValue": obj{"stringValue": "123456"}}}}}}}, "more than the maximum of 5 characters"},
		{obj{"updateCells": obj{"start": obj{"sheetId": 0}, "fields": "*", "rows": []any{obj{"values": []any{obj{"userEnteredValue": obj{"stringValue": "a", "numberValue": 1}}}}}}}, "more than one kind"},
		{obj{"repeatCell": obj{"range": obj{"sheetId": 3}, "cell": obj{}, "fields": "*"}}, "No grid with id: 3"},
		{obj{"repeatCell": obj{"range": obj{"sheetId": 0, "startRowIndex": 2, "endRowIndex": 1}, "cell": obj{}, "fields": "*"}}, "start index must be less than or equal to end index"},
	} {
		a := e.batch("s", tt.req)
		assert.Equal(t, 400, a.Status)
		assert.Contains(t, a.errorMessage(), tt.want)
	}
}

func TestAppendCells(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s")
	require.NoError(t, e.fake.SetGrid("s", "Sheet1", 2, 2, 0, 0))
	require.NoError(t, e.fake.SetValues("s", "Sheet1", [][]any{{"h"}}))
	a := e.batch("s", obj{"appendCells": obj{"sheetId": 0, "fields": "userEnteredValue", "rows": []any{
		obj{"values": []any{obj{"userEnteredValue": obj{"numberValue": 1}}}},
		obj{"values": []any{obj{"userEnteredValue": obj{"numberValue": 2}}, obj{"userEnteredValue": obj{"stringValue": "x"}}}},
	}}})
	require.Equal(t, 200, a.Status, string(a.Body))
	assert.Equal(t, [][]any{{"h"}, {1.0}, {2.0, "x"}}, e.values("s", "Sheet1"))
	assert.Equal(t, 3, e.sheet("s", "Sheet1").RowCount, "rows are added as needed")
	a = e.batch("s", obj{"appendCells": obj{"sheetId": 0, "fields": "*", "rows": []any{obj{"values": []any{obj{}, obj{}, obj{}}}}}})
	assert.Equal(t, 400, a.Status, "columns are not added")
}

func TestCopyPasteAndCutPaste(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s", "Src", "Dst")
	require.NoError(t, e.fake.SetGrid("s", "Src", 2, 2, 0, 0))
	require.NoError(t, e.fake.SetGrid("s", "Dst", 4, 3, 0, 0))
	require.NoError(t, e.fake.SetValues("s", "Src", [][]any{{"a", nil}, {1, true}}))
	require.NoError(t, e.fake.SetFormat("s", "Src", 1, 0, fmtDate))
	require.NoError(t, e.fake.SetValues("s", "Dst", [][]any{{"old", "old", "old"}, {"old", "old", "old"}, {"old", "old", "old"}}))
	dst := e.sheet("s", "Dst").SheetID
	src := e.sheet("s", "Src").SheetID

	a := e.batch("s", obj{"copyPaste": obj{
		"source":      obj{"sheetId": src, "startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2},
		"destination": obj{"sheetId": dst, "startRowIndex": 1, "startColumnIndex": 1},
		"pasteType":   "PASTE_NORMAL",
	}})
	require.Equal(t, 200, a.Status, string(a.Body))
	g, err := e.fake.Grid("s", "Dst")
	require.NoError(t, err)
	assert.Equal(t, []Cell{{Value: "old"}, {Value: "a"}, {}}, g[1], "an empty source cell clears the destination")
	assert.Equal(t, []Cell{{Value: "old"}, {Value: 1.0, Format: fmtDate}, {Value: true}}, g[2])

	a = e.batch("s", obj{"copyPaste": obj{
		"source":      obj{"sheetId": src, "startRowIndex": 1, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 1},
		"destination": obj{"sheetId": dst, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 3},
		"pasteType":   "PASTE_VALUES",
	}})
	require.Equal(t, 200, a.Status, string(a.Body))
	g, _ = e.fake.Grid("s", "Dst")
	assert.Equal(t, []Cell{{Value: 1.0}, {Value: 1.0}, {Value: 1.0}}, g[0], "a multiple of the source repeats it; values only")

	a = e.batch("s", obj{"copyPaste": obj{
		"source":      obj{"sheetId": src},
		"destination": obj{"sheetId": dst, "startRowIndex": 3, "startColumnIndex": 0},
	}})
	assert.Equal(t, 400, a.Status, "a paste past the grid is refused")
	assert.Contains(t, a.errorMessage(), "exceeds grid limits")
	a = e.batch("s", obj{"copyPaste": obj{"source": obj{"sheetId": src}, "destination": obj{"sheetId": dst}, "pasteOrientation": "TRANSPOSE"}})
	assert.Equal(t, 400, a.Status)

	a = e.batch("s", obj{"cutPaste": obj{
		"source":      obj{"sheetId": src},
		"destination": obj{"sheetId": dst, "rowIndex": 2, "columnIndex": 0},
		"pasteType":   "PASTE_NORMAL",
	}})
	require.Equal(t, 200, a.Status, string(a.Body))
	assert.Empty(t, e.values("s", "Src"), "cut empties the source")
	g, _ = e.fake.Grid("s", "Dst")
	assert.Equal(t, []Cell{{Value: "a"}, {}, {Value: true}}, g[2])
	assert.Equal(t, []Cell{{Value: 1.0, Format: fmtDate}, {Value: true}, {}}, g[3])

	// Within one sheet: a paste past the grid is refused, one inside works.
	require.NoError(t, e.fake.SetValues("s", "Src", [][]any{{"p", "q"}, {"r", "s"}}))
	a = e.batch("s", obj{"copyPaste": obj{
		"source":      obj{"sheetId": src, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 2},
		"destination": obj{"sheetId": src, "startRowIndex": 0, "startColumnIndex": 1},
	}})
	assert.Equal(t, 400, a.Status, "column C is outside the 2-column grid")
	a = e.batch("s", obj{"copyPaste": obj{
		"source":      obj{"sheetId": src, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 2},
		"destination": obj{"sheetId": src, "startRowIndex": 1, "startColumnIndex": 0},
	}})
	require.Equal(t, 200, a.Status, string(a.Body))
	assert.Equal(t, [][]any{{"p", "q"}, {"p", "q"}}, e.values("s", "Src"))
}

func TestDimensions(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s")
	require.NoError(t, e.fake.SetGrid("s", "Sheet1", 3, 3, 0, 0))
	require.NoError(t, e.fake.SetValues("s", "Sheet1", [][]any{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}))
	a := e.batch("s",
		obj{"appendDimension": obj{"sheetId": 0, "dimension": "ROWS", "length": 2}},
		obj{"insertDimension": obj{"range": obj{"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}},
		obj{"insertDimension": obj{"range": obj{"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}}},
		obj{"deleteDimension": obj{"range": obj{"sheetId": 0, "dimension": "COLUMNS", "startIndex": 2, "endIndex": 3}}},
		obj{"deleteDimension": obj{"range": obj{"sheetId": 0, "dimension": "ROWS", "startIndex": 3, "endIndex": 4}}},
	)
	require.Equal(t, 200, a.Status, string(a.Body))
	assert.Equal(t, [][]any{{nil, 1.0, 3.0}, {}, {nil, 4.0, 6.0}}, e.values("s", "Sheet1"))
	p := e.sheet("s", "Sheet1")
	assert.Equal(t, 5, p.RowCount)
	assert.Equal(t, 3, p.ColumnCount)

	for _, tt := range []struct {
		req  obj
		want string
	}{
		{obj{"deleteDimension": obj{"range": obj{"sheetId": 0, "dimension": "ROWS", "startIndex": 0, "endIndex": 5}}}, "You can't delete all the rows on the sheet."},
		{obj{"deleteDimension": obj{"range": obj{"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 3}}}, "You can't delete all the columns on the sheet."},
		{obj{"deleteDimension": obj{"range": obj{"sheetId": 0, "dimension": "ROWS", "startIndex": 4, "endIndex": 9}}}, "exceeds grid limits"},
		{obj{"appendDimension": obj{"sheetId": 0, "dimension": "ROWS"}}, "length must be at least 1"},
		{obj{"appendDimension": obj{"sheetId": 0, "dimension": "DIAGONAL", "length": 1}}, "Invalid dimension"},
		{obj{"insertDimension": obj{"range": obj{"sheetId": 0, "dimension": "ROWS", "startIndex": 1}}}, "startIndex and endIndex are required"},
	} {
		a := e.batch("s", tt.req)
		assert.Equal(t, 400, a.Status)
		assert.Contains(t, a.errorMessage(), tt.want)
	}
}

func TestCellsLimitInBatch(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s")
	// 9,999,000 cells, cheaply: cells are stored only when written.
	require.NoError(t, e.fake.SetGrid("s", "Sheet1", 999_900, 10, 0, 0))
	assert.Equal(t, int64(9_999_000), e.fake.Cells("s"))
	a := e.batch("s", obj{"addSheet": obj{"properties": obj{"title": "Big", "gridProperties": obj{"rowCount": 100, "columnCount": 11}}}})
	require.Equal(t, 400, a.Status)
	assert.Equal(t, "Invalid requests[0].addSheet: This action would increase the number of cells in the workbook above the limit of 10000000 cells.", a.errorMessage())
	a = e.batch("s", obj{"addSheet": obj{"properties": obj{"title": "Fits", "gridProperties": obj{"rowCount": 100, "columnCount": 10}}}})
	require.Equal(t, 200, a.Status)
	assert.Equal(t, int64(DefaultMaxCells), e.fake.Cells("s"))

	// The limit holds at every step of a batch, not just at its end.
	a = e.batch("s",
		obj{"appendDimension": obj{"sheetId": 0, "dimension": "ROWS", "length": 1}},
		obj{"deleteSheet": obj{"sheetId": e.sheet("s", "Fits").SheetID}},
	)
	assert.Equal(t, 400, a.Status)
	assert.True(t, strings.HasPrefix(a.errorMessage(), "Invalid requests[0].appendDimension"))
}
