// Package integration holds tests and benchmarks that run the real client
// (pkg/redash) and the built binary against the fake Redash over real HTTP.
// It has no non-test code.
package integration
