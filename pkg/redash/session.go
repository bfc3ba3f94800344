package redash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Session is what GET /api/session tells about the caller and the server.
type Session struct {
	// User is the caller. For a query API key it has no id, name or e-mail.
	User SessionUser
	// OrgSlug is the org the key belongs to ("default" on single-org Redash).
	OrgSlug string
	// Version is client_config.version verbatim ("8.0.0+b32245"); empty for
	// query API keys.
	Version string
}

// SessionUser is the caller as GET /api/session describes it.
type SessionUser struct {
	ID          int
	Name        string
	Email       string
	Groups      []int
	Permissions []string
}

// IsAdmin reports whether the caller has the "admin" or "super_admin"
// permission.
func (s *Session) IsAdmin() bool {
	return slices.Contains(s.User.Permissions, "admin") || slices.Contains(s.User.Permissions, "super_admin")
}

// IsSuperAdmin reports whether the caller has the "super_admin" permission,
// which /status.json and /api/admin/* need.
func (s *Session) IsSuperAdmin() bool { return slices.Contains(s.User.Permissions, "super_admin") }

// IsQueryKey reports whether the key is a query API key rather than a user's
// key (the session then has no user and no version).
func (s *Session) IsQueryKey() bool { return s.User.ID == 0 && s.User.Email == "" }

type sessionWire struct {
	User struct {
		ID          flexInt    `json:"id"`
		Name        nullString `json:"name"`
		Email       nullString `json:"email"`
		Groups      []GroupRef `json:"groups"`
		Permissions []string   `json:"permissions"`
	} `json:"user"`
	OrgSlug      nullString `json:"org_slug"`
	ClientConfig struct {
		Version json.RawMessage `json:"version"`
	} `json:"client_config"`
}

// Session returns the caller's identity and the server's version string. It
// is the cheapest "who am I" call for a user key. A version it reads is kept
// for Version, which then does not read the session again.
//
// Redash API: GET /api/session
func (c *Client) Session(ctx context.Context) (*Session, error) {
	s, err := c.readSession(ctx)
	if err != nil {
		return nil, err
	}
	if v, err := ParseVersion(s.Version); err == nil {
		c.verMu.Lock()
		if c.version.IsZero() {
			c.version = v
		}
		c.verMu.Unlock()
	}
	return s, nil
}

// readSession reads GET /api/session without touching the version cache.
func (c *Client) readSession(ctx context.Context) (*Session, error) {
	var w sessionWire
	if err := c.do(ctx, request{method: "GET", path: "api/session", out: &w}); err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	s := &Session{
		User: SessionUser{
			ID: int(w.User.ID.v), Name: string(w.User.Name), Email: string(w.User.Email),
			Permissions: w.User.Permissions,
		},
		OrgSlug: string(w.OrgSlug),
	}
	for _, g := range w.User.Groups {
		s.User.Groups = append(s.User.Groups, g.ID)
	}
	var fs flexString
	if err := unmarshal(w.ClientConfig.Version, &fs); err == nil {
		s.Version = fs.s
	}
	return s, nil
}

// errNoVersion explains why detection failed.
var errNoVersion = errors.New("redash did not report its version in GET /api/session: the key looks like a query API key; use a user API key, or set the Redash version explicitly")

// Version returns the server's Redash version: the one given with
// WithVersion, or else the one an earlier Session call read, or else
// detected once from GET /api/session and cached.
//
// Redash API: GET /api/session
func (c *Client) Version(ctx context.Context) (Version, error) {
	c.verMu.Lock()
	defer c.verMu.Unlock()
	if !c.version.IsZero() {
		return c.version, nil
	}
	s, err := c.readSession(ctx)
	if err != nil {
		return Version{}, fmt.Errorf("detect redash version: %w", err)
	}
	if s.Version == "" {
		return Version{}, fmt.Errorf("detect redash version: %w", errNoVersion)
	}
	v, err := ParseVersion(s.Version)
	if err != nil {
		return Version{}, fmt.Errorf("detect redash version: %w", err)
	}
	c.version = v
	return v, nil
}

// requireVersion returns the version, or an UnsupportedError when it is
// older than the feature's first version.
func (c *Client) requireVersion(ctx context.Context, feature string, ok func(Version) bool, since int) (Version, error) {
	v, err := c.Version(ctx)
	if err != nil {
		return v, err
	}
	if !ok(v) {
		return v, &UnsupportedError{Feature: feature, Version: v, Since: Version{Major: since}}
	}
	return v, nil
}
