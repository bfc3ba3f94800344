package results

import (
	"time"

	"github.com/redashctl/redashctl/pkg/redash"
)

// Sink receives one query result as a stream: the columns, then the rows,
// then Commit, which makes the result visible to readers all at once. A
// Sink never shows a reader a partial result: on any failure the pipeline
// calls Abort, and nothing of the attempt remains.
//
// The pipeline calls Begin, Row for every row, then Commit; or Abort at any
// point. When the result's download breaks off, it may call Begin again:
// the sink then drops every row of the previous attempt and starts over.
// Abort may be called more than once, and after Commit (then it does
// nothing). Sinks are used by one goroutine.
type Sink interface {
	// Begin starts an attempt with the result's columns, in order.
	Begin(cols []redash.Column) error
	// Row receives one row: a value per column, in column order. The slice
	// is reused for the next row: copy it to keep it. Values are nil
	// (null or a missing key), bool, json.Number (numbers exactly as Redash
	// sent them), string (text, and dates and date-times in the ISO 8601
	// form Redash sends them in), or, from the few runners that return
	// nested JSON, map[string]any and []any. The column's Type says what
	// the value means: integer, float, boolean, string, datetime, date, or
	// "" when the query runner could not tell.
	Row(row []any) error
	// Commit publishes the result.
	Commit(info Info) error
	// Abort discards everything the sink holds.
	Abort() error
}

// Info describes the result a sink commits.
type Info struct {
	QueryID  int
	ResultID int
	// RetrievedAt is when Redash produced the result.
	RetrievedAt time.Time
	// Columns and Rows count what the sink received in this attempt.
	Columns int
	Rows    int64
}
