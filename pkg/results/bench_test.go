package results_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redashctl/redashctl/pkg/redash"
	"github.com/redashctl/redashctl/pkg/results"
)

const benchRows = 100_000

// writeBigResult writes a query_result of n rows × 10 columns, generated
// as it goes, so that the server holds no copy of it.
func writeBigResult(w io.Writer, n int) {
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString(`{"query_result": {"id": 1, "query_hash": "h", "query": "select", "data": {"columns": [` +
		`{"name": "id", "friendly_name": "id", "type": "integer"}, {"name": "name", "friendly_name": "name", "type": "string"},` +
		`{"name": "amount", "friendly_name": "amount", "type": "float"}, {"name": "ok", "friendly_name": "ok", "type": "boolean"},` +
		`{"name": "day", "friendly_name": "day", "type": "date"}, {"name": "at", "friendly_name": "at", "type": "datetime"},` +
		`{"name": "region", "friendly_name": "region", "type": "string"}, {"name": "units", "friendly_name": "units", "type": "integer"},` +
		`{"name": "note", "friendly_name": "note", "type": "string"}, {"name": "extra", "friendly_name": "extra", "type": null}], "rows": [`)
	var b []byte
	for i := range n {
		b = b[:0]
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, `{"id": `...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `, "name": "customer `...)
		b = strconv.AppendInt(b, int64(i%977), 10)
		b = append(b, `", "amount": `...)
		b = strconv.AppendFloat(b, float64(i)*1.25, 'f', 2, 64)
		b = append(b, `, "ok": `...)
		b = strconv.AppendBool(b, i%3 == 0)
		b = append(b, `, "day": "2025-01-`...)
		b = append(b, byte('1'+i%9))
		b = append(b, `", "at": "2025-01-02T03:04:05.123456", "region": "EMEA", "units": `...)
		b = strconv.AppendInt(b, int64(i%100), 10)
		b = append(b, `, "note": "some free text, with a comma", "extra": null}`...)
		_, _ = bw.Write(b)
	}
	_, _ = bw.WriteString(`]}, "data_source_id": 1, "runtime": 1.5, "retrieved_at": "2026-11-01T11:00:00Z"}}`)
	_ = bw.Flush()
}

func bigResultServer(b *testing.B, cached bool) *redash.Client {
	b.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/queries/1":
			_, _ = io.WriteString(w, `{"id": 1, "name": "Big", "query": "select", "data_source_id": 1, "options": {"parameters": []}}`)
		case "/api/queries/1/results":
			if cached {
				writeBigResult(w, benchRows)
				return
			}
			_, _ = io.WriteString(w, `{"job": {"id": "j", "status": 1, "error": "", "query_result_id": null}}`)
		case "/api/jobs/j":
			_, _ = io.WriteString(w, `{"job": {"id": "j", "status": 3, "error": "", "query_result_id": 1}}`)
		case "/api/query_results/1":
			writeBigResult(w, benchRows)
		default:
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message": "not found"}`)
		}
	}))
	b.Cleanup(hs.Close)
	c, err := redash.NewClient(hs.URL, redash.WithAPIKey("k"), redash.WithVersion(redash.MustParseVersion("10.1.0")))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// heapPeak samples the live heap until stopped and returns its peak.
func heapPeak() (stop func() uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

// BenchmarkExportCSV streams a 100,000-row × 10-column result into a CSV
// file: "ran" reads it by id after a run, "cached" from Redash's answer to
// the run request. The server is in the same process, so the peak heap
// includes its buffers.
func BenchmarkExportCSV(b *testing.B) {
	for _, cached := range []bool{false, true} {
		name := "ran"
		if cached {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			client := bigResultServer(b, cached)
			exp := results.NewExporter(client, results.Options{PollInterval: time.Millisecond})
			dir := b.TempDir()
			stop := heapPeak()
			b.ResetTimer()
			var size int64
			for range b.N {
				path := filepath.Join(dir, "out.csv")
				sink, err := results.NewFileSink(path, results.CSV)
				if err != nil {
					b.Fatal(err)
				}
				sum, err := exp.Export(context.Background(), results.Request{QueryID: 1}, sink)
				if err != nil {
					b.Fatal(err)
				}
				if sum.Rows != benchRows {
					b.Fatalf("got %d rows", sum.Rows)
				}
				fi, err := os.Stat(path)
				if err != nil {
					b.Fatal(err)
				}
				size = fi.Size()
			}
			b.StopTimer()
			peak := stop()
			b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(size)/(1<<20), "file-MB")
		})
	}
}
