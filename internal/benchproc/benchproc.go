// Package benchproc builds the redashctl binary and runs it as a separate
// process for benchmarks: as a client, measuring its peak resident set, or
// as the sandbox server. Benchmarks only.
package benchproc

import (
	"bufio"
	"fmt"
	"io"
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

// Sandbox starts `bin sandbox serve` with args on a free port (no fake
// Sheets) and returns its URL and admin API key once it listens. It stops
// with the benchmark. A sandbox of its own process does not share the Go
// scheduler with the client under test: in one process, a handler woken
// from its latency sleep waits for a processor that the client's decoding
// holds, and that wait would be charged to the client.
func Sandbox(b *testing.B, bin string, args ...string) (url, key string) {
	b.Helper()
	cmd := exec.CommandContext(b.Context(), bin, append([]string{"sandbox", "serve", "--addr", "127.0.0.1:0", "--sheets-addr", ""}, args...)...)
	cmd.Env = append(os.Environ(), "REDASHCTL_CONFIG="+filepath.Join(b.TempDir(), "none.yaml"))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(b, err)
	require.NoError(b, cmd.Start())
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	found := make(chan struct{})
	go func() {
		defer close(found)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.Index(line, "listening on "); i >= 0 && url == "" {
				url = strings.TrimSpace(line[i+len("listening on "):])
			}
			if rest, ok := strings.CutPrefix(line, "admin API key:"); ok {
				key = strings.TrimSpace(rest)
			}
			if url != "" && key != "" {
				go func() { _, _ = io.Copy(io.Discard, stdout) }()
				return
			}
		}
	}()
	select {
	case <-found:
	case <-time.After(2 * time.Minute):
		b.Fatal("the sandbox did not print its URL and key within 2 minutes")
	}
	require.NotEmpty(b, url, "sandbox URL")
	require.NotEmpty(b, key, "sandbox admin API key")
	return url, key
}
