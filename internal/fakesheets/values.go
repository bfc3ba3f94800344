package fakesheets

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

type valueRange struct {
	Range          string  `json:"range"`
	MajorDimension string  `json:"majorDimension"`
	Values         [][]any `json:"values"`
}

func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return gerr("Invalid JSON payload received. %v", err)
	}
	return nil
}

// resolve finds the sheet of an A1 range and clips its unbounded ends to
// the grid. A bounded end beyond the grid is an error.
func resolve(ss *spreadsheet, a1 string) (*sheet, a1Range, error) {
	rg, err := parseA1(a1)
	if err != nil {
		return nil, rg, gerr("Unable to parse range: %s", a1)
	}
	var sh *sheet
	if rg.title == "" {
		if len(ss.sheets) > 0 {
			sh = ss.sheets[0]
		}
	} else {
		_, sh = ss.byTitle(rg.title)
	}
	if sh == nil {
		return nil, rg, gerr("Unable to parse range: %s", a1)
	}
	if rg.r1 < 0 {
		rg.r1 = sh.rows
	}
	if rg.c1 < 0 {
		rg.c1 = sh.cols
	}
	if rg.r0 >= sh.rows || rg.c0 >= sh.cols || rg.r1 > sh.rows || rg.c1 > sh.cols {
		return nil, rg, gerr("Range (%s) exceeds grid limits. Max rows: %d, max columns: %d", a1, sh.rows, sh.cols)
	}
	return sh, rg, nil
}

// planWrite checks a ValueRange write at rg and returns the cells to set,
// row-major, relative to (rg.r0, rg.c0). Nothing is changed.
func (s *Server) planWrite(sh *sheet, rg a1Range, vr *valueRange, userEntered bool) ([][]cell, [][]bool, error) {
	rows := vr.Values
	if vr.MajorDimension == "COLUMNS" {
		rows = transpose(rows)
	} else if vr.MajorDimension != "" && vr.MajorDimension != "ROWS" {
		return nil, nil, gerr("Invalid majorDimension %q", vr.MajorDimension)
	}
	width := 0
	for _, row := range rows {
		width = max(width, len(row))
	}
	if !rg.singleCell {
		if len(rows) > rg.r1-rg.r0 {
			return nil, nil, gerr("Requested writing within range [%s], but tried writing to row [%d]",
				formatA1(sh.title, rg.r0, rg.c0, rg.r1, rg.c1), rg.r0+len(rows))
		}
		if width > rg.c1-rg.c0 {
			return nil, nil, gerr("Requested writing within range [%s], but tried writing to column [%s]",
				formatA1(sh.title, rg.r0, rg.c0, rg.r1, rg.c1), colName(rg.c0+width-1))
		}
	}
	if rg.r0+len(rows) > sh.rows || rg.c0+width > sh.cols {
		return nil, nil, gerr("Range (%s) exceeds grid limits. Max rows: %d, max columns: %d",
			formatA1(sh.title, rg.r0, rg.c0, rg.r0+max(len(rows), 1), rg.c0+max(width, 1)), sh.rows, sh.cols)
	}
	cells := make([][]cell, len(rows))
	skips := make([][]bool, len(rows))
	for i, row := range rows {
		cells[i] = make([]cell, len(row))
		skips[i] = make([]bool, len(row))
		for j, v := range row {
			c, skip, err := s.parseInput(v, userEntered)
			if err != nil {
				return nil, nil, err
			}
			cells[i][j], skips[i][j] = c, skip
		}
	}
	return cells, skips, nil
}

// commitWrite stores planned cells; a value keeps the cell's number format
// unless parsing gave one (as typing a date into the UI does).
func commitWrite(sh *sheet, r0, c0 int, cells [][]cell, skips [][]bool) {
	for i, row := range cells {
		if len(row) > 0 {
			sh.reserve(r0+i, c0+len(row))
		}
		for j, c := range row {
			if skips[i][j] {
				continue
			}
			old := sh.get(r0+i, c0+j)
			if c.f == 0 {
				c.f = old.f
			}
			sh.set(r0+i, c0+j, c)
		}
	}
}

func transpose(cols [][]any) [][]any {
	h := 0
	for _, c := range cols {
		h = max(h, len(c))
	}
	rows := make([][]any, h)
	for i := range rows {
		rows[i] = make([]any, len(cols))
		for j, c := range cols {
			if i < len(c) {
				rows[i][j] = c[i]
			}
		}
	}
	return rows
}

func inputOption(q url.Values) (bool, error) {
	switch q.Get("valueInputOption") {
	case "RAW":
		return false, nil
	case "USER_ENTERED":
		return true, nil
	case "":
		return false, gerr("'valueInputOption' is required but not specified")
	}
	return false, gerr("Invalid value at 'value_input_option' (%s)", q.Get("valueInputOption"))
}

func updateResponse(id string, sh *sheet, r0, c0 int, cells [][]cell, skips [][]bool) map[string]any {
	width, n := 0, 0
	for i, row := range cells {
		width = max(width, len(row))
		for j := range row {
			if !skips[i][j] {
				n++
			}
		}
	}
	resp := map[string]any{"spreadsheetId": id}
	if len(cells) > 0 && width > 0 {
		resp["updatedRange"] = formatA1(sh.title, r0, c0, r0+len(cells), c0+width)
		resp["updatedRows"] = len(cells)
		resp["updatedColumns"] = width
		resp["updatedCells"] = n
	}
	return resp
}

func (s *Server) handleValuesUpdate(w http.ResponseWriter, ss *spreadsheet, a1 string, q url.Values, body []byte) {
	userEntered, err := inputOption(q)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	var vr valueRange
	if err := decodeJSON(body, &vr); err != nil {
		badRequest(w, err.Error())
		return
	}
	sh, rg, err := resolve(ss, a1)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	if vr.Range != "" {
		if _, brg, err := resolve(ss, vr.Range); err != nil || brg != rg {
			badRequest(w, fmt.Sprintf("Requested range %q does not match the range in the body %q", a1, vr.Range))
			return
		}
	}
	cells, skips, err := s.planWrite(sh, rg, &vr, userEntered)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	commitWrite(sh, rg.r0, rg.c0, cells, skips)
	writeJSON(w, http.StatusOK, updateResponse(ss.id, sh, rg.r0, rg.c0, cells, skips))
}

func (s *Server) handleValuesBatchUpdate(w http.ResponseWriter, ss *spreadsheet, body []byte) {
	var in struct {
		ValueInputOption string       `json:"valueInputOption"`
		Data             []valueRange `json:"data"`
	}
	if err := decodeJSON(body, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	userEntered, err := inputOption(url.Values{"valueInputOption": {in.ValueInputOption}})
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	type planned struct {
		sh     *sheet
		r0, c0 int
		cells  [][]cell
		skips  [][]bool
	}
	plans := make([]planned, 0, len(in.Data))
	for i := range in.Data {
		sh, rg, err := resolve(ss, in.Data[i].Range)
		if err != nil {
			badRequest(w, err.Error())
			return
		}
		cells, skips, err := s.planWrite(sh, rg, &in.Data[i], userEntered)
		if err != nil {
			badRequest(w, err.Error())
			return
		}
		plans = append(plans, planned{sh, rg.r0, rg.c0, cells, skips})
	}
	responses := make([]any, len(plans))
	var rows, cols, total int
	touched := map[*sheet]bool{}
	for i, p := range plans {
		commitWrite(p.sh, p.r0, p.c0, p.cells, p.skips)
		r := updateResponse(ss.id, p.sh, p.r0, p.c0, p.cells, p.skips)
		responses[i] = r
		if n, ok := r["updatedCells"].(int); ok {
			total += n
			rows += r["updatedRows"].(int)
			cols += r["updatedColumns"].(int)
			touched[p.sh] = true
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"spreadsheetId": ss.id, "responses": responses, "totalUpdatedRows": rows,
		"totalUpdatedColumns": cols, "totalUpdatedCells": total, "totalUpdatedSheets": len(touched),
	})
}

func (s *Server) handleValuesAppend(w http.ResponseWriter, ss *spreadsheet, a1 string, q url.Values, body []byte) {
	userEntered, err := inputOption(q)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	var vr valueRange
	if err := decodeJSON(body, &vr); err != nil {
		badRequest(w, err.Error())
		return
	}
	sh, rg, err := resolve(ss, a1)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	insert := false
	switch q.Get("insertDataOption") {
	case "", "OVERWRITE":
	case "INSERT_ROWS":
		insert = true
	default:
		badRequest(w, fmt.Sprintf("Invalid value at 'insert_data_option' (%s)", q.Get("insertDataOption")))
		return
	}
	// The table is the block of rows with data in the range's columns; the
	// values go below its last row, growing the grid as needed.
	last := sh.lastDataRow(rg.c0, rg.c1)
	tableRange := ""
	if last >= 0 {
		tableRange = formatA1(sh.title, rg.r0, rg.c0, last+1, rg.c1)
	}
	start := max(last+1, rg.r0)
	rows := vr.Values
	if vr.MajorDimension == "COLUMNS" {
		rows = transpose(rows)
	}
	need := start + len(rows)
	grow := 0
	if insert {
		grow = len(rows)
	} else if need > sh.rows {
		grow = need - sh.rows
	}
	if ss.cells()+int64(grow)*int64(sh.cols) > s.maxCells {
		badRequest(w, fmt.Sprintf("This action would increase the number of cells in the workbook above the limit of %d cells.", s.maxCells))
		return
	}
	// Plan against the grown grid without changing the sheet yet.
	probe := *sh
	probe.rows += grow
	wr := a1Range{title: sh.title, r0: start, c0: rg.c0, r1: -1, c1: -1, singleCell: true}
	cells, skips, err := s.planWrite(&probe, wr, &valueRange{Values: rows}, userEntered)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	if insert && len(rows) > 0 {
		sh.insertRows(start, len(rows))
	} else {
		sh.rows += grow
	}
	commitWrite(sh, start, rg.c0, cells, skips)
	resp := map[string]any{"spreadsheetId": ss.id, "updates": updateResponse(ss.id, sh, start, rg.c0, cells, skips)}
	if tableRange != "" {
		resp["tableRange"] = tableRange
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) clearRange(ss *spreadsheet, a1 string) (string, error) {
	sh, rg, err := resolve(ss, a1)
	if err != nil {
		return "", err
	}
	for r := rg.r0; r < rg.r1 && r < len(sh.data); r++ {
		for c := rg.c0; c < rg.c1 && c < len(sh.data[r]); c++ {
			old := sh.data[r][c]
			sh.data[r][c] = cell{f: old.f}
		}
	}
	return formatA1(sh.title, rg.r0, rg.c0, rg.r1, rg.c1), nil
}

func (s *Server) handleValuesClear(w http.ResponseWriter, ss *spreadsheet, a1 string) {
	cleared, err := s.clearRange(ss, a1)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"spreadsheetId": ss.id, "clearedRange": cleared})
}

func (s *Server) handleValuesBatchClear(w http.ResponseWriter, ss *spreadsheet, body []byte) {
	var in struct {
		Ranges []string `json:"ranges"`
	}
	if err := decodeJSON(body, &in); err != nil {
		badRequest(w, err.Error())
		return
	}
	for _, a1 := range in.Ranges {
		if _, _, err := resolve(ss, a1); err != nil {
			badRequest(w, err.Error())
			return
		}
	}
	cleared := make([]string, 0, len(in.Ranges))
	for _, a1 := range in.Ranges {
		c, _ := s.clearRange(ss, a1)
		cleared = append(cleared, c)
	}
	writeJSON(w, http.StatusOK, map[string]any{"spreadsheetId": ss.id, "clearedRanges": cleared})
}

// readRange renders the values of an A1 range, trimming trailing empty rows
// and columns as Google does.
func (s *Server) readRange(ss *spreadsheet, a1 string, q url.Values) (map[string]any, error) {
	sh, rg, err := resolve(ss, a1)
	if err != nil {
		return nil, err
	}
	valueRender := q.Get("valueRenderOption")
	switch valueRender {
	case "", "FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA":
	default:
		return nil, gerr("Invalid value at 'value_render_option' (%s)", valueRender)
	}
	dateRender := q.Get("dateTimeRenderOption")
	major := q.Get("majorDimension")
	var rows [][]any
	for r := rg.r0; r < rg.r1 && r < len(sh.data); r++ {
		row := []any{}
		lastNonEmpty := -1
		for c := rg.c0; c < rg.c1 && c < len(sh.data[r]); c++ {
			v := sh.data[r][c]
			row = append(row, s.render(v, valueRender, dateRender))
			if v.hasValue() {
				lastNonEmpty = c - rg.c0
			}
		}
		rows = append(rows, row[:lastNonEmpty+1])
	}
	for len(rows) > 0 && len(rows[len(rows)-1]) == 0 {
		rows = rows[:len(rows)-1]
	}
	switch major {
	case "", "ROWS":
		major = "ROWS"
	case "COLUMNS":
		rows = transpose(rows)
		for i, col := range rows {
			n := len(col)
			for n > 0 && (col[n-1] == nil || col[n-1] == "") {
				n--
			}
			for j := range col[:n] {
				if col[j] == nil {
					col[j] = ""
				}
			}
			rows[i] = col[:n]
		}
	default:
		return nil, gerr("Invalid majorDimension %q", major)
	}
	out := map[string]any{"range": formatA1(sh.title, rg.r0, rg.c0, rg.r1, rg.c1), "majorDimension": major}
	if len(rows) > 0 {
		out["values"] = rows
	}
	return out, nil
}

func (s *Server) handleValuesGet(w http.ResponseWriter, ss *spreadsheet, a1 string, q url.Values) {
	out, err := s.readRange(ss, a1, q)
	if err != nil {
		badRequest(w, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleValuesBatchGet(w http.ResponseWriter, ss *spreadsheet, q url.Values) {
	ranges := q["ranges"]
	out := make([]any, 0, len(ranges))
	for _, a1 := range ranges {
		vr, err := s.readRange(ss, a1, q)
		if err != nil {
			badRequest(w, err.Error())
			return
		}
		out = append(out, vr)
	}
	writeJSON(w, http.StatusOK, map[string]any{"spreadsheetId": ss.id, "valueRanges": out})
}
