package cmdutil

import (
	"fmt"
	"time"

	"github.com/redashctl/redashctl/pkg/redash"
)

// ScheduleRecord is a schedule in one shape for every Redash version (v4-v6
// strings such as "3600" or "06:00", v7+ objects with numeric or string
// intervals and v10's "disabled"), as the json/csv/yaml contracts of
// docs/output.md print it.
type ScheduleRecord struct {
	IntervalSeconds int64   `json:"interval_seconds"`
	Time            *string `json:"time"`
	DayOfWeek       *string `json:"day_of_week"`
	Until           *string `json:"until"`
	Active          bool    `json:"active"`
}

// NewScheduleRecord normalizes s; nil when the query is not scheduled.
func NewScheduleRecord(s redash.Schedule, now time.Time) *ScheduleRecord {
	if !s.IsSet() {
		return nil
	}
	n := s.Normalized(now)
	return &ScheduleRecord{IntervalSeconds: n.IntervalSeconds, Time: optional(n.Time), DayOfWeek: optional(n.DayOfWeek), Until: optional(n.Until), Active: n.Active}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// DescribeSchedule renders a schedule for tables: "every 1h", "daily 06:00",
// "weekly Mon 06:00", "until 2025-01-31", and "(off)" when it no longer runs.
func DescribeSchedule(s *ScheduleRecord) string {
	if s == nil {
		return "-"
	}
	var d string
	switch {
	case s.DayOfWeek != nil:
		d = "weekly " + (*s.DayOfWeek)[:min(3, len(*s.DayOfWeek))]
		if s.Time != nil {
			d += " " + *s.Time
		}
	case s.Time != nil && s.IntervalSeconds > 86400:
		d = fmt.Sprintf("every %s %s", Interval(s.IntervalSeconds), *s.Time)
	case s.Time != nil:
		d = "daily " + *s.Time
	default:
		d = "every " + Interval(s.IntervalSeconds)
	}
	if s.Until != nil {
		d += " until " + *s.Until
	}
	if !s.Active {
		d += " (off)"
	}
	return d
}

// Interval renders a schedule's period in its largest whole unit: "30m",
// "6h", "1d", "2w".
func Interval(sec int64) string {
	switch {
	case sec <= 0:
		return "?"
	case sec%604800 == 0:
		return fmt.Sprintf("%dw", sec/604800)
	case sec%86400 == 0:
		return fmt.Sprintf("%dd", sec/86400)
	case sec%3600 == 0:
		return fmt.Sprintf("%dh", sec/3600)
	case sec%60 == 0:
		return fmt.Sprintf("%dm", sec/60)
	}
	return fmt.Sprintf("%ds", sec)
}
