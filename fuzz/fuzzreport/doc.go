// Package fuzzreport reads the output of `go test -fuzz` for one target (executions, rate,
// new corpus entries, crashers and where they were written) and renders the summary table
// that `make fuzz` prints.
package fuzzreport
