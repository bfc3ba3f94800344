package fakesheets

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// createLocked adds a spreadsheet; called with s.mu held.
func (s *Server) createLocked(id string, tabs ...string) *spreadsheet {
	if len(tabs) == 0 {
		tabs = []string{"Sheet1"}
	}
	ss := &spreadsheet{id: id, title: "Spreadsheet " + id}
	for i, t := range tabs {
		// Like Google, the first tab of a new spreadsheet has id 0.
		var sid int64
		if i > 0 {
			s.nextID++
			sid = s.nextID
		}
		ss.sheets = append(ss.sheets, &sheet{id: sid, title: t, rows: DefaultRows, cols: DefaultColumns})
	}
	s.ss[id] = ss
	return ss
}

// CreateSpreadsheet adds (or replaces) a spreadsheet with the given tabs,
// each of 1000 rows × 26 columns; no tabs means one tab "Sheet1". The first
// tab has sheet id 0, as in a spreadsheet made in the UI.
func (s *Server) CreateSpreadsheet(id string, tabs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.createLocked(id, tabs...)
}

// SetAccess sets what callers may do with a spreadsheet.
func (s *Server) SetAccess(id string, a Access) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.ss[id]
	if ss == nil {
		return fmt.Errorf("no spreadsheet %q", id)
	}
	ss.access = a
	return nil
}

// Spreadsheets returns the ids of all spreadsheets.
func (s *Server) Spreadsheets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.ss))
	for id := range s.ss {
		out = append(out, id)
	}
	return out
}

// Sheets returns the properties of a spreadsheet's tabs in order, or nil
// for an unknown spreadsheet.
func (s *Server) Sheets(id string) []SheetProperties {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.ss[id]
	if ss == nil {
		return nil
	}
	out := make([]SheetProperties, len(ss.sheets))
	for i, sh := range ss.sheets {
		out[i] = sh.props(i)
	}
	return out
}

// Sheet returns the properties of the tab with that title
// (case-insensitively).
func (s *Server) Sheet(id, tab string) (SheetProperties, bool) {
	for _, p := range s.Sheets(id) {
		if strings.EqualFold(p.Title, tab) {
			return p, true
		}
	}
	return SheetProperties{}, false
}

// Cells returns the spreadsheet's cell count: the sum of its tabs' grids.
func (s *Server) Cells(id string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.ss[id]; ss != nil {
		return ss.cells()
	}
	return 0
}

// Grid returns a tab's cells, rowCount × columnCount, row-major, or an
// error when the spreadsheet or tab does not exist.
func (s *Server) Grid(id, tab string) ([][]Cell, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, err := s.sheetLocked(id, tab)
	if err != nil {
		return nil, err
	}
	out := make([][]Cell, sh.rows)
	for r := range out {
		row := make([]Cell, sh.cols)
		if r < len(sh.data) {
			for c, v := range sh.data[r] {
				row[c] = s.toPublic(v)
			}
		}
		out[r] = row
	}
	return out, nil
}

// Values returns a tab's values trimmed like the API's UNFORMATTED_VALUE
// rendering: trailing empty rows and cells are dropped, and formulas read
// as their text.
func (s *Server) Values(id, tab string) ([][]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, err := s.sheetLocked(id, tab)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	for _, data := range sh.data {
		row := make([]any, 0, len(data))
		for _, v := range data {
			c := s.toPublic(v)
			if c.Formula != "" {
				row = append(row, c.Formula)
			} else {
				row = append(row, c.Value)
			}
		}
		n := len(row)
		for n > 0 && row[n-1] == nil {
			n--
		}
		rows = append(rows, row[:n])
	}
	for len(rows) > 0 && len(rows[len(rows)-1]) == 0 {
		rows = rows[:len(rows)-1]
	}
	return rows, nil
}

func (s *Server) sheetLocked(id, tab string) (*sheet, error) {
	ss := s.ss[id]
	if ss == nil {
		return nil, fmt.Errorf("no spreadsheet %q", id)
	}
	_, sh := ss.byTitle(tab)
	if sh == nil {
		return nil, fmt.Errorf("spreadsheet %q has no tab %q", id, tab)
	}
	return sh, nil
}

// SetValues writes rows into a tab from A1 as RAW input, growing the grid
// when needed, without quota or request log (for test set-up). Values are
// nil, bool, string, or any Go number.
func (s *Server) SetValues(id, tab string, rows [][]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, err := s.sheetLocked(id, tab)
	if err != nil {
		return err
	}
	for r, row := range rows {
		for c, v := range row {
			cl, skip, err := s.parseInput(goValue(v), false)
			if err != nil {
				return fmt.Errorf("row %d column %d: %w", r, c, err)
			}
			if skip {
				continue
			}
			sh.rows = max(sh.rows, r+1)
			sh.cols = max(sh.cols, c+1)
			sh.set(r, c, cl)
		}
	}
	return nil
}

// SetFormat sets the number format of one cell (0-based), for test set-up.
func (s *Server) SetFormat(id, tab string, row, col int, nf NumberFormat) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, err := s.sheetLocked(id, tab)
	if err != nil {
		return err
	}
	if row >= sh.rows || col >= sh.cols {
		return gridError(sh, row+1, col+1)
	}
	c := sh.get(row, col)
	c.f = s.fmtIndex(nf)
	sh.set(row, col, c)
	return nil
}

// SetGrid resizes a tab (dropping cells outside the new grid) and sets its
// frozen rows and columns, for test set-up. It ignores the cells limit, so
// tests can build spreadsheets close to it cheaply: cells are stored only
// when written.
func (s *Server) SetGrid(id, tab string, rows, cols, frozenRows, frozenCols int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sh, err := s.sheetLocked(id, tab)
	if err != nil {
		return err
	}
	next := *sh
	next.rows, next.cols, next.frozenRows, next.frozenCols = rows, cols, frozenRows, frozenCols
	if err := checkGrid(&next); err != nil {
		return err
	}
	sh.resize(rows, cols)
	sh.frozenRows, sh.frozenCols = frozenRows, frozenCols
	return nil
}

// AddTab adds a tab of rows × cols at the end of a spreadsheet and returns
// its sheet id, for test set-up.
func (s *Server) AddTab(id, tab string, rows, cols int, hidden bool) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.ss[id]
	if ss == nil {
		return 0, fmt.Errorf("no spreadsheet %q", id)
	}
	if err := checkTitle(ss, tab, nil); err != nil {
		return 0, err
	}
	s.nextID++
	sh := &sheet{id: s.nextID, title: tab, rows: rows, cols: cols, hidden: hidden}
	if err := checkGrid(sh); err != nil {
		return 0, err
	}
	ss.sheets = append(ss.sheets, sh)
	return sh.id, nil
}

// goValue turns Go numbers into the json.Number the parser expects.
func goValue(v any) any {
	switch x := v.(type) {
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case uint:
		return json.Number(strconv.FormatUint(uint64(x), 10))
	case uint64:
		return json.Number(strconv.FormatUint(x, 10))
	case float32:
		return json.Number(strconv.FormatFloat(float64(x), 'g', -1, 32))
	case float64:
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64))
	}
	return v
}
