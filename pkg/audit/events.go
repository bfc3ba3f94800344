package audit

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redashctl/redashctl/pkg/redash"
)

// EventLog keeps, compactly, what the events log says about the use of
// queries in the usage window: views and UI executions of each query,
// query-key downloads, and executions by SQL text and data source (the log
// gives the SQL that ran, not the query id). Feed it the log newest first
// with Add and stop when Add returns false.
type EventLog struct {
	since   time.Time
	read    int
	inWin   int
	newest  time.Time
	oldest  time.Time
	covered bool // an event at or before since was seen

	byQuery  map[int]*use
	byResult map[int]*use // api_get on a query_result, by result id
	execs    map[execKey]*use
}

type use struct {
	views, runs, downloads int
	last                   time.Time
}

func (u *use) touch(t time.Time) {
	if t.After(u.last) {
		u.last = t
	}
}

type execKey struct {
	ds  string
	sql string // normalized
}

// NewEventLog starts a log of the events after since (the start of the
// usage window).
func NewEventLog(since time.Time) *EventLog {
	return &EventLog{
		since:    since,
		byQuery:  map[int]*use{},
		byResult: map[int]*use{},
		execs:    map[execKey]*use{},
	}
}

// Since returns the start of the usage window.
func (l *EventLog) Since() time.Time { return l.since }

// Add records one event and reports whether older events may still be in
// the window: it returns false for the first event at or before the window
// start, and the caller stops reading.
func (l *EventLog) Add(e *redash.Event) bool {
	l.read++
	if l.newest.IsZero() || e.CreatedAt.After(l.newest) {
		l.newest = e.CreatedAt
	}
	if l.oldest.IsZero() || e.CreatedAt.Before(l.oldest) {
		l.oldest = e.CreatedAt
	}
	if !e.CreatedAt.After(l.since) {
		l.covered = true
		return false
	}
	l.inWin++
	switch e.Action {
	case "view", "execute":
		if e.ObjectType == "query" {
			if id, err := strconv.Atoi(e.ObjectID); err == nil {
				u := l.get(l.byQuery, id)
				u.views++
				u.touch(e.CreatedAt)
			}
		}
	case "api_get":
		id, err := strconv.Atoi(e.ObjectID)
		if err != nil {
			break
		}
		var u *use
		switch e.ObjectType {
		case "query":
			u = l.get(l.byQuery, id)
		case "query_result":
			u = l.get(l.byResult, id)
		default:
			return true
		}
		u.downloads++
		u.touch(e.CreatedAt)
	case "execute_query":
		sql, _ := e.Details["query"].(string)
		if sql == "" {
			break
		}
		ds := detailString(e.Details["data_source"])
		if ds == "" && e.ObjectType == "data_source" {
			ds = e.ObjectID
		}
		k := execKey{ds: ds, sql: NormalizeSQL(sql)}
		u := l.execs[k]
		if u == nil {
			u = &use{}
			l.execs[k] = u
		}
		u.runs++
		u.touch(e.CreatedAt)
	}
	return true
}

func (l *EventLog) get(m map[int]*use, id int) *use {
	u := m[id]
	if u == nil {
		u = &use{}
		m[id] = u
	}
	return u
}

func detailString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// Read returns how many events were added, window or not.
func (l *EventLog) Read() int { return l.read }

// Newest returns the time of the newest event read (zero when none).
func (l *EventLog) Newest() time.Time { return l.newest }

// NormalizeSQL is the audit's notion of "the same SQL": whitespace runs
// collapsed to one space, trimmed, lower-cased.
func NormalizeSQL(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// placeholder matches a Mustache tag: a parameter of a parameterized query.
var placeholder = regexp.MustCompile(`\{\{[^{}]*\}\}`)

// template is a parameterized query's SQL split at its placeholders, each of
// which matches any text.
type template struct {
	idx  int      // index in the audited queries
	segs []string // normalized literal parts; len >= 2
}

// newTemplate returns nil when sql has no placeholder.
func newTemplate(idx int, sql string) *template {
	if !strings.Contains(sql, "{{") {
		return nil
	}
	marked := placeholder.ReplaceAllString(sql, "\x00")
	if !strings.Contains(marked, "\x00") {
		return nil
	}
	return &template{idx: idx, segs: strings.Split(NormalizeSQL(marked), "\x00")}
}

func (t *template) match(s string) bool {
	first, last := t.segs[0], t.segs[len(t.segs)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	mid := s[len(first) : len(s)-len(last)]
	for _, seg := range t.segs[1 : len(t.segs)-1] {
		i := strings.Index(mid, seg)
		if i < 0 {
			return false
		}
		mid = mid[i+len(seg):]
	}
	return true
}

// templateKeyLen is how many leading bytes index templates: enough to tell
// most statements apart, short enough that most templates have that much
// literal text before their first placeholder.
const templateKeyLen = 24

// sqlIndex finds the audited queries an executed SQL text belongs to.
type sqlIndex struct {
	exact map[execKey][]int
	// templates by data source, then by their first templateKeyLen bytes;
	// short holds those whose literal prefix is shorter.
	byPrefix map[string]map[string][]*template
	short    map[string][]*template
}

func newSQLIndex(queries []*redash.Query) *sqlIndex {
	ix := &sqlIndex{exact: map[execKey][]int{}, byPrefix: map[string]map[string][]*template{}, short: map[string][]*template{}}
	for i, q := range queries {
		if q.DataSourceID == nil {
			continue
		}
		ds := strconv.Itoa(*q.DataSourceID)
		if t := newTemplate(i, q.SQL); t != nil {
			if len(t.segs[0]) >= templateKeyLen {
				m := ix.byPrefix[ds]
				if m == nil {
					m = map[string][]*template{}
					ix.byPrefix[ds] = m
				}
				k := t.segs[0][:templateKeyLen]
				m[k] = append(m[k], t)
			} else {
				ix.short[ds] = append(ix.short[ds], t)
			}
			continue
		}
		k := execKey{ds: ds, sql: NormalizeSQL(q.SQL)}
		ix.exact[k] = append(ix.exact[k], i)
	}
	return ix
}

// lookup calls f with the index of every query k's SQL is an execution of.
func (ix *sqlIndex) lookup(k execKey, f func(idx int)) {
	for _, i := range ix.exact[k] {
		f(i)
	}
	if len(k.sql) >= templateKeyLen {
		for _, t := range ix.byPrefix[k.ds][k.sql[:templateKeyLen]] {
			if t.match(k.sql) {
				f(t.idx)
			}
		}
	}
	for _, t := range ix.short[k.ds] {
		if t.match(k.sql) {
			f(t.idx)
		}
	}
}
