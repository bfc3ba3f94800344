package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
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

// BenchmarkListQueries compares what most Redash clients do (page_size=100,
// one page after another) with redashctl's paging (250 a page, the rest of
// the pages concurrently), against the sandbox at 20 ms per request. The
// sandbox runs as its own process, as a Redash does (see benchproc.Sandbox).
// Reported: ms per listing, requests, the lower bound
// ceil(N/250)/concurrency x latency, and the ratios.
func BenchmarkListQueries(b *testing.B) {
	bin := benchproc.Build(b)
	url, key := benchproc.Sandbox(b, bin, "--redash-version", "10.1.0", "--queries", fmt.Sprint(benchQueries),
		"--seed", "1", "--latency", benchLatency.String())
	// The generator is deterministic: the same sandbox in process says
	// which queries the listing must return.
	truth, err := fakeredash.New(fakeredash.Options{Version: "10.1.0", Queries: benchQueries, Seed: 1})
	require.NoError(b, err)
	require.Equal(b, truth.AdminKey(), key, "the sandbox process generated other data")
	want := truth.VisibleQueryIDs(key)
	ctx := context.Background()

	var seqMS float64
	b.Run("sequential-page_size=100", func(b *testing.B) {
		var requests int
		start := time.Now()
		for b.Loop() {
			n, pages := sequentialList(b, url, key)
			require.Equal(b, len(want), n)
			requests += pages
		}
		seqMS = float64(time.Since(start).Milliseconds()) / float64(b.N)
		b.ReportMetric(seqMS, "ms/list")
		b.ReportMetric(float64(requests)/float64(b.N), "requests/list")
	})
	for _, conc := range []int{4, 5, 8} {
		b.Run(fmt.Sprintf("redashctl/concurrency=%d", conc), func(b *testing.B) {
			var requests lineCounter // one --debug line per request sent
			client, err := redash.NewClient(url, redash.WithAPIKey(key), redash.WithConcurrency(conc),
				redash.WithVersion(redash.MustParseVersion("10.1.0")), redash.WithDebug(&requests))
			require.NoError(b, err)
			start := time.Now()
			for b.Loop() {
				qs, err := client.Queries.ListAll(ctx, redash.QueryListOptions{})
				require.NoError(b, err)
				require.Len(b, qs, len(want))
			}
			ms := float64(time.Since(start).Milliseconds()) / float64(b.N)
			lower := math.Ceil(float64(len(want))/250) / float64(conc) * float64(benchLatency.Milliseconds())
			b.ReportMetric(ms, "ms/list")
			b.ReportMetric(float64(requests.n.Load())/float64(b.N), "requests/list")
			b.ReportMetric(lower, "lowerbound-ms")
			b.ReportMetric(ms/lower, "x-lowerbound")
			if seqMS > 0 {
				b.ReportMetric(seqMS/ms, "x-faster-than-sequential")
			}
		})
	}
}

// lineCounter counts the lines written to it.
type lineCounter struct{ n atomic.Int64 }

func (c *lineCounter) Write(p []byte) (int, error) {
	c.n.Add(int64(bytes.Count(p, []byte{'\n'})))
	return len(p), nil
}

// sequentialList is the baseline: page_size=100, one page after another,
// as most existing Redash clients page.
func sequentialList(b *testing.B, url, key string) (seen, requests int) {
	b.Helper()
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
			return seen, page
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
