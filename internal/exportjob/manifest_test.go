package exportjob

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/pkg/results"
	"github.com/redashctl/redashctl/pkg/sheets"
)

const goodManifest = `version: 1
credentials: keys/sa.json
defaults:
  profile: prod
  max_result_age: 26h
  expect_url: https://redash.example.com
jobs:
  - name: revenue
    query: 42
    parameters:
      region: EMEA
      countries: [FR, DE]
      one: [FR]
      period: {start: 2024-01-01, end: d_last_month}
      note:
    max_age: 1h
    spreadsheet: https://docs.google.com/spreadsheets/d/1AbC_d-9/edit#gid=0
    tab: Revenue
  - name: history
    mode: append
    timestamp_column: exported_at
    profile: staging
    query: 7
    refresh: true
    spreadsheet: 1AbC_d-9
    value_input: user-entered
    no_header: true
    max_result_age: 2d
  - name: by-gid
    query: 8
    spreadsheet: https://docs.google.com/spreadsheets/d/XyZ/edit#gid=123
`

func TestParseManifestGood(t *testing.T) {
	m, err := ParseManifest("exports.yaml", []byte(goodManifest))
	require.NoError(t, err)
	assert.Equal(t, "keys/sa.json", m.Credentials)
	require.Len(t, m.Jobs, 3)

	gid := int64(123)
	want := []Job{
		{
			Name: "revenue", Line: 8, Profile: "prod", QueryID: 42,
			Params: results.Args{
				"region": {"EMEA"}, "countries": {`["FR","DE"]`}, "one": {`["FR"]`},
				"period": {`{"end":"d_last_month","start":"2024-01-01"}`}, "note": {""},
			},
			Freshness:   results.Freshness{MaxAge: time.Hour},
			Spreadsheet: "https://docs.google.com/spreadsheets/d/1AbC_d-9/edit#gid=0",
			Target:      sheets.Target{SpreadsheetID: "1AbC_d-9", Tab: "Revenue"},
			ExpectURL:   "https://redash.example.com", MaxResultAge: 26 * time.Hour,
		},
		{
			Name: "history", Line: 19, Profile: "staging", QueryID: 7,
			Freshness:   results.Freshness{Refresh: true},
			Spreadsheet: "1AbC_d-9", Target: sheets.Target{SpreadsheetID: "1AbC_d-9"},
			Mode: sheets.ModeAppend, TimestampColumn: "exported_at", ValueInput: sheets.ValueInputUserEntered, NoHeader: true,
			ExpectURL: "https://redash.example.com", MaxResultAge: 48 * time.Hour,
		},
		{
			Name: "by-gid", Line: 29, Profile: "prod", QueryID: 8,
			Spreadsheet: "https://docs.google.com/spreadsheets/d/XyZ/edit#gid=123",
			Target:      sheets.Target{SpreadsheetID: "XyZ", SheetID: &gid},
			ExpectURL:   "https://redash.example.com", MaxResultAge: 26 * time.Hour,
		},
	}
	assert.Empty(t, cmp.Diff(want, m.Jobs))
	req := m.Jobs[0].Request()
	assert.Equal(t, 42, req.QueryID)
	assert.Equal(t, 26*time.Hour, req.MaxResultAge)
}

func TestParseManifestMergeKeys(t *testing.T) {
	data := `defaults: &d
  mode: append
jobs:
  - &base
    name: a
    query: 1
    spreadsheet: s1
    tab: T
  - <<: [*base]
    name: b
    mode: replace
`
	m, err := ParseManifest("m.yaml", []byte(data))
	require.NoError(t, err)
	require.Len(t, m.Jobs, 2)
	assert.Equal(t, sheets.ModeAppend, m.Jobs[0].Mode)
	assert.Equal(t, "b", m.Jobs[1].Name)
	assert.Equal(t, sheets.ModeReplace, m.Jobs[1].Mode, "a key written in the job wins over merged and default ones")
	assert.Equal(t, "T", m.Jobs[1].Target.Tab)
	assert.Equal(t, 1, m.Jobs[1].QueryID)
}

func TestParseManifestProblems(t *testing.T) {
	tests := []struct {
		name, data string
	}{
		{"unknown-fields", `jobs:
  - name: a
    query: 1
    spreadsheet: s
    spreadshet: s
    colour: red
retries: 3
`},
		{"duplicate-names", `jobs:
  - {name: daily, query: 1, spreadsheet: s}
  - {name: weekly, query: 2, spreadsheet: s}
  - {name: Daily, query: 3, spreadsheet: s}
`},
		{"bad-values", `version: 2
defaults:
  name: x
  mode: sideways
  frobnicate: 1
jobs:
  - name: "bad name!"
    query: -3
    spreadsheet: https://example.com/sheet
  - name: b
    query: twelve
    spreadsheet: [s]
    max_age: 1h
    refresh: true
    max_result_age: soon
    no_header: maybe
    value_input: html
    expect_url: redash.example.com
    timestamp_column: at
    tab: ""
    parameters:
      period: {start: 2024-01-01}
      list: []
      odd: {from: 1, to: 2}
  - name: c
  - just a string
  - name: d
    query: 1
    query: 2
    spreadsheet: s
`},
		{"not-yaml", "jobs:\n  - name: a\n   query: 1\n"},
		{"empty", ""},
		{"no-jobs", "version: 1\n"},
		{"jobs-not-a-list", "jobs: {a: 1}\n"},
		{"empty-jobs", "jobs: []\n"},
		{"scalar", "just text\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest("exports.yaml", []byte(tt.data))
			require.Error(t, err)
			assert.Nil(t, m)
			var me *ManifestError
			require.ErrorAs(t, err, &me)
			for _, l := range me.Lines() {
				assert.NotContains(t, l, "\n", "one line per problem")
				assert.True(t, strings.HasPrefix(l, "exports.yaml"), "each line names the file: %s", l)
			}
			golden.Assert(t, err.Error()+"\n")
		})
	}
}

func TestSelect(t *testing.T) {
	m, err := ParseManifest("m.yaml", []byte("jobs:\n  - {name: a, query: 1, spreadsheet: s}\n  - {name: B, query: 2, spreadsheet: s}\n  - {name: c, query: 3, spreadsheet: s}\n"))
	require.NoError(t, err)
	all, err := m.Select(nil)
	require.NoError(t, err)
	assert.Len(t, all, 3)
	some, err := m.Select([]string{"c", "b"})
	require.NoError(t, err)
	require.Len(t, some, 2)
	assert.Equal(t, "B", some[0].Name, "manifest order, names case-insensitive")
	assert.Equal(t, "c", some[1].Name)
	_, err = m.Select([]string{"a", "zz", "yy"})
	assert.EqualError(t, err, `m.yaml has no job "yy", "zz": its jobs are a, B, c`)
}

func TestLoadManifest(t *testing.T) {
	_, err := LoadManifest(filepath.Join(t.TempDir(), "missing.yaml"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.yaml: no such file or directory")

	p := filepath.Join(t.TempDir(), "m.yaml")
	require.NoError(t, os.WriteFile(p, []byte("jobs:\n  - {name: a, query: 1, spreadsheet: s}\n"), 0o600))
	m, err := LoadManifest(p)
	require.NoError(t, err)
	assert.Equal(t, p, m.Path)
}
