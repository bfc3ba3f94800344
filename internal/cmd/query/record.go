package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/pkg/redash"
)

// Record is one query in `query list -o json|csv|yaml`. Its fields are a
// contract (docs/output.md): they may be added to, never renamed or removed.
type Record struct {
	ID             int                     `json:"id"`
	Name           string                  `json:"name"`
	OwnerEmail     string                  `json:"owner_email"`
	OwnerName      string                  `json:"owner_name"`
	DataSourceID   *int                    `json:"data_source_id"`
	Tags           []string                `json:"tags"`
	IsDraft        bool                    `json:"is_draft"`
	IsArchived     bool                    `json:"is_archived"`
	Schedule       *cmdutil.ScheduleRecord `json:"schedule"`
	CreatedAt      time.Time               `json:"created_at"`
	UpdatedAt      time.Time               `json:"updated_at"`
	LastRunAt      *time.Time              `json:"last_run_at"`
	RuntimeSeconds *float64                `json:"runtime_seconds"`
}

// NewRecord converts a query.
func NewRecord(q *redash.Query, now time.Time) Record {
	r := Record{
		ID:             q.ID,
		Name:           q.Name,
		OwnerEmail:     q.User.Email,
		OwnerName:      q.User.Name,
		DataSourceID:   q.DataSourceID,
		Tags:           q.Tags,
		IsDraft:        q.IsDraft,
		IsArchived:     q.IsArchived,
		CreatedAt:      q.CreatedAt.UTC(),
		UpdatedAt:      q.UpdatedAt.UTC(),
		RuntimeSeconds: q.Runtime,
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	if q.RetrievedAt != nil {
		t := q.RetrievedAt.UTC()
		r.LastRunAt = &t
	}
	r.Schedule = cmdutil.NewScheduleRecord(q.Schedule, now)
	return r
}

// csvHeader is the CSV contract: the JSON fields, with the schedule flattened.
var csvHeader = []string{
	"id", "name", "owner_email", "owner_name", "data_source_id", "tags", "is_draft", "is_archived",
	"schedule_interval_seconds", "schedule_time", "schedule_day_of_week", "schedule_until", "schedule_active",
	"created_at", "updated_at", "last_run_at", "runtime_seconds",
}

func (r *Record) csvRow() []string {
	row := []string{
		strconv.Itoa(r.ID), r.Name, r.OwnerEmail, r.OwnerName, intString(r.DataSourceID), strings.Join(r.Tags, ";"),
		strconv.FormatBool(r.IsDraft), strconv.FormatBool(r.IsArchived),
	}
	if s := r.Schedule; s != nil {
		row = append(row, strconv.FormatInt(s.IntervalSeconds, 10), deref(s.Time), deref(s.DayOfWeek), deref(s.Until), strconv.FormatBool(s.Active))
	} else {
		row = append(row, "", "", "", "", "false")
	}
	row = append(row, r.CreatedAt.Format(time.RFC3339), r.UpdatedAt.Format(time.RFC3339), timeString(r.LastRunAt), floatString(r.RuntimeSeconds))
	return row
}

func writeRecords(ios *iostreams.IOStreams, format output.Format, records []Record, now time.Time) error {
	if records == nil {
		records = []Record{}
	}
	switch format {
	case output.JSON:
		return output.WriteJSON(ios.Out, records)
	case output.YAML:
		return output.WriteYAML(ios.Out, records)
	case output.CSV:
		rows := make([][]string, len(records))
		for i := range records {
			rows[i] = records[i].csvRow()
		}
		return output.WriteCSV(ios.Out, csvHeader, rows)
	}
	rows := make([][]string, len(records))
	for i, r := range records {
		rows[i] = []string{strconv.Itoa(r.ID), r.Name, r.OwnerEmail, intString(r.DataSourceID), cmdutil.DescribeSchedule(r.Schedule), age(r.LastRunAt, now), strings.Join(r.Tags, ",")}
	}
	opts := output.TableOptions{}
	if ios.IsStdoutTTY() {
		opts.Width = ios.TerminalWidth()
		fmt.Fprintf(ios.Out, "Showing %d queries\n\n", len(records))
	}
	return output.WriteTable(ios.Out, []string{"ID", "NAME", "OWNER", "DS", "SCHEDULE", "LAST RUN", "TAGS"}, rows, opts)
}

// age renders how long ago t was: "3d ago", "never".
func age(t *time.Time, now time.Time) string {
	if t == nil {
		return "never"
	}
	d := now.Sub(*t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

func intString(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func floatString(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func timeString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
