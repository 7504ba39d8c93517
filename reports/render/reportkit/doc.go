// Package reportkit holds what every report format shares: the draft's name and section links,
// the order of draft sections, and the plain-text account of one check's finding.
// It depends only on the result model, so each format can import it without cycles.
package reportkit
