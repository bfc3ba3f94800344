// Package benchproc builds the redashctl binary and runs it as a separate
// process for benchmarks, measuring its peak resident set. Benchmarks only.
package benchproc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Build compiles cmd/redashctl into a temporary directory and returns its
// path. It skips the benchmark where peak RSS cannot be read (not Linux).
func Build(b *testing.B) string {
	b.Helper()
	if runtime.GOOS != "linux" {
		b.Skip("peak RSS is read from /proc")
	}
	bin := filepath.Join(b.TempDir(), "redashctl")
	build := exec.CommandContext(b.Context(), "go", "build", "-o", bin, "github.com/redashctl/redashctl/cmd/redashctl")
	build.Stderr = os.Stderr
	require.NoError(b, build.Run())
	return bin
}

// Run runs bin with args against the Redash at url with key, and returns its
// standard output, its peak RSS in KiB and its wall time. The peak is VmHWM
// polled from /proc: rusage would report the benchmark's own size, which the
// child inherits through vfork.
func Run(b *testing.B, bin, url, key string, args ...string) (stdout string, peakKB int64, wall time.Duration) {
	b.Helper()
	cmd := exec.CommandContext(b.Context(), bin, args...)
	cmd.Env = append(os.Environ(), "REDASHCTL_URL="+url, "REDASHCTL_API_KEY="+key, "REDASHCTL_CONFIG="+filepath.Join(b.TempDir(), "none.yaml"))
	var out strings.Builder
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
	start := time.Now()
	require.NoError(b, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	ticker := time.NewTicker(2 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case err := <-done:
			require.NoError(b, err)
			return out.String(), peakKB, time.Since(start)
		case <-ticker.C:
			peakKB = max(peakKB, vmHWM(cmd.Process.Pid))
		}
	}
}

// vmHWM reads a process's peak resident set size in KiB, 0 when unknown.
func vmHWM(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			_, _ = fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb
		}
	}
	return 0
}
