// Package clitest runs redashctl command lines in-process against the fake
// Redash over real HTTP, for command tests. Tests only.
package clitest

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/cmd/root"
	"github.com/redashctl/redashctl/internal/fakeredash"
	"github.com/redashctl/redashctl/internal/iostreams"
)

// Result is what one command line produced.
type Result struct {
	Code   int
	Stdout string
	Stderr string
}

// Env is a fake environment for one run.
type Env map[string]string

// Lookup implements config.Env.
func (e Env) Lookup(k string) (string, bool) {
	v, ok := e[k]
	return v, ok
}

// Run runs redashctl with args and env; HOME and XDG_CONFIG_HOME point into a
// fresh temporary directory unless env sets them.
func Run(t *testing.T, env Env, args ...string) Result {
	t.Helper()
	return RunTTY(t, false, env, args...)
}

// RunTTY is Run with stdout and stderr marked as terminals or not.
func RunTTY(t *testing.T, tty bool, env Env, args ...string) Result {
	t.Helper()
	return run(t, tty, "", env, args...)
}

// RunStdin is Run with standard input.
func RunStdin(t *testing.T, stdin string, env Env, args ...string) Result {
	t.Helper()
	return run(t, false, stdin, env, args...)
}

func run(t *testing.T, tty bool, stdin string, env Env, args ...string) Result {
	t.Helper()
	e := Env{}
	for k, v := range env {
		e[k] = v
	}
	if _, ok := e["HOME"]; !ok {
		e["HOME"] = t.TempDir()
	}
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ios.SetStdoutTTY(tty)
	ios.SetStderrTTY(tty)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := root.RunWithClock(ctx, args, ios, e.Lookup, func() time.Time { return Now })
	return Result{Code: code, Stdout: out.String(), Stderr: errOut.String()}
}

// Fake starts a fake Redash over httptest and returns it with its URL.
func Fake(t *testing.T, o fakeredash.Options) (*fakeredash.Server, string) {
	t.Helper()
	if o.Now.IsZero() {
		o.Now = Now
	}
	srv, err := fakeredash.New(o)
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	return srv, hs.URL
}

// Now is the fixed clock of command tests.
var Now = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// EnvFor is an environment that points redashctl at url with key.
func EnvFor(url, key string) Env {
	return Env{"REDASHCTL_URL": url, "REDASHCTL_API_KEY": key}
}

// WriteFile writes content to a new file in a temporary directory.
func WriteFile(t *testing.T, name, content string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), perm))
	return p
}
