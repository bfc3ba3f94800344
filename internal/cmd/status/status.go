// Package status implements `redashctl status` (what a live Redash instance
// reports about itself) and `redashctl status diff` (two instances side by
// side).
package status

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/config"
	"github.com/redashctl/redashctl/internal/iostreams"
	live "github.com/redashctl/redashctl/internal/livestatus"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/pkg/redash"
)

// formats are the output formats of status and status diff.
var formats = []output.Format{output.Table, output.JSON, output.YAML}

const exitPartial = "  3    some parts could not be read (the rest is printed, and a line says what failed)"

// StatusOptions are the flags and dependencies of `status`.
type StatusOptions struct {
	IO     *iostreams.IOStreams
	Redash func() (*redash.Client, error)
	Config func() (*config.Config, error)
	Now    func() time.Time

	Output string
}

// NewCmdStatus builds `status` and its `diff` subcommand.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams, Redash: f.Redash, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "status [flags]",
		Short: "Show what a live Redash reports: version, queues, workers, counts, data sources",
		Long: cmdutil.LongHelp(`Show what the Redash instance of the current profile reports about itself:
its version and job system, the size of each job queue and the workers that
consume them, the object counts of the org, its data sources, and how many
queries the scheduler found outdated on its last pass.

Queues, workers and outdated queries come from super-admin endpoints:
GET /status.json, and GET /api/admin/queries/tasks on Redash v4–v8 (Celery)
or GET /api/admin/queries/rq_status on v9 and later (RQ). With a key that is
not a super-admin's, status shows the rest and prints one line on stderr for
each part it could not read. The admin endpoints record a "list" event in
Redash's events log (v6 and later).

The json and yaml output is a documented contract: see docs/output.md.`, exitPartial),
		Example: `  # Status of the current profile
  redashctl status

  # Status of another profile, as JSON
  redashctl status --profile staging -o json

  # Compare production with its upgraded copy
  redashctl status diff prod staging`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := output.Parse(opts.Output, formats...); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output, formats...)
	cmd.AddCommand(NewCmdDiff(f, nil))
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	format, err := output.Parse(opts.Output, formats...)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	client, err := opts.Redash()
	if err != nil {
		return err
	}
	snap, err := live.Read(ctx, client, cfg.URL, live.Options{Now: opts.Now().UTC()})
	if err != nil {
		return fmt.Errorf("status of %s: %w", cfg.URL, err)
	}
	switch format {
	case output.JSON:
		err = output.WriteJSON(opts.IO.Out, snap)
	case output.YAML:
		err = output.WriteYAML(opts.IO.Out, snap)
	default:
		err = writeStatus(opts.IO, snap)
	}
	if err != nil {
		return err
	}
	writeGaps(opts.IO.ErrOut, "", snap)
	return incomplete(snap)
}

// writeGaps prints one line per missing part: a note for what the key may not
// read, a warning for what failed.
func writeGaps(w io.Writer, prefix string, snaps ...*live.Snapshot) {
	for _, s := range snaps {
		for _, g := range s.Gaps {
			kind := "note"
			if g.Failed {
				kind = "warning"
			}
			fmt.Fprintf(w, "%s: %s%s\n", kind, prefix, g.Reason)
		}
	}
}

// incomplete is the exit-3 error when some part failed.
func incomplete(snaps ...*live.Snapshot) error {
	var parts []string
	for _, s := range snaps {
		for _, g := range s.Gaps {
			if g.Failed && !slices.Contains(parts, g.Part) {
				parts = append(parts, g.Part)
			}
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitPartial, Err: fmt.Errorf("incomplete: could not read %s", strings.Join(parts, ", "))}
}

// kv writes aligned "key: value" lines.
type kv struct {
	keys, values []string
}

func (k *kv) add(key, value string) {
	k.keys = append(k.keys, key)
	k.values = append(k.values, value)
}

func (k *kv) write(w io.Writer) {
	width := 0
	for _, key := range k.keys {
		width = max(width, len(key)+1)
	}
	for i, key := range k.keys {
		fmt.Fprintf(w, "%-*s %s\n", width, key+":", k.values[i])
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func intPtr(p *int) string {
	if p == nil {
		return "-"
	}
	return itoa(*p)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func userLine(u live.User) string {
	role := "not an admin"
	switch {
	case u.SuperAdmin:
		role = "super-admin"
	case u.Admin:
		role = "admin"
	}
	return fmt.Sprintf("%s <%s> (%s)", u.Name, u.Email, role)
}

func versionLine(s *live.Snapshot) string {
	v := s.Version
	if s.VersionReported != "" && s.VersionReported != s.Version {
		v += " (reported " + s.VersionReported + ")"
	}
	return v
}

func jobSystemName(s string) string {
	if s == live.JobSystemRQ {
		return "RQ"
	}
	return "Celery"
}

// humanBytes writes a byte count with a binary unit.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func writeStatus(ios *iostreams.IOStreams, s *live.Snapshot) error {
	w := ios.Out
	var head kv
	head.add("url", s.URL)
	head.add("version", versionLine(s))
	head.add("job system", jobSystemName(s.JobSystem))
	head.add("org", s.Org)
	head.add("user", userLine(s.User))
	head.write(w)

	var counts kv
	if c := s.Counts; c != nil {
		counts.add("queries", itoa(c.Queries))
		counts.add("dashboards", itoa(c.Dashboards))
		counts.add("users", itoa(c.Users))
		counts.add("alerts", itoa(c.Alerts))
		counts.add("data sources", itoa(c.DataSources))
	}
	if s.OutdatedQueries != nil {
		counts.add("outdated queries", itoa(*s.OutdatedQueries))
	}
	if v := s.Server; v != nil {
		counts.add("all queries", itoa(v.Queries))
		counts.add("all dashboards", itoa(v.Dashboards))
		counts.add("widgets", itoa(v.Widgets))
		counts.add("query results", fmt.Sprintf("%d (%d unused)", v.QueryResults, v.UnusedQueryResults))
		counts.add("redis memory", humanBytes(v.RedisUsedMemory))
	}
	if len(s.Tasks) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(s.Tasks)) {
			parts = append(parts, fmt.Sprintf("%d %s", s.Tasks[k], strings.ReplaceAll(k, "_", " ")))
		}
		counts.add("celery tasks", strings.Join(parts, ", "))
	}
	if len(counts.keys) > 0 {
		fmt.Fprintln(w)
		counts.write(w)
	}

	topts := output.TableOptions{}
	if ios.IsStdoutTTY() {
		topts.Width = ios.TerminalWidth()
	}
	if s.Queues != nil {
		rows := make([][]string, 0, len(s.Queues))
		for _, q := range s.Queues {
			rows = append(rows, []string{q.Name, itoa(q.Queued), intPtr(q.Running), itoa(consumers(s.Workers, q.Name))})
		}
		header := []string{"QUEUE", "QUEUED", "RUNNING", "WORKERS"}
		if s.JobSystem != live.JobSystemRQ || s.Workers == nil {
			header = header[:3]
			for i := range rows {
				rows[i] = rows[i][:3]
			}
		}
		if err := section(w, header, rows, topts); err != nil {
			return err
		}
	}
	if len(s.Workers) > 0 {
		header := []string{"WORKER", "STATE", "QUEUES", "JOBS DONE", "FAILED"}
		rows := make([][]string, 0, len(s.Workers))
		for _, wk := range s.Workers {
			rows = append(rows, []string{wk.Name, wk.State, strings.Join(wk.Queues, ","), itoa(wk.SuccessfulJobs), itoa(wk.FailedJobs)})
		}
		if s.JobSystem != live.JobSystemRQ {
			// Celery reports no workers: these are the ones seen running tasks.
			header = []string{"WORKER", "STATE", "QUEUES OF ITS TASKS"}
			for i := range rows {
				rows[i] = rows[i][:3]
			}
		}
		if err := section(w, header, rows, topts); err != nil {
			return err
		}
	}
	if len(s.DataSources) > 0 {
		rows := make([][]string, 0, len(s.DataSources))
		for _, d := range s.DataSources {
			rows = append(rows, []string{itoa(d.ID), d.Name, d.Type, yesNo(d.Paused)})
		}
		if err := section(w, []string{"ID", "DATA SOURCE", "TYPE", "PAUSED"}, rows, topts); err != nil {
			return err
		}
	}
	return nil
}

// consumers counts the workers listening to queue.
func consumers(workers []live.Worker, queue string) int {
	n := 0
	for _, w := range workers {
		if slices.Contains(w.Queues, queue) {
			n++
		}
	}
	return n
}

// section writes a blank line and a table.
func section(w io.Writer, header []string, rows [][]string, o output.TableOptions) error {
	var buf bytes.Buffer
	if err := output.WriteTable(&buf, header, rows, o); err != nil {
		return err
	}
	fmt.Fprintln(w)
	_, err := w.Write(buf.Bytes())
	return err
}
