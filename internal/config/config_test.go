package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func envOf(m map[string]string) Env {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

const twoProfiles = `current_profile: prod
profiles:
  prod:
    url: https://prod.example.com
    api_key_env: PROD_KEY
  Staging:
    url: https://staging.example.com
    org: acme
    api_key: stagingkey1234
`

func TestLoadPrecedence(t *testing.T) {
	path := writeConfig(t, twoProfiles)
	tests := []struct {
		name    string
		o       Overrides
		env     map[string]string
		want    Config
		wantErr string
	}{
		{
			name: "file current profile, key from its env var",
			env:  map[string]string{"PROD_KEY": "k-prod"},
			want: Config{Profile: "prod", URL: "https://prod.example.com", APIKey: "k-prod", APIKeySource: "environment variable PROD_KEY"},
		},
		{
			name: "env profile beats file; names are case-insensitive",
			env:  map[string]string{EnvProfile: "staging"},
			want: Config{Profile: "staging", URL: "https://staging.example.com", Org: "acme", APIKey: "stagingkey1234"},
		},
		{
			name: "flag profile beats env profile",
			o:    Overrides{Profile: "prod"},
			env:  map[string]string{EnvProfile: "staging", "PROD_KEY": "k"},
			want: Config{Profile: "prod", URL: "https://prod.example.com", APIKey: "k", APIKeySource: "environment variable PROD_KEY"},
		},
		{
			name: "env key beats the profile's key",
			env:  map[string]string{EnvAPIKey: "env-key", "PROD_KEY": "k"},
			want: Config{Profile: "prod", URL: "https://prod.example.com", APIKey: "env-key", APIKeySource: "environment variable REDASHCTL_API_KEY"},
		},
		{
			name: "REDASH_API_KEY is accepted",
			env:  map[string]string{EnvRedashAPIKey: "r-key", "PROD_KEY": "k"},
			want: Config{Profile: "prod", URL: "https://prod.example.com", APIKey: "r-key", APIKeySource: "environment variable REDASH_API_KEY"},
		},
		{
			name: "a URL from the environment drops the file's profile and its key",
			env:  map[string]string{EnvURL: "https://other.example.com", "PROD_KEY": "k"},
			want: Config{URL: "https://other.example.com"},
		},
		{
			name: "REDASH_URL is accepted",
			env:  map[string]string{EnvRedashURL: "https://r.example.com", EnvRedashAPIKey: "rk"},
			want: Config{URL: "https://r.example.com", APIKey: "rk", APIKeySource: "environment variable REDASH_API_KEY"},
		},
		{
			name: "flag URL with an explicit profile keeps the profile's key",
			o:    Overrides{URL: "https://tunnel.example.com", Profile: "prod", Org: "x"},
			env:  map[string]string{"PROD_KEY": "k"},
			want: Config{Profile: "prod", URL: "https://tunnel.example.com", Org: "x", APIKey: "k", APIKeySource: "environment variable PROD_KEY"},
		},
		{
			name:    "unknown profile lists the known ones",
			o:       Overrides{Profile: "nope"},
			wantErr: `unknown profile "nope": known profiles are prod, staging`,
		},
		{
			name:    "api_key_env not set",
			wantErr: `profile "prod" reads its API key from $PROD_KEY, which is not set: export it or change api_key_env`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.ConfigPath = path
			got, err := Load(tt.o, envOf(tt.env))
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			want := tt.want
			want.Path = path
			if want.APIKeySource == "" && want.APIKey == "stagingkey1234" {
				want.APIKeySource = "config file " + path
			}
			got.Warnings = nil
			assert.Equal(t, want, *got)
		})
	}
}

func TestLoadWarnsAboutReadableKeyFiles(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	require.NoError(t, os.WriteFile(keyFile, []byte("  filekey \n"), 0o644))
	path := writeConfig(t, "profiles:\n  default:\n    url: https://x.example.com\n    api_key_file: "+keyFile+"\n")
	cfg, err := Load(Overrides{ConfigPath: path}, envOf(nil))
	require.NoError(t, err)
	assert.Equal(t, "filekey", cfg.APIKey)
	require.Len(t, cfg.Warnings, 1)
	assert.Contains(t, cfg.Warnings[0], "is readable by group or others (mode 0644): run chmod 600 "+keyFile)

	require.NoError(t, os.Chmod(keyFile, 0o600))
	cfg, err = Load(Overrides{ConfigPath: path}, envOf(nil))
	require.NoError(t, err)
	assert.Empty(t, cfg.Warnings)
}

func TestLoadKeyFileErrors(t *testing.T) {
	path := writeConfig(t, "profiles:\n  default:\n    url: https://x.example.com\n    api_key_file: /nonexistent/key\n")
	_, err := Load(Overrides{ConfigPath: path}, envOf(nil))
	assert.EqualError(t, err, `profile "default": cannot read api_key_file /nonexistent/key: no such file or directory`)
}

func TestMissingFileIsEmpty(t *testing.T) {
	cfg, err := Load(Overrides{ConfigPath: filepath.Join(t.TempDir(), "none.yaml")}, envOf(nil))
	require.NoError(t, err)
	assert.Empty(t, cfg.URL)
	assert.Empty(t, cfg.Profile)
}

func TestMalformedFile(t *testing.T) {
	path := writeConfig(t, "profiles: [\n")
	_, err := Load(Overrides{ConfigPath: path}, envOf(nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read config "+path)
	assert.NotContains(t, err.Error(), "\n")
}

func TestWriteReadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "config.yaml")
	f := &File{CurrentProfile: "a", Profiles: map[string]Profile{"a": {URL: "https://a", Org: "o", APIKeyFile: "/k"}}}
	require.NoError(t, WriteFile(path, f))
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	got, err := ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, f, got)
}

func TestDefaultPath(t *testing.T) {
	assert.Equal(t, "/x/redashctl/config.yaml", DefaultPath(envOf(map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/h"})))
	assert.Equal(t, "/h/.config/redashctl/config.yaml", DefaultPath(envOf(map[string]string{"HOME": "/h"})))
	assert.Equal(t, "/c.yaml", DefaultPath(envOf(map[string]string{EnvConfig: "/c.yaml", "HOME": "/h"})))
}

func TestValidateURL(t *testing.T) {
	assert.NoError(t, ValidateURL("https://redash.example.com/"))
	assert.EqualError(t, ValidateURL("redash.example.com"), `malformed Redash URL "redash.example.com": use the form https://redash.example.com`)
	assert.EqualError(t, ValidateURL("ftp://x"), `malformed Redash URL "ftp://x": use the form https://redash.example.com`)
	assert.ErrorContains(t, ValidateURL(""), "no Redash URL")
	err := ValidateURL("https://user:secret@x.example.com")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
}

func TestMaskKey(t *testing.T) {
	assert.Equal(t, "****wxyz", MaskKey("abcdefghijklmnopqrstuvwxyz"))
	assert.Equal(t, "****", MaskKey("short"))
	assert.Equal(t, "", MaskKey(""))
}

func TestLoadSheetsSettings(t *testing.T) {
	path := writeConfig(t, `profiles:
  lab:
    url: http://127.0.0.1:5000
    api_key: labkey12345
    sheets_endpoint: http://127.0.0.1:5001
    sheets_credentials: ~/keys/sa.json
`)
	env := map[string]string{"HOME": "/home/u"}
	c, err := Load(Overrides{ConfigPath: path, Profile: "lab"}, envOf(env))
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:5001", c.SheetsEndpoint)
	assert.Equal(t, filepath.Join("/home/u", "keys/sa.json"), c.SheetsCredentials)

	env[EnvSheetsCredentials] = "none"
	env[EnvSheetsEndpoint] = "http://fake:1"
	c, err = Load(Overrides{ConfigPath: path, Profile: "lab"}, envOf(env))
	require.NoError(t, err)
	assert.Equal(t, "none", c.SheetsCredentials, "the environment beats the profile")
	assert.Equal(t, "http://fake:1", c.SheetsEndpoint)
}
