// Package suggest finds the names closest to a mistyped one, for "did you mean" hints in
// command lines: flag names, check IDs and check ID globs.
package suggest
