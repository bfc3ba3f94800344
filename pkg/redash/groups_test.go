package redash

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGroupsList(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.org = "acme"
	f.routes["GET /api/groups"] = func(w http.ResponseWriter, _ *http.Request) {
		writeRaw(w, `[
			{"id": 1, "name": "admin", "permissions": ["admin", "super_admin"], "type": "builtin", "created_at": "2021-03-04T05:06:07.123456+00:00"},
			{"id": 7, "name": "Finance", "permissions": null, "type": "regular", "created_at": 1614834367}
		]`)
	}
	c, _ := f.start()
	got, err := c.Groups.List(context.Background())
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, Group{
		ID: 1, Name: "admin", Permissions: []string{"admin", "super_admin"}, Type: "builtin",
		CreatedAt: time.Date(2021, 3, 4, 5, 6, 7, 123456000, time.UTC),
	}, withUTC(got[0]))
	assert.Equal(t, 7, got[1].ID)
	assert.Equal(t, []string{}, got[1].Permissions)
	assert.Equal(t, int64(1614834367), got[1].CreatedAt.Unix())
	req := lastRequest(t, f)
	assert.Equal(t, "/acme/api/groups", req.Path)
	assert.Equal(t, "Key "+testKey, req.Auth)
}

func TestGroupsListEmpty(t *testing.T) {
	f := newFake(t, "8.0.0")
	f.routes["GET /api/groups"] = func(w http.ResponseWriter, _ *http.Request) { writeRaw(w, `[]`) }
	c, _ := f.start()
	got, err := c.Groups.List(context.Background())
	require.NoError(t, err)
	assert.NotNil(t, got)
	assert.Empty(t, got)
}

func TestGroupsListErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    error
	}{
		{"forbidden", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusForbidden, map[string]string{"message": "no"})
		}, ErrForbidden},
		{"not json", func(w http.ResponseWriter, _ *http.Request) { writeRaw(w, `{"groups": 3}`) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "10.1.0")
			f.routes["GET /api/groups"] = tt.handler
			c, _ := f.start()
			_, err := c.Groups.List(context.Background())
			assertOneLine(t, err)
			assert.Contains(t, err.Error(), "list groups")
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func TestOrganizationSettings(t *testing.T) {
	f := newFake(t, "10.1.0")
	f.routes["GET /api/settings/organization"] = func(w http.ResponseWriter, _ *http.Request) {
		writeRaw(w, `{"settings": {"auth_password_login_enabled": true, "date_format": "DD/MM/YY",
			"auth_jwt_auth_algorithms": ["HS256", "RS256"], "beacon_consent": null}}`)
	}
	c, _ := f.start()
	got, err := c.OrganizationSettings(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"auth_password_login_enabled": true,
		"date_format":                 "DD/MM/YY",
		"auth_jwt_auth_algorithms":    []any{"HS256", "RS256"},
		"beacon_consent":              nil,
	}, got)
	assert.Equal(t, "/api/settings/organization", lastRequest(t, f).Path)
}

func TestOrganizationSettingsErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    error
		msg     string
	}{
		{"not admin", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusForbidden, map[string]string{"message": "You don't have permission"})
		}, ErrForbidden, "read organization settings"},
		{"no settings object", func(w http.ResponseWriter, _ *http.Request) { writeRaw(w, `{}`) }, nil, `no "settings" object`},
		{"html page", func(w http.ResponseWriter, _ *http.Request) { writeHTML(w, http.StatusOK, "<html>login</html>") }, nil, "read organization settings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "8.0.0")
			f.routes["GET /api/settings/organization"] = tt.handler
			c, _ := f.start()
			got, err := c.OrganizationSettings(context.Background())
			assertOneLine(t, err)
			assert.Nil(t, got)
			assert.Contains(t, err.Error(), tt.msg)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func withUTC(g Group) Group {
	g.CreatedAt = g.CreatedAt.UTC()
	return g
}

func writeRaw(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}
