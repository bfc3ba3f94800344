package fakesheets

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

type gridRange struct {
	SheetID          int64 `json:"sheetId"`
	StartRowIndex    *int  `json:"startRowIndex"`
	EndRowIndex      *int  `json:"endRowIndex"`
	StartColumnIndex *int  `json:"startColumnIndex"`
	EndColumnIndex   *int  `json:"endColumnIndex"`
}

type gridCoordinate struct {
	SheetID     int64 `json:"sheetId"`
	RowIndex    int   `json:"rowIndex"`
	ColumnIndex int   `json:"columnIndex"`
}

type dimensionRange struct {
	SheetID    int64  `json:"sheetId"`
	Dimension  string `json:"dimension"`
	StartIndex *int   `json:"startIndex"`
	EndIndex   *int   `json:"endIndex"`
}

type gridPropertiesJSON struct {
	RowCount          *int `json:"rowCount"`
	ColumnCount       *int `json:"columnCount"`
	FrozenRowCount    *int `json:"frozenRowCount"`
	FrozenColumnCount *int `json:"frozenColumnCount"`
}

type sheetPropertiesJSON struct {
	SheetID        *int64              `json:"sheetId"`
	Title          *string             `json:"title"`
	Index          *int                `json:"index"`
	SheetType      string              `json:"sheetType"`
	Hidden         *bool               `json:"hidden"`
	GridProperties *gridPropertiesJSON `json:"gridProperties"`
}

type extendedValue struct {
	NumberValue  *float64       `json:"numberValue"`
	StringValue  *string        `json:"stringValue"`
	BoolValue    *bool          `json:"boolValue"`
	FormulaValue *string        `json:"formulaValue"`
	ErrorValue   map[string]any `json:"errorValue"`
}

type cellFormat struct {
	NumberFormat *NumberFormat `json:"numberFormat"`
}

type cellData struct {
	UserEnteredValue  *extendedValue `json:"userEnteredValue"`
	UserEnteredFormat *cellFormat    `json:"userEnteredFormat"`
}

type rowData struct {
	Values []cellData `json:"values"`
}

type updateCellsReq struct {
	Rows   []rowData       `json:"rows"`
	Fields string          `json:"fields"`
	Start  *gridCoordinate `json:"start"`
	Range  *gridRange      `json:"range"`
}

type appendCellsReq struct {
	SheetID int64     `json:"sheetId"`
	Rows    []rowData `json:"rows"`
	Fields  string    `json:"fields"`
}

type repeatCellReq struct {
	Range  gridRange `json:"range"`
	Cell   cellData  `json:"cell"`
	Fields string    `json:"fields"`
}

type copyPasteReq struct {
	Source           gridRange `json:"source"`
	Destination      gridRange `json:"destination"`
	PasteType        string    `json:"pasteType"`
	PasteOrientation string    `json:"pasteOrientation"`
}

type cutPasteReq struct {
	Source      gridRange      `json:"source"`
	Destination gridCoordinate `json:"destination"`
	PasteType   string         `json:"pasteType"`
}

type updateSheetPropertiesReq struct {
	Properties sheetPropertiesJSON `json:"properties"`
	Fields     string              `json:"fields"`
}

type appendDimensionReq struct {
	SheetID   int64  `json:"sheetId"`
	Dimension string `json:"dimension"`
	Length    int    `json:"length"`
}

// request is one decoded entry of a batchUpdate.
type request struct {
	kind string
	// newID is the id addSheet gives when the request names none, chosen
	// before the dry run so that both runs agree.
	newID int64

	addSheet        *sheetPropertiesJSON
	deleteSheet     int64
	updateSheet     *updateSheetPropertiesReq
	updateCells     *updateCellsReq
	appendCells     *appendCellsReq
	repeatCell      *repeatCellReq
	copyPaste       *copyPasteReq
	cutPaste        *cutPasteReq
	appendDimension *appendDimensionReq
	dimension       *dimensionRange
}

func (s *Server) decodeRequest(kind string, raw json.RawMessage) (request, error) {
	rq := request{kind: kind}
	var err error
	switch kind {
	case "addSheet":
		var v struct {
			Properties sheetPropertiesJSON `json:"properties"`
		}
		err = json.Unmarshal(raw, &v)
		rq.addSheet = &v.Properties
		s.nextID++
		rq.newID = s.nextID
	case "deleteSheet":
		var v struct {
			SheetID int64 `json:"sheetId"`
		}
		err = json.Unmarshal(raw, &v)
		rq.deleteSheet = v.SheetID
	case "updateSheetProperties":
		rq.updateSheet = &updateSheetPropertiesReq{}
		err = json.Unmarshal(raw, rq.updateSheet)
	case "updateCells":
		rq.updateCells = &updateCellsReq{}
		err = json.Unmarshal(raw, rq.updateCells)
	case "appendCells":
		rq.appendCells = &appendCellsReq{}
		err = json.Unmarshal(raw, rq.appendCells)
	case "repeatCell":
		rq.repeatCell = &repeatCellReq{}
		err = json.Unmarshal(raw, rq.repeatCell)
	case "copyPaste":
		rq.copyPaste = &copyPasteReq{}
		err = json.Unmarshal(raw, rq.copyPaste)
	case "cutPaste":
		rq.cutPaste = &cutPasteReq{}
		err = json.Unmarshal(raw, rq.cutPaste)
	case "appendDimension":
		rq.appendDimension = &appendDimensionReq{}
		err = json.Unmarshal(raw, rq.appendDimension)
	case "insertDimension", "deleteDimension":
		var v struct {
			Range dimensionRange `json:"range"`
		}
		err = json.Unmarshal(raw, &v)
		rq.dimension = &v.Range
	default:
		return rq, gerr("fakesheets does not support %s", kind)
	}
	if err != nil {
		return rq, gerr("invalid JSON: %v", err)
	}
	return rq, nil
}

func (s *Server) handleBatchUpdate(w http.ResponseWriter, ss *spreadsheet, body []byte) {
	var in struct {
		Requests                     []map[string]json.RawMessage `json:"requests"`
		IncludeSpreadsheetInResponse bool                         `json:"includeSpreadsheetInResponse"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		badRequest(w, "Invalid JSON payload received. "+err.Error())
		return
	}
	if len(in.Requests) == 0 {
		badRequest(w, "Must specify at least one request.")
		return
	}
	reqs := make([]request, len(in.Requests))
	for i, m := range in.Requests {
		if len(m) != 1 {
			badRequest(w, fmt.Sprintf("Invalid value at 'requests[%d]' (oneof), exactly one kind of request must be set.", i))
			return
		}
		for k, raw := range m {
			rq, err := s.decodeRequest(k, raw)
			if err != nil {
				badRequest(w, fmt.Sprintf("Invalid requests[%d].%s: %v", i, k, err))
				return
			}
			reqs[i] = rq
		}
	}
	// Validate the whole batch against a copy of the sheets' properties;
	// nothing is applied unless every request is valid.
	dry := ss.metaClone()
	for i, rq := range reqs {
		if _, err := s.apply(dry, rq, true); err != nil {
			badRequest(w, fmt.Sprintf("Invalid requests[%d].%s: %v", i, rq.kind, err))
			return
		}
		if dry.cells() > s.maxCells {
			badRequest(w, fmt.Sprintf("Invalid requests[%d].%s: This action would increase the number of cells in the workbook above the limit of %d cells.", i, rq.kind, s.maxCells))
			return
		}
	}
	replies := make([]any, len(reqs))
	for i, rq := range reqs {
		reply, err := s.apply(ss, rq, false)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "INTERNAL",
				fmt.Sprintf("fakesheets: requests[%d].%s failed after validation: %v", i, rq.kind, err))
			return
		}
		if reply == nil {
			reply = map[string]any{}
		}
		replies[i] = reply
	}
	writeJSON(w, http.StatusOK, map[string]any{"spreadsheetId": ss.id, "replies": replies})
}

// apply validates rq against ss and applies it. With dry set, only sheet
// properties change (ss is a metaClone whose cell data must stay untouched).
func (s *Server) apply(ss *spreadsheet, rq request, dry bool) (any, error) {
	switch rq.kind {
	case "addSheet":
		return s.addSheet(ss, rq.addSheet, rq.newID)
	case "deleteSheet":
		return nil, deleteSheet(ss, rq.deleteSheet)
	case "updateSheetProperties":
		return nil, updateSheetProperties(ss, rq.updateSheet, dry)
	case "updateCells":
		return nil, s.updateCells(ss, rq.updateCells, dry)
	case "appendCells":
		return nil, s.appendCells(ss, rq.appendCells, dry)
	case "repeatCell":
		return nil, s.repeatCell(ss, rq.repeatCell, dry)
	case "copyPaste":
		return nil, s.copyPaste(ss, rq.copyPaste, dry)
	case "cutPaste":
		return nil, s.cutPaste(ss, rq.cutPaste, dry)
	case "appendDimension":
		return nil, appendDimension(ss, rq.appendDimension)
	case "insertDimension":
		return nil, insertDimension(ss, rq.dimension, dry)
	case "deleteDimension":
		return nil, deleteDimension(ss, rq.dimension, dry)
	}
	return nil, gerr("fakesheets does not support %s", rq.kind)
}

func noGrid(id int64) error { return gerr("No grid with id: %d", id) }

func (s *Server) addSheet(ss *spreadsheet, p *sheetPropertiesJSON, newID int64) (any, error) {
	sh := &sheet{id: newID, rows: DefaultRows, cols: DefaultColumns}
	if p.SheetID != nil {
		if *p.SheetID < 0 {
			return nil, gerr("Invalid sheet id: %d", *p.SheetID)
		}
		sh.id = *p.SheetID
	}
	if _, dup := ss.byID(sh.id); dup != nil {
		return nil, gerr("A sheet with id %d already exists.", sh.id)
	}
	if p.SheetType != "" && p.SheetType != "GRID" {
		return nil, gerr("fakesheets supports only GRID sheets, not %s", p.SheetType)
	}
	if p.Title != nil && *p.Title != "" {
		sh.title = *p.Title
	} else {
		for n := len(ss.sheets) + 1; ; n++ {
			t := "Sheet" + strconv.Itoa(n)
			if _, dup := ss.byTitle(t); dup == nil {
				sh.title = t
				break
			}
		}
	}
	if err := checkTitle(ss, sh.title, nil); err != nil {
		return nil, err
	}
	if p.Hidden != nil {
		sh.hidden = *p.Hidden
	}
	if g := p.GridProperties; g != nil {
		if g.RowCount != nil {
			sh.rows = *g.RowCount
		}
		if g.ColumnCount != nil {
			sh.cols = *g.ColumnCount
		}
		if g.FrozenRowCount != nil {
			sh.frozenRows = *g.FrozenRowCount
		}
		if g.FrozenColumnCount != nil {
			sh.frozenCols = *g.FrozenColumnCount
		}
	}
	if err := checkGrid(sh); err != nil {
		return nil, err
	}
	at := len(ss.sheets)
	if p.Index != nil {
		at = max(0, min(*p.Index, len(ss.sheets)))
	}
	ss.sheets = slices.Insert(ss.sheets, at, sh)
	if err := checkVisible(ss); err != nil {
		return nil, err
	}
	return map[string]any{"addSheet": map[string]any{"properties": sheetJSON(sh, at)}}, nil
}

func checkTitle(ss *spreadsheet, title string, self *sheet) error {
	if strings.TrimSpace(title) == "" {
		return gerr("Sheet title must not be empty.")
	}
	if _, other := ss.byTitle(title); other != nil && other != self {
		return gerr("A sheet with the name %q already exists. Please enter another name.", title)
	}
	return nil
}

func checkGrid(sh *sheet) error {
	switch {
	case sh.rows < 1:
		return gerr("You can't delete all the rows on the sheet.")
	case sh.cols < 1:
		return gerr("You can't delete all the columns on the sheet.")
	case sh.frozenRows < 0 || sh.frozenCols < 0:
		return gerr("Frozen counts must not be negative.")
	case sh.frozenRows >= sh.rows && sh.frozenRows > 0:
		return gerr("You can't freeze all visible rows on the sheet.")
	case sh.frozenCols >= sh.cols && sh.frozenCols > 0:
		return gerr("You can't freeze all visible columns on the sheet.")
	}
	return nil
}

func checkVisible(ss *spreadsheet) error {
	for _, sh := range ss.sheets {
		if !sh.hidden {
			return nil
		}
	}
	return gerr("You can't hide all the sheets in a document.")
}

func deleteSheet(ss *spreadsheet, id int64) error {
	i, sh := ss.byID(id)
	if sh == nil {
		return noGrid(id)
	}
	if len(ss.sheets) == 1 {
		return gerr("You can't remove all the sheets in a document.")
	}
	ss.sheets = slices.Delete(ss.sheets, i, i+1)
	return checkVisible(ss)
}

func updateSheetProperties(ss *spreadsheet, rq *updateSheetPropertiesReq, dry bool) error {
	if strings.TrimSpace(rq.Fields) == "" {
		return gerr("At least one field must be specified.")
	}
	var id int64
	if rq.Properties.SheetID != nil {
		id = *rq.Properties.SheetID
	}
	idx, sh := ss.byID(id)
	if sh == nil {
		return noGrid(id)
	}
	p := rq.Properties
	g := p.GridProperties
	if g == nil {
		g = &gridPropertiesJSON{}
	}
	intOr0 := func(v *int) int {
		if v == nil {
			return 0
		}
		return *v
	}
	next := *sh
	newIndex := idx
	for _, f := range strings.Split(rq.Fields, ",") {
		switch strings.TrimSpace(f) {
		case "*":
			if p.Title != nil {
				next.title = *p.Title
			}
			next.hidden = p.Hidden != nil && *p.Hidden
			newIndex = intOr0(p.Index)
			next.rows, next.cols = intOr0(g.RowCount), intOr0(g.ColumnCount)
			next.frozenRows, next.frozenCols = intOr0(g.FrozenRowCount), intOr0(g.FrozenColumnCount)
		case "title":
			if p.Title == nil {
				return gerr("Sheet title must not be empty.")
			}
			next.title = *p.Title
		case "hidden":
			next.hidden = p.Hidden != nil && *p.Hidden
		case "index":
			newIndex = intOr0(p.Index)
		case "gridProperties":
			next.rows, next.cols = intOr0(g.RowCount), intOr0(g.ColumnCount)
			next.frozenRows, next.frozenCols = intOr0(g.FrozenRowCount), intOr0(g.FrozenColumnCount)
		case "gridProperties.rowCount":
			next.rows = intOr0(g.RowCount)
		case "gridProperties.columnCount":
			next.cols = intOr0(g.ColumnCount)
		case "gridProperties.frozenRowCount":
			next.frozenRows = intOr0(g.FrozenRowCount)
		case "gridProperties.frozenColumnCount":
			next.frozenCols = intOr0(g.FrozenColumnCount)
		case "sheetId":
			if p.SheetID == nil || *p.SheetID != sh.id {
				return gerr("sheetId cannot be changed")
			}
		case "tabColor", "tabColorStyle", "rightToLeft", "gridProperties.hideGridlines":
			// Accepted and ignored: the fake does not keep them.
		default:
			return gerr("Invalid field mask: %q is not a field of SheetProperties", strings.TrimSpace(f))
		}
	}
	if err := checkTitle(ss, next.title, sh); err != nil {
		return err
	}
	if err := checkGrid(&next); err != nil {
		return err
	}
	rows, cols := next.rows, next.cols
	next.rows, next.cols = sh.rows, sh.cols
	*sh = next
	if dry {
		sh.rows, sh.cols = rows, cols
	} else {
		sh.resize(rows, cols)
	}
	if newIndex != idx {
		newIndex = max(0, min(newIndex, len(ss.sheets)-1))
		ss.sheets = slices.Delete(ss.sheets, idx, idx+1)
		ss.sheets = slices.Insert(ss.sheets, newIndex, sh)
	}
	return checkVisible(ss)
}

// cellMask is a parsed CellData field mask.
type cellMask struct{ value, format bool }

func parseCellMask(fields string) (cellMask, error) {
	var m cellMask
	if strings.TrimSpace(fields) == "" {
		return m, gerr("At least one field must be specified.")
	}
	for _, f := range strings.Split(fields, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "*":
			m.value, m.format = true, true
		case f == "userEnteredValue":
			m.value = true
		case f == "userEnteredFormat" || f == "userEnteredFormat.numberFormat":
			m.format = true
		case strings.HasPrefix(f, "userEnteredFormat."), f == "note", f == "textFormatRuns",
			f == "dataValidation", f == "pivotTable", f == "hyperlink":
			// Accepted and ignored: the fake keeps values and number formats only.
		default:
			return m, gerr("Invalid field mask: %q is not a field of CellData", f)
		}
	}
	return m, nil
}

func (s *Server) valueCell(ev *extendedValue) (cell, error) {
	if ev == nil {
		return cell{}, nil
	}
	set := 0
	var c cell
	if ev.NumberValue != nil {
		set++
		c = cell{k: kNum, n: *ev.NumberValue}
	}
	if ev.StringValue != nil {
		set++
		c = cell{k: kStr, s: *ev.StringValue}
		if *ev.StringValue == "" {
			c = cell{}
		}
	}
	if ev.BoolValue != nil {
		set++
		c = boolCell(*ev.BoolValue)
	}
	if ev.FormulaValue != nil {
		set++
		c = cell{k: kFormula, s: *ev.FormulaValue}
	}
	if ev.ErrorValue != nil {
		return cell{}, gerr("errorValue cannot be written")
	}
	if set > 1 {
		return cell{}, gerr("Invalid value: more than one kind of value is set")
	}
	if (c.k == kStr || c.k == kFormula) && charCount(c.s) > s.maxCellChars {
		return cell{}, gerr("Your input contains more than the maximum of %d characters in a single cell.", s.maxCellChars)
	}
	return c, nil
}

// mergeCell applies cd to old under m.
func (s *Server) mergeCell(old cell, cd *cellData, m cellMask) (cell, error) {
	c := old
	if m.value {
		var ev *extendedValue
		if cd != nil {
			ev = cd.UserEnteredValue
		}
		v, err := s.valueCell(ev)
		if err != nil {
			return c, err
		}
		c.k, c.n, c.s = v.k, v.n, v.s
	}
	if m.format {
		c.f = 0
		if cd != nil && cd.UserEnteredFormat != nil && cd.UserEnteredFormat.NumberFormat != nil {
			c.f = s.fmtIndex(*cd.UserEnteredFormat.NumberFormat)
		}
	}
	return c, nil
}

// window resolves a GridRange to a sheet and a window inside its grid.
func window(ss *spreadsheet, gr gridRange) (*sheet, [4]int, error) {
	_, sh := ss.byID(gr.SheetID)
	if sh == nil {
		return nil, [4]int{}, noGrid(gr.SheetID)
	}
	get := func(p *int, def int) int {
		if p == nil {
			return def
		}
		return *p
	}
	w := [4]int{get(gr.StartRowIndex, 0), get(gr.EndRowIndex, sh.rows), get(gr.StartColumnIndex, 0), get(gr.EndColumnIndex, sh.cols)}
	if w[0] < 0 || w[2] < 0 || w[0] > w[1] || w[2] > w[3] {
		return nil, w, gerr("Invalid range: start index must be less than or equal to end index")
	}
	if w[1] > sh.rows || w[3] > sh.cols {
		return nil, w, gridError(sh, w[1], w[3])
	}
	return sh, w, nil
}

func gridError(sh *sheet, rows, cols int) error {
	return gerr("Range (%s!%s%d) exceeds grid limits. Max rows: %d, max columns: %d",
		quoteTitle(sh.title), colName(max(cols-1, 0)), rows, sh.rows, sh.cols)
}

func (s *Server) updateCells(ss *spreadsheet, rq *updateCellsReq, dry bool) error {
	m, err := parseCellMask(rq.Fields)
	if err != nil {
		return err
	}
	if (rq.Start == nil) == (rq.Range == nil) {
		return gerr("exactly one of start and range must be set")
	}
	var (
		sh *sheet
		w  [4]int
	)
	if rq.Range != nil {
		if sh, w, err = window(ss, *rq.Range); err != nil {
			return err
		}
	} else {
		_, sh = ss.byID(rq.Start.SheetID)
		if sh == nil {
			return noGrid(rq.Start.SheetID)
		}
		width := 0
		for _, row := range rq.Rows {
			width = max(width, len(row.Values))
		}
		w = [4]int{rq.Start.RowIndex, rq.Start.RowIndex + len(rq.Rows), rq.Start.ColumnIndex, rq.Start.ColumnIndex + width}
		if w[0] < 0 || w[2] < 0 {
			return gerr("Invalid start coordinate")
		}
		if w[1] > sh.rows || w[3] > sh.cols {
			return gridError(sh, w[1], w[3])
		}
	}
	if len(rq.Rows) > w[1]-w[0] {
		return gerr("%d rows do not fit in a range of %d rows", len(rq.Rows), w[1]-w[0])
	}
	for i, row := range rq.Rows {
		if len(row.Values) > w[3]-w[2] {
			return gerr("row %d has %d values, more than the range's %d columns", i, len(row.Values), w[3]-w[2])
		}
		for j := range row.Values {
			if _, err := s.valueCell(row.Values[j].UserEnteredValue); err != nil {
				return err
			}
		}
	}
	if dry {
		return nil
	}
	for r := w[0]; r < w[1]; r++ {
		var row []cellData
		if i := r - w[0]; i < len(rq.Rows) {
			row = rq.Rows[i].Values
		} else if rq.Range == nil {
			break
		} else if r >= len(sh.data) {
			// Clearing rows past the stored data changes nothing.
			break
		}
		for c := w[2]; c < w[3]; c++ {
			var cd *cellData
			if j := c - w[2]; j < len(row) {
				cd = &row[j]
			} else if rq.Range == nil {
				break
			}
			v, err := s.mergeCell(sh.get(r, c), cd, m)
			if err != nil {
				return err
			}
			sh.set(r, c, v)
		}
	}
	return nil
}

func (s *Server) appendCells(ss *spreadsheet, rq *appendCellsReq, dry bool) error {
	m, err := parseCellMask(rq.Fields)
	if err != nil {
		return err
	}
	_, sh := ss.byID(rq.SheetID)
	if sh == nil {
		return noGrid(rq.SheetID)
	}
	start := sh.lastDataRow(0, sh.cols) + 1
	width := 0
	for _, row := range rq.Rows {
		width = max(width, len(row.Values))
		for j := range row.Values {
			if _, err := s.valueCell(row.Values[j].UserEnteredValue); err != nil {
				return err
			}
		}
	}
	if width > sh.cols {
		return gridError(sh, start+len(rq.Rows), width)
	}
	if need := start + len(rq.Rows); need > sh.rows {
		sh.rows = need
	}
	if dry {
		return nil
	}
	for i, row := range rq.Rows {
		for j := range row.Values {
			v, err := s.mergeCell(sh.get(start+i, j), &row.Values[j], m)
			if err != nil {
				return err
			}
			sh.set(start+i, j, v)
		}
	}
	return nil
}

func (s *Server) repeatCell(ss *spreadsheet, rq *repeatCellReq, dry bool) error {
	m, err := parseCellMask(rq.Fields)
	if err != nil {
		return err
	}
	sh, w, err := window(ss, rq.Range)
	if err != nil {
		return err
	}
	if _, err := s.valueCell(rq.Cell.UserEnteredValue); err != nil {
		return err
	}
	if dry {
		return nil
	}
	for r := w[0]; r < w[1]; r++ {
		for c := w[2]; c < w[3]; c++ {
			v, err := s.mergeCell(sh.get(r, c), &rq.Cell, m)
			if err != nil {
				return err
			}
			sh.set(r, c, v)
		}
	}
	return nil
}

// pasteCell combines a copied cell with the destination's under a paste
// type.
func pasteCell(src, dst cell, pasteType string) cell {
	switch pasteType {
	case "PASTE_VALUES":
		// Formulas are pasted as their value; the fake does not compute
		// them, so they paste as empty.
		if src.k == kFormula {
			src.k, src.s = kEmpty, ""
		}
		src.f = dst.f
		return src
	case "PASTE_FORMULA":
		src.f = dst.f
		return src
	case "PASTE_FORMAT":
		dst.f = src.f
		return dst
	case "PASTE_DATA_VALIDATION", "PASTE_CONDITIONAL_FORMATTING":
		return dst
	}
	return src // PASTE_NORMAL, PASTE_NO_BORDERS
}

var pasteTypes = map[string]bool{
	"": true, "PASTE_NORMAL": true, "PASTE_VALUES": true, "PASTE_FORMAT": true, "PASTE_NO_BORDERS": true,
	"PASTE_FORMULA": true, "PASTE_DATA_VALIDATION": true, "PASTE_CONDITIONAL_FORMATTING": true,
}

// block returns the cells of a window; with clone unset it shares the
// sheet's storage, which is safe only when pasting into another sheet.
func block(sh *sheet, w [4]int, clone bool) [][]cell {
	out := make([][]cell, w[1]-w[0])
	for r := w[0]; r < w[1]; r++ {
		if r >= len(sh.data) {
			continue
		}
		row := sh.data[r]
		if w[2] >= len(row) {
			continue
		}
		part := row[w[2]:min(w[3], len(row))]
		if clone {
			part = slices.Clone(part)
		}
		out[r-w[0]] = part
	}
	return out
}

func pasteBlock(sh *sheet, src [][]cell, r0, c0, height, width int, pasteType string) {
	for i := 0; i < height; i++ {
		var row []cell
		if i < len(src) {
			row = src[i]
		}
		if len(row) > 0 {
			sh.reserve(r0+i, c0+width)
		}
		for j := 0; j < width; j++ {
			var v cell
			if j < len(row) {
				v = row[j]
			}
			sh.set(r0+i, c0+j, pasteCell(v, sh.get(r0+i, c0+j), pasteType))
		}
	}
}

func (s *Server) copyPaste(ss *spreadsheet, rq *copyPasteReq, dry bool) error {
	if !pasteTypes[rq.PasteType] {
		return gerr("Invalid pasteType %q", rq.PasteType)
	}
	if rq.PasteOrientation != "" && rq.PasteOrientation != "NORMAL" {
		return gerr("fakesheets supports only pasteOrientation NORMAL")
	}
	src, sw, err := window(ss, rq.Source)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	_, dst := ss.byID(rq.Destination.SheetID)
	if dst == nil {
		return noGrid(rq.Destination.SheetID)
	}
	h, wd := sw[1]-sw[0], sw[3]-sw[2]
	r0, c0 := 0, 0
	if rq.Destination.StartRowIndex != nil {
		r0 = *rq.Destination.StartRowIndex
	}
	if rq.Destination.StartColumnIndex != nil {
		c0 = *rq.Destination.StartColumnIndex
	}
	// A destination spanning a multiple of the source repeats it.
	tilesR, tilesC := 1, 1
	if e := rq.Destination.EndRowIndex; e != nil && h > 0 && (*e-r0) > h && (*e-r0)%h == 0 {
		tilesR = (*e - r0) / h
	}
	if e := rq.Destination.EndColumnIndex; e != nil && wd > 0 && (*e-c0) > wd && (*e-c0)%wd == 0 {
		tilesC = (*e - c0) / wd
	}
	if r0 < 0 || c0 < 0 {
		return gerr("Invalid destination")
	}
	if r0+h*tilesR > dst.rows || c0+wd*tilesC > dst.cols {
		return gridError(dst, r0+h*tilesR, c0+wd*tilesC)
	}
	if dry {
		return nil
	}
	b := block(src, sw, src == dst)
	for i := 0; i < tilesR; i++ {
		for j := 0; j < tilesC; j++ {
			pasteBlock(dst, b, r0+i*h, c0+j*wd, h, wd, rq.PasteType)
		}
	}
	return nil
}

func (s *Server) cutPaste(ss *spreadsheet, rq *cutPasteReq, dry bool) error {
	if !pasteTypes[rq.PasteType] {
		return gerr("Invalid pasteType %q", rq.PasteType)
	}
	src, sw, err := window(ss, rq.Source)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	_, dst := ss.byID(rq.Destination.SheetID)
	if dst == nil {
		return noGrid(rq.Destination.SheetID)
	}
	h, wd := sw[1]-sw[0], sw[3]-sw[2]
	r0, c0 := rq.Destination.RowIndex, rq.Destination.ColumnIndex
	if r0 < 0 || c0 < 0 {
		return gerr("Invalid destination")
	}
	if r0+h > dst.rows || c0+wd > dst.cols {
		return gridError(dst, r0+h, c0+wd)
	}
	if dry {
		return nil
	}
	b := block(src, sw, true)
	for r := sw[0]; r < sw[1] && r < len(src.data); r++ {
		for c := sw[2]; c < sw[3] && c < len(src.data[r]); c++ {
			src.data[r][c] = cell{}
		}
	}
	pasteBlock(dst, b, r0, c0, h, wd, rq.PasteType)
	return nil
}

func appendDimension(ss *spreadsheet, rq *appendDimensionReq) error {
	_, sh := ss.byID(rq.SheetID)
	if sh == nil {
		return noGrid(rq.SheetID)
	}
	if rq.Length < 1 {
		return gerr("length must be at least 1")
	}
	switch rq.Dimension {
	case "ROWS":
		sh.rows += rq.Length
	case "COLUMNS":
		sh.cols += rq.Length
	default:
		return gerr("Invalid dimension %q", rq.Dimension)
	}
	return nil
}

func dimBounds(sh *sheet, dr *dimensionRange) (int, int, int, error) {
	count := sh.rows
	if dr.Dimension == "COLUMNS" {
		count = sh.cols
	} else if dr.Dimension != "ROWS" {
		return 0, 0, 0, gerr("Invalid dimension %q", dr.Dimension)
	}
	if dr.StartIndex == nil || dr.EndIndex == nil {
		return 0, 0, 0, gerr("startIndex and endIndex are required")
	}
	a, b := *dr.StartIndex, *dr.EndIndex
	if a < 0 || a >= b {
		return 0, 0, 0, gerr("Invalid dimension range: start index must be less than end index")
	}
	return a, b, count, nil
}

func insertDimension(ss *spreadsheet, dr *dimensionRange, dry bool) error {
	_, sh := ss.byID(dr.SheetID)
	if sh == nil {
		return noGrid(dr.SheetID)
	}
	a, b, count, err := dimBounds(sh, dr)
	if err != nil {
		return err
	}
	if a > count {
		return gridError(sh, sh.rows, sh.cols)
	}
	switch {
	case dry && dr.Dimension == "ROWS":
		sh.rows += b - a
	case dry:
		sh.cols += b - a
	case dr.Dimension == "ROWS":
		sh.insertRows(a, b-a)
	default:
		sh.insertCols(a, b-a)
	}
	return nil
}

func deleteDimension(ss *spreadsheet, dr *dimensionRange, dry bool) error {
	_, sh := ss.byID(dr.SheetID)
	if sh == nil {
		return noGrid(dr.SheetID)
	}
	a, b, count, err := dimBounds(sh, dr)
	if err != nil {
		return err
	}
	if b > count {
		return gridError(sh, sh.rows, sh.cols)
	}
	if a == 0 && b == count {
		if dr.Dimension == "ROWS" {
			return gerr("You can't delete all the rows on the sheet.")
		}
		return gerr("You can't delete all the columns on the sheet.")
	}
	switch {
	case dr.Dimension == "ROWS" && sh.frozenRows >= count-(b-a):
		return gerr("You can't freeze all visible rows on the sheet.")
	case dr.Dimension == "COLUMNS" && sh.frozenCols >= count-(b-a):
		return gerr("You can't freeze all visible columns on the sheet.")
	}
	switch {
	case dry && dr.Dimension == "ROWS":
		sh.rows -= b - a
	case dry:
		sh.cols -= b - a
	case dr.Dimension == "ROWS":
		sh.deleteRows(a, b)
	default:
		sh.deleteCols(a, b)
	}
	return nil
}
