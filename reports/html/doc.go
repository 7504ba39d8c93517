// Package html renders a run as one self-contained HTML page for people. It leads with what a
// reader came for: a summary bar, then every failure and warning in full (requirement ID,
// section, level, the quoted requirement, expected beside observed, the reproducing exchanges
// and the reproduce line). The matrix of draft sections by outcome follows, folded, then the
// list of all results with filters that work from file:// (inline CSS and JS, no fetches).
// Exchanges of checks that passed stay in the JSON report: a whole run records megabytes of them.
package html
