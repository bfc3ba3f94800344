package fakeredash

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultRateLimit(t *testing.T) {
	f := newFixture(t, Options{Queries: 50})
	f.s.AddFault(Fault{Kind: FaultRateLimit, PathPrefix: "/api/queries", Times: 2, RetryAfter: 7})
	for range 2 {
		r := f.get("/api/queries", f.s.AdminKey())
		assert.Equal(t, http.StatusTooManyRequests, r.status)
		assert.Equal(t, "7", r.header.Get("Retry-After"))
		assert.True(t, r.isHTML())
	}
	assert.Equal(t, http.StatusOK, f.get("/api/queries", f.s.AdminKey()).status, "Times ran out")
	// Other paths were never hit.
	f.s.AddFault(Fault{Kind: FaultRateLimit, PathPrefix: "/api/dashboards"})
	assert.Equal(t, http.StatusOK, f.get("/api/queries", f.s.AdminKey()).status)
	assert.Equal(t, http.StatusTooManyRequests, f.get("/api/dashboards", f.s.AdminKey()).status)
	f.s.ClearFaults()
	assert.Equal(t, http.StatusOK, f.get("/api/dashboards", f.s.AdminKey()).status)
}

func TestFaultExactPath(t *testing.T) {
	f := newFixture(t, Options{Queries: 50})
	f.s.AddFault(Fault{Kind: FaultRateLimit, Path: "/api/queries/1"})
	assert.Equal(t, http.StatusTooManyRequests, f.get("/api/queries/1", f.s.AdminKey()).status)
	for _, path := range []string{"/api/queries/12", "/api/queries/1/results", "/api/queries"} {
		assert.NotEqual(t, http.StatusTooManyRequests, f.get(path, f.s.AdminKey()).status, path)
	}
}

func TestFaultHTML(t *testing.T) {
	f := newFixture(t, Options{Queries: 50, OrgSlug: "acme"})
	f.s.AddFault(Fault{Kind: FaultHTML5xx, PathPrefix: "/api/queries", Method: http.MethodGet, Times: 1})
	f.s.AddFault(Fault{Kind: FaultHTML5xx, Status: 504, Times: 1})
	r := f.get("/api/queries", f.s.AdminKey())
	assert.Equal(t, http.StatusBadGateway, r.status, "matched after the org prefix")
	assert.True(t, r.isHTML())
	assert.Contains(t, string(r.body), "nginx")
	r = f.get("/api/queries", f.s.AdminKey())
	assert.Equal(t, http.StatusGatewayTimeout, r.status)

	f.s.AddFault(Fault{Kind: FaultHTML200, Times: 1})
	r = f.get("/api/queries", f.s.AdminKey())
	assert.Equal(t, http.StatusOK, r.status)
	assert.True(t, r.isHTML())
	assert.Equal(t, http.StatusOK, f.get("/api/queries", f.s.AdminKey()).status)
}

func TestFaultReset(t *testing.T) {
	f := newFixture(t, Options{Queries: 50})
	f.s.AddFault(Fault{Kind: FaultReset, Times: 1})
	req, err := http.NewRequest(http.MethodGet, f.url+"/api/queries", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Key "+f.s.AdminKey())
	resp, err := f.hc.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err)
	assert.Equal(t, http.StatusOK, f.get("/api/queries", f.s.AdminKey()).status)
}

func TestFaultTruncate(t *testing.T) {
	f := newFixture(t, Options{Queries: 50})
	full := f.get("/api/queries", f.s.AdminKey())
	f.s.AddFault(Fault{Kind: FaultTruncate, Times: 1})
	req, err := http.NewRequest(http.MethodGet, f.url+"/api/queries", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Key "+f.s.AdminKey())
	resp, err := f.hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, int64(len(full.body)), resp.ContentLength)
	b, err := io.ReadAll(resp.Body)
	require.Error(t, err)
	assert.True(t, errors.Is(err, io.ErrUnexpectedEOF), "got %v", err)
	assert.Equal(t, full.body[:len(b)], b)
	assert.Less(t, len(b), len(full.body))
}

func TestFaultSlowRespectsContext(t *testing.T) {
	f := newFixture(t, Options{Queries: 50})
	f.s.AddFault(Fault{Kind: FaultSlow, Delay: time.Hour})
	// The server would wait an hour; the client gives up first and the
	// handler returns when the request context ends.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url+"/api/session", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Key "+f.s.AdminKey())
	resp, err := f.hc.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	f.s.ClearFaults()
	f.s.AddFault(Fault{Kind: FaultSlow, Delay: time.Millisecond, Times: 1})
	assert.Equal(t, http.StatusOK, f.get("/api/session", f.s.AdminKey()).status, "a slow answer is still an answer")
}

func TestFaultRateIsSeededAndTimesIsExact(t *testing.T) {
	f := newFixture(t, Options{Queries: 50})
	f.s.AddFault(Fault{Kind: FaultHTML5xx, Status: 503, Rate: 0.5, PathPrefix: "/api/session"})
	hits := 0
	for range 200 {
		if f.get("/api/session", f.s.AdminKey()).status == http.StatusServiceUnavailable {
			hits++
		}
	}
	assert.InDelta(t, 100, hits, 40)

	// Times decrements atomically under concurrent requests.
	f.s.ClearFaults()
	f.s.AddFault(Fault{Kind: FaultHTML5xx, Times: 10})
	var mu sync.Mutex
	failed := 0
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if f.get("/api/session", f.s.AdminKey()).status == http.StatusBadGateway {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, 10, failed)
}

func TestRequestsRecorded(t *testing.T) {
	f := newFixture(t, Options{Queries: 50})
	f.do(http.MethodPost, "/api/queries/1?x=1", f.s.AdminKey(), `{"name":"n"}`)
	reqs := f.s.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, "/api/queries/1", reqs[0].Path)
	assert.Equal(t, "x=1", reqs[0].RawQuery)
	assert.Equal(t, "Key "+f.s.AdminKey(), reqs[0].Header.Get("Authorization"))
	assert.Equal(t, `{"name":"n"}`, string(reqs[0].Body))
	assert.False(t, reqs[0].Time.IsZero())
	f.s.ResetRequests()
	assert.Empty(t, f.s.Requests())
}

func TestLatency(t *testing.T) {
	f := newFixture(t, Options{Queries: 50, Latency: 30 * time.Millisecond})
	// No timing assertion: the request still succeeds with latency on, and
	// a cancelled request stops waiting.
	assert.Equal(t, http.StatusOK, f.get("/api/session", f.s.AdminKey()).status)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url+"/api/session", nil)
	require.NoError(t, err)
	_, err = f.hc.Do(req)
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "canceled"))
}
