package exportjob

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var lockNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func TestLockExcludesASecondHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", ".exports.yaml.lock")
	l, err := Acquire(path, lockNow)
	require.NoError(t, err)
	assert.Equal(t, path, l.Path())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(b), "since 2026-11-01T12:00:00Z")

	// A second open of the file is a second holder, as another process is.
	_, err = Acquire(path, lockNow)
	var held *HeldError
	require.ErrorAs(t, err, &held)
	assert.Equal(t, path, held.Path)
	assert.Contains(t, held.Holder, "pid ")
	assert.Contains(t, err.Error(), "another run (pid ")
	assert.Contains(t, err.Error(), "holds the lock "+path)

	require.NoError(t, l.Release())
	require.NoError(t, l.Release(), "releasing twice is harmless")
	l2, err := Acquire(path, lockNow)
	require.NoError(t, err, "a released lock can be taken again")
	require.NoError(t, l2.Release())
}

func TestLockLeftByACrashDoesNotBlock(t *testing.T) {
	// A run that crashed leaves its lock file with its pid; no process holds
	// the lock any more, so the next run takes it.
	path := filepath.Join(t.TempDir(), ".m.yaml.lock")
	require.NoError(t, os.WriteFile(path, []byte("pid 999999 on elsewhere since 2020-01-01T00:00:00Z\n"), 0o600))
	l, err := Acquire(path, lockNow)
	require.NoError(t, err)
	defer l.Release()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "999999", "the holder line is rewritten")
}

func TestLockPathsAndFallback(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "exports.yaml")
	runtime := t.TempDir()
	env := func(k string) (string, bool) {
		if k == "XDG_RUNTIME_DIR" {
			return runtime, true
		}
		return "", false
	}
	paths := LockPaths(manifest, env)
	require.Len(t, paths, 3)
	assert.Equal(t, filepath.Join(dir, ".exports.yaml.lock"), paths[0])
	assert.Equal(t, filepath.Join(runtime, "redashctl"), filepath.Dir(paths[1]))
	assert.Regexp(t, `^exports-[0-9a-f]{12}\.lock$`, filepath.Base(paths[1]))
	assert.Equal(t, paths, LockPaths(manifest, env), "stable for one manifest")
	assert.NotEqual(t, paths[1], LockPaths(filepath.Join(t.TempDir(), "exports.yaml"), env)[1], "another manifest, another lock")
	assert.Len(t, LockPaths(manifest, nil), 2)

	// A directory that cannot hold the lock file moves on to the next path.
	blocked := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocked, nil, 0o600))
	l, err := AcquireFirst([]string{filepath.Join(blocked, "x.lock"), paths[1]}, lockNow)
	require.NoError(t, err)
	assert.Equal(t, paths[1], l.Path())

	// A held lock stops the search: the second path would hide the holder.
	_, err = AcquireFirst([]string{paths[1], paths[0]}, lockNow)
	var held *HeldError
	assert.True(t, errors.As(err, &held))
	require.NoError(t, l.Release())

	_, err = AcquireFirst([]string{filepath.Join(blocked, "x.lock")}, lockNow)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot create a lock file: lock "+filepath.Join(blocked, "x.lock"))
}
