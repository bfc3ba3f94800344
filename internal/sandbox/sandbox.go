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
	"github.com/redashctl/redashctl/internal/fakesheets"
)

// Sandbox is a running fake Redash, and optionally a fake Google Sheets API.
type Sandbox struct {
	Redash *fakeredash.Server
	// URL is the base URL, without an org prefix.
	URL string
	// Sheets is the fake Google Sheets API, nil unless started with
	// StartWithSheets; SheetsURL is its endpoint (for --sheets-endpoint).
	Sheets    *fakesheets.Server
	SheetsURL string
	servers   []*http.Server
}

// Start generates the fake Redash and serves it on addr ("127.0.0.1:0" picks a port).
func Start(addr string, o fakeredash.Options) (*Sandbox, error) {
	srv, err := fakeredash.New(o)
	if err != nil {
		return nil, err
	}
	sb := &Sandbox{Redash: srv}
	if sb.URL, err = sb.serve(addr, srv); err != nil {
		return nil, err
	}
	return sb, nil
}

// StartWithSheets is Start plus a fake Google Sheets API on sheetsAddr,
// which needs no credentials (--credentials none) and creates an unknown
// spreadsheet, with one tab "Sheet1", on first use.
func StartWithSheets(addr, sheetsAddr string, o fakeredash.Options) (*Sandbox, error) {
	sb, err := Start(addr, o)
	if err != nil {
		return nil, err
	}
	sb.Sheets = fakesheets.New(fakesheets.Options{NoAuth: true, AutoCreate: true})
	if sb.SheetsURL, err = sb.serve(sheetsAddr, sb.Sheets); err != nil {
		sb.Close()
		return nil, err
	}
	return sb, nil
}

func (s *Sandbox) serve(addr string, h http.Handler) (string, error) {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("sandbox: cannot listen on %s: %w", addr, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	s.servers = append(s.servers, hs)
	return "http://" + ln.Addr().String(), nil
}

// Close stops serving.
func (s *Sandbox) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, hs := range s.servers {
		_ = hs.Shutdown(ctx)
	}
}
