package profile_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/fakeredash"
)

func TestProfileLifecycle(t *testing.T) {
	srv, url := clitest.Fake(t, fakeredash.Options{Version: "8.0.0", Queries: 30})
	cfg := filepath.Join(t.TempDir(), "redashctl", "config.yaml")
	keyFile := clitest.WriteFile(t, "key", srv.UserKey()+"\n", 0o600)
	env := clitest.Env{"REDASHCTL_CONFIG": cfg, "PROD_KEY": srv.AdminKey()}

	res := clitest.Run(t, env, "profile", "add", "Prod", "--url", url+"/", "--api-key-env", "PROD_KEY")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, `Saved profile "prod"`)
	st, err := os.Stat(cfg)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	res = clitest.Run(t, env, "profile", "add", "prod", "--url", url)
	assert.Equal(t, 2, res.Code)
	assert.Contains(t, res.Stderr, `profile "prod" exists already: pass --force to replace it`)

	res = clitest.Run(t, env, "profile", "add", "analyst", "--url", url, "--api-key-file", keyFile)
	require.Equal(t, 0, res.Code, res.Stderr)

	res = clitest.Run(t, env, "profile", "list", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &list))
	require.Len(t, list, 2)
	assert.Equal(t, "analyst", list[0]["name"])
	assert.Equal(t, false, list[0]["current"])
	assert.Equal(t, "file:"+keyFile, list[0]["api_key_source"])
	assert.Equal(t, "prod", list[1]["name"])
	assert.Equal(t, true, list[1]["current"], "the first profile added becomes current")
	assert.Equal(t, "env:PROD_KEY", list[1]["api_key_source"])
	assert.Equal(t, url, list[1]["url"], "the trailing slash is dropped")

	res = clitest.Run(t, env, "profile", "check", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	var check map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &check))
	assert.Equal(t, "8.0.0", check["version"], "only the leading numbers of 8.0.0+b32245")
	assert.Equal(t, true, check["admin"])
	assert.Equal(t, "prod", check["profile"])
	assert.Equal(t, "default", check["org"])

	res = clitest.Run(t, env, "profile", "check", "analyst")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "admin:    no")
	assert.Contains(t, res.Stdout, "version:  8.0.0")

	res = clitest.Run(t, env, "profile", "use", "analyst")
	require.Equal(t, 0, res.Code, res.Stderr)
	res = clitest.Run(t, env, "profile", "show")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stdout, "profile:         analyst")
	assert.Contains(t, res.Stdout, "****"+srv.UserKey()[len(srv.UserKey())-4:])
	assert.NotContains(t, res.Stdout, srv.UserKey())

	res = clitest.Run(t, env, "--profile", "prod", "profile", "show", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.NotContains(t, res.Stdout, srv.AdminKey())
	assert.Contains(t, res.Stdout, `"name": "prod"`)

	res = clitest.Run(t, env, "profile", "remove", "analyst")
	require.Equal(t, 0, res.Code, res.Stderr)
	res = clitest.Run(t, env, "profile", "use", "analyst")
	assert.Equal(t, 1, res.Code)
	assert.Contains(t, res.Stderr, `unknown profile "analyst": known profiles are prod`)

	res = clitest.Run(t, env, "profile", "list")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, 2, strings.Count(res.Stdout, "\n"), res.Stdout)
}

func TestProfileAddKeyFromStdinWarns(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	ios := clitest.Env{"REDASHCTL_CONFIG": cfg}
	res := clitest.RunStdin(t, "secret-key-123456\n", ios, "profile", "add", "lab", "--url", "http://127.0.0.1:5000", "--api-key-stdin")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, "warning: the API key is stored in the config file")
	data, err := os.ReadFile(cfg)
	require.NoError(t, err)
	assert.Contains(t, string(data), "api_key: secret-key-123456")

	require.NoError(t, os.Chmod(cfg, 0o644))
	res = clitest.Run(t, ios, "profile", "show", "lab")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Contains(t, res.Stderr, "is readable by group or others")
	assert.NotContains(t, res.Stdout+res.Stderr, "secret-key-123456")
}

func TestProfileAddBadInput(t *testing.T) {
	env := clitest.Env{"REDASHCTL_CONFIG": filepath.Join(t.TempDir(), "config.yaml")}
	tests := []struct {
		args []string
		err  string
	}{
		{[]string{"profile", "add", "x"}, "no Redash URL"},
		{[]string{"profile", "add", "x", "--url", "redash.example.com"}, `malformed Redash URL "redash.example.com"`},
		{[]string{"profile", "add", "bad name", "--url", "https://x"}, `profile name "bad name": use letters, digits, '-' and '_' only`},
		{[]string{"profile", "add", "x", "--url", "https://x", "--api-key-env", "A", "--api-key-file", "B"}, "mutually exclusive"},
		{[]string{"profile", "add"}, "profile add needs a profile name"},
	}
	for _, tt := range tests {
		res := clitest.Run(t, env, tt.args...)
		assert.Equal(t, 2, res.Code, strings.Join(tt.args, " "))
		assert.Contains(t, res.Stderr, tt.err)
	}
}
