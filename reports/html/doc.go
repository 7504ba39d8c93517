// Package html renders a run as one self-contained HTML page for people: a summary bar, a matrix
// of draft sections by outcome, every result with its quoted requirement, diff, exchanges and
// reproduction command, and filters that work from file:// (inline CSS and JS, no fetches).
package html
