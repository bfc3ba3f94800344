package sheets

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	sheetsapi "google.golang.org/api/sheets/v4"

	"github.com/redashctl/redashctl/internal/retry"
)

// Mode says what Write does with the rows already in the tab.
type Mode int

// Modes.
const (
	// ModeReplace makes the tab hold exactly the result; readers see the old
	// contents until one atomic swap shows the new ones.
	ModeReplace Mode = iota
	// ModeAppend adds the result's rows under the rows already in the tab
	// (a history table), also in one atomic step.
	ModeAppend
)

// ParseMode reads "replace" or "append".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "replace", "":
		return ModeReplace, nil
	case "append":
		return ModeAppend, nil
	}
	return 0, fmt.Errorf("invalid mode %q: use replace or append", s)
}

// String returns "replace" or "append".
func (m Mode) String() string {
	if m == ModeAppend {
		return "append"
	}
	return "replace"
}

// ValueInput says how Google reads the values written.
type ValueInput int

// Value input options.
const (
	// ValueInputRaw stores values as they are: a text such as
	// "=IMPORTXML(...)" or "007" stays text.
	ValueInputRaw ValueInput = iota
	// ValueInputUserEntered parses text as if typed into the UI: formulas,
	// numbers and dates in text become live formulas, numbers and dates.
	ValueInputUserEntered
)

// ParseValueInput reads "raw" or "user-entered".
func ParseValueInput(s string) (ValueInput, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "raw", "":
		return ValueInputRaw, nil
	case "user-entered", "user_entered":
		return ValueInputUserEntered, nil
	}
	return 0, fmt.Errorf("invalid value input %q: use raw or user-entered", s)
}

// String returns "raw" or "user-entered".
func (v ValueInput) String() string {
	if v == ValueInputUserEntered {
		return "user-entered"
	}
	return "raw"
}

func (v ValueInput) api() string {
	if v == ValueInputUserEntered {
		return "USER_ENTERED"
	}
	return "RAW"
}

// DefaultTimestampColumn is the header of the timestamp column of appends.
const DefaultTimestampColumn = "exported_at"

// WriteOptions configures one Write.
type WriteOptions struct {
	// Mode is ModeReplace (the default) or ModeAppend.
	Mode Mode
	// ValueInput is ValueInputRaw (the default) or ValueInputUserEntered.
	ValueInput ValueInput
	// NoHeader leaves out the header row of column names. In ModeAppend
	// the header is written only into an empty tab, and an existing header
	// must match the columns (else ErrHeaderMismatch).
	NoHeader bool
	// Timestamp, in ModeAppend, adds a first column holding this time (as
	// a date-time) in every appended row.
	Timestamp time.Time
	// TimestampColumn is the header of that column; "" means
	// DefaultTimestampColumn.
	TimestampColumn string
	// Location, if set, converts date-times (not dates) to this zone before
	// they become serial numbers; otherwise each value's own zone is used
	// (UTC for "...Z" strings). Sheets serial numbers have no zone.
	Location *time.Location
	// Progress, if set, is called after each chunk with the number of rows
	// sent to staging so far.
	Progress func(rows int)
}

// Result describes a successful Write.
type Result struct {
	SpreadsheetID string
	// SheetID and Tab identify the tab written.
	SheetID int64
	Tab     string
	// Created reports that the tab did not exist and was created.
	Created bool
	// Rows is the number of result rows written, the header excluded.
	Rows int
	// Columns is the number of columns written (the timestamp included).
	Columns int
	// HeaderWritten reports whether a header row was written.
	HeaderWritten bool
	// Range is the A1 range written ('Tab'!A1:J101), header included;
	// "" when nothing was written.
	Range string
	// Stats counts the requests this Write made.
	Stats Stats
}

// Write writes tbl into the target tab.
//
// Nothing visible changes until the last step. The rows go, in chunks of
// at most Options.MaxRequestBytes, into a hidden staging tab; then one
// batchUpdate, which Google applies atomically, moves them into the target:
// in ModeReplace it resizes the target's grid to the result, clears it,
// pastes the staging tab into it and deletes the staging tab, so the target
// keeps its sheet id (formulas elsewhere that refer to it keep working) and
// no old row survives beyond the new data; in ModeAppend it grows the grid
// if needed, pastes the rows under the last row with data, and deletes the
// staging tab. A missing target tab is made by renaming and showing the
// staging tab in that same last step.
//
// Google's limits are checked before anything reaches the target: columns
// per sheet, characters per cell (while streaming, before each chunk is
// sent), and cells per spreadsheet (before anything is written when
// tbl.RowCount is given or the result fits one chunk, otherwise whenever the
// staging tab grows). A failure at any point — a limit, a row error, an
// exhausted retry, a cancelled ctx — removes the staging tab (best effort)
// and leaves the target as it was; the error says which. A result that fits
// in one chunk is fully checked before any write request.
//
// Every request is safe to repeat, which lets the retry policy repeat all of
// them: values are written to explicit ranges, the staging tab is created
// with an id chosen here, and the final batchUpdate deletes the staging tab,
// so a repeat of an applied swap is rejected as a whole; when a create or a
// swap fails, the spreadsheet is read back to learn whether it took effect.
//
// In ModeAppend the tab is read to find its last row with data: the rows go
// right below it, even when the grid has spare empty rows. Concurrent
// writers to the same tab are not coordinated; callers serialise them.
func (w *Writer) Write(ctx context.Context, t Target, tbl Table, o WriteOptions) (*Result, error) {
	cnt := &statsCounter{}
	ctx = context.WithValue(ctx, statsKey{}, cnt)
	res, err := w.write(ctx, t, tbl, o)
	if err != nil {
		return nil, fmt.Errorf("write to %s: %w", t, err)
	}
	res.Stats = cnt.snapshot()
	return res, nil
}

// sheetMeta is what the Writer knows of a tab.
type sheetMeta struct {
	id                    int64
	title                 string
	index                 int
	hidden                bool
	rows, cols            int
	frozenRows, frozenCol int
}

func (s *sheetMeta) cells() int64 { return int64(s.rows) * int64(s.cols) }

type bookMeta struct {
	id, title string
	sheets    []sheetMeta
}

func (b *bookMeta) cells() int64 {
	var n int64
	for i := range b.sheets {
		n += b.sheets[i].cells()
	}
	return n
}

func (b *bookMeta) byID(id int64) *sheetMeta {
	for i := range b.sheets {
		if b.sheets[i].id == id {
			return &b.sheets[i]
		}
	}
	return nil
}

func (b *bookMeta) byTitle(title string) *sheetMeta {
	for i := range b.sheets {
		if strings.EqualFold(b.sheets[i].title, title) {
			return &b.sheets[i]
		}
	}
	return nil
}

const metaFields = "spreadsheetId,properties/title," +
	"sheets/properties(sheetId,title,index,hidden,sheetType,gridProperties(rowCount,columnCount,frozenRowCount,frozenColumnCount))"

// meta reads the spreadsheet's tabs and grids, without cell data.
//
// Sheets API: GET /v4/spreadsheets/{id}?fields=...&includeGridData=false
func (w *Writer) meta(ctx context.Context, id string) (*bookMeta, error) {
	ss, err := w.svc.Spreadsheets.Get(id).Fields(metaFields).IncludeGridData(false).Context(ctx).Do()
	if err != nil {
		return nil, w.wrap(err, id)
	}
	b := &bookMeta{id: id}
	if ss.Properties != nil {
		b.title = ss.Properties.Title
	}
	for _, sh := range ss.Sheets {
		p := sh.Properties
		if p == nil {
			continue
		}
		m := sheetMeta{id: p.SheetId, title: p.Title, index: int(p.Index), hidden: p.Hidden}
		if g := p.GridProperties; g != nil {
			m.rows, m.cols = int(g.RowCount), int(g.ColumnCount)
			m.frozenRows, m.frozenCol = int(g.FrozenRowCount), int(g.FrozenColumnCount)
		}
		b.sheets = append(b.sheets, m)
	}
	return b, nil
}

// wrap turns an API failure into a one-line error of the right kind.
func (w *Writer) wrap(err error, id string) error {
	if err == nil {
		return nil
	}
	var ke *kindError
	if errors.As(err, &ke) {
		return err
	}
	err = apiError(err)
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.StatusCode {
	case 401:
		return newKindError(ErrAuth, ae, "google rejected the credentials: %s", ae)
	case 403:
		who := "the account redashctl uses"
		if w.account != "" {
			who = "the service account " + w.account
		}
		return newKindError(ErrPermission, ae,
			"spreadsheet %s is not shared with %s as Editor (share it with that address) [%s]", id, who, ae)
	case 404:
		return newKindError(ErrNotFound, ae, "spreadsheet %s not found: check the URL or id", id)
	case 429:
		return newKindError(ErrRateLimited, ae,
			"google sheets quota still exceeded after retries [%s]: lower the write rate or try later", ae)
	}
	return ae
}

// findTab resolves the target's tab; nil means "create it".
func findTab(b *bookMeta, t Target) (*sheetMeta, error) {
	switch {
	case t.SheetID != nil:
		sh := b.byID(*t.SheetID)
		if sh == nil {
			return nil, newKindError(ErrNotFound, nil, "spreadsheet %s has no tab with gid %d", b.id, *t.SheetID)
		}
		if t.Tab != "" && !strings.EqualFold(sh.title, t.Tab) {
			return nil, newKindError(ErrInvalidTarget, nil,
				"gid %d of spreadsheet %s is tab %q, not %q: give either the gid or the tab name", *t.SheetID, b.id, sh.title, t.Tab)
		}
		return sh, nil
	case t.Tab != "":
		return b.byTitle(t.Tab), nil
	}
	var first *sheetMeta
	for i := range b.sheets {
		if first == nil || b.sheets[i].index < first.index {
			first = &b.sheets[i]
		}
	}
	if first == nil {
		return nil, fmt.Errorf("spreadsheet %s has no tabs", b.id)
	}
	return first, nil
}

// quoteTitle quotes a tab title for A1 notation.
func quoteTitle(title string) string {
	return "'" + strings.ReplaceAll(title, "'", "''") + "'"
}

// colName turns a 0-based column index into letters (0 → A, 26 → AA).
func colName(c int) string {
	var b []byte
	for c++; c > 0; c = (c - 1) / 26 {
		b = append([]byte{byte('A' + (c-1)%26)}, b...)
	}
	return string(b)
}

func a1(title string, r0, c0, r1, c1 int) string {
	return fmt.Sprintf("%s!%s%d:%s%d", quoteTitle(title), colName(c0), r0+1, colName(c1-1), r1)
}

// plan is the shape of one Write.
type plan struct {
	book       *bookMeta
	target     *sheetMeta // nil: create
	tab        string     // title of the target (or of the tab to create)
	mode       Mode
	width      int // columns written
	header     bool
	headerRows int
	startRow   int // append: row index where the staged block goes
}

// gridWidth is the staging and target width: a grid needs a column.
func (p *plan) gridWidth() int { return max(p.width, 1) }

// finalGrid is the target's grid after the swap for `rows` staged rows
// (header included).
func (p *plan) finalGrid(rows int) (int, int) {
	t := p.target
	switch {
	case t == nil:
		return max(rows, 1), p.gridWidth()
	case p.mode == ModeAppend:
		return max(t.rows, p.startRow+rows), max(t.cols, p.width)
	}
	return max(rows, 1, t.frozenRows+1), max(p.width, 1, t.frozenCol+1)
}

// need is the spreadsheet's peak cell count while a staging tab of
// stagingRows grid rows holds `rows` rows and the swap runs.
func (p *plan) need(stagingRows, rows int) int64 {
	total := p.book.cells() + int64(stagingRows)*int64(p.gridWidth())
	if p.target != nil {
		r, c := p.finalGrid(rows)
		if extra := int64(r)*int64(c) - p.target.cells(); extra > 0 {
			total += extra
		}
	}
	return total
}

func (p *plan) limitError(rows int) error {
	need := p.need(rows, rows)
	free := MaxCells - p.book.cells()
	how := ""
	if p.target != nil && p.mode == ModeReplace {
		how = ", and a replace needs room for the data twice while it is staged"
	}
	return newKindError(ErrLimit, nil,
		"the result does not fit: %d rows × %d columns need %d more cells but only %d of Google's %d cells per spreadsheet are free (every tab's grid counts%s); the sheet was not changed",
		rows-p.headerRows, p.width, need-p.book.cells(), max(free, 0), MaxCells, how)
}

// capRows returns the largest staging grid in [need, want] rows that keeps
// the spreadsheet within Google's cells limit, or an ErrLimit error when
// even `need` rows do not fit.
func (p *plan) capRows(need, want int) (int, error) {
	if p.need(need, need) > MaxCells {
		return 0, p.limitError(need)
	}
	if want <= need || p.need(want, want) <= MaxCells {
		return max(want, need), nil
	}
	lo, hi := need, want // lo fits, hi does not
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if p.need(mid, mid) <= MaxCells {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

type staging struct {
	id    int64
	title string
	rows  int // grid rows
	next  int // next row index to write
}

func (w *Writer) write(ctx context.Context, t Target, tbl Table, o WriteOptions) (*Result, error) {
	if t.SpreadsheetID == "" {
		return nil, newKindError(ErrInvalidTarget, nil, "no spreadsheet id")
	}
	if o.Mode != ModeReplace && o.Mode != ModeAppend {
		return nil, fmt.Errorf("invalid mode %d", o.Mode)
	}
	if tbl.Rows == nil {
		tbl.Rows = func(func([]any, error) bool) {}
	}
	cols := tbl.Columns
	withTS := o.Mode == ModeAppend && !o.Timestamp.IsZero()
	if withTS {
		name := o.TimestampColumn
		if name == "" {
			name = DefaultTimestampColumn
		}
		cols = append([]Column{{Name: name, Type: TypeDatetime}}, cols...)
	}
	if len(cols) > MaxColumns {
		return nil, newKindError(ErrLimit, nil, "the result has %d columns, more than Google's %d per sheet; the sheet was not changed", len(cols), MaxColumns)
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		if n := CharCount(c.Name); n > MaxCellChars {
			return nil, newKindError(ErrLimit, nil, "the name of column %d has %d characters, more than Google's %d per cell; the sheet was not changed", i+1, n, MaxCellChars)
		}
		names[i] = c.Name
	}

	book, err := w.meta(ctx, t.SpreadsheetID)
	if err != nil {
		return nil, err
	}
	target, err := findTab(book, t)
	if err != nil {
		return nil, err
	}
	p := &plan{book: book, target: target, tab: t.Tab, mode: o.Mode, width: len(cols), header: !o.NoHeader && len(cols) > 0}
	if target != nil {
		p.tab = target.title
	}
	if o.Mode == ModeAppend && target != nil {
		last, first, err := w.lastRow(ctx, t.SpreadsheetID, target)
		if err != nil {
			return nil, err
		}
		p.startRow = last
		if last > 0 {
			if p.header {
				if err := checkHeader(first, names, p.tab); err != nil {
					return nil, err
				}
			}
			p.header = false
		}
	}
	if p.header {
		p.headerRows = 1
	}
	if tbl.RowCount > 0 {
		if n := p.headerRows + tbl.RowCount; p.need(n, n) > MaxCells {
			return nil, p.limitError(n)
		}
	}
	w.dropStale(ctx, book)

	conv := newConverter(cols, o.Location, MaxCellChars)
	var (
		stg      *staging
		swapped  bool
		chunk    [][]any
		size     int
		rowsSent int
		rowIndex int
	)
	// Room for the JSON around the values: range, majorDimension, braces.
	budget := max(w.maxBody-256, w.maxBody/2)
	defer func() {
		if stg != nil && !swapped {
			w.dropStaging(ctx, t.SpreadsheetID, stg.id)
		}
	}()

	flush := func(final bool) error {
		n := len(chunk)
		if stg == nil {
			need := p.headerRows + n
			want := need
			switch {
			case final:
			case tbl.RowCount > 0:
				want = max(need, p.headerRows+tbl.RowCount)
			default:
				want = need + 3*n
			}
			rows, err := p.capRows(need, want)
			if err != nil {
				return err
			}
			var header []string
			if p.header {
				header = names
			}
			if stg, err = w.addStaging(ctx, book, rows, p.gridWidth(), header); err != nil {
				return err
			}
			stg.next = p.headerRows
		} else if need := stg.next + n; need > stg.rows {
			want := max(need, 2*stg.rows)
			if final {
				want = need
			}
			rows, err := p.capRows(need, want)
			if err != nil {
				return err
			}
			if err := w.growStaging(ctx, t.SpreadsheetID, stg, rows); err != nil {
				return err
			}
		}
		if n > 0 {
			if err := w.putRows(ctx, t.SpreadsheetID, stg, chunk, o.ValueInput); err != nil {
				return err
			}
			stg.next += n
			rowsSent += n
			if o.Progress != nil {
				o.Progress(rowsSent)
			}
		}
		clear(chunk)
		chunk, size = chunk[:0], 0
		return nil
	}

	ts := o.Timestamp
	for src, err := range tbl.Rows {
		if err != nil {
			return nil, fmt.Errorf("read row %d: %w", rowIndex+1, err)
		}
		if withTS {
			src = append([]any{ts}, src...)
		}
		row, n, err := conv.row(src, len(cols))
		if err != nil {
			var ce *cellError
			if errors.As(err, &ce) {
				return nil, newKindError(ErrLimit, nil,
					"row %d, column %q: %d characters, more than Google's %d per cell; the sheet was not changed",
					rowIndex+1, names[ce.col], ce.chars, MaxCellChars)
			}
			return nil, fmt.Errorf("row %d: %w", rowIndex+1, err)
		}
		if n > budget {
			return nil, newKindError(ErrLimit, nil,
				"row %d needs %d bytes, more than one request may carry (%d); the sheet was not changed", rowIndex+1, n, w.maxBody)
		}
		if size+n > budget {
			if err := flush(false); err != nil {
				return nil, err
			}
		}
		chunk = append(chunk, row)
		size += n + 1
		rowIndex++
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := flush(true); err != nil {
		return nil, err
	}

	rows := p.headerRows + rowsSent
	if p.need(stg.rows, rows) > MaxCells {
		return nil, p.limitError(rows)
	}
	res := &Result{
		SpreadsheetID: t.SpreadsheetID, Tab: p.tab, Rows: rowsSent, Columns: p.width,
		HeaderWritten: p.headerRows > 0,
	}
	reqs, sheetID := p.swapRequests(stg, rows, conv.formats)
	res.SheetID, res.Created = sheetID, target == nil
	if rows > 0 && p.width > 0 {
		res.Range = a1(p.tab, p.startRow, 0, p.startRow+rows, p.width)
	}
	if err := w.batch(ctx, t.SpreadsheetID, reqs); err != nil {
		if !w.swapApplied(ctx, t.SpreadsheetID, p, stg) {
			return nil, err
		}
	}
	swapped = true
	return res, nil
}

// row converts one source row; the size is the JSON length of the row.
// Trailing nulls are dropped: they change nothing in a fresh staging tab.
func (c *converter) row(src []any, width int) ([]any, int, error) {
	if len(src) > width {
		return nil, 0, fmt.Errorf("%d values for %d columns", len(src), width)
	}
	out := make([]any, len(src))
	size, keptSize, last := 0, 0, -1
	for j, v := range src {
		cv, n, err := c.value(v, j)
		if err != nil {
			var ce *cellError
			if errors.As(err, &ce) {
				ce.col = j
			}
			return nil, 0, err
		}
		out[j] = cv
		size += n
		if j > 0 {
			size++ // comma
		}
		if cv != nil {
			last, keptSize = j, size
		}
	}
	return out[:last+1], keptSize + 2, nil
}

// checkHeader compares an existing header row with the columns.
func checkHeader(first []any, names []string, tab string) error {
	got := make([]string, len(first))
	for i, v := range first {
		got[i] = fmt.Sprint(v)
	}
	for i, name := range names {
		if i >= len(got) || got[i] != name {
			have := "nothing"
			if i < len(got) {
				have = strconv.Quote(got[i])
			}
			return newKindError(ErrHeaderMismatch, nil,
				"tab %q has %s in column %s of its header where the result has %q: the rows would not line up (append to a new tab, or replace)",
				tab, have, colName(i), name)
		}
	}
	if len(got) > len(names) && got[len(names)] != "" {
		return newKindError(ErrHeaderMismatch, nil,
			"tab %q has %d header columns, the result %d: the rows would not line up (append to a new tab, or replace)",
			tab, len(got), len(names))
	}
	return nil
}

// lastRow finds the number of rows up to the last row with data in a tab,
// and its first row, reading windows of rows from the bottom of the grid.
//
// Sheets API: GET /v4/spreadsheets/{id}/values:batchGet
func (w *Writer) lastRow(ctx context.Context, id string, sh *sheetMeta) (int, []any, error) {
	var first []any
	hi, win := sh.rows, 5000
	firstRead := false
	for hi > 0 {
		lo := max(0, hi-win)
		ranges := []string{fmt.Sprintf("%s!%d:%d", quoteTitle(sh.title), lo+1, hi)}
		if !firstRead {
			ranges = append(ranges, quoteTitle(sh.title)+"!1:1")
		}
		resp, err := w.svc.Spreadsheets.Values.BatchGet(id).Ranges(ranges...).
			MajorDimension("ROWS").ValueRenderOption("UNFORMATTED_VALUE").
			DateTimeRenderOption("SERIAL_NUMBER").Context(ctx).Do()
		if err != nil {
			return 0, nil, w.wrap(err, id)
		}
		if len(resp.ValueRanges) != len(ranges) {
			return 0, nil, fmt.Errorf("read tab %q: %d value ranges for %d ranges asked", sh.title, len(resp.ValueRanges), len(ranges))
		}
		if !firstRead {
			firstRead = true
			if v := resp.ValueRanges[1].Values; len(v) > 0 {
				first = v[0]
			}
		}
		if v := resp.ValueRanges[0].Values; len(v) > 0 {
			return lo + len(v), first, nil
		}
		hi = lo
		win *= 2
	}
	return 0, first, nil
}

const stagingPrefix = "redashctl-staging-"

// staleAfter is the age after which a staging tab is taken to be left over
// by a run that died, and deleted.
const staleAfter = 6 * time.Hour

// dropStale deletes staging tabs older than staleAfter (best effort).
func (w *Writer) dropStale(ctx context.Context, b *bookMeta) {
	var reqs []*sheetsapi.Request
	now := w.now()
	for _, sh := range b.sheets {
		rest, ok := strings.CutPrefix(sh.title, stagingPrefix)
		if !ok {
			continue
		}
		stamp, _, _ := strings.Cut(rest, "-")
		sec, err := strconv.ParseInt(stamp, 10, 64)
		if err != nil || now.Sub(time.Unix(sec, 0)) < staleAfter {
			continue
		}
		reqs = append(reqs, &sheetsapi.Request{DeleteSheet: &sheetsapi.DeleteSheetRequest{SheetId: sh.id}})
	}
	if len(reqs) == 0 || len(reqs) >= len(b.sheets) {
		return
	}
	if w.batch(ctx, b.id, reqs) == nil {
		kept := b.sheets[:0]
		for _, sh := range b.sheets {
			gone := false
			for _, r := range reqs {
				gone = gone || r.DeleteSheet.SheetId == sh.id
			}
			if !gone {
				kept = append(kept, sh)
			}
		}
		b.sheets = kept
	}
}

// batch sends one spreadsheets.batchUpdate, marked safe to repeat (see
// Write for why each batch is).
//
// Sheets API: POST /v4/spreadsheets/{id}:batchUpdate
func (w *Writer) batch(ctx context.Context, id string, reqs []*sheetsapi.Request) error {
	_, err := w.svc.Spreadsheets.BatchUpdate(id, &sheetsapi.BatchUpdateSpreadsheetRequest{Requests: reqs}).
		Fields("spreadsheetId").Context(retry.WithIdempotent(ctx)).Do()
	return w.wrap(err, id)
}

func newRand() func() uint64 { return rand.Uint64 }

// addStaging creates the hidden staging tab with a fresh id and writes the
// header into it.
func (w *Writer) addStaging(ctx context.Context, b *bookMeta, rows, cols int, header []string) (*staging, error) {
	var sid int64
	for sid == 0 || b.byID(sid) != nil {
		sid = int64(w.rnd()>>33) + 1 // 1 .. 2^31
	}
	title := fmt.Sprintf("%s%d-%08x", stagingPrefix, w.now().Unix(), w.rnd()&0xffffffff)
	reqs := []*sheetsapi.Request{{AddSheet: &sheetsapi.AddSheetRequest{Properties: &sheetsapi.SheetProperties{
		SheetId: sid, Title: title, Hidden: true, Index: int64(len(b.sheets)),
		GridProperties: &sheetsapi.GridProperties{RowCount: int64(max(rows, 1)), ColumnCount: int64(cols)},
	}}}}
	if len(header) > 0 {
		vals := make([]*sheetsapi.CellData, len(header))
		for i := range header {
			vals[i] = &sheetsapi.CellData{UserEnteredValue: &sheetsapi.ExtendedValue{StringValue: &header[i]}}
		}
		reqs = append(reqs, &sheetsapi.Request{UpdateCells: &sheetsapi.UpdateCellsRequest{
			Start:  &sheetsapi.GridCoordinate{SheetId: sid},
			Rows:   []*sheetsapi.RowData{{Values: vals}},
			Fields: "userEnteredValue",
		}})
	}
	stg := &staging{id: sid, title: title, rows: max(rows, 1)}
	if err := w.batch(ctx, b.id, reqs); err != nil {
		// A repeat of an applied addSheet fails; the tab tells.
		if nb, merr := w.meta(ctx, b.id); merr == nil {
			if sh := nb.byID(sid); sh != nil && sh.title == title {
				return stg, nil
			}
		}
		return nil, fmt.Errorf("create staging tab: %w", err)
	}
	return stg, nil
}

// growStaging sets the staging grid to rows rows.
func (w *Writer) growStaging(ctx context.Context, id string, stg *staging, rows int) error {
	err := w.batch(ctx, id, []*sheetsapi.Request{{UpdateSheetProperties: &sheetsapi.UpdateSheetPropertiesRequest{
		Properties: &sheetsapi.SheetProperties{SheetId: stg.id, GridProperties: &sheetsapi.GridProperties{RowCount: int64(rows)}},
		Fields:     "gridProperties.rowCount",
	}}})
	if err != nil {
		return fmt.Errorf("grow staging tab: %w", err)
	}
	stg.rows = rows
	return nil
}

// putRows writes a chunk into the staging tab at stg.next.
//
// Sheets API: PUT /v4/spreadsheets/{id}/values/{range}
func (w *Writer) putRows(ctx context.Context, id string, stg *staging, rows [][]any, vi ValueInput) error {
	rng := fmt.Sprintf("%s!A%d", quoteTitle(stg.title), stg.next+1)
	_, err := w.svc.Spreadsheets.Values.Update(id, rng, &sheetsapi.ValueRange{MajorDimension: "ROWS", Range: rng, Values: rows}).
		ValueInputOption(vi.api()).IncludeValuesInResponse(false).Fields("updatedRange").
		Context(retry.WithIdempotent(ctx)).Do()
	if err != nil {
		return fmt.Errorf("write rows %d-%d to staging: %w", stg.next+1, stg.next+len(rows), w.wrap(err, id))
	}
	return nil
}

// dropStaging deletes the staging tab, best effort, even when ctx is done.
func (w *Writer) dropStaging(ctx context.Context, id string, sid int64) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = w.batch(cctx, id, []*sheetsapi.Request{{DeleteSheet: &sheetsapi.DeleteSheetRequest{SheetId: sid}}})
}

// swapRequests builds the one batchUpdate that shows the staged rows, and
// returns the id the target tab will have.
func (p *plan) swapRequests(stg *staging, rows int, formats []*numberFormat) ([]*sheetsapi.Request, int64) {
	var reqs []*sheetsapi.Request
	fr, fc := p.finalGrid(rows)
	grid := &sheetsapi.GridProperties{RowCount: int64(fr), ColumnCount: int64(fc)}
	targetID := stg.id
	dataStart := p.headerRows
	if p.target == nil {
		// The staging tab becomes the target.
		reqs = append(reqs, &sheetsapi.Request{UpdateSheetProperties: &sheetsapi.UpdateSheetPropertiesRequest{
			Properties: &sheetsapi.SheetProperties{SheetId: stg.id, Title: p.tab, Hidden: false, GridProperties: grid},
			Fields:     "title,hidden,gridProperties.rowCount,gridProperties.columnCount",
		}})
	} else {
		targetID = p.target.id
		if p.mode == ModeAppend {
			dataStart += p.startRow
			if fr != p.target.rows || fc != p.target.cols {
				reqs = append(reqs, &sheetsapi.Request{UpdateSheetProperties: &sheetsapi.UpdateSheetPropertiesRequest{
					Properties: &sheetsapi.SheetProperties{SheetId: targetID, GridProperties: grid},
					Fields:     "gridProperties.rowCount,gridProperties.columnCount",
				}})
			}
		} else {
			reqs = append(reqs,
				&sheetsapi.Request{UpdateSheetProperties: &sheetsapi.UpdateSheetPropertiesRequest{
					Properties: &sheetsapi.SheetProperties{SheetId: targetID, GridProperties: grid},
					Fields:     "gridProperties.rowCount,gridProperties.columnCount",
				}},
				&sheetsapi.Request{UpdateCells: &sheetsapi.UpdateCellsRequest{
					Range:  &sheetsapi.GridRange{SheetId: targetID, ForceSendFields: []string{"SheetId"}},
					Fields: "userEnteredValue,userEnteredFormat",
				}})
		}
		if rows > 0 {
			reqs = append(reqs, &sheetsapi.Request{CopyPaste: &sheetsapi.CopyPasteRequest{
				Source: &sheetsapi.GridRange{
					SheetId: stg.id, StartRowIndex: 0, EndRowIndex: int64(rows),
					StartColumnIndex: 0, EndColumnIndex: int64(p.gridWidth()),
				},
				Destination: &sheetsapi.GridRange{
					SheetId: targetID, StartRowIndex: int64(p.startRow),
					EndRowIndex: int64(p.startRow + rows), StartColumnIndex: 0, EndColumnIndex: int64(p.gridWidth()),
					ForceSendFields: []string{"SheetId", "StartRowIndex", "StartColumnIndex"},
				},
				PasteType: "PASTE_NORMAL", PasteOrientation: "NORMAL",
			}})
		}
	}
	if dataEnd := p.startRow + rows; dataEnd > dataStart {
		for j, f := range formats {
			if f == nil {
				continue
			}
			reqs = append(reqs, &sheetsapi.Request{RepeatCell: &sheetsapi.RepeatCellRequest{
				Range: &sheetsapi.GridRange{
					SheetId: targetID, StartRowIndex: int64(dataStart), EndRowIndex: int64(dataEnd),
					StartColumnIndex: int64(j), EndColumnIndex: int64(j + 1), ForceSendFields: []string{"SheetId", "StartRowIndex", "StartColumnIndex"},
				},
				Cell:   &sheetsapi.CellData{UserEnteredFormat: &sheetsapi.CellFormat{NumberFormat: &sheetsapi.NumberFormat{Type: f.Type, Pattern: f.Pattern}}},
				Fields: "userEnteredFormat.numberFormat",
			}})
		}
	}
	if p.target != nil {
		reqs = append(reqs, &sheetsapi.Request{DeleteSheet: &sheetsapi.DeleteSheetRequest{SheetId: stg.id}})
	}
	return reqs, targetID
}

// swapApplied reads the spreadsheet back after a failed swap: a repeat of
// an applied swap fails, and a swap whose answer was lost may have been
// applied. It reports whether the swap took effect.
func (w *Writer) swapApplied(ctx context.Context, id string, p *plan, stg *staging) bool {
	b, err := w.meta(context.WithoutCancel(ctx), id)
	if err != nil {
		return false
	}
	sh := b.byID(stg.id)
	if p.target == nil {
		return sh != nil && strings.EqualFold(sh.title, p.tab) && !sh.hidden
	}
	return sh == nil && b.byID(p.target.id) != nil
}
