package fakeredash

import (
	"fmt"
	"strconv"
	"strings"
)

// knownVersions are the Redash releases the fake can imitate, oldest first
// (reference §0).
var knownVersions = []string{"4.0.2", "5.0.2", "8.0.0", "10.1.0", "26.3.0"}

// DefaultVersion is the dialect used when Options.Version is empty.
const DefaultVersion = "10.1.0"

// Versions returns the Redash versions the fake can imitate, oldest first.
func Versions() []string {
	return append([]string(nil), knownVersions...)
}

// dialect holds the behaviour switches of one Redash release. Each switch
// names the section of the reference (redash-api.md) it comes from.
type dialect struct {
	version  string // "10.1.0"
	reported string // client_config.version
	major    int
	minor    int

	tags              bool // §5.5, §7.2: tags on queries and dashboards (v5+)
	favorites         bool // §5.1: /favorites (v5+)
	searchAndOrder    bool // §5.3: q, tags, order on lists (v5+)
	pagedDashboards   bool // §9.1: paginated dashboard list (v5+)
	pagedUsers        bool // §13: paginated user list (v5+)
	userDisabled      bool // §5.5: disabled_at/is_disabled in user objects (v5+)
	serverEvents      bool // §11, §5.7: server-side view/list events (v6+)
	rejectDisabled    bool // §3.1: disabled users' keys rejected (v6+)
	tagsListShape     bool // §7.2: {"tags":[{name,count}]} (v6+)
	tagsByName        bool // §7.2: tags sorted by name (v25.8+)
	archiveList       bool // §5.1: /api/queries/archive (v7+)
	scheduleObject    bool // §6: schedule objects (v7+)
	isSafe            bool // §5.5: is_safe (v7+)
	resultsPost       bool // §10.1: POST /api/queries/<id>/results (v7+)
	userActiveFields  bool // §5.5: active_at, is_invitation_pending, is_email_verified (v7+)
	msDatetimes       bool // §2.1: millisecond Z datetimes (v8+)
	queryJobsRoute    bool // §10.1: GET /api/queries/<id>/jobs/<job_id> (v8+)
	searchKeepsRank   bool // §5.6: search without order keeps rank (v8+)
	execEventsOnRuns  bool // §10.5: execute_query recorded by /results and /refresh (v8+)
	dropdownCheck     bool // §7.1: dropdown query parameters checked on update (v8+)
	dropEmptyTags     bool // §7.1: empty tags dropped on update (v8+)
	createHasViz      bool // §7.1: create response includes visualizations (v8+)
	messages          bool // §13: session "messages" (v8+)
	userPendingFilter bool // §13: disabled=true|false, pending=true|false (v8+)
	contentDisp       bool // §10.1: Content-Disposition on downloads (v8+)
	csvReformat       bool // §10.5: CSV booleans/dates reformatted (v8+)
	rq                bool // §10.4, §12.3: RQ jobs, rq_status (v9+)
	tsv               bool // §10.1: .tsv downloads (v9+)
	dashboardsByID    bool // §9.1: dashboards addressed by id, slug = slugify(name) (v10+)
	scheduleDisabled  bool // §6: schedules may carry "disabled": true (v10+)
	scheduleOrderInt  bool // §5.3: order=schedule sorts by interval (v10+)
	autoLimit         bool // §5.5, §13: apply_auto_limit / supports_auto_limit (v10+)
	unknownJob500     bool // §10.4: unknown job id gives 500 (v10+)
	cookies           bool // §3.1: session and csrf_token cookies (v10+)
	dashMine          bool // §9.1: /api/dashboards/my (v10+)
	dataSourceGone401 bool // §2.3: "Target data source not available." (v25+)
	archivedNoLatest  bool // §8.1: new results skip archived queries (v25+)
	starredAt         bool // §5.5: starred_at, order=starred_at (v26.3+)
	relinkOnSave      bool // §7.1: update re-points latest_query_data_id (v26.3+)
	updatedOnExec     bool // §1: every execution bumps updated_at (v4, v5)
	dashRecent        bool // §9.1: /api/dashboards/recent (v4)
}

// parseVersion maps "10.1.0", "v10.1.0", "10.1" or "10" to a known dialect.
func parseVersion(v string) (*dialect, error) {
	if v == "" {
		v = DefaultVersion
	}
	want := strings.Split(strings.TrimPrefix(strings.TrimSpace(v), "v"), ".")
	for _, k := range knownVersions {
		have := strings.Split(k, ".")
		if len(want) > len(have) {
			continue
		}
		match := true
		for i := range want {
			if want[i] != have[i] {
				match = false
				break
			}
		}
		if match {
			return newDialect(k), nil
		}
	}
	return nil, fmt.Errorf("unknown redash version %q: known versions are %s", v, strings.Join(knownVersions, ", "))
}

func newDialect(v string) *dialect {
	parts := strings.Split(v, ".")
	major, _ := strconv.Atoi(parts[0])
	minor, _ := strconv.Atoi(parts[1])
	d := &dialect{version: v, reported: v, major: major, minor: minor}
	at := func(maj, min int) bool { return major > maj || (major == maj && minor >= min) }
	if major == 8 {
		// Official v8 images report the CI build number (reference §0).
		d.reported = "8.0.0+b32245"
	}
	d.tags = at(5, 0)
	d.favorites = at(5, 0)
	d.searchAndOrder = at(5, 0)
	d.pagedDashboards = at(5, 0)
	d.pagedUsers = at(5, 0)
	d.userDisabled = at(5, 0)
	d.serverEvents = at(6, 0)
	d.rejectDisabled = at(6, 0)
	d.tagsListShape = at(6, 0)
	d.tagsByName = at(25, 8)
	d.archiveList = at(7, 0)
	d.scheduleObject = at(7, 0)
	d.isSafe = at(7, 0)
	d.resultsPost = at(7, 0)
	d.userActiveFields = at(7, 0)
	d.msDatetimes = at(8, 0)
	d.queryJobsRoute = at(8, 0)
	d.searchKeepsRank = at(8, 0)
	d.execEventsOnRuns = at(8, 0)
	d.dropdownCheck = at(8, 0)
	d.dropEmptyTags = at(8, 0)
	d.createHasViz = at(8, 0)
	d.messages = at(8, 0)
	d.userPendingFilter = at(8, 0)
	d.contentDisp = at(8, 0)
	d.csvReformat = at(8, 0)
	d.rq = at(9, 0)
	d.tsv = at(9, 0)
	d.dashboardsByID = at(10, 0)
	d.scheduleDisabled = at(10, 0)
	d.scheduleOrderInt = at(10, 0)
	d.autoLimit = at(10, 0)
	d.unknownJob500 = at(10, 0)
	d.cookies = at(10, 0)
	d.dashMine = at(10, 0)
	d.dataSourceGone401 = at(25, 0)
	d.archivedNoLatest = at(25, 0)
	d.starredAt = at(26, 3)
	d.relinkOnSave = at(26, 3)
	d.updatedOnExec = !at(6, 0)
	d.dashRecent = !at(5, 0)
	return d
}
