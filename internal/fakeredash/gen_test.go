package fakeredash

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testNow = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func TestGenerateDefaultSize(t *testing.T) {
	s, err := New(Options{Seed: 7, Now: testNow})
	require.NoError(t, err)
	ds := s.Snapshot()
	assert.Len(t, ds.Queries, 15000)
	assert.Len(t, ds.Dashboards, 600)
	assert.Len(t, ds.Events, 150000)
	assert.Len(t, ds.Users, 120)
}

func TestTinyWorlds(t *testing.T) {
	for _, n := range []int{1, 2, 7, 30} {
		for _, v := range dialects {
			s, err := New(Options{Version: v, Queries: n, Seed: int64(n), Now: testNow})
			require.NoError(t, err)
			ds := s.Snapshot()
			assert.Len(t, ds.Queries, n)
			assert.Len(t, ds.Dashboards, 5)
			assert.NotEmpty(t, ds.Users)
		}
	}
}
