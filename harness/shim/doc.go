// Package shim starts a client binary under test as docs/SHIM.md says: one process per
// operation, a state directory, a time bound, bounded output, exit codes mapped to outcomes,
// and the per-implementation configuration file (disabled checks, error-identifier map).
package shim
