package output

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	f, err := Parse("JSON")
	require.NoError(t, err)
	assert.Equal(t, JSON, f)
	_, err = Parse("xml")
	assert.EqualError(t, err, `unknown output format "xml": use one of table, json, csv, yaml`)
	_, err = Parse("markdown")
	assert.Error(t, err)
	f, err = Parse("markdown", Table, Markdown)
	require.NoError(t, err)
	assert.Equal(t, Markdown, f)
}

type rec struct {
	ID   int      `json:"id"`
	Name string   `json:"name"`
	Tags []string `json:"tags"`
	Sub  *struct {
		A int `json:"a"`
	} `json:"sub"`
}

func TestWriteYAMLKeepsJSONNamesAndOrder(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteYAML(&buf, []rec{{ID: 2, Name: "b: c", Tags: []string{"x"}}}))
	assert.Equal(t, "- id: 2\n  name: 'b: c'\n  tags:\n    - x\n  sub: null\n", buf.String())
}

func TestWriteTableFitsWidth(t *testing.T) {
	var buf bytes.Buffer
	rows := [][]string{{"1", "a very long name that will not fit in a narrow terminal", "x"}}
	require.NoError(t, WriteTable(&buf, []string{"ID", "NAME", "OWNER"}, rows, TableOptions{Width: 30}))
	for _, line := range bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n")) {
		assert.LessOrEqual(t, len([]rune(string(line))), 30, string(line))
	}
	assert.Contains(t, buf.String(), "…")
	assert.Contains(t, buf.String(), "ID")
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteCSV(&buf, []string{"id", "name"}, [][]string{{"1", "a,b"}}))
	assert.Equal(t, "id,name\n1,\"a,b\"\n", buf.String())
}

func TestWriteYAMLQuotesAmbiguousStrings(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteYAML(&buf, map[string]any{"a": "123", "b": "true", "c": 5, "d": nil}))
	assert.Equal(t, "a: \"123\"\nb: \"true\"\nc: 5\nd: null\n", buf.String())
}
