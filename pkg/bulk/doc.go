// Package bulk changes many saved queries of a Redash instance at once, and
// safely: it adds and removes tags, archives queries with a backup taken
// before each DELETE and an append-only journal that lets an interrupted
// run resume, and restores archived queries from those backups.
//
// Archiving is lossy in every Redash version: DELETE /api/queries/<id>
// clears the schedule and deletes the widgets and alerts built on the query.
// An Archiver therefore writes, for each query and before its DELETE, a
// Backup file (0600, fsynced, the query's api_key redacted) with the query,
// its schedule and tags, every widget showing one of its visualizations
// (read from each dashboard once per run) and every alert on it with its
// subscriptions, and records each step in a Journal (one JSON line per step,
// fsynced). A re-run reads the journal: done queries are skipped, a query
// whose DELETE may or may not have reached Redash is checked first, so that
// no query is archived twice and none is lost. A Restorer puts a query back
// from its backup: un-archive with its schedule and tags in one update,
// re-create its widgets and alerts (with new ids), and re-subscribe what the
// API lets the caller re-subscribe.
//
// The package knows nothing about the command line and never writes to the
// terminal; callers get results and progress through callbacks.
package bulk
