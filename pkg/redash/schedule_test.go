package redash

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScheduleDecoding(t *testing.T) {
	now := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	day, week := int64(86400), int64(604800)
	tests := []struct {
		name       string
		json       string
		want       Schedule // exported fields only
		set        bool
		active     bool
		period     time.Duration
		normalized *NormalizedSchedule
		str        string
		v4         any // EncodeFor v4–v6
		v8         string
	}{
		{name: "null", json: `null`, v8: `null`},
		{name: "empty string (v4 column)", json: `""`, v8: `null`},
		{
			name: "v4 interval string", json: `"3600"`, want: Schedule{Interval: 3600}, set: true, active: true, period: time.Hour,
			normalized: &NormalizedSchedule{IntervalSeconds: 3600, Active: true}, str: "every 1h",
			v4: "3600", v8: `{"interval":3600,"time":null,"day_of_week":null,"until":null}`,
		},
		{
			name: "v4 daily time", json: `"06:30"`, want: Schedule{Interval: day, Time: "06:30"}, set: true, active: true, period: 24 * time.Hour,
			normalized: &NormalizedSchedule{IntervalSeconds: day, Time: "06:30", Active: true}, str: "daily at 06:30",
			v4: "06:30", v8: `{"interval":86400,"time":"06:30","day_of_week":null,"until":null}`,
		},
		{
			name: "v4 single-digit hour", json: `"6:05"`, want: Schedule{Interval: day, Time: "6:05"}, set: true, active: true, period: 24 * time.Hour,
			normalized: &NormalizedSchedule{IntervalSeconds: day, Time: "6:05", Active: true}, str: "daily at 6:05",
			v4: "6:05", v8: `{"interval":86400,"time":"6:05","day_of_week":null,"until":null}`,
		},
		{
			name: "v4 garbage string", json: `"sometimes"`, set: true, str: "sometimes",
			normalized: &NormalizedSchedule{}, v4: "sometimes", v8: `{"interval":null,"time":null,"day_of_week":null,"until":null}`,
		},
		{
			name: "v7+ interval number", json: `{"interval": 3600, "time": null, "day_of_week": null, "until": null}`,
			want: Schedule{Interval: 3600}, set: true, active: true, period: time.Hour,
			normalized: &NormalizedSchedule{IntervalSeconds: 3600, Active: true}, str: "every 1h",
			v4: "3600", v8: `{"interval":3600,"time":null,"day_of_week":null,"until":null}`,
		},
		{
			name: "migrated string interval", json: `{"interval": "86400", "time": "06:00", "day_of_week": null, "until": null}`,
			want: Schedule{Interval: day, Time: "06:00"}, set: true, active: true, period: 24 * time.Hour,
			normalized: &NormalizedSchedule{IntervalSeconds: day, Time: "06:00", Active: true}, str: "daily at 06:00",
			v4: "06:00", v8: `{"interval":86400,"time":"06:00","day_of_week":null,"until":null}`,
		},
		{
			name: "float interval", json: `{"interval": 900.0, "time": null, "day_of_week": null, "until": null}`,
			want: Schedule{Interval: 900}, set: true, active: true, period: 15 * time.Minute,
			normalized: &NormalizedSchedule{IntervalSeconds: 900, Active: true}, str: "every 15m",
			v4: "900", v8: `{"interval":900,"time":null,"day_of_week":null,"until":null}`,
		},
		{
			name: "weekly", json: `{"interval": 604800, "time": "07:15", "day_of_week": "Monday", "until": null}`,
			want: Schedule{Interval: week, Time: "07:15", DayOfWeek: "Monday"}, set: true, active: true, period: 7 * 24 * time.Hour,
			normalized: &NormalizedSchedule{IntervalSeconds: week, Time: "07:15", DayOfWeek: "Monday", Active: true},
			str:        "weekly on Monday at 07:15", v4: "604800",
			v8: `{"interval":604800,"time":"07:15","day_of_week":"Monday","until":null}`,
		},
		{
			name: "every two weeks", json: `{"interval": 1209600, "time": "07:15", "day_of_week": "Friday", "until": null}`,
			want: Schedule{Interval: 2 * week, Time: "07:15", DayOfWeek: "Friday"}, set: true, active: true, period: 14 * 24 * time.Hour,
			normalized: &NormalizedSchedule{IntervalSeconds: 2 * week, Time: "07:15", DayOfWeek: "Friday", Active: true},
			str:        "every 2w on Friday at 07:15", v4: "1209600",
			v8: `{"interval":1209600,"time":"07:15","day_of_week":"Friday","until":null}`,
		},
		{
			name: "until in the future", json: `{"interval": 3600, "time": null, "day_of_week": null, "until": "2025-06-16"}`,
			want: Schedule{Interval: 3600, Until: "2025-06-16"}, set: true, active: true, period: time.Hour,
			normalized: &NormalizedSchedule{IntervalSeconds: 3600, Until: "2025-06-16", Active: true}, str: "every 1h until 2025-06-16",
			v4: "3600", v8: `{"interval":3600,"time":null,"day_of_week":null,"until":"2025-06-16"}`,
		},
		{
			name: "until today (runs stop from that date)", json: `{"interval": 3600, "time": null, "day_of_week": null, "until": "2025-06-15"}`,
			want: Schedule{Interval: 3600, Until: "2025-06-15"}, set: true, active: false, period: time.Hour,
			normalized: &NormalizedSchedule{IntervalSeconds: 3600, Until: "2025-06-15"}, str: "every 1h until 2025-06-15",
			v4: "3600", v8: `{"interval":3600,"time":null,"day_of_week":null,"until":"2025-06-15"}`,
		},
		{
			name: "disabled by the v10 scheduler", json: `{"interval": 60, "time": null, "day_of_week": null, "until": null, "disabled": true}`,
			want: Schedule{Interval: 60, Disabled: true}, set: true, active: false, period: time.Minute,
			normalized: &NormalizedSchedule{IntervalSeconds: 60}, str: "every 1m (disabled)",
			v4: "60", v8: `{"interval":60,"time":null,"day_of_week":null,"until":null,"disabled":true}`,
		},
		{
			name: "all null object", json: `{"interval": null, "time": null, "day_of_week": null, "until": null}`,
			set: true, active: false, normalized: &NormalizedSchedule{}, str: "no interval",
			v8: `{"interval":null,"time":null,"day_of_week":null,"until":null}`,
		},
		{
			name: "empty string interval", json: `{"interval": "", "time": null}`,
			set: true, normalized: &NormalizedSchedule{}, str: "no interval",
			v8: `{"interval":null,"time":null,"day_of_week":null,"until":null}`,
		},
		{
			name: "bare number", json: `7200`, want: Schedule{Interval: 7200}, set: true, active: true, period: 2 * time.Hour,
			normalized: &NormalizedSchedule{IntervalSeconds: 7200, Active: true}, str: "every 2h",
			v4: "7200", v8: `{"interval":7200,"time":null,"day_of_week":null,"until":null}`,
		},
	}
	v4, v8 := MustParseVersion("4.0.2"), MustParseVersion("8.0.0")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Schedule
			require.NoError(t, json.Unmarshal([]byte(tt.json), &s))
			assert.Equal(t, tt.want.Interval, s.Interval)
			assert.Equal(t, tt.want.Time, s.Time)
			assert.Equal(t, tt.want.DayOfWeek, s.DayOfWeek)
			assert.Equal(t, tt.want.Until, s.Until)
			assert.Equal(t, tt.want.Disabled, s.Disabled)
			assert.Equal(t, tt.set, s.IsSet(), "IsSet")
			assert.Equal(t, tt.active, s.Active(now), "Active")
			assert.Equal(t, tt.period, s.Period(), "Period")
			assert.Equal(t, tt.normalized, s.Normalized(now), "Normalized")
			assert.Equal(t, tt.str, s.String(), "String")
			assert.Equal(t, tt.v4, s.EncodeFor(v4), "EncodeFor(v4)")
			b, err := json.Marshal(s.EncodeFor(v8))
			require.NoError(t, err)
			assert.JSONEq(t, tt.v8, string(b), "EncodeFor(v8)")
		})
	}
}

func TestScheduleMarshalKeepsShape(t *testing.T) {
	for _, in := range []string{`null`, `"3600"`, `"06:30"`} {
		var s Schedule
		require.NoError(t, json.Unmarshal([]byte(in), &s))
		b, err := json.Marshal(s)
		require.NoError(t, err)
		assert.Equal(t, in, string(b))
		assert.Equal(t, in != "null", s.Legacy())
	}
	var s Schedule
	require.NoError(t, json.Unmarshal([]byte(`{"interval":"3600","time":null,"day_of_week":null,"until":null}`), &s))
	b, err := json.Marshal(s)
	require.NoError(t, err)
	assert.JSONEq(t, `{"interval":3600,"time":null,"day_of_week":null,"until":null}`, string(b), "object stays an object, with all four keys")

	b, err = json.Marshal(Schedule{Interval: 3600})
	require.NoError(t, err)
	assert.JSONEq(t, `{"interval":3600,"time":null,"day_of_week":null,"until":null}`, string(b), "a new schedule is an object")

	// Inside a struct, an unset Schedule is null.
	b, err = json.Marshal(struct {
		S Schedule `json:"schedule"`
	}{})
	require.NoError(t, err)
	assert.Equal(t, `{"schedule":null}`, string(b))
}

func TestScheduleRejectsNonsense(t *testing.T) {
	for _, in := range []string{`[1]`, `true`, `{"interval": "soon"}`, `{"interval": {}}`} {
		var s Schedule
		assert.Error(t, json.Unmarshal([]byte(in), &s), in)
	}
}

func TestScheduleZeroValue(t *testing.T) {
	var s Schedule
	assert.False(t, s.IsSet())
	assert.False(t, s.Active(time.Now()))
	assert.Nil(t, s.Normalized(time.Now()))
	assert.Nil(t, s.EncodeFor(MustParseVersion("10.1.0")))
	assert.Nil(t, s.EncodeFor(MustParseVersion("4.0.2")))
	assert.Equal(t, "", s.String())
	_, ok := s.UntilTime()
	assert.False(t, ok)
}

func TestNormalizedScheduleJSON(t *testing.T) {
	n := NormalizedSchedule{IntervalSeconds: 86400, Time: "06:00", Active: true}
	b, err := json.Marshal(n)
	require.NoError(t, err)
	assert.Equal(t, `{"interval_seconds":86400,"time":"06:00","day_of_week":"","until":"","active":true}`, string(b))
}

// TestScheduleStringInterval: only a v7+ object whose interval is a numeric
// string counts; writing it back gives a number, which no longer does.
func TestScheduleStringInterval(t *testing.T) {
	tests := []struct {
		json string
		want bool
	}{
		{`{"interval": "3600", "time": null, "day_of_week": null, "until": null}`, true},
		{`{"interval": " 86400 ", "time": "06:00", "day_of_week": null, "until": null}`, true},
		{`{"interval": "604800", "time": "07:15", "day_of_week": "Monday", "until": null, "disabled": true}`, true},
		{`{"interval": 3600, "time": null, "day_of_week": null, "until": null}`, false},
		{`{"interval": 900.0, "time": null}`, false},
		{`{"interval": null, "time": null, "day_of_week": null, "until": null}`, false},
		{`{"interval": "", "time": null}`, false},
		{`{"time": "06:00"}`, false},
		{`"3600"`, false},
		{`"06:30"`, false},
		{`7200`, false},
		{`null`, false},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			var s Schedule
			require.NoError(t, json.Unmarshal([]byte(tt.json), &s))
			assert.Equal(t, tt.want, s.StringInterval())
			if !tt.want {
				return
			}
			assert.False(t, s.Legacy(), "an object is not a legacy string")
			b, err := json.Marshal(s)
			require.NoError(t, err)
			var again Schedule
			require.NoError(t, json.Unmarshal(b, &again))
			assert.False(t, again.StringInterval(), "written back with a number: %s", b)
			assert.Equal(t, s.Interval, again.Interval)
		})
	}
	// Decoding into a used Schedule forgets the flag.
	var s Schedule
	require.NoError(t, json.Unmarshal([]byte(`{"interval": "60"}`), &s))
	require.NoError(t, json.Unmarshal([]byte(`{"interval": 60}`), &s))
	assert.False(t, s.StringInterval())
}
