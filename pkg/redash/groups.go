package redash

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// GroupsService handles user groups.
type GroupsService service

// Group is a user group as listed by GET /api/groups.
type Group struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// Permissions are the group's permission names ("admin", "create_query", …).
	Permissions []string `json:"permissions"`
	// Type is "builtin" (admin, default) or "regular".
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
}

// UnmarshalJSON decodes a group of any version (null names and permissions
// become empty values).
func (g *Group) UnmarshalJSON(b []byte) error {
	var w struct {
		ID          flexInt    `json:"id"`
		Name        nullString `json:"name"`
		Permissions []string   `json:"permissions"`
		Type        nullString `json:"type"`
		CreatedAt   flexTime   `json:"created_at"`
	}
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode group: %w", err)
	}
	perms := w.Permissions
	if perms == nil {
		perms = []string{}
	}
	*g = Group{ID: int(w.ID.v), Name: string(w.Name), Permissions: perms, Type: string(w.Type), CreatedAt: w.CreatedAt.t}
	return nil
}

// List returns the groups visible to the caller: every group of the org
// for an admin, the caller's own groups otherwise.
//
// Redash API: GET /api/groups
func (s *GroupsService) List(ctx context.Context) ([]Group, error) {
	var out []Group
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/groups", out: &out}); err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	if out == nil {
		out = []Group{}
	}
	return out, nil
}

// OrganizationSettings returns the org's settings (admin only; others get an
// error matching ErrForbidden), keyed by setting name, with the release's
// defaults filled in. Which keys exist depends on the version. Values are as
// encoding/json decodes them: bool, string, float64, []any or nil.
//
// Redash API: GET /api/settings/organization
func (c *Client) OrganizationSettings(ctx context.Context) (map[string]any, error) {
	var w struct {
		Settings map[string]any `json:"settings"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "api/settings/organization", out: &w}); err != nil {
		return nil, fmt.Errorf("read organization settings: %w", err)
	}
	if w.Settings == nil {
		return nil, errors.New(`read organization settings: the answer has no "settings" object`)
	}
	return w.Settings, nil
}
