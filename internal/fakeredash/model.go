package fakeredash

import (
	"encoding/json"
	"slices"
	"time"
)

// Dataset is a deep copy of a fake server's state, for ground-truth
// assertions in tests. Time values that are zero mean null (never set).
type Dataset struct {
	Version      string
	OrgSlug      string
	Now          time.Time // the clock the data was generated relative to
	Groups       []Group
	Users        []User
	DataSources  []DataSource
	Destinations []Destination
	Queries      []Query // by id, ascending
	Dashboards   []Dashboard
	Alerts       []Alert
	Events       []Event // oldest first (the API lists them newest first)
	Results      []QueryResult
	Favorites    []Favorite
}

// Group is a Redash group (§3.3).
type Group struct {
	ID          int
	Name        string
	Type        string // "builtin" or "regular"
	Permissions []string
	CreatedAt   time.Time
}

// User is a Redash user. On v4 nobody is disabled: DisabledAt is kept but
// the dialect has no disabling (§3.1).
type User struct {
	ID                int
	Name              string
	Email             string
	Groups            []int
	APIKey            string
	IsAdmin           bool // member of the admin group (admin and super_admin)
	CreatedAt         time.Time
	UpdatedAt         time.Time
	DisabledAt        time.Time // zero = enabled
	ActiveAt          time.Time
	InvitationPending bool
	EmailVerified     bool
	AuthType          string // "password" or "external"
}

// DataSourceGroup links a data source to a group.
type DataSourceGroup struct {
	GroupID  int
	ViewOnly bool
}

// DataSource is a Redash data source. A deleted one is kept here for the
// record; its queries have DataSourceID 0 (null) as in Redash (§5.4).
type DataSource struct {
	ID          int
	Name        string
	Type        string
	Syntax      string
	Paused      bool
	PauseReason string
	Deleted     bool
	Groups      []DataSourceGroup
	CreatedAt   time.Time
}

// Destination is an alert destination (Slack, e-mail list, webhook).
type Destination struct {
	ID   int
	Name string
	Type string
}

// Parameter is one entry of a query's options.parameters (§10.3).
type Parameter struct {
	Name        string
	Title       string
	Type        string // text, number, enum, query, date, date-range, ...
	Value       json.RawMessage
	EnumOptions string // newline-separated, for enum
	QueryID     int    // for type query: the dropdown's source query
	Multi       bool   // multiValuesOptions set
}

// Visualization belongs to one query (§5.5).
type Visualization struct {
	ID          int
	QueryID     int
	Type        string
	Name        string
	Description string
	Options     json.RawMessage
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Query is a saved query. Schedule and Options hold the exact JSON the
// server returns (Schedule nil = null). Traits are generation facts and
// expected audit findings, fixed when the data was generated (see Trait*).
type Query struct {
	ID                int
	Name              string
	Description       *string
	SQL               string
	QueryHash         string
	DataSourceID      int // 0 = null (data source deleted)
	UserID            int
	LastModifiedByID  int
	APIKey            string
	IsArchived        bool
	IsDraft           bool
	Schedule          json.RawMessage
	Tags              []string
	Options           json.RawMessage
	Parameters        []Parameter // parsed from Options
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time
	LatestQueryDataID int       // 0 = null
	RetrievedAt       time.Time // of the latest result; zero = none
	Runtime           float64   // of the latest result
	ScheduleFailures  int
	Visualizations    []Visualization
	Traits            []string
}

// HasTrait reports whether q carries trait t.
func (q Query) HasTrait(t string) bool { return slices.Contains(q.Traits, t) }

// Widget sits on a dashboard; VisualizationID 0 is a text widget.
type Widget struct {
	ID              int
	DashboardID     int
	VisualizationID int
	Width           int
	Text            string
	Options         json.RawMessage
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Dashboard is a Redash dashboard; Slug is the stored (database) slug.
type Dashboard struct {
	ID             int
	Slug           string
	Name           string
	UserID         int
	Layout         json.RawMessage
	FiltersEnabled bool
	IsArchived     bool
	IsDraft        bool
	Tags           []string
	Options        json.RawMessage
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Widgets        []Widget
}

// AlertSubscription is a user's e-mail subscription (DestinationID 0) or a
// destination subscription.
type AlertSubscription struct {
	ID            int
	UserID        int
	DestinationID int
}

// Alert watches one query.
type Alert struct {
	ID              int
	Name            string
	QueryID         int
	UserID          int
	Options         json.RawMessage
	State           string // unknown, ok, triggered
	LastTriggeredAt time.Time
	Rearm           int // 0 = null
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Subscriptions   []AlertSubscription
}

// Event is one entry of the events log (§11). ObjectID "" is null.
// QueryID is a generation fact the API does not show: the saved query the
// event is about (for execute_query, the query whose SQL ran; 0 = ad hoc).
type Event struct {
	UserID     int // 0 = null (API-key callers)
	UserName   string
	Action     string
	ObjectType string
	ObjectID   string
	CreatedAt  time.Time
	Browser    string
	Location   string
	SQL        string // details.query for execute_query
	DataSource string // details.data_source for execute_query
	Page       string // details.page for view/page
	QueryID    int
}

// QueryResult is a stored result; its data is generated from its ID.
type QueryResult struct {
	ID           int
	QueryHash    string
	SQL          string
	DataSourceID int
	Runtime      float64
	RetrievedAt  time.Time
}

// Favorite marks a query or dashboard as a user's favorite.
type Favorite struct {
	UserID      int
	QueryID     int // 0 when DashboardID is set
	DashboardID int
	CreatedAt   time.Time
}

// QuerySpec describes a query added with AddQuery. Zero values take
// defaults: the first usable data source, the admin as owner, the server
// clock as creation time.
type QuerySpec struct {
	Name         string
	SQL          string
	Description  *string
	DataSourceID int
	UserID       int
	IsDraft      bool
	IsArchived   bool
	Tags         []string
	Schedule     json.RawMessage // wire value for the dialect; nil = null
	Options      json.RawMessage // nil = {"parameters": []}
	CreatedAt    time.Time
}

func cloneRaw(r json.RawMessage) json.RawMessage {
	if r == nil {
		return nil
	}
	return append(json.RawMessage(nil), r...)
}

func (q *Query) clone() Query {
	c := *q
	if q.Description != nil {
		d := *q.Description
		c.Description = &d
	}
	c.Schedule = cloneRaw(q.Schedule)
	c.Options = cloneRaw(q.Options)
	c.Tags = slices.Clone(q.Tags)
	c.Traits = slices.Clone(q.Traits)
	c.Parameters = make([]Parameter, len(q.Parameters))
	for i, p := range q.Parameters {
		p.Value = cloneRaw(p.Value)
		c.Parameters[i] = p
	}
	c.Visualizations = make([]Visualization, len(q.Visualizations))
	for i, v := range q.Visualizations {
		v.Options = cloneRaw(v.Options)
		c.Visualizations[i] = v
	}
	return c
}

func (d *Dashboard) clone() Dashboard {
	c := *d
	c.Layout = cloneRaw(d.Layout)
	c.Options = cloneRaw(d.Options)
	c.Tags = slices.Clone(d.Tags)
	c.Widgets = make([]Widget, len(d.Widgets))
	for i, w := range d.Widgets {
		w.Options = cloneRaw(w.Options)
		c.Widgets[i] = w
	}
	return c
}

func (a *Alert) clone() Alert {
	c := *a
	c.Options = cloneRaw(a.Options)
	c.Subscriptions = slices.Clone(a.Subscriptions)
	return c
}
