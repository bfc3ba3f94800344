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
