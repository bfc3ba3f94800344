// Package fakehttp holds the HTTP mechanics that the fake servers
// (fakeredash, fakesheets) use to inject faults: waiting that a cancelled
// request cuts short, a connection reset, and a response cut off after half
// its body. It knows nothing of either API.
package fakehttp

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Sleep waits d, or until ctx is done; false means ctx ended first.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// hijack takes over w's connection (through wrappers that have an Unwrap
// method); a writer that cannot be hijacked aborts the handler.
func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	return conn, buf
}

// Reset closes the client connection abruptly (RST where possible),
// without a response.
func Reset(w http.ResponseWriter) {
	conn, _ := hijack(w)
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// WriteTruncated sends rec's status and headers with the full
// Content-Length and only half of its body, then closes the connection.
func WriteTruncated(w http.ResponseWriter, rec *Recorder) {
	conn, buf := hijack(w)
	defer func() { _ = conn.Close() }()
	bw := bufio.NewWriter(conn)
	if buf != nil && buf.Writer != nil {
		bw = buf.Writer
	}
	status := rec.Status()
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	rec.header.Del("Content-Length")
	rec.header.Del("Transfer-Encoding")
	_ = rec.header.Write(bw)
	fmt.Fprintf(bw, "Content-Length: %d\r\nConnection: close\r\n\r\n", len(rec.body))
	_, _ = bw.Write(rec.body[:len(rec.body)/2])
	_ = bw.Flush()
}

// Recorder captures a response in memory.
type Recorder struct {
	header http.Header
	status int
	body   []byte
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{header: http.Header{}} }

// Header returns the response headers.
func (r *Recorder) Header() http.Header { return r.header }

// WriteHeader records the first status written.
func (r *Recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

// Write appends to the body (status 200 unless one was written).
func (r *Recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}

// Status is the recorded status (200 when nothing was written).
func (r *Recorder) Status() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
