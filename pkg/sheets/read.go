package sheets

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ReadValues reads a tab's values back as text, one slice per row, for a
// caller that reads what people typed into a sheet (decisions in a review
// column, say). Rows and cells end where Google's values end: trailing empty
// rows and cells are left out, so rows may differ in length, and an empty
// tab gives no rows.
//
// Values are read unformatted, so that a number format never changes what
// is read: text as it is, numbers in plain decimal notation ("1234", "0.5",
// not "1,234"), booleans as TRUE or FALSE, and dates and times as the
// spreadsheet shows them. A formula reads as its computed value.
//
// The tab must exist: a Target naming a missing tab (or gid) gives an error
// matching ErrNotFound. Reading needs view access only; it is not paced,
// as reads have their own quota, and is retried like every call.
//
// Sheets API: GET /v4/spreadsheets/{id}, GET /v4/spreadsheets/{id}/values/{range}
func (w *Writer) ReadValues(ctx context.Context, t Target) ([][]string, error) {
	rows, err := w.readValues(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t, err)
	}
	return rows, nil
}

func (w *Writer) readValues(ctx context.Context, t Target) ([][]string, error) {
	if t.SpreadsheetID == "" {
		return nil, newKindError(ErrInvalidTarget, nil, "no spreadsheet id")
	}
	b, err := w.meta(ctx, t.SpreadsheetID)
	if err != nil {
		return nil, w.readError(err, t.SpreadsheetID)
	}
	sh, err := findTab(b, t)
	if err != nil {
		return nil, err
	}
	if sh == nil {
		return nil, newKindError(ErrNotFound, nil, "spreadsheet %s has no tab %q", t.SpreadsheetID, t.Tab)
	}
	resp, err := w.svc.Spreadsheets.Values.Get(t.SpreadsheetID, quoteTitle(sh.title)).
		MajorDimension("ROWS").ValueRenderOption("UNFORMATTED_VALUE").
		DateTimeRenderOption("FORMATTED_STRING").Context(ctx).Do()
	if err != nil {
		return nil, w.readError(w.wrap(err, t.SpreadsheetID), t.SpreadsheetID)
	}
	out := make([][]string, len(resp.Values))
	for i, row := range resp.Values {
		cells := make([]string, len(row))
		for j, v := range row {
			cells[j] = cellText(v)
		}
		out[i] = cells
	}
	return out, nil
}

// readError rewords a permission error for a read, which needs view access
// only (wrap's message asks for Editor, as writes do).
func (w *Writer) readError(err error, id string) error {
	var ae *APIError
	if !errors.Is(err, ErrPermission) || !errors.As(err, &ae) {
		return err
	}
	who := "the account redashctl uses"
	if w.account != "" {
		who = "the service account " + w.account
	}
	return newKindError(ErrPermission, ae,
		"spreadsheet %s is not shared with %s (share it with that address, as Viewer at least) [%s]", id, who, ae)
}

// cellText renders one unformatted value of a values answer.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		if v {
			return "TRUE"
		}
		return "FALSE"
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return fmt.Sprint(v)
	}
}
