package fakesheets

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// a1Range is a parsed A1 range: a sheet title and a half-open cell window.
// An end of -1 means unbounded.
type a1Range struct {
	title      string // "" = the first sheet
	r0, c0     int
	r1, c1     int
	singleCell bool // "A5": a starting point, not a bounded window
}

var errBadRange = errors.New("bad range")

// parseA1 parses "Sheet1", "'My tab'!A1:B2", "Tab!A:C", "Tab!3:4", "A5" and
// similar forms.
func parseA1(s string) (a1Range, error) {
	rg := a1Range{r1: -1, c1: -1}
	rest := s
	switch {
	case strings.HasPrefix(s, "'"):
		var title strings.Builder
		i := 1
		for {
			if i >= len(s) {
				return rg, errBadRange
			}
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					title.WriteByte('\'')
					i += 2
					continue
				}
				i++
				break
			}
			title.WriteByte(s[i])
			i++
		}
		rg.title = title.String()
		if rg.title == "" {
			return rg, errBadRange
		}
		rest = s[i:]
		if rest == "" {
			return rg, nil
		}
		if rest[0] != '!' {
			return rg, errBadRange
		}
		rest = rest[1:]
	case strings.Contains(s, "!"):
		i := strings.LastIndex(s, "!")
		rg.title, rest = s[:i], s[i+1:]
		if rg.title == "" {
			return rg, errBadRange
		}
	default:
		if _, err := parseCells(s, &rg); err == nil {
			return rg, nil
		}
		rg = a1Range{title: s, r1: -1, c1: -1}
		return rg, nil
	}
	if rest == "" {
		return rg, errBadRange
	}
	if _, err := parseCells(rest, &rg); err != nil {
		return rg, err
	}
	return rg, nil
}

var cellRefRE = regexp.MustCompile(`^\$?([A-Za-z]{0,3})\$?([0-9]{0,7})$`)

type cellRef struct {
	col, row int // -1 when absent
}

func parseRef(s string) (cellRef, error) {
	m := cellRefRE.FindStringSubmatch(s)
	if m == nil || (m[1] == "" && m[2] == "") {
		return cellRef{}, errBadRange
	}
	ref := cellRef{col: -1, row: -1}
	if m[1] != "" {
		ref.col = colIndex(m[1])
	}
	if m[2] != "" {
		n, err := strconv.Atoi(m[2])
		if err != nil || n < 1 {
			return cellRef{}, errBadRange
		}
		ref.row = n - 1
	}
	return ref, nil
}

// parseCells fills rg's window from "A1", "A1:B2", "A:B", "1:2" or "A5:B".
func parseCells(s string, rg *a1Range) (bool, error) {
	a, b, two := strings.Cut(s, ":")
	ra, err := parseRef(a)
	if err != nil {
		return false, err
	}
	if !two {
		if ra.col < 0 || ra.row < 0 {
			return false, errBadRange
		}
		rg.r0, rg.c0, rg.r1, rg.c1 = ra.row, ra.col, ra.row+1, ra.col+1
		rg.singleCell = true
		return true, nil
	}
	rb, err := parseRef(b)
	if err != nil {
		return false, err
	}
	switch {
	case ra.col >= 0 && ra.row >= 0: // A1:B2, A5:B, A5:7
		rg.r0, rg.c0 = ra.row, ra.col
		rg.c1, rg.r1 = -1, -1
		if rb.col >= 0 {
			rg.c1 = rb.col + 1
		}
		if rb.row >= 0 {
			rg.r1 = rb.row + 1
		}
	case ra.col >= 0: // A:B
		if rb.col < 0 {
			return false, errBadRange
		}
		rg.r0, rg.c0, rg.c1 = 0, ra.col, rb.col+1
		rg.r1 = -1
		if rb.row >= 0 {
			rg.r1 = rb.row + 1
		}
	default: // 1:2
		if rb.row < 0 || rb.col >= 0 {
			return false, errBadRange
		}
		rg.r0, rg.c0, rg.r1, rg.c1 = ra.row, 0, rb.row+1, -1
	}
	if (rg.r1 >= 0 && rg.r1 <= rg.r0) || (rg.c1 >= 0 && rg.c1 <= rg.c0) {
		// Google accepts reversed corners; normalise them.
		if rg.r1 >= 0 && rg.r1 <= rg.r0 {
			rg.r0, rg.r1 = rg.r1-1, rg.r0+1
		}
		if rg.c1 >= 0 && rg.c1 <= rg.c0 {
			rg.c0, rg.c1 = rg.c1-1, rg.c0+1
		}
	}
	return true, nil
}

func colIndex(letters string) int {
	n := 0
	for _, ch := range strings.ToUpper(letters) {
		n = n*26 + int(ch-'A'+1)
	}
	return n - 1
}

// colName turns a 0-based column index into letters (0 → A, 26 → AA).
func colName(c int) string {
	var b []byte
	for c++; c > 0; c = (c - 1) / 26 {
		b = append([]byte{byte('A' + (c-1)%26)}, b...)
	}
	return string(b)
}

var plainTitleRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// quoteTitle quotes a sheet title for A1 notation when Google would.
func quoteTitle(t string) string {
	if plainTitleRE.MatchString(t) {
		if _, err := parseRef(t); err != nil {
			return t
		}
	}
	return "'" + strings.ReplaceAll(t, "'", "''") + "'"
}

// formatA1 renders title!A1:B2 for a window with bounded ends.
func formatA1(title string, r0, c0, r1, c1 int) string {
	s := quoteTitle(title) + "!" + colName(c0) + strconv.Itoa(r0+1)
	if r1-r0 > 1 || c1-c0 > 1 {
		s += ":" + colName(c1-1) + strconv.Itoa(r1)
	}
	return s
}
