// Package logchain computes the hash chain of the portal's write log (NOTE-LOG): each
// record's Chain from the previous one and the record's bytes, and the served form of a
// record, whose last member is its Chain, so that a verifier recovers the hashed bytes from
// what Transfer returns without re-encoding anything.
package logchain
