package bulk

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// writeFileSync writes data to path atomically and durably: a temporary
// file in the same directory, created 0600, written and fsynced, then
// renamed over path, and the directory fsynced (through ds, which batches
// concurrent directory syncs).
func writeFileSync(path string, data []byte, ds *dirSyncer) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	ok = true
	if ds == nil {
		return syncDir(dir)
	}
	return ds.sync()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return err
	}
	return nil
}

// dirSyncer fsyncs one directory for many concurrent writers: a caller
// returns once a sync that started after its call has completed, and
// callers that arrive while a sync runs share the next one.
type dirSyncer struct {
	dir string

	mu      sync.Mutex
	cond    *sync.Cond
	running bool
	started uint64 // syncs started
	done    uint64 // syncs completed
	err     error  // of the last completed sync
}

func newDirSyncer(dir string) *dirSyncer {
	d := &dirSyncer{dir: dir}
	d.cond = sync.NewCond(&d.mu)
	return d
}

func (d *dirSyncer) sync() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	// A sync already running may have started before our rename: we need
	// one that starts after now, whether one is running or not.
	need := d.started + 1
	for d.done < need {
		if d.running {
			d.cond.Wait()
			continue
		}
		d.running = true
		d.started++
		d.mu.Unlock()
		err := syncDir(d.dir)
		d.mu.Lock()
		d.running = false
		d.done = d.started
		d.err = err
		d.cond.Broadcast()
	}
	if d.err != nil {
		return fmt.Errorf("sync %s: %w", d.dir, d.err)
	}
	return nil
}
