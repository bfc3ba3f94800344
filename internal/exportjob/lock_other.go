//go:build !unix && !windows

package exportjob

import "os"

// openLocked opens path; where neither flock nor Windows share modes exist
// it does not lock.
func openLocked(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

func unlock(*os.File) error { return nil }
