// Package harness is the engine of the suite: targets, the runner, selection, timeouts, seeds and
// outcomes. It knows no particular check.
package harness
