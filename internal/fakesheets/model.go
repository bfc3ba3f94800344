package fakesheets

import (
	"math"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// NumberFormat is a cell's number format, as in Google's NumberFormat.
type NumberFormat struct {
	// Type is NUMBER, DATE, DATE_TIME, TIME, PERCENT, CURRENCY, TEXT or
	// SCIENTIFIC; "" means no format (Google's default "automatic").
	Type string `json:"type,omitempty"`
	// Pattern is the format pattern, such as "yyyy-mm-dd".
	Pattern string `json:"pattern,omitempty"`
}

// Cell is one cell of a grid as read back by Grid.
type Cell struct {
	// Value is nil for an empty cell, or a float64, string or bool. A
	// formula cell has a nil Value: the fake does not evaluate formulas.
	Value any
	// Formula is the text of a cell entered as a formula ("=SUM(A1:A2)").
	Formula string
	// Format is the cell's number format.
	Format NumberFormat
}

// IsEmpty reports whether the cell has neither a value, a formula nor a
// format.
func (c Cell) IsEmpty() bool {
	return c.Value == nil && c.Formula == "" && c.Format == (NumberFormat{})
}

// SheetProperties describes one tab of a spreadsheet.
type SheetProperties struct {
	SheetID           int64
	Title             string
	Index             int
	Hidden            bool
	RowCount          int
	ColumnCount       int
	FrozenRowCount    int
	FrozenColumnCount int
}

// Access is what callers may do with a spreadsheet.
type Access int

// Access levels of a spreadsheet.
const (
	// AccessEdit lets callers read and write (the default).
	AccessEdit Access = iota
	// AccessView lets callers read; writes answer 403.
	AccessView
	// AccessNone answers 403 to everything, like a spreadsheet that was not
	// shared with the caller.
	AccessNone
)

type kind uint8

const (
	kEmpty kind = iota
	kNum
	kStr
	kBool
	kFormula
)

// cell is the compact stored form of a cell: 32 bytes, so that a million of
// them fit comfortably in a test.
type cell struct {
	k kind
	f uint16 // index into Server.fmts; 0 = no format
	n float64
	s string // string value or formula text
}

func (c cell) hasValue() bool { return c.k != kEmpty }

type sheet struct {
	id         int64
	title      string
	hidden     bool
	rows, cols int
	frozenRows int
	frozenCols int
	// data holds the cells of rows [0, len(data)); each row may be shorter
	// than cols. Cells outside are empty.
	data [][]cell
}

func (sh *sheet) props(index int) SheetProperties {
	return SheetProperties{
		SheetID: sh.id, Title: sh.title, Index: index, Hidden: sh.hidden,
		RowCount: sh.rows, ColumnCount: sh.cols,
		FrozenRowCount: sh.frozenRows, FrozenColumnCount: sh.frozenCols,
	}
}

func (sh *sheet) get(r, c int) cell {
	if r < len(sh.data) && c < len(sh.data[r]) {
		return sh.data[r][c]
	}
	return cell{}
}

func (sh *sheet) set(r, c int, v cell) {
	if v == (cell{}) && (r >= len(sh.data) || c >= len(sh.data[r])) {
		return
	}
	for len(sh.data) <= r {
		sh.data = append(sh.data, nil)
	}
	row := sh.data[r]
	if len(row) <= c {
		if cap(row) > c {
			row = row[:c+1]
		} else {
			nr := make([]cell, c+1, max(c+1, min(sh.cols, 2*cap(row))))
			copy(nr, row)
			row = nr
		}
		sh.data[r] = row
	}
	row[c] = v
}

// reserve makes row r hold at least n cells, so that writing a row of n
// cells allocates once.
func (sh *sheet) reserve(r, n int) {
	n = min(n, sh.cols)
	for len(sh.data) <= r {
		sh.data = append(sh.data, nil)
	}
	if row := sh.data[r]; len(row) < n {
		nr := make([]cell, n)
		copy(nr, row)
		sh.data[r] = nr
	}
}

// resize changes the grid and drops cells outside it.
func (sh *sheet) resize(rows, cols int) {
	sh.rows, sh.cols = rows, cols
	if len(sh.data) > rows {
		clear(sh.data[rows:])
		sh.data = sh.data[:rows]
	}
	for i, row := range sh.data {
		if len(row) > cols {
			clear(row[cols:])
			sh.data[i] = row[:cols]
		}
	}
}

// lastDataRow returns the index of the last row with a value in columns
// [c0, c1), or -1.
func (sh *sheet) lastDataRow(c0, c1 int) int {
	for r := len(sh.data) - 1; r >= 0; r-- {
		row := sh.data[r]
		for c := c0; c < c1 && c < len(row); c++ {
			if row[c].hasValue() {
				return r
			}
		}
	}
	return -1
}

func (sh *sheet) insertRows(at, n int) {
	sh.rows += n
	if at >= len(sh.data) {
		return
	}
	sh.data = append(sh.data[:at], append(make([][]cell, n), sh.data[at:]...)...)
}

func (sh *sheet) deleteRows(from, to int) {
	sh.rows -= to - from
	if from >= len(sh.data) {
		return
	}
	to = min(to, len(sh.data))
	sh.data = append(sh.data[:from], sh.data[to:]...)
}

func (sh *sheet) insertCols(at, n int) {
	sh.cols += n
	for i, row := range sh.data {
		if at >= len(row) {
			continue
		}
		nr := make([]cell, len(row)+n)
		copy(nr, row[:at])
		copy(nr[at+n:], row[at:])
		sh.data[i] = nr
	}
}

func (sh *sheet) deleteCols(from, to int) {
	sh.cols -= to - from
	for i, row := range sh.data {
		if from >= len(row) {
			continue
		}
		t := min(to, len(row))
		sh.data[i] = append(row[:from], row[t:]...)
	}
}

type spreadsheet struct {
	id     string
	title  string
	access Access
	sheets []*sheet
}

func (ss *spreadsheet) byID(id int64) (int, *sheet) {
	for i, sh := range ss.sheets {
		if sh.id == id {
			return i, sh
		}
	}
	return -1, nil
}

func (ss *spreadsheet) byTitle(title string) (int, *sheet) {
	for i, sh := range ss.sheets {
		if strings.EqualFold(sh.title, title) {
			return i, sh
		}
	}
	return -1, nil
}

func (ss *spreadsheet) cells() int64 {
	var n int64
	for _, sh := range ss.sheets {
		n += int64(sh.rows) * int64(sh.cols)
	}
	return n
}

// metaClone copies the spreadsheet and its sheets' properties; the cell data
// is shared and must not be changed through the clone.
func (ss *spreadsheet) metaClone() *spreadsheet {
	c := *ss
	c.sheets = make([]*sheet, len(ss.sheets))
	for i, sh := range ss.sheets {
		cp := *sh
		c.sheets[i] = &cp
	}
	return &c
}

// charCount counts characters as Google does for its per-cell limit: in
// UTF-16 code units (a character outside the Basic Multilingual Plane counts
// twice).
func charCount(s string) int {
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

// toPublic turns a stored cell into a Cell.
func (s *Server) toPublic(c cell) Cell {
	out := Cell{Format: s.fmts[c.f]}
	switch c.k {
	case kNum:
		out.Value = c.n
	case kStr:
		out.Value = c.s
	case kBool:
		out.Value = c.n != 0
	case kFormula:
		out.Formula = c.s
	}
	return out
}

// fmtIndex interns a number format.
func (s *Server) fmtIndex(nf NumberFormat) uint16 {
	if nf == (NumberFormat{}) {
		return 0
	}
	if i, ok := s.fmtIdx[nf]; ok {
		return i
	}
	if len(s.fmts) >= math.MaxUint16 {
		return 0
	}
	i := uint16(len(s.fmts))
	s.fmts = append(s.fmts, nf)
	s.fmtIdx[nf] = i
	return i
}
