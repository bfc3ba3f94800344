package archive_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/root"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/iostreams"
)

// BenchmarkArchive archives queries of a Redash 10.1 sandbox that answers
// every request after 20 ms, with --concurrency 8, backups and journal on
// the local disk.
//
//   - queries=10000: no rate limit. Reported: the run's wall time, requests
//     per archived query (all requests counted: listing, dashboards,
//     alerts, backups, DELETEs, verification), requests per second, and
//     x-ideal, that rate as a fraction of the ideal concurrency / latency
//     = 400 requests per second (target ≥ 0.8).
//   - queries=1000,rate=150: --rate 150. Reported: the average rate (req/s,
//     which must not be above 150) and the most requests the sandbox saw
//     arrive in any one-second window (max-req-1s). The client's limiter
//     spaces requests 1/150 s apart with a burst of one, so at most 151 are
//     sent in any second; arrivals can bunch by a request or two when the
//     machine delays some sends, so the check allows 5% over that.
func BenchmarkArchive(b *testing.B) {
	for _, tc := range []struct {
		name    string
		queries int
		rate    float64
	}{
		{"queries=10000", 10000, 0},
		{"queries=1000,rate=150", 1000, 150},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const concurrency, latency = 8, 20 * time.Millisecond
			var elapsed time.Duration
			var requests, maxWindow int
			runs := 0
			for b.Loop() {
				b.StopTimer()
				srv, err := fakeredash.New(fakeredash.Options{Version: "10.1.0", Queries: tc.queries*115/100 + 200, Seed: 3,
					Events: 1000, Latency: latency, Now: clitest.Now})
				if err != nil {
					b.Fatal(err)
				}
				hs := httptest.NewServer(srv)
				ids := archivable(srv, tc.queries)
				if len(ids) < tc.queries {
					b.Fatalf("the sandbox has %d archivable queries, want %d", len(ids), tc.queries)
				}
				tmp := b.TempDir()
				idsFile := filepath.Join(tmp, "ids.txt")
				if err := os.WriteFile(idsFile, []byte(strings.Join(ids, "\n")+"\n"), 0o600); err != nil {
					b.Fatal(err)
				}
				args := []string{"archive", "--ids-file", idsFile, "--backup-dir", filepath.Join(tmp, "run"), "--yes", "--quiet",
					"--concurrency", strconv.Itoa(concurrency), "--rate", strconv.FormatFloat(tc.rate, 'f', -1, 64)}
				env := clitest.EnvFor(hs.URL, srv.AdminKey())
				env["HOME"] = tmp
				ios, _, out, errOut := iostreams.Test()
				b.StartTimer()
				start := time.Now()
				code := root.RunWithClock(context.Background(), args, ios, env.Lookup, func() time.Time { return clitest.Now })
				d := time.Since(start)
				b.StopTimer()
				hs.Close()
				if code != 0 || !strings.Contains(out.String(), "Archived "+thousands(tc.queries)+" of "+thousands(tc.queries)+" queries") {
					b.Fatalf("exit %d: %s%s", code, out.String(), errOut.String())
				}
				reqs := srv.Requests()
				elapsed += d
				requests += len(reqs)
				maxWindow = max(maxWindow, busiestSecond(reqs))
				runs++
				b.StartTimer()
			}
			perRun := elapsed.Seconds() / float64(runs)
			rps := float64(requests) / elapsed.Seconds()
			b.ReportMetric(perRun, "s/run")
			b.ReportMetric(float64(requests)/float64(runs*tc.queries), "requests/query")
			b.ReportMetric(rps, "req/s")
			if tc.rate == 0 {
				b.ReportMetric(rps/(concurrency/latency.Seconds()), "x-ideal")
			} else {
				b.ReportMetric(float64(maxWindow), "max-req-1s")
				if rps > tc.rate {
					b.Errorf("%.1f requests per second on average, above --rate %g", rps, tc.rate)
				}
				if float64(maxWindow) > 1.05*tc.rate+1 {
					b.Errorf("%d requests in one second, above --rate %g", maxWindow, tc.rate)
				}
			}
		})
	}
}

// archivable returns n queries the admin lists that carry no keep tag.
func archivable(srv *fakeredash.Server, n int) []string {
	visible := map[int]bool{}
	for _, id := range srv.VisibleQueryIDs(srv.AdminKey()) {
		visible[id] = true
	}
	var out []string
	for _, q := range srv.Snapshot().Queries {
		if len(out) == n {
			break
		}
		if visible[q.ID] && !slices.Contains(q.Tags, "keep") {
			out = append(out, strconv.Itoa(q.ID))
		}
	}
	return out
}

// busiestSecond is the most requests that arrived within any one second.
func busiestSecond(reqs []fakeredash.Request) int {
	times := make([]time.Time, len(reqs))
	for i, r := range reqs {
		times[i] = r.Time
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= time.Second {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
