package fakeredash

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
)

func gravatar(email string) string {
	sum := md5.Sum([]byte(strings.ToLower(email)))
	return "https://www.gravatar.com/avatar/" + hex.EncodeToString(sum[:]) + "?s=40&d=identicon"
}

// userJSON is User.to_dict() for the dialect (§5.5): v4 id..created_at and
// auth_type; v5 adds disabled_at/is_disabled; v7+ adds active_at,
// is_invitation_pending, is_email_verified.
func (s *Server) userJSON(u *User) []byte {
	e := newEnc(s.d, 512)
	s.encUserFields(e, u, nil)
	return e.b
}

// encUserFields writes a user object; groups, when not nil, replaces the
// group id list (the v5+ user list writes [{id, name}], §13).
func (s *Server) encUserFields(e *enc, u *User, groups func(e *enc)) {
	d := s.d
	disabled := d.userDisabled && !u.DisabledAt.IsZero()
	e.obj()
	e.key("id")
	e.integer(u.ID)
	e.key("name")
	e.str(u.Name)
	e.key("email")
	e.str(u.Email)
	e.key("profile_image_url")
	if disabled && d.major >= 8 {
		e.str("/static/images/avatar.svg")
	} else {
		e.str(gravatar(u.Email))
	}
	e.key("groups")
	if groups != nil {
		groups(e)
	} else {
		e.ints(u.Groups)
	}
	e.key("updated_at")
	e.time(u.UpdatedAt)
	e.key("created_at")
	e.time(u.CreatedAt)
	if d.userDisabled {
		e.key("disabled_at")
		if disabled {
			e.time(u.DisabledAt)
		} else {
			e.null()
		}
		e.key("is_disabled")
		e.boolean(disabled)
	}
	if d.userActiveFields {
		e.key("active_at")
		e.time(u.ActiveAt)
		e.key("is_invitation_pending")
		e.boolean(u.InvitationPending)
		e.key("is_email_verified")
		e.boolean(u.EmailVerified)
	}
	e.key("auth_type")
	e.str(u.AuthType)
	e.endObj()
}

func (s *Server) encUser(e *enc, id int) {
	if b, ok := s.st.userJSON[id]; ok {
		e.raw(b)
		return
	}
	e.null()
}

// encQueryBase writes the fields every query object has (§5.5), leaving
// the object open.
func (s *Server) encQueryBase(e *enc, q *query) {
	d := s.d
	e.obj()
	e.key("id")
	e.integer(q.ID)
	e.key("latest_query_data_id")
	e.optInt(q.LatestQueryDataID)
	e.key("name")
	e.str(q.Name)
	e.key("description")
	e.optStr(q.Description)
	e.key("query")
	e.str(q.SQL)
	e.key("query_hash")
	e.str(q.QueryHash)
	e.key("schedule")
	e.raw(q.Schedule)
	e.key("api_key")
	e.str(q.APIKey)
	e.key("is_archived")
	e.boolean(q.IsArchived)
	e.key("is_draft")
	e.boolean(q.IsDraft)
	e.key("updated_at")
	e.time(q.UpdatedAt)
	e.key("created_at")
	e.time(q.CreatedAt)
	e.key("data_source_id")
	e.optInt(q.DataSourceID)
	e.key("options")
	e.raw(q.Options)
	e.key("version")
	e.integer(q.Version)
	if d.tags {
		e.key("tags")
		if q.Tags == nil {
			e.arr()
			e.endArr()
		} else {
			e.strs(q.Tags)
		}
	}
	if d.isSafe {
		e.key("is_safe")
		e.boolean(isSafe(q.Parameters))
	}
}

// encQueryListItem writes a list item: with user, last_modified_by_id,
// retrieved_at and runtime, plus the caller's favorite state (§5.5).
func (s *Server) encQueryListItem(e *enc, q *query, c *caller) {
	s.encQueryBase(e, q)
	e.key("user")
	s.encUser(e, q.UserID)
	e.key("last_modified_by_id")
	e.optInt(q.LastModifiedByID)
	e.key("retrieved_at")
	if q.LatestQueryDataID != 0 {
		e.time(q.RetrievedAt)
		e.key("runtime")
		e.float(q.Runtime)
	} else {
		e.null()
		e.key("runtime")
		e.null()
	}
	if s.d.favorites {
		starred, fav := s.st.queryFavs[favKey{c.userID(), q.ID}]
		e.key("is_favorite")
		e.boolean(fav)
		if fav && s.d.starredAt {
			e.key("starred_at")
			e.time(starred)
		}
	}
	e.endObj()
}

// encQueryRecent writes a /recent item: user_id instead of user (§5.5).
func (s *Server) encQueryRecent(e *enc, q *query, c *caller) {
	s.encQueryBase(e, q)
	e.key("user_id")
	e.integer(q.UserID)
	e.key("last_modified_by_id")
	e.optInt(q.LastModifiedByID)
	if s.d.favorites {
		_, fav := s.st.queryFavs[favKey{c.userID(), q.ID}]
		e.key("is_favorite")
		e.boolean(fav)
	}
	e.endObj()
}

type singleOpts struct {
	viz      bool
	canEdit  bool
	favorite bool
}

// encQuerySingle writes GET /api/queries/<id> and POST responses: user,
// last_modified_by object, and optionally visualizations, can_edit and the
// favorite flag (not for query-key callers).
func (s *Server) encQuerySingle(e *enc, q *query, c *caller, o singleOpts) {
	s.encQueryBase(e, q)
	e.key("user")
	s.encUser(e, q.UserID)
	e.key("last_modified_by")
	if q.LastModifiedByID != 0 {
		s.encUser(e, q.LastModifiedByID)
	} else {
		e.null()
	}
	if o.viz {
		e.key("visualizations")
		e.arr()
		for i := range q.Visualizations {
			s.encViz(e, &q.Visualizations[i], nil)
		}
		e.endArr()
	}
	if o.canEdit {
		e.key("can_edit")
		e.boolean(c.canModifyQuery(q))
	}
	if o.favorite && s.d.favorites && c.user != nil {
		_, fav := s.st.queryFavs[favKey{c.userID(), q.ID}]
		e.key("is_favorite")
		e.boolean(fav)
	}
	e.endObj()
}

// encQueryEmbedded is serialize_query with its defaults, as embedded in
// widgets' visualizations and alerts (§9.2, §9.3).
func (s *Server) encQueryEmbedded(e *enc, q *query) {
	s.encQueryBase(e, q)
	e.key("user")
	s.encUser(e, q.UserID)
	e.key("last_modified_by")
	if q.LastModifiedByID != 0 {
		s.encUser(e, q.LastModifiedByID)
	} else {
		e.null()
	}
	e.endObj()
}

// encViz writes a visualization; with its query when q is not nil.
func (s *Server) encViz(e *enc, v *Visualization, q *query) {
	e.obj()
	e.key("id")
	e.integer(v.ID)
	e.key("type")
	e.str(v.Type)
	e.key("name")
	e.str(v.Name)
	e.key("description")
	e.str(v.Description)
	e.key("options")
	e.raw(v.Options)
	e.key("updated_at")
	e.time(v.UpdatedAt)
	e.key("created_at")
	e.time(v.CreatedAt)
	if q != nil {
		e.key("query")
		s.encQueryEmbedded(e, q)
	}
	e.endObj()
}

// encWidget writes a widget; restricted when the caller cannot see the
// widget's query (§9.2).
func (s *Server) encWidget(e *enc, w *Widget, c *caller) {
	var vq *query
	var v *Visualization
	if w.VisualizationID != 0 {
		vq, v = s.st.visualization(w.VisualizationID)
	}
	restricted := v != nil && (c == nil || !c.hasAccessQuery(vq, false))
	e.obj()
	e.key("id")
	e.integer(w.ID)
	e.key("width")
	e.integer(w.Width)
	e.key("options")
	e.raw(w.Options)
	e.key("dashboard_id")
	e.integer(w.DashboardID)
	if restricted {
		e.key("created_at")
		e.time(w.CreatedAt)
		e.key("updated_at")
		e.time(w.UpdatedAt)
		e.key("restricted")
		e.boolean(true)
		e.endObj()
		return
	}
	e.key("text")
	e.str(w.Text)
	e.key("updated_at")
	e.time(w.UpdatedAt)
	e.key("created_at")
	e.time(w.CreatedAt)
	if v != nil {
		e.key("visualization")
		s.encViz(e, v, vq)
	}
	e.endObj()
}

// encDashboard writes a dashboard in the dialect's shape (§9.1).
func (s *Server) encDashboard(e *enc, db *Dashboard, c *caller, withWidgets, single bool) {
	d := s.d
	e.obj()
	e.key("id")
	e.integer(db.ID)
	e.key("slug")
	if d.dashboardsByID {
		e.str(slugify(db.Name))
	} else {
		e.str(db.Slug)
	}
	e.key("name")
	e.str(db.Name)
	e.key("user_id")
	e.integer(db.UserID)
	if d.major >= 5 {
		e.key("user")
		if d.dashboardsByID {
			u := s.st.userByID[db.UserID]
			e.obj()
			e.key("id")
			e.integer(u.ID)
			e.key("name")
			e.str(u.Name)
			e.key("email")
			e.str(u.Email)
			e.key("profile_image_url")
			e.str(gravatar(u.Email))
			e.endObj()
		} else {
			s.encUser(e, db.UserID)
		}
	}
	e.key("layout")
	e.raw(db.Layout)
	e.key("dashboard_filters_enabled")
	e.boolean(db.FiltersEnabled)
	e.key("widgets")
	if withWidgets {
		e.arr()
		for i := range db.Widgets {
			s.encWidget(e, &db.Widgets[i], c)
		}
		e.endArr()
	} else {
		e.null()
	}
	if d.dashboardsByID {
		e.key("options")
		e.raw(db.Options)
	}
	e.key("is_archived")
	e.boolean(db.IsArchived)
	e.key("is_draft")
	e.boolean(db.IsDraft)
	if d.tags {
		e.key("tags")
		e.strs(db.Tags)
	}
	e.key("updated_at")
	e.time(db.UpdatedAt)
	e.key("created_at")
	e.time(db.CreatedAt)
	e.key("version")
	e.integer(db.Version)
	if d.favorites && c != nil && c.user != nil {
		_, fav := s.st.dashFavs[favKey{c.userID(), db.ID}]
		e.key("is_favorite")
		e.boolean(fav)
	}
	if single {
		e.key("can_edit")
		e.boolean(c.canModifyOwned(db.UserID))
	}
	e.endObj()
}

// encAlert writes a full alert: query and user objects (§9.3).
func (s *Server) encAlert(e *enc, a *Alert) {
	e.obj()
	e.key("id")
	e.integer(a.ID)
	e.key("name")
	e.str(a.Name)
	e.key("options")
	e.raw(a.Options)
	e.key("state")
	e.str(a.State)
	e.key("last_triggered_at")
	e.time(a.LastTriggeredAt)
	e.key("updated_at")
	e.time(a.UpdatedAt)
	e.key("created_at")
	e.time(a.CreatedAt)
	e.key("rearm")
	e.optInt(a.Rearm)
	e.key("query")
	if q := s.st.query(a.QueryID); q != nil {
		s.encQueryEmbedded(e, q)
	} else {
		e.null()
	}
	e.key("user")
	s.encUser(e, a.UserID)
	e.endObj()
}
