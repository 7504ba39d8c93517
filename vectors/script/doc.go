// Package script runs the transaction vectors (vectors.TransactionTest) against a live portal:
// it binds each script's placeholders to fresh accounts and devices, builds every request with
// the reference implementation, and checks each answer against the step's expectations.
package script
