package archive_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/root"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/redash"
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
//   - queries=1000,rate=150: --rate 150. Reported: the average rate (req/s)
//     and the most requests sent in any one-second window (max-req-1s),
//     timed as they leave the client (after its rate limiter and in-flight
//     slots, retries included). The limiter hands out its tokens 1/150 s
//     apart with a burst of one, so at most 151 requests get a token in any
//     second; a goroutine the scheduler wakes late after its token leaves
//     late and can bunch with the next ones, so on a busy machine a window
//     may count a few more. The check allows 5% for that.
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
				srv, err := fakeredash.New(fakeredash.Options{
					Version: "10.1.0", Queries: tc.queries*115/100 + 200, Seed: 3,
					Events: 1000, Latency: latency, Now: clitest.Now,
				})
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
				args := []string{
					"archive", "--ids-file", idsFile, "--backup-dir", filepath.Join(tmp, "run"), "--yes", "--quiet",
					"--concurrency", strconv.Itoa(concurrency), "--rate", strconv.FormatFloat(tc.rate, 'f', -1, 64),
				}
				env := clitest.Env{"HOME": tmp}
				ios, _, out, errOut := iostreams.Test()
				rec := &sendClock{base: http.DefaultTransport.(*http.Transport).Clone()}
				rec.base.MaxIdleConnsPerHost = concurrency + 2
				f := factory.New(ios, env.Lookup)
				f.Now = func() time.Time { return clitest.Now }
				f.Redash = func() (*redash.Client, error) {
					g := f.Globals
					return redash.NewClient(hs.URL, redash.WithAPIKey(srv.AdminKey()), redash.WithConcurrency(g.Concurrency),
						redash.WithRateLimit(g.Rate), redash.WithTimeout(g.Timeout), redash.WithHTTPClient(&http.Client{Transport: rec}))
				}
				cmd := root.NewCmdRoot(f)
				cmd.SetArgs(args)
				cmd.SetIn(ios.In)
				cmd.SetOut(ios.Out)
				cmd.SetErr(ios.ErrOut)
				b.StartTimer()
				start := time.Now()
				err = cmd.ExecuteContext(context.Background())
				d := time.Since(start)
				b.StopTimer()
				hs.Close()
				if err != nil || !strings.Contains(out.String(), "Archived "+thousands(tc.queries)+" of "+thousands(tc.queries)+" queries") {
					b.Fatalf("%v: %s%s", err, out.String(), errOut.String())
				}
				reqs := srv.Requests()
				elapsed += d
				requests += len(reqs)
				maxWindow = max(maxWindow, busiestSecond(rec.times()))
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

// sendClock is the client's base transport: it notes when each request
// leaves, after the client's rate limiter and in-flight slots.
type sendClock struct {
	base *http.Transport
	mu   sync.Mutex
	at   []time.Time
}

func (c *sendClock) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.at = append(c.at, time.Now())
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

func (c *sendClock) times() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.at)
}

// busiestSecond is the most requests sent within any one second.
func busiestSecond(times []time.Time) int {
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
