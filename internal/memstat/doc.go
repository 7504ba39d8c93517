// Package memstat reads the memory figure the suite watches in a portal that runs in a Go
// process: its live heap, the bytes the last garbage collection found reachable. Garbage not
// yet collected is left out, so the figure follows what the process keeps, not when the
// collector last ran.
package memstat
