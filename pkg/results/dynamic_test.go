package results

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/pkg/redash"
)

// clock is Tuesday 31 March 2026, 14:25:36 in a zone one hour east of UTC:
// the end of a month (moment clamps "one month ago" to 28 February) and
// mid-week (moment's weeks start on Sunday).
var clock = time.Date(2026, 3, 31, 14, 25, 36, 500e6, time.FixedZone("CET", 3600))

func TestDynamicRanges(t *testing.T) {
	const f = "2006-01-02 15:04:05"
	common := map[string][2]string{
		"d_today":      {"2026-03-31 00:00:00", "2026-03-31 23:59:59"},
		"d_yesterday":  {"2026-03-30 00:00:00", "2026-03-30 23:59:59"},
		"d_this_week":  {"2026-03-29 00:00:00", "2026-04-04 23:59:59"},
		"d_this_month": {"2026-03-01 00:00:00", "2026-03-31 23:59:59"},
		"d_this_year":  {"2026-01-01 00:00:00", "2026-12-31 23:59:59"},
		"d_last_week":  {"2026-03-22 00:00:00", "2026-03-28 23:59:59"},
		"d_last_month": {"2026-02-01 00:00:00", "2026-02-28 23:59:59"},
		"d_last_year":  {"2025-01-01 00:00:00", "2025-12-31 23:59:59"},
	}
	tests := []struct {
		version string
		extra   map[string][2]string
		count   int
	}{
		{"8.0.0", map[string][2]string{
			"d_last_7_days": {"2026-03-24 14:25:36", "2026-03-31 14:25:36"},
		}, 9},
		{"9.0.0", map[string][2]string{
			"d_last_7_days":  {"2026-03-24 14:25:36", "2026-03-31 14:25:36"},
			"d_last_90_days": {"2025-12-31 14:25:36", "2026-03-31 14:25:36"},
		}, 13},
		{"10.1.0", map[string][2]string{
			"d_last_hour":      {"2026-03-31 13:25:36", "2026-03-31 14:25:36"},
			"d_last_8_hours":   {"2026-03-31 06:25:36", "2026-03-31 14:25:36"},
			"d_last_24_hours":  {"2026-03-30 14:25:36", "2026-03-31 14:25:36"},
			"d_last_7_days":    {"2026-03-24 00:00:00", "2026-03-31 23:59:59"},
			"d_last_14_days":   {"2026-03-17 00:00:00", "2026-03-31 23:59:59"},
			"d_last_30_days":   {"2026-03-01 00:00:00", "2026-03-31 23:59:59"},
			"d_last_60_days":   {"2026-01-30 00:00:00", "2026-03-31 23:59:59"},
			"d_last_90_days":   {"2025-12-31 00:00:00", "2026-03-31 23:59:59"},
			"d_last_12_months": {"2025-03-31 00:00:00", "2026-03-31 23:59:59"},
		}, 17},
		{"25.8.0", map[string][2]string{
			"d_last_7_days": {"2026-03-24 00:00:00", "2026-03-31 23:59:59"},
		}, 17},
		{"26.3.0", map[string][2]string{
			"d_last_hour":      {"2026-03-31 13:25:36", "2026-03-31 14:25:36"},
			"d_last_7_days":    {"2026-03-24 00:00:00", "2026-03-31 14:25:36"},
			"d_last_12_months": {"2025-03-31 00:00:00", "2026-03-31 14:25:36"},
			"d_last_2_years":   {"2024-03-31 00:00:00", "2026-03-31 14:25:36"},
			"d_last_3_years":   {"2023-03-31 00:00:00", "2026-03-31 14:25:36"},
			"d_last_10_years":  {"2016-03-31 00:00:00", "2026-03-31 14:25:36"},
		}, 20},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			v := redash.MustParseVersion(tt.version)
			assert.Len(t, DynamicDateValues(v, "date-range"), tt.count)
			want := map[string][2]string{}
			for k, w := range common {
				want[k] = w
			}
			for k, w := range tt.extra {
				want[k] = w
			}
			for name, w := range want {
				start, end, ok := dynamicRange(v, name, clock)
				require.True(t, ok, name)
				assert.Equal(t, w, [2]string{start.Format(f), end.Format(f)}, name)
				assert.Equal(t, clock.Location(), start.Location(), name)
			}
		})
	}
	_, _, ok := dynamicRange(redash.MustParseVersion("10.1.0"), "d_last_2_years", clock)
	assert.False(t, ok, "v10 has no last 2 years")
	_, _, ok = dynamicRange(redash.MustParseVersion("8.0.0"), "d_last_hour", clock)
	assert.False(t, ok, "v8 has no last hour")
	_, _, ok = dynamicRange(redash.MustParseVersion("5.0.2"), "d_today", clock)
	assert.False(t, ok, "v5 has no dynamic values")
	assert.Nil(t, DynamicDateValues(redash.MustParseVersion("5.0.2"), "date"))
	assert.Equal(t, []string{"d_now", "d_yesterday"}, DynamicDateValues(redash.MustParseVersion("8.0.0"), "datetime-local"))
	assert.Nil(t, DynamicDateValues(redash.MustParseVersion("10.1.0"), "number"))
}

func TestDynamicWeekOnSunday(t *testing.T) {
	sunday := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
	start, end, ok := dynamicRange(redash.Version{}, "d_this_week", sunday)
	require.True(t, ok)
	assert.Equal(t, "2026-03-29 00:00", start.Format("2006-01-02 15:04"))
	assert.Equal(t, "2026-04-04 23:59", end.Format("2006-01-02 15:04"))
	start, end, _ = dynamicRange(redash.Version{}, "d_last_week", sunday)
	assert.Equal(t, "2026-03-22 00:00", start.Format("2006-01-02 15:04"))
	assert.Equal(t, "2026-03-28 23:59", end.Format("2006-01-02 15:04"))
}

func TestAddMonthsClamps(t *testing.T) {
	leap := time.Date(2024, 2, 29, 10, 0, 0, 0, time.UTC)
	assert.Equal(t, time.Date(2023, 2, 28, 10, 0, 0, 0, time.UTC), addMonths(leap, -12))
	assert.Equal(t, time.Date(2026, 2, 28, 14, 25, 36, 500e6, clock.Location()), addMonths(clock, -1))
	assert.Equal(t, time.Date(2025, 12, 31, 14, 25, 36, 500e6, clock.Location()), addMonths(clock, -3))
	start, _, ok := dynamicRange(redash.MustParseVersion("10.1.0"), "d_last_12_months", leap)
	require.True(t, ok)
	assert.Equal(t, time.Date(2023, 2, 28, 0, 0, 0, 0, time.UTC), start)
}

func TestDynamicDates(t *testing.T) {
	v := redash.MustParseVersion("8.0.0")
	now, ok := dynamicDate(v, "d_now", clock)
	require.True(t, ok)
	assert.Equal(t, clock, now)
	y, ok := dynamicDate(v, "d_yesterday", clock)
	require.True(t, ok)
	assert.Equal(t, "2026-03-30 14:25:36", y.Format("2006-01-02 15:04:05"))
	_, ok = dynamicDate(v, "d_today", clock)
	assert.False(t, ok, "d_today is a range value only")
	_, ok = dynamicDate(redash.MustParseVersion("4.0.2"), "d_now", clock)
	assert.False(t, ok)
}
