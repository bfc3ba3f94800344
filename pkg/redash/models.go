package redash

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Query is a saved query, normalised over every Redash version. List
// endpoints fill everything but Visualizations and LastModifiedBy's object;
// GET /api/queries/{id} fills Visualizations but not RetrievedAt and Runtime.
type Query struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	// SQL is the query text (JSON "query").
	SQL       string   `json:"query"`
	QueryHash string   `json:"query_hash"`
	Schedule  Schedule `json:"schedule"`
	// APIKey is the query's own API key, which can read its results.
	APIKey     string `json:"api_key"`
	IsArchived bool   `json:"is_archived"`
	IsDraft    bool   `json:"is_draft"`
	// IsSafe is true when the query has no text parameters (v7+).
	IsSafe     bool      `json:"is_safe"`
	IsFavorite bool      `json:"is_favorite"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// RetrievedAt is when the latest result was produced (lists only); nil
	// when the query has no result.
	RetrievedAt *time.Time `json:"retrieved_at"`
	// Runtime is the latest result's runtime in seconds (lists only).
	Runtime *float64 `json:"runtime"`
	// DataSourceID is nil when the data source was deleted.
	DataSourceID      *int         `json:"data_source_id"`
	LatestQueryDataID *int         `json:"latest_query_data_id"`
	Options           QueryOptions `json:"options"`
	Version           int          `json:"version"`
	// Tags is empty on v4, which has no tags.
	Tags []string `json:"tags"`
	// User is the owner (absent from /api/queries/recent, where only UserID
	// is set).
	User             User `json:"user"`
	UserID           int  `json:"user_id"`
	LastModifiedByID int  `json:"last_modified_by_id"`
	// Visualizations is filled by GET /api/queries/{id} only.
	Visualizations []Visualization `json:"visualizations,omitempty"`
}

// queryWire is a query as Redash sends it. Field types are the plain ones
// where every version agrees (null leaves a Go string or bool untouched), so
// that decoding a 250-row page stays a single pass.
type queryWire struct {
	ID                int               `json:"id"`
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	Query             string            `json:"query"`
	QueryHash         string            `json:"query_hash"`
	Schedule          Schedule          `json:"schedule"`
	APIKey            string            `json:"api_key"`
	IsArchived        bool              `json:"is_archived"`
	IsDraft           bool              `json:"is_draft"`
	IsSafe            bool              `json:"is_safe"`
	IsFavorite        bool              `json:"is_favorite"`
	CreatedAt         flexTime          `json:"created_at"`
	UpdatedAt         flexTime          `json:"updated_at"`
	RetrievedAt       flexTime          `json:"retrieved_at"`
	Runtime           *float64          `json:"runtime"`
	DataSourceID      *int              `json:"data_source_id"`
	LatestQueryDataID *int              `json:"latest_query_data_id"`
	Options           QueryOptions      `json:"options"`
	Version           int               `json:"version"`
	Tags              []string          `json:"tags"`
	User              json.RawMessage   `json:"user"`
	UserID            int               `json:"user_id"`
	LastModifiedByID  *int              `json:"last_modified_by_id"`
	LastModifiedBy    *struct{ ID int } `json:"last_modified_by"`
	Visualizations    []Visualization   `json:"visualizations"`
}

func (w *queryWire) query() Query { return w.queryWith(nil) }

// userCache decodes embedded owner objects once per distinct JSON text: the
// pages of a query list repeat the same few owners thousands of times. One
// cache serves all pages of a listing, which are decoded concurrently; it
// stops growing at maxCachedUsers texts. A nil cache decodes every time.
type userCache struct {
	mu sync.Mutex
	m  map[string]User
}

const maxCachedUsers = 4096

func newUserCache() *userCache { return &userCache{m: map[string]User{}} }

func (c *userCache) user(raw json.RawMessage) (User, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return User{}, false
	}
	if c != nil {
		c.mu.Lock()
		u, ok := c.m[string(raw)]
		c.mu.Unlock()
		if ok {
			return u, true
		}
	}
	var w userWire
	if err := unmarshal(raw, &w); err != nil {
		return User{}, false
	}
	u := w.user()
	if c != nil {
		c.mu.Lock()
		if len(c.m) < maxCachedUsers {
			c.m[string(raw)] = u
		}
		c.mu.Unlock()
	}
	return u, true
}

func (w *queryWire) queryWith(users *userCache) Query {
	q := Query{
		ID:                w.ID,
		Name:              w.Name,
		Description:       w.Description,
		SQL:               w.Query,
		QueryHash:         w.QueryHash,
		Schedule:          w.Schedule,
		APIKey:            w.APIKey,
		IsArchived:        w.IsArchived,
		IsDraft:           w.IsDraft,
		IsSafe:            w.IsSafe,
		IsFavorite:        w.IsFavorite,
		CreatedAt:         w.CreatedAt.t,
		UpdatedAt:         w.UpdatedAt.t,
		RetrievedAt:       w.RetrievedAt.ptr(),
		Runtime:           w.Runtime,
		DataSourceID:      w.DataSourceID,
		LatestQueryDataID: w.LatestQueryDataID,
		Options:           w.Options,
		Version:           w.Version,
		Tags:              w.Tags,
		UserID:            w.UserID,
		Visualizations:    w.Visualizations,
	}
	if u, ok := users.user(w.User); ok {
		q.User = u
		if q.UserID == 0 {
			q.UserID = q.User.ID
		}
	}
	if w.LastModifiedByID != nil {
		q.LastModifiedByID = *w.LastModifiedByID
	} else if w.LastModifiedBy != nil {
		q.LastModifiedByID = w.LastModifiedBy.ID
	}
	return q
}

// UnmarshalJSON decodes a query object of any version.
func (q *Query) UnmarshalJSON(b []byte) error {
	var w queryWire
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode query: %w", err)
	}
	*q = w.query()
	return nil
}

// QueryOptions is a query's "options" object. Parameters are decoded; Raw
// keeps the whole object so that unknown keys (apply_auto_limit, …) survive a
// round trip.
type QueryOptions struct {
	Parameters []Parameter
	// Raw is the options object as Redash sent it, nil when absent.
	Raw json.RawMessage
}

// UnmarshalJSON decodes the options object, tolerating null.
func (o *QueryOptions) UnmarshalJSON(b []byte) error {
	*o = QueryOptions{Raw: rawOrNil(b)}
	if o.Raw == nil || o.Raw[0] != '{' {
		return nil
	}
	if noParameters(o.Raw) {
		o.Parameters = []Parameter{}
		return nil
	}
	var w struct {
		Parameters []Parameter `json:"parameters"`
	}
	if err := unmarshal(o.Raw, &w); err != nil {
		return fmt.Errorf("decode query options: %w", err)
	}
	o.Parameters = w.Parameters
	return nil
}

// noParameters spots the common options of a query without parameters
// cheaply, so that a list page is not decoded twice for nothing.
func noParameters(raw []byte) bool {
	i := bytes.Index(raw, []byte(`"parameters"`))
	if i < 0 {
		return !bytes.Contains(raw, []byte(`parameters`))
	}
	rest := bytes.TrimLeft(raw[i+len(`"parameters"`):], " \t\r\n")
	if len(rest) == 0 || rest[0] != ':' {
		return false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || rest[0] != '[' {
		return false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	return len(rest) > 0 && rest[0] == ']' && bytes.Count(raw, []byte(`parameters`)) == 1
}

// MarshalJSON writes Raw when set, otherwise an object with the parameters.
func (o QueryOptions) MarshalJSON() ([]byte, error) {
	if o.Raw != nil {
		return o.Raw, nil
	}
	params := o.Parameters
	if params == nil {
		params = []Parameter{}
	}
	return json.Marshal(map[string]any{"parameters": params})
}

// Parameter is one entry of options.parameters.
type Parameter struct {
	Name  string
	Title string
	// Type is text, text-pattern, number, enum, query, date, datetime-local,
	// datetime-with-seconds, date-range, datetime-range or
	// datetime-range-with-seconds.
	Type string
	// Value is the saved default, verbatim (the server never applies it).
	Value json.RawMessage
	// EnumOptions is the newline-separated list of an enum parameter.
	EnumOptions string
	// QueryID is the query behind a query-based dropdown.
	QueryID *int
	// MultiValuesOptions is set when an enum or query parameter takes several
	// values (v7+).
	MultiValuesOptions json.RawMessage
	// Raw is the parameter object as Redash sent it.
	Raw json.RawMessage
}

// UnmarshalJSON decodes a parameter, keeping it verbatim in Raw.
func (p *Parameter) UnmarshalJSON(b []byte) error {
	var w struct {
		Name               nullString      `json:"name"`
		Title              nullString      `json:"title"`
		Type               nullString      `json:"type"`
		Value              json.RawMessage `json:"value"`
		EnumOptions        nullString      `json:"enumOptions"`
		QueryID            flexInt         `json:"queryId"`
		MultiValuesOptions json.RawMessage `json:"multiValuesOptions"`
	}
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode query parameter: %w", err)
	}
	*p = Parameter{
		Name: string(w.Name), Title: string(w.Title), Type: string(w.Type),
		Value: rawOrNil(w.Value), EnumOptions: string(w.EnumOptions), QueryID: w.QueryID.ptr(),
		MultiValuesOptions: rawOrNil(w.MultiValuesOptions), Raw: rawOrNil(b),
	}
	return nil
}

// MarshalJSON writes Raw when set, otherwise the known fields.
func (p Parameter) MarshalJSON() ([]byte, error) {
	if p.Raw != nil {
		return p.Raw, nil
	}
	m := map[string]any{"name": p.Name, "title": p.Title, "type": p.Type}
	if p.Value != nil {
		m["value"] = p.Value
	}
	if p.EnumOptions != "" {
		m["enumOptions"] = p.EnumOptions
	}
	if p.QueryID != nil {
		m["queryId"] = *p.QueryID
	}
	if p.MultiValuesOptions != nil {
		m["multiValuesOptions"] = p.MultiValuesOptions
	}
	return json.Marshal(m)
}

// Visualization is a chart or table of a query.
type Visualization struct {
	ID          int             `json:"id"`
	Type        string          `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Options     json.RawMessage `json:"options"`
	// Query is set inside dashboard widgets (the full query object).
	Query     *Query    `json:"query,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// UnmarshalJSON decodes a visualization of any version.
func (v *Visualization) UnmarshalJSON(b []byte) error {
	var w struct {
		ID          int             `json:"id"`
		Type        nullString      `json:"type"`
		Name        nullString      `json:"name"`
		Description nullString      `json:"description"`
		Options     json.RawMessage `json:"options"`
		Query       *Query          `json:"query"`
		CreatedAt   flexTime        `json:"created_at"`
		UpdatedAt   flexTime        `json:"updated_at"`
	}
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode visualization: %w", err)
	}
	*v = Visualization{
		ID: w.ID, Type: string(w.Type), Name: string(w.Name), Description: string(w.Description),
		Options: rawOrNil(w.Options), Query: w.Query, CreatedAt: w.CreatedAt.t, UpdatedAt: w.UpdatedAt.t,
	}
	return nil
}

// User is a Redash user.
type User struct {
	ID              int    `json:"id"`
	Name            string `json:"name"`
	Email           string `json:"email"`
	ProfileImageURL string `json:"profile_image_url"`
	// Groups are the user's groups: ids only in most payloads, with names in
	// the v5+ user list.
	Groups []GroupRef `json:"groups"`
	// IsDisabled comes from is_disabled (v5+) or a non-null disabled_at.
	IsDisabled          bool       `json:"is_disabled"`
	DisabledAt          *time.Time `json:"disabled_at"`
	IsInvitationPending bool       `json:"is_invitation_pending"`
	IsEmailVerified     bool       `json:"is_email_verified"`
	AuthType            string     `json:"auth_type"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
	ActiveAt            *time.Time `json:"active_at"`
}

// GroupRef names a group a user belongs to; Name is empty when Redash sent
// only the id.
type GroupRef struct {
	ID   int    `json:"id"`
	Name string `json:"name,omitempty"`
}

// UnmarshalJSON reads a group id or a {"id", "name"} object.
func (g *GroupRef) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var w struct {
			ID   flexInt    `json:"id"`
			Name nullString `json:"name"`
		}
		if err := unmarshal(b, &w); err != nil {
			return fmt.Errorf("decode group: %w", err)
		}
		*g = GroupRef{ID: int(w.ID.v), Name: string(w.Name)}
		return nil
	}
	if n, err := strconv.Atoi(string(b)); err == nil {
		*g = GroupRef{ID: n}
		return nil
	}
	var id flexInt
	if err := unmarshal(b, &id); err != nil {
		return fmt.Errorf("decode group: %w", err)
	}
	*g = GroupRef{ID: int(id.v)}
	return nil
}

// GroupIDs returns the ids of the user's groups.
func (u User) GroupIDs() []int {
	ids := make([]int, len(u.Groups))
	for i, g := range u.Groups {
		ids[i] = g.ID
	}
	return ids
}

type userWire struct {
	ID                  int        `json:"id"`
	Name                string     `json:"name"`
	Email               string     `json:"email"`
	ProfileImageURL     string     `json:"profile_image_url"`
	Groups              []GroupRef `json:"groups"`
	IsDisabled          bool       `json:"is_disabled"`
	DisabledAt          flexTime   `json:"disabled_at"`
	IsInvitationPending bool       `json:"is_invitation_pending"`
	IsEmailVerified     bool       `json:"is_email_verified"`
	AuthType            string     `json:"auth_type"`
	CreatedAt           flexTime   `json:"created_at"`
	UpdatedAt           flexTime   `json:"updated_at"`
	ActiveAt            flexTime   `json:"active_at"`
}

func (w *userWire) user() User {
	return User{
		ID: w.ID, Name: w.Name, Email: w.Email, ProfileImageURL: w.ProfileImageURL,
		Groups: w.Groups, IsDisabled: w.IsDisabled || !w.DisabledAt.t.IsZero(), DisabledAt: w.DisabledAt.ptr(),
		IsInvitationPending: w.IsInvitationPending, IsEmailVerified: w.IsEmailVerified,
		AuthType: w.AuthType, CreatedAt: w.CreatedAt.t, UpdatedAt: w.UpdatedAt.t, ActiveAt: w.ActiveAt.ptr(),
	}
}

// UnmarshalJSON decodes a user object of any version.
func (u *User) UnmarshalJSON(b []byte) error {
	var w userWire
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode user: %w", err)
	}
	*u = w.user()
	return nil
}

// DataSource is a database connection as listed by GET /api/data_sources.
type DataSource struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Type        string `json:"type"`
	Syntax      string `json:"syntax"`
	Paused      bool   `json:"paused"`
	PauseReason string `json:"pause_reason"`
	ViewOnly    bool   `json:"view_only"`
}

// UnmarshalJSON decodes a data source of any version (paused may be 0/1).
func (d *DataSource) UnmarshalJSON(b []byte) error {
	var w struct {
		ID          flexInt    `json:"id"`
		Name        nullString `json:"name"`
		Type        nullString `json:"type"`
		Syntax      nullString `json:"syntax"`
		Paused      flexBool   `json:"paused"`
		PauseReason nullString `json:"pause_reason"`
		ViewOnly    flexBool   `json:"view_only"`
	}
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode data source: %w", err)
	}
	*d = DataSource{
		ID: int(w.ID.v), Name: string(w.Name), Type: string(w.Type), Syntax: string(w.Syntax),
		Paused: bool(w.Paused), PauseReason: string(w.PauseReason), ViewOnly: bool(w.ViewOnly),
	}
	return nil
}

// Dashboard is a dashboard. Widgets are filled by a single GET only.
type Dashboard struct {
	ID   int    `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
	// UserID is the owner's id (from user_id or the embedded user).
	UserID int `json:"user_id"`
	// User is the owner when the payload embeds it (v5+).
	User                    *User           `json:"user"`
	IsArchived              bool            `json:"is_archived"`
	IsDraft                 bool            `json:"is_draft"`
	IsFavorite              bool            `json:"is_favorite"`
	DashboardFiltersEnabled bool            `json:"dashboard_filters_enabled"`
	Tags                    []string        `json:"tags"`
	Widgets                 []Widget        `json:"widgets"`
	Version                 int             `json:"version"`
	Layout                  json.RawMessage `json:"layout"`
	Options                 json.RawMessage `json:"options"`
	CreatedAt               time.Time       `json:"created_at"`
	UpdatedAt               time.Time       `json:"updated_at"`
}

// UnmarshalJSON decodes a dashboard of any version.
func (d *Dashboard) UnmarshalJSON(b []byte) error {
	var w struct {
		ID                      flexInt         `json:"id"`
		Slug                    nullString      `json:"slug"`
		Name                    nullString      `json:"name"`
		UserID                  flexInt         `json:"user_id"`
		User                    *User           `json:"user"`
		IsArchived              flexBool        `json:"is_archived"`
		IsDraft                 flexBool        `json:"is_draft"`
		IsFavorite              flexBool        `json:"is_favorite"`
		DashboardFiltersEnabled flexBool        `json:"dashboard_filters_enabled"`
		Tags                    []string        `json:"tags"`
		Widgets                 []Widget        `json:"widgets"`
		Version                 flexInt         `json:"version"`
		Layout                  json.RawMessage `json:"layout"`
		Options                 json.RawMessage `json:"options"`
		CreatedAt               flexTime        `json:"created_at"`
		UpdatedAt               flexTime        `json:"updated_at"`
	}
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode dashboard: %w", err)
	}
	*d = Dashboard{
		ID: int(w.ID.v), Slug: string(w.Slug), Name: string(w.Name), UserID: int(w.UserID.v), User: w.User,
		IsArchived: bool(w.IsArchived), IsDraft: bool(w.IsDraft), IsFavorite: bool(w.IsFavorite),
		DashboardFiltersEnabled: bool(w.DashboardFiltersEnabled), Tags: w.Tags, Widgets: w.Widgets,
		Version: int(w.Version.v), Layout: rawOrNil(w.Layout), Options: rawOrNil(w.Options),
		CreatedAt: w.CreatedAt.t, UpdatedAt: w.UpdatedAt.t,
	}
	if d.UserID == 0 && w.User != nil {
		d.UserID = w.User.ID
	}
	return nil
}

// Widget is a box on a dashboard: a visualization of a query, or a text box.
type Widget struct {
	ID          int `json:"id"`
	DashboardID int `json:"dashboard_id"`
	Width       int `json:"width"`
	// Options holds the grid position and parameter mappings, verbatim.
	Options json.RawMessage `json:"options"`
	Text    string          `json:"text"`
	// Visualization is nil for text boxes and restricted widgets; its Query
	// links the widget to a query.
	Visualization *Visualization `json:"visualization,omitempty"`
	// Restricted is set when the caller may not see the widget's query, so
	// Visualization is hidden.
	Restricted bool      `json:"restricted"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// QueryID returns the id of the query the widget shows, or 0 for a text box
// or a restricted widget.
func (w Widget) QueryID() int {
	if w.Visualization == nil || w.Visualization.Query == nil {
		return 0
	}
	return w.Visualization.Query.ID
}

// UnmarshalJSON decodes a widget of any version.
func (w *Widget) UnmarshalJSON(b []byte) error {
	var x struct {
		ID            flexInt         `json:"id"`
		DashboardID   flexInt         `json:"dashboard_id"`
		Width         flexInt         `json:"width"`
		Options       json.RawMessage `json:"options"`
		Text          nullString      `json:"text"`
		Visualization *Visualization  `json:"visualization"`
		Restricted    flexBool        `json:"restricted"`
		CreatedAt     flexTime        `json:"created_at"`
		UpdatedAt     flexTime        `json:"updated_at"`
	}
	if err := unmarshal(b, &x); err != nil {
		return fmt.Errorf("decode widget: %w", err)
	}
	*w = Widget{
		ID: int(x.ID.v), DashboardID: int(x.DashboardID.v), Width: int(x.Width.v), Options: rawOrNil(x.Options),
		Text: string(x.Text), Visualization: x.Visualization, Restricted: bool(x.Restricted),
		CreatedAt: x.CreatedAt.t, UpdatedAt: x.UpdatedAt.t,
	}
	return nil
}

// Alert watches a query's result.
type Alert struct {
	ID      int             `json:"id"`
	Name    string          `json:"name"`
	Options json.RawMessage `json:"options"`
	// State is "unknown", "ok" or "triggered".
	State string `json:"state"`
	// Rearm is the re-notification delay in seconds, nil when unset.
	Rearm           *int       `json:"rearm"`
	LastTriggeredAt *time.Time `json:"last_triggered_at"`
	// Query is the full query the alert watches.
	Query     Query     `json:"query"`
	User      User      `json:"user"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// UnmarshalJSON decodes an alert of any version.
func (a *Alert) UnmarshalJSON(b []byte) error {
	var w struct {
		ID              flexInt         `json:"id"`
		Name            nullString      `json:"name"`
		Options         json.RawMessage `json:"options"`
		State           nullString      `json:"state"`
		Rearm           flexInt         `json:"rearm"`
		LastTriggeredAt flexTime        `json:"last_triggered_at"`
		Query           *Query          `json:"query"`
		QueryID         flexInt         `json:"query_id"`
		User            *User           `json:"user"`
		CreatedAt       flexTime        `json:"created_at"`
		UpdatedAt       flexTime        `json:"updated_at"`
	}
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode alert: %w", err)
	}
	*a = Alert{
		ID: int(w.ID.v), Name: string(w.Name), Options: rawOrNil(w.Options), State: string(w.State),
		Rearm: w.Rearm.ptr(), LastTriggeredAt: w.LastTriggeredAt.ptr(), CreatedAt: w.CreatedAt.t, UpdatedAt: w.UpdatedAt.t,
	}
	if w.Query != nil {
		a.Query = *w.Query
	}
	if a.Query.ID == 0 {
		a.Query.ID = int(w.QueryID.v)
	}
	if w.User != nil {
		a.User = *w.User
	}
	return nil
}

// AlertSubscription is a user's or a destination's subscription to an alert.
type AlertSubscription struct {
	ID      int  `json:"id"`
	AlertID int  `json:"alert_id"`
	User    User `json:"user"`
	// Destination is nil for a plain e-mail subscription.
	Destination *Destination `json:"destination"`
}

// UnmarshalJSON decodes a subscription.
func (s *AlertSubscription) UnmarshalJSON(b []byte) error {
	var w struct {
		ID          flexInt      `json:"id"`
		AlertID     flexInt      `json:"alert_id"`
		User        *User        `json:"user"`
		Destination *Destination `json:"destination"`
	}
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode alert subscription: %w", err)
	}
	*s = AlertSubscription{ID: int(w.ID.v), AlertID: int(w.AlertID.v), Destination: w.Destination}
	if w.User != nil {
		s.User = *w.User
	}
	return nil
}

// Destination is an alert destination (Slack, webhook, e-mail, …).
type Destination struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// Event is one entry of the events log. Events have no id.
type Event struct {
	OrgID  int  `json:"org_id"`
	UserID *int `json:"user_id"`
	// Action is view, execute_query, api_get, list, …
	Action     string `json:"action"`
	ObjectType string `json:"object_type"`
	// ObjectID is the object's id as a string ("" when null).
	ObjectID string `json:"object_id"`
	// CreatedAt has whole-second resolution.
	CreatedAt time.Time `json:"created_at"`
	// UserName is the user's name, or "ApiKey: Query 42" for key events.
	UserName string `json:"user_name"`
	Browser  string `json:"browser"`
	Location string `json:"location"`
	// Details is {query, data_source} for execute_query, {page} for page
	// views, otherwise {object_id, object_type}.
	Details map[string]any `json:"details"`
}

type eventWire struct {
	OrgID      int            `json:"org_id"`
	UserID     *int           `json:"user_id"`
	Action     string         `json:"action"`
	ObjectType string         `json:"object_type"`
	ObjectID   flexString     `json:"object_id"`
	CreatedAt  flexTime       `json:"created_at"`
	UserName   string         `json:"user_name"`
	Browser    string         `json:"browser"`
	Location   string         `json:"location"`
	Details    map[string]any `json:"details"`
}

func (w *eventWire) event() Event {
	return Event{
		OrgID: w.OrgID, UserID: w.UserID, Action: w.Action, ObjectType: w.ObjectType,
		ObjectID: w.ObjectID.s, CreatedAt: w.CreatedAt.t, UserName: w.UserName, Browser: w.Browser,
		Location: w.Location, Details: w.Details,
	}
}

// UnmarshalJSON decodes an event; object_id may be a string, a number or null.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w eventWire
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	*e = w.event()
	return nil
}

// JobStatus is a query execution's state.
type JobStatus int

// Job statuses. The Celery era (v4–v8) and v10 use 1–4; v25 maps RQ's
// canceled, deferred and scheduled to 5–7.
const (
	JobPending   JobStatus = 1
	JobStarted   JobStatus = 2
	JobFinished  JobStatus = 3
	JobFailed    JobStatus = 4
	JobCancelled JobStatus = 5
	JobDeferred  JobStatus = 6
	JobScheduled JobStatus = 7
)

// String names the status.
func (s JobStatus) String() string {
	switch s {
	case JobPending:
		return "pending"
	case JobStarted:
		return "started"
	case JobFinished:
		return "finished"
	case JobFailed:
		return "failed"
	case JobCancelled:
		return "cancelled"
	case JobDeferred:
		return "deferred"
	case JobScheduled:
		return "scheduled"
	}
	return fmt.Sprintf("status %d", int(s))
}

// Running reports whether the job is still queued or running (1, 2, 6, 7).
func (s JobStatus) Running() bool {
	return s == JobPending || s == JobStarted || s == JobDeferred || s == JobScheduled
}

// Job is an asynchronous query execution.
type Job struct {
	ID     string    `json:"id"`
	Status JobStatus `json:"status"`
	// Error is Redash's message for a failed or cancelled job.
	Error string `json:"error"`
	// QueryResultID is set when the job finished; fetch that result rather
	// than the query's latest one.
	QueryResultID *int `json:"query_result_id"`
	// UpdatedAt is the start time (epoch float in v4–v8, ISO string in v9+);
	// zero when Redash sent 0.
	UpdatedAt time.Time `json:"updated_at"`
}

// UnmarshalJSON decodes a job; updated_at may be a number or a string.
func (j *Job) UnmarshalJSON(b []byte) error {
	var w struct {
		ID            flexString `json:"id"`
		Status        flexInt    `json:"status"`
		Error         nullString `json:"error"`
		QueryResultID flexInt    `json:"query_result_id"`
		Result        flexInt    `json:"result"`
		UpdatedAt     flexTime   `json:"updated_at"`
	}
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode job: %w", err)
	}
	*j = Job{
		ID: w.ID.s, Status: JobStatus(w.Status.v), Error: string(w.Error), QueryResultID: w.QueryResultID.ptr(),
		UpdatedAt: w.UpdatedAt.t,
	}
	if j.QueryResultID == nil {
		j.QueryResultID = w.Result.ptr()
	}
	return nil
}

// QueryResult is a stored result of a query execution.
type QueryResult struct {
	ID           int        `json:"id"`
	QueryHash    string     `json:"query_hash"`
	SQL          string     `json:"query"`
	DataSourceID int        `json:"data_source_id"`
	Data         ResultData `json:"data"`
	// Runtime is in seconds.
	Runtime     float64   `json:"runtime"`
	RetrievedAt time.Time `json:"retrieved_at"`
}

// ResultData holds a result's columns and rows.
type ResultData struct {
	Columns []Column `json:"columns"`
	// Rows are keyed by column name; numbers are json.Number so that no
	// precision is lost; a row may lack a key.
	Rows []map[string]any `json:"rows"`
	// Metadata is a runner's extra data (data scanned, …), verbatim.
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// Column describes a result column; Type is integer, float, boolean, string,
// datetime, date, or "" when the runner could not tell.
type Column struct {
	Name         string `json:"name"`
	FriendlyName string `json:"friendly_name"`
	Type         string `json:"type"`
}

// UnmarshalJSON decodes a query result, keeping numbers exact.
func (r *QueryResult) UnmarshalJSON(b []byte) error {
	var w struct {
		ID           flexInt         `json:"id"`
		QueryHash    nullString      `json:"query_hash"`
		Query        nullString      `json:"query"`
		DataSourceID flexInt         `json:"data_source_id"`
		Data         json.RawMessage `json:"data"`
		Runtime      *float64        `json:"runtime"`
		RetrievedAt  flexTime        `json:"retrieved_at"`
	}
	if err := unmarshal(b, &w); err != nil {
		return fmt.Errorf("decode query result: %w", err)
	}
	*r = QueryResult{
		ID: int(w.ID.v), QueryHash: string(w.QueryHash), SQL: string(w.Query),
		DataSourceID: int(w.DataSourceID.v), RetrievedAt: w.RetrievedAt.t,
	}
	if w.Runtime != nil {
		r.Runtime = *w.Runtime
	}
	if d := rawOrNil(w.Data); d != nil {
		var data struct {
			Columns []struct {
				Name         nullString `json:"name"`
				FriendlyName nullString `json:"friendly_name"`
				Type         nullString `json:"type"`
			} `json:"columns"`
			Rows     []map[string]any `json:"rows"`
			Metadata json.RawMessage  `json:"metadata"`
		}
		dec := json.NewDecoder(bytes.NewReader(d))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			return fmt.Errorf("decode query result data: %w", err)
		}
		r.Data.Rows = data.Rows
		r.Data.Metadata = rawOrNil(data.Metadata)
		for _, c := range data.Columns {
			r.Data.Columns = append(r.Data.Columns, Column{Name: string(c.Name), FriendlyName: string(c.FriendlyName), Type: string(c.Type)})
		}
	}
	return nil
}

// Tag is a tag with the number of objects carrying it.
type Tag struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}
