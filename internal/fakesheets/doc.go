// Package fakesheets is an in-process fake of the Google Sheets API v4 REST
// surface, for tests and for `make demo` / `redashctl sandbox serve`.
//
// It serves, under Google's URL layout (/v4/spreadsheets/{id}...), the calls
// an exporter needs: spreadsheets.get (with a fields mask, without grid
// data), spreadsheets.batchUpdate (addSheet, deleteSheet,
// updateSheetProperties, updateCells, appendCells, repeatCell, copyPaste,
// cutPaste, appendDimension, insertDimension, deleteDimension) and
// spreadsheets.values get, batchGet, update, append, clear and batchUpdate.
//
// It follows the rules of Google's public API description: every sheet has a
// grid of rowCount × columnCount cells and writes outside it are rejected
// (values.append grows the grid, as documented); a spreadsheet holds at most
// 10,000,000 cells (the sum of its grids; checked after every request of a
// batchUpdate, which is at least as strict as Google) and a cell at most
// 50,000 characters (counted in UTF-16 units); a batchUpdate is validated as
// a whole and applied atomically; RAW input is stored as is while
// USER_ENTERED input is parsed like typing into the UI in the en_US locale
// (numbers, percentages, booleans, dates, and formulas starting with "=",
// which are stored but not evaluated); requests need an OAuth Bearer token
// unless Options.NoAuth is set; write requests are limited per user over a
// sliding minute (answering 429 RESOURCE_EXHAUSTED with Google's JSON error
// body); request bodies are limited (10 MiB by default, answering 400).
// Errors use Google's JSON error shape and, where known, its messages; where
// Google's exact wording or behaviour is not documented the fake's is a
// guess and says what failed.
//
// Test helpers create spreadsheets, restrict their sharing, read the grid back
// cell by cell (Grid), inject faults (AddFault) and inspect the requests the
// fake received (Requests). Time is read from Options.Now, so quota windows
// can be driven by a Clock without sleeping.
//
// It never imports the project's Sheets client nor Google's client library,
// so that a client bug cannot hide behind a matching fake.
package fakesheets
