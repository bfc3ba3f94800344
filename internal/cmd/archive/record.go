package archive

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/pkg/bulk"
)

// Record is one query of `archive -o json|csv|yaml`. Its fields are a
// contract (docs/output.md): they may be added to, never renamed or removed.
type Record struct {
	ID         int      `json:"id"`
	Name       string   `json:"name"`
	OwnerEmail string   `json:"owner_email"`
	Schedule   string   `json:"schedule"`
	Tags       []string `json:"tags"`
	// Status is would-archive (dry run), archived, already-archived,
	// not-found, unlisted (dry run), refused, changed, failed or not-done.
	Status string `json:"status"`
	Reason string `json:"reason"`
	// Backup is the backup file, relative to the backup directory.
	Backup  string `json:"backup"`
	Widgets int    `json:"widgets"`
	Alerts  int    `json:"alerts"`
	// Earlier: archived by an earlier, interrupted invocation of the run.
	Earlier  bool `json:"earlier"`
	Verified bool `json:"verified"`
}

func newRecord(it *bulk.Item, dryRun bool) Record {
	r := Record{
		ID: it.QueryID, Name: it.Name, OwnerEmail: it.OwnerEmail, Tags: it.Tags, Status: string(it.Status),
		Reason: it.Reason, Backup: it.Backup, Widgets: it.Widgets, Alerts: it.Alerts, Earlier: it.Earlier, Verified: it.Verified,
	}
	if r.Tags == nil {
		r.Tags = []string{}
	}
	if it.Schedule.IsSet() {
		r.Schedule = it.Schedule.String()
	}
	if it.Status == bulk.StatusPending {
		r.Status = "not-done"
		if dryRun {
			r.Status = "would-archive"
		}
	}
	return r
}

var csvHeader = []string{"id", "name", "owner_email", "schedule", "tags", "status", "reason", "backup", "widgets", "alerts", "earlier", "verified"}

func (r *Record) csvRow() []string {
	return []string{
		strconv.Itoa(r.ID), r.Name, r.OwnerEmail, r.Schedule, strings.Join(r.Tags, ";"), r.Status, r.Reason, r.Backup,
		strconv.Itoa(r.Widgets), strconv.Itoa(r.Alerts), strconv.FormatBool(r.Earlier), strconv.FormatBool(r.Verified),
	}
}

// writeItems writes the items: every one in json, csv and yaml; in a table,
// every one for a dry run and only those not archived otherwise (a run of
// thousands ends with its summary, not thousands of lines).
func writeItems(ios *iostreams.IOStreams, format output.Format, items []*bulk.Item, dryRun bool) error {
	records := make([]Record, 0, len(items))
	for _, it := range items {
		records = append(records, newRecord(it, dryRun))
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
	var rows [][]string
	for _, r := range records {
		if !dryRun && r.Status == string(bulk.StatusArchived) {
			continue
		}
		schedule := r.Schedule
		if schedule == "" {
			schedule = "-"
		}
		rows = append(rows, []string{strconv.Itoa(r.ID), r.Name, r.OwnerEmail, schedule, strings.Join(r.Tags, ","), statusText(r)})
	}
	if len(rows) == 0 {
		return nil
	}
	opts := output.TableOptions{}
	if ios.IsStdoutTTY() {
		opts.Width = ios.TerminalWidth()
	}
	if err := output.WriteTable(ios.Out, []string{"ID", "NAME", "OWNER", "SCHEDULE", "TAGS", "STATUS"}, rows, opts); err != nil {
		return err
	}
	_, err := fmt.Fprintln(ios.Out)
	return err
}

func statusText(r Record) string {
	if r.Reason == "" {
		return r.Status
	}
	return r.Status + ": " + r.Reason
}
