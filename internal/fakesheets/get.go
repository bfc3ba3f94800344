package fakesheets

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// sheetJSON renders a sheet's properties the way Google does: fields with
// their default value (0, false, "") are left out.
func sheetJSON(sh *sheet, index int) map[string]any {
	grid := map[string]any{"rowCount": sh.rows, "columnCount": sh.cols}
	if sh.frozenRows > 0 {
		grid["frozenRowCount"] = sh.frozenRows
	}
	if sh.frozenCols > 0 {
		grid["frozenColumnCount"] = sh.frozenCols
	}
	p := map[string]any{"title": sh.title, "sheetType": "GRID", "gridProperties": grid}
	if sh.id != 0 {
		p["sheetId"] = sh.id
	}
	if index != 0 {
		p["index"] = index
	}
	if sh.hidden {
		p["hidden"] = true
	}
	return p
}

func (s *Server) handleGet(w http.ResponseWriter, ss *spreadsheet, q url.Values) {
	if q.Get("includeGridData") == "true" || len(q["ranges"]) > 0 {
		badRequest(w, "fakesheets: includeGridData and ranges are not supported")
		return
	}
	sheets := make([]any, len(ss.sheets))
	for i, sh := range ss.sheets {
		sheets[i] = map[string]any{"properties": sheetJSON(sh, i)}
	}
	resp := map[string]any{
		"spreadsheetId": ss.id,
		"properties": map[string]any{
			"title": ss.title, "locale": "en_US", "timeZone": "Etc/GMT", "autoRecalc": "ON_CHANGE",
		},
		"sheets":         sheets,
		"spreadsheetUrl": "https://docs.google.com/spreadsheets/d/" + ss.id + "/edit",
	}
	if f := q.Get("fields"); f != "" {
		mask, err := parseFieldMask(f)
		if err != nil {
			badRequest(w, "Invalid field selection "+f)
			return
		}
		if err := mask.check(""); err != nil {
			badRequest(w, err.Error())
			return
		}
		resp = mask.apply(resp).(map[string]any)
	}
	writeJSON(w, http.StatusOK, resp)
}

// fieldMask is a parsed partial-response selector such as
// "spreadsheetId,sheets(properties(sheetId,title))" or "sheets.properties".
type fieldMask struct {
	all  bool // the whole value below this node is selected
	kids map[string]*fieldMask
}

var errMask = errors.New("bad field mask")

func parseFieldMask(s string) (*fieldMask, error) {
	m := &fieldMask{}
	rest, err := m.parseList(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		return nil, err
	}
	if rest != "" {
		return nil, errMask
	}
	return m, nil
}

func (m *fieldMask) kid(name string) *fieldMask {
	if m.kids == nil {
		m.kids = map[string]*fieldMask{}
	}
	k := m.kids[name]
	if k == nil {
		k = &fieldMask{}
		m.kids[name] = k
	}
	return k
}

// parseList reads "item,item,..." into m up to a ")" or the end and returns
// the unread rest.
func (m *fieldMask) parseList(s string) (string, error) {
	for {
		i := strings.IndexAny(s, ",()")
		var path string
		if i < 0 {
			path, s = s, ""
		} else {
			path, s = s[:i], s[i:]
		}
		parts := strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '/' })
		if len(parts) == 0 {
			return "", errMask
		}
		node := m
		for _, p := range parts {
			node = node.kid(p)
		}
		if strings.HasPrefix(s, "(") {
			var err error
			if s, err = node.parseList(s[1:]); err != nil {
				return "", err
			}
			if !strings.HasPrefix(s, ")") {
				return "", errMask
			}
			s = s[1:]
		} else {
			node.all = true
		}
		switch {
		case s == "":
			return "", nil
		case s[0] == ',':
			s = s[1:]
		case s[0] == ')':
			return s, nil
		default:
			return "", errMask
		}
	}
}

var knownFields = map[string]bool{
	"spreadsheetId": true, "properties": true, "sheets": true, "spreadsheetUrl": true,
	"namedRanges": true, "developerMetadata": true, "dataSources": true,
	"title": true, "locale": true, "timeZone": true, "autoRecalc": true,
	"sheetId": true, "index": true, "sheetType": true, "gridProperties": true, "hidden": true,
	"rowCount": true, "columnCount": true, "frozenRowCount": true, "frozenColumnCount": true,
	"tabColor": true, "tabColorStyle": true, "rightToLeft": true, "data": true, "merges": true,
	"conditionalFormats": true, "protectedRanges": true, "basicFilter": true, "charts": true,
	"bandedRanges": true, "defaultFormat": true, "iterativeCalculationSettings": true,
	"spreadsheetTheme": true, "importFunctionsExternalUrlAccessAllowed": true,
	"hideGridlines": true, "rowGroupControlAfter": true, "columnGroupControlAfter": true,
	"filterViews": true, "slicers": true, "tables": true, "rowGroups": true, "columnGroups": true,
	"dataSourceSheetProperties": true,
}

// check rejects selectors naming fields a spreadsheet does not have, as
// Google does.
func (m *fieldMask) check(prefix string) error {
	for k, sub := range m.kids {
		if k != "*" && !knownFields[k] {
			return gerr("Request contains an invalid argument: cannot find field %s", prefix+k)
		}
		if err := sub.check(prefix + k + "."); err != nil {
			return err
		}
	}
	return nil
}

// apply keeps only the selected fields of v.
func (m *fieldMask) apply(v any) any {
	if m.all {
		return v
	}
	if _, star := m.kids["*"]; star {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, sub := range m.kids {
			if val, ok := x[k]; ok {
				out[k] = sub.apply(val)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = m.apply(e)
		}
		return out
	}
	return v
}
