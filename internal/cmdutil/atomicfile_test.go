package cmdutil

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dirNames lists a directory's entries.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names
}

func TestWriteFileAtomic(t *testing.T) {
	t.Run("new file with its mode", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "plan.json")
		require.NoError(t, WriteFileAtomic(path, 0o640, func(w io.Writer) error {
			_, err := io.WriteString(w, "hello\n")
			return err
		}))
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, "hello\n", string(data))
		if runtime.GOOS != "windows" {
			fi, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm())
		}
		assert.Equal(t, []string{"plan.json"}, dirNames(t, dir), "no temporary file is left")
	})

	t.Run("replaces an existing file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "review.csv")
		require.NoError(t, os.WriteFile(path, []byte("old contents that are longer"), 0o600))
		require.NoError(t, WriteFileAtomic(path, 0o644, func(w io.Writer) error {
			_, err := io.WriteString(w, "new")
			return err
		}))
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, "new", string(data))
		assert.Equal(t, []string{"review.csv"}, dirNames(t, dir))
	})

	t.Run("a failed write leaves the old file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "plan.json")
		require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
		boom := errors.New("boom")
		err := WriteFileAtomic(path, 0o644, func(w io.Writer) error {
			_, _ = io.WriteString(w, "half of the new")
			return boom
		})
		require.ErrorIs(t, err, boom)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, "old", string(data))
		assert.Equal(t, []string{"plan.json"}, dirNames(t, dir), "the temporary file is removed")
	})

	t.Run("a failed write creates nothing", func(t *testing.T) {
		dir := t.TempDir()
		err := WriteFileAtomic(filepath.Join(dir, "plan.json"), 0o644, func(io.Writer) error { return errors.New("no") })
		require.EqualError(t, err, "no")
		assert.Empty(t, dirNames(t, dir))
	})

	t.Run("missing directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope", "plan.json")
		called := false
		err := WriteFileAtomic(path, 0o644, func(io.Writer) error { called = true; return nil })
		require.ErrorIs(t, err, os.ErrNotExist)
		assert.False(t, called, "nothing is written when the file cannot be created")
	})

	t.Run("path is a directory", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "sub")
		require.NoError(t, os.Mkdir(target, 0o755))
		err := WriteFileAtomic(target, 0o644, func(w io.Writer) error {
			_, err := io.WriteString(w, "x")
			return err
		})
		require.Error(t, err)
		fi, statErr := os.Stat(target)
		require.NoError(t, statErr)
		assert.True(t, fi.IsDir(), "the directory is untouched")
		assert.Equal(t, []string{"sub"}, dirNames(t, dir), "the temporary file is removed")
	})
}
