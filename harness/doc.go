// Package harness is the engine of the suite: the check model, the per-check context T, the
// runner with selection, sharding, timeouts, seeds and expectations, and the outcome mapping.
// It knows no particular check, protocol message or report format.
package harness
