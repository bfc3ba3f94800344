package fakeredash

import (
	"net/http"
	"time"
)

// orgSetting is one organization setting with its default (the value of
// redash/settings/organization.py when no environment variable overrides
// it) and the first release that has it.
type orgSetting struct {
	key   string
	since int // major version
	value any // bool, string or []string
}

// orgSettings are listed in the order Redash declares them.
var orgSettings = []orgSetting{
	{"auth_password_login_enabled", 4, true},
	{"auth_saml_enabled", 4, false},
	{"auth_saml_type", 10, ""},
	{"auth_saml_entity_id", 4, ""},
	{"auth_saml_metadata_url", 4, ""},
	{"auth_saml_nameid_format", 4, ""},
	{"auth_saml_sso_url", 10, ""},
	{"auth_saml_x509_cert", 10, ""},
	{"auth_saml_sp_settings", 26, ""},
	{"date_format", 8, "DD/MM/YY"},
	{"time_format", 8, "HH:mm"},
	{"integer_format", 8, "0,0"},
	{"float_format", 8, "0,0.00"},
	{"null_value", 26, "null"},
	{"multi_byte_search_enabled", 8, false},
	{"auth_jwt_login_enabled", 5, false},
	{"auth_jwt_auth_issuer", 5, ""},
	{"auth_jwt_auth_public_certs_url", 5, ""},
	{"auth_jwt_auth_audience", 5, ""},
	{"auth_jwt_auth_algorithms", 5, []string{"HS256", "RS256", "ES256"}},
	{"auth_jwt_auth_cookie_name", 5, ""},
	{"auth_jwt_auth_header_name", 5, ""},
	{"feature_show_permissions_control", 8, false},
	{"send_email_on_failed_scheduled_queries", 8, false},
	{"hide_plotly_mode_bar", 10, false},
	{"disable_public_urls", 10, false},
	{"auth_google_apps_domains", 5, []string{}},
}

// orgSettingsJSON serves GET /api/settings/organization (require_admin:
// 403 JSON otherwise): {"settings": {...}}, the org's settings with the
// defaults of the dialect's release filled in. Settings whose default is
// None (beacon_consent) are left out, as Redash does.
func (x *rctx) orgSettingsJSON() {
	if !x.c.admin {
		x.forbidden()
		return
	}
	e := newEnc(x.s.d, 2048)
	e.obj()
	e.key("settings")
	e.obj()
	for _, st := range orgSettings {
		if x.s.d.major < st.since {
			continue
		}
		e.key(st.key)
		switch v := st.value.(type) {
		case bool:
			e.boolean(v)
		case string:
			e.str(v)
		case []string:
			e.strs(v)
		}
	}
	e.endObj()
	e.endObj()
	x.json(e.b)
}

// StopEvents imitates a deployment where no worker records events any more
// (from v9 the "default" RQ queue, §11): the log keeps only the events up
// to at, and new events are dropped. Traits are not changed: they describe
// what really happened.
func (s *Server) StopEvents(at time.Time) {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	keep := s.events[:0:0]
	for _, e := range s.events {
		if e.at <= at.Unix() {
			keep = append(keep, e)
		}
	}
	s.events = keep
	s.eventsStopped = true
}

func (x *rctx) routeSettings() bool {
	if len(x.seg) == 3 && x.seg[2] == "organization" {
		if x.method() == http.MethodGet {
			x.orgSettingsJSON()
		} else {
			x.notAllowed()
		}
		return true
	}
	return false
}
