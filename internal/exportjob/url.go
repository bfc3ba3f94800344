package exportjob

import (
	"fmt"
	"net/url"
	"strings"
)

// ExpectURLError is a job pinned to a Redash URL that the profile does not
// point at.
type ExpectURLError struct {
	Expected, Actual string
}

// Error says which URL was expected and which one is configured.
func (e *ExpectURLError) Error() string {
	return fmt.Sprintf("expect_url is %s but this run points at %s: refusing to export (a copy of production must not overwrite its sheets)", e.Expected, e.Actual)
}

// CheckURL returns an *ExpectURLError unless expected is empty or names the
// same Redash as actual (and org, for a multi_org Redash). Scheme and host
// are compared case-insensitively, default ports and trailing slashes are
// ignored.
func CheckURL(expected, actual, org string) error {
	if strings.TrimSpace(expected) == "" {
		return nil
	}
	e := normalizeURL(expected)
	a := normalizeURL(actual)
	if e == a || (org != "" && e == a+"/"+strings.ToLower(org)) {
		return nil
	}
	shown := actual
	if org != "" {
		shown += " (org " + org + ")"
	}
	return &ExpectURLError{Expected: expected, Actual: shown}
}

func normalizeURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" {
		return strings.TrimRight(strings.ToLower(strings.TrimSpace(s)), "/")
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host + strings.ToLower(strings.TrimRight(u.EscapedPath(), "/"))
}
