package sandbox

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/iostreams"
)

func TestServePrintsURLAndKeyAndStopsOnCancel(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type ready struct {
		url string
		srv *fakeredash.Server
	}
	readyCh := make(chan ready, 1)
	opts := &ServeOptions{
		IO: ios, Addr: "127.0.0.1:0", SheetsAddr: "127.0.0.1:0", Version: "5.0.2", Queries: 100, Seed: 1, Org: "acme",
		Ready: func(url string, srv *fakeredash.Server) { readyCh <- ready{url, srv} },
	}
	errCh := make(chan error, 1)
	go func() { errCh <- serveRun(ctx, opts) }()

	var r ready
	select {
	case r = <-readyCh:
	case err := <-errCh:
		t.Fatalf("serve ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not become ready")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url+"/acme/api/session", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Key "+r.srv.AdminKey())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `"5.0.2"`)

	// The fake Sheets beside it needs no credentials and makes any
	// spreadsheet on first use.
	m := regexp.MustCompile(`Fake Google Sheets API listening on (http://\S+) `).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, m[1]+"/v4/spreadsheets/demo", nil)
	require.NoError(t, err)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Contains(t, string(body), `"Sheet1"`)
	assert.Contains(t, out.String(), "export REDASHCTL_SHEETS_ENDPOINT="+m[1]+" REDASHCTL_SHEETS_CREDENTIALS=none")

	cancel()
	select {
	case err := <-errCh:
		assert.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	assert.Contains(t, out.String(), "Redash 5.0.2 sandbox listening on "+r.url)
	assert.Contains(t, out.String(), "admin API key: "+r.srv.AdminKey())
	assert.Contains(t, out.String(), "REDASHCTL_ORG=acme")
}
