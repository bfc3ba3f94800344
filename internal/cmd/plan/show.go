package plan

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/pkg/plan"
)

// ShowOptions are the flags, arguments and dependencies of `plan show`.
type ShowOptions struct {
	IO *iostreams.IOStreams

	Path   string
	Output string
}

var showFormats = []output.Format{output.Table, output.JSON, output.YAML}

// NewCmdShow builds `plan show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "show <plan.json>",
		Short: "Summarise a plan file and list its items",
		Long: cmdutil.LongHelp(`Check a plan file and show where and how it was made, what it would do
(how many queries to archive, to keep…) and every item with its reasons.

-o json and -o yaml print the plan itself, after checking it.`),
		Example: `  # What would this plan archive?
  redashctl plan show plan.json

  # The items to archive, with jq
  redashctl plan show plan.json -o json | jq '.items[] | select(.action == "archive") | .query_id'`,
		Args: cmdutil.ExactArgs(1, "give the plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if _, err := output.Parse(opts.Output, showFormats...); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output, showFormats...)
	return cmd
}

func showRun(_ context.Context, opts *ShowOptions) error {
	format, err := output.Parse(opts.Output, showFormats...)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	p, err := readPlan(opts.Path)
	if err != nil {
		return err
	}
	switch format {
	case output.JSON:
		return output.WriteJSON(opts.IO.Out, p)
	case output.YAML:
		return output.WriteYAML(opts.IO.Out, p)
	}
	w := opts.IO.Out
	src := p.Source
	fmt.Fprintf(w, "Plan:      %s, made %s by %s", p.Format, p.CreatedAt.UTC().Format("2006-01-02 15:04 MST"), p.Criteria.Command)
	if src.Generator != "" {
		fmt.Fprintf(w, " (%s)", src.Generator)
	}
	fmt.Fprintln(w)
	instance := src.URL
	if src.Org != "" {
		instance += " org " + src.Org
	}
	var about []string
	if src.Profile != "" {
		about = append(about, "profile "+src.Profile)
	}
	if src.RedashVersion != "" {
		about = append(about, "Redash "+src.RedashVersion)
	}
	if len(about) > 0 {
		instance += " (" + strings.Join(about, ", ") + ")"
	}
	fmt.Fprintf(w, "Instance:  %s\n", instance)
	c := p.Criteria
	var crit []string
	if len(c.ArchiveWhen) > 0 {
		crit = append(crit, "archive when "+strings.Join(c.ArchiveWhen, ", "))
	}
	if c.KeepTag != "" {
		crit = append(crit, fmt.Sprintf("keep tag %q", c.KeepTag))
	}
	if c.Force {
		crit = append(crit, "external consumers may be archived (--force)")
	}
	if len(crit) > 0 {
		fmt.Fprintf(w, "Criteria:  %s\n", strings.Join(crit, "; "))
	}
	if r := p.Review; r != nil {
		fmt.Fprintf(w, "Review:    %d decisions imported from %s on %s, %d changed\n", r.Rows, r.File, r.ImportedAt.UTC().Format("2006-01-02 15:04 MST"), r.Changed)
	}
	counts := p.Counts()
	var parts []string
	for _, a := range []plan.Action{plan.Archive, plan.Tag, plan.Untag, plan.Keep} {
		if counts[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", counts[a], a))
		}
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	fmt.Fprintf(w, "Items:     %s\n", strings.Join(parts, ", "))
	if len(p.Items) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	rows := make([][]string, len(p.Items))
	for i := range p.Items {
		it := &p.Items[i]
		codes := make([]string, len(it.Reasons))
		for j, r := range it.Reasons {
			codes[j] = r.Code
			if r.Weak {
				codes[j] += "(weak)"
			}
		}
		action := string(it.Action)
		if it.Proposed != "" && it.Proposed != it.Action {
			action += " (was " + string(it.Proposed) + ")"
		}
		rows[i] = []string{strconv.Itoa(it.QueryID), action, it.Name, it.Before.OwnerEmail, lastRun(it.Before.LastRunAt), strings.Join(codes, ", ")}
	}
	to := output.TableOptions{}
	if opts.IO.IsStdoutTTY() {
		to.Width = opts.IO.TerminalWidth()
	}
	return output.WriteTable(w, []string{"ID", "ACTION", "NAME", "OWNER", "LAST RUN", "REASONS"}, rows, to)
}

func lastRun(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return t.UTC().Format("2006-01-02")
}
