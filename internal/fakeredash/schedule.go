package fakeredash

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed query schedule of any dialect (§6). Interval is in
// seconds; a v4/v5 "HH:MM" string is a daily schedule at that time.
type Schedule struct {
	Interval       int
	Time           string
	DayOfWeek      string
	Until          string // YYYY-MM-DD
	Disabled       bool
	StringInterval bool // the interval was a numeric string
	Legacy         bool // the v4-v6 string form
}

// ParseSchedule decodes a schedule's wire value; it returns nil for null.
func ParseSchedule(raw json.RawMessage) (*Schedule, error) { return parseSchedule(raw) }

func parseSchedule(raw json.RawMessage) (*Schedule, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if n, err := strconv.Atoi(s); err == nil {
			return &Schedule{Interval: n, Legacy: true}, nil
		}
		return &Schedule{Interval: 86400, Time: s, Legacy: true}, nil
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	sc := &Schedule{}
	if v, ok := o["interval"]; ok {
		var f float64
		if json.Unmarshal(v, &s) == nil {
			// A migrated v6 schedule keeps its interval as a string (§6).
			sc.Interval, _ = strconv.Atoi(s)
			sc.StringInterval = true
		} else if json.Unmarshal(v, &f) == nil {
			sc.Interval = int(f)
		}
	}
	str := func(k string) string {
		var v string
		_ = json.Unmarshal(o[k], &v)
		return v
	}
	sc.Time, sc.DayOfWeek, sc.Until = str("time"), str("day_of_week"), str("until")
	_ = json.Unmarshal(o["disabled"], &sc.Disabled)
	return sc, nil
}

// Period is the schedule's period: the interval, at least a day when a
// time is set and a week when a weekday is set.
func (s *Schedule) Period() time.Duration {
	p := time.Duration(s.Interval) * time.Second
	if s.Time != "" && p < 24*time.Hour {
		p = 24 * time.Hour
	}
	if s.DayOfWeek != "" && p < 7*24*time.Hour {
		p = 7 * 24 * time.Hour
	}
	return p
}

// Active reports whether the scheduler would still run it at now: not
// disabled, with an interval, and its until date not past.
func (s *Schedule) Active(now time.Time) bool {
	if s == nil || s.Disabled || s.Interval <= 0 {
		return false
	}
	if s.Until != "" {
		u, err := time.Parse("2006-01-02", s.Until)
		if err == nil && !now.Before(u) {
			return false
		}
	}
	return true
}

// kind names the schedule's shape for traits.
func (s *Schedule) kind() string {
	switch {
	case s.DayOfWeek != "":
		return TraitScheduleWeekly
	case s.Time != "" || (s.Legacy && strings.Contains(s.Time, ":")):
		return TraitScheduleDaily
	default:
		return TraitScheduleInterval
	}
}
