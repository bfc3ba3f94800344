package livestatus

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedactSettings(t *testing.T) {
	got := redactSettings(map[string]any{
		"auth_saml_sp_settings":          map[string]any{"sp_private_key": "-----BEGIN PRIVATE KEY-----"},
		"auth_jwt_auth_public_certs_url": "https://example.com/certs",
		"date_format":                    "DD/MM/YY",
		"auth_password_login_enabled":    true,
		"saml_key_count":                 3,
		"empty_secret":                   "",
	})
	assert.Equal(t, "DD/MM/YY", got["date_format"])
	assert.Equal(t, "", got["empty_secret"])
	assert.Equal(t, true, got["auth_password_login_enabled"], "flags and numbers are no secrets")
	assert.Equal(t, 3, got["saml_key_count"])
	for _, k := range []string{"auth_saml_sp_settings", "auth_jwt_auth_public_certs_url"} {
		assert.Contains(t, got[k], "(redacted, sha256 ", k)
	}
	assert.Equal(t, got["auth_saml_sp_settings"], redactSettings(map[string]any{"auth_saml_sp_settings": map[string]any{"sp_private_key": "-----BEGIN PRIVATE KEY-----"}})["auth_saml_sp_settings"], "same value, same digest")
}
