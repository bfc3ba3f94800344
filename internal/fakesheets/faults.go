package fakesheets

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redashctl/redashctl/internal/fakehttp"
)

// FaultKind selects what a Fault does to a request.
type FaultKind int

// Fault kinds, as in the fake Redash.
const (
	// FaultRateLimit answers 429 RESOURCE_EXHAUSTED with Google's JSON
	// error body and a Retry-After header.
	FaultRateLimit FaultKind = iota + 1
	// FaultHTML5xx answers Status (502 by default) with an HTML error page,
	// as Google's front end does.
	FaultHTML5xx
	// FaultReset closes the connection without a response; the request is
	// not applied.
	FaultReset
	// FaultTruncate applies the request, then sends the real status and
	// headers with the full Content-Length but only half the body, and
	// closes the connection: the change is made but the caller never
	// learns it.
	FaultTruncate
	// FaultSlow waits Delay (or until the request is cancelled, in which
	// case nothing is applied) and then answers normally.
	FaultSlow
)

// String names the kind.
func (k FaultKind) String() string {
	switch k {
	case FaultRateLimit:
		return "rate-limit"
	case FaultHTML5xx:
		return "html-5xx"
	case FaultReset:
		return "reset"
	case FaultTruncate:
		return "truncate"
	case FaultSlow:
		return "slow"
	}
	return "fault(" + strconv.Itoa(int(k)) + ")"
}

// Fault injects a failure into matching requests. All set conditions must
// hold for a request to match.
type Fault struct {
	Kind FaultKind
	// Op limits the fault to one API method, as in Request.Op
	// ("spreadsheets.batchUpdate", "values.update", ...); "" matches any.
	Op string
	// PathPrefix limits the fault to unescaped paths with this prefix.
	PathPrefix string
	// Method limits the fault to one HTTP method; "" matches any.
	Method string
	// BodyContains limits the fault to requests whose body contains this
	// text, such as "copyPaste" to hit only a batchUpdate that pastes.
	BodyContains string
	// Skip lets the first Skip matching requests through unharmed.
	Skip int
	// Times is how many requests the fault hits; 0 means every request.
	Times int
	// Rate, if > 0, is the probability that a matching request is hit
	// (drawn from a generator seeded by Options.Seed).
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
	skipped int
	hits    int
}

// AddFault installs a fault. Faults are tried in the order they were added;
// the first one that matches and fires handles the request.
func (s *Server) AddFault(f Fault) {
	s.faultMu.Lock()
	s.faults = append(s.faults, &faultState{Fault: f})
	s.faultMu.Unlock()
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	s.faults = nil
	s.faultMu.Unlock()
}

// FaultHits returns how many requests each installed fault has hit, in the
// order they were added.
func (s *Server) FaultHits() []int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	out := make([]int, len(s.faults))
	for i, f := range s.faults {
		out[i] = f.hits
	}
	return out
}

func (s *Server) matchFault(method, op, path string, body []byte) *faultState {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for _, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, method) {
			continue
		}
		if f.Op != "" && f.Op != op {
			continue
		}
		if f.PathPrefix != "" && !strings.HasPrefix(path, f.PathPrefix) {
			continue
		}
		if f.BodyContains != "" && !bytes.Contains(body, []byte(f.BodyContains)) {
			continue
		}
		if f.Times > 0 && f.hits >= f.Times {
			continue
		}
		if f.skipped < f.Skip {
			f.skipped++
			continue
		}
		if f.Rate > 0 && s.faultRand.Float64() >= f.Rate {
			continue
		}
		f.hits++
		return f
	}
	return nil
}

// applyFault answers r according to f; false means "answer normally".
func (s *Server) applyFault(f *faultState, w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter)) bool {
	switch f.Kind {
	case FaultRateLimit:
		ra := f.RetryAfter
		if ra <= 0 {
			ra = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(ra))
		writeError(w, http.StatusTooManyRequests, "RESOURCE_EXHAUSTED",
			"Resource has been exhausted (e.g. check quota).")
	case FaultHTML5xx:
		st := f.Status
		if st == 0 {
			st = http.StatusBadGateway
		}
		page := fmt.Sprintf("<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error %d (Server Error)!!1</title>"+
			"<p><b>%d.</b> <ins>That’s an error.</ins><p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>\n", st, st)
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.WriteHeader(st)
		_, _ = w.Write([]byte(page))
	case FaultReset:
		fakehttp.Reset(w)
	case FaultTruncate:
		rec := fakehttp.NewRecorder()
		serve(rec)
		if sw, ok := w.(*statusWriter); ok {
			sw.setStatus(rec.Status())
		}
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
