// Package clientfuzz fuzzes a client binary through the shim contract (docs/SHIM.md): a test
// portal answers the client's requests with schema-aware mutations of its valid answers (the
// live portal fuzzer's engine, fuzz/live, turned around), and each run of the client is
// judged: no crash, no hang (a stalled answer included), bounded memory and reading, no redirect followed, and no success
// exit for an answer that must be refused. Every random choice flows from the seed; findings are saved as reproducers.
package clientfuzz
