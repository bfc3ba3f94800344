package deployfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/pkg/upgrade"
)

func TestReadEnvFile(t *testing.T) {
	f, err := ReadEnvFile("testdata/env/good.env")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"PLAIN":          "value",
		"SPACED":         "around equals",
		"EXPORTED":       "yes",
		"INLINE":         "value",
		"HASH":           "va#lue",
		"SINGLE":         `literal ${PLAIN} \n`,
		"DOUBLE":         "expanded value\tand \"quoted\" $5",
		"MULTI":          "line one\nline two",
		"EMPTY":          "",
		"EMPTY_QUOTED":   "",
		"REF":            "value-yes",
		"DEFAULTED":      "fallback",
		"UNKNOWN":        "${NOT_DEFINED}/x",
		"QUOTED_COMMENT": "a b",
		"DOLLARS":        "$HOME",
	}, f.Vars)
	assert.Equal(t, map[string]int{
		"PLAIN": 4, "SPACED": 5, "EXPORTED": 6, "INLINE": 7, "HASH": 8, "SINGLE": 9, "DOUBLE": 10,
		"MULTI": 11, "EMPTY": 13, "EMPTY_QUOTED": 14, "REF": 15, "DEFAULTED": 16, "UNKNOWN": 17,
		"PASS": 18, "QUOTED_COMMENT": 19, "DOLLARS": 20,
	}, f.Lines)
	assert.Equal(t, []string{"PASS"}, f.PassThrough)
	assert.Equal(t, []string{"UNKNOWN"}, f.Unresolved)

	vars, err := LoadEnvFile("testdata/env/good.env")
	require.NoError(t, err)
	assert.Equal(t, f.Vars, vars)
}

func TestReadEnvFileCRLFAndOverride(t *testing.T) {
	vars, err := LoadEnvFile("testdata/env/crlf.env")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "1", "B": "two words"}, vars)

	path := filepath.Join(t.TempDir(), "twice.env")
	require.NoError(t, os.WriteFile(path, []byte("\xef\xbb\xbfA=1\nA=2\n"), 0o600))
	f, err := ReadEnvFile(path)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"A": "2"}, f.Vars, "byte order mark skipped, last value wins")
	assert.Equal(t, 2, f.Lines["A"])
}

func TestReadEnvFileErrors(t *testing.T) {
	tests := []struct {
		path string
		want string
	}{
		{"testdata/env/badname.env", `testdata/env/badname.env:2: invalid variable name "1BAD"`},
		{"testdata/env/trailing.env", `testdata/env/trailing.env:2: unexpected "trailing" after the closing quote`},
		{"testdata/broken/bad.env", "testdata/broken/bad.env:2: unterminated quoted value"},
		{"testdata/env/missing.env", "read env file: open testdata/env/missing.env: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			_, err := LoadEnvFile(tt.path)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestLoadEnvDeployment(t *testing.T) {
	d, err := LoadEnvDeployment([]string{"testdata/v8/env", "testdata/env/crlf.env"})
	require.NoError(t, err)
	assert.Equal(t, []string{"testdata/v8/env", "testdata/env/crlf.env"}, d.Files)
	assert.Equal(t, "postgresql://postgres:pgpass@postgres/postgres", d.Env["REDASH_DATABASE_URL"])
	assert.Equal(t, upgrade.Source{File: "testdata/v8/env", Line: 8}, d.EnvSources["REDASH_DATABASE_URL"])
	assert.Equal(t, upgrade.Source{File: "testdata/env/crlf.env", Line: 2}, d.EnvSources["B"])
	assert.Empty(t, d.Services)

	fs, err := upgrade.Lint(d, "10.1")
	require.NoError(t, err)
	assert.Equal(t, []upgrade.Finding{}, fs)

	_, err = LoadEnvDeployment([]string{"testdata/v8/env", "testdata/env/badname.env"})
	assert.EqualError(t, err, `testdata/env/badname.env:2: invalid variable name "1BAD"`)
}
