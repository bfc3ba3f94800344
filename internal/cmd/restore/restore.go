// Package restore implements `redashctl restore`: put archived queries back
// from the backups `redashctl archive` wrote.
package restore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/internal/output"
	"github.com/redashctl/redashctl/internal/progress"
	"github.com/redashctl/redashctl/internal/selection"
	"github.com/redashctl/redashctl/pkg/bulk"
	"github.com/redashctl/redashctl/pkg/redash"
)

// RestoreOptions are the flags, arguments and dependencies of `restore`.
type RestoreOptions struct {
	IO     *iostreams.IOStreams
	Redash func() (*redash.Client, error)
	Now    func() time.Time

	BackupDir string
	IDs       []int
	DryRun    bool
	Yes       bool
	Output    string
}

// NewCmdRestore builds `restore`.
func NewCmdRestore(f *cmdutil.Factory, runF func(*RestoreOptions) error) *cobra.Command {
	opts := &RestoreOptions{IO: f.IOStreams, Redash: f.Redash, Now: f.Now}
	var rawIDs []string
	cmd := &cobra.Command{
		Use:   "restore --backup <dir> [--ids <list>] [--dry-run] [--yes]",
		Short: "Put archived queries back from the backups of 'redashctl archive'",
		Long: cmdutil.LongHelp(`Restore queries archived by 'redashctl archive' from its backup directory
(all of them, or those given with --ids). A folder left by an interrupted
run works too: what was backed up is restored.

For each query: if it is archived, one update un-archives it and puts back
its schedule (in the shape the server's Redash version expects) and its
tags; each dashboard widget that showed it is re-created on its dashboard
with its old position, size, text and options; each alert is re-created
(new alerts are owned by you and start in the "unknown" state); and the
subscriptions the API lets you create are added again: destinations (Slack,
webhooks, …) and your own e-mail subscription. Other users' e-mail
subscriptions cannot be created with your key: they are listed, with
anything else that cannot be restored (a dashboard deleted since the
backup, a visualization that no longer exists).

Widgets and alerts get new ids: the old → new mapping is printed. Restoring
is idempotent: an object that is already there (a widget of the same
visualization at the same position, an alert with the same name and
options, a subscription to the same destination) is left alone, so a second
run changes nothing.

Without a terminal, --yes is required; on a terminal you are asked first.
The json and yaml output is a documented contract: see docs/output.md.`,
			"  3    some objects could not be restored because of errors (listed)"),
		Example: `  # See what restoring a whole archive run would do
  redashctl restore --backup ./redashctl-archive-20261101-120000 --dry-run

  # Restore two queries of it
  redashctl restore --backup ./redashctl-archive-20261101-120000 --ids 101,102

  # Restore everything from a script, the mapping as JSON
  redashctl restore --backup ./backups/2026-11 --yes -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := output.Parse(opts.Output, output.Table, output.JSON, output.YAML); err != nil {
				return cmdutil.FlagErrorWrap(err)
			}
			if strings.TrimSpace(opts.BackupDir) == "" {
				return cmdutil.FlagErrorf("--backup is required: the folder 'redashctl archive' wrote its backups to")
			}
			if st, err := os.Stat(opts.BackupDir); err != nil || !st.IsDir() {
				return cmdutil.FlagErrorf("--backup %s: no such folder; give the folder 'redashctl archive' wrote its backups to", opts.BackupDir)
			}
			if len(rawIDs) > 0 {
				ids, err := selection.ParseIDs(rawIDs, "--ids")
				if err != nil {
					return err
				}
				opts.IDs = ids
			}
			if err := selection.CheckConfirm(opts.IO, opts.Yes, opts.DryRun, "restore queries"); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return restoreRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.BackupDir, "backup", "", "Backup `folder` written by 'redashctl archive'")
	fl.StringSliceVar(&rawIDs, "ids", nil, "Restore only these query `ids` (comma-separated or repeated)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "Show what would be restored and change nothing")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "Do not ask for confirmation")
	cmdutil.AddOutputFlag(cmd, &opts.Output, output.Table, output.JSON, output.YAML)
	return cmd
}

func restoreRun(ctx context.Context, opts *RestoreOptions) error {
	format, err := output.Parse(opts.Output, output.Table, output.JSON, output.YAML)
	if err != nil {
		return cmdutil.FlagErrorWrap(err)
	}
	files, err := bulk.ReadBackupDir(opts.BackupDir, opts.IDs)
	if err != nil {
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
	here := selection.SourceOf(client, version)
	var backups []*bulk.Backup
	var paths []string
	unreadable := 0
	for _, f := range files {
		if f.Err != nil {
			unreadable++
			fmt.Fprintf(opts.IO.ErrOut, "cannot restore query %d: %v\n", f.QueryID, f.Err)
			continue
		}
		if !f.Backup.Source.SameInstance(here) {
			return fmt.Errorf("backup %s was taken from %s, not %s: refusing to restore it to another instance", f.Path, f.Backup.Source.URL, here.URL)
		}
		backups = append(backups, f.Backup)
		paths = append(paths, f.Path)
	}
	if len(backups) == 0 {
		if unreadable > 0 {
			return errors.New("nothing to restore: no backup could be read")
		}
		fmt.Fprintf(opts.IO.ErrOut, "no backups in %s: nothing to restore\n", opts.BackupDir)
		return nil
	}
	r := bulk.NewRestorer(bulk.RestoreOptions{Client: client, Version: version, Session: session})
	items, err := r.Plan(ctx, backups, paths)
	if err != nil {
		return err
	}
	n := changes(items)
	if opts.DryRun {
		if err := write(opts.IO, format, items, true); err != nil {
			return err
		}
		fmt.Fprintf(summaryWriter(opts.IO, format), "Would restore %s: %s; nothing was changed\n", plural(len(items), "query", "queries"), describeChanges(items, true))
		return nil
	}
	if n > 0 && !opts.Yes {
		ok, err := selection.Confirm(opts.IO, fmt.Sprintf("Restore %s on %s (%s)?", plural(len(items), "query", "queries"), client.BaseURL(), describeChanges(items, true)))
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("restore cancelled: nothing was changed")
		}
	}
	bar := progress.NewWithTotal(opts.IO, "Restoring", int64(len(items)))
	r = bulk.NewRestorer(bulk.RestoreOptions{Client: client, Version: version, Session: session, OnItem: func(*bulk.RestoreItem) { bar.Add(1) }})
	if err := r.Apply(ctx, items); err != nil {
		bar.Abort()
		fmt.Fprintln(opts.IO.ErrOut, "Interrupted: run the same command again to restore the rest (what is already back is left alone)")
		return err
	}
	bar.Done()
	if err := write(opts.IO, format, items, false); err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(summaryWriter(opts.IO, format), "Nothing to restore: %s\n", describeChanges(items, false))
	} else {
		fmt.Fprintf(summaryWriter(opts.IO, format), "Restored %s: %s\n", plural(len(items), "query", "queries"), describeChanges(items, false))
	}
	if failures(items) > 0 || unreadable > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitPartial}
	}
	return nil
}

func summaryWriter(ios *iostreams.IOStreams, f output.Format) io.Writer {
	if f.Machine() {
		return ios.ErrOut
	}
	return ios.Out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return selection.Thousands(n) + " " + many
}

// changes counts what a restore creates or updates.
func changes(items []*bulk.RestoreItem) int {
	n := 0
	for _, it := range items {
		if it.Unarchive {
			n++
		}
		for _, w := range it.Widgets {
			if w.Action == bulk.ActionCreate {
				n++
			}
		}
		for _, a := range it.Alerts {
			if a.Action == bulk.ActionCreate {
				n++
			}
			for _, s := range a.Subscriptions {
				if s.Action == bulk.ActionCreate {
					n++
				}
			}
		}
	}
	return n
}

func failures(items []*bulk.RestoreItem) int {
	n := 0
	for _, it := range items {
		if it.QueryError != "" {
			n++
		}
		for _, w := range it.Widgets {
			if w.Action == bulk.ActionFailed {
				n++
			}
		}
		for _, a := range it.Alerts {
			if a.Action == bulk.ActionFailed {
				n++
			}
			for _, s := range a.Subscriptions {
				if s.Action == bulk.ActionFailed {
					n++
				}
			}
		}
	}
	return n
}

// describeChanges summarises a restore: "3 un-archived, 5 widgets, 2 alerts,
// 1 subscription re-created; 1 cannot be restored".
func describeChanges(items []*bulk.RestoreItem, dryRun bool) string {
	var unarch, widgets, alerts, subs, present, cannot, failed int
	for _, it := range items {
		if it.QueryError != "" {
			failed++
			continue
		}
		if it.Unarchive {
			unarch++
		}
		for _, w := range it.Widgets {
			switch w.Action {
			case bulk.ActionCreate:
				widgets++
			case bulk.ActionPresent:
				present++
			case bulk.ActionCannot:
				cannot++
			case bulk.ActionFailed:
				failed++
			}
		}
		for _, a := range it.Alerts {
			switch a.Action {
			case bulk.ActionCreate:
				alerts++
			case bulk.ActionPresent:
				present++
			case bulk.ActionFailed:
				failed++
			}
			for _, s := range a.Subscriptions {
				switch s.Action {
				case bulk.ActionCreate:
					subs++
				case bulk.ActionPresent:
					present++
				case bulk.ActionCannot:
					cannot++
				case bulk.ActionFailed:
					failed++
				}
			}
		}
	}
	verb, unverb := "re-created", "un-archived"
	if dryRun {
		verb, unverb = "to re-create", "to un-archive"
	}
	var parts []string
	if unarch > 0 {
		parts = append(parts, fmt.Sprintf("%s %s", selection.Thousands(unarch), unverb))
	}
	var made []string
	for _, c := range []struct {
		n         int
		one, many string
	}{{widgets, "widget", "widgets"}, {alerts, "alert", "alerts"}, {subs, "subscription", "subscriptions"}} {
		if c.n > 0 {
			made = append(made, plural(c.n, c.one, c.many))
		}
	}
	if len(made) > 0 {
		parts = append(parts, strings.Join(made, ", ")+" "+verb)
	}
	if present > 0 {
		parts = append(parts, fmt.Sprintf("%s already there", selection.Thousands(present)))
	}
	if cannot > 0 {
		parts = append(parts, fmt.Sprintf("%s cannot be restored", selection.Thousands(cannot)))
	}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%s failed", selection.Thousands(failed)))
	}
	if len(parts) == 0 {
		return "nothing to do"
	}
	return strings.Join(parts, "; ")
}
