// Package conformance holds the checks, one per requirement or control of the spec catalog,
// each run against a portal through the harness. A check reads like the sentence of the draft
// it enforces; All returns them, and cmd/meshconform wires them to the runner.
package conformance
