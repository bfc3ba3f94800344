// Package fakeredash is an in-process, Redash-compatible HTTP server for
// tests and for `redashctl sandbox serve`. It imitates the releases 4.0.2,
// 5.0.2, 8.0.0, 10.1.0 and 26.3.0 as recorded in the project's Redash API
// reference (redash-api.md, cited by section as §N), over a seeded,
// generated world of queries, dashboards, alerts, users and events.
//
// It never imports the project's Redash client, so that a client bug cannot
// hide behind a matching fake.
package fakeredash
