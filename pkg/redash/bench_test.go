package redash

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkListAll lists 15,000 queries from a local server that takes 20 ms
// per request, as `make bench` does against the sandbox. It reports the
// requests per listing and the lower bound ceil(N/250)/concurrency × latency.
func BenchmarkListAll(b *testing.B) {
	const (
		rows    = 15000
		latency = 20 * time.Millisecond
	)
	f := &fakeRedash{major: 10}
	// Pre-render the pages: the benchmark measures the client, not the fake.
	pages := map[int][]byte{}
	var all []map[string]any
	for id := rows; id >= 1; id-- {
		all = append(all, f.makeQuery(id))
	}
	for p := 1; (p-1)*MaxPageSize < rows; p++ {
		lo := (p - 1) * MaxPageSize
		body, err := json.Marshal(map[string]any{
			"count": rows, "page": p, "page_size": MaxPageSize,
			"results": all[lo:min(lo+MaxPageSize, rows)],
		})
		if err != nil {
			b.Fatal(err)
		}
		pages[p] = body
	}
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		time.Sleep(latency)
		p, _ := strconv.Atoi(r.URL.Query().Get("page"))
		body, ok := pages[p]
		if !ok {
			writeJSON(w, 400, map[string]string{"message": "Page is out of range."})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	for _, conc := range []int{1, 4, 8} {
		b.Run("concurrency="+strconv.Itoa(conc), func(b *testing.B) {
			c, err := NewClient(srv.URL, WithAPIKey(testKey), WithVersion(MustParseVersion("10.1.0")), WithConcurrency(conc))
			if err != nil {
				b.Fatal(err)
			}
			requests.Store(0)
			b.ResetTimer()
			for range b.N {
				qs, err := c.Queries.ListAll(context.Background(), QueryListOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if len(qs) != rows {
					b.Fatalf("got %d queries, want %d", len(qs), rows)
				}
			}
			b.StopTimer()
			pagesN := (rows + MaxPageSize - 1) / MaxPageSize
			bound := time.Duration(1+(pagesN-1+conc-1)/conc) * latency
			b.ReportMetric(float64(requests.Load())/float64(b.N), "requests/op")
			b.ReportMetric(float64(bound.Milliseconds()), "lower-bound-ms")
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}
