package upgrade_test

import (
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
	upg "github.com/redashctl/redashctl/pkg/upgrade"
)

var known = strings.Join(upg.Versions(), ", ")

func TestNewCmdDiff(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		want    upgrade.DiffOptions
		wantErr string
	}{
		{name: "versions", args: "--from 8.0.0 --to 10.1.0", want: upgrade.DiffOptions{From: "8.0.0", To: "10.1.0", Output: "table"}},
		{name: "downgrade as markdown", args: "--from v10.1 --to 8 -o markdown", want: upgrade.DiffOptions{From: "v10.1", To: "8", Output: "markdown"}},
		{name: "image tags", args: "--from 8.0.0.b32245 --to redash/redash:10.1.0.b50633 -o yaml", want: upgrade.DiffOptions{From: "8.0.0.b32245", To: "redash/redash:10.1.0.b50633", Output: "yaml"}},
		{name: "no from", args: "--to 10.1.0", wantErr: "--from is required: one of " + known},
		{name: "no to", args: "--from 10.1.0", wantErr: "--to is required: one of " + known},
		{name: "unknown from", args: "--from 9.9 --to 10.1.0", wantErr: `--from: unknown Redash version "9.9": known versions are ` + known},
		{name: "unknown to", args: "--from 8 --to 27.1.0", wantErr: `--to: unknown Redash version "27.1.0": known versions are ` + known},
		{name: "csv is not offered", args: "--from 8 --to 10 -o csv", wantErr: `unknown output format "csv": use one of table, json, yaml, markdown`},
		{name: "positional", args: "8 10", wantErr: `unexpected argument "8": diff takes no arguments`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			f := factory.New(ios, func(string) (string, bool) { return "", false })
			var got *upgrade.DiffOptions
			cmd := upgrade.NewCmdDiff(f, func(o *upgrade.DiffOptions) error { got = o; return nil })
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

// TestDiffTableGolden renders the table form across each major boundary the issue names.
func TestDiffTableGolden(t *testing.T) {
	for _, pair := range [][2]string{
		{"5.0.2", "6.0.0"},
		{"6.0.0", "7.0.0"},
		{"8.0.0", "9.0.0-beta"},
		{"8.0.0", "10.1.0"},
		{"10.1.0", "8.0.0"},
		{"10.1.0", "25.1.0"},
	} {
		t.Run(pair[0]+"_"+pair[1], func(t *testing.T) {
			res := clitest.Run(t, clitest.Env{}, "upgrade", "diff", "--from", pair[0], "--to", pair[1])
			require.Equal(t, 0, res.Code, res.Stderr)
			assert.Empty(t, res.Stderr)
			golden.Assert(t, res.Stdout)
		})
	}
}

func TestDiffMarkdownGolden(t *testing.T) {
	res := clitest.Run(t, clitest.Env{}, "upgrade", "diff", "--from", "8.0.0", "--to", "10.1.0", "-o", "markdown")
	require.Equal(t, 0, res.Code, res.Stderr)
	want, err := upg.Diff("8.0.0", "10.1.0")
	require.NoError(t, err)
	assert.Equal(t, want.Markdown(), res.Stdout, "markdown is the library's rendering, unchanged")
	assert.True(t, strings.HasPrefix(res.Stdout, "# Upgrade v8.0.0 → v10.1.0\n"))
	golden.Assert(t, res.Stdout)
}

func TestDiffJSONAndYAML(t *testing.T) {
	res := clitest.Run(t, clitest.Env{}, "upgrade", "diff", "--from", "8", "--to", "10.1", "-o", "json")
	require.Equal(t, 0, res.Code, res.Stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.Stdout), &got))
	assert.Equal(t, "v8.0.0", got["from"])
	assert.Equal(t, "v10.1.0", got["to"])
	assert.Equal(t, "upgrade", got["direction"])
	assert.Equal(t, []any{"v9.0.0-beta", "v10.0.0-beta", "v10.0.0", "v10.1.0"}, got["crossed"])
	for _, k := range []string{"settings_added", "settings_removed", "settings_renamed", "settings_changed", "queues_added", "queues_removed", "services", "actions", "pitfalls"} {
		assert.Contains(t, got, k)
	}
	assert.Equal(t, []any{"periodic", "emails", "default"}, got["queues_added"])

	res = clitest.Run(t, clitest.Env{}, "upgrade", "diff", "--from", "8", "--to", "10.1", "-o", "yaml")
	require.Equal(t, 0, res.Code, res.Stderr)
	var y map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(res.Stdout), &y))
	assert.Equal(t, got["crossed"], y["crossed"])
	assert.Equal(t, len(got["actions"].([]any)), len(y["actions"].([]any)))
}

func TestDiffSameRelease(t *testing.T) {
	res := clitest.Run(t, clitest.Env{}, "upgrade", "diff", "--from", "10.1", "--to", "v10.1.0")
	require.Equal(t, 0, res.Code, res.Stderr)
	assert.True(t, strings.HasPrefix(res.Stdout, "Redash v10.1.0 → v10.1.0: the same release, nothing changes\n\nService layout of v10.1.0\n"), res.Stdout)
	assert.NotContains(t, res.Stdout, "Actions")
	assert.NotContains(t, res.Stdout, "Settings")
}

// TestDiffBadInput: usage errors exit 2 with one error line and the usage hint.
func TestDiffBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"upgrade", "diff", "--from", "7.1.0", "--to", "10.1.0"},
		{"upgrade", "diff", "--from", "8.0.0"},
		{"upgrade", "diff", "--from", "8.0.0", "--to", "10.1.0", "-o", "html"},
	} {
		res := clitest.Run(t, clitest.Env{}, args...)
		assert.Equal(t, 2, res.Code, strings.Join(args, " "))
		assert.Empty(t, res.Stdout)
		lines := strings.Split(strings.TrimSpace(res.Stderr), "\n")
		require.Len(t, lines, 2, res.Stderr)
		assert.True(t, strings.HasPrefix(lines[0], "error: "), lines[0])
		assert.Equal(t, "Run 'redashctl upgrade diff --help' for usage.", lines[1])
	}
	res := clitest.Run(t, clitest.Env{}, "upgrade", "diff", "--from", "7.1.0", "--to", "10.1.0")
	assert.Contains(t, res.Stderr, `--from: unknown Redash version "7.1.0": known versions are v4.0.0, v4.0.1`)
}

func TestDiffTableWrapsOnATerminal(t *testing.T) {
	res := clitest.RunTTY(t, true, clitest.Env{}, "upgrade", "diff", "--from", "8.0.0", "--to", "10.1.0")
	require.Equal(t, 0, res.Code, res.Stderr)
	for _, line := range strings.Split(res.Stdout, "\n") {
		assert.LessOrEqual(t, len([]rune(line)), 120, line)
	}
	assert.Contains(t, res.Stdout, "Add a `worker` service")
}
