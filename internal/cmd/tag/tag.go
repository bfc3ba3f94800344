// Package tag implements `redashctl tag add|remove`: add or remove tags on
// many saved queries at once.
package tag

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/internal/progress"
	"github.com/redashctl/redashctl/internal/selection"
	"github.com/redashctl/redashctl/pkg/bulk"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/redash"
)

// NewCmdTag builds the `tag` command group.
func NewCmdTag(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tag <command>",
		Short: "Add or remove tags on many queries at once",
		Long: cmdutil.LongHelp(`Add or remove tags on saved queries selected by id, by an audit plan or by
the filters of 'redashctl query list'. Tags need Redash 5 or later.`),
		Example: `  # Tag the queries reviewers decided to keep
  redashctl tag add keep --plan reviewed.json --plan-action keep`,
	}
	cmd.AddCommand(NewCmdAdd(f, nil), NewCmdRemove(f, nil))
	return cmd
}

// TagOptions are the flags, arguments and dependencies of `tag add` and
// `tag remove`.
type TagOptions struct {
	IO     *iostreams.IOStreams
	Redash func() (*redash.Client, error)
	Now    func() time.Time

	// Remove is set for `tag remove`.
	Remove bool
	// Tags are the tags to add or remove; empty with --plan means each
	// plan item's own tags.
	Tags       []string
	Selection  selection.Selection
	PlanAction string
	DryRun     bool
	Yes        bool
	Output     string
}

func newCmd(f *cmdutil.Factory, remove bool, runF func(*TagOptions) error) *cobra.Command {
	opts := &TagOptions{IO: f.IOStreams, Redash: f.Redash, Now: f.Now, Remove: remove}
	verb, prep, defAction := "add", "to", plan.Tag
	if remove {
		verb, prep, defAction = "remove", "from", plan.Untag
	}
	cmd := &cobra.Command{
		Use:   verb + " <tag>... {--ids <list> | --ids-file <file> | --plan <file> | <filters>} [--dry-run] [--yes]",
		Short: fmt.Sprintf("%s tags %s many queries", strings.ToUpper(verb[:1])+verb[1:], prep),
		Long: cmdutil.LongHelp(fmt.Sprintf(`%s tags %s the selected queries.

Select queries with --ids, --ids-file (one id a line, - for standard input),
--plan (the items of an audit plan whose action is --plan-action, %q by
default; without <tag> arguments each item's own tags are used) or the
filters of 'redashctl query list'.

Current tags are read from the query lists (never one GET per query). Redash
replaces a query's whole tag list on update, so each changed query gets one
POST /api/queries/<id> with its new list and its version; if Redash answers
409 (a stale version) the query is read again and the update tried once
more. Queries that already are as asked are left alone, so running the
command again changes nothing. Unknown ids and queries the lists do not show
(archived ones, for instance) are reported and skipped.

--dry-run prints each query's tags before and after and changes nothing.
Without a terminal, --yes is required; on a terminal you are asked first.
The json, csv and yaml output is a documented contract: see docs/output.md.`,
			strings.ToUpper(verb[:1])+verb[1:], prep, defAction),
			"  3    some queries could not be updated (the others were)"),
		Example: fmt.Sprintf(`  # Preview: %s "keep" %s three queries
  redashctl tag %s keep --ids 12,13,14 --dry-run

  # %s the tag %s every query of a data source, from a script
  redashctl tag %s legacy --data-source Warehouse --yes

  # Apply the tag changes of a reviewed plan
  redashctl tag %s --plan reviewed.json`, verb, prep, verb, strings.ToUpper(verb[:1])+verb[1:], prep, verb, verb),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := output.Parse(opts.Output); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			for _, t := range args {
				if strings.TrimSpace(t) == "" {
					return cmdutil.FlagErrorf("a tag must not be empty")
				}
			}
			opts.Tags = args
			if len(opts.Tags) == 0 && !cmd.Flags().Changed("plan") {
				return cmdutil.FlagErrorf("no tag given: name the tags to %s, e.g. redashctl tag %s keep --ids 12", verb, verb)
			}
			if err := opts.Selection.Parse(cmd); err != nil {
				return err
			}
			if len(opts.Tags) == 0 && opts.Selection.Kind() != selection.ByPlan {
				return cmdutil.FlagErrorf("no tag given: name the tags to %s, e.g. redashctl tag %s keep --ids 12", verb, verb)
			}
			if a := plan.Action(opts.PlanAction); !a.Valid() {
				return cmdutil.FlagErrorf("invalid --plan-action %q: use archive, tag, untag or keep", opts.PlanAction)
			}
			if cmd.Flags().Changed("plan-action") && opts.Selection.Kind() != selection.ByPlan {
				return cmdutil.FlagErrorf("--plan-action goes with --plan")
			}
			if err := selection.CheckConfirm(opts.IO, opts.Yes, opts.DryRun, verb+" tags"); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return tagRun(cmd.Context(), opts)
		},
	}
	opts.Selection.AddFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.PlanAction, "plan-action", string(defAction), "With --plan: act on the items with this action (archive, tag, untag or keep)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "Show each query's tags before and after and change nothing")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "Do not ask for confirmation")
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func tagRun(ctx context.Context, opts *TagOptions) error {
	format, err := output.Parse(opts.Output)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	sel := &opts.Selection
	if err := sel.Load(opts.IO.In); err != nil {
		return err
	}
	client, err := opts.Redash()
	if err != nil {
		return err
	}
	version, err := client.Version(ctx)
	if err != nil {
		return err
	}
	if !version.HasTags() {
		return fmt.Errorf("tags need Redash 5 or later: Redash %s has no tags", version)
	}
	p := sel.Plan()
	if p != nil {
		if err := selection.CheckPlanSource(p, sel.PlanFile, selection.SourceOf(client, version)); err != nil {
			return err
		}
	}
	res, err := sel.Resolve(ctx, client, version, opts.Now().UTC(), plan.Action(opts.PlanAction))
	if err != nil {
		return err
	}
	items := make([]*bulk.TagItem, 0, len(res.IDs))
	for _, id := range res.IDs {
		add, remove := opts.Tags, []string(nil)
		if len(opts.Tags) == 0 && p != nil {
			if it := p.Item(id); it != nil {
				add = it.Tags
			}
		}
		if opts.Remove {
			add, remove = nil, add
		}
		q, ok := res.Listed[id]
		if !ok {
			items = append(items, &bulk.TagItem{
				QueryID: id, Add: add, Remove: remove, Status: bulk.TagNotFound,
				Error: "not in the query lists: unknown, archived, or on a data source outside the key's groups",
			})
			continue
		}
		items = append(items, bulk.NewTagItem(q, add, remove))
	}
	if len(items) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no queries match: nothing to change")
		if format == output.JSON || format == output.YAML {
			return writeItems(opts.IO, format, items, opts.DryRun)
		}
		return nil
	}
	pending := countTags(items, bulk.TagPending)
	w := opts.IO.Out
	if format.Machine() {
		w = opts.IO.ErrOut
	}
	if opts.DryRun {
		if err := writeItems(opts.IO, format, items, true); err != nil {
			return err
		}
		fmt.Fprintf(w, "Would update %s of %s queries%s; nothing was changed\n", selection.Thousands(pending), selection.Thousands(len(items)), tail(items))
		return nil
	}
	if pending > 0 && !opts.Yes {
		verb := "Add tags to"
		if opts.Remove {
			verb = "Remove tags from"
		}
		ok, err := selection.Confirm(opts.IO, fmt.Sprintf("%s %s queries on %s?", verb, selection.Thousands(pending), client.BaseURL()))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("cancelled: nothing was changed")
		}
	}
	bar := progress.NewWithTotal(opts.IO, "Tagging", int64(pending))
	t := &bulk.Tagger{Client: client, OnItem: func(*bulk.TagItem) { bar.Add(1) }}
	if err := t.Apply(ctx, items); err != nil {
		bar.Abort()
		fmt.Fprintf(opts.IO.ErrOut, "Updated %s queries before the interruption; run the same command again to finish (queries already as asked are skipped)\n",
			selection.Thousands(countTags(items, bulk.TagUpdated)))
		return err
	}
	bar.Done()
	if err := writeItems(opts.IO, format, items, false); err != nil {
		return err
	}
	updated, failed := countTags(items, bulk.TagUpdated), countTags(items, bulk.TagFailed)
	if updated+failed == 0 {
		fmt.Fprintf(w, "Nothing to change%s\n", tail(items))
		return nil
	}
	line := fmt.Sprintf("Updated %s of %s queries", selection.Thousands(updated), selection.Thousands(updated+failed))
	if failed > 0 {
		var ids []string
		for _, it := range items {
			if it.Status == bulk.TagFailed {
				ids = append(ids, strconv.Itoa(it.QueryID))
			}
		}
		line += fmt.Sprintf("; %s failed: %s", selection.Thousands(failed), strings.Join(ids, ", "))
	}
	fmt.Fprintln(w, line+tail(items))
	if failed > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitPartial}
	}
	return nil
}

// tail counts the queries left alone: "(3 already as asked, 1 not found)".
func tail(items []*bulk.TagItem) string {
	var parts []string
	if n := countTags(items, bulk.TagUnchanged); n > 0 {
		parts = append(parts, selection.Thousands(n)+" already as asked")
	}
	if n := countTags(items, bulk.TagNotFound); n > 0 {
		parts = append(parts, selection.Thousands(n)+" not found")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func countTags(items []*bulk.TagItem, s bulk.TagStatus) int {
	n := 0
	for _, it := range items {
		if it.Status == s {
			n++
		}
	}
	return n
}

// Record is one query of `tag add|remove -o json|csv|yaml`. Its fields are a
// contract (docs/output.md): they may be added to, never renamed or removed.
type Record struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	// TagsBefore and TagsAfter are the whole tag lists.
	TagsBefore []string `json:"tags_before"`
	TagsAfter  []string `json:"tags_after"`
	// Status is would-update (dry run), updated, unchanged, not-found or
	// failed.
	Status string `json:"status"`
	Error  string `json:"error"`
}

func writeItems(ios *iostreams.IOStreams, format output.Format, items []*bulk.TagItem, dryRun bool) error {
	records := make([]Record, len(items))
	for i, it := range items {
		r := Record{ID: it.QueryID, Name: it.Name, TagsBefore: it.Before, TagsAfter: it.After, Status: string(it.Status), Error: it.Error}
		if r.TagsBefore == nil {
			r.TagsBefore = []string{}
		}
		if r.TagsAfter == nil {
			r.TagsAfter = slices.Clone(r.TagsBefore)
		}
		if it.Status == bulk.TagPending {
			r.Status = "would-update"
			if !dryRun {
				r.Status = "not-done"
			}
		}
		records[i] = r
	}
	switch format {
	case output.JSON:
		return output.WriteJSON(ios.Out, records)
	case output.YAML:
		return output.WriteYAML(ios.Out, records)
	case output.CSV:
		rows := make([][]string, len(records))
		for i, r := range records {
			rows[i] = []string{strconv.Itoa(r.ID), r.Name, strings.Join(r.TagsBefore, ";"), strings.Join(r.TagsAfter, ";"), r.Status, r.Error}
		}
		return output.WriteCSV(ios.Out, []string{"id", "name", "tags_before", "tags_after", "status", "error"}, rows)
	}
	rows := make([][]string, 0, len(records))
	for _, r := range records {
		status := r.Status
		if r.Error != "" {
			status += ": " + r.Error
		}
		rows = append(rows, []string{strconv.Itoa(r.ID), r.Name, strings.Join(r.TagsBefore, ","), strings.Join(r.TagsAfter, ","), status})
	}
	opts := output.TableOptions{}
	if ios.IsStdoutTTY() {
		opts.Width = ios.TerminalWidth()
	}
	if err := output.WriteTable(ios.Out, []string{"ID", "NAME", "BEFORE", "AFTER", "STATUS"}, rows, opts); err != nil {
		return err
	}
	_, err := fmt.Fprintln(ios.Out)
	return err
}
