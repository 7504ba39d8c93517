// Package mutate makes source mutants of Go files for a mutation score: it finds the places
// where a small change is a plausible bug (a relational or logical operator swapped, a
// condition negated, a guard removed, a status or limit constant changed, a call dropped) and
// returns the mutated file text. Building and judging each mutant is the caller's business
// (internal/cmd/mutate builds meshconform over a go build -overlay and runs the suite).
package mutate
