// Package redash is a client for the Redash REST API, from Redash v4.0 to the
// calendar versions (v25, v26.3), in one set of types.
//
// A Client is built with NewClient and options (WithAPIKey, WithOrg,
// WithConcurrency, WithRateLimit, …). It detects the server's version once
// (Client.Version) and uses it to pick endpoints and shapes: archived-query
// lists from v7, dashboards by id from v10, tags objects in v5, plain arrays
// in v4, and so on. Every resource has one normalised model (Query, User,
// Dashboard, …) that decodes every version's JSON.
//
// Lists return *Page[T] one page at a time, or every item through ListIter
// (an iter.Seq2) and ListAll, which fetch pages concurrently and
// de-duplicate. Listing never calls GET /api/queries/{id}: from Redash v6
// that call records a "view" event.
//
// Errors are one line and typed: *ErrorResponse (errors.Is ErrNotFound,
// ErrConflict, ErrForbidden), *AuthError (ErrUnauthorized: Redash answers a
// bad key with a 404 on /api/ paths), *HTMLError (a proxy page or a path the
// server does not know), *RateLimitError, *RedirectError and
// *UnsupportedError (ErrUnsupported). The API key travels only in the
// Authorization header and never appears in URLs, errors or debug output.
//
// The package never writes to the terminal and knows nothing about the CLI.
package redash
