package redash

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSessionKeepsVersion: the version read by Session is the one Version
// returns, without a second GET /api/session.
func TestSessionKeepsVersion(t *testing.T) {
	ctx := context.Background()
	t.Run("session then version", func(t *testing.T) {
		f := newFake(t, "8.0.0+b32245")
		c, _ := f.start()
		s, err := c.Session(ctx)
		require.NoError(t, err)
		assert.Equal(t, "8.0.0+b32245", s.Version)
		v, err := c.Version(ctx)
		require.NoError(t, err)
		assert.Equal(t, "8.0.0", v.String())
		assert.Equal(t, 1, f.count("GET", "/api/session"), "the version comes from the first read")
	})
	t.Run("version then session", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		c, _ := f.start()
		v, err := c.Version(ctx)
		require.NoError(t, err)
		assert.Equal(t, "10.1.0", v.String())
		_, err = c.Session(ctx)
		require.NoError(t, err)
		v, err = c.Version(ctx)
		require.NoError(t, err)
		assert.Equal(t, "10.1.0", v.String())
		assert.Equal(t, 2, f.count("GET", "/api/session"), "Session always reads; Version reads once")
	})
	t.Run("a fixed version wins", func(t *testing.T) {
		f := newFake(t, "10.1.0")
		c, _ := f.start(WithVersion(MustParseVersion("9.0.0")))
		_, err := c.Session(ctx)
		require.NoError(t, err)
		v, err := c.Version(ctx)
		require.NoError(t, err)
		assert.Equal(t, "9.0.0", v.String())
		assert.Equal(t, 1, f.count("GET", "/api/session"))
	})
	t.Run("no version in the session", func(t *testing.T) {
		// A query API key: the session tells no version, so Version reads
		// again and fails.
		f := newFake(t, "10.1.0")
		f.routes["GET /api/session"] = func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, 200, map[string]any{"user": map[string]any{"permissions": []string{"view_query"}}, "org_slug": "default", "client_config": map[string]any{}})
		}
		c, _ := f.start()
		s, err := c.Session(ctx)
		require.NoError(t, err)
		assert.Empty(t, s.Version)
		_, err = c.Version(ctx)
		require.ErrorIs(t, err, errNoVersion)
		assert.Equal(t, 2, f.count("GET", "/api/session"))
	})
}
