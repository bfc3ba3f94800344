package docgen_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/root"
	"github.com/redashctl/redashctl/internal/docgen"
	"github.com/redashctl/redashctl/internal/iostreams"
)

// TestReferenceUpToDate fails when docs/reference differs from what the
// command tree generates: run `make docs` and commit the result.
func TestReferenceUpToDate(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(factory.New(ios, func(string) (string, bool) { return "", false }))
	dir := t.TempDir()
	require.NoError(t, docgen.Generate(cmd, dir))

	committed := filepath.Join("..", "..", "docs", "reference")
	want := readTree(t, dir)
	got := readTree(t, committed)
	require.NotEmpty(t, want)
	for name, content := range want {
		have, ok := got[name]
		if !assert.Truef(t, ok, "docs/reference/%s is missing: run `make docs`", name) {
			continue
		}
		assert.Equalf(t, content, have, "docs/reference/%s is out of date: run `make docs`", name)
	}
	for name := range got {
		_, ok := want[name]
		assert.Truef(t, ok, "docs/reference/%s is stale (no such command): run `make docs`", name)
	}
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		data, err := os.ReadFile(path)
		out[rel] = string(data)
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}
