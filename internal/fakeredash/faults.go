package fakeredash

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redashctl/redashctl/internal/fakehttp"
)

// FaultKind selects what a Fault does to a request.
type FaultKind int

// Fault kinds.
const (
	// FaultRateLimit answers 429 with Retry-After and a small HTML page,
	// as a reverse proxy does (§14).
	FaultRateLimit FaultKind = iota + 1
	// FaultHTML5xx answers Status (502 by default) with an nginx error page.
	FaultHTML5xx
	// FaultHTML200 answers 200 with the SPA index page, like an unknown path (§2.2).
	FaultHTML200
	// FaultReset closes the connection without a response.
	FaultReset
	// FaultTruncate sends the real status and headers with the full
	// Content-Length, then half the body, then closes the connection.
	FaultTruncate
	// FaultSlow sleeps Delay (or until the request is cancelled) and then
	// answers normally.
	FaultSlow
)

// String names the kind.
func (k FaultKind) String() string {
	switch k {
	case FaultRateLimit:
		return "rate-limit"
	case FaultHTML5xx:
		return "html-5xx"
	case FaultHTML200:
		return "html-200"
	case FaultReset:
		return "reset"
	case FaultTruncate:
		return "truncate"
	case FaultSlow:
		return "slow"
	}
	return "fault(" + strconv.Itoa(int(k)) + ")"
}

// Fault injects a failure into matching requests.
type Fault struct {
	Kind FaultKind
	// PathPrefix limits the fault to paths with this prefix, matched after
	// the org prefix is removed; "" matches any path.
	PathPrefix string
	// Path limits the fault to this one path (after the org prefix);
	// "" matches any. Use it for /api/queries/<id>, which as a prefix
	// would also match longer ids.
	Path string
	// Method limits the fault to one method; "" matches any.
	Method string
	// Times is how many requests the fault hits; 0 means every request.
	Times int
	// Rate, if > 0, is the probability that a matching request is hit
	// (drawn from a seeded generator).
	Rate float64
	// RetryAfter is the Retry-After header of FaultRateLimit, in seconds
	// (default 1).
	RetryAfter int
	// Delay is how long FaultSlow waits.
	Delay time.Duration
	// Status is the status of FaultHTML5xx (default 502).
	Status int
}

type faultState struct {
	Fault
	left atomic.Int64 // remaining hits when Times > 0
}

// AddFault installs a fault. Faults are tried in the order they were added;
// the first one that matches and fires handles the request.
func (s *Server) AddFault(f Fault) {
	fs := &faultState{Fault: f}
	fs.left.Store(int64(f.Times))
	s.faultMu.Lock()
	s.faults = append(s.faults, fs)
	s.faultMu.Unlock()
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	s.faults = nil
	s.faultMu.Unlock()
}

func (s *Server) matchFault(method, path string) *faultState {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for _, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.PathPrefix != "" && !strings.HasPrefix(path, f.PathPrefix) {
			continue
		}
		if f.Path != "" && path != f.Path {
			continue
		}
		if f.Rate > 0 && s.faultRand.Float64() >= f.Rate {
			continue
		}
		if f.Times > 0 {
			// Decrement only while hits remain.
			for {
				n := f.left.Load()
				if n <= 0 {
					break
				}
				if f.left.CompareAndSwap(n, n-1) {
					return f
				}
			}
			continue
		}
		return f
	}
	return nil
}

// applyFault answers r according to f; false means "answer normally".
func (s *Server) applyFault(f *faultState, w http.ResponseWriter, r *http.Request) bool {
	switch f.Kind {
	case FaultRateLimit:
		ra := f.RetryAfter
		if ra <= 0 {
			ra = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(ra))
		writeHTML(w, http.StatusTooManyRequests, nginxPage(http.StatusTooManyRequests))
	case FaultHTML5xx:
		st := f.Status
		if st == 0 {
			st = http.StatusBadGateway
		}
		writeHTML(w, st, nginxPage(st))
	case FaultHTML200:
		writeHTML(w, http.StatusOK, spaPage(s.opts.OrgSlug != ""))
	case FaultReset:
		fakehttp.Reset(w)
	case FaultTruncate:
		rec := fakehttp.NewRecorder()
		s.serve(rec, r)
		fakehttp.WriteTruncated(w, rec)
	case FaultSlow:
		if !fakehttp.Sleep(r.Context(), f.Delay) {
			return true
		}
		return false
	default:
		return false
	}
	return true
}
