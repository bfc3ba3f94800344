package fakeredash

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// BenchmarkListQueries lists all 15,000 queries at page_size 250 through
// ServeHTTP (no network), one op = one page.
func BenchmarkListQueries(b *testing.B) {
	s, err := New(Options{Seed: 1, Now: time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	key := s.AdminKey()
	pages := (len(s.VisibleQueryIDs(key)) + 249) / 250
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req := httptest.NewRequest(http.MethodGet, "/api/queries?page_size=250&page="+strconv.Itoa(1+i%pages), nil)
		req.Header.Set("Authorization", "Key "+key)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
		_, _ = io.Copy(io.Discard, w.Body)
	}
}

// BenchmarkNew generates the default world.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		if _, err := New(Options{Seed: 1, Now: time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)}); err != nil {
			b.Fatal(err)
		}
	}
}
