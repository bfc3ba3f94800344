package sheets_test

import (
	"net/http/httptest"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// peakHeap samples the live heap until stop is called and returns the
// largest value seen, in bytes.
func peakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var (
		peak uint64
		mu   sync.Mutex
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peak {
			mu.Lock()
			peak = max(peak, v)
			mu.Unlock()
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		read()
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// BenchmarkExport100k replaces a tab of the fake Sheets with 100,000 rows ×
// 10 typed columns, streamed from a generator as a result decoder would.
// Metrics: write requests and bytes per write request of one export,
// simulated seconds spent pacing at Google's 60 writes a minute (the run
// itself does not wait), and the peak live heap of the whole process, the
// fake's copy of the grid (twice, while the swap runs) included.
func BenchmarkExport100k(b *testing.B) {
	clock := fakesheets.NewClock(t0)
	fake := fakesheets.New(fakesheets.Options{NoAuth: true, Now: clock.Now})
	fake.CreateSpreadsheet("bench", "Data")
	srv := httptest.NewServer(fake)
	defer srv.Close()
	w, err := sheets.New(b.Context(), sheets.Options{
		Credentials: sheets.CredentialsNone, Endpoint: srv.URL, HTTPClient: srv.Client(), Retry: testPolicy(clock),
	})
	if err != nil {
		b.Fatal(err)
	}
	columns := []sheets.Column{
		{Name: "id", Type: sheets.TypeInteger},
		{Name: "amount", Type: sheets.TypeFloat},
		{Name: "customer", Type: sheets.TypeString},
		{Name: "paid", Type: sheets.TypeBoolean},
		{Name: "day", Type: sheets.TypeDate},
		{Name: "created_at", Type: sheets.TypeDatetime},
		{Name: "items", Type: sheets.TypeInteger},
		{Name: "region", Type: sheets.TypeString},
		{Name: "note", Type: sheets.TypeString},
		{Name: "ratio", Type: sheets.TypeFloat},
	}
	regions := []string{"emea", "apac", "amer", "latam"}
	const rows = 100_000
	tbl := genTable(columns, rows, func(i int, row []any) {
		row[0] = i
		row[1] = float64(i%10_000) / 7
		row[2] = "customer-" + strconv.Itoa(i%5000)
		row[3] = i%3 == 0
		row[4] = "2024-0" + strconv.Itoa(1+i%9) + "-1" + strconv.Itoa(i%10)
		row[5] = "2024-05-01T" + strconv.Itoa(10+i%10) + ":3" + strconv.Itoa(i%10) + ":00Z"
		if i%7 == 0 {
			row[6] = nil
		} else {
			row[6] = i % 13
		}
		row[7] = regions[i%4]
		row[8] = "order placed through the partner portal #" + strconv.Itoa(i)
		row[9] = 1 / float64(1+i%17)
	})
	tbl.RowCount = rows
	target := sheets.Target{SpreadsheetID: "bench", Tab: "Data"}

	runtime.GC()
	stop := peakHeap()
	var last *sheets.Result
	b.ResetTimer()
	for b.Loop() {
		last, err = w.Write(b.Context(), target, tbl, sheets.WriteOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	peak := stop()
	if last.Rows != rows {
		b.Fatalf("wrote %d rows", last.Rows)
	}
	st := last.Stats
	b.ReportMetric(float64(st.WriteRequests), "write-requests/op")
	b.ReportMetric(float64(st.BytesSent)/float64(max(st.WriteRequests, 1)), "bytes/write-request")
	b.ReportMetric(float64(st.MaxRequestBytes), "max-request-bytes")
	b.ReportMetric(st.Paced.Seconds(), "paced-s/op")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
