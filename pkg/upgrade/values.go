package upgrade

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var (
	py2Int = regexp.MustCompile(`^[+-]?[0-9]+$`)
	py3Int = regexp.MustCompile(`^[+-]?[0-9](_?[0-9])*$`)
)

// pyInt reports whether Python's int() accepts s (surrounding whitespace is allowed; Python 3
// also allows single underscores between digits).
func pyInt(s string, python3 bool) bool {
	s = strings.TrimSpace(s)
	if python3 {
		return py3Int.MatchString(s)
	}
	return py2Int.MatchString(s)
}

// checkValue reports why value does not parse for setting s in release v, or "" when it does;
// severity says whether Redash fails (error) or misreads or ignores the value (warning).
func checkValue(v *Version, s Setting, value string) (problem, severity string) {
	python3 := !strings.HasPrefix(v.Python, "2.")
	parser := s.Parser
	switch {
	case parser == "parse_boolean":
		if v.BooleanParser == "json" {
			var x any
			if err := json.Unmarshal([]byte(strings.ToLower(value)), &x); err != nil {
				return fmt.Sprintf("%q is not a boolean: %s parses it as JSON (true or false) and stops at start-up", value, v.Tag), SeverityError
			}
			switch x.(type) {
			case bool, float64, nil:
				return "", ""
			}
			return fmt.Sprintf("%q is not a boolean: %s takes its JSON value as is; use true or false", value, v.Tag), SeverityWarning
		}
		switch strings.ToLower(strings.TrimSpace(value)) {
		case "yes", "true", "on", "1", "no", "false", "off", "0", "none":
			return "", ""
		}
		return fmt.Sprintf("%q is not a boolean: %s accepts yes/true/on/1 or no/false/off/0/none and stops at start-up otherwise", value, v.Tag), SeverityError
	case parser == "int" || parser == "int_or_none":
		if !pyInt(value, python3) {
			return fmt.Sprintf("%q is not an integer: the server stops at start-up", value), SeverityError
		}
	case parser == "float":
		if _, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(value), "_", ""), 64); err != nil {
			return fmt.Sprintf("%q is not a number: the server stops at start-up", value), SeverityError
		}
	case strings.HasPrefix(parser, "array_from_string | map(int)"):
		for _, item := range strings.Split(value, ",") {
			if item == "" {
				continue
			}
			if !pyInt(item, python3) {
				return fmt.Sprintf("%q is not a comma-separated list of integers (%q): the server stops at start-up", value, item), SeverityError
			}
		}
	case strings.HasPrefix(parser, "cast_int_or_default("):
		if !pyInt(value, python3) {
			def := strings.TrimSuffix(strings.TrimPrefix(parser, "cast_int_or_default(_, "), ")")
			return fmt.Sprintf("%q is not an integer: it is ignored and %s is used", value, def), SeverityWarning
		}
	}
	return "", ""
}

// checkEntrypointValue checks a variable read by bin/docker-entrypoint.
func checkEntrypointValue(kind, value string) string {
	n, err := strconv.Atoi(strings.TrimSpace(value))
	switch kind {
	case "positive_int":
		if err != nil {
			return fmt.Sprintf("%q is not a number", value)
		}
		if n < 1 {
			return fmt.Sprintf("%q starts no process", value)
		}
	case "int":
		if err != nil {
			return fmt.Sprintf("%q is not a number", value)
		}
	}
	return ""
}

// distance is the optimal string alignment distance (Levenshtein plus adjacent
// transpositions).
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// suggest returns the candidates closest to name (all of them when several are equally
// close, sorted), if they are close enough to be a likely typo.
func suggest(name string, candidates []string) []string {
	var best []string
	bestD := -1
	for _, c := range candidates {
		d := distance(name, c)
		switch {
		case bestD < 0 || d < bestD:
			best, bestD = []string{c}, d
		case d == bestD:
			best = append(best, c)
		}
	}
	if bestD < 0 || bestD > 3 || bestD*5 > len(name) {
		return nil
	}
	sort.Strings(best)
	return best
}
