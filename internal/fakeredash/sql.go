package fakeredash

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// normalizeSQL is the audit's notion of "the same SQL": whitespace
// collapsed, case folded (issue 3, duplicate rule).
func normalizeSQL(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

var sqlComments = regexp.MustCompile(`(?s)/\*.*?\*/|--[^\n]*`)

// hashSQL mimics Redash's gen_query_hash: comments removed, all whitespace
// removed, lower-cased, md5.
func hashSQL(sql string) string {
	sql = sqlComments.ReplaceAllString(sql, "")
	sql = strings.ToLower(strings.Join(strings.Fields(sql), ""))
	sum := md5.Sum([]byte(sql))
	return hex.EncodeToString(sum[:])
}

// queryHash is a saved query's query_hash: of the raw template up to v8,
// of the template with the saved defaults applied from v10 (§10.3).
func queryHash(d *dialect, sql string, params []Parameter) string {
	if d.major >= 10 && len(params) > 0 {
		return hashSQL(renderDefaults(sql, params))
	}
	return hashSQL(sql)
}

var placeholderRE = regexp.MustCompile(`\{\{\s*([^{}\s]+?)\s*\}\}`)

// placeholderNames lists the parameter names used in sql, in order of
// first appearance ("period.start" counts as "period").
func placeholderNames(sql string) []string {
	var names []string
	seen := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(sql, -1) {
		name, _, _ := strings.Cut(m[1], ".")
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

// renderDefaults renders sql with the parameters' saved default values.
func renderDefaults(sql string, params []Parameter) string {
	vals := map[string]any{}
	for _, p := range params {
		var v any
		if len(p.Value) > 0 && json.Unmarshal(p.Value, &v) == nil && v != nil {
			vals[p.Name] = v
		}
	}
	return renderSQL(sql, vals)
}

// renderSQL substitutes Mustache placeholders; unknown names are left
// as they are.
func renderSQL(sql string, vals map[string]any) string {
	if !strings.Contains(sql, "{{") {
		return sql
	}
	return placeholderRE.ReplaceAllStringFunc(sql, func(m string) string {
		sub := placeholderRE.FindStringSubmatch(m)
		name, field, _ := strings.Cut(sub[1], ".")
		v, ok := vals[name]
		if !ok {
			return m
		}
		if field != "" {
			if obj, ok := v.(map[string]any); ok {
				v, ok = obj[field]
				if !ok {
					return m
				}
			}
		}
		return valueText(v)
	})
}

func valueText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = "'" + valueText(e) + "'"
		}
		return strings.Join(parts, ",")
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// parseParameters reads options.parameters; a bad shape yields none.
func parseParameters(opts json.RawMessage) []Parameter {
	var o struct {
		Parameters []struct {
			Name        string          `json:"name"`
			Title       string          `json:"title"`
			Type        string          `json:"type"`
			Value       json.RawMessage `json:"value"`
			EnumOptions string          `json:"enumOptions"`
			QueryID     json.RawMessage `json:"queryId"`
			Multi       json.RawMessage `json:"multiValuesOptions"`
		} `json:"parameters"`
	}
	if len(opts) == 0 || json.Unmarshal(opts, &o) != nil {
		return nil
	}
	out := make([]Parameter, 0, len(o.Parameters))
	for _, p := range o.Parameters {
		qp := Parameter{Name: p.Name, Title: p.Title, Type: p.Type, Value: cloneRaw(p.Value), EnumOptions: p.EnumOptions}
		if len(p.QueryID) > 0 {
			var n json.Number
			if json.Unmarshal(p.QueryID, &n) == nil {
				if v, err := strconv.Atoi(n.String()); err == nil {
					qp.QueryID = v
				}
			} else {
				var s string
				if json.Unmarshal(p.QueryID, &s) == nil {
					qp.QueryID, _ = strconv.Atoi(s)
				}
			}
		}
		qp.Multi = len(p.Multi) > 0 && string(p.Multi) != "null" && string(p.Multi) != "false"
		out = append(out, qp)
	}
	return out
}

// isSafe: a query with no text parameters (§10.3).
func isSafe(params []Parameter) bool {
	for _, p := range params {
		if p.Type == "text" {
			return false
		}
	}
	return true
}

// invalidParams returns the names whose values do not fit their
// definitions (v7+ validation of POST .../results, §10.3, §17).
func invalidParams(d *dialect, params []Parameter, vals map[string]any) []string {
	defs := map[string]Parameter{}
	for _, p := range params {
		defs[p.Name] = p
	}
	var bad []string
	for name, v := range vals {
		p, ok := defs[name]
		if !ok || !validParam(d, p, v) {
			bad = append(bad, name)
		}
	}
	sortStrings(bad)
	return bad
}

func validParam(d *dialect, p Parameter, v any) bool {
	str, isStr := v.(string)
	switch p.Type {
	case "text":
		return isStr
	case "text-pattern":
		return isStr && d.major >= 25
	case "number":
		switch x := v.(type) {
		case float64:
			return true
		case string:
			_, err := strconv.ParseFloat(x, 64)
			return err == nil
		}
		return false
	case "enum":
		opts := strings.Split(p.EnumOptions, "\n")
		check := func(s string) bool {
			for _, o := range opts {
				if o == s {
					return true
				}
			}
			return false
		}
		if list, ok := v.([]any); ok && p.Multi {
			for _, e := range list {
				s, ok := e.(string)
				if !ok || !check(s) {
					return false
				}
			}
			return true
		}
		return isStr && check(str)
	case "query":
		_, isNum := v.(float64)
		_, isList := v.([]any)
		return isStr || isNum || isList
	case "date":
		return isStr && parses("2006-01-02", str)
	case "datetime-local":
		return isStr && parses("2006-01-02 15:04", str)
	case "datetime-with-seconds":
		return isStr && parses("2006-01-02 15:04:05", str)
	case "date-range", "datetime-range", "datetime-range-with-seconds":
		obj, ok := v.(map[string]any)
		if !ok {
			return false
		}
		layout := map[string]string{"date-range": "2006-01-02", "datetime-range": "2006-01-02 15:04", "datetime-range-with-seconds": "2006-01-02 15:04:05"}[p.Type]
		st, ok1 := obj["start"].(string)
		en, ok2 := obj["end"].(string)
		return ok1 && ok2 && parses(layout, st) && parses(layout, en)
	}
	return false
}

func parses(layout, s string) bool {
	_, err := time.Parse(layout, s)
	return err == nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// missingParams lists placeholders without a value, in template order
// ("Missing parameter value for: a, b", §17).
func missingParams(sql string, vals map[string]any) []string {
	var out []string
	for _, n := range placeholderNames(sql) {
		if _, ok := vals[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}

// sampleValue returns a plausible value for a parameter, for generated
// execute_query events.
func sampleValue(p Parameter, k int) any {
	switch p.Type {
	case "number":
		return float64(50 * (1 + k%20))
	case "enum":
		opts := strings.Split(p.EnumOptions, "\n")
		return opts[k%len(opts)]
	case "date":
		return fmt.Sprintf("2025-%02d-01", 1+k%12)
	case "date-range":
		m := 1 + k%11
		return map[string]any{"start": fmt.Sprintf("2025-%02d-01", m), "end": fmt.Sprintf("2025-%02d-01", m+1)}
	case "query":
		return []string{"Sales", "Marketing", "Ops", "Finance"}[k%4]
	default:
		return []string{"acme", "globex", "initech", "umbrella", "hooli"}[k%5]
	}
}
