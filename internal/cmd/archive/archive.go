// Package archive implements `redashctl archive`: archive saved queries in
// bulk, backing each one up before its DELETE and journalling every step so
// that an interrupted run resumes.
package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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

// DirPrefix starts the name of a default backup directory.
const DirPrefix = "redashctl-archive-"

// FailedIDsName is the file, in the backup directory, that lists the ids of
// the queries that failed; --ids-file accepts it.
const FailedIDsName = "failed-ids.txt"

// ArchiveOptions are the flags, arguments and dependencies of `archive`.
type ArchiveOptions struct {
	IO     *iostreams.IOStreams
	Redash func() (*redash.Client, error)
	Now    func() time.Time

	Selection  selection.Selection
	BackupDir  string
	DryRun     bool
	Yes        bool
	Force      bool
	KeepTag    string
	PlanMaxAge time.Duration
	Output     string
}

// NewCmdArchive builds `archive`.
func NewCmdArchive(f *cmdutil.Factory, runF func(*ArchiveOptions) error) *cobra.Command {
	opts := &ArchiveOptions{IO: f.IOStreams, Redash: f.Redash, Now: f.Now}
	var planMaxAge string
	cmd := &cobra.Command{
		Use:   "archive {--ids <list> | --ids-file <file> | --plan <file> | <filters>} [--backup-dir <dir>] [--dry-run] [--yes]",
		Short: "Archive saved queries in bulk, with backups and a resumable journal",
		Long: cmdutil.LongHelp(`Archive saved queries: DELETE /api/queries/<id>, which in every Redash
version also clears the query's schedule, deletes every dashboard widget
showing it and deletes its alerts with their subscriptions. None of that can
be undone through the API, so before each DELETE redashctl writes a backup
of the query (its schedule and tags, its widgets with their positions, its
alerts and subscriptions) to --backup-dir; 'redashctl restore' puts a query
back from it.

Select queries with --ids, --ids-file (one id a line, - for standard input),
--plan (an audit plan: its items whose action is archive) or the filters of
'redashctl query list'.

Before anything changes, each query is checked: the API key must own it or
be an admin's; queries tagged with --keep-tag are refused unless --force; a
plan made against another instance is refused, and a plan older than
--plan-max-age is re-checked query by query against its snapshot (queries
that changed since are skipped). Unknown and already archived ids are
reported and skipped.

Every step is appended to a journal (journal.jsonl in the backup directory,
fsynced). After Ctrl-C, a crash or kill -9, run the same command again: it
finds the unfinished run in the current directory (or the --backup-dir you
gave), skips what is done, checks the queries whose DELETE may or may not
have reached Redash, and carries on. No query is archived twice.

From Redash 7 on, the result is verified against the list of archived
queries. Queries run a few at a time (--concurrency) under the shared rate
limit (--rate), with a progress bar on a terminal. At the end, the ids that
failed are written to failed-ids.txt in the backup directory; pass it to
--ids-file to retry them.

Without a terminal, --yes is required; on a terminal you are asked first.
The json, csv and yaml output is a documented contract: see docs/output.md.`,
			"  3    some queries failed or were refused (the others were archived)"),
		Example: `  # See what archiving an audit plan would do
  redashctl archive --plan plan.json --dry-run

  # Archive it (asks for confirmation on a terminal)
  redashctl archive --plan plan.json

  # Archive two queries from a script, backups in a chosen folder
  redashctl archive --ids 101,102 --backup-dir ./backups/2026-11 --yes

  # Retry the queries that failed in that run
  redashctl archive --ids-file ./backups/2026-11/failed-ids.txt --yes

  # Archive drafts not run for a year, owned by ann
  redashctl archive --drafts only --not-run-since 365d --owner ann@example.com`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := output.Parse(opts.Output); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if err := opts.Selection.Parse(cmd); err != nil {
				return err
			}
			d, err := cmdutil.ParseDuration(planMaxAge)
			if err != nil {
				return cmdutil.FlagErrorf("--plan-max-age: %s", err)
			}
			opts.PlanMaxAge = d
			if strings.TrimSpace(opts.KeepTag) == "" && cmd.Flags().Changed("keep-tag") {
				return cmdutil.FlagErrorf("--keep-tag must not be empty")
			}
			if err := selection.CheckConfirm(opts.IO, opts.Yes, opts.DryRun, "archive queries"); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return archiveRun(cmd.Context(), opts)
		},
	}
	opts.Selection.AddFlags(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.BackupDir, "backup-dir", "", "Folder for backups and the journal (default ./"+DirPrefix+"<time>, or the unfinished run of the same selection)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "Show what would be archived and change nothing")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "Do not ask for confirmation")
	fl.BoolVar(&opts.Force, "force", false, "Archive queries carrying the keep tag too")
	fl.StringVar(&opts.KeepTag, "keep-tag", "keep", "Queries with this tag are refused unless --force")
	fl.StringVar(&planMaxAge, "plan-max-age", "7d", "A plan older than this is re-checked against its snapshots")
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// run is one archive run: what was selected and where it is recorded.
type run struct {
	opts    *ArchiveOptions
	client  *redash.Client
	version redash.Version
	source  bulk.Source
	key     string
	dir     string
	resumed *resumable
	format  output.Format
}

type resumable struct {
	dir     string
	header  bulk.JournalHeader
	entries []bulk.Entry
}

func archiveRun(ctx context.Context, opts *ArchiveOptions) error {
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
	session, err := client.Session(ctx)
	if err != nil {
		return err
	}
	now := opts.Now().UTC()
	r := &run{opts: opts, client: client, version: version, source: selection.SourceOf(client, version), format: format}
	r.key = runKey(r.source, sel.Key())

	checkDrift := false
	p := sel.Plan()
	if p != nil {
		if err := selection.CheckPlanSource(p, sel.PlanFile, r.source); err != nil {
			return err
		}
		if age := selection.PlanAge(p, now); age > opts.PlanMaxAge {
			checkDrift = true
			fmt.Fprintf(opts.IO.ErrOut, "warning: %s was made %s ago (more than --plan-max-age %s): it may be out of date; each query is re-checked against its snapshot and skipped if it changed\n",
				sel.PlanFile, selection.Days(age), selection.Days(opts.PlanMaxAge))
		}
	}
	if err := r.findRun(now); err != nil {
		return err
	}

	// The targets: those of the run being resumed, or the selection now.
	var ids []int
	var listed map[int]redash.Query
	if r.resumed != nil {
		ids = r.resumed.header.Targets
		listed, err = selection.ListIDs(ctx, client, ids)
	} else {
		var res *selection.Resolved
		res, err = sel.Resolve(ctx, client, version, now, plan.Archive)
		if res != nil {
			ids, listed = res.IDs, res.Listed
		}
	}
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "no queries match: nothing to archive")
		if format.Machine() && format != output.CSV {
			return writeItems(opts.IO, format, nil, opts.DryRun)
		}
		return nil
	}
	targets := make([]bulk.Target, len(ids))
	for i, id := range ids {
		targets[i] = bulk.Target{ID: id}
		if q, ok := listed[id]; ok {
			targets[i].Listed = &q
		}
		if p != nil {
			if it := p.Item(id); it != nil {
				b := it.Before
				targets[i].Before = &b
			}
		}
	}
	var entries []bulk.Entry
	if r.resumed != nil {
		entries = r.resumed.entries
	}
	arch := bulk.NewArchiver(bulk.ArchiveOptions{
		Client: client, Version: version, Session: session, Dir: r.dir, Entries: entries, Source: r.source,
		KeepTag: opts.KeepTag, Force: opts.Force, CheckDrift: checkDrift, Probe: !opts.DryRun, Now: opts.Now,
	})
	items, err := arch.Prepare(ctx, targets)
	if err != nil {
		return err
	}
	pending := count(items, bulk.StatusPending)
	if opts.DryRun {
		return r.dryRun(items, pending)
	}
	if r.resumed != nil {
		done := count(items, bulk.StatusArchived)
		fmt.Fprintf(opts.IO.ErrOut, "Resuming the run of %s started %s in %s: %s of %s queries archived so far\n",
			r.resumed.header.Selection, r.resumed.header.CreatedAt.Format(time.RFC3339), r.dir, selection.Thousands(done), selection.Thousands(len(items)))
	}
	reportPreflight(opts.IO, items)
	if pending > 0 && !opts.Yes {
		ok, err := selection.Confirm(opts.IO, fmt.Sprintf("Archive %s queries on %s (backups in %s)?", selection.Thousands(pending), client.BaseURL(), r.dir))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("archive cancelled: nothing was changed")
		}
	}
	j, err := r.openJournal(now, ids)
	if err != nil {
		return err
	}
	defer func() { _ = j.Close() }() // every line is already fsynced

	bar := progress.NewWithTotal(opts.IO, "Archiving", int64(pending))
	arch.Attach(j, func(*bulk.Item) { bar.Add(1) })
	runErr := arch.Run(ctx, items)
	if runErr != nil {
		bar.Abort()
	} else {
		bar.Done()
	}
	return r.finish(ctx, j, items, runErr)
}

// runKey identifies a run: the instance and the selection.
func runKey(src bulk.Source, selKey string) string {
	sum := sha256.Sum256([]byte(bulk.NormalizeURL(src.URL) + "\n" + strings.ToLower(src.Org) + "\n" + selKey))
	return hex.EncodeToString(sum[:])
}

// findRun picks the backup directory: the one given (resuming its journal
// when it belongs to the same run, refusing it when it belongs to another),
// or the newest unfinished run of the same selection in the current
// directory, or a new timestamped folder.
func (r *run) findRun(now time.Time) error {
	if dir := r.opts.BackupDir; dir != "" {
		r.dir = dir
		jpath := filepath.Join(dir, bulk.JournalName)
		if _, err := os.Stat(jpath); err != nil {
			return nil // no journal: a new run (a folder that cannot be written fails when it is created)
		}
		h, entries, err := bulk.ReadJournal(jpath)
		if err != nil {
			return err
		}
		if h.RunKey != r.key {
			return fmt.Errorf("%s holds the journal of another run (%s, started %s): use another --backup-dir, or the selection of that run to resume it",
				dir, h.Selection, h.CreatedAt.Format(time.RFC3339))
		}
		r.resumed = &resumable{dir: dir, header: h, entries: entries}
		return nil
	}
	dirs, _ := filepath.Glob(DirPrefix + "*")
	var best *resumable
	for _, d := range dirs {
		h, entries, err := bulk.ReadJournal(filepath.Join(d, bulk.JournalName))
		if err != nil || h.RunKey != r.key || finished(entries) {
			continue
		}
		if best == nil || h.CreatedAt.After(best.header.CreatedAt) {
			best = &resumable{dir: d, header: h, entries: entries}
		}
	}
	if best != nil {
		r.dir, r.resumed = best.dir, best
		return nil
	}
	base := DirPrefix + now.UTC().Format("20060102-150405")
	r.dir = base
	for i := 2; ; i++ {
		if _, err := os.Stat(r.dir); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		r.dir = fmt.Sprintf("%s-%d", base, i)
	}
}

// finished reports whether a journal's last invocation completed the run.
func finished(entries []bulk.Entry) bool {
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Step == bulk.StepEnd {
			return entries[i].Reason == endComplete
		}
	}
	return false
}

const endComplete = "complete"

// openJournal opens the resumed run's journal, or creates the backup
// directory and a new journal: the first write, so a directory that cannot
// be written fails here, before anything changes.
func (r *run) openJournal(now time.Time, ids []int) (*bulk.Journal, error) {
	path := filepath.Join(r.dir, bulk.JournalName)
	if r.resumed != nil {
		j, _, err := bulk.OpenJournal(path)
		if err != nil {
			return nil, notWritable(r.dir, err)
		}
		return j, nil
	}
	if err := bulk.PrepareDir(r.dir); err != nil {
		return nil, notWritable(r.dir, err)
	}
	j, err := bulk.CreateJournal(path, bulk.JournalHeader{
		Kind: "archive", CreatedAt: now, RunKey: r.key, Selection: r.opts.Selection.Describe(), Source: r.source, Targets: ids,
	})
	if err != nil {
		return nil, notWritable(r.dir, err)
	}
	return j, nil
}

func notWritable(dir string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("backup directory %s is not writable: %w; nothing was archived", dir, err)
}

func count(items []*bulk.Item, s bulk.Status) int {
	n := 0
	for _, it := range items {
		if it.Status == s {
			n++
		}
	}
	return n
}

// reportPreflight warns about queries the pre-flight refused or skipped.
func reportPreflight(ios *iostreams.IOStreams, items []*bulk.Item) {
	for _, it := range items {
		switch it.Status {
		case bulk.StatusRefused, bulk.StatusChanged:
			fmt.Fprintf(ios.ErrOut, "%s: query %d (%s) %s\n", it.Status, it.QueryID, it.Name, it.Reason)
		}
	}
}

func (r *run) dryRun(items []*bulk.Item, pending int) error {
	ios := r.opts.IO
	if err := writeItems(ios, r.format, items, true); err != nil {
		return err
	}
	w := ios.Out
	if r.format.Machine() {
		w = ios.ErrOut
	}
	where := "backups would go to " + r.dir
	if r.resumed != nil {
		where = "would resume the unfinished run in " + r.dir
	}
	refused := ""
	if n := count(items, bulk.StatusRefused); n > 0 {
		refused = fmt.Sprintf("; %s refused", selection.Thousands(n))
	}
	fmt.Fprintf(w, "Would archive %s of %s queries%s (%s); nothing was changed\n", selection.Thousands(pending), selection.Thousands(len(items)), refused, where)
	if s := skippedSummary(items); s != "" {
		fmt.Fprintln(w, s)
	}
	return nil
}

// finish records the end of this invocation, writes the failed ids, prints
// the results and the summary, and picks the exit status.
func (r *run) finish(ctx context.Context, j *bulk.Journal, items []*bulk.Item, runErr error) error {
	ios := r.opts.IO
	archived := count(items, bulk.StatusArchived)
	failed := collect(items, bulk.StatusFailed)
	refused := collect(items, bulk.StatusRefused)
	notDone := collect(items, bulk.StatusPending)
	total := archived + len(failed) + len(refused) + len(notDone)

	reason := endComplete
	if runErr != nil || len(failed)+len(refused)+len(notDone) > 0 {
		reason = fmt.Sprintf("archived %d of %d; %d failed, %d refused, %d not done", archived, total, len(failed), len(refused), len(notDone))
	}
	endErr := j.Append(bulk.Entry{Time: r.opts.Now().UTC(), Step: bulk.StepEnd, Reason: reason})

	failedFile := filepath.Join(r.dir, FailedIDsName)
	if len(failed) > 0 {
		var b strings.Builder
		for _, id := range failed {
			fmt.Fprintln(&b, id)
		}
		if err := os.WriteFile(failedFile, []byte(b.String()), 0o600); err != nil {
			fmt.Fprintf(ios.ErrOut, "warning: could not write %s: %v\n", failedFile, err)
		}
	} else {
		_ = os.Remove(failedFile)
	}

	if runErr != nil && ctx.Err() != nil {
		fmt.Fprintf(ios.ErrOut, "Archived %s of %s queries before the interruption; run the same command again to resume (journal and backups in %s)\n",
			selection.Thousands(archived), selection.Thousands(total), r.dir)
		return runErr
	}
	if err := writeItems(ios, r.format, items, false); err != nil {
		return err
	}
	w := ios.Out
	if r.format.Machine() {
		w = ios.ErrOut
	}
	line := fmt.Sprintf("Archived %s of %s queries", selection.Thousands(archived), selection.Thousands(total))
	if len(failed) > 0 {
		line += fmt.Sprintf("; %s failed: %s", selection.Thousands(len(failed)), idList(failed))
	}
	if len(refused) > 0 {
		line += fmt.Sprintf("; %s refused: %s", selection.Thousands(len(refused)), idList(refused))
	}
	fmt.Fprintln(w, line)
	if s := skippedSummary(items); s != "" {
		fmt.Fprintln(w, s)
	}
	fmt.Fprintf(w, "Backups and journal: %s\n", r.dir)
	if len(failed) > 0 {
		fmt.Fprintf(w, "Failed ids: %s (retry with --ids-file %s)\n", failedFile, failedFile)
	}
	if runErr != nil {
		return runErr
	}
	if endErr != nil {
		return endErr
	}
	if len(failed)+len(refused) > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitPartial}
	}
	return nil
}

func collect(items []*bulk.Item, s bulk.Status) []int {
	var out []int
	for _, it := range items {
		if it.Status == s {
			out = append(out, it.QueryID)
		}
	}
	slices.Sort(out)
	return out
}

func idList(ids []int) string {
	const most = 10
	parts := make([]string, 0, most+1)
	for i, id := range ids {
		if i == most {
			parts = append(parts, fmt.Sprintf("… (%d more)", len(ids)-most))
			break
		}
		parts = append(parts, fmt.Sprint(id))
	}
	return strings.Join(parts, ", ")
}

// skippedSummary counts the skipped queries by reason, or "".
func skippedSummary(items []*bulk.Item) string {
	var parts []string
	n := 0
	for _, s := range []bulk.Status{bulk.StatusAlreadyArchived, bulk.StatusNotFound, bulk.StatusUnlisted, bulk.StatusChanged} {
		if c := count(items, s); c > 0 {
			n += c
			label := map[bulk.Status]string{
				bulk.StatusAlreadyArchived: "already archived", bulk.StatusNotFound: "not found",
				bulk.StatusUnlisted: "not in the lists (checked when the run starts)", bulk.StatusChanged: "changed since the plan",
			}[s]
			parts = append(parts, fmt.Sprintf("%s %s", selection.Thousands(c), label))
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("Skipped %s: %s", selection.Thousands(n), strings.Join(parts, ", "))
}
