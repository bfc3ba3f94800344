package fakeredash

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// xlsx writes a minimal one-sheet workbook of the result (inline strings).
func (s *Server) xlsx(r *QueryResult) []byte {
	cols, rows := resultData(r)
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	cell := func(v any) {
		switch x := v.(type) {
		case int:
			fmt.Fprintf(&sheet, `<c><v>%d</v></c>`, x)
		case float64:
			fmt.Fprintf(&sheet, `<c><v>%v</v></c>`, x)
		case bool:
			b := 0
			if x {
				b = 1
			}
			fmt.Fprintf(&sheet, `<c t="b"><v>%d</v></c>`, b)
		default:
			var esc bytes.Buffer
			_ = xml.EscapeText(&esc, []byte(fmt.Sprint(x)))
			fmt.Fprintf(&sheet, `<c t="inlineStr"><is><t>%s</t></is></c>`, esc.String())
		}
	}
	sheet.WriteString("<row>")
	for _, c := range cols {
		cell(c.name)
	}
	sheet.WriteString("</row>")
	for _, row := range rows {
		sheet.WriteString("<row>")
		for _, c := range cols {
			cell(row[c.name])
		}
		sheet.WriteString("</row>")
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	files := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="result" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet.String()},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			return nil
		}
		_, _ = w.Write([]byte(f.body))
	}
	_ = zw.Close()
	return buf.Bytes()
}
