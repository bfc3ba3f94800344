package results

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRender(t *testing.T) {
	q := testQuery(t, allTypesSQL, allTypes)
	var d dropdownCalls
	values, err := resolver("8.0.0", &d).Resolve(context.Background(), q, Args{"t": {"it's {{ x }}"}, "em": {"a", "c"}, "qm": {"Ops", "Sales"}})
	require.NoError(t, err)
	got, err := Render(q.SQL, q.Options.Parameters, values)
	require.NoError(t, err)
	assert.Equal(t, `select it's {{ x }}, 'abc', 10, 'EMEA', 'a','c', 'Sales', Ops|Sales, '2025-01-02', '2025-01-02 10:20', '2025-01-02 10:20:30',
 '2025-01-01'..'2025-01-31', '2026-03-22 00:00', '2026-03-28 23:59', '2025-01-01 00:00:00', '2025-01-31 23:59:59'`, got,
		"values are filled in once, verbatim, without HTML escaping")
}

func TestRenderTags(t *testing.T) {
	values := map[string]any{"a": "x<y", "n": json.Number("1.5"), "r": map[string]any{"start": "s", "end": "e"}}
	tests := []struct {
		sql, want, err string
	}{
		{sql: "{{a}}|{{{ a }}}|{{& a}}|{{! gone }}|{{ n }}", want: "x<y|x<y|x<y||1.5"},
		{sql: "{{ r.start }}-{{ r.end }}", want: "s-e"},
		{sql: "no tags, { braces } and {{ unclosed", want: "no tags, { braces } and {{ unclosed"},
		{sql: "{{#a}}x{{/a}}", err: "the query's text uses {{#a}}, which redashctl cannot fill in for this Redash version (only {{ name }} tags)"},
		{sql: "{{> partial}}", err: "the query's text uses {{> partial}}, which redashctl cannot fill in"},
		{sql: "{{ missing }}", err: "no value for {{ missing }}"},
		{sql: "{{ r }}", err: "{{ r }}: a range needs {{ r.start }} and {{ r.end }}"},
		{sql: "{{ r.middle }}", err: "{{ r.middle }}: a range has only start and end"},
		{sql: "{{ a.start }}", err: `{{ a.start }}: parameter "a" is not a range`},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			got, err := Render(tt.sql, nil, values)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
