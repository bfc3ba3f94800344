// Package golden compares test output with testdata/<TestName>.golden files;
// `go test ./... -update` rewrites them. Tests only.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Assert compares got with testdata/<test name>.golden (slashes in subtest
// names become underscores).
func Assert(t *testing.T, got string) {
	t.Helper()
	name := strings.ReplaceAll(t.Name(), "/", "_") + ".golden"
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoErrorf(t, err, "missing golden file %s: run go test -update and review it", path)
	assert.Equal(t, string(want), got, "output differs from %s (go test -update rewrites it)", path)
}
