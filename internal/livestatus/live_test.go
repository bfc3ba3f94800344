package livestatus_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/fakeredash"
	live "github.com/redashctl/redashctl/internal/livestatus"
	"github.com/redashctl/redashctl/pkg/redash"
)

// TestSchedulesStringIntervals: the schedules part counts, and names by id, the listed queries
// whose v7+ schedule stores its interval as a string, as the fake's ground truth says; v4–v6
// string schedules are legacy, not string intervals.
func TestSchedulesStringIntervals(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	for _, v := range fakeredash.Versions() {
		t.Run(v, func(t *testing.T) {
			srv, err := fakeredash.New(fakeredash.Options{Version: v, Queries: 300, Seed: 4, Now: now})
			require.NoError(t, err)
			hs := httptest.NewServer(srv)
			defer hs.Close()
			client, err := redash.NewClient(hs.URL, redash.WithAPIKey(srv.AdminKey()))
			require.NoError(t, err)

			snap, err := live.Read(context.Background(), client, hs.URL, live.Options{Schedules: true, Now: now})
			require.NoError(t, err)
			require.NotNil(t, snap.Schedules)

			visible := srv.VisibleQueryIDs(srv.AdminKey())
			var want []int
			for _, q := range srv.Snapshot().Queries {
				if !slices.Contains(visible, q.ID) {
					continue
				}
				if q.HasTrait(fakeredash.TraitScheduleStringInt) {
					want = append(want, q.ID)
				}
			}
			slices.Sort(want)
			assert.Equal(t, want, snap.Schedules.StringIntervalQueries)
			assert.Len(t, want, snap.Schedules.StringIntervals)
			if !redash.MustParseVersion(v).ScheduleIsObject() {
				assert.Zero(t, snap.Schedules.StringIntervals, "string schedules of v4–v6 are legacy")
				assert.Positive(t, snap.Schedules.Legacy)
			}
			if v == "8.0.0" {
				assert.NotEmpty(t, want, "the v8 sandbox holds migrated schedules")
			}
		})
	}
}
