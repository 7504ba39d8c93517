// Package generate writes every vector file of package vectors from the reference
// implementation and fixed seeds, byte-identically on any machine (`make vectors`).
package generate
