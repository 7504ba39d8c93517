// Package terminal renders a run for people at a terminal or in a CI log: a progress line (or one
// line per check when not a TTY) while checks run, then a summary with every failure explained
// and the command that replays it. The seed is printed first and last.
package terminal
