package results

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/pkg/redash"
)

func testQuery(t *testing.T, sql, params string) *redash.Query {
	t.Helper()
	var q redash.Query
	raw := `{"id": 42, "query": ` + strconv.Quote(sql) + `, "data_source_id": 1, "options": {"parameters": ` + params + `}}`
	require.NoError(t, json.Unmarshal([]byte(raw), &q))
	return &q
}

func TestParseArgs(t *testing.T) {
	args, err := ParseArgs([]string{"a=1", "b=x=y", "a=2", "c=", " d =v"})
	require.NoError(t, err)
	assert.Equal(t, Args{"a": {"1", "2"}, "b": {"x=y"}, "c": {""}, "d": {"v"}}, args)
	for _, bad := range []string{"novalue", "=x", " =x"} {
		_, err := ParseArgs([]string{bad})
		assert.EqualError(t, err, "invalid parameter "+strconv.Quote(bad)+": use name=value")
	}
}

// One parameter of each type, with a saved default.
const allTypes = `[
 {"name": "t", "title": "T", "type": "text", "value": "hello"},
 {"name": "tp", "type": "text-pattern", "regex": "[a-z]+[0-9]?", "value": "abc"},
 {"name": "n", "type": "number", "value": 10},
 {"name": "e", "type": "enum", "enumOptions": "EMEA\nAMER\nAPAC", "value": "EMEA"},
 {"name": "em", "type": "enum", "enumOptions": "a\nb\nc", "value": ["a", "b"], "multiValuesOptions": {"prefix": "'", "suffix": "'", "separator": ","}},
 {"name": "qd", "type": "query", "queryId": 7, "value": "Sales"},
 {"name": "qm", "type": "query", "queryId": 7, "value": ["Sales"], "multiValuesOptions": {"separator": "|"}},
 {"name": "d", "type": "date", "value": "2025-01-02"},
 {"name": "dl", "type": "datetime-local", "value": "2025-01-02 10:20"},
 {"name": "ds", "type": "datetime-with-seconds", "value": "2025-01-02 10:20:30"},
 {"name": "dr", "type": "date-range", "value": {"start": "2025-01-01", "end": "2025-01-31"}},
 {"name": "dtr", "type": "datetime-range", "value": "d_last_week"},
 {"name": "dsr", "type": "datetime-range-with-seconds", "value": {"start": "2025-01-01 00:00:00", "end": "2025-01-31 23:59:59"}}
]`

const allTypesSQL = `select {{ t }}, '{{ tp }}', {{ n }}, '{{ e }}', {{ em }}, '{{ qd }}', {{ qm }}, '{{ d }}', '{{ dl }}', '{{ ds }}',
 '{{ dr.start }}'..'{{ dr.end }}', '{{ dtr.start }}', '{{ dtr.end }}', '{{ dsr.start }}', '{{dsr.end}}'`

type dropdownCalls struct{ calls map[int]int }

func (d *dropdownCalls) fn(ctx context.Context, id int) ([]string, error) {
	if d.calls == nil {
		d.calls = map[int]int{}
	}
	d.calls[id]++
	switch id {
	case 7:
		return []string{"Sales", "Marketing", "Ops", "10"}, nil
	case 8:
		return nil, errors.New("query 8 has no result yet (or this API key cannot see it): run it in Redash first")
	case 9:
		return nil, &redash.AuthError{StatusCode: 404, Method: "GET", URL: "/api/queries/9/results.json", Hint: "check the key"}
	}
	return nil, redash.ErrNotFound
}

func resolver(version string, d *dropdownCalls) *Resolver {
	r := &Resolver{Version: redash.MustParseVersion(version), Now: func() time.Time { return clock }}
	if d != nil {
		r.Dropdown = d.fn
	}
	return r
}

func TestResolveDefaults(t *testing.T) {
	var d dropdownCalls
	q := testQuery(t, allTypesSQL, allTypes)
	got, err := resolver("10.1.0", &d).Resolve(context.Background(), q, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"t":   "hello",
		"tp":  "abc",
		"n":   json.Number("10"),
		"e":   "EMEA",
		"em":  []string{"a", "b"},
		"qd":  "Sales",
		"qm":  []string{"Sales"},
		"d":   "2025-01-02",
		"dl":  "2025-01-02 10:20",
		"ds":  "2025-01-02 10:20:30",
		"dr":  map[string]any{"start": "2025-01-01", "end": "2025-01-31"},
		"dtr": map[string]any{"start": "2026-03-22 00:00", "end": "2026-03-28 23:59"},
		"dsr": map[string]any{"start": "2025-01-01 00:00:00", "end": "2025-01-31 23:59:59"},
	}, got)
	assert.Equal(t, map[int]int{7: 1}, d.calls, "the dropdown query is read once for both parameters")
}

func TestResolveGivenValues(t *testing.T) {
	q := testQuery(t, allTypesSQL, allTypes)
	tests := []struct {
		name string
		args Args
		want map[string]any
	}{
		{"text", Args{"t": {"it's"}}, map[string]any{"t": "it's"}},
		{"empty text", Args{"t": {""}}, map[string]any{"t": ""}},
		{"text pattern", Args{"tp": {"xyz9"}}, map[string]any{"tp": "xyz9"}},
		{"number", Args{"n": {"-1.5e3"}}, map[string]any{"n": json.Number("-1.5e3")}},
		{"number as Python reads it", Args{"n": {".5"}}, map[string]any{"n": json.Number("0.5")}},
		{"enum", Args{"e": {"APAC"}}, map[string]any{"e": "APAC"}},
		{"multi enum repeated", Args{"em": {"c", "a"}}, map[string]any{"em": []string{"c", "a"}}},
		{"multi enum JSON", Args{"em": {`["b","c"]`}}, map[string]any{"em": []string{"b", "c"}}},
		{"dropdown", Args{"qd": {"Ops"}}, map[string]any{"qd": "Ops"}},
		{"dropdown number value", Args{"qd": {"10"}}, map[string]any{"qd": "10"}},
		{"multi dropdown", Args{"qm": {"Ops", "Marketing"}}, map[string]any{"qm": []string{"Ops", "Marketing"}}},
		{"date", Args{"d": {"2024-02-29"}}, map[string]any{"d": "2024-02-29"}},
		{"date from a date-time", Args{"d": {"2024-02-29T23:10:00"}}, map[string]any{"d": "2024-02-29"}},
		{"date d_now", Args{"d": {"d_now"}}, map[string]any{"d": "2026-03-31"}},
		{"date d_yesterday", Args{"d": {"d_yesterday"}}, map[string]any{"d": "2026-03-30"}},
		{"datetime-local from a date", Args{"dl": {"2024-05-06"}}, map[string]any{"dl": "2024-05-06 00:00"}},
		{"datetime-local with T", Args{"dl": {"2024-05-06T07:08"}}, map[string]any{"dl": "2024-05-06 07:08"}},
		{"datetime-local RFC 3339 in the clock's zone", Args{"dl": {"2024-05-06T07:08:00Z"}}, map[string]any{"dl": "2024-05-06 08:08"}},
		{"datetime-with-seconds d_now", Args{"ds": {"d_now"}}, map[string]any{"ds": "2026-03-31 14:25:36"}},
		{"date range dots", Args{"dr": {"2024-01-01..2024-12-31"}}, map[string]any{"dr": map[string]any{"start": "2024-01-01", "end": "2024-12-31"}}},
		{"date range JSON", Args{"dr": {`{"start": "2024-01-01", "end": "2024-01-01"}`}}, map[string]any{"dr": map[string]any{"start": "2024-01-01", "end": "2024-01-01"}}},
		{"date range dynamic", Args{"dr": {"d_last_month"}}, map[string]any{"dr": map[string]any{"start": "2026-02-01", "end": "2026-02-28"}}},
		{"datetime range normalised", Args{"dtr": {"2024-01-01..2024-01-02 10:00:59"}}, map[string]any{"dtr": map[string]any{"start": "2024-01-01 00:00", "end": "2024-01-02 10:00"}}},
		{"datetime range with seconds dynamic", Args{"dsr": {"d_last_hour"}}, map[string]any{"dsr": map[string]any{"start": "2026-03-31 13:25:36", "end": "2026-03-31 14:25:36"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d dropdownCalls
			got, err := resolver("10.1.0", &d).Resolve(context.Background(), q, tt.args)
			require.NoError(t, err)
			for k, v := range tt.want {
				assert.Equal(t, v, got[k], k)
			}
			assert.Len(t, got, 13)
		})
	}
}

func TestResolveProblems(t *testing.T) {
	q := testQuery(t, allTypesSQL, allTypes)
	tests := []struct {
		name    string
		version string
		args    Args
		want    string
	}{
		{
			"unknown name", "10.1.0",
			Args{"nope": {"1"}},
			`query 42: parameter "nope": unknown parameter: the query's parameters are t, tp, n, e, em, qd, qm, d, dl, ds, dr, dtr, dsr`,
		},
		{"text pattern", "26.3.0", Args{"tp": {"ABC"}}, `query 42: parameter "tp": "ABC" does not match the pattern [a-z]+[0-9]?`},
		{"number", "10.1.0", Args{"n": {"12abc"}}, `query 42: parameter "n": "12abc" is not a number`},
		{"number NaN", "10.1.0", Args{"n": {"NaN"}}, `query 42: parameter "n": "NaN" is not a number`},
		{"number hex", "10.1.0", Args{"n": {"0x10"}}, `query 42: parameter "n": "0x10" is not a number`},
		{"enum", "10.1.0", Args{"e": {"emea"}}, `query 42: parameter "e": "emea" is not one of "EMEA", "AMER", "APAC"`},
		{"enum takes one value", "10.1.0", Args{"e": {"EMEA", "AMER"}}, `query 42: parameter "e": takes one value, got 2 (it is not a multi-value parameter)`},
		{"multi enum", "10.1.0", Args{"em": {"a", "z"}}, `query 42: parameter "em": "z" is not one or more of "a", "b", "c"`},
		{"dropdown", "10.1.0", Args{"qd": {"Legal"}}, `query 42: parameter "qd": "Legal" is not a value of the dropdown's query 7 ("Sales", "Marketing", "Ops", "10")`},
		{"date", "10.1.0", Args{"d": {"2025-02-30"}}, `query 42: parameter "d": "2025-02-30" is not a date YYYY-MM-DD or one of d_now, d_yesterday`},
		{"date range value for a date", "10.1.0", Args{"d": {"d_last_week"}}, `query 42: parameter "d": "d_last_week" is not a date YYYY-MM-DD or one of d_now, d_yesterday`},
		{"dynamic date on v5", "5.0.2", Args{"d": {"d_now"}}, `query 42: parameter "d": "d_now" is not a date YYYY-MM-DD (dynamic date values need Redash 8 or later; this is 5.0.2)`},
		{
			"range without separator", "8.0.0",
			Args{"dr": {"2024-01-01"}},
			`query 42: parameter "dr": "2024-01-01" is not a range START..END (each YYYY-MM-DD) or one of d_last_7_days, d_last_month, d_last_week, d_last_year, d_this_month, d_this_week, d_this_year, d_today, d_yesterday`,
		},
		{"range backwards", "10.1.0", Args{"dr": {"2024-02-01..2024-01-01"}}, `query 42: parameter "dr": "2024-02-01..2024-01-01" ends before it starts`},
		{"range JSON without end", "10.1.0", Args{"dr": {`{"start": "2024-01-01"}`}}, `query 42: parameter "dr": "{\"start\": \"2024-01-01\"}" needs both "start" and "end" as strings`},
		{"range bad date", "10.1.0", Args{"dsr": {"2024-01-01..yesterday"}}, `query 42: parameter "dsr": "2024-01-01..yesterday" is not a range START..END (each YYYY-MM-DD HH:MM:SS) or one of `},
		{
			"two problems at once", "10.1.0",
			Args{"n": {"x"}, "zz": {"1"}},
			`query 42: parameter "zz": unknown parameter: the query's parameters are t, tp, n, e, em, qd, qm, d, dl, ds, dr, dtr, dsr; parameter "n": "x" is not a number`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d dropdownCalls
			_, err := resolver(tt.version, &d).Resolve(context.Background(), q, tt.args)
			var pe *ParamError
			require.ErrorAs(t, err, &pe)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, 42, pe.QueryID)
		})
	}
}

func TestResolveMissingAndSavedDefaults(t *testing.T) {
	params := `[
	 {"name": "since", "type": "date", "value": null},
	 {"name": "region", "type": "enum", "enumOptions": "EMEA\nAMER", "value": "LATAM"},
	 {"name": "team", "type": "query", "queryId": 8, "value": "Sales"},
	 {"name": "unused", "type": "number", "value": null},
	 {"name": "n", "type": "number", "value": ""}
	]`
	q := testQuery(t, "select '{{since}}', '{{ region }}', '{{ team }}', {{ n }}", params)
	var d dropdownCalls
	_, err := resolver("10.1.0", &d).Resolve(context.Background(), q, nil)
	require.Error(t, err)
	assert.Equal(t, `query 42: parameter "since": no value and no saved default: give a date YYYY-MM-DD or one of d_now, d_yesterday; `+
		`parameter "region": saved default "LATAM" is not one of "EMEA", "AMER"; `+
		`parameter "team": saved default cannot check the value against the dropdown's query 8: query 8 has no result yet (or this API key cannot see it): run it in Redash first; `+
		`parameter "n": no value and no saved default: give a number`, err.Error())

	got, err := resolver("10.1.0", &d).Resolve(context.Background(), q, Args{"since": {"2025-01-01"}, "region": {"AMER"}, "n": {"3"}, "team": {"x"}})
	require.Error(t, err, "the dropdown query still cannot be read")
	assert.Nil(t, got)

	q2 := testQuery(t, "select '{{since}}', '{{ region }}', {{ n }}", params)
	got, err = resolver("10.1.0", nil).Resolve(context.Background(), q2, Args{"since": {"2025-01-01"}, "region": {"AMER"}, "n": {"3"}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"since": "2025-01-01", "region": "AMER", "n": json.Number("3"), "team": "Sales"}, got,
		"unused parameters without a value are not sent; with a value they are (no Dropdown: not checked here)")
}

func TestResolveDropdownAuthFails(t *testing.T) {
	q := testQuery(t, "select '{{ team }}'", `[{"name": "team", "type": "query", "queryId": 9, "value": "Sales"}]`)
	var d dropdownCalls
	_, err := resolver("10.1.0", &d).Resolve(context.Background(), q, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, redash.ErrUnauthorized, "an authentication failure is not a parameter problem")
}

func TestResolveDropdownNotReadWhenUnused(t *testing.T) {
	q := testQuery(t, "select '{{ d }}'", `[{"name": "d", "type": "date", "value": "2025-01-01"}, {"name": "team", "type": "query", "queryId": 7, "value": null}]`)
	var d dropdownCalls
	got, err := resolver("10.1.0", &d).Resolve(context.Background(), q, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"d": "2025-01-01"}, got)
	assert.Empty(t, d.calls)
}

func TestResolveUseCurrentDateTime(t *testing.T) {
	q := testQuery(t, "select '{{ at }}'", `[{"name": "at", "type": "datetime-local", "value": null, "useCurrentDateTime": true}]`)
	got, err := resolver("10.1.0", nil).Resolve(context.Background(), q, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"at": "2026-03-31 14:25"}, got)
}

func TestResolveUndefinedPlaceholder(t *testing.T) {
	q := testQuery(t, "select '{{ x }}', {{ n }}", `[{"name": "n", "type": "number", "value": 1}]`)
	_, err := resolver("10.1.0", nil).Resolve(context.Background(), q, Args{"x": {"a"}})
	require.Error(t, err)
	assert.Equal(t, `query 42: parameter "x": unknown parameter: the query's parameters are n; `+
		`parameter "x": the query's text uses {{ x }} but the query defines no such parameter, so Redash refuses to run it: add the parameter in Redash`, err.Error())

	got, err := resolver("5.0.2", nil).Resolve(context.Background(), q, Args{"x": {"a"}})
	require.NoError(t, err, "v4–v6 run any text")
	assert.Equal(t, map[string]any{"x": "a", "n": json.Number("1")}, got)
	_, err = resolver("4.0.2", nil).Resolve(context.Background(), q, nil)
	assert.EqualError(t, err, `query 42: parameter "x": no value: give any text`)

	bare := testQuery(t, "select '{{ x }}'", `[]`)
	got, err = resolver("10.1.0", nil).Resolve(context.Background(), bare, Args{"x": {"a"}})
	require.NoError(t, err, "Redash checks nothing for a query that defines no parameters")
	assert.Equal(t, map[string]any{"x": "a"}, got)
}

func TestResolveNoParameters(t *testing.T) {
	q := testQuery(t, "select 1", `[]`)
	got, err := resolver("26.3.0", nil).Resolve(context.Background(), q, nil)
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = resolver("26.3.0", nil).Resolve(context.Background(), q, Args{"a": {"1"}})
	assert.EqualError(t, err, `query 42: parameter "a": unknown parameter: the query has no parameters`)
}

func TestResolveUnknownTypeAndBadPattern(t *testing.T) {
	q := testQuery(t, "select '{{ a }}', '{{ b }}'", `[{"name": "a", "type": "colour", "value": "red"}, {"name": "b", "type": "text-pattern", "regex": "(?<=x)y", "value": "y"}]`)
	_, err := resolver("26.3.0", nil).Resolve(context.Background(), q, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `parameter "a": saved default its type "colour" is not one redashctl knows`)
	assert.NotContains(t, err.Error(), `parameter "b"`, "a pattern Go cannot read is left to the server")
}

func TestPlaceholderNames(t *testing.T) {
	sql := "select {{a}}, {{ b.start }}, {{b.end}}, {{{ c }}}, {{& d}}, {{! comment }} {{#e}}x{{/e}} {{a}} {{ unclosed"
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, PlaceholderNames(sql))
	assert.Empty(t, PlaceholderNames("select 1 -- {not a tag}"))
}
