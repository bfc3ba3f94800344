package sheets

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Target names where to write: a spreadsheet and one of its tabs.
type Target struct {
	// SpreadsheetID is the id in the spreadsheet's URL.
	SpreadsheetID string
	// SheetID is the tab's id (the URL's #gid=), or nil. A tab named by id
	// must exist.
	SheetID *int64
	// Tab is the tab's title, matched case-insensitively as Google does;
	// a missing tab is created. When neither SheetID nor Tab is set, the
	// first tab is used.
	Tab string
}

// String describes the target for messages: `spreadsheet <id> tab "<tab>"`.
func (t Target) String() string {
	s := "spreadsheet " + t.SpreadsheetID
	switch {
	case t.Tab != "":
		s += fmt.Sprintf(" tab %q", t.Tab)
	case t.SheetID != nil:
		s += fmt.Sprintf(" gid %d", *t.SheetID)
	}
	return s
}

// URL returns the spreadsheet's address in the Google Sheets UI, with
// #gid= when SheetID is set.
func (t Target) URL() string {
	u := "https://docs.google.com/spreadsheets/d/" + t.SpreadsheetID + "/edit"
	if t.SheetID != nil {
		u += "#gid=" + strconv.FormatInt(*t.SheetID, 10)
	}
	return u
}

var spreadsheetIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// ParseTarget parses a spreadsheet URL
// (https://docs.google.com/spreadsheets/d/<id>/edit#gid=123, where #gid=
// picks the tab) or a bare spreadsheet id. Errors match ErrInvalidTarget.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	bad := func(why string) (Target, error) {
		return Target{}, newKindError(ErrInvalidTarget, nil, "invalid spreadsheet %q: %s", s, why)
	}
	if s == "" {
		return bad("empty; give a spreadsheet URL or id")
	}
	if spreadsheetIDRE.MatchString(s) {
		return Target{SpreadsheetID: s}, nil
	}
	raw := s
	if strings.HasPrefix(raw, "docs.google.com/") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return bad("not a spreadsheet id (letters, digits, - and _) nor a URL")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return bad("not an http(s) URL")
	}
	if !strings.EqualFold(u.Hostname(), "docs.google.com") {
		return bad("not a Google Sheets URL (expected https://docs.google.com/spreadsheets/d/<id>/...)")
	}
	// /spreadsheets/d/<id>/..., possibly after /a/<domain>/ and with /u/<n>/
	// (the signed-in account) before the d.
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	id := ""
	for i := 0; i < len(parts); i++ {
		if parts[i] != "spreadsheets" {
			continue
		}
		j := i + 1
		if j+1 < len(parts) && parts[j] == "u" {
			j += 2
		}
		if j+1 < len(parts) && parts[j] == "d" {
			id = parts[j+1]
		}
		break
	}
	if id == "" {
		return bad("the URL has no /spreadsheets/d/<id>/ part")
	}
	if !spreadsheetIDRE.MatchString(id) {
		return bad(fmt.Sprintf("%q is not a spreadsheet id", id))
	}
	t := Target{SpreadsheetID: id}
	gid := ""
	if frag, err := url.ParseQuery(u.Fragment); err == nil && frag.Has("gid") {
		gid = frag.Get("gid")
	} else if u.Query().Has("gid") {
		gid = u.Query().Get("gid")
	}
	if gid != "" || strings.Contains(u.Fragment, "gid=") {
		n, err := strconv.ParseInt(gid, 10, 64)
		if err != nil || n < 0 {
			return bad(fmt.Sprintf("gid %q is not a tab id", gid))
		}
		t.SheetID = &n
	}
	return t, nil
}
