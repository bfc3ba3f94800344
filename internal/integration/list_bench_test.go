package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
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
	"github.com/redashctl/redashctl/pkg/redash"
)

const (
	benchQueries = 15000
	benchLatency = 20 * time.Millisecond
)

func benchServer(b *testing.B) (*fakeredash.Server, string) {
	b.Helper()
	srv, err := fakeredash.New(fakeredash.Options{Version: "10.1.0", Queries: benchQueries, Seed: 1, Latency: benchLatency})
	require.NoError(b, err)
	hs := httptest.NewServer(srv)
	b.Cleanup(hs.Close)
	return srv, hs.URL
}

func countListRequests(srv *fakeredash.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/api/queries" {
			n++
		}
	}
	return n
}

// BenchmarkListQueries compares redashctl's paging (250 a page, the rest of
// the pages concurrently) with what most Redash clients do (page_size=100,
// one page after another), against the sandbox at 20 ms per request.
// Reported: ms per listing, requests, the lower bound
// ceil(N/250)/concurrency x latency, and the ratios.
func BenchmarkListQueries(b *testing.B) {
	srv, url := benchServer(b)
	want := len(srv.VisibleQueryIDs(srv.AdminKey()))
	ctx := context.Background()

	var oursMS, seqMS float64
	for _, conc := range []int{4, 8} {
		b.Run(fmt.Sprintf("redashctl/concurrency=%d", conc), func(b *testing.B) {
			client, err := redash.NewClient(url, redash.WithAPIKey(srv.AdminKey()), redash.WithConcurrency(conc), redash.WithVersion(redash.MustParseVersion("10.1.0")))
			require.NoError(b, err)
			srv.ResetRequests()
			start := time.Now()
			for b.Loop() {
				qs, err := client.Queries.ListAll(ctx, redash.QueryListOptions{})
				require.NoError(b, err)
				require.Len(b, qs, want)
			}
			ms := float64(time.Since(start).Milliseconds()) / float64(b.N)
			lower := math.Ceil(float64(want)/250) / float64(conc) * float64(benchLatency.Milliseconds())
			b.ReportMetric(ms, "ms/list")
			b.ReportMetric(float64(countListRequests(srv))/float64(b.N), "requests/list")
			b.ReportMetric(lower, "lowerbound-ms")
			b.ReportMetric(ms/lower, "x-lowerbound")
			if conc == 4 {
				oursMS = ms
			}
		})
	}
	b.Run("sequential-page_size=100", func(b *testing.B) {
		srv.ResetRequests()
		start := time.Now()
		for b.Loop() {
			n := sequentialList(b, url, srv.AdminKey())
			require.Equal(b, want, n)
		}
		seqMS = float64(time.Since(start).Milliseconds()) / float64(b.N)
		b.ReportMetric(seqMS, "ms/list")
		b.ReportMetric(float64(countListRequests(srv))/float64(b.N), "requests/list")
		if oursMS > 0 {
			b.ReportMetric(seqMS/oursMS, "x-slower-than-redashctl-c4")
		}
	})
}

// sequentialList is the baseline: page_size=100, one page after another,
// as most existing Redash clients page.
func sequentialList(b *testing.B, url, key string) int {
	b.Helper()
	seen := 0
	for page := 1; ; page++ {
		req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/queries?page=%d&page_size=100", url, page), nil)
		require.NoError(b, err)
		req.Header.Set("Authorization", "Key "+key)
		resp, err := baselineClient.Do(req)
		require.NoError(b, err)
		var body struct {
			Count   int               `json:"count"`
			Results []json.RawMessage `json:"results"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		require.NoError(b, err)
		seen += len(body.Results)
		if page*100 >= body.Count {
			return seen
		}
	}
}

// BenchmarkQueryListBinaryMemory builds redashctl and runs
// `query list -o json` on 15,000 queries, reporting the process's peak RSS
// (VmHWM, polled from /proc: rusage would report this benchmark's own size,
// which the child inherits through vfork). Target: under 100 MB.
func BenchmarkQueryListBinaryMemory(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("peak RSS is read from /proc")
	}
	srv, url := benchServer(b)
	bin := filepath.Join(b.TempDir(), "redashctl")
	build := exec.Command("go", "build", "-o", bin, "github.com/redashctl/redashctl/cmd/redashctl")
	build.Stderr = os.Stderr
	require.NoError(b, build.Run())
	var peakKB int64
	for b.Loop() {
		cmd := exec.Command(bin, "query", "list", "-o", "json")
		cmd.Env = append(os.Environ(), "REDASHCTL_URL="+url, "REDASHCTL_API_KEY="+srv.AdminKey(), "REDASHCTL_CONFIG="+filepath.Join(b.TempDir(), "none.yaml"))
		var out strings.Builder
		cmd.Stdout = &out
		cmd.Stderr = os.Stderr
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
		require.Greater(b, out.Len(), benchQueries*100)
	}
	b.ReportMetric(float64(peakKB)/1024, "peak-RSS-MB")
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

var baselineClient = &http.Client{Timeout: time.Minute}
