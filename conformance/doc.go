// Package conformance holds the checks, one per requirement or control of the spec catalog,
// each run against a target through the harness.
package conformance
