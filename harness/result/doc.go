// Package result is the record of one conformance run: every check's outcome, finding and exchanges.
// Every report format (terminal, JSON, JUnit, SARIF, HTML, NDJSON) renders from this model alone,
// so it holds everything a reader needs and never a secret.
package result
