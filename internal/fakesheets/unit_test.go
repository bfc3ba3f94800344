package fakesheets

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseA1(t *testing.T) {
	tests := []struct {
		in   string
		want a1Range
		err  bool
	}{
		{"Sheet1", a1Range{title: "Sheet1", r1: -1, c1: -1}, false},
		{"A1", a1Range{r0: 0, c0: 0, r1: 1, c1: 1, singleCell: true}, false},
		{"Sheet1!B3", a1Range{title: "Sheet1", r0: 2, c0: 1, r1: 3, c1: 2, singleCell: true}, false},
		{"Sheet1!A1:C4", a1Range{title: "Sheet1", r0: 0, c0: 0, r1: 4, c1: 3}, false},
		{"'My ''odd'' tab!'!A:B", a1Range{title: "My 'odd' tab!", r0: 0, c0: 0, r1: -1, c1: 2}, false},
		{"'Data'", a1Range{title: "Data", r1: -1, c1: -1}, false},
		{"T!3:5", a1Range{title: "T", r0: 2, c0: 0, r1: 5, c1: -1}, false},
		{"T!A5:B", a1Range{title: "T", r0: 4, c0: 0, r1: -1, c1: 2}, false},
		{"T!$A$1:$B$2", a1Range{title: "T", r0: 0, c0: 0, r1: 2, c1: 2}, false},
		{"T!AA10:AB11", a1Range{title: "T", r0: 9, c0: 26, r1: 11, c1: 28}, false},
		{"T!C3:A1", a1Range{title: "T", r0: 0, c0: 0, r1: 3, c1: 3}, false},
		{"'unclosed", a1Range{}, true},
		{"''!A1", a1Range{}, true},
		{"T!", a1Range{}, true},
		{"T!A0", a1Range{}, true},
		{"T!1", a1Range{}, true},
		{"!A1", a1Range{}, true},
		{"'T'A1", a1Range{}, true},
	}
	for _, tt := range tests {
		got, err := parseA1(tt.in)
		if tt.err {
			assert.Error(t, err, tt.in)
			continue
		}
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestColumnNamesAndQuoting(t *testing.T) {
	for i, name := range map[int]string{0: "A", 25: "Z", 26: "AA", 701: "ZZ", 702: "AAA", 18277: "ZZZ"} {
		assert.Equal(t, name, colName(i))
		assert.Equal(t, i, colIndex(name))
	}
	assert.Equal(t, "Sheet1", quoteTitle("Sheet1"))
	assert.Equal(t, "'My tab'", quoteTitle("My tab"))
	assert.Equal(t, "'It''s'", quoteTitle("It's"))
	assert.Equal(t, "'AB12'", quoteTitle("AB12"), "a title that reads as a cell is quoted")
	assert.Equal(t, "Sheet1!B2:C3", formatA1("Sheet1", 1, 1, 3, 3))
	assert.Equal(t, "Sheet1!B2", formatA1("Sheet1", 1, 1, 2, 2))
}

func TestSerialDates(t *testing.T) {
	assert.Equal(t, 2.5, toSerial(time.Date(1900, 1, 1, 12, 0, 0, 0, time.UTC)), "Google's own example")
	assert.Equal(t, 33.625, toSerial(time.Date(1900, 2, 1, 15, 0, 0, 0, time.UTC)))
	assert.Equal(t, 2958465.0, toSerial(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)), "far dates do not overflow")
	tm := time.Date(2024, 5, 1, 13, 14, 15, 0, time.UTC)
	assert.Equal(t, tm, fromSerial(toSerial(tm)))
	assert.Equal(t, "2024-05-01 13:14:15", formatDate(tm, "yyyy-mm-dd hh:mm:ss"))
	assert.Equal(t, "5/1/24 13:14", formatDate(tm, "M/d/yy h:mm"))
	assert.Equal(t, "01.05.2024", formatDate(tm, "dd.mm.yyyy"))
	assert.Equal(t, "12.50%", formatNumber(0.125, fmtPercent))
	assert.Equal(t, "3", formatNumber(3, NumberFormat{}))
	assert.Equal(t, "0.1", formatNumber(0.1, NumberFormat{}))
}

func TestUserEnteredEdgeCases(t *testing.T) {
	s := New(Options{})
	for in, want := range map[string]cell{
		"":           {},
		"'":          {},
		"=":          {k: kStr, s: "="},
		" 42 ":       {k: kNum, n: 42},
		"-.5":        {k: kNum, n: -0.5},
		"1e3":        {k: kNum, n: 1000},
		"1,23":       {k: kStr, s: "1,23"},
		"true":       {k: kBool, n: 1},
		"2/30/2024":  {k: kStr, s: "2/30/2024"},
		"12:30":      {k: kStr, s: "12:30"},
		"2024-13-01": {k: kStr, s: "2024-13-01"},
		".":          {k: kStr, s: "."},
	} {
		assert.Equal(t, want, s.parseUserEntered(in), "%q", in)
	}
	assert.Equal(t, 4, charCount("a😀b"))
	assert.Equal(t, 1, charCount("\xff"))
}
