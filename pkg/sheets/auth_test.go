package sheets_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakesheets"
	"github.com/redashctl/redashctl/pkg/sheets"
)

const saEmail = "exporter@proj.iam.gserviceaccount.com"

var (
	keyOnce sync.Once
	keyPEM  string
)

func privateKeyPEM(t *testing.T) string {
	t.Helper()
	keyOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			panic(err)
		}
		keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	})
	return keyPEM
}

// tokenServer is Google's OAuth token endpoint for service accounts: it
// trades a signed JWT for an access token.
type tokenServer struct {
	*httptest.Server
	calls  atomic.Int32
	reject bool
	claims map[string]any
	mu     sync.Mutex
}

func newTokenServer(t *testing.T, reject bool) *tokenServer {
	t.Helper()
	ts := &tokenServer{reject: reject}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.calls.Add(1)
		if err := r.ParseForm(); err != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
			http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
			return
		}
		parts := strings.Split(r.Form.Get("assertion"), ".")
		if len(parts) == 3 {
			if raw, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
				ts.mu.Lock()
				_ = json.Unmarshal(raw, &ts.claims)
				ts.mu.Unlock()
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if ts.reject {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"ya29.test-token","token_type":"Bearer","expires_in":3600}`))
	}))
	t.Cleanup(ts.Close)
	return ts
}

// writeKey writes a service-account key file whose token_uri is the token
// server.
func writeKey(t *testing.T, tokenURI string, mutate func(map[string]any)) string {
	t.Helper()
	key := map[string]any{
		"type": "service_account", "project_id": "proj", "private_key_id": "k1",
		"private_key": privateKeyPEM(t), "client_email": saEmail, "client_id": "1",
		"token_uri": tokenURI, "universe_domain": "googleapis.com",
	}
	if mutate != nil {
		mutate(key)
	}
	data, err := json.Marshal(key)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "key.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

func TestServiceAccountKeyFile(t *testing.T) {
	tok := newTokenServer(t, false)
	key := writeKey(t, tok.URL+"/token", nil)
	h := newHarness(t, fakesheets.Options{Tokens: []string{"ya29.test-token"}}, func(o *sheets.Options) { o.Credentials = key })
	h.fake.CreateSpreadsheet("book", "Data")
	assert.Equal(t, saEmail, h.w.ServiceAccount())

	_, err := h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("a"), [][]any{{1}}), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, valuesGrid([]string{"a"}, [][]any{{1.0}}), h.grid("book", "Data"))
	for _, r := range h.fake.Requests() {
		assert.Equal(t, "Bearer ya29.test-token", r.Header.Get("Authorization"))
	}
	assert.Equal(t, int32(1), tok.calls.Load(), "the token is cached")
	tok.mu.Lock()
	assert.Equal(t, saEmail, tok.claims["iss"])
	assert.Contains(t, tok.claims["scope"], "https://www.googleapis.com/auth/spreadsheets")
	tok.mu.Unlock()

	// Not shared: one line naming the service account, an auth error.
	require.NoError(t, h.fake.SetAccess("book", fakesheets.AccessNone))
	_, err = h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("a"), [][]any{{2}}), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrPermission)
	require.ErrorIs(t, err, sheets.ErrAuth)
	assert.EqualError(t, err, `write to spreadsheet book tab "Data": spreadsheet book is not shared with the service account `+saEmail+
		` as Editor (share it with that address) [403 PERMISSION_DENIED: The caller does not have permission]`)
	var ae *sheets.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 403, ae.StatusCode)

	// Shared as viewer: readable, not writable; nothing changes.
	require.NoError(t, h.fake.SetAccess("book", fakesheets.AccessView))
	_, err = h.write(sheets.Target{SpreadsheetID: "book", Tab: "Data"}, table(cols("a"), [][]any{{2}}), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrPermission)
	assert.Equal(t, valuesGrid([]string{"a"}, [][]any{{1.0}}), h.grid("book", "Data"))
}

func TestApplicationDefaultCredentials(t *testing.T) {
	tok := newTokenServer(t, false)
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", writeKey(t, tok.URL+"/token", nil))
	h := newHarness(t, fakesheets.Options{Tokens: []string{"ya29.test-token"}}, func(o *sheets.Options) { o.Credentials = "" })
	h.fake.CreateSpreadsheet("book")
	assert.Equal(t, saEmail, h.w.ServiceAccount())
	_, err := h.write(sheets.Target{SpreadsheetID: "book"}, table(cols("a"), [][]any{{1}}), sheets.WriteOptions{})
	require.NoError(t, err)
	assert.Equal(t, int32(1), tok.calls.Load())
}

func TestCredentialErrors(t *testing.T) {
	tok := newTokenServer(t, false)
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "not.json")
	require.NoError(t, os.WriteFile(notJSON, []byte("hello"), 0o600))
	tests := []struct {
		name string
		cred string
		env  string
		want string
	}{
		{"missing file", filepath.Join(dir, "nope.json"), "", "google credentials: open " + filepath.Join(dir, "nope.json") + ": no such file or directory"},
		{"not JSON", notJSON, "", "google credentials " + notJSON + ": not a JSON key file"},
		{
			"user credentials", writeKey(t, tok.URL, func(k map[string]any) { k["type"] = "authorized_user" }), "",
			`type "authorized_user" is not a service-account key`,
		},
		{
			"no private key", writeKey(t, tok.URL, func(k map[string]any) { delete(k, "private_key") }), "",
			"the service-account key has no client_email or private_key",
		},
		{
			"no default credentials", "", filepath.Join(dir, "nope.json"),
			"no Google credentials: give a service-account key file (--credentials) or set up Application Default Credentials",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", tt.env)
			_, err := sheets.New(t.Context(), sheets.Options{Credentials: tt.cred, Endpoint: "http://127.0.0.1:1/"})
			require.ErrorIs(t, err, sheets.ErrAuth)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n")
		})
	}

	_, err := sheets.New(t.Context(), sheets.Options{Credentials: sheets.CredentialsNone})
	require.ErrorIs(t, err, sheets.ErrAuth, "no credentials only with an endpoint")
	assert.EqualError(t, err, `sheets credentials "none" need a sheets endpoint: Google itself always requires credentials`)
	_, err = sheets.New(t.Context(), sheets.Options{Credentials: sheets.CredentialsNone, Endpoint: "ftp://x"})
	assert.EqualError(t, err, `sheets endpoint "ftp://x": not an http(s) URL`)
}

func TestRejectedCredentials(t *testing.T) {
	// The token endpoint refuses the key (revoked, say): the first call
	// fails with an auth error, and nothing reaches the Sheets API.
	tok := newTokenServer(t, true)
	h := newHarness(t, fakesheets.Options{Tokens: []string{"ya29.test-token"}}, func(o *sheets.Options) {
		o.Credentials = writeKey(t, tok.URL+"/token", nil)
	})
	h.fake.CreateSpreadsheet("book")
	_, err := h.write(sheets.Target{SpreadsheetID: "book"}, table(cols("a"), nil), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrAuth)
	assert.Contains(t, err.Error(), "google credentials: cannot get an access token")
	assert.Contains(t, err.Error(), "invalid_grant")
	assert.Empty(t, h.fake.Requests())

	// Google refuses the access token itself (401).
	good := newTokenServer(t, false)
	h = newHarness(t, fakesheets.Options{Tokens: []string{"another-token"}}, func(o *sheets.Options) {
		o.Credentials = writeKey(t, good.URL+"/token", nil)
	})
	h.fake.CreateSpreadsheet("book")
	_, err = h.write(sheets.Target{SpreadsheetID: "book"}, table(cols("a"), nil), sheets.WriteOptions{})
	require.ErrorIs(t, err, sheets.ErrAuth)
	assert.Contains(t, err.Error(), "google rejected the credentials: 401 UNAUTHENTICATED")
}
