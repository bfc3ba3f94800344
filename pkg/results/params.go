package results

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redashctl/redashctl/pkg/redash"
)

// Args are parameter values as a user gives them, by parameter name: one
// value, or several for a multi-value enum or dropdown. A value may also be
// written as JSON: an array for several values, an object {"start": …,
// "end": …} for a date range.
type Args map[string][]string

// ParseArgs reads name=value pairs, as --param gives them. A repeated name
// adds a value (for multi-value parameters); "name=" is the empty string.
func ParseArgs(pairs []string) (Args, error) {
	args := Args{}
	for _, p := range pairs {
		name, value, ok := strings.Cut(p, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("invalid parameter %q: use name=value", p)
		}
		args[name] = append(args[name], value)
	}
	return args, nil
}

// ParamProblem is one parameter whose value cannot be used.
type ParamProblem struct {
	// Name is the parameter's name.
	Name string
	// Problem says what is wrong and what is allowed.
	Problem string
}

// ParamError lists every parameter problem of one query at once, so that
// a user fixes them in one go.
type ParamError struct {
	QueryID  int
	Problems []ParamProblem
}

// Error returns one line naming each parameter and its problem.
func (e *ParamError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = fmt.Sprintf("parameter %q: %s", p.Name, p.Problem)
	}
	return fmt.Sprintf("query %d: %s", e.QueryID, strings.Join(parts, "; "))
}

// Resolver merges a query's saved parameter defaults with the values a user
// gives and checks every value against its parameter's definition, the way
// Redash's web app and its server check them. Redash never applies saved
// defaults itself (a run without a value fails with "Missing parameter
// value"), so every value is sent.
type Resolver struct {
	// Version is the server's version: it decides which dynamic date values
	// exist and whether parameters missing from the definitions are allowed
	// (v4–v6 do not check values). The zero Version means the newest.
	Version redash.Version
	// Now is the clock for dynamic date values ("d_yesterday", …), which
	// are computed in its time zone, as the web app computes them in the
	// browser's; nil means time.Now.
	Now func() time.Time
	// Dropdown returns the values a query-based dropdown offers (see
	// DropdownValues). It is called only for dropdown parameters that have
	// a value, at most once per backing query; nil skips that check (the
	// server still makes it).
	Dropdown func(ctx context.Context, queryID int) ([]string, error)
}

// Resolve returns the values to send for q's parameters: args over the
// saved defaults, each checked and normalised. Values are strings (text,
// enum, dropdown, dates in the parameter type's format), json.Number
// (numbers), []string (multi-value enums and dropdowns) or
// map[string]any{"start", "end"} (ranges). Every problem — an unknown name,
// a missing or bad value — is reported in one *ParamError. Parameters that
// the query's text does not use are sent only when they have a value. A
// name that the text uses but the query does not define takes any text on
// v4–v6, and on v7+ only when the query defines no parameters at all (Redash
// then checks nothing); otherwise Redash cannot run the query, which is a
// problem too.
// Errors other than *ParamError come from Dropdown (authentication, ctx).
func (r *Resolver) Resolve(ctx context.Context, q *redash.Query, args Args) (map[string]any, error) {
	used := PlaceholderNames(q.SQL)
	isUsed := map[string]bool{}
	for _, n := range used {
		isUsed[n] = true
	}
	defs := map[string]redash.Parameter{}
	var names []string
	for _, p := range q.Options.Parameters {
		if _, dup := defs[p.Name]; !dup {
			names = append(names, p.Name)
		}
		defs[p.Name] = p
	}
	// v4–v6 do not check values, and v7+ check nothing for a query that
	// defines no parameters: there, names used in the text take any text.
	freeText := !r.Version.IsZero() && !r.Version.HasResultsPost() || len(names) == 0

	var problems []ParamProblem
	add := func(name, format string, a ...any) {
		problems = append(problems, ParamProblem{Name: name, Problem: fmt.Sprintf(format, a...)})
	}
	given := slices.Sorted(maps.Keys(args))
	for _, name := range given {
		if _, ok := defs[name]; ok || freeText && isUsed[name] {
			continue
		}
		if len(names) == 0 {
			add(name, "unknown parameter: the query has no parameters")
		} else {
			add(name, "unknown parameter: the query's parameters are %s", strings.Join(names, ", "))
		}
	}

	values := map[string]any{}
	c := checker{r: r, now: r.now(), dropdowns: map[int]dropdown{}}
	for _, name := range names {
		p := defs[name]
		in, from := args[name], "value"
		if _, ok := args[name]; !ok {
			in, from = savedDefault(p), "saved default"
		}
		if len(in) == 0 && isDateType(p.Type) && useCurrentDateTime(p) {
			in, from = []string{dynamicPrefix + "now"}, "current date (useCurrentDateTime)"
		}
		if len(in) == 0 {
			if isUsed[name] {
				add(name, "no value and no saved default: give %s", c.expect(p))
			}
			continue
		}
		v, problem, err := c.check(ctx, p, in)
		if err != nil {
			return nil, err
		}
		if problem != "" {
			if from != "value" {
				problem = from + " " + problem
			}
			add(name, "%s", problem)
			continue
		}
		values[name] = v
	}
	for _, name := range used {
		if _, ok := defs[name]; ok {
			continue
		}
		if !freeText {
			add(name, "the query's text uses {{ %s }} but the query defines no such parameter, so Redash refuses to run it: add the parameter in Redash", name)
			continue
		}
		in := args[name]
		switch len(in) {
		case 0:
			add(name, "no value: give any text")
		case 1:
			values[name] = in[0]
		default:
			add(name, "takes one value, got %d", len(in))
		}
	}
	if len(problems) > 0 {
		return nil, &ParamError{QueryID: q.ID, Problems: problems}
	}
	return values, nil
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// savedDefault turns options.parameters[].value into the Args form: nil
// for none (null, "", []), the text of a scalar, the items of an array, and
// the JSON of an object (a range).
func savedDefault(p redash.Parameter) []string {
	raw := strings.TrimSpace(string(p.Value))
	if raw == "" || raw == "null" {
		return nil
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return []string{raw}
	}
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, scalarText(e))
		}
		return out
	case map[string]any:
		return []string{raw}
	default:
		return []string{scalarText(x)}
	}
}

// scalarText writes a JSON scalar as Python's str() does, which is how
// Redash compares dropdown values.
func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func useCurrentDateTime(p redash.Parameter) bool {
	var o struct {
		UseCurrentDateTime bool `json:"useCurrentDateTime"`
	}
	_ = json.Unmarshal(p.Raw, &o)
	return o.UseCurrentDateTime
}

func isDateType(t string) bool {
	return t == "date" || t == "datetime-local" || t == "datetime-with-seconds"
}

func isRangeType(t string) bool {
	return t == "date-range" || t == "datetime-range" || t == "datetime-range-with-seconds"
}

// layoutOf is the format the web app sends a date type in.
func layoutOf(t string) (layout, human string) {
	switch t {
	case "date", "date-range":
		return "2006-01-02", "YYYY-MM-DD"
	case "datetime-local", "datetime-range":
		return "2006-01-02 15:04", "YYYY-MM-DD HH:MM"
	default:
		return "2006-01-02 15:04:05", "YYYY-MM-DD HH:MM:SS"
	}
}

// isMulti reports whether an enum or dropdown parameter takes a list.
func isMulti(p redash.Parameter) bool {
	raw := strings.TrimSpace(string(p.MultiValuesOptions))
	return raw != "" && raw != "null" && raw != "false"
}

// MultiValuesOptions are how Redash joins the values of a multi-value
// parameter into the query text: prefix and suffix around each value (a
// quote, usually), separator between them (default ",").
type MultiValuesOptions struct {
	Prefix    string `json:"prefix"`
	Suffix    string `json:"suffix"`
	Separator string `json:"separator"`
}

func multiOptions(p redash.Parameter) MultiValuesOptions {
	o := MultiValuesOptions{Separator: ","}
	var raw map[string]any
	if json.Unmarshal(p.MultiValuesOptions, &raw) == nil {
		if s, ok := raw["prefix"]; ok {
			o.Prefix = fmt.Sprint(s)
		}
		if s, ok := raw["suffix"]; ok {
			o.Suffix = fmt.Sprint(s)
		}
		if s, ok := raw["separator"]; ok {
			o.Separator = fmt.Sprint(s)
		}
	}
	return o
}

type dropdown struct {
	values []string
	err    error
}

// checker checks values of one Resolve call.
type checker struct {
	r         *Resolver
	now       time.Time
	dropdowns map[int]dropdown
}

// expect says what a parameter accepts, for messages.
func (c *checker) expect(p redash.Parameter) string {
	switch {
	case p.Type == "number":
		return "a number"
	case p.Type == "enum":
		opts := enumOptions(p)
		if isMulti(p) {
			return "one or more of " + listText(opts)
		}
		return "one of " + listText(opts)
	case p.Type == "query":
		if isMulti(p) {
			return "one or more values of the dropdown's query"
		}
		return "a value of the dropdown's query"
	case isDateType(p.Type):
		_, human := layoutOf(p.Type)
		if dyn := DynamicDateValues(c.r.Version, p.Type); len(dyn) > 0 {
			return "a date " + human + " or one of " + strings.Join(dyn, ", ")
		}
		return "a date " + human
	case isRangeType(p.Type):
		_, human := layoutOf(p.Type)
		s := "a range START..END (each " + human + ")"
		if dyn := DynamicDateValues(c.r.Version, p.Type); len(dyn) > 0 {
			s += " or one of " + strings.Join(dyn, ", ")
		}
		return s
	case p.Type == "text-pattern":
		return "a text matching " + patternOf(p)
	default:
		return "a text"
	}
}

func enumOptions(p redash.Parameter) []string {
	if p.EnumOptions == "" {
		return nil
	}
	return strings.Split(p.EnumOptions, "\n")
}

// listText lists allowed values, quoted, at most 20 of them.
func listText(vals []string) string {
	if len(vals) == 0 {
		return "(no options defined)"
	}
	n := min(len(vals), 20)
	q := make([]string, n)
	for i := range n {
		q[i] = strconv.Quote(vals[i])
	}
	s := strings.Join(q, ", ")
	if len(vals) > n {
		s += fmt.Sprintf(" … (%d more)", len(vals)-n)
	}
	return s
}

func patternOf(p redash.Parameter) string {
	var o struct {
		Regex string `json:"regex"`
	}
	_ = json.Unmarshal(p.Raw, &o)
	return o.Regex
}

// check validates and normalises in (one or more values) for p. It returns
// the value to send, or a problem; err is only for failures that are not
// about the value (a dropdown lookup that could not authenticate, ctx).
func (c *checker) check(ctx context.Context, p redash.Parameter, in []string) (any, string, error) {
	multi := (p.Type == "enum" || p.Type == "query") && isMulti(p)
	if multi {
		in = expandList(in)
	} else if len(in) > 1 {
		return nil, fmt.Sprintf("takes one value, got %d (it is not a multi-value parameter)", len(in)), nil
	}
	switch {
	case p.Type == "text":
		return in[0], "", nil
	case p.Type == "text-pattern":
		pat := patternOf(p)
		re, err := regexp.Compile(`^(?:` + pat + `)$`)
		if err != nil {
			// A Python pattern Go cannot read (look-arounds, …): the
			// server still checks it.
			return in[0], "", nil
		}
		if !re.MatchString(in[0]) {
			return nil, fmt.Sprintf("%q does not match the pattern %s", in[0], pat), nil
		}
		return in[0], "", nil
	case p.Type == "number":
		n, ok := parseNumber(in[0])
		if !ok {
			return nil, fmt.Sprintf("%q is not a number", in[0]), nil
		}
		return n, "", nil
	case p.Type == "enum":
		opts := enumOptions(p)
		for _, v := range in {
			if !slices.Contains(opts, v) {
				return nil, fmt.Sprintf("%q is not %s", v, c.expect(p)), nil
			}
		}
		if multi {
			return in, "", nil
		}
		return in[0], "", nil
	case p.Type == "query":
		return c.checkDropdown(ctx, p, in, multi)
	case isDateType(p.Type):
		layout, _ := layoutOf(p.Type)
		if t, ok := dynamicDate(c.r.Version, in[0], c.now); ok {
			return t.Format(layout), "", nil
		}
		t, ok := parseTime(in[0], c.now.Location())
		if !ok {
			return nil, fmt.Sprintf("%q is not %s%s", in[0], c.expect(p), c.dynamicHint(in[0])), nil
		}
		return t.Format(layout), "", nil
	case isRangeType(p.Type):
		return c.checkRange(p, in[0])
	}
	return nil, fmt.Sprintf("its type %q is not one redashctl knows (text, text-pattern, number, enum, query, date, datetime-local, datetime-with-seconds, date-range, datetime-range, datetime-range-with-seconds)", p.Type), nil
}

// dynamicHint explains a d_ value the server's version does not know.
func (c *checker) dynamicHint(s string) string {
	if !strings.HasPrefix(s, dynamicPrefix) || hasDynamicDates(c.r.Version) {
		return ""
	}
	return fmt.Sprintf(" (dynamic date values need Redash 8 or later; this is %s)", c.r.Version)
}

// expandList turns JSON-array values (["a","b"]) into their items.
func expandList(in []string) []string {
	var out []string
	for _, v := range in {
		t := strings.TrimSpace(v)
		if strings.HasPrefix(t, "[") {
			dec := json.NewDecoder(strings.NewReader(t))
			dec.UseNumber()
			var list []any
			if err := dec.Decode(&list); err == nil {
				for _, e := range list {
					out = append(out, scalarText(e))
				}
				continue
			}
		}
		out = append(out, v)
	}
	return out
}

func (c *checker) checkDropdown(ctx context.Context, p redash.Parameter, in []string, multi bool) (any, string, error) {
	send := func() any {
		if multi {
			return in
		}
		return in[0]
	}
	if c.r.Dropdown == nil {
		return send(), "", nil
	}
	if p.QueryID == nil {
		return nil, "the dropdown names no query to take its values from", nil
	}
	qid := *p.QueryID
	d, ok := c.dropdowns[qid]
	if !ok {
		vals, err := c.r.Dropdown(ctx, qid)
		d = dropdown{values: vals, err: err}
		c.dropdowns[qid] = d
	}
	if d.err != nil {
		if errors.Is(d.err, redash.ErrUnauthorized) || ctx.Err() != nil {
			return nil, "", d.err
		}
		return nil, fmt.Sprintf("cannot check the value against the dropdown's query %d: %v", qid, d.err), nil
	}
	for _, v := range in {
		if !slices.Contains(d.values, v) {
			return nil, fmt.Sprintf("%q is not a value of the dropdown's query %d (%s)", v, qid, listText(d.values)), nil
		}
	}
	return send(), "", nil
}

func (c *checker) checkRange(p redash.Parameter, s string) (any, string, error) {
	layout, _ := layoutOf(p.Type)
	if start, end, ok := dynamicRange(c.r.Version, s, c.now); ok {
		return map[string]any{"start": start.Format(layout), "end": end.Format(layout)}, "", nil
	}
	var a, b string
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "{") {
		var o map[string]any
		if err := json.Unmarshal([]byte(t), &o); err != nil {
			return nil, fmt.Sprintf("%q is not a JSON object {\"start\": …, \"end\": …}", s), nil
		}
		var ok1, ok2 bool
		a, ok1 = o["start"].(string)
		b, ok2 = o["end"].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Sprintf("%q needs both \"start\" and \"end\" as strings", s), nil
		}
	} else {
		var ok bool
		a, b, ok = strings.Cut(t, "..")
		if !ok {
			return nil, fmt.Sprintf("%q is not %s%s", s, c.expect(p), c.dynamicHint(s)), nil
		}
	}
	start, ok1 := parseTime(a, c.now.Location())
	end, ok2 := parseTime(b, c.now.Location())
	if !ok1 || !ok2 {
		return nil, fmt.Sprintf("%q is not %s", s, c.expect(p)), nil
	}
	if end.Before(start) {
		return nil, fmt.Sprintf("%q ends before it starts", s), nil
	}
	return map[string]any{"start": start.Format(layout), "end": end.Format(layout)}, "", nil
}

var jsonNumberRE = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$`)

// parseNumber accepts a decimal number (JSON's syntax, or forms like "+5",
// ".5" and "5." that Python's float() reads) and returns it as JSON.
func parseNumber(s string) (json.Number, bool) {
	t := strings.TrimSpace(s)
	if jsonNumberRE.MatchString(t) {
		return json.Number(t), true
	}
	if t == "" || strings.ContainsAny(t, "xXpP_") {
		return "", false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", false
	}
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), true
}

// timeLayouts are the date and time forms accepted from users and saved
// defaults; a form without a zone is read in the clock's time zone.
var timeLayouts = []string{
	"2006-01-02",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
}

func parseTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.In(loc), true
	}
	return time.Time{}, false
}

// PlaceholderNames returns the parameter names a query text uses, in order
// of first use: "{{ name }}", "{{{ name }}}", "{{& name }}", "{{ name.start }}"
// (counted as "name") and sections "{{# name }}…{{/ name }}".
func PlaceholderNames(sql string) []string {
	var names []string
	seen := map[string]bool{}
	for _, t := range scanTemplate(sql) {
		if t.kind == tagText || t.kind == tagComment || t.kind == tagClose {
			continue
		}
		name, _, _ := strings.Cut(t.key, ".")
		if name != "" && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}
