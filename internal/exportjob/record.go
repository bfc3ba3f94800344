package exportjob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/pkg/redash"
	"github.com/redashctl/redashctl/pkg/results"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// Statuses of a Record.
const (
	// StatusOK: the export (or, for validate, the check) succeeded.
	StatusOK = "ok"
	// StatusFailed: it failed; Error says why and nothing was written.
	StatusFailed = "failed"
	// StatusDryRun: a dry run checked the job and wrote nothing.
	StatusDryRun = "dry-run"
	// StatusDisabled: REDASHCTL_EXPORT_DISABLED turned the export off.
	StatusDisabled = "disabled"
)

// Error kinds of a failed Record, for log collectors and alerts.
const (
	KindRedashAuth     = "redash-auth"
	KindGoogleAuth     = "google-auth"
	KindPermission     = "permission"
	KindNotFound       = "not-found"
	KindParameters     = "parameters"
	KindStaleResult    = "stale-result"
	KindQueryFailed    = "query-failed"
	KindSheetsLimit    = "sheets-limit"
	KindSheetsQuota    = "sheets-quota"
	KindInvalidTarget  = "invalid-target"
	KindExpectURL      = "expect-url"
	KindInterrupted    = "interrupted"
	KindConfig         = "config"
	KindHeaderMismatch = "header-mismatch"
	KindOther          = "error"
)

// Record is one status line of `export sheet`, `export run` or `export
// validate`. Its JSON form is a documented contract (docs/output.md):
// fields may be added, never renamed or removed.
type Record struct {
	Time    time.Time `json:"time"`
	Job     string    `json:"job"`
	Status  string    `json:"status"`
	Message string    `json:"message"`
	// Profile and RedashURL say which Redash the job used.
	Profile   string `json:"profile,omitempty"`
	RedashURL string `json:"redash_url,omitempty"`
	QueryID   int    `json:"query_id,omitempty"`
	QueryName string `json:"query_name,omitempty"`
	// Parameters are the values the query ran (or would run) with.
	Parameters map[string]any `json:"parameters,omitempty"`
	// SpreadsheetID, Tab and SheetID are the target; Tab and SheetID are
	// filled once known.
	SpreadsheetID string `json:"spreadsheet_id,omitempty"`
	Tab           string `json:"tab,omitempty"`
	SheetID       *int64 `json:"sheet_id,omitempty"`
	Mode          string `json:"mode,omitempty"`
	// TabCreated reports that the export created the tab.
	TabCreated bool  `json:"tab_created,omitempty"`
	Rows       int64 `json:"rows"`
	Columns    int   `json:"columns"`
	ResultID   int   `json:"result_id,omitempty"`
	// RetrievedAt is when Redash produced the result; ResultAgeSeconds is
	// its age when the export ended.
	RetrievedAt      *time.Time `json:"retrieved_at,omitempty"`
	ResultAgeSeconds *float64   `json:"result_age_seconds,omitempty"`
	// Ran is true when Redash ran the query for this export, false when it
	// answered from its cache.
	Ran bool `json:"ran"`
	// WriteRequests and Retries count the Sheets API traffic of the write.
	WriteRequests int   `json:"write_requests"`
	Retries       int   `json:"retries"`
	DurationMS    int64 `json:"duration_ms"`
	// Error and ErrorKind say why a job failed.
	Error     string `json:"error,omitempty"`
	ErrorKind string `json:"error_kind,omitempty"`
}

// Fail fills the record's failure fields from err.
func (r *Record) Fail(err error) {
	r.Status = StatusFailed
	r.Error = oneLine(err.Error())
	r.ErrorKind = Kind(err)
	r.Message = r.Error
}

// Kind classifies an export error (one of the Kind constants).
func Kind(err error) string {
	var (
		pe  *results.ParamError
		se  *results.StaleResultError
		je  *redash.JobError
		ue  *ExpectURLError
		ae  *redash.AuthError
		mfe *ManifestError
		cae *cmdutil.AuthError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled):
		return KindInterrupted
	case errors.As(err, &ue):
		return KindExpectURL
	case errors.Is(err, sheets.ErrPermission):
		return KindPermission
	case errors.Is(err, sheets.ErrAuth):
		return KindGoogleAuth
	case errors.Is(err, redash.ErrUnauthorized), errors.As(err, &ae), errors.As(err, &cae):
		return KindRedashAuth
	case errors.As(err, &pe):
		return KindParameters
	case errors.As(err, &se):
		return KindStaleResult
	case errors.As(err, &je):
		return KindQueryFailed
	case errors.Is(err, sheets.ErrLimit):
		return KindSheetsLimit
	case errors.Is(err, sheets.ErrRateLimited):
		return KindSheetsQuota
	case errors.Is(err, sheets.ErrInvalidTarget):
		return KindInvalidTarget
	case errors.Is(err, sheets.ErrHeaderMismatch):
		return KindHeaderMismatch
	case errors.Is(err, sheets.ErrNotFound), errors.Is(err, redash.ErrNotFound):
		return KindNotFound
	case errors.As(err, &mfe):
		return KindConfig
	}
	return KindOther
}

// IsAuthKind reports whether a kind is an authentication or authorisation
// failure (exit status 4).
func IsAuthKind(kind string) bool {
	return kind == KindRedashAuth || kind == KindGoogleAuth || kind == KindPermission
}

// Log writes status records as text or JSON lines; it is safe for
// concurrent use, one whole line at a time.
type Log struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
}

// Log formats.
const (
	LogText = "text"
	LogJSON = "json"
)

// LogFormats are the values of --log-format.
var LogFormats = []string{LogText, LogJSON}

// NewLog returns a Log that writes format (LogText or LogJSON) to w.
func NewLog(w io.Writer, format string) *Log {
	return &Log{w: w, json: format == LogJSON}
}

// Write writes one record as one line.
func (l *Log) Write(r *Record) {
	var line string
	if l.json {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(r); err != nil {
			line = fmt.Sprintf(`{"job":%q,"status":"failed","error":"cannot encode the status"}`, r.Job)
		} else {
			line = strings.TrimSuffix(b.String(), "\n")
		}
	} else {
		line = Text(r)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, line)
}

// Text renders a record as a text status line:
// "<time> <status> <job>: <message>".
func Text(r *Record) string {
	return fmt.Sprintf("%s %-8s %s: %s", r.Time.UTC().Format(time.RFC3339), r.Status, r.Job, oneLine(r.Message))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Age renders a result age for messages: whole seconds, or "just now".
func Age(d time.Duration) string {
	if d < time.Second {
		return "just now"
	}
	return d.Round(time.Second).String() + " old"
}
