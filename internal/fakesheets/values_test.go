package fakesheets

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValuesRawVersusUserEntered(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s", "Raw", "User")
	row := []any{
		"=IMPORTXML(\"http://x\",\"//a\")", "123", "1,234.5", "TRUE", "false", "2024-01-02",
		"2024-01-02 03:04:05", "1/2/2024", "12.5%", "'007", "hello", 42, 1.5, true, nil, "",
	}
	require.Equal(t, 200, e.put("s", "Raw!A1", "RAW", [][]any{row}).Status)
	require.Equal(t, 200, e.put("s", "User!A1", "USER_ENTERED", [][]any{row}).Status)

	raw, err := e.fake.Grid("s", "Raw")
	require.NoError(t, err)
	wantRaw := []Cell{
		{Value: "=IMPORTXML(\"http://x\",\"//a\")"},
		{Value: "123"},
		{Value: "1,234.5"},
		{Value: "TRUE"},
		{Value: "false"},
		{Value: "2024-01-02"},
		{Value: "2024-01-02 03:04:05"},
		{Value: "1/2/2024"},
		{Value: "12.5%"},
		{Value: "'007"},
		{Value: "hello"},
		{Value: 42.0},
		{Value: 1.5},
		{Value: true},
		{},
		{},
	}
	assert.Equal(t, wantRaw, raw[0][:len(wantRaw)])

	user, err := e.fake.Grid("s", "User")
	require.NoError(t, err)
	wantUser := []Cell{
		{Formula: "=IMPORTXML(\"http://x\",\"//a\")"},
		{Value: 123.0},
		{Value: 1234.5},
		{Value: true},
		{Value: false},
		{Value: 45293.0, Format: fmtDate},
		{Value: 45293 + (3*3600+4*60+5)/86400.0, Format: fmtDateTime},
		{Value: 45293.0, Format: fmtUSDate},
		{Value: 0.125, Format: fmtPercent},
		{Value: "007"},
		{Value: "hello"},
		{Value: 42.0},
		{Value: 1.5},
		{Value: true},
		{},
		{},
	}
	for i, w := range wantUser {
		got := user[0][i]
		if f, ok := w.Value.(float64); ok {
			assert.InDelta(t, f, got.Value, 1e-9, "column %d", i)
			got.Value = w.Value
		}
		assert.Equal(t, w, got, "column %d", i)
	}
	assert.False(t, user[0][0].IsEmpty())
	assert.True(t, user[0][14].IsEmpty())
}

func TestValuesNullSkipsAndEmptyClears(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s")
	require.Equal(t, 200, e.put("s", "A1", "RAW", [][]any{{"a", "b", "c"}}).Status)
	require.Equal(t, 200, e.put("s", "A1", "RAW", [][]any{{nil, "", "C"}}).Status)
	assert.Equal(t, [][]any{{"a", nil, "C"}}, e.values("s", "Sheet1"))
}

func TestValuesUpdateLimits(t *testing.T) {
	e := newEnv(t, Options{MaxCellChars: 10})
	e.fake.CreateSpreadsheet("s")
	require.NoError(t, e.fake.SetGrid("s", "Sheet1", 3, 2, 0, 0))

	a := e.put("s", "Sheet1!A3", "RAW", [][]any{{1}, {2}})
	assert.Equal(t, 400, a.Status)
	assert.Equal(t, "Range (Sheet1!A3:A4) exceeds grid limits. Max rows: 3, max columns: 2", a.errorMessage())
	a = e.put("s", "Sheet1!A1", "RAW", [][]any{{1, 2, 3}})
	assert.Equal(t, 400, a.Status)
	a = e.put("s", "Sheet1!D1", "RAW", [][]any{{1}})
	assert.Equal(t, 400, a.Status)
	assert.Contains(t, a.errorMessage(), "exceeds grid limits")
	a = e.put("s", "Sheet1!A1:B1", "RAW", [][]any{{1}, {2}})
	assert.Equal(t, 400, a.Status)
	assert.Equal(t, "Requested writing within range [Sheet1!A1:B1], but tried writing to row [2]", a.errorMessage())

	a = e.put("s", "A1", "RAW", [][]any{{"12345678901"}})
	assert.Equal(t, 400, a.Status)
	assert.Equal(t, "Your input contains more than the maximum of 10 characters in a single cell.", a.errorMessage())
	// Characters count in UTF-16 units: 5 emoji are 10 units, 6 are 12.
	assert.Equal(t, 200, e.put("s", "A1", "RAW", [][]any{{strings.Repeat("😀", 5)}}).Status)
	assert.Equal(t, 400, e.put("s", "A1", "RAW", [][]any{{strings.Repeat("😀", 6)}}).Status)
	assert.Equal(t, 200, e.put("s", "A1", "RAW", [][]any{{strings.Repeat("é", 10)}}).Status)

	a = e.do("PUT", "/v4/spreadsheets/s/values/A1", map[string]any{"values": [][]any{{1}}})
	assert.Equal(t, 400, a.Status, "valueInputOption is required")
	a = e.put("s", "A1", "SOMETIMES", [][]any{{1}})
	assert.Equal(t, 400, a.Status)
	a = e.put("s", "Nope!A1", "RAW", [][]any{{1}})
	assert.Equal(t, 400, a.Status)
	assert.Equal(t, "Unable to parse range: Nope!A1", a.errorMessage())
	a = e.do("PUT", "/v4/spreadsheets/s/values/A1?valueInputOption=RAW", map[string]any{"range": "B1", "values": [][]any{{1}}})
	assert.Equal(t, 400, a.Status, "body range must match")
	a = e.do("PUT", "/v4/spreadsheets/s/values/A1?valueInputOption=RAW", map[string]any{"values": [][]any{{map[string]any{"a": 1}}}})
	assert.Equal(t, 400, a.Status)
	a = e.do("PUT", "/v4/spreadsheets/s/values/A1?valueInputOption=RAW", "{not json")
	assert.Equal(t, 400, a.Status)
	assert.Equal(t, [][]any{{strings.Repeat("é", 10)}}, e.values("s", "Sheet1"), "rejected writes change nothing")
}

func TestValuesUpdateResponseAndColumns(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s", "My tab")
	a := e.do("PUT", "/v4/spreadsheets/s/values/"+url.PathEscape("'My tab'!B2")+"?valueInputOption=RAW",
		map[string]any{"majorDimension": "COLUMNS", "values": [][]any{{1, 2, 3}, {"a"}}})
	require.Equal(t, 200, a.Status, string(a.Body))
	assert.Equal(t, "'My tab'!B2:C4", a.JSON["updatedRange"])
	assert.Equal(t, 3.0, a.JSON["updatedRows"])
	assert.Equal(t, 2.0, a.JSON["updatedColumns"])
	assert.Equal(t, 4.0, a.JSON["updatedCells"])
	assert.Equal(t, [][]any{{}, {nil, 1.0, "a"}, {nil, 2.0}, {nil, 3.0}}, e.values("s", "My tab"))
}

func TestValuesGet(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s")
	require.Equal(t, 200, e.put("s", "A1", "USER_ENTERED", [][]any{
		{"name", "when", "n", "ok", "f"},
		{"a", "2024-01-02", 1.5, true, "=A1"},
		{},
		{"", nil, 3},
	}).Status)

	a := e.get("s", "Sheet1", "")
	require.Equal(t, 200, a.Status)
	assert.Equal(t, "Sheet1!A1:Z1000", a.JSON["range"])
	assert.Equal(t, "ROWS", a.JSON["majorDimension"])
	assert.Equal(t, []any{
		[]any{"name", "when", "n", "ok", "f"},
		[]any{"a", "2024-01-02", "1.5", "TRUE", ""},
		[]any{},
		[]any{"", "", "3"},
	}, a.JSON["values"], "formatted, trailing empties trimmed")

	a = e.get("s", "Sheet1!A2:E2", "valueRenderOption=UNFORMATTED_VALUE")
	assert.Equal(t, []any{[]any{"a", 45293.0, 1.5, true, ""}}, a.JSON["values"])
	a = e.get("s", "Sheet1!A2:E2", "valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=FORMATTED_STRING")
	assert.Equal(t, []any{[]any{"a", "2024-01-02", 1.5, true, ""}}, a.JSON["values"])
	a = e.get("s", "Sheet1!A2:E2", "valueRenderOption=FORMULA")
	assert.Equal(t, []any{[]any{"a", 45293.0, 1.5, true, "=A1"}}, a.JSON["values"])
	a = e.get("s", "Sheet1!B1:C4", "majorDimension=COLUMNS&valueRenderOption=UNFORMATTED_VALUE")
	assert.Equal(t, []any{[]any{"when", 45293.0}, []any{"n", 1.5, "", 3.0}}, a.JSON["values"])
	a = e.get("s", "Sheet1!3:3", "")
	assert.Equal(t, "Sheet1!A3:Z3", a.JSON["range"])
	assert.NotContains(t, a.JSON, "values", "an empty range has no values")
	a = e.get("s", "Sheet1!A1:A1001", "")
	assert.Equal(t, 400, a.Status)
	assert.Contains(t, a.errorMessage(), "exceeds grid limits")
	a = e.get("s", "Sheet1", "valueRenderOption=PRETTY")
	assert.Equal(t, 400, a.Status)

	a = e.do("GET", "/v4/spreadsheets/s/values:batchGet?ranges=Sheet1!A1&ranges=Sheet1!C2&valueRenderOption=UNFORMATTED_VALUE", nil)
	require.Equal(t, 200, a.Status)
	vrs := a.JSON["valueRanges"].([]any)
	require.Len(t, vrs, 2)
	assert.Equal(t, []any{[]any{"name"}}, vrs[0].(map[string]any)["values"])
	assert.Equal(t, []any{[]any{1.5}}, vrs[1].(map[string]any)["values"])
}

func TestValuesAppend(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s")
	require.NoError(t, e.fake.SetGrid("s", "Sheet1", 3, 3, 0, 0))
	require.NoError(t, e.fake.SetValues("s", "Sheet1", [][]any{{"h1", "h2"}, {1, 2}}))

	a := e.do("POST", "/v4/spreadsheets/s/values/Sheet1!A1:B1:append?valueInputOption=RAW",
		map[string]any{"values": [][]any{{3, 4}, {5, 6}}})
	require.Equal(t, 200, a.Status, string(a.Body))
	assert.Equal(t, "Sheet1!A1:B2", a.JSON["tableRange"])
	assert.Equal(t, "Sheet1!A3:B4", a.JSON["updates"].(map[string]any)["updatedRange"])
	assert.Equal(t, [][]any{{"h1", "h2"}, {1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, e.values("s", "Sheet1"))
	assert.Equal(t, 4, e.sheet("s", "Sheet1").RowCount, "the grid grows as needed")

	require.NoError(t, e.fake.SetValues("s", "Sheet1", [][]any{nil, nil, nil, nil, {nil, nil, "tail"}}))
	a = e.do("POST", "/v4/spreadsheets/s/values/Sheet1!A:B:append?valueInputOption=RAW&insertDataOption=INSERT_ROWS",
		map[string]any{"values": [][]any{{7, 8}}})
	require.Equal(t, 200, a.Status, string(a.Body))
	assert.Equal(t, [][]any{{"h1", "h2"}, {1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}, {7.0, 8.0}, {nil, nil, "tail"}}, e.values("s", "Sheet1"),
		"INSERT_ROWS pushes the rows below down")
	assert.Equal(t, 6, e.sheet("s", "Sheet1").RowCount)

	a = e.do("POST", "/v4/spreadsheets/s/values/Sheet1!A1:append?valueInputOption=RAW&insertDataOption=SIDEWAYS",
		map[string]any{"values": [][]any{{1}}})
	assert.Equal(t, 400, a.Status)
}

func TestValuesAppendRespectsCellLimit(t *testing.T) {
	e := newEnv(t, Options{MaxCells: 20})
	e.fake.CreateSpreadsheet("s")
	require.NoError(t, e.fake.SetGrid("s", "Sheet1", 4, 5, 0, 0))
	a := e.do("POST", "/v4/spreadsheets/s/values/A1:append?valueInputOption=RAW", map[string]any{"values": [][]any{{1}}})
	require.Equal(t, 200, a.Status)
	a = e.do("POST", "/v4/spreadsheets/s/values/A1:append?valueInputOption=RAW&insertDataOption=INSERT_ROWS",
		map[string]any{"values": [][]any{{2}}})
	assert.Equal(t, 400, a.Status)
	assert.Equal(t, "This action would increase the number of cells in the workbook above the limit of 20 cells.", a.errorMessage())
}

func TestValuesClearAndBatchUpdate(t *testing.T) {
	e := newEnv(t, Options{})
	e.fake.CreateSpreadsheet("s", "A", "B")
	require.NoError(t, e.fake.SetValues("s", "A", [][]any{{1, 2}, {3, 4}}))
	require.NoError(t, e.fake.SetFormat("s", "A", 0, 0, fmtDate))

	a := e.do("POST", "/v4/spreadsheets/s/values/A!A1:A2:clear", map[string]any{})
	require.Equal(t, 200, a.Status)
	assert.Equal(t, "'A'!A1:A2", a.JSON["clearedRange"], "a title that reads as a column is quoted")
	g, err := e.fake.Grid("s", "A")
	require.NoError(t, err)
	assert.Equal(t, Cell{Format: fmtDate}, g[0][0], "clear keeps formats")
	assert.Equal(t, Cell{Value: 4.0}, g[1][1])

	a = e.do("POST", "/v4/spreadsheets/s/values:batchUpdate", map[string]any{
		"valueInputOption": "USER_ENTERED",
		"data": []any{
			map[string]any{"range": "A!A1", "values": [][]any{{"2024-01-02"}}},
			map[string]any{"range": "B!B2", "values": [][]any{{"x", "y"}}},
		},
	})
	require.Equal(t, 200, a.Status, string(a.Body))
	assert.Equal(t, 2.0, a.JSON["totalUpdatedSheets"])
	assert.Equal(t, 3.0, a.JSON["totalUpdatedCells"])
	g, _ = e.fake.Grid("s", "A")
	assert.Equal(t, Cell{Value: 45293.0, Format: fmtDate}, g[0][0])
	assert.Equal(t, [][]any{{}, {nil, "x", "y"}}, e.values("s", "B"))

	// One bad range fails the whole batch.
	a = e.do("POST", "/v4/spreadsheets/s/values:batchUpdate", map[string]any{
		"valueInputOption": "RAW",
		"data": []any{
			map[string]any{"range": "B!A1", "values": [][]any{{"first"}}},
			map[string]any{"range": "B!A1001", "values": [][]any{{"out"}}},
		},
	})
	assert.Equal(t, 400, a.Status)
	assert.Equal(t, [][]any{{}, {nil, "x", "y"}}, e.values("s", "B"))

	a = e.do("POST", "/v4/spreadsheets/s/values:batchClear", map[string]any{"ranges": []string{"B!B2", "A"}})
	require.Equal(t, 200, a.Status)
	assert.Equal(t, [][]any{{}, {nil, nil, "y"}}, e.values("s", "B"))
	assert.Empty(t, e.values("s", "A"))
}
