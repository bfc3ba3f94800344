package redash

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a Redash release, from v4.0.0 to the calendar versions (25.8.0,
// 26.3.0). The zero Version means "unknown" and has no features.
type Version struct {
	Major, Minor, Patch int
}

// ParseVersion reads the leading numbers of a Redash version string, such as
// "10.1.0", "8.0.0+b32245", "v5.0.2" or "26.08.0-dev". Missing minor or patch
// numbers are zero.
func ParseVersion(s string) (Version, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(strings.TrimPrefix(t, "v"), "V")
	var nums [3]int
	i := 0
	for part := 0; part < 3; part++ {
		j := i
		for j < len(t) && t[j] >= '0' && t[j] <= '9' {
			j++
		}
		if j == i {
			if part == 0 {
				return Version{}, fmt.Errorf("parse redash version %q: no leading number", s)
			}
			break
		}
		n, err := strconv.Atoi(t[i:j])
		if err != nil {
			return Version{}, fmt.Errorf("parse redash version %q: %w", s, err)
		}
		nums[part] = n
		i = j
		if i < len(t) && t[i] == '.' && part < 2 {
			i++
			continue
		}
		break
	}
	return Version{Major: nums[0], Minor: nums[1], Patch: nums[2]}, nil
}

// MustParseVersion is ParseVersion for constants; it panics on a bad string.
func MustParseVersion(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String returns the version as "major.minor.patch", or "unknown".
func (v Version) String() string {
	if v.IsZero() {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// IsZero reports whether the version is unknown.
func (v Version) IsZero() bool { return v == Version{} }

// Compare returns -1, 0 or +1 as v is older than, equal to or newer than w.
func (v Version) Compare(w Version) int {
	for _, d := range [3]int{v.Major - w.Major, v.Minor - w.Minor, v.Patch - w.Patch} {
		if d < 0 {
			return -1
		}
		if d > 0 {
			return 1
		}
	}
	return 0
}

// Less reports whether v is older than w.
func (v Version) Less(w Version) bool { return v.Compare(w) < 0 }

// AtLeast reports whether v is w or newer.
func (v Version) AtLeast(w Version) bool { return v.Compare(w) >= 0 }

func (v Version) atLeastMajor(major int) bool { return v.Major >= major }

// HasTags reports whether queries and dashboards have tags (v5+).
func (v Version) HasTags() bool { return v.atLeastMajor(5) }

// TagsObjectShape reports whether GET /api/queries/tags answers with a
// {"tag": count} object (v5 only) rather than {"tags": [...]} (v6+).
func (v Version) TagsObjectShape() bool { return v.Major == 5 }

// HasArchiveList reports whether GET /api/queries/archive exists (v7+).
func (v Version) HasArchiveList() bool { return v.atLeastMajor(7) }

// HasFavorites reports whether favorites exist (v5+).
func (v Version) HasFavorites() bool { return v.atLeastMajor(5) }

// HasResultsPost reports whether POST /api/queries/{id}/results exists (v7+).
func (v Version) HasResultsPost() bool { return v.atLeastMajor(7) }

// DashboardsByID reports whether a dashboard is addressed by id rather than
// by slug in GET and DELETE (v10+).
func (v Version) DashboardsByID() bool { return v.atLeastMajor(10) }

// PaginatedUsers reports whether GET /api/users is paginated (v5+); v4
// returns a plain array.
func (v Version) PaginatedUsers() bool { return v.atLeastMajor(5) }

// PaginatedDashboards reports whether GET /api/dashboards is paginated (v5+);
// v4 returns a plain array.
func (v Version) PaginatedDashboards() bool { return v.atLeastMajor(5) }

// ScheduleIsObject reports whether a query's schedule is an object (v7+)
// rather than a string.
func (v Version) ScheduleIsObject() bool { return v.atLeastMajor(7) }

// RecordsViewOnGet reports whether GET /api/queries/{id} records a "view"
// event (v6+).
func (v Version) RecordsViewOnGet() bool { return v.atLeastMajor(6) }

// HasRQ reports whether the job backend is RQ (v9+) rather than Celery: the
// admin task list is /api/admin/queries/rq_status and unknown job ids give 500.
func (v Version) HasRQ() bool { return v.atLeastMajor(9) }

// AllDraftsListed reports whether GET /api/queries lists every user's drafts
// (v5+); v4 lists only the caller's own drafts.
func (v Version) AllDraftsListed() bool { return v.atLeastMajor(5) }

// HasQuerySearch reports whether the query lists accept q, tags and order
// (v5+).
func (v Version) HasQuerySearch() bool { return v.atLeastMajor(5) }

// HasEventsServerSide reports whether the server records events for API reads
// such as list and view (v6+).
func (v Version) HasEventsServerSide() bool { return v.atLeastMajor(6) }

// UsersDisabledBoolean reports whether GET /api/users takes disabled=true|false
// (v8+; v5–v7 select disabled users by the mere presence of the parameter).
func (v Version) UsersDisabledBoolean() bool { return v.atLeastMajor(8) }

// HasAdminTasks reports whether GET /api/admin/queries/tasks exists (v4–v8).
func (v Version) HasAdminTasks() bool { return !v.IsZero() && v.Major < 9 }
