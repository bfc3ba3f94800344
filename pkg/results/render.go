package results

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/redashctl/redashctl/pkg/redash"
)

// Redash v4–v6 run ad-hoc SQL: their web app filled the parameters into the
// query's Mustache text itself and posted the result to /api/query_results.
// Render does the same for those versions. (From v7 the server renders,
// with HTML escaping turned off; Render does not escape either, unlike the
// v4–v6 web app, whose Mustache.js turned quotes into HTML entities.)

type tagKind int

const (
	tagText    tagKind = iota
	tagVar             // {{ name }}
	tagRaw             // {{{ name }}} or {{& name }}
	tagComment         // {{! … }}
	tagSection         // {{# name }} or {{^ name }}
	tagClose           // {{/ name }}
	tagOther           // partials and delimiter changes
)

type tag struct {
	kind tagKind
	key  string // the name, trimmed
	text string // the source text
}

// scanTemplate splits a Mustache text into literal text and tags. An
// unclosed "{{" is text.
func scanTemplate(s string) []tag {
	var out []tag
	for s != "" {
		i := strings.Index(s, "{{")
		if i < 0 {
			out = append(out, tag{kind: tagText, text: s})
			break
		}
		if i > 0 {
			out = append(out, tag{kind: tagText, text: s[:i]})
		}
		rest := s[i:]
		closer := "}}"
		if strings.HasPrefix(rest, "{{{") {
			closer = "}}}"
		}
		j := strings.Index(rest[2:], closer)
		if j < 0 {
			out = append(out, tag{kind: tagText, text: rest})
			break
		}
		end := 2 + j + len(closer)
		src := rest[:end]
		inner := rest[2 : 2+j]
		t := tag{text: src}
		switch {
		case closer == "}}}":
			t.kind, t.key = tagRaw, strings.TrimSpace(inner[1:])
		case strings.HasPrefix(inner, "&"):
			t.kind, t.key = tagRaw, strings.TrimSpace(inner[1:])
		case strings.HasPrefix(inner, "!"):
			t.kind = tagComment
		case strings.HasPrefix(inner, "#"), strings.HasPrefix(inner, "^"):
			t.kind, t.key = tagSection, strings.TrimSpace(inner[1:])
		case strings.HasPrefix(inner, "/"):
			t.kind, t.key = tagClose, strings.TrimSpace(inner[1:])
		case strings.HasPrefix(inner, ">"), strings.HasPrefix(inner, "="):
			t.kind = tagOther
		default:
			t.kind, t.key = tagVar, strings.TrimSpace(inner)
		}
		out = append(out, t)
		s = rest[end:]
	}
	return out
}

// Render fills values (as Resolve returns them) into a query's Mustache
// text: "{{ name }}" gets the value, "{{ name.start }}" and "{{ name.end }}"
// a range's ends, and a multi-value parameter its values joined as its
// multiValuesOptions say (prefix and suffix around each, separator
// between). Comments are dropped. Sections, partials and delimiter changes
// are refused: redashctl cannot fill them in as Redash would.
func Render(sql string, params []redash.Parameter, values map[string]any) (string, error) {
	defs := map[string]redash.Parameter{}
	for _, p := range params {
		defs[p.Name] = p
	}
	var b strings.Builder
	for _, t := range scanTemplate(sql) {
		switch t.kind {
		case tagText:
			b.WriteString(t.text)
		case tagComment:
		case tagVar, tagRaw:
			s, err := renderValue(t.key, defs, values)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		default:
			return "", fmt.Errorf("the query's text uses %s, which redashctl cannot fill in for this Redash version (only {{ name }} tags)", t.text)
		}
	}
	return b.String(), nil
}

func renderValue(key string, defs map[string]redash.Parameter, values map[string]any) (string, error) {
	name, field, _ := strings.Cut(key, ".")
	v, ok := values[name]
	if !ok {
		return "", fmt.Errorf("no value for {{ %s }}", key)
	}
	if field != "" {
		m, ok := v.(map[string]any)
		if !ok {
			return "", fmt.Errorf("{{ %s }}: parameter %q is not a range", key, name)
		}
		if v, ok = m[field]; !ok {
			return "", fmt.Errorf("{{ %s }}: a range has only start and end", key)
		}
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case []string:
		o := multiOptions(defs[name])
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = o.Prefix + s + o.Suffix
		}
		return strings.Join(parts, o.Separator), nil
	case map[string]any:
		return "", fmt.Errorf("{{ %s }}: a range needs {{ %s.start }} and {{ %s.end }}", key, name, name)
	default:
		return fmt.Sprint(x), nil
	}
}
