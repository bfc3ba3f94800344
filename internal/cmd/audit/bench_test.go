package audit

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/progress"
	"github.com/redashctl/redashctl/pkg/audit"
	"github.com/redashctl/redashctl/pkg/redash"
)

const (
	benchQueries = 15000
	benchEvents  = 150000
	benchLatency = 20 * time.Millisecond
)

// benchNow is the real clock: the binary run audits with it.
var benchNow = time.Now().UTC().Truncate(time.Second)

func benchServer(b *testing.B) (*fakeredash.Server, string) {
	b.Helper()
	srv, err := fakeredash.New(fakeredash.Options{Version: "10.1.0", Queries: benchQueries, Events: benchEvents, Seed: 1, Latency: benchLatency, Now: benchNow})
	require.NoError(b, err)
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	return srv, hs.URL
}

// BenchmarkAudit runs a full audit (gathering and rules) of the 15,000-query
// sandbox with 600 dashboards, alerts and 150,000 events, at 20 ms per
// request. Reported: wall time, requests, the lower bound requests /
// concurrency x latency, and the ratio to it (target ≤ 1.5).
func BenchmarkAudit(b *testing.B) {
	srv, url := benchServer(b)
	ios, _, _, _ := iostreams.Test()
	for _, conc := range []int{4, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			var requests int
			var total time.Duration
			for b.Loop() {
				client, err := redash.NewClient(url, redash.WithAPIKey(srv.AdminKey()), redash.WithConcurrency(conc))
				require.NoError(b, err)
				srv.ResetRequests()
				start := time.Now()
				inv, err := gather(context.Background(), client, gatherOptions{since: benchNow.Add(-90 * 24 * time.Hour)}, progress.New(ios, ""))
				require.NoError(b, err)
				rep, err := audit.Run(inv, audit.Options{Now: benchNow, KeepTag: "keep"})
				require.NoError(b, err)
				total += time.Since(start)
				require.NotEmpty(b, rep.Results)
				requests = len(srv.Requests())
			}
			ms := float64(total.Milliseconds()) / float64(b.N)
			lower := float64(requests) / float64(conc) * float64(benchLatency.Milliseconds())
			b.ReportMetric(ms, "ms/audit")
			b.ReportMetric(float64(requests), "requests/audit")
			b.ReportMetric(lower, "lowerbound-ms")
			b.ReportMetric(ms/lower, "x-lowerbound")
		})
	}
}

// BenchmarkAuditBinaryMemory builds redashctl and runs `audit -o json` on
// the same sandbox, reporting the process's peak RSS (VmHWM, polled from
// /proc). Target: under 300 MB.
func BenchmarkAuditBinaryMemory(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("peak RSS is read from /proc")
	}
	srv, url := benchServer(b)
	bin := filepath.Join(b.TempDir(), "redashctl")
	build := exec.Command("go", "build", "-o", bin, "github.com/redashctl/redashctl/cmd/redashctl")
	build.Stderr = os.Stderr
	require.NoError(b, build.Run())
	var peakKB int64
	var wall time.Duration
	for b.Loop() {
		cmd := exec.Command(bin, "audit", "-o", "json", "--out", filepath.Join(b.TempDir(), "plan.json"))
		cmd.Env = append(os.Environ(), "REDASHCTL_URL="+url, "REDASHCTL_API_KEY="+srv.AdminKey(), "REDASHCTL_CONFIG="+filepath.Join(b.TempDir(), "none.yaml"))
		var out strings.Builder
		cmd.Stdout = &out
		cmd.Stderr = os.Stderr
		start := time.Now()
		require.NoError(b, cmd.Start())
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		ticker := time.NewTicker(2 * time.Millisecond)
	poll:
		for {
			select {
			case err := <-done:
				require.NoError(b, err)
				break poll
			case <-ticker.C:
				peakKB = max(peakKB, vmHWM(cmd.Process.Pid))
			}
		}
		ticker.Stop()
		wall += time.Since(start)
		require.Greater(b, out.Len(), 1000)
	}
	b.ReportMetric(float64(peakKB)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "ms/run")
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
