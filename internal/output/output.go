// Package output renders command results as table, json, csv or yaml. The
// json, csv and yaml forms are contracts documented in docs/output.md.
package output

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"go.yaml.in/yaml/v3"
)

// Format is an output format.
type Format string

// The output formats.
const (
	Table    Format = "table"
	JSON     Format = "json"
	CSV      Format = "csv"
	YAML     Format = "yaml"
	Markdown Format = "markdown"
)

// Standard is the set of formats every listing command offers.
var Standard = []Format{Table, JSON, CSV, YAML}

// Parse checks s against the allowed formats.
func Parse(s string, allowed ...Format) (Format, error) {
	if len(allowed) == 0 {
		allowed = Standard
	}
	for _, f := range allowed {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
	}
	names := make([]string, len(allowed))
	for i, f := range allowed {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown output format %q: use one of %s", s, strings.Join(names, ", "))
}

// Machine reports whether f is meant for programs rather than people.
func (f Format) Machine() bool { return f != Table && f != Markdown }

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteYAML writes v as YAML with the same field names and order as its JSON
// form, so one set of struct tags serves both contracts.
func WriteYAML(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		return err
	}
	blockStyle(&node)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return err
	}
	return enc.Close()
}

// blockStyle drops the flow style and quoting that JSON input produces; the
// encoder still quotes strings that would otherwise read as another type.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// WriteCSV writes a header and rows.
func WriteCSV(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// TableOptions control how a table is drawn.
type TableOptions struct {
	// Width is the terminal width to fit; 0 means do not fit.
	Width int
	// Wrap lets long cells wrap instead of being truncated with "…".
	Wrap bool
}

// WriteTable writes an aligned table. With a Width, the widest columns are
// truncated so that the table fits.
func WriteTable(w io.Writer, header []string, rows [][]string, o TableOptions) error {
	if o.Width > 0 {
		rows = fit(header, rows, o.Width)
	}
	var buf bytes.Buffer
	t := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders: tw.BorderNone,
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
				Lines:      tw.Lines{ShowHeaderLine: tw.Off},
			},
			Symbols: tw.NewSymbols(tw.StyleNone),
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: "  "}),
	)
	t.Header(toAny(header)...)
	for _, r := range rows {
		if err := t.Append(toAny(r)...); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	// Trailing padding is noise in golden files and terminals alike.
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	return nil
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// fit truncates the widest columns until the rows fit in width.
func fit(header []string, rows [][]string, width int) [][]string {
	n := len(header)
	widths := make([]int, n)
	for i, h := range header {
		widths[i] = runeLen(h)
	}
	for _, r := range rows {
		for i := 0; i < n && i < len(r); i++ {
			widths[i] = max(widths[i], runeLen(r[i]))
		}
	}
	const gap, minCol = 2, 6
	total := func() int {
		s := 0
		for _, w := range widths {
			s += w + gap
		}
		return s
	}
	for total() > width {
		widest := 0
		for i := range widths {
			if widths[i] > widths[widest] {
				widest = i
			}
		}
		if widths[widest] <= minCol {
			break
		}
		widths[widest]--
	}
	out := make([][]string, len(rows))
	for ri, r := range rows {
		nr := make([]string, len(r))
		for i, c := range r {
			if i < n {
				c = truncate(c, widths[i])
			}
			nr[i] = c
		}
		out[ri] = nr
	}
	return out
}

func runeLen(s string) int { return len([]rune(s)) }

func truncate(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w <= 1 {
		return string(r[:w])
	}
	return string(r[:w-1]) + "…"
}
