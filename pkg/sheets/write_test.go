package sheets_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/pkg/sheets"
)

var (
	dateFmt     = fakesheets.NumberFormat{Type: "DATE", Pattern: "yyyy-mm-dd"}
	datetimeFmt = fakesheets.NumberFormat{Type: "DATE_TIME", Pattern: "yyyy-mm-dd hh:mm:ss"}
)

type stringer struct{}

func (stringer) String() string { return "stringer" }

func TestWriteEveryType(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Data")
	columns := []sheets.Column{
		{Name: "id", Type: sheets.TypeInteger},
		{Name: "price", Type: sheets.TypeFloat},
		{Name: "ok", Type: sheets.TypeBoolean},
		{Name: "name", Type: sheets.TypeString},
		{Name: "day", Type: sheets.TypeDate},
		{Name: "at", Type: sheets.TypeDatetime},
		{Name: "any", Type: sheets.TypeAuto},
		{Name: "名前 😀", Type: sheets.TypeString},
	}
	at := time.Date(2024, 2, 29, 23, 59, 58, 500_000_000, time.UTC)
	rows := [][]any{
		{1, 9.99, true, "plain", "2024-01-02", "2024-01-02T03:04:05Z", nil, "日本語 ✓"},
		{int64(9007199254740993), json.Number("1e3"), false, "<b>&amp;</b>", "2024-02-29T00:00:00", "2024-01-02 03:04:05.250", 7, "😀😀"},
		{"42", "2.5", nil, "", at, at, at, nil},
		{nil, math.NaN(), nil, "=1+1", "not a date", "yesterday", map[string]any{"a": 1}, "tab\there"},
		{uint8(3), float32(0.5), true, []byte("bytes"), nil, at.In(time.FixedZone("X", 3600)), stringer{}, "line\nbreak"},
		{int32(-5), math.Inf(-1)},
	}
	res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(columns, rows), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, 6, res.Rows)
	assert.Equal(t, 8, res.Columns)
	assert.True(t, res.HeaderWritten)
	assert.False(t, res.Created)
	assert.Equal(t, "'Data'!A1:H7", res.Range)

	serial := func(tm time.Time) float64 { return sheets.Serial(tm) }
	day := func(s string) fakesheets.Cell {
		tm, err := time.Parse(time.DateOnly, s)
		require.NoError(t, err)
		return fakesheets.Cell{Value: serial(tm), Format: dateFmt}
	}
	dt := func(tm time.Time) fakesheets.Cell { return fakesheets.Cell{Value: serial(tm), Format: datetimeFmt} }
	c := func(v any) fakesheets.Cell { return fakesheets.Cell{Value: v} }
	want := [][]fakesheets.Cell{
		text("id", "price", "ok", "name", "day", "at", "any", "名前 😀"),
		{num(1), num(9.99), c(true), c("plain"), day("2024-01-02"), dt(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)), {Format: datetimeFmt}, c("日本語 ✓")},
		{num(9007199254740992), num(1000), c(false), c("<b>&amp;</b>"), day("2024-02-29"), dt(time.Date(2024, 1, 2, 3, 4, 5, 250_000_000, time.UTC)), {Value: 7.0, Format: datetimeFmt}, c("😀😀")},
		{num(42), num(2.5), {}, {}, day("2024-02-29"), dt(at), dt(at), {}},
		{{}, c("NaN"), {}, c("=1+1"), {Value: "not a date", Format: dateFmt}, {Value: "yesterday", Format: datetimeFmt}, {Value: `{"a":1}`, Format: datetimeFmt}, c("tab\there")},
		{num(3), num(0.5), c(true), c("bytes"), {Format: dateFmt}, dt(time.Date(2024, 3, 1, 0, 59, 58, 500_000_000, time.UTC)), {Value: "stringer", Format: datetimeFmt}, c("line\nbreak")},
		{num(-5), c("-Infinity"), {}, {}, {Format: dateFmt}, {Format: datetimeFmt}, {Format: datetimeFmt}, {}},
	}
	got := h.grid("book", "Data")
	require.Len(t, got, len(want), "the grid fits the result")
	for i := range want {
		require.Len(t, got[i], 8)
		for j := range want[i] {
			w, g := want[i][j], got[i][j]
			if f, ok := w.Value.(float64); ok {
				if gf, ok := g.Value.(float64); ok && math.Abs(gf-f) < 1e-9 {
					g.Value = f
				}
			}
			assert.Equal(t, w, g, "row %d column %d", i, j)
		}
	}
	assert.Empty(t, h.stagingTabs("book"))
}

func TestRawKeepsFormulasAsText(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Raw", "Entered")
	rows := [][]any{{`=IMPORTXML("http://evil","//a")`, "007", "TRUE", "2024-01-02"}}
	_, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Raw"}, table(cols("a", "b", "c", "d"), rows), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, text(`=IMPORTXML("http://evil","//a")`, "007", "TRUE", "2024-01-02"), h.grid("book", "Raw")[1])

	_, err = h.write(sheets.Target{SpreadsheetID: "book", Tab: "Entered"}, table(cols("a", "b", "c", "d"), rows),
		sheets.WriteOptions{ValueInput: sheets.ValueInputUserEntered})
	require.NoError(t, err)
	got := h.grid("book", "Entered")[1]
	assert.Equal(t, `=IMPORTXML("http://evil","//a")`, got[0].Formula, "user-entered is opt-in")
	assert.Equal(t, 7.0, got[1].Value)
	assert.Equal(t, true, got[2].Value)
	assert.Equal(t, dateFmt, got[3].Format)

	for _, r := range h.fake.Requests() {
		if r.Op == "values.update" {
			assert.Contains(t, []string{"RAW", "USER_ENTERED"}, r.Query.Get("valueInputOption"))
		}
		assert.Contains(t, r.Header.Get("User-Agent"), "redashctl-test")
	}
}

func TestReplaceShrinksAndGrows(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Summary", "Data")
	old := make([][]any, 500)
	for i := range old {
		old[i] = []any{"old", i, i, i, i}
	}
	require.NoError(t, h.fake.SetValues("book", "Data", old))
	require.NoError(t, h.fake.SetFormat("book", "Data", 3, 4, dateFmt))
	before := h.props("book", "Data")

	res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "data"}, table(cols("x", "y"), [][]any{{"a", 1}, {"b", 2}}), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, "Data", res.Tab, "tab titles match case-insensitively")
	assert.Equal(t, before.SheetID, res.SheetID)
	after := h.props("book", "Data")
	assert.Equal(t, before.SheetID, after.SheetID, "the tab keeps its id")
	assert.Equal(t, before.Index, after.Index)
	assert.Equal(t, 3, after.RowCount)
	assert.Equal(t, 2, after.ColumnCount)
	assert.Equal(t, valuesGrid([]string{"x", "y"}, [][]any{{"a", 1.0}, {"b", 2.0}}), h.grid("book", "Data"), "no old row or format survives")

	big := make([][]any, 2000)
	for i := range big {
		big[i] = []any{i, fmt.Sprint("r", i), i%2 == 0, nil, "z"}
	}
	_, err = h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("n", "s", "b", "nil", "z"), big), sheets.WriteOptions{})
	require.NoError(t, err)
	after = h.props("book", "Data")
	assert.Equal(t, before.SheetID, after.SheetID)
	assert.Equal(t, 2001, after.RowCount)
	assert.Equal(t, 5, after.ColumnCount)
	g := h.grid("book", "Data")
	assert.Equal(t, text("n", "s", "b", "nil", "z"), g[0])
	assert.Equal(t, []fakesheets.Cell{num(1999), {Value: "r1999"}, {Value: false}, {}, {Value: "z"}}, g[2000])
	assert.Empty(t, h.stagingTabs("book"))
	assert.Len(t, h.fake.Sheets("book"), 2)
}

func TestReplaceEmptyResult(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Data")
	require.NoError(t, h.fake.SetValues("book", "Data", [][]any{{1, 2, 3}, {4, 5, 6}}))
	require.NoError(t, h.fake.SetGrid("book", "Data", 1000, 26, 1, 1))

	res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("a", "b"), nil), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, 0, res.Rows)
	assert.Equal(t, [][]fakesheets.Cell{text("a", "b"), {{}, {}}}, h.grid("book", "Data"),
		"the header stays; the grid keeps a row below the frozen one")

	res, err = h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, sheets.Table{}, sheets.WriteOptions{NoHeader: true})
	require.NoError(t, err)
	assert.Empty(t, res.Range)
	p := h.props("book", "Data")
	assert.Equal(t, 2, p.RowCount)
	assert.Equal(t, 2, p.ColumnCount)
	for _, row := range h.grid("book", "Data") {
		for _, c := range row {
			assert.True(t, c.IsEmpty())
		}
	}

	res, err = h.write(sheets.Target{SpreadsheetID: "book", Tab: "Fresh"}, table(cols("only"), nil), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.True(t, res.Created)
	assert.Equal(t, [][]fakesheets.Cell{text("only")}, h.grid("book", "Fresh"))
	assert.Empty(t, h.stagingTabs("book"))
}

func TestCreatesMissingTab(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Sheet1")
	res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Daily 'KPIs'"}, table(cols("k", "v"), [][]any{{"users", 10}}), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.True(t, res.Created)
	p := h.props("book", "Daily 'KPIs'")
	assert.False(t, p.Hidden)
	assert.Equal(t, res.SheetID, p.SheetID)
	assert.Equal(t, 2, p.RowCount)
	assert.Equal(t, 2, p.ColumnCount)
	assert.Equal(t, valuesGrid([]string{"k", "v"}, [][]any{{"users", 10.0}}), h.grid("book", "Daily 'KPIs'"))
	assert.Len(t, h.fake.Sheets("book"), 2)
	assert.Equal(t, []string{"spreadsheets.batchUpdate", "values.update", "spreadsheets.batchUpdate"}, h.writeOps(),
		"create staging, one chunk, swap")
}

func TestTargetsByGidAndDefaultTab(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "First", "Second")
	second := h.props("book", "Second").SheetID
	target, err := sheets.ParseTarget(fmt.Sprintf("https://docs.google.com/spreadsheets/d/book/edit#gid=%d", second))
	require.NoError(t, err)
	res, err := h.write(target, table(cols("a"), [][]any{{"by gid"}}), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, "Second", res.Tab)
	assert.Equal(t, text("by gid"), h.grid("book", "Second")[1])

	res, err = h.write(sheets.Target{SpreadsheetID: "book"}, table(cols("a"), [][]any{{"first"}}), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, "First", res.Tab, "no gid nor tab: the first tab")

	missing := int64(12345)
	_, err = h.write(sheets.Target{SpreadsheetID: "book", SheetID: &missing}, table(cols("a"), nil), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrNotFound)
	assert.EqualError(t, err, `write to spreadsheet book gid 12345: spreadsheet book has no tab with gid 12345`)

	_, err = h.write(sheets.Target{SpreadsheetID: "book", SheetID: &second, Tab: "First"}, table(cols("a"), nil), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrInvalidTarget)
	assert.Contains(t, err.Error(), `gid `+fmt.Sprint(second)+` of spreadsheet book is tab "Second", not "First"`)

	_, err = h.write(sheets.Target{SpreadsheetID: "nope", Tab: "x"}, table(cols("a"), nil), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrNotFound)
	assert.EqualError(t, err, `write to spreadsheet nope tab "x": spreadsheet nope not found: check the URL or id`)
}

func TestAppend(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "History")
	target := sheets.Target{SpreadsheetID: "book", Tab: "History"}
	ts1 := time.Date(2024, 5, 1, 6, 0, 0, 0, time.UTC)
	ts2 := ts1.Add(24 * time.Hour)
	columns := []sheets.Column{{Name: "metric"}, {Name: "value", Type: sheets.TypeInteger}}

	res, err := h.write(target, table(columns, [][]any{{"users", 10}, {"orders", 3}}),
		sheets.WriteOptions{Mode: sheets.ModeAppend, Timestamp: ts1})
	require.NoError(t, err)
	assert.True(t, res.HeaderWritten, "an empty tab gets the header")
	assert.Equal(t, "'History'!A1:C3", res.Range)
	p := h.props("book", "History")
	assert.Equal(t, 1000, p.RowCount, "a roomy grid is not grown")

	res, err = h.write(target, table(columns, [][]any{{"users", 12}}), sheets.WriteOptions{Mode: sheets.ModeAppend, Timestamp: ts2})
	require.NoError(t, err)
	assert.False(t, res.HeaderWritten)
	assert.Equal(t, "'History'!A4:C4", res.Range)

	stamp := func(tm time.Time) fakesheets.Cell {
		return fakesheets.Cell{Value: sheets.Serial(tm), Format: datetimeFmt}
	}
	g := h.grid("book", "History")
	assert.Equal(t, text("exported_at", "metric", "value"), g[0][:3])
	assert.Equal(t, []fakesheets.Cell{stamp(ts1), {Value: "users"}, num(10)}, g[1][:3])
	assert.Equal(t, []fakesheets.Cell{stamp(ts1), {Value: "orders"}, num(3)}, g[2][:3])
	assert.Equal(t, []fakesheets.Cell{stamp(ts2), {Value: "users"}, num(12)}, g[3][:3])
	assert.True(t, g[4][0].IsEmpty())

	// Columns that do not line up with the header are refused untouched.
	h.fake.ResetRequests()
	_, err = h.write(target, table(cols("metric", "count"), [][]any{{"users", 1}}), sheets.WriteOptions{Mode: sheets.ModeAppend, Timestamp: ts2})
	require.ErrorIs(t, err, sheets.ErrHeaderMismatch)
	assert.Contains(t, err.Error(), `tab "History" has "value" in column C of its header where the result has "count"`)
	assert.Empty(t, h.writeOps())

	// A grid full to the last row grows; NoHeader skips the check.
	require.NoError(t, h.fake.SetGrid("book", "History", 4, 3, 0, 0))
	_, err = h.write(target, table(cols("a", "b"), [][]any{{"x", 1}, {"y", 2}}), sheets.WriteOptions{Mode: sheets.ModeAppend, Timestamp: ts2, NoHeader: true})
	require.NoError(t, err)
	p = h.props("book", "History")
	assert.Equal(t, 6, p.RowCount)
	assert.Equal(t, []fakesheets.Cell{stamp(ts2), {Value: "y"}, num(2)}, h.grid("book", "History")[5])
	assert.Empty(t, h.stagingTabs("book"))
}

func TestAppendWithoutTimestampAndIntoNewTab(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Sheet1")
	target := sheets.Target{SpreadsheetID: "book", Tab: "Log"}
	res, err := h.write(target, table(cols("a", "b"), [][]any{{1, 2}}), sheets.WriteOptions{Mode: sheets.ModeAppend})
	require.NoError(t, err)
	assert.True(t, res.Created)
	res, err = h.write(target, table(cols("a", "b"), [][]any{{3, nil}, {nil, 6}}), sheets.WriteOptions{Mode: sheets.ModeAppend})
	require.NoError(t, err)
	assert.Equal(t, "'Log'!A3:B4", res.Range)
	assert.Equal(t, valuesGrid([]string{"a", "b"}, [][]any{{1.0, 2.0}, {3.0, nil}, {nil, 6.0}}), h.grid("book", "Log"))

	// Rows with data far down a roomy grid: the new rows go right below.
	h.fake.CreateSpreadsheet("b2", "T")
	require.NoError(t, h.fake.SetValues("b2", "T", [][]any{{"a"}, nil, nil, {"x"}}))
	res, err = h.write(sheets.Target{SpreadsheetID: "b2", Tab: "T"}, table(cols("a"), [][]any{{"y"}}), sheets.WriteOptions{Mode: sheets.ModeAppend})
	require.NoError(t, err)
	assert.Equal(t, "'T'!A5:A5", res.Range)
}

func TestLastRowScansLargeGrids(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "T")
	require.NoError(t, h.fake.SetGrid("book", "T", 40_000, 2, 0, 0))
	require.NoError(t, h.fake.SetValues("book", "T", [][]any{{"a", "b"}, {1, 2}}))
	res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "T"}, table(cols("a", "b"), [][]any{{3, 4}}), sheets.WriteOptions{Mode: sheets.ModeAppend})
	require.NoError(t, err)
	assert.Equal(t, "'T'!A3:B3", res.Range)
	reads := 0
	for _, r := range h.fake.Requests() {
		if r.Op == "values.batchGet" {
			reads++
		}
	}
	assert.Equal(t, 4, reads, "windows of 5000, 10000, 20000 and the rest, from the bottom up")
}

func TestChunksAndStagingGrowth(t *testing.T) {
	h := newHarness(t, fakesheets.Options{}, func(o *sheets.Options) { o.MaxRequestBytes = 2000 })
	h.fake.CreateSpreadsheet("book", "Data")
	gen := func(i int, row []any) { row[0], row[1] = i, strings.Repeat("x", 20) }
	var progress []int
	res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, genTable(cols("i", "s"), 500, gen),
		sheets.WriteOptions{Progress: func(n int) { progress = append(progress, n) }})
	require.NoError(t, err)
	assert.Equal(t, 500, res.Rows)
	assert.Equal(t, 501, h.props("book", "Data").RowCount)
	g := h.grid("book", "Data")
	for i := 0; i < 500; i++ {
		require.Equal(t, float64(i), g[i+1][0].Value, "row %d", i)
	}
	var kinds [][]string
	chunks := 0
	for _, r := range h.fake.WriteRequests() {
		assert.LessOrEqual(t, r.Bytes, 2000, "every request fits the limit")
		if r.Op == "values.update" {
			chunks++
		} else {
			kinds = append(kinds, r.Kinds)
		}
	}
	assert.Greater(t, chunks, 5)
	assert.Equal(t, len(progress), chunks)
	assert.Equal(t, 500, progress[len(progress)-1])
	require.Greater(t, len(kinds), 2, "staging grew while streaming")
	assert.Equal(t, []string{"addSheet", "updateCells"}, kinds[0])
	for _, k := range kinds[1 : len(kinds)-1] {
		assert.Equal(t, []string{"updateSheetProperties"}, k)
	}
	assert.Less(t, len(kinds)-2, 8, "the staging grid doubles, it does not grow chunk by chunk")
	assert.Equal(t, res.Stats.WriteRequests, chunks+len(kinds))
	assert.Equal(t, 2000.0, float64(max(res.Stats.MaxRequestBytes, 2000)))

	// With the row count known, the staging tab is sized once.
	h.fake.ResetRequests()
	tbl := genTable(cols("i", "s"), 500, gen)
	tbl.RowCount = 500
	_, err = h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, tbl, sheets.WriteOptions{})
	require.NoError(t, err)
	for _, r := range h.fake.WriteRequests() {
		if r.Op == "spreadsheets.batchUpdate" {
			assert.NotEqual(t, []string{"updateSheetProperties"}, r.Kinds)
		}
	}
}

func TestHundredThousandRows(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Big")
	columns := []sheets.Column{{Name: "id", Type: sheets.TypeInteger}, {Name: "name"}, {Name: "day", Type: sheets.TypeDate}}
	const n = 100_000
	res, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Big"}, genTable(columns, n, func(i int, row []any) {
		row[0], row[1], row[2] = i, "name-"+fmt.Sprint(i%977), "2024-01-02"
	}), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, n, res.Rows)
	assert.Equal(t, n+1, h.props("book", "Big").RowCount)
	assert.LessOrEqual(t, res.Stats.MaxRequestBytes, int64(sheets.DefaultMaxRequestBytes))
	assert.Greater(t, res.Stats.WriteRequests, 2, "more than one chunk")
	v, err := h.fake.Values("book", "Big")
	require.NoError(t, err)
	require.Len(t, v, n+1)
	for _, i := range []int{0, 1, 977, 50_000, n - 1} {
		assert.Equal(t, []any{float64(i), "name-" + fmt.Sprint(i%977), 45293.0}, v[i+1], "row %d", i)
	}
	assert.Empty(t, h.stagingTabs("book"))
}

func TestTooManyCellsFailsBeforeAnyWrite(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Data", "Huge")
	// 9,970,000 cells, and Data's 1000 × 26: 4,000 cells are free.
	require.NoError(t, h.fake.SetGrid("book", "Huge", 997_000, 10, 0, 0))
	require.NoError(t, h.fake.SetValues("book", "Data", [][]any{{"old"}}))
	before := h.grid("book", "Data")

	// 2,000 rows × 10 columns need 20,010 cells while staged.
	tbl := genTable(cols("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), 2000, func(i int, row []any) {
		for j := range row {
			row[j] = i
		}
	})
	tbl.RowCount = 2000
	_, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, tbl, sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrLimit)
	assert.Contains(t, err.Error(), "the result does not fit: 2000 rows × 10 columns need")
	assert.Contains(t, err.Error(), "of Google's 10000000 cells per spreadsheet are free")
	assert.Contains(t, err.Error(), "the sheet was not changed")
	assert.Empty(t, h.writeOps(), "nothing was written")

	// Without the count, a result that fits one chunk is checked before any write too.
	tbl.RowCount = 0
	_, err = h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, tbl, sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrLimit)
	assert.Empty(t, h.writeOps())
	assert.Equal(t, before, h.grid("book", "Data"))
}

func TestTooManyCellsWhileStreaming(t *testing.T) {
	h := newHarness(t, fakesheets.Options{}, func(o *sheets.Options) { o.MaxRequestBytes = 5000 })
	h.fake.CreateSpreadsheet("book", "Data", "Huge")
	require.NoError(t, h.fake.SetGrid("book", "Huge", 997_000, 10, 0, 0))
	require.NoError(t, h.fake.SetValues("book", "Data", [][]any{{"old"}}))
	before := h.grid("book", "Data")
	_, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, genTable(cols("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), 2000,
		func(i int, row []any) {
			for j := range row {
				row[j] = i
			}
		}), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrLimit)
	assert.Contains(t, h.writeOps(), "values.update", "some chunks were staged")
	assert.Equal(t, before, h.grid("book", "Data"), "the target is untouched")
	assert.Equal(t, 1000, h.props("book", "Data").RowCount)
	assert.Empty(t, h.stagingTabs("book"), "the staging tab is removed")
}

func TestTooLongCellFailsBeforeAnyWrite(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Data")
	for _, tt := range []struct {
		name string
		cell string
		want string
	}{
		{"ascii", strings.Repeat("a", 50_001), `row 3, column "b": 50001 characters, more than Google's 50000 per cell`},
		{"emoji count twice", strings.Repeat("😀", 25_001), `row 3, column "b": 50002 characters, more than Google's 50000 per cell`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h.fake.ResetRequests()
			_, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"},
				table(cols("a", "b"), [][]any{{1, "ok"}, {2, "ok"}, {3, tt.cell}}), sheets.WriteOptions{})
			require.ErrorIs(t, err, sheets.ErrLimit)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, h.writeOps())
		})
	}
	// Exactly at the limit is fine.
	_, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"},
		table(cols("a"), [][]any{{strings.Repeat("é", 50_000)}}), sheets.WriteOptions{})
	require.NoError(t, err)
}

func TestOtherLimitsAndBadInput(t *testing.T) {
	h := newHarness(t, fakesheets.Options{}, func(o *sheets.Options) { o.MaxRequestBytes = 1000 })
	h.fake.CreateSpreadsheet("book", "Data")
	target := sheets.Target{SpreadsheetID: "book", Tab: "Data"}

	_, err := h.write(target, table(cols("a"), [][]any{{strings.Repeat("x", 900)}}), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrLimit)
	assert.Contains(t, err.Error(), "row 1 needs 904 bytes, more than one request may carry (1000)")

	wide := make([]sheets.Column, sheets.MaxColumns+1)
	_, err = h.write(target, sheets.Table{Columns: wide}, sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrLimit)
	assert.Contains(t, err.Error(), "18279 columns, more than Google's 18278 per sheet")

	_, err = h.write(target, table(cols("a"), [][]any{{1, 2}}), sheets.WriteOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "row 1: 2 values for 1 columns")

	boom := errors.New("decode failed")
	_, err = h.write(target, sheets.Table{Columns: cols("a"), Rows: func(yield func([]any, error) bool) {
		if yield([]any{1}, nil) {
			yield(nil, boom)
		}
	}}, sheets.WriteOptions{})
	require.ErrorIs(t, err, boom)
	assert.EqualError(t, err, `write to spreadsheet book tab "Data": read row 2: decode failed`)

	_, err = h.write(sheets.Target{}, table(cols("a"), nil), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrInvalidTarget)
	_, err = h.write(target, table(cols("a"), nil), sheets.WriteOptions{Mode: sheets.Mode(7)})
	require.Error(t, err)
	assert.Empty(t, h.writeOps(), "none of these wrote anything")
}

func TestCancelledExportLeavesTargetAndNoStaging(t *testing.T) {
	h := newHarness(t, fakesheets.Options{}, func(o *sheets.Options) { o.MaxRequestBytes = 1000 })
	h.fake.CreateSpreadsheet("book", "Data")
	require.NoError(t, h.fake.SetValues("book", "Data", [][]any{{"old"}}))
	before := h.grid("book", "Data")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := h.w.Write(ctx, sheets.Target{SpreadsheetID: "book", Tab: "Data"}, genTable(cols("a", "b"), 1000, func(i int, row []any) {
		if i == 300 {
			cancel()
		}
		row[0], row[1] = i, "some text"
	}), sheets.WriteOptions{})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, before, h.grid("book", "Data"))
	assert.Empty(t, h.stagingTabs("book"), "the staging tab is removed even after cancel")
}

func TestStaleStagingTabsAreRemoved(t *testing.T) {
	h := newHarness(t, fakesheets.Options{})
	h.fake.CreateSpreadsheet("book", "Data")
	old := fmt.Sprintf("redashctl-staging-%d-deadbeef", t0.Add(-7*time.Hour).Unix())
	recent := fmt.Sprintf("redashctl-staging-%d-cafecafe", t0.Add(-time.Hour).Unix())
	for _, title := range []string{old, recent} {
		_, err := h.fake.AddTab("book", title, 10, 2, true)
		require.NoError(t, err)
	}
	_, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("a"), [][]any{{1}}), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{recent}, h.stagingTabs("book"), "a staging tab of a run that may still be going is left alone")
}

func TestModesAndValueInputsParse(t *testing.T) {
	for in, want := range map[string]sheets.Mode{"": sheets.ModeReplace, "replace": sheets.ModeReplace, "APPEND": sheets.ModeAppend} {
		m, err := sheets.ParseMode(in)
		require.NoError(t, err)
		assert.Equal(t, want, m)
	}
	_, err := sheets.ParseMode("upsert")
	assert.EqualError(t, err, `invalid mode "upsert": use replace or append`)
	assert.Equal(t, "append", sheets.ModeAppend.String())
	assert.Equal(t, "replace", sheets.ModeReplace.String())
	for in, want := range map[string]sheets.ValueInput{"": sheets.ValueInputRaw, "raw": sheets.ValueInputRaw, "user-entered": sheets.ValueInputUserEntered, "USER_ENTERED": sheets.ValueInputUserEntered} {
		v, err := sheets.ParseValueInput(in)
		require.NoError(t, err)
		assert.Equal(t, want, v)
	}
	_, err = sheets.ParseValueInput("formula")
	assert.EqualError(t, err, `invalid value input "formula": use raw or user-entered`)
	assert.Equal(t, "user-entered", sheets.ValueInputUserEntered.String())
	assert.Equal(t, "raw", sheets.ValueInputRaw.String())
}
