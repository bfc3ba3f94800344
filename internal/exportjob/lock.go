package exportjob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Lock is an exclusive lock on a lock file, held by one process at a time.
// The operating system releases it when the process ends, however it ends,
// so a run that crashed or was killed never blocks the next one; the file
// itself stays behind and is reused.
type Lock struct {
	f    *os.File
	path string
}

// HeldError means another process holds the lock.
type HeldError struct {
	Path string
	// Holder is what the holder wrote into the lock file ("pid 123 on host
	// since ..."), or "" when unknown.
	Holder string
}

// Error says who holds the lock.
func (e *HeldError) Error() string {
	who := "another process"
	if e.Holder != "" {
		who = "another run (" + e.Holder + ")"
	}
	return fmt.Sprintf("%s holds the lock %s", who, e.Path)
}

// errLocked is what openLocked returns when another process holds the lock.
var errLocked = errors.New("locked")

// Acquire takes the lock at path without waiting, creating the file (and
// its directory) if needed, and writes the holder's pid, host and start
// time into it. A lock held by another process gives a *HeldError.
func Acquire(path string, now time.Time) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, unwrapPath(err))
	}
	f, err := openLocked(path)
	if errors.Is(err, errLocked) {
		return nil, &HeldError{Path: path, Holder: readHolder(path)}
	}
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, unwrapPath(err))
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, now.UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(info), 0)
	}
	return &Lock{f: f, path: path}, nil
}

// Path is the lock file.
func (l *Lock) Path() string { return l.path }

// Release gives the lock up. The file stays, so that a process waiting on
// the same path never locks a file that was just unlinked.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

func readHolder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// LockPaths returns where the lock of a manifest may live, in order of
// preference: beside the manifest (.<name>.lock), then
// $XDG_RUNTIME_DIR/redashctl/, then the system's temporary directory. The
// last two are named after the manifest's absolute path, so that every run
// of one manifest by one user finds the same file.
func LockPaths(manifest string, getenv func(string) (string, bool)) []string {
	abs, err := filepath.Abs(manifest)
	if err != nil {
		abs = manifest
	}
	sum := sha256.Sum256([]byte(abs))
	name := strings.TrimSuffix(filepath.Base(abs), filepath.Ext(abs)) + "-" + hex.EncodeToString(sum[:6]) + ".lock"
	paths := []string{filepath.Join(filepath.Dir(abs), "."+filepath.Base(abs)+".lock")}
	if getenv != nil {
		if dir, ok := getenv("XDG_RUNTIME_DIR"); ok && dir != "" {
			paths = append(paths, filepath.Join(dir, "redashctl", name))
		}
	}
	return append(paths, filepath.Join(os.TempDir(), fmt.Sprintf("redashctl-%d", os.Getuid()), name))
}

// AcquireFirst takes the lock at the first of paths whose file can be
// opened: a read-only directory (a Kubernetes ConfigMap, say) moves on to
// the next. A held lock stops the search at once.
func AcquireFirst(paths []string, now time.Time) (*Lock, error) {
	var errs []string
	for _, p := range paths {
		l, err := Acquire(p, now)
		if err == nil {
			return l, nil
		}
		var held *HeldError
		if errors.As(err, &held) {
			return nil, err
		}
		errs = append(errs, err.Error())
	}
	return nil, fmt.Errorf("cannot create a lock file: %s", strings.Join(errs, "; "))
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
