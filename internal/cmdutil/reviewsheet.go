package cmdutil

import (
	"context"

	"github.com/redashctl/redashctl/pkg/plan"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// reviewTypes are the sheet types of the review columns that are not
// text, so that reviewers can sort and filter them as numbers and dates.
var reviewTypes = map[string]sheets.ColumnType{
	"query_id":       sheets.TypeInteger,
	"data_source_id": sheets.TypeInteger,
	"last_run_at":    sheets.TypeDatetime,
	"updated_at":     sheets.TypeDatetime,
}

// WriteReviewSheet writes a plan's review sheet into a Google Sheets tab:
// the columns of plan.CSVHeader, decision included, one row per item, as
// 'plan export --csv' writes them. The tab is replaced in one atomic step
// (created when missing); query ids are numbers and times real date-times,
// the rest text stored as is. Read back with (*sheets.Writer).ReadValues,
// the tab imports with plan.ImportRows.
func WriteReviewSheet(ctx context.Context, w *sheets.Writer, t sheets.Target, p *plan.Plan) (*sheets.Result, error) {
	rows, err := p.ReviewRows()
	if err != nil {
		return nil, err
	}
	cols := make([]sheets.Column, len(plan.CSVHeader))
	for i, name := range plan.CSVHeader {
		cols[i] = sheets.Column{Name: name, Type: reviewTypes[name]}
		if cols[i].Type == sheets.TypeAuto {
			cols[i].Type = sheets.TypeString
		}
	}
	tbl := sheets.Table{Columns: cols, RowCount: len(rows), Rows: func(yield func([]any, error) bool) {
		row := make([]any, len(cols))
		for _, r := range rows {
			for j := range row {
				row[j] = nil
				if j < len(r) && r[j] != "" {
					row[j] = r[j]
				}
			}
			if !yield(row, nil) {
				return
			}
		}
	}}
	// Write's errors name the spreadsheet and tab already.
	return w.Write(ctx, t, tbl, sheets.WriteOptions{Mode: sheets.ModeReplace, ValueInput: sheets.ValueInputRaw})
}
