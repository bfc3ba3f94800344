package audit

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/redashctl/redashctl/internal/benchproc"

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
// the same sandbox, reporting the process's peak RSS. Target: under 300 MB.
func BenchmarkAuditBinaryMemory(b *testing.B) {
	bin := benchproc.Build(b)
	srv, url := benchServer(b)
	var peakKB int64
	var wall time.Duration
	for b.Loop() {
		out, kb, d := benchproc.Run(b, bin, url, srv.AdminKey(), "audit", "-o", "json", "--out", filepath.Join(b.TempDir(), "plan.json"))
		require.Greater(b, len(out), 1000)
		peakKB, wall = max(peakKB, kb), wall+d
	}
	b.ReportMetric(float64(peakKB)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(wall.Milliseconds())/float64(b.N), "ms/run")
}
