package sheets

import (
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// ColumnType is the type of a result column, as Redash names them.
type ColumnType string

// Column types. TypeAuto (empty) keeps each value's Go type.
const (
	TypeAuto     ColumnType = ""
	TypeString   ColumnType = "string"
	TypeInteger  ColumnType = "integer"
	TypeFloat    ColumnType = "float"
	TypeBoolean  ColumnType = "boolean"
	TypeDate     ColumnType = "date"
	TypeDatetime ColumnType = "datetime"
)

// Column is one column of a Table.
type Column struct {
	// Name is written in the header row.
	Name string
	// Type says how to read the column's values; see Table.
	Type ColumnType
}

// Table is a result to write, streamed row by row so that a large result
// is never held in memory more than once.
//
// Each row has one value per column (missing trailing values are empty).
// Values keep their types: nil is an empty cell; bool a boolean; Go integers
// and floats, and json.Number, are numbers (NaN and infinities become the
// text "NaN", "Infinity", "-Infinity"); time.Time is a date serial number
// with a date-time number format (a date format in a TypeDate column); a
// string is text, except in TypeDate and TypeDatetime columns where an ISO
// 8601 date or date-time ("2024-05-01", "2024-05-01T12:30:00Z",
// "2024-05-01 12:30:00.123") becomes a real date, and in TypeInteger and
// TypeFloat columns where a decimal number becomes a number. []byte is
// text; maps and slices are written as JSON text.
type Table struct {
	Columns []Column
	// Rows yields the rows; an error stops the write and leaves the sheet
	// unchanged. The Writer does not keep a row slice after the next
	// iteration step, so the producer may reuse it.
	Rows iter.Seq2[[]any, error]
	// RowCount is the number of rows when known in advance (0 = unknown).
	// It is only a hint: with it, the cells limit is checked before anything
	// is written; without it, while streaming (the target stays untouched
	// either way).
	RowCount int
}

// Number formats given to date and date-time columns.
var (
	dateFormat     = numberFormat{Type: "DATE", Pattern: "yyyy-mm-dd"}
	datetimeFormat = numberFormat{Type: "DATE_TIME", Pattern: "yyyy-mm-dd hh:mm:ss"}
)

type numberFormat struct{ Type, Pattern string }

// serialEpoch is day 0 of spreadsheet serial dates: December 30th 1899.
var serialEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// Serial returns t's wall-clock date and time (in t's location) as a
// spreadsheet serial number: days since December 30th 1899, the fraction
// being the time of day.
func Serial(t time.Time) float64 {
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	secs := wall.Unix() - serialEpoch.Unix()
	return float64(secs)/86400 + float64(wall.Nanosecond())/86400e9
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
}

// parseDateTime reads an ISO 8601 date or date-time; dateOnly is true for
// "2006-01-02".
func parseDateTime(s string) (t time.Time, dateOnly, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 || s[4] != '-' {
		return time.Time{}, false, false
	}
	if len(s) == 10 {
		t, err := time.Parse(time.DateOnly, s)
		return t, true, err == nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, false, true
		}
	}
	return time.Time{}, false, false
}

// converter turns result values into JSON values of a ValueRange and
// measures their encoded size.
type converter struct {
	cols     []Column
	loc      *time.Location
	maxChars int
	// dateCols/datetimeCols mark columns that get a number format.
	formats []*numberFormat
}

func newConverter(cols []Column, loc *time.Location, maxChars int) *converter {
	c := &converter{cols: cols, loc: loc, maxChars: maxChars, formats: make([]*numberFormat, len(cols))}
	for i, col := range cols {
		switch col.Type {
		case TypeDate:
			c.formats[i] = &dateFormat
		case TypeDatetime:
			c.formats[i] = &datetimeFormat
		}
	}
	return c
}

func number(f float64) (any, int) {
	switch {
	case math.IsNaN(f):
		return "NaN", 5
	case math.IsInf(f, 1):
		return "Infinity", 10
	case math.IsInf(f, -1):
		return "-Infinity", 11
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	return json.Number(s), len(s)
}

func (c *converter) serial(t time.Time, dateOnly bool) (any, int) {
	if c.loc != nil && !dateOnly {
		t = t.In(c.loc)
	}
	v := Serial(t)
	if dateOnly {
		v = math.Floor(v)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	return json.Number(s), len(s)
}

// cellError is a value that breaks a limit; row and column are filled in
// by the caller.
type cellError struct {
	chars int
	col   int
}

// value converts v of column col; size is its JSON length.
func (c *converter) value(v any, col int) (out any, size int, err error) {
	typ := TypeAuto
	if col < len(c.cols) {
		typ = c.cols[col].Type
	}
	switch x := v.(type) {
	case nil:
		return nil, 4, nil
	case bool:
		if x {
			return true, 4, nil
		}
		return false, 5, nil
	case string:
		switch typ {
		case TypeDate, TypeDatetime:
			if t, dateOnly, ok := parseDateTime(x); ok {
				out, size = c.serial(t, dateOnly || typ == TypeDate)
				return out, size, nil
			}
		case TypeInteger, TypeFloat:
			if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				out, size = number(f)
				return out, size, nil
			}
		}
		return c.text(x)
	case json.Number:
		if f, err := x.Float64(); err == nil && json.Valid([]byte(x)) {
			if math.IsInf(f, 0) {
				out, size = number(f)
				return out, size, nil
			}
			return x, len(x), nil
		}
		return c.text(string(x))
	case float64:
		out, size = number(x)
		return out, size, nil
	case float32:
		out, size = number(float64(x))
		return out, size, nil
	case int:
		return intNumber(int64(x))
	case int8:
		return intNumber(int64(x))
	case int16:
		return intNumber(int64(x))
	case int32:
		return intNumber(int64(x))
	case int64:
		return intNumber(x)
	case uint:
		return uintNumber(uint64(x))
	case uint8:
		return uintNumber(uint64(x))
	case uint16:
		return uintNumber(uint64(x))
	case uint32:
		return uintNumber(uint64(x))
	case uint64:
		return uintNumber(x)
	case time.Time:
		if typ == TypeAuto && col < len(c.formats) && c.formats[col] == nil {
			c.formats[col] = &datetimeFormat
		}
		out, size = c.serial(x, typ == TypeDate)
		return out, size, nil
	case *time.Time:
		if x == nil {
			return nil, 4, nil
		}
		return c.value(*x, col)
	case []byte:
		return c.text(string(x))
	case fmt.Stringer:
		return c.text(x.String())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return c.text(fmt.Sprint(v))
	}
	return c.text(string(b))
}

func intNumber(n int64) (any, int, error) {
	s := strconv.FormatInt(n, 10)
	return json.Number(s), len(s), nil
}

func uintNumber(n uint64) (any, int, error) {
	s := strconv.FormatUint(n, 10)
	return json.Number(s), len(s), nil
}

func (c *converter) text(s string) (any, int, error) {
	if n := CharCount(s); n > c.maxChars {
		return nil, 0, &cellError{chars: n}
	}
	return s, jsonStringLen(s), nil
}

func (e *cellError) Error() string { return fmt.Sprintf("%d characters", e.chars) }

// CharCount counts characters as Google does for its per-cell limit, in
// UTF-16 code units: a character outside the Basic Multilingual Plane (an
// emoji, say) counts twice.
func CharCount(s string) int {
	n := 0
	for _, r := range s {
		if r == utf8.RuneError {
			n++
			continue
		}
		n += utf16.RuneLen(r)
	}
	return n
}

// jsonStringLen is the length of s encoded by encoding/json (with HTML
// escaping, as the generated client encodes), quotes included; it may
// overestimate control characters slightly.
func jsonStringLen(s string) int {
	n := 2
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			switch {
			case b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t':
				n += 2
			case b < 0x20 || b == '<' || b == '>' || b == '&':
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			n += 6
		case r == '\u2028' || r == '\u2029':
			n += 6
		default:
			n += size
		}
		i += size
	}
	return n
}
