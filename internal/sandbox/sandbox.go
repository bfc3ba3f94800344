// Package sandbox starts the embedded fake servers on a real listener, for
// `redashctl sandbox serve` and `redashctl demo`.
package sandbox

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/redashctl/redashctl/internal/fakeredash"
)

// Sandbox is a running fake Redash.
type Sandbox struct {
	Redash *fakeredash.Server
	// URL is the base URL, without an org prefix.
	URL string
	hs  *http.Server
}

// Start generates the fake Redash and serves it on addr ("127.0.0.1:0" picks a port).
func Start(addr string, o fakeredash.Options) (*Sandbox, error) {
	srv, err := fakeredash.New(o)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: cannot listen on %s: %w", addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return &Sandbox{Redash: srv, URL: "http://" + ln.Addr().String(), hs: hs}, nil
}

// Close stops serving.
func (s *Sandbox) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.hs.Shutdown(ctx)
}
