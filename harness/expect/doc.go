// Package expect reads the expectations file (--expect): checks disabled on purpose and failures
// a team already knows about, so that CI fails only on news, and fails when a known bug is fixed
// (xpass) so the file stays honest.
package expect
