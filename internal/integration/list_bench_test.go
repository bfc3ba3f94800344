package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/redashctl/redashctl/internal/benchproc"

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
// `query list -o json` on 15,000 queries, reporting the process's peak RSS.
// Target: under 100 MB.
func BenchmarkQueryListBinaryMemory(b *testing.B) {
	bin := benchproc.Build(b)
	srv, url := benchServer(b)
	var peakKB int64
	for b.Loop() {
		out, kb, _ := benchproc.Run(b, bin, url, srv.AdminKey(), "query", "list", "-o", "json")
		require.Greater(b, len(out), benchQueries*100)
		peakKB = max(peakKB, kb)
	}
	b.ReportMetric(float64(peakKB)/1024, "peak-RSS-MB")
}

var baselineClient = &http.Client{Timeout: time.Minute}
