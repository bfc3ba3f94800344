package restore

import (
	"fmt"
	"strconv"

	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/pkg/bulk"
)

// Record is one query of `restore -o json|yaml`. Its fields are a contract
// (docs/output.md): they may be added to, never renamed or removed.
type Record struct {
	QueryID int    `json:"query_id"`
	Name    string `json:"name"`
	Backup  string `json:"backup"`
	// Result is unarchived, would-unarchive, not-archived (it was live
	// already) or failed.
	Result        string         `json:"result"`
	Error         string         `json:"error"`
	Widgets       []WidgetRecord `json:"widgets"`
	Alerts        []AlertRecord  `json:"alerts"`
	CannotRestore []string       `json:"cannot_restore"`
}

// WidgetRecord maps a backed-up widget to the widget now showing it.
type WidgetRecord struct {
	OldID           int    `json:"old_id"`
	NewID           *int   `json:"new_id"`
	DashboardID     int    `json:"dashboard_id"`
	DashboardName   string `json:"dashboard_name"`
	VisualizationID int    `json:"visualization_id"`
	// Result is created, would-create, present, cannot or failed.
	Result string `json:"result"`
	Note   string `json:"note"`
}

// AlertRecord maps a backed-up alert to the alert now watching the query.
type AlertRecord struct {
	OldID         int                  `json:"old_id"`
	NewID         *int                 `json:"new_id"`
	Name          string               `json:"name"`
	Result        string               `json:"result"`
	Note          string               `json:"note"`
	Subscriptions []SubscriptionRecord `json:"subscriptions"`
}

// SubscriptionRecord maps a backed-up alert subscription.
type SubscriptionRecord struct {
	OldID     int    `json:"old_id"`
	NewID     *int   `json:"new_id"`
	UserEmail string `json:"user_email"`
	// Destination is the destination's name, "" for an e-mail subscription.
	Destination string `json:"destination"`
	Result      string `json:"result"`
	Note        string `json:"note"`
}

func result(a bulk.Action, dryRun bool) string {
	switch a {
	case bulk.ActionCreate:
		if dryRun {
			return "would-create"
		}
		return "created"
	case bulk.ActionPresent:
		return "present"
	case bulk.ActionCannot:
		return "cannot"
	}
	return "failed"
}

func optID(id int) *int {
	if id == 0 {
		return nil
	}
	return &id
}

func newRecord(it *bulk.RestoreItem, dryRun bool) Record {
	r := Record{
		QueryID: it.QueryID, Name: it.Name, Backup: it.File, Error: it.QueryError,
		Widgets: []WidgetRecord{}, Alerts: []AlertRecord{}, CannotRestore: []string{},
	}
	switch {
	case it.QueryError != "":
		r.Result = "failed"
	case it.Unarchive && dryRun:
		r.Result = "would-unarchive"
	case it.Unarchive:
		r.Result = "unarchived"
	default:
		r.Result = "not-archived"
	}
	for _, w := range it.Widgets {
		res := result(w.Action, dryRun)
		r.Widgets = append(r.Widgets, WidgetRecord{
			OldID: w.Old.ID, NewID: optID(w.NewID), DashboardID: w.Old.DashboardID,
			DashboardName: w.Old.DashboardName, VisualizationID: w.Old.VisualizationID, Result: res, Note: w.Note,
		})
		if w.Action == bulk.ActionCannot {
			r.CannotRestore = append(r.CannotRestore, fmt.Sprintf("widget %d: %s", w.Old.ID, w.Note))
		}
	}
	for _, a := range it.Alerts {
		ar := AlertRecord{
			OldID: a.Old.ID, NewID: optID(a.NewID), Name: a.Old.Name, Result: result(a.Action, dryRun), Note: a.Note,
			Subscriptions: []SubscriptionRecord{},
		}
		for _, s := range a.Subscriptions {
			sr := SubscriptionRecord{OldID: s.Old.ID, NewID: optID(s.NewID), UserEmail: s.Old.User.Email, Result: result(s.Action, dryRun), Note: s.Note}
			if s.Old.Destination != nil {
				sr.Destination = s.Old.Destination.Name
			}
			ar.Subscriptions = append(ar.Subscriptions, sr)
			if s.Action == bulk.ActionCannot {
				r.CannotRestore = append(r.CannotRestore, fmt.Sprintf("subscription %d of alert %d: %s", s.Old.ID, a.Old.ID, s.Note))
			}
		}
		r.Alerts = append(r.Alerts, ar)
	}
	return r
}

// write prints the records: the documented JSON or YAML, or for people a
// table mapping old ids to new ones, then what cannot be restored.
func write(ios *iostreams.IOStreams, format output.Format, items []*bulk.RestoreItem, dryRun bool) error {
	records := make([]Record, len(items))
	for i, it := range items {
		records[i] = newRecord(it, dryRun)
	}
	switch format {
	case output.JSON:
		return output.WriteJSON(ios.Out, records)
	case output.YAML:
		return output.WriteYAML(ios.Out, records)
	}
	var rows [][]string
	var cannot []string
	for _, r := range records {
		qres := r.Result
		if r.Error != "" {
			qres += ": " + r.Error
		}
		rows = append(rows, []string{"query", strconv.Itoa(r.QueryID), strconv.Itoa(r.QueryID), r.Name, qres})
		for _, w := range r.Widgets {
			rows = append(rows, []string{
				"  widget", strconv.Itoa(w.OldID), newText(w.NewID),
				fmt.Sprintf("dashboard %d (%s)", w.DashboardID, w.DashboardName), withNote(w.Result, w.Note),
			})
		}
		for _, a := range r.Alerts {
			rows = append(rows, []string{"  alert", strconv.Itoa(a.OldID), newText(a.NewID), a.Name, withNote(a.Result, a.Note)})
			for _, s := range a.Subscriptions {
				what := s.UserEmail + " (e-mail)"
				if s.Destination != "" {
					what = s.Destination
				}
				rows = append(rows, []string{"    subscription", strconv.Itoa(s.OldID), newText(s.NewID), what, withNote(s.Result, s.Note)})
			}
		}
		for _, c := range r.CannotRestore {
			cannot = append(cannot, fmt.Sprintf("query %d, %s", r.QueryID, c))
		}
	}
	opts := output.TableOptions{}
	if ios.IsStdoutTTY() {
		opts.Width = ios.TerminalWidth()
	}
	if err := output.WriteTable(ios.Out, []string{"OBJECT", "OLD ID", "NEW ID", "WHAT", "RESULT"}, rows, opts); err != nil {
		return err
	}
	fmt.Fprintln(ios.Out)
	if len(cannot) > 0 {
		fmt.Fprintln(ios.Out, "Cannot be restored through the API:")
		for _, c := range cannot {
			fmt.Fprintln(ios.Out, "  "+c)
		}
		fmt.Fprintln(ios.Out)
	}
	return nil
}

func newText(id *int) string {
	if id == nil {
		return "-"
	}
	return strconv.Itoa(*id)
}

func withNote(res, note string) string {
	if note == "" {
		return res
	}
	return res + ": " + note
}
