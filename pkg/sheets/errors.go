package sheets

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/api/googleapi"
)

// Error kinds. Every error the Writer returns for one of these reasons
// matches it with errors.Is; the message is one line saying what to fix.
var (
	// ErrAuth means Google credentials are missing or invalid, or Google
	// rejected them (401). ErrPermission errors match it too, so that a CLI
	// can map every authentication or authorisation failure to one exit code.
	ErrAuth = errors.New("google authentication failed")
	// ErrPermission means the caller may not read or edit the spreadsheet
	// (403): it was not shared with the service account, or only as viewer.
	ErrPermission = errors.New("permission denied")
	// ErrNotFound means the spreadsheet, or the tab a #gid= names, does not
	// exist (404).
	ErrNotFound = errors.New("not found")
	// ErrLimit means the result does not fit one of Google's limits (cells
	// per spreadsheet, characters per cell, columns per sheet, request
	// size). It is reported before the target tab is changed.
	ErrLimit = errors.New("google sheets limit exceeded")
	// ErrInvalidTarget means a spreadsheet URL or id could not be parsed,
	// or its parts contradict each other.
	ErrInvalidTarget = errors.New("invalid spreadsheet target")
	// ErrRateLimited means Google still answered 429 after every retry.
	ErrRateLimited = errors.New("google sheets quota exceeded")
	// ErrHeaderMismatch means an append would put rows under a header that
	// names other columns.
	ErrHeaderMismatch = errors.New("header mismatch")
)

// kindError is a one-line error of a kind (one of the Err* values).
type kindError struct {
	kind error
	msg  string
	err  error // underlying cause, may be nil
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.err }

func (e *kindError) Is(target error) bool {
	return target == e.kind || (e.kind == ErrPermission && target == ErrAuth)
}

func newKindError(kind error, cause error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...), err: cause}
}

// APIError is an error answer of the Sheets API, reduced to one line.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Status is Google's canonical status name (PERMISSION_DENIED,
	// RESOURCE_EXHAUSTED, ...), or "" for a non-JSON answer.
	Status string
	// Message is Google's message, or a summary of a non-JSON answer.
	Message string
}

// Error returns "<status code> <status>: <message>".
func (e *APIError) Error() string {
	s := fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Status != "" {
		s = fmt.Sprintf("%d %s", e.StatusCode, e.Status)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is matches the error kind of the status: 401 is ErrAuth, 403 is
// ErrPermission (and ErrAuth), 404 is ErrNotFound, 429 is ErrRateLimited.
func (e *APIError) Is(target error) bool {
	switch e.StatusCode {
	case http.StatusUnauthorized:
		return target == ErrAuth
	case http.StatusForbidden:
		return target == ErrPermission || target == ErrAuth
	case http.StatusNotFound:
		return target == ErrNotFound
	case http.StatusTooManyRequests:
		return target == ErrRateLimited
	}
	return false
}

// apiError turns an error of the generated client into an *APIError when it
// is an HTTP answer; other errors are returned unchanged.
func apiError(err error) error {
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return err
	}
	ae := &APIError{StatusCode: ge.Code, Message: oneLine(ge.Message)}
	if ae.Message == "" {
		body := strings.TrimSpace(ge.Body)
		switch {
		case body == "":
		case strings.HasPrefix(body, "<"):
			ae.Message = "non-JSON (HTML) answer"
		default:
			ae.Message = oneLine(body)
		}
	}
	if s := googleStatus(ge); s != "" {
		ae.Status = s
	}
	return ae
}

// googleStatus reads the canonical status of a JSON error body.
func googleStatus(ge *googleapi.Error) string {
	var body struct {
		Error struct {
			Status string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(ge.Body), &body) != nil {
		return ""
	}
	return body.Error.Status
}

// oneLine collapses whitespace and bounds the length of a message.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
