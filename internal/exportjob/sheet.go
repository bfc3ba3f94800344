package exportjob

import (
	"context"
	"iter"

	"github.com/redashctl/redashctl/pkg/redash"
	"github.com/redashctl/redashctl/pkg/results"
	"github.com/redashctl/redashctl/pkg/sheets"
)

// Destination is the tab a result goes to, and how.
type Destination struct {
	Writer  *sheets.Writer
	Target  sheets.Target
	Options sheets.WriteOptions
}

// Columns converts a Redash result's columns to sheet columns: the header
// is the column's name and its Redash type says how values are written.
func Columns(cols []redash.Column) []sheets.Column {
	out := make([]sheets.Column, len(cols))
	for i, c := range cols {
		out[i] = sheets.Column{Name: c.Name, Type: sheets.ColumnType(c.Type)}
	}
	return out
}

// ToSheet runs the prepared export and streams its rows into the
// destination as they arrive: the writer stages them in a hidden tab and
// swaps them into the target in one atomic step only after the last row,
// and only if the pipeline commits (so a result refused for its age, a
// download that broke off or a failed write leave the target as it was).
// Neither side holds the whole result.
func ToSheet(ctx context.Context, e *results.Exporter, p *results.Prepared, d Destination) (*results.Summary, *sheets.Result, error) {
	var written *sheets.Result
	sink := results.NewPullSink(ctx, func(ctx context.Context, cols []redash.Column, rows iter.Seq2[[]any, error]) error {
		r, err := d.Writer.Write(ctx, d.Target, sheets.Table{Columns: Columns(cols), Rows: rows}, d.Options)
		if err != nil {
			return err
		}
		written = r
		return nil
	})
	sum, err := e.Run(ctx, p, sink)
	if err != nil {
		return nil, nil, err
	}
	return sum, written, nil
}
