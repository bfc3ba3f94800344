package plan

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the header WriteCSV writes. Import needs only the query_id
// and decision columns (in any order); url, when present, must point at the
// plan's instance. The other columns are for reviewers and are ignored.
var CSVHeader = []string{
	"query_id", "decision", "proposed_action", "name", "reasons", "details", "protected",
	"owner_email", "data_source_id", "schedule", "last_run_at", "updated_at", "dashboards", "alerts", "tags", "url",
}

// WriteCSV writes the plan as a review sheet: one row per item, with the
// decision column filled in with the current action for reviewers to change.
func (p *Plan) WriteCSV(w io.Writer) error {
	if err := p.Validate(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for i := range p.Items {
		if err := cw.Write(p.reviewRow(&p.Items[i])); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ReviewRows returns the rows of the review sheet under CSVHeader, the
// header left out: the cells WriteCSV writes, for a caller that puts them
// elsewhere (a Google Sheet). The plan is validated first.
func (p *Plan) ReviewRows() ([][]string, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows := make([][]string, len(p.Items))
	for i := range p.Items {
		rows[i] = p.reviewRow(&p.Items[i])
	}
	return rows, nil
}

// reviewRow is one item's row of the review sheet, in CSVHeader's order.
func (p *Plan) reviewRow(it *Item) []string {
	codes := make([]string, len(it.Reasons))
	details := make([]string, len(it.Reasons))
	for j, r := range it.Reasons {
		codes[j] = r.Code
		details[j] = r.Code + ": " + r.Detail
	}
	b := &it.Before
	return []string{
		strconv.Itoa(it.QueryID), string(it.Action), string(it.Proposed), it.Name,
		strings.Join(codes, ";"), strings.Join(details, "\n"), it.Protected,
		b.OwnerEmail, optInt(b.DataSourceID), scheduleCell(b.Schedule), optTime(b.LastRunAt), b.UpdatedAt.UTC().Format(time.RFC3339),
		joinInts(b.Dashboards), joinInts(b.Alerts), strings.Join(b.Tags, ";"), p.QueryURL(it.QueryID),
	}
}

// RowError is a problem with one row of a review file. Row counts like a
// spreadsheet: the header is row 1.
type RowError struct {
	Row     int
	QueryID int // 0 when unknown
	Msg     string
}

// Error returns the problem on one line, with its row and query.
func (e RowError) Error() string {
	if e.QueryID != 0 {
		return fmt.Sprintf("row %d (query %d): %s", e.Row, e.QueryID, e.Msg)
	}
	if e.Row > 0 {
		return fmt.Sprintf("row %d: %s", e.Row, e.Msg)
	}
	return e.Msg
}

// ImportError lists every problem found in a review file; nothing was
// imported.
type ImportError struct {
	Problems []RowError
}

// Error returns the first problem and how many there are.
func (e *ImportError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].Error()
	}
	return fmt.Sprintf("%d problems, the first: %s", len(e.Problems), e.Problems[0].Error())
}

// ImportOptions control Import.
type ImportOptions struct {
	// File names the review file, for the plan's review record.
	File string
	// Now is the import time.
	Now time.Time
	// Force allows archiving external consumers.
	Force bool
}

// ImportResult summarises an import.
type ImportResult struct {
	// Rows is how many decisions were read.
	Rows int
	// Changed is how many differ from the item's action before the import;
	// ToKeep and ToArchive split them by new decision.
	Changed, ToKeep, ToArchive int
}

// maxProblems bounds how many problems an import reports.
const maxProblems = 50

// Import reads reviewers' decisions from a CSV review file (as WriteCSV
// wrote it, edited in a spreadsheet) and returns a new plan with each item's
// action set to its decision. Every row is checked first: an unknown query,
// a query that appears twice, an unknown decision, a row of another
// instance, archiving a keep-tagged query (or an external consumer without
// Force), or a plan item with no row are errors (an *ImportError listing
// them), and then p is left as it was.
func Import(p *Plan, r io.Reader, opts ImportOptions) (*Plan, *ImportResult, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	return importRecords(p, func(row int) ([]string, error) {
		rec, err := cr.Read()
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, csvProblem(err, row)
		}
		return rec, err
	}, opts)
}

// ImportRows is Import for a review sheet read as rows of cells, the header
// row first, such as the values of a Google Sheet tab: the same checks, the
// same errors, rows counted the same way. Rows may be shorter than the
// header (missing cells are empty).
func ImportRows(p *Plan, rows [][]string, opts ImportOptions) (*Plan, *ImportResult, error) {
	return importRecords(p, func(row int) ([]string, error) {
		if row > len(rows) {
			return nil, io.EOF
		}
		return rows[row-1], nil
	}, opts)
}

// importRecords is Import over a source of records: next(row) returns the
// record of a row (1 is the header), io.EOF after the last one, or a
// RowError that ends the import.
func importRecords(p *Plan, next func(row int) ([]string, error), opts ImportOptions) (*Plan, *ImportResult, error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	header, err := next(1)
	if errors.Is(err, io.EOF) {
		return nil, nil, &ImportError{Problems: []RowError{{Msg: "the review sheet is empty: it needs a header row with query_id and decision"}}}
	}
	if err != nil {
		return nil, nil, &ImportError{Problems: []RowError{rowProblem(err)}}
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; !dup && h != "" {
			col[h] = i
		}
	}
	for _, need := range []string{"query_id", "decision"} {
		if _, ok := col[need]; !ok {
			return nil, nil, &ImportError{Problems: []RowError{{Row: 1, Msg: fmt.Sprintf("no %s column: the header must keep the query_id and decision columns", need)}}}
		}
	}
	urlCol, hasURL := col["url"]

	out := p.Clone()
	var problems []RowError
	report := func(e RowError) { problems = append(problems, e) }
	firstRow := map[int]int{}
	decided := map[int]Action{}
	res := &ImportResult{}
	for row := 2; len(problems) < maxProblems; row++ {
		rec, err := next(row)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			report(rowProblem(err))
			break
		}
		cell := func(i int) string {
			if i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if blank(rec) {
			continue
		}
		idText := cell(col["query_id"])
		id, err := strconv.Atoi(idText)
		if err != nil || id <= 0 {
			report(RowError{Row: row, Msg: fmt.Sprintf("query_id %q is not a query id", idText)})
			continue
		}
		it := out.Item(id)
		if it == nil {
			report(RowError{Row: row, QueryID: id, Msg: "this query is not in the plan"})
			continue
		}
		if first, dup := firstRow[id]; dup {
			report(RowError{Row: row, QueryID: id, Msg: fmt.Sprintf("the query appears twice (first on row %d)", first)})
			continue
		}
		firstRow[id] = row
		if hasURL {
			if u := cell(urlCol); u != "" && !sameInstance(u, out.QueryURL(0)) {
				report(RowError{Row: row, QueryID: id, Msg: fmt.Sprintf("url %s is not this plan's instance %s", u, out.Source.URL)})
				continue
			}
		}
		text := strings.ToLower(cell(col["decision"]))
		allowed := allowedDecisions(it)
		d := Action(text)
		if !slices.Contains(allowed, d) {
			msg := fmt.Sprintf("unknown decision %q: use %s", text, strings.Join(actionNames(allowed), " or "))
			if text == "" {
				msg = "the decision is empty: write " + strings.Join(actionNames(allowed), " or ")
			}
			report(RowError{Row: row, QueryID: id, Msg: msg})
			continue
		}
		if d == Archive && it.Protected == ProtectedKeepTag {
			report(RowError{Row: row, QueryID: id, Msg: "it carries the keep tag and is never archived: remove the tag in Redash and run the audit again"})
			continue
		}
		if d == Archive && it.Protected == ProtectedExternalConsumer && !opts.Force && !out.Criteria.Force {
			report(RowError{Row: row, QueryID: id, Msg: "a job outside Redash downloads its results (external consumer): import with --force to archive it"})
			continue
		}
		decided[id] = d
	}
	if len(problems) == 0 && len(decided) < len(out.Items) {
		var missing []string
		for i := range out.Items {
			if _, ok := decided[out.Items[i].QueryID]; !ok {
				missing = append(missing, strconv.Itoa(out.Items[i].QueryID))
			}
		}
		shown := missing[:min(len(missing), 10)]
		more := ""
		if len(missing) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(missing)-len(shown))
		}
		report(RowError{Msg: fmt.Sprintf("%d plan items have no row (queries %s%s): put their rows back, or export the plan again", len(missing), strings.Join(shown, ", "), more)})
	}
	if len(problems) > 0 {
		return nil, nil, &ImportError{Problems: problems}
	}
	for i := range out.Items {
		it := &out.Items[i]
		d := decided[it.QueryID]
		res.Rows++
		if d != it.Action {
			res.Changed++
			switch d {
			case Keep:
				res.ToKeep++
			case Archive:
				res.ToArchive++
			}
		}
		it.Action, it.Decision = d, d
	}
	if opts.Force {
		out.Criteria.Force = true
	}
	out.Review = &Review{ImportedAt: opts.Now.UTC(), File: opts.File, Rows: res.Rows, Changed: res.Changed}
	if err := out.Validate(); err != nil {
		return nil, nil, err
	}
	return out, res, nil
}

// allowedDecisions are keep, archive, and the item's own tag or untag.
func allowedDecisions(it *Item) []Action {
	out := []Action{Keep, Archive}
	for _, a := range []Action{it.Proposed, it.Action} {
		if (a == Tag || a == Untag) && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func actionNames(as []Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

// rowProblem is the RowError a record source returned, or any other error
// as a problem of no row.
func rowProblem(err error) RowError {
	var re RowError
	if errors.As(err, &re) {
		return re
	}
	return RowError{Msg: "read the review sheet: " + err.Error()}
}

// csvProblem reports a CSV syntax error at a row (counted like a
// spreadsheet: cells may span lines, so the reader's line is not the row).
func csvProblem(err error, row int) RowError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return RowError{Row: row, Msg: fmt.Sprintf("not valid CSV (line %d of the file): %v", pe.StartLine, pe.Err)}
	}
	return RowError{Msg: "read the review file: " + err.Error()}
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// sameInstance reports whether a row's query url is on the instance whose
// query urls start like want (QueryURL(0): ".../queries/0"), ignoring case.
func sameInstance(got, want string) bool {
	prefix := strings.ToLower(strings.TrimSuffix(want, "0"))
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(got)), prefix)
}

func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func optTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func joinInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ";")
}

// scheduleCell renders a raw schedule compactly: "3600", "06:00", or the
// object's JSON.
func scheduleCell(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
