package upgrade_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/redashctl/redashctl/internal/clitest"
	"github.com/redashctl/redashctl/internal/cmd/factory"
	"github.com/redashctl/redashctl/internal/cmd/upgrade"
	"github.com/redashctl/redashctl/internal/golden"
	"github.com/redashctl/redashctl/internal/iostreams"
)

// fixtures are the deployment files of internal/deployfile, modelled on the reference layouts
// of v4, v8 and v10 and on broken upgrades users reported.
const fixtures = "../../deployfile/testdata/"

// finding mirrors the documented JSON contract of docs/output.md.
type finding struct {
	Severity string `json:"severity" yaml:"severity"`
	Service  string `json:"service" yaml:"service"`
	App      string `json:"app" yaml:"app"`
	Code     string `json:"code" yaml:"code"`
	Message  string `json:"message" yaml:"message"`
	File     string `json:"file" yaml:"file"`
	Line     int    `json:"line" yaml:"line"`
}

func TestNewCmdLint(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		want    upgrade.LintOptions
		wantErr string
	}{
		{name: "compose", args: "--target 10.1.0 --compose a.yml", want: upgrade.LintOptions{Target: "10.1.0", ComposeFiles: []string{"a.yml"}, Output: "table"}},
		{
			name: "repeated files", args: "--target 10.1 --compose a.yml --compose b.yml --env-file x.env --env-file y.env -o json",
			want: upgrade.LintOptions{Target: "10.1", ComposeFiles: []string{"a.yml", "b.yml"}, EnvFiles: []string{"x.env", "y.env"}, Output: "json"},
		},
		{name: "env only", args: "--target 8 --env-file env -o csv", want: upgrade.LintOptions{Target: "8", EnvFiles: []string{"env"}, Output: "csv"}},
		{name: "no target", args: "--compose a.yml", wantErr: "--target is required: one of " + known},
		{name: "unknown target", args: "--target 10.2 --compose a.yml", wantErr: `--target: unknown Redash version "10.2": known versions are ` + known},
		{name: "no files", args: "--target 10.1.0", wantErr: "nothing to lint: give at least one --compose or --env-file"},
		{name: "empty file name", args: "--target 10.1.0 --compose=", wantErr: "--compose and --env-file need a file name"},
		{name: "markdown is not offered", args: "--target 10.1.0 --compose a.yml -o markdown", wantErr: `unknown output format "markdown": use one of table, json, csv, yaml`},
		{name: "positional", args: "--target 10.1.0 a.yml", wantErr: `unexpected argument "a.yml": lint takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var got *upgrade.LintOptions
			cmd := upgrade.NewCmdLint(f, func(o *upgrade.LintOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(ios.Out)
			cmd.SetErr(ios.ErrOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			got.IO = nil
			assert.Equal(t, tt.want, *got)
		})
	}
}

func lintJSON(t *testing.T, wantCode int, args ...string) []finding {
	t.Helper()
	res := clitest.Run(t, clitest.Env{}, append([]string{"upgrade", "lint", "-o", "json"}, args...)...)
	require.Equal(t, wantCode, res.Code, res.Stderr)
	var out []finding
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &out), res.Stdout)
	return out
}

func codes(fs []finding, severity string) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == severity {
			out = append(out, f.Code)
		}
	}
	return out
}

// TestLintExitCodes: errors exit 3 and say how many; warnings alone exit 0.
func TestLintExitCodes(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		errors   int
		warnings int
		stderr   string
	}{
		{
			name: "v8 compose on 10.1.0", args: []string{"--target", "10.1.0", "--compose", fixtures + "v8/docker-compose.yml"},
			code: 3, errors: 3, warnings: 6, stderr: "error: 3 errors and 6 warnings: the files are not ready for v10.1.0\n",
		},
		{
			name: "v8 compose on its own release", args: []string{"--target", "8.0.0", "--compose", fixtures + "v8/docker-compose.yml"},
			stderr: "no findings: nothing to change for v8.0.0\n",
		},
		{
			name: "v10 compose on 10.1.0", args: []string{"--target", "10.1", "--compose", fixtures + "v10/docker-compose.yml"},
			warnings: 1, stderr: "1 warning, no errors for v10.1.0\n",
		},
		{
			name: "v4 production compose on 10.1.0", args: []string{"--target", "10.1", "--compose", fixtures + "v4/docker-compose.production.yml"},
			code: 3, errors: 7, warnings: 5, stderr: "error: 7 errors and 5 warnings: the files are not ready for v10.1.0\n",
		},
		{
			name: "v8 compose moved to the v10 image without a worker", args: []string{"--target", "10.1.0", "--compose", fixtures + "v8-on-v10/docker-compose.yml"},
			code: 3, errors: 3, warnings: 2, stderr: "error: 3 errors and 2 warnings: the files are not ready for v10.1.0\n",
		},
		{
			name: "env file on its own", args: []string{"--target", "10.1.0", "--env-file", fixtures + "v10/env"},
			warnings: 1, stderr: "1 warning, no errors for v10.1.0\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := lintJSON(t, tt.code, tt.args...)
			assert.Len(t, codes(fs, "error"), tt.errors)
			assert.Len(t, codes(fs, "warning"), tt.warnings)
			res := clitest.Run(t, clitest.Env{}, append([]string{"upgrade", "lint"}, tt.args...)...)
			assert.Equal(t, tt.code, res.Code)
			assert.Equal(t, tt.stderr, res.Stderr)
			if len(fs) == 0 {
				assert.Empty(t, res.Stdout)
				return
			}
			assert.Equal(t, len(fs)+1, strings.Count(res.Stdout, "\n"), "a header and one line per finding:\n%s", res.Stdout)
		})
	}
}

// TestLintV8OnV10Findings checks the JSON contract on the "done when" case: a v8-era
// compose file linted for 10.1.0 names every change needed.
func TestLintV8OnV10Findings(t *testing.T) {
	file := fixtures + "v8/docker-compose.yml"
	fs := lintJSON(t, 3, "--target", "10.1.0", "--compose", file)
	require.Len(t, fs, 9)
	for _, q := range []string{"default", "emails", "periodic"} {
		assert.Contains(t, fs, finding{Severity: "error", Code: "queue-unconsumed", Message: unconsumed[q]})
	}
	assert.Contains(t, fs, finding{
		Severity: "warning", Service: "scheduler", Code: "scheduler-queues", File: file, Line: 22,
		Message: "QUEUES is ignored: since v9.0.0-beta the scheduler only enqueues periodic jobs and runs none; give the queues to a worker",
	})
	assert.Contains(t, fs, finding{
		Severity: "warning", Service: "server", Code: "image-version", File: file, Line: 11,
		Message: "image redash/redash:8.0.0.b32245 is v8.0.0, not the target v10.1.0",
	})
	assert.Equal(t, "error", fs[0].Severity, "errors come first")

	res := clitest.Run(t, clitest.Env{}, "upgrade", "lint", "--target", "10.1.0", "--compose", file)
	require.Equal(t, 3, res.Code)
	golden.Assert(t, res.Stdout)

	// The raw JSON keeps the documented keys, and leaves file, line and app out when empty.
	raw := clitest.Run(t, clitest.Env{}, "upgrade", "lint", "--target", "10.1.0", "--compose", file, "-o", "json")
	var objs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw.Stdout), &objs))
	assert.Equal(t, map[string]any{"severity": "error", "service": "", "code": "queue-unconsumed", "message": unconsumed["default"]}, objs[0])
}

var unconsumed = map[string]string{
	"default":  "no worker consumes `default`: alerts are not checked, events are not recorded and the default queue grows in Redis",
	"emails":   "no worker consumes `emails`: no mail is sent (invitations, password resets, alerts)",
	"periodic": "no worker consumes `periodic`: scheduled queries will not run, the Outdated Queries admin page fails and periodic maintenance (schema refresh, result cleanup, failure reports) stops",
}

func TestLintFormats(t *testing.T) {
	args := []string{"upgrade", "lint", "--target", "10.1.0", "--compose", fixtures + "two-apps/docker-compose.yml"}
	fs := lintJSON(t, 3, args[2:]...)
	require.NotEmpty(t, fs)
	for _, f := range fs {
		assert.Equal(t, "ops", f.App, "the broken app is named")
	}

	res := clitest.Run(t, clitest.Env{}, append(args, "-o", "yaml")...)
	require.Equal(t, 3, res.Code)
	var y []finding
	require.NoError(t, yaml.Unmarshal([]byte(res.Stdout), &y))
	assert.Equal(t, fs, y)

	res = clitest.Run(t, clitest.Env{}, append(args, "-o", "csv")...)
	require.Equal(t, 3, res.Code)
	rows, err := csv.NewReader(strings.NewReader(res.Stdout)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, []string{"severity", "service", "app", "code", "file", "line", "message"}, rows[0])
	require.Len(t, rows, len(fs)+1)
	assert.Equal(t, []string{fs[3].Severity, fs[3].Service, fs[3].App, fs[3].Code, fs[3].File, "38", fs[3].Message}, rows[4])

	res = clitest.Run(t, clitest.Env{}, args...)
	require.Equal(t, 3, res.Code)
	assert.True(t, strings.HasPrefix(res.Stdout, "SEVERITY  APP  SERVICE"), res.Stdout)

	// No findings: [] in json, nothing at all in csv.
	clean := []string{"upgrade", "lint", "--target", "8.0.0", "--compose", fixtures + "v8/docker-compose.yml"}
	res = clitest.Run(t, clitest.Env{}, append(clean, "-o", "json")...)
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Equal(t, "[]\n", res.Stdout)
	res = clitest.Run(t, clitest.Env{}, append(clean, "-o", "csv")...)
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.Empty(t, res.Stdout)
}

// TestLintBadFiles: a file that cannot be read or parsed gives one line naming it (and the line
// when known), exit 1.
func TestLintBadFiles(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{name: "yaml syntax", args: []string{"--compose", fixtures + "broken/syntax.yml"}, want: []string{"syntax.yml", "line 3"}},
		{name: "unterminated quote in an env file", args: []string{"--env-file", fixtures + "broken/bad.env"}, want: []string{"broken/bad.env:2", "unterminated quoted value"}},
		{name: "bad interpolation env file", args: []string{"--compose", fixtures + "v8/docker-compose.yml", "--env-file", fixtures + "broken/bad.env"}, want: []string{"bad.env:2"}},
		{name: "missing compose file", args: []string{"--compose", "no-such-compose.yml"}, want: []string{"no-such-compose.yml", "no such file"}},
		{name: "missing env file", args: []string{"--env-file", "no-such.env"}, want: []string{"no-such.env"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := clitest.Run(t, clitest.Env{}, append([]string{"upgrade", "lint", "--target", "10.1.0"}, tt.args...)...)
			assert.Equal(t, 1, res.Code, res.Stderr)
			assert.Empty(t, res.Stdout)
			lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
			require.Len(t, lines, 1, res.Stderr)
			for _, w := range tt.want {
				assert.Contains(t, lines[0], w)
			}
		})
	}
}
