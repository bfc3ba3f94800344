package plan

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redashctl/redashctl/internal/golden"
)

var made = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func intp(v int) *int { return &v }

// sample is a plan of four items: two to archive, one kept by its tag, one
// external consumer kept.
func sample() *Plan {
	p := New(made, Source{Profile: "prod", URL: "https://redash.example.com/", RedashVersion: "10.1.0", Generator: "redashctl test"},
		Criteria{Command: "audit", ArchiveWhen: []string{"never-run", "unused"}, KeepTag: "keep", Thresholds: map[string]string{"unused_after": "90d"}})
	ran := made.Add(-100 * 24 * time.Hour)
	p.Items = []Item{
		{
			QueryID: 3, Name: "Old revenue", Action: Archive, Proposed: Archive,
			Reasons: []Reason{{Code: "unused", Detail: "on no dashboard, in no alert, and no view, run or download since 2026-08-03"}},
			Before: Snapshot{
				Name: "Old revenue", Schedule: json.RawMessage(`{"interval":3600,"time":null,"day_of_week":null,"until":null}`), Tags: []string{"finance"},
				DataSourceID: intp(1), OwnerEmail: "ann@example.com", UpdatedAt: ran, LastRunAt: &ran, Dashboards: []int{}, Alerts: []int{}, Version: 1,
			},
		},
		{
			QueryID: 7, Name: "Draft, \"quoted\"", Action: Archive, Proposed: Archive,
			Reasons: []Reason{{Code: "never-run", Detail: "no result since it was created on 2025-01-01, 669 days ago"}, {Code: "unused", Detail: "weak", Weak: true}},
			Before:  Snapshot{Name: "Draft, \"quoted\"", IsDraft: true, Schedule: json.RawMessage(`"3600"`), Tags: []string{}, DataSourceID: intp(2), OwnerEmail: "bob@example.com", UpdatedAt: made, Dashboards: []int{4, 9}, Alerts: []int{2}, Version: 1},
		},
		{
			QueryID: 12, Name: "Kept", Action: Keep, Proposed: Keep, Protected: ProtectedKeepTag,
			Reasons: []Reason{{Code: "unused", Detail: "…"}, {Code: "keep-tag", Detail: `it carries the tag "keep": never archived`}},
			Before:  Snapshot{Name: "Kept", Tags: []string{"keep"}, UpdatedAt: made, Dashboards: []int{}, Alerts: []int{}, Version: 1},
		},
		{
			QueryID: 20, Name: "Exported nightly", Action: Keep, Proposed: Keep, Protected: ProtectedExternalConsumer,
			Reasons: []Reason{{Code: "never-run", Detail: "…"}, {Code: "external-consumer", Detail: "3 downloads with its query API key"}},
			Before:  Snapshot{Name: "Exported nightly", Tags: []string{}, UpdatedAt: made, Dashboards: []int{}, Alerts: []int{}, Version: 1},
		},
	}
	return p
}

func TestWriteRead(t *testing.T) {
	p := sample()
	var buf bytes.Buffer
	require.NoError(t, p.Write(&buf))
	golden.Assert(t, buf.String())
	got, err := Read(&buf)
	require.NoError(t, err)
	if diff := cmp.Diff(p, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	assert.Equal(t, map[Action]int{Archive: 2, Keep: 2}, got.Counts())
	assert.Equal(t, "https://redash.example.com/queries/7", got.QueryURL(7))
	got.Source.Org = "acme"
	assert.Equal(t, "https://redash.example.com/acme/queries/7", got.QueryURL(7))
	assert.Equal(t, "Kept", got.Item(12).Name)
	assert.Nil(t, got.Item(13))
}

func TestReadErrors(t *testing.T) {
	valid := func() map[string]any {
		var m map[string]any
		var buf bytes.Buffer
		require.NoError(t, sample().Write(&buf))
		require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
		return m
	}
	item := func(m map[string]any, i int) map[string]any { return m["items"].([]any)[i].(map[string]any) }
	tests := []struct {
		name string
		edit func(m map[string]any)
		raw  string
		err  string
	}{
		{name: "not JSON", raw: "hello", err: "not a redashctl plan: invalid JSON at byte 1: invalid character 'h' looking for beginning of value"},
		{name: "two documents", raw: `{"format": "redashctl-plan/v1", "source": {"url": "x"}, "items": []} {}`, err: "not a redashctl plan: data after the JSON object"},
		{name: "no format", raw: `{"items": []}`, err: `not a redashctl plan: no "format" field`},
		{name: "newer format", edit: func(m map[string]any) { m["format"] = "redashctl-plan/v2" }, err: `unsupported plan format "redashctl-plan/v2": this redashctl reads redashctl-plan/v1`},
		{name: "no url", edit: func(m map[string]any) { m["source"].(map[string]any)["url"] = "" }, err: "invalid plan: source.url is empty"},
		{name: "bad id", edit: func(m map[string]any) { item(m, 1)["query_id"] = 0 }, err: "invalid plan: item 2: query_id must be a positive number, got 0"},
		{name: "twice", edit: func(m map[string]any) { item(m, 1)["query_id"] = 3 }, err: "invalid plan: item 2 (query 3): the query appears twice"},
		{name: "bad action", edit: func(m map[string]any) { item(m, 0)["action"] = "delete" }, err: `invalid plan: item 1 (query 3): unknown action "delete": use archive, tag, untag or keep`},
		{name: "tag without tags", edit: func(m map[string]any) { item(m, 0)["action"] = "tag" }, err: "invalid plan: item 1 (query 3): a tag action needs tags"},
		{name: "archive kept", edit: func(m map[string]any) { item(m, 2)["action"] = "archive" }, err: "invalid plan: item 3 (query 12): carries the keep tag and cannot be archived"},
		{name: "archive consumer", edit: func(m map[string]any) { item(m, 3)["action"] = "archive" }, err: "invalid plan: item 4 (query 20): an external consumer downloads its results; it is archived only with --force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.raw
			if tt.edit != nil {
				m := valid()
				tt.edit(m)
				b, err := json.Marshal(m)
				require.NoError(t, err)
				raw = string(b)
			}
			_, err := Read(strings.NewReader(raw))
			assert.EqualError(t, err, tt.err)
		})
	}
	// Items without proposed_action (written by hand) propose their action.
	m := valid()
	delete(item(m, 0), "proposed_action")
	b, _ := json.Marshal(m)
	p, err := Read(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, Archive, p.Items[0].Proposed)
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, sample().WriteCSV(&buf))
	golden.Assert(t, buf.String())
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 5)
	assert.Equal(t, CSVHeader, rows[0])
	assert.Equal(t, []string{"7", "archive", "archive", `Draft, "quoted"`}, rows[2][:4])
}

// review edits an exported sheet as a reviewer would: it changes cells by
// query id and column name, and may drop or reorder columns.
func review(t *testing.T, p *Plan, edit func(rows [][]string, col map[string]int)) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, p.WriteCSV(&buf))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	edit(rows, col)
	var out bytes.Buffer
	w := csv.NewWriter(&out)
	require.NoError(t, w.WriteAll(rows))
	return out.String()
}

func TestImportRoundTrip(t *testing.T) {
	p := sample()
	sheet := review(t, p, func(rows [][]string, col map[string]int) {
		rows[1][col["decision"]] = "Keep"    // a team needs query 3
		rows[4][col["decision"]] = " keep  " // unchanged, with spaces
		rows[2][col["name"]] = "renamed in the sheet: ignored"
		// The reviewer sorted the sheet by id, descending.
		rows[1], rows[2], rows[3], rows[4] = rows[4], rows[3], rows[2], rows[1]
	})
	got, res, err := Import(p, strings.NewReader(sheet), ImportOptions{File: "review.csv", Now: made.Add(time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, &ImportResult{Rows: 4, Changed: 1, ToKeep: 1}, res)
	assert.Equal(t, Keep, got.Item(3).Action)
	assert.Equal(t, Archive, got.Item(3).Proposed)
	assert.Equal(t, Keep, got.Item(3).Decision)
	assert.Equal(t, Archive, got.Item(7).Action)
	assert.Equal(t, `Draft, "quoted"`, got.Item(7).Name)
	assert.Equal(t, &Review{ImportedAt: made.Add(time.Hour), File: "review.csv", Rows: 4, Changed: 1}, got.Review)
	assert.Equal(t, Archive, p.Item(3).Action, "the input plan is not changed")

	// The reviewed plan survives a write and a read, and exports again.
	var buf bytes.Buffer
	require.NoError(t, got.Write(&buf))
	again, err := Read(&buf)
	require.NoError(t, err)
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	buf.Reset()
	require.NoError(t, again.WriteCSV(&buf))
	assert.Contains(t, buf.String(), "\n3,keep,archive,Old revenue,")
}

func TestImportSpreadsheetQuirks(t *testing.T) {
	p := sample()
	// Excel: a byte-order mark, CRLF line ends, only two columns kept, in
	// another order, upper-case header, and a blank row.
	sheet := "\ufeffDECISION,Query_ID\r\narchive,3\r\n,\r\nkeep,7\r\nkeep,12\r\nkeep,20\r\n"
	got, res, err := Import(p, strings.NewReader(sheet), ImportOptions{File: "r.csv", Now: made})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Changed)
	assert.Equal(t, Keep, got.Item(7).Action)
}

func TestImportForce(t *testing.T) {
	p := sample()
	sheet := review(t, p, func(rows [][]string, col map[string]int) { rows[4][col["decision"]] = "archive" })
	_, _, err := Import(p, strings.NewReader(sheet), ImportOptions{Now: made})
	assert.EqualError(t, err, "row 5 (query 20): a job outside Redash downloads its results (external consumer): import with --force to archive it")
	got, res, err := Import(p, strings.NewReader(sheet), ImportOptions{Now: made, Force: true})
	require.NoError(t, err)
	assert.Equal(t, 1, res.ToArchive)
	assert.Equal(t, Archive, got.Item(20).Action)
	assert.True(t, got.Criteria.Force, "the plan records that it was forced")
}

func TestImportErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(rows [][]string, col map[string]int) [][]string
		sheet string
		want  []string
	}{
		{name: "unknown id", edit: func(rows [][]string, col map[string]int) [][]string {
			rows[2][col["query_id"]] = "99"
			return rows
		}, want: []string{"row 3 (query 99): this query is not in the plan"}},
		{name: "not a number", edit: func(rows [][]string, col map[string]int) [][]string {
			rows[3][col["query_id"]] = "twelve"
			return rows
		}, want: []string{`row 4: query_id "twelve" is not a query id`}},
		{name: "bad and empty decisions", edit: func(rows [][]string, col map[string]int) [][]string {
			rows[1][col["decision"]] = "maybe"
			rows[2][col["decision"]] = ""
			return rows
		}, want: []string{`row 2 (query 3): unknown decision "maybe": use keep or archive`, "row 3 (query 7): the decision is empty: write keep or archive"}},
		{name: "twice", edit: func(rows [][]string, col map[string]int) [][]string {
			return append(rows, rows[1])
		}, want: []string{"row 6 (query 3): the query appears twice (first on row 2)"}},
		{name: "another instance", edit: func(rows [][]string, col map[string]int) [][]string {
			rows[2][col["url"]] = "https://other.example.com/queries/7"
			return rows
		}, want: []string{"row 3 (query 7): url https://other.example.com/queries/7 is not this plan's instance https://redash.example.com/"}},
		{name: "keep tag", edit: func(rows [][]string, col map[string]int) [][]string {
			rows[3][col["decision"]] = "archive"
			return rows
		}, want: []string{"row 4 (query 12): it carries the keep tag and is never archived: remove the tag in Redash and run the audit again"}},
		{name: "missing rows", edit: func(rows [][]string, col map[string]int) [][]string {
			return rows[:2]
		}, want: []string{"3 plan items have no row (queries 7, 12, 20): put their rows back, or export the plan again"}},
		{name: "no decision column", edit: func(rows [][]string, col map[string]int) [][]string {
			rows[0][col["decision"]] = "verdict"
			return rows
		}, want: []string{"row 1: no decision column: the header must keep the query_id and decision columns"}},
		{name: "empty file", sheet: "", want: []string{"the review sheet is empty: it needs a header row with query_id and decision"}},
		{name: "broken quoting", sheet: "query_id,decision\n3,keep\n7,\"keep\n", want: []string{`row 3: not valid CSV (line 3 of the file): extraneous or missing " in quoted-field`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sample()
			sheet := tt.sheet
			var edited [][]string
			if tt.edit != nil {
				var buf bytes.Buffer
				require.NoError(t, p.WriteCSV(&buf))
				rows, err := csv.NewReader(&buf).ReadAll()
				require.NoError(t, err)
				col := map[string]int{}
				for i, h := range rows[0] {
					col[h] = i
				}
				edited = tt.edit(rows, col)
				var out bytes.Buffer
				require.NoError(t, csv.NewWriter(&out).WriteAll(edited))
				sheet = out.String()
			}
			check := func(got *Plan, res *ImportResult, err error) {
				t.Helper()
				var ie *ImportError
				require.ErrorAs(t, err, &ie)
				assert.Nil(t, got)
				assert.Nil(t, res)
				var msgs []string
				for _, pr := range ie.Problems {
					msgs = append(msgs, pr.Error())
				}
				assert.Equal(t, tt.want, msgs)
				assert.Equal(t, Archive, p.Item(3).Action, "nothing changed")
			}
			check(Import(p, strings.NewReader(sheet), ImportOptions{Now: made}))
			if edited != nil || sheet == "" {
				// The same rows read from a Google Sheet get the same errors.
				check(ImportRows(p, edited, ImportOptions{Now: made}))
			}
		})
	}
}

func TestClone(t *testing.T) {
	p := sample()
	c := p.Clone()
	c.Items[0].Before.Tags[0] = "changed"
	c.Criteria.Thresholds["unused_after"] = "1d"
	*c.Items[0].Before.DataSourceID = 9
	assert.Equal(t, "finance", p.Items[0].Before.Tags[0])
	assert.Equal(t, "90d", p.Criteria.Thresholds["unused_after"])
	assert.Equal(t, 1, *p.Items[0].Before.DataSourceID)
}

func TestReviewRows(t *testing.T) {
	p := sample()
	rows, err := p.ReviewRows()
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, p.WriteCSV(&buf))
	want, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, want[0], CSVHeader)
	assert.Equal(t, want[1:], rows, "the rows WriteCSV writes")

	bad := sample()
	bad.Format = "redashctl-plan/v0"
	_, err = bad.ReviewRows()
	assert.Error(t, err, "an invalid plan gives no rows")
}

func TestImportRows(t *testing.T) {
	p := sample()
	// A Google Sheet tab as read back: trailing empty cells and rows are
	// missing, a reviewer moved the decision column first and left a blank
	// row, and numbers read as plain decimals.
	rows := [][]string{
		{"decision", "query_id", "name"},
		{"keep", "3"},
		{},
		{"archive", "7", "Draft"},
		{" KEEP ", "12"},
		{"keep", "20"},
	}
	got, res, err := ImportRows(p, rows, ImportOptions{File: "spreadsheet abc tab \"Review\"", Now: made})
	require.NoError(t, err)
	assert.Equal(t, &ImportResult{Rows: 4, Changed: 1, ToKeep: 1}, res)
	assert.Equal(t, Keep, got.Item(3).Action)
	assert.Equal(t, Keep, got.Item(3).Decision)
	assert.Equal(t, "spreadsheet abc tab \"Review\"", got.Review.File)
	assert.Equal(t, Archive, p.Item(3).Action, "the input plan is not changed")

	_, _, err = ImportRows(p, rows[:1], ImportOptions{Now: made})
	assert.EqualError(t, err, "4 plan items have no row (queries 3, 7, 12, 20): put their rows back, or export the plan again")
}
