// Package sheets writes query results into Google Sheets through the Sheets
// API v4 (google.golang.org/api/sheets/v4), and reads a tab back as text.
// It knows nothing about Redash nor about the command line: callers hand it
// a Table of typed columns and a stream of rows, and a Target naming a
// spreadsheet and a tab.
//
// A Writer (New) authenticates with a service-account key file or
// Application Default Credentials, or with nothing for a fake endpoint;
// retries 429, 502-504 and network failures under the project's one retry
// policy (internal/retry, as an http.RoundTripper honouring Retry-After);
// and paces write requests under Google's per-user quota.
//
// Write replaces a tab atomically or appends to it (see Write for how),
// keeping value types: numbers stay numbers, booleans booleans, dates and
// date-times become real dates (serial numbers with a date format), nulls
// empty cells, and text stays text under the default RAW input. Google's
// limits — 10,000,000 cells per spreadsheet, 50,000 characters per cell,
// about 2 MB per request — are checked before the target tab changes.
//
// Validate checks, without changing anything, that a spreadsheet is
// reachable and editable. ReadValues reads a tab's values back as text
// (what reviewers typed into it, say).
package sheets
