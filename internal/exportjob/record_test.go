package exportjob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/pkg/redash"
	"github.com/redashctl/redashctl/pkg/results"
	"github.com/redashctl/redashctl/pkg/sheets"
)

func TestCheckURL(t *testing.T) {
	tests := []struct {
		expected, actual, org string
		ok                    bool
	}{
		{"", "https://anything", "", true},
		{"https://redash.example.com", "https://redash.example.com/", "", true},
		{"HTTPS://Redash.Example.com:443/", "https://redash.example.com", "", true},
		{"http://redash:80", "http://redash", "", true},
		{"https://redash.example.com/acme", "https://redash.example.com", "acme", true},
		{"https://redash.example.com", "https://redash.example.com", "acme", true},
		{"https://redash.example.com", "https://staging.redash.example.com", "", false},
		{"https://redash.example.com", "http://redash.example.com", "", false},
		{"https://redash.example.com:8443", "https://redash.example.com", "", false},
		{"https://redash.example.com/acme", "https://redash.example.com", "other", false},
	}
	for _, tt := range tests {
		err := CheckURL(tt.expected, tt.actual, tt.org)
		if tt.ok {
			assert.NoError(t, err, "%s vs %s", tt.expected, tt.actual)
			continue
		}
		var ue *ExpectURLError
		if assert.ErrorAs(t, err, &ue, "%s vs %s", tt.expected, tt.actual) {
			assert.Contains(t, err.Error(), "expect_url is "+tt.expected+" but this run points at "+tt.actual)
		}
	}
	assert.Error(t, CheckExpectURL("redash.example.com"))
	assert.Error(t, CheckExpectURL("ftp://redash.example.com"))
	assert.NoError(t, CheckExpectURL("https://redash.example.com"))
}

func TestKind(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("job x: %w", err) }
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{wrap(context.Canceled), KindInterrupted},
		{wrap(&ExpectURLError{Expected: "a", Actual: "b"}), KindExpectURL},
		{wrap(&sheets.APIError{StatusCode: 403, Message: "no"}), KindPermission},
		{wrap(&sheets.APIError{StatusCode: 401, Message: "no"}), KindGoogleAuth},
		{wrap(fmt.Errorf("read key: %w", sheets.ErrAuth)), KindGoogleAuth},
		{wrap(redash.ErrUnauthorized), KindRedashAuth},
		{&cmdutil.AuthError{Err: errors.New("no API key")}, KindRedashAuth},
		{wrap(&results.ParamError{QueryID: 1}), KindParameters},
		{wrap(&results.StaleResultError{QueryID: 1}), KindStaleResult},
		{wrap(&redash.JobError{Message: "boom"}), KindQueryFailed},
		{wrap(fmt.Errorf("too big: %w", sheets.ErrLimit)), KindSheetsLimit},
		{wrap(&sheets.APIError{StatusCode: 429}), KindSheetsQuota},
		{wrap(fmt.Errorf("x: %w", sheets.ErrInvalidTarget)), KindInvalidTarget},
		{wrap(fmt.Errorf("x: %w", sheets.ErrHeaderMismatch)), KindHeaderMismatch},
		{wrap(&sheets.APIError{StatusCode: 404}), KindNotFound},
		{wrap(redash.ErrNotFound), KindNotFound},
		{&ManifestError{}, KindConfig},
		{errors.New("other"), KindOther},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Kind(tt.err), "%v", tt.err)
	}
	assert.True(t, IsAuthKind(KindPermission))
	assert.True(t, IsAuthKind(KindGoogleAuth))
	assert.True(t, IsAuthKind(KindRedashAuth))
	assert.False(t, IsAuthKind(KindParameters))
}

func TestLogLines(t *testing.T) {
	at := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	rec := &Record{Time: at, Job: "revenue", QueryID: 42, SpreadsheetID: "s", Mode: "replace"}
	rec.Fail(fmt.Errorf("query 42:\n  %w", &redash.JobError{Message: "division by zero -> <b>"}))

	var text, js bytes.Buffer
	NewLog(&text, LogText).Write(rec)
	NewLog(&js, LogJSON).Write(rec)
	assert.Equal(t, "2026-11-01T12:00:00Z failed   revenue: "+rec.Error+"\n", text.String())
	assert.NotContains(t, rec.Error, "\n")
	assert.Equal(t, 1, bytes.Count(js.Bytes(), []byte("\n")), "one line")
	assert.Contains(t, js.String(), "-> <b>", "no HTML escaping")
	var back map[string]any
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, "failed", back["status"])
	assert.Equal(t, KindQueryFailed, back["error_kind"])
	assert.Equal(t, 42.0, back["query_id"])
	assert.Equal(t, "2026-11-01T12:00:00Z", back["time"])
}
