package redash

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a query's refresh schedule in every shape Redash has used:
// null, a v4–v6 string ("3600" seconds, or "HH:MM" once a day in UTC), or the
// v7+ object {interval, time, day_of_week, until} whose interval may be a
// number or a numeric string (instances migrated from v6), and which v10+
// may mark "disabled": true after a scheduler error. The zero Schedule is
// "not scheduled".
type Schedule struct {
	// Interval is the period in seconds; a daily "HH:MM" string decodes to
	// 86400. Zero when absent.
	Interval int64
	// Time is the "HH:MM" (UTC) of day the query runs at, or "".
	Time string
	// DayOfWeek is the English weekday name of a weekly schedule, or "".
	DayOfWeek string
	// Until is the "YYYY-MM-DD" (UTC) from which runs stop, or "".
	Until string
	// Disabled is set by the v10+ scheduler when it gave up on the schedule.
	Disabled bool

	set         bool
	legacy      bool   // decoded from a v4–v6 string
	strInterval bool   // a v7+ object whose interval is a numeric string
	raw         string // a string in neither known form, kept verbatim
}

// IsSet reports whether the query has a schedule (the field is not null),
// whether or not it is active.
func (s Schedule) IsSet() bool {
	return s.set || s.Interval != 0 || s.Time != "" || s.DayOfWeek != "" || s.Until != "" || s.Disabled
}

// Legacy reports whether the schedule was decoded from a v4–v6 string.
func (s Schedule) Legacy() bool { return s.legacy }

// StringInterval reports whether the schedule was decoded from a v7+ object
// whose interval is a numeric string ({"interval": "3600", …}), as the
// v7/v8 migration of v6 schedules stored them. Redash v9.0.0-beta fixed the
// migration but does not rewrite such rows; saving the schedule again (which
// EncodeFor and MarshalJSON write with a number) does. A v4–v6 string
// schedule is Legacy, not StringInterval.
func (s Schedule) StringInterval() bool { return s.strInterval }

// Period returns how often the query runs: the interval, at least a day when
// a time of day is set and at least a week when a weekday is set. Zero when
// unscheduled or when the schedule carries no usable period.
func (s Schedule) Period() time.Duration {
	d := time.Duration(s.Interval) * time.Second
	if s.Interval < 0 {
		d = 0
	}
	if s.Time != "" && d < 24*time.Hour {
		d = 24 * time.Hour
	}
	if s.DayOfWeek != "" && d < 7*24*time.Hour {
		d = 7 * 24 * time.Hour
	}
	return d
}

// UntilTime returns the start (00:00 UTC) of the Until date, and false when
// there is none or it is malformed.
func (s Schedule) UntilTime() (time.Time, bool) {
	if s.Until == "" {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", s.Until)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// Active reports whether the scheduler still runs the query at now: it is
// set, not disabled, has a period, and its until date has not begun.
func (s Schedule) Active(now time.Time) bool {
	if !s.IsSet() || s.Disabled || s.Period() <= 0 {
		return false
	}
	if until, ok := s.UntilTime(); ok && !now.Before(until) {
		return false
	}
	return true
}

// NormalizedSchedule is the version-independent form of a schedule used in
// redashctl's JSON, CSV and YAML output.
type NormalizedSchedule struct {
	// IntervalSeconds is Period in seconds.
	IntervalSeconds int64 `json:"interval_seconds" yaml:"interval_seconds"`
	// Time is the "HH:MM" UTC time of day, or "".
	Time string `json:"time" yaml:"time"`
	// DayOfWeek is the weekday of a weekly schedule, or "".
	DayOfWeek string `json:"day_of_week" yaml:"day_of_week"`
	// Until is the "YYYY-MM-DD" date runs stop from, or "".
	Until string `json:"until" yaml:"until"`
	// Active is Active(now).
	Active bool `json:"active" yaml:"active"`
}

// Normalized returns the schedule's version-independent form at now, or nil
// when the query is not scheduled.
func (s Schedule) Normalized(now time.Time) *NormalizedSchedule {
	if !s.IsSet() {
		return nil
	}
	return &NormalizedSchedule{
		IntervalSeconds: int64(s.Period() / time.Second),
		Time:            s.Time,
		DayOfWeek:       s.DayOfWeek,
		Until:           s.Until,
		Active:          s.Active(now),
	}
}

// String describes the schedule for humans: "every 1h", "daily at 06:00",
// "weekly on Monday at 06:00", with " until 2025-01-01" or " (disabled)".
func (s Schedule) String() string {
	if !s.IsSet() {
		return ""
	}
	if s.raw != "" {
		return s.raw
	}
	p := s.Period()
	var out string
	switch {
	case p <= 0:
		out = "no interval"
	case s.DayOfWeek != "" && p == 7*24*time.Hour:
		out = "weekly on " + s.DayOfWeek
	case s.Time != "" && p == 24*time.Hour:
		out = "daily"
	default:
		out = "every " + humanDuration(p)
		if s.DayOfWeek != "" {
			out += " on " + s.DayOfWeek
		}
	}
	if s.Time != "" {
		out += " at " + s.Time
	}
	if s.Until != "" {
		out += " until " + s.Until
	}
	if s.Disabled {
		out += " (disabled)"
	}
	return out
}

func humanDuration(d time.Duration) string {
	switch {
	case d%(7*24*time.Hour) == 0:
		return fmt.Sprintf("%dw", d/(7*24*time.Hour))
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

type scheduleObject struct {
	Interval  intervalWire `json:"interval"`
	Time      nullString   `json:"time"`
	DayOfWeek nullString   `json:"day_of_week"`
	Until     nullString   `json:"until"`
	Disabled  flexBool     `json:"disabled"`
}

// intervalWire is a schedule object's interval: a number, or a numeric
// string, which str records.
type intervalWire struct {
	flexInt
	str bool
}

func (w *intervalWire) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if err := w.flexInt.UnmarshalJSON(b); err != nil {
		return err
	}
	w.str = w.valid && len(b) > 0 && b[0] == '"'
	return nil
}

// UnmarshalJSON decodes every shape listed on Schedule.
func (s *Schedule) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*s = Schedule{}
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	switch b[0] {
	case '"':
		var str string
		if err := unmarshal(b, &str); err != nil {
			return fmt.Errorf("decode schedule: %w", err)
		}
		s.setLegacy(strings.TrimSpace(str))
		return nil
	case '{':
		var o scheduleObject
		if err := unmarshal(b, &o); err != nil {
			return fmt.Errorf("decode schedule %s: %w", oneLine(string(b), 120), err)
		}
		*s = Schedule{
			Interval:    o.Interval.v,
			Time:        string(o.Time),
			DayOfWeek:   string(o.DayOfWeek),
			Until:       string(o.Until),
			Disabled:    bool(o.Disabled),
			set:         true,
			strInterval: o.Interval.str,
		}
		return nil
	default:
		// A bare number: treat it as an interval, as the v4–v6 scheduler
		// would treat the same digits in a string.
		var n flexInt
		if err := unmarshal(b, &n); err != nil {
			return fmt.Errorf("decode schedule %s: not null, a string or an object", oneLine(string(b), 60))
		}
		*s = Schedule{Interval: n.v, set: true}
		return nil
	}
}

func (s *Schedule) setLegacy(str string) {
	if str == "" {
		return
	}
	s.set, s.legacy = true, true
	if n, err := strconv.ParseInt(str, 10, 64); err == nil {
		s.Interval = n
		return
	}
	if isClock(str) {
		s.Interval = 86400
		s.Time = str
		return
	}
	s.raw = str
}

func isClock(s string) bool {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(m) != 2 || len(h) < 1 || len(h) > 2 {
		return false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	return err1 == nil && err2 == nil && hh >= 0 && hh < 24 && mm >= 0 && mm < 60
}

// scheduleWire is the v7+ object, with all four keys always present: the v8
// scheduler raises on a missing key, and v10+ then disables the schedule.
type scheduleWire struct {
	Interval  *int64  `json:"interval"`
	Time      *string `json:"time"`
	DayOfWeek *string `json:"day_of_week"`
	Until     *string `json:"until"`
	Disabled  bool    `json:"disabled,omitempty"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// EncodeFor returns the value to send as "schedule" to a server of version
// v: nil when unscheduled; for v7+ the object with all four keys (and
// "disabled": true only when set); for v4–v6 a string, "HH:MM" for a daily
// schedule at a time and the interval in seconds otherwise (a weekday or an
// until date cannot be written to those versions and is dropped). With an
// unknown version the shape the schedule was decoded from is used.
func (s Schedule) EncodeFor(v Version) any {
	if !s.IsSet() {
		return nil
	}
	object := v.ScheduleIsObject()
	if v.IsZero() {
		object = !s.legacy
	}
	if !object {
		if s.raw != "" {
			return s.raw
		}
		if s.Time != "" && (s.Interval == 0 || s.Interval == 86400) {
			return s.Time
		}
		if s.Interval > 0 {
			return strconv.FormatInt(s.Interval, 10)
		}
		if p := s.Period(); p > 0 {
			return strconv.FormatInt(int64(p/time.Second), 10)
		}
		return nil
	}
	w := scheduleWire{Time: strPtr(s.Time), DayOfWeek: strPtr(s.DayOfWeek), Until: strPtr(s.Until), Disabled: s.Disabled}
	if s.Interval != 0 {
		n := s.Interval
		w.Interval = &n
	}
	return w
}

// MarshalJSON writes the schedule in the shape it was decoded from (a string
// for v4–v6, the object for v7+), null when unscheduled. Use EncodeFor to
// write for a given server version.
func (s Schedule) MarshalJSON() ([]byte, error) {
	return json.Marshal(s.EncodeFor(Version{}))
}
