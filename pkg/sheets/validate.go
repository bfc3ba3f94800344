package sheets

import (
	"context"
	"errors"
	"fmt"

	sheetsapi "google.golang.org/api/sheets/v4"
)

// Info describes a target as Validate found it.
type Info struct {
	SpreadsheetID string
	// Title is the spreadsheet's title.
	Title string
	// Tab is the target tab's title (the one to create, when it does not
	// exist).
	Tab string
	// TabExists reports whether the tab exists; a Write would create it
	// otherwise.
	TabExists bool
	// SheetID is the tab's id when it exists.
	SheetID int64
	// Rows and Columns are the tab's grid when it exists.
	Rows, Columns int
	// Cells is the spreadsheet's cell count (all grids), of Google's
	// MaxCells.
	Cells int64
	// ServiceAccount is the account's e-mail when known.
	ServiceAccount string
}

// Validate checks, without changing the spreadsheet, that the target is
// reachable, that the tab a #gid= names exists, and that the caller may
// edit the spreadsheet.
//
// It proves edit permission with a batchUpdate that cannot apply: deleting a
// tab id that does not exist. Google checks permission before it validates
// a request, so an editor gets 400 "No grid with id" (nothing happens; a
// batchUpdate is all or nothing) and anyone else 403. This spends one write
// request of the quota, and it does not prove that a later write will fit
// Google's cell limits: that depends on the result.
//
// Sheets API: GET /v4/spreadsheets/{id}, POST /v4/spreadsheets/{id}:batchUpdate
func (w *Writer) Validate(ctx context.Context, t Target) (*Info, error) {
	info, err := w.validate(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("validate %s: %w", t, err)
	}
	return info, nil
}

func (w *Writer) validate(ctx context.Context, t Target) (*Info, error) {
	if t.SpreadsheetID == "" {
		return nil, newKindError(ErrInvalidTarget, nil, "no spreadsheet id")
	}
	b, err := w.meta(ctx, t.SpreadsheetID)
	if err != nil {
		return nil, err
	}
	sh, err := findTab(b, t)
	if err != nil {
		return nil, err
	}
	info := &Info{SpreadsheetID: t.SpreadsheetID, Title: b.title, Tab: t.Tab, Cells: b.cells(), ServiceAccount: w.account}
	if sh != nil {
		info.Tab, info.TabExists, info.SheetID = sh.title, true, sh.id
		info.Rows, info.Columns = sh.rows, sh.cols
	}
	// A tab id nobody uses: the probe below must fail validation.
	var probe int64
	for probe == 0 || b.byID(probe) != nil {
		probe = int64(w.rnd()>>33) + 1
	}
	err = w.batch(ctx, t.SpreadsheetID, []*sheetsapi.Request{{DeleteSheet: &sheetsapi.DeleteSheetRequest{SheetId: probe}}})
	var ae *APIError
	switch {
	case err == nil:
		// Nothing to delete yet no error: the server accepted the edit.
	case errors.As(err, &ae) && ae.StatusCode == 400:
		// Editable: the request reached validation.
	default:
		return nil, err
	}
	return info, nil
}
