package redash

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// AlertsService handles alerts.
type AlertsService service

// List returns every alert visible to the caller, each with its full query.
// Redash may list an alert twice (when its data source is in several of the
// caller's groups); duplicates are removed.
//
// Redash API: GET /api/alerts
func (s *AlertsService) List(ctx context.Context) ([]Alert, error) {
	var out []Alert
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/alerts", out: &out}); err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return dedupeBy(func(a Alert) int { return a.ID })(out), nil
}

// Get returns one alert. From v6 each call records a "view" event on it.
//
// Redash API: GET /api/alerts/{id}
func (s *AlertsService) Get(ctx context.Context, id int) (*Alert, error) {
	var a Alert
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/alerts/" + strconv.Itoa(id), out: &a}); err != nil {
		return nil, fmt.Errorf("get alert %d: %w", id, err)
	}
	return &a, nil
}

// CreateAlertRequest is the body of a new alert. The caller becomes its owner
// and its state starts as "unknown".
type CreateAlertRequest struct {
	Name    string
	QueryID int
	// Options holds column, op, value, custom subject and body, muted…;
	// required by Redash (400 when missing).
	Options json.RawMessage
	// Rearm is the re-notification delay in seconds; nil sends null.
	Rearm *int
}

// Create adds an alert and returns it with its new id.
//
// Redash API: POST /api/alerts
func (s *AlertsService) Create(ctx context.Context, req CreateAlertRequest) (*Alert, error) {
	if len(req.Options) == 0 {
		return nil, errors.New("create alert: options are required")
	}
	body := map[string]any{"name": req.Name, "query_id": req.QueryID, "options": req.Options, "rearm": req.Rearm}
	var a Alert
	if err := s.client.do(ctx, request{method: http.MethodPost, path: "api/alerts", body: body, out: &a}); err != nil {
		return nil, fmt.Errorf("create alert on query %d: %w", req.QueryID, err)
	}
	return &a, nil
}

// Subscriptions returns an alert's subscriptions (users and destinations).
//
// Redash API: GET /api/alerts/{id}/subscriptions
func (s *AlertsService) Subscriptions(ctx context.Context, alertID int) ([]AlertSubscription, error) {
	var out []AlertSubscription
	if err := s.client.do(ctx, request{method: http.MethodGet, path: "api/alerts/" + strconv.Itoa(alertID) + "/subscriptions", out: &out}); err != nil {
		return nil, fmt.Errorf("list subscriptions of alert %d: %w", alertID, err)
	}
	return out, nil
}

// Subscribe subscribes to an alert: the caller by e-mail when destinationID
// is nil, otherwise that destination. Another user's subscription cannot be
// created through the API.
//
// Redash API: POST /api/alerts/{id}/subscriptions
func (s *AlertsService) Subscribe(ctx context.Context, alertID int, destinationID *int) (*AlertSubscription, error) {
	body := map[string]any{}
	if destinationID != nil {
		body["destination_id"] = *destinationID
	}
	var sub AlertSubscription
	if err := s.client.do(ctx, request{method: http.MethodPost, path: "api/alerts/" + strconv.Itoa(alertID) + "/subscriptions", body: body, out: &sub}); err != nil {
		return nil, fmt.Errorf("subscribe to alert %d: %w", alertID, err)
	}
	return &sub, nil
}
