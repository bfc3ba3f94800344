package fakesheets

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Number formats the fake gives to values parsed from USER_ENTERED text.
var (
	fmtDate     = NumberFormat{Type: "DATE", Pattern: "yyyy-mm-dd"}
	fmtDateTime = NumberFormat{Type: "DATE_TIME", Pattern: "yyyy-mm-dd hh:mm:ss"}
	fmtUSDate   = NumberFormat{Type: "DATE", Pattern: "M/d/yyyy"}
	fmtPercent  = NumberFormat{Type: "PERCENT", Pattern: "0.00%"}
)

// serialEpoch is day 0 of Google's serial dates: December 30th 1899.
var serialEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// toSerial turns a wall-clock time (read in UTC) into a serial number.
func toSerial(t time.Time) float64 {
	secs := t.Unix() - serialEpoch.Unix()
	return float64(secs)/86400 + float64(t.Nanosecond())/86400e9
}

// fromSerial turns a serial number into a UTC time, rounded to the
// millisecond.
func fromSerial(v float64) time.Time {
	ms := int64(math.Round(v * 86400 * 1000))
	return time.UnixMilli(serialEpoch.UnixMilli() + ms).UTC()
}

// inputError is a 400 about one input value.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

// parseInput turns one JSON value of a ValueRange into a cell. skip is true
// for null, which leaves the cell unchanged.
func (s *Server) parseInput(v any, userEntered bool) (c cell, skip bool, err error) {
	switch x := v.(type) {
	case nil:
		return cell{}, true, nil
	case bool:
		return boolCell(x), false, nil
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return cell{}, false, &inputError{fmt.Sprintf("Invalid value %q", x.String())}
		}
		return cell{k: kNum, n: f}, false, nil
	case string:
		if n := charCount(x); n > s.maxCellChars {
			return cell{}, false, &inputError{fmt.Sprintf(
				"Your input contains more than the maximum of %d characters in a single cell.", s.maxCellChars)}
		}
		if !userEntered {
			if x == "" {
				return cell{}, false, nil
			}
			return cell{k: kStr, s: x}, false, nil
		}
		return s.parseUserEntered(x), false, nil
	case map[string]any:
		return cell{}, false, &inputError{"Invalid values[][]: struct_value"}
	case []any:
		return cell{}, false, &inputError{"Invalid values[][]: list_value"}
	}
	return cell{}, false, &inputError{fmt.Sprintf("Invalid value of type %T", v)}
}

func boolCell(b bool) cell {
	if b {
		return cell{k: kBool, n: 1}
	}
	return cell{k: kBool}
}

var (
	numberRE  = regexp.MustCompile(`^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$`)
	percentRE = regexp.MustCompile(`^[+-]?(\d+(\.\d*)?|\.\d+)%$`)
	usDateRE  = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)
)

// parseUserEntered parses text as if typed into the Sheets UI (en_US
// locale): formulas, booleans, numbers, percentages and dates; anything
// else stays text. A leading apostrophe forces text.
func (s *Server) parseUserEntered(x string) cell {
	if x == "" {
		return cell{}
	}
	if strings.HasPrefix(x, "'") {
		if x == "'" {
			return cell{}
		}
		return cell{k: kStr, s: x[1:]}
	}
	if len(x) > 1 && x[0] == '=' {
		return cell{k: kFormula, s: x}
	}
	t := strings.TrimSpace(x)
	switch strings.ToUpper(t) {
	case "TRUE":
		return boolCell(true)
	case "FALSE":
		return boolCell(false)
	}
	if t != "" && t != "." && numberRE.MatchString(t) && strings.ContainsAny(t, "0123456789") {
		if f, err := strconv.ParseFloat(strings.ReplaceAll(t, ",", ""), 64); err == nil {
			return cell{k: kNum, n: f}
		}
	}
	if percentRE.MatchString(t) {
		if f, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64); err == nil {
			return cell{k: kNum, n: f / 100, f: s.fmtIndex(fmtPercent)}
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if tm, err := time.Parse(layout, t); err == nil {
			return cell{k: kNum, n: toSerial(tm), f: s.fmtIndex(fmtDateTime)}
		}
	}
	if tm, err := time.Parse("2006-01-02", t); err == nil {
		return cell{k: kNum, n: toSerial(tm), f: s.fmtIndex(fmtDate)}
	}
	if m := usDateRE.FindStringSubmatch(t); m != nil {
		mo, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		y, _ := strconv.Atoi(m[3])
		tm := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if tm.Day() == d && int(tm.Month()) == mo {
			return cell{k: kNum, n: toSerial(tm), f: s.fmtIndex(fmtUSDate)}
		}
	}
	return cell{k: kStr, s: x}
}

// render turns a cell into a JSON value for values.get.
func (s *Server) render(c cell, valueRender, dateRender string) any {
	switch valueRender {
	case "FORMULA":
		switch c.k {
		case kFormula:
			return c.s
		case kNum:
			return c.n
		case kBool:
			return c.n != 0
		case kStr:
			return c.s
		}
		return ""
	case "UNFORMATTED_VALUE":
		switch c.k {
		case kNum:
			nf := s.fmts[c.f]
			if dateRender == "FORMATTED_STRING" && isDateFormat(nf) {
				return formatNumber(c.n, nf)
			}
			return c.n
		case kBool:
			return c.n != 0
		case kStr:
			return c.s
		}
		return ""
	}
	switch c.k {
	case kNum:
		return formatNumber(c.n, s.fmts[c.f])
	case kBool:
		if c.n != 0 {
			return "TRUE"
		}
		return "FALSE"
	case kStr:
		return c.s
	}
	return ""
}

func isDateFormat(nf NumberFormat) bool {
	return nf.Type == "DATE" || nf.Type == "DATE_TIME" || nf.Type == "TIME"
}

// formatNumber renders a number under a format, covering the patterns the
// fake itself produces and the common date tokens.
func formatNumber(v float64, nf NumberFormat) string {
	switch {
	case isDateFormat(nf):
		return formatDate(fromSerial(v), nf.Pattern)
	case nf.Type == "PERCENT":
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 15, 64)
}

// formatDate renders t with a Sheets date pattern (yyyy, mm, dd, M, d, hh,
// mm after an hour, ss); other characters are copied.
func formatDate(t time.Time, pattern string) string {
	if pattern == "" {
		pattern = "yyyy-mm-dd hh:mm:ss"
	}
	var b strings.Builder
	afterHour := false
	for i := 0; i < len(pattern); {
		rest := pattern[i:]
		tok := ""
		for _, cand := range []string{"yyyy", "yy", "mm", "m", "dd", "d", "hh", "h", "ss", "s", "MM", "M"} {
			if strings.HasPrefix(strings.ToLower(rest), strings.ToLower(cand)) && strings.HasPrefix(rest, cand) {
				tok = cand
				break
			}
		}
		switch tok {
		case "yyyy":
			fmt.Fprintf(&b, "%04d", t.Year())
		case "yy":
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case "mm", "MM":
			if afterHour {
				fmt.Fprintf(&b, "%02d", t.Minute())
			} else {
				fmt.Fprintf(&b, "%02d", int(t.Month()))
			}
		case "m", "M":
			if afterHour {
				fmt.Fprintf(&b, "%d", t.Minute())
			} else {
				fmt.Fprintf(&b, "%d", int(t.Month()))
			}
		case "dd":
			fmt.Fprintf(&b, "%02d", t.Day())
		case "d":
			fmt.Fprintf(&b, "%d", t.Day())
		case "hh":
			fmt.Fprintf(&b, "%02d", t.Hour())
			afterHour = true
		case "h":
			fmt.Fprintf(&b, "%d", t.Hour())
			afterHour = true
		case "ss":
			fmt.Fprintf(&b, "%02d", t.Second())
		case "s":
			fmt.Fprintf(&b, "%d", t.Second())
		default:
			b.WriteByte(pattern[i])
			i++
			continue
		}
		i += len(tok)
	}
	return b.String()
}
