// Package results gets a saved query's result out of Redash and streams it
// into a Sink, for the export commands.
//
// An Exporter (NewExporter) runs the pipeline in two steps. Prepare reads
// the query and resolves its parameters: the query's saved defaults, which
// Redash never applies itself, merged with the user's Args, each value
// checked against its definition (text, text-pattern, number, enum,
// query-based dropdown, the date, date-time and range types, and the
// web app's dynamic date values such as d_yesterday or d_last_month,
// computed against an injectable clock). Run then asks Redash for a cached
// result or a fresh run (Freshness), waits for the run's job, refuses a
// result older than Request.MaxResultAge, and streams the rows into the
// Sink, which publishes them only at Commit.
//
// The rows are never held in memory: a cached result is read row by row
// from Redash's answer to the run request (redash.QueriesService.Submit),
// the result of a run row by row by its id
// (redash.QueriesService.StreamResult), each row going straight to the
// sink. FileSink writes CSV, a JSON array or JSON lines to a file
// atomically (temporary file, fsync, rename) or to a writer; PullSink hands
// the rows to a consumer that pulls them through an iterator, such as the
// Google Sheets writer.
//
// Redash v7 and later run a saved query with POST /api/queries/{id}/results
// and check the parameter values themselves; v4–v6 get the query's text with
// the values filled in (Render), posted to /api/query_results, as their web
// app did.
//
// The package knows nothing about the command line and never writes to the
// terminal.
package results
