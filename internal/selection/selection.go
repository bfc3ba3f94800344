// Package selection picks the saved queries a command works on: the
// filters of `query list`, and for the bulk commands (tag, archive) an
// explicit list of ids (--ids, --ids-file) or a reviewed plan (--plan). It
// also holds the confirmation rule of the commands that change Redash.
package selection

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/redashctl/redashctl/internal/cmdutil"
	"github.com/redashctl/redashctl/internal/iostreams"
	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/redash"
)

// Kind is how queries were selected.
type Kind int

// The kinds of selection.
const (
	ByIDs Kind = iota + 1
	ByPlan
	ByFilter
)

// Selection is the selection flags of a bulk command: --ids, --ids-file,
// --plan, or the `query list` filters (with --limit).
type Selection struct {
	IDs      []int
	IDsFile  string
	PlanFile string
	Filter   Filter
	Limit    int

	rawIDs    []string
	kind      Kind
	plan      *plan.Plan
	planHash  string
	filterSet []string
}

// AddFlags registers the selection flags on cmd.
func (s *Selection) AddFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&s.rawIDs, "ids", nil, "Query `ids`, comma-separated or repeated")
	fl.StringVar(&s.IDsFile, "ids-file", "", "`File` of query ids, one a line (- for standard input)")
	fl.StringVar(&s.PlanFile, "plan", "", "Plan `file` made by 'redashctl audit --out': its items to act on")
	s.Filter.AddFlags(cmd, false)
	fl.IntVar(&s.Limit, "limit", 0, "With filters: stop after this many queries (0: all)")
}

// Parse checks the selection flags after cobra parsed them: exactly one way
// of selecting, valid ids and filter values. Errors are usage errors.
func (s *Selection) Parse(cmd *cobra.Command) error {
	var given []string
	if len(s.rawIDs) > 0 || cmd.Flags().Changed("ids") {
		given = append(given, "--ids")
		s.kind = ByIDs
	}
	if s.IDsFile != "" {
		given = append(given, "--ids-file")
		s.kind = ByIDs
	}
	if s.PlanFile != "" {
		given = append(given, "--plan")
		s.kind = ByPlan
	}
	s.filterSet = changedFilterFlags(cmd)
	if len(s.filterSet) > 0 {
		given = append(given, "--"+s.filterSet[0])
		s.kind = ByFilter
	}
	switch {
	case len(given) == 0:
		return cmdutil.FlagErrorf("no queries selected: use --ids, --ids-file, --plan or query filters such as --tag or --not-run-since")
	case len(given) > 1:
		return cmdutil.FlagErrorf("use one way of selecting queries: --ids, --ids-file, --plan or query filters; got %s", strings.Join(given, " and "))
	}
	if s.Limit < 0 {
		return cmdutil.FlagErrorf("--limit must not be negative, got %d", s.Limit)
	}
	if s.Limit > 0 && s.kind != ByFilter {
		return cmdutil.FlagErrorf("--limit goes with query filters, not with %s", given[0])
	}
	if err := s.Filter.Parse(); err != nil {
		return err
	}
	if s.kind == ByIDs && s.IDsFile == "" {
		ids, err := parseIDList(s.rawIDs, "--ids")
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return cmdutil.FlagErrorf("--ids: no query ids given")
		}
		s.IDs = ids
	}
	return nil
}

// Kind returns how queries are selected (after Parse).
func (s *Selection) Kind() Kind { return s.kind }

func parseIDList(raw []string, flag string) ([]int, error) {
	var ids []int
	for _, r := range raw {
		for _, part := range strings.Split(r, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			id, err := strconv.Atoi(part)
			if err != nil || id <= 0 {
				return nil, cmdutil.FlagErrorf("invalid %s value %q: use query ids like 1,2,3", flag, part)
			}
			ids = append(ids, id)
		}
	}
	return sortedUnique(ids), nil
}

func sortedUnique(ids []int) []int {
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Load reads the ids file (stdin for "-") or the plan file. A file that
// cannot be read or parsed is an error naming the file and, for ids, the
// line.
func (s *Selection) Load(stdin io.Reader) error {
	switch {
	case s.IDsFile != "":
		ids, err := readIDsFile(s.IDsFile, stdin)
		if err != nil {
			return err
		}
		s.IDs = ids
	case s.PlanFile != "":
		data, err := os.ReadFile(s.PlanFile)
		if err != nil {
			return fmt.Errorf("read plan: %w", err)
		}
		p, err := plan.Read(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("read plan %s: %w", s.PlanFile, err)
		}
		sum := sha256.Sum256(data)
		s.plan, s.planHash = p, hex.EncodeToString(sum[:])
	}
	return nil
}

// Plan returns the plan read by Load, or nil.
func (s *Selection) Plan() *plan.Plan { return s.plan }

func readIDsFile(name string, stdin io.Reader) ([]int, error) {
	var r io.Reader
	label := name
	if name == "-" {
		r, label = stdin, "standard input"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("read ids file: %w", err)
		}
		defer f.Close()
		r = f
	}
	sc := bufio.NewScanner(r)
	var ids []int
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = strings.TrimSpace(text[:i])
		}
		if text == "" {
			continue
		}
		id, err := strconv.Atoi(text)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("ids file %s, line %d: %q is not a query id (one id a line; # starts a comment)", label, line, text)
		}
		ids = append(ids, id)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read ids file %s: %w", label, err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("ids file %s holds no query ids", label)
	}
	return sortedUnique(ids), nil
}

// Key identifies the selection for a journal: the same ids (whether from
// --ids or --ids-file), the same plan file content, or the same filters
// give the same key.
func (s *Selection) Key() string {
	switch s.kind {
	case ByIDs:
		var b strings.Builder
		b.WriteString("ids:")
		for i, id := range s.IDs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(id))
		}
		sum := sha256.Sum256([]byte(b.String()))
		return "ids:" + hex.EncodeToString(sum[:])
	case ByPlan:
		return "plan:" + s.planHash
	case ByFilter:
		k := "filter:" + s.Filter.canonical()
		if s.Limit > 0 {
			k += " --limit " + strconv.Itoa(s.Limit)
		}
		return k
	}
	return ""
}

// Describe says in a few words what was selected.
func (s *Selection) Describe() string {
	switch s.kind {
	case ByIDs:
		if s.IDsFile != "" {
			return fmt.Sprintf("--ids-file %s (%d ids)", s.IDsFile, len(s.IDs))
		}
		if len(s.IDs) <= 10 {
			parts := make([]string, len(s.IDs))
			for i, id := range s.IDs {
				parts[i] = strconv.Itoa(id)
			}
			return "--ids " + strings.Join(parts, ",")
		}
		return fmt.Sprintf("--ids (%d ids)", len(s.IDs))
	case ByPlan:
		return "--plan " + s.PlanFile
	case ByFilter:
		d := s.Filter.canonical()
		if s.Limit > 0 {
			d += " --limit " + strconv.Itoa(s.Limit)
		}
		return d
	}
	return ""
}

// Resolved is a selection matched against Redash's query list.
type Resolved struct {
	// IDs are the selected query ids, ascending.
	IDs []int
	// Listed are the selected queries that GET /api/queries listed (live,
	// visible queries), by id.
	Listed map[int]redash.Query
	// Plan is the plan given with --plan, nil otherwise.
	Plan *plan.Plan
}

// Missing returns the selected ids that the list did not show: unknown,
// archived, or invisible to the key (deleted or foreign data source).
func (r *Resolved) Missing() []int {
	var out []int
	for _, id := range r.IDs {
		if _, ok := r.Listed[id]; !ok {
			out = append(out, id)
		}
	}
	return out
}

// Resolve reads the live queries from the list endpoints (never one GET per
// query) and picks the selected ones. With a plan, only items whose action
// is one of actions are selected.
func (s *Selection) Resolve(ctx context.Context, client *redash.Client, v redash.Version, now time.Time, actions ...plan.Action) (*Resolved, error) {
	res := &Resolved{Listed: map[int]redash.Query{}, Plan: s.plan}
	var want map[int]bool
	lo := redash.QueryListOptions{}
	var m *Matcher
	switch s.kind {
	case ByIDs:
		res.IDs = slices.Clone(s.IDs)
	case ByPlan:
		for _, it := range s.plan.Items {
			if slices.Contains(actions, it.Action) {
				res.IDs = append(res.IDs, it.QueryID)
			}
		}
		res.IDs = sortedUnique(res.IDs)
	case ByFilter:
		var err error
		m, lo, err = s.Filter.Compile(ctx, client, v, now)
		if err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("no queries selected")
	}
	if s.kind != ByFilter {
		if len(res.IDs) == 0 {
			return res, nil
		}
		want = make(map[int]bool, len(res.IDs))
		for _, id := range res.IDs {
			want[id] = true
		}
	}
	// No progress bar while listing: progress.New's spinner has a data race
	// in the progressbar library (its ticker reads the bar's state without
	// the lock), and listing takes seconds at most.
	for q, err := range client.Queries.ListIter(ctx, lo) {
		if err != nil {
			return nil, fmt.Errorf("list queries: %w", err)
		}
		if want != nil {
			if want[q.ID] {
				res.Listed[q.ID] = q
			}
			continue
		}
		if !m.Match(&q) {
			continue
		}
		res.Listed[q.ID] = q
		res.IDs = append(res.IDs, q.ID)
		if s.Limit > 0 && len(res.IDs) >= s.Limit {
			break
		}
	}
	if s.kind == ByFilter {
		slices.Sort(res.IDs)
	}
	return res, nil
}

// CheckConfirm enforces the confirmation rule before a change: a dry run
// needs nothing, --yes confirms, and otherwise a prompt needs standard input
// and output to be terminals; without them --yes is required (a usage
// error).
func CheckConfirm(ios *iostreams.IOStreams, yes, dryRun bool, what string) error {
	if dryRun || yes || (ios.IsStdinTTY() && ios.IsStdoutTTY()) {
		return nil
	}
	return cmdutil.FlagErrorf("--yes is required to %s when not running in a terminal (or use --dry-run to see what would change)", what)
}

// Confirm asks question on the terminal and reads the answer: "y" or "yes"
// confirms, anything else (or end of input) declines.
func Confirm(ios *iostreams.IOStreams, question string) (bool, error) {
	fmt.Fprintf(ios.ErrOut, "%s [y/N] ", question)
	line, err := bufio.NewReader(ios.In).ReadString('\n')
	if err != nil && err != io.EOF {
		return false, fmt.Errorf("read answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
