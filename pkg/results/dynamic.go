package results

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redashctl/redashctl/pkg/redash"
)

// Dynamic date values are what Redash's web app offers next to a date
// parameter ("Today/Now", "Last week", …) and stores as "d_<name>" in the
// saved default. The server never sees them: the browser turns them into
// dates in its own time zone just before a run, with moment.js, whose week
// starts on Sunday. The tables below follow client/app/services/query.js
// (v8) and client/app/services/parameters/Date*Parameter.js (v9.0.0-beta,
// v10.1.0, v25.8.0, v26.3.0) of getredash/redash.

const dynamicPrefix = "d_"

// dynamicDates are the dynamic values of date, datetime-local and
// datetime-with-seconds parameters (v8+).
var dynamicDates = map[string]func(now time.Time) time.Time{
	"now":       func(now time.Time) time.Time { return now },
	"yesterday": func(now time.Time) time.Time { return now.AddDate(0, 0, -1) },
}

type rangeFunc func(now time.Time) (start, end time.Time)

// dynamicRanges returns the dynamic values of range parameters that a
// server of version v offers.
func dynamicRanges(v redash.Version) map[string]rangeFunc {
	m := map[string]rangeFunc{
		"today": func(now time.Time) (time.Time, time.Time) { return startOfDay(now), endOfDay(now) },
		"yesterday": func(now time.Time) (time.Time, time.Time) {
			y := now.AddDate(0, 0, -1)
			return startOfDay(y), endOfDay(y)
		},
		"this_week":  func(now time.Time) (time.Time, time.Time) { return startOfWeek(now), endOfWeek(now) },
		"this_month": func(now time.Time) (time.Time, time.Time) { return startOfMonth(now), endOfMonth(now) },
		"this_year":  func(now time.Time) (time.Time, time.Time) { return startOfYear(now), endOfYear(now) },
		"last_week": func(now time.Time) (time.Time, time.Time) {
			w := now.AddDate(0, 0, -7)
			return startOfWeek(w), endOfWeek(w)
		},
		"last_month": func(now time.Time) (time.Time, time.Time) {
			m := startOfMonth(now).AddDate(0, -1, 0)
			return m, endOfMonth(m)
		},
		"last_year": func(now time.Time) (time.Time, time.Time) {
			y := startOfYear(now).AddDate(-1, 0, 0)
			return y, endOfYear(y)
		},
	}
	untilNow := func(from func(time.Time) time.Time) rangeFunc {
		return func(now time.Time) (time.Time, time.Time) { return from(now), now }
	}
	daysAgo := func(n int) func(time.Time) time.Time {
		return func(now time.Time) time.Time { return now.AddDate(0, 0, -n) }
	}
	if !v.IsZero() && !v.AtLeast(redash.Version{Major: 10}) {
		// v8 offers the last 7 days, v9 also 14 to 90, all from this time
		// N days ago until now.
		days := []int{7}
		if v.Major == 9 {
			days = []int{7, 14, 30, 60, 90}
		}
		for _, n := range days {
			m["last_"+strconv.Itoa(n)+"_days"] = untilNow(daysAgo(n))
		}
		return m
	}
	// v10 and later.
	m["last_hour"] = untilNow(func(now time.Time) time.Time { return now.Add(-time.Hour) })
	m["last_8_hours"] = untilNow(func(now time.Time) time.Time { return now.Add(-8 * time.Hour) })
	m["last_24_hours"] = untilNow(func(now time.Time) time.Time { return now.Add(-24 * time.Hour) })
	// Until v25.8 the day ranges end at the end of today; from the 25.12
	// development line on they end now, and 2, 3 and 10 years are offered.
	untilNowOrEndOfDay := func(from func(time.Time) time.Time) rangeFunc {
		if newRanges(v) {
			return untilNow(from)
		}
		return func(now time.Time) (time.Time, time.Time) { return from(now), endOfDay(now) }
	}
	for _, n := range []int{7, 14, 30, 60, 90} {
		m["last_"+strconv.Itoa(n)+"_days"] = untilNowOrEndOfDay(func(now time.Time) time.Time { return startOfDay(now.AddDate(0, 0, -n)) })
	}
	m["last_12_months"] = untilNowOrEndOfDay(func(now time.Time) time.Time { return startOfDay(addMonths(now, -12)) })
	if newRanges(v) {
		for _, n := range []int{2, 3, 10} {
			m["last_"+strconv.Itoa(n)+"_years"] = untilNow(func(now time.Time) time.Time { return startOfDay(addMonths(now, -12*n)) })
		}
	}
	return m
}

// newRanges reports whether v has the day ranges that end now (25.12+).
func newRanges(v redash.Version) bool {
	return v.IsZero() || v.AtLeast(redash.Version{Major: 25, Minor: 12})
}

// hasDynamicDates reports whether Redash v knows dynamic date values (v8+).
func hasDynamicDates(v redash.Version) bool {
	return v.IsZero() || v.AtLeast(redash.Version{Major: 8})
}

// DynamicDateValues returns the dynamic values ("d_now", "d_last_week", …)
// that a parameter of type typ accepts on Redash v, sorted; nil for types
// without them and for servers older than v8. The zero Version means the
// newest.
func DynamicDateValues(v redash.Version, typ string) []string {
	if !hasDynamicDates(v) {
		return nil
	}
	var names []string
	switch {
	case isRangeType(typ):
		for k := range dynamicRanges(v) {
			names = append(names, dynamicPrefix+k)
		}
	case isDateType(typ):
		for k := range dynamicDates {
			names = append(names, dynamicPrefix+k)
		}
	}
	slices.Sort(names)
	return names
}

// dynamicDate resolves a dynamic value of a date parameter.
func dynamicDate(v redash.Version, s string, now time.Time) (time.Time, bool) {
	name, ok := strings.CutPrefix(s, dynamicPrefix)
	if !ok || !hasDynamicDates(v) {
		return time.Time{}, false
	}
	f, ok := dynamicDates[name]
	if !ok {
		return time.Time{}, false
	}
	return f(now), true
}

// dynamicRange resolves a dynamic value of a range parameter.
func dynamicRange(v redash.Version, s string, now time.Time) (start, end time.Time, ok bool) {
	name, found := strings.CutPrefix(s, dynamicPrefix)
	if !found || !hasDynamicDates(v) {
		return time.Time{}, time.Time{}, false
	}
	f, found := dynamicRanges(v)[name]
	if !found {
		return time.Time{}, time.Time{}, false
	}
	start, end = f(now)
	return start, end, true
}

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// endOfDay is moment's endOf("day"): the last millisecond of the day.
func endOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 999e6, t.Location())
}

// startOfWeek is moment's startOf("week") in the "en" locale: Sunday.
func startOfWeek(t time.Time) time.Time {
	return startOfDay(t.AddDate(0, 0, -int(t.Weekday())))
}

func endOfWeek(t time.Time) time.Time {
	return endOfDay(startOfWeek(t).AddDate(0, 0, 6))
}

func startOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
}

func endOfMonth(t time.Time) time.Time {
	return endOfDay(startOfMonth(t).AddDate(0, 1, -1))
}

func startOfYear(t time.Time) time.Time {
	return time.Date(t.Year(), 1, 1, 0, 0, 0, 0, t.Location())
}

func endOfYear(t time.Time) time.Time {
	return time.Date(t.Year(), 12, 31, 23, 59, 59, 999e6, t.Location())
}

// addMonths is moment's add(n, "months"): the day of month is clamped to
// the target month's last day (31 March - 1 month = 28/29 February), where
// time.AddDate would overflow into the next month.
func addMonths(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month(), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location()).AddDate(0, n, 0)
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
	return first.AddDate(0, 0, min(t.Day(), last)-1)
}
