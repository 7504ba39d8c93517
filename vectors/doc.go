// Package vectors embeds meshconform's test vector files (testvectors/*.json) and their JSON
// Schemas, in the manner of Wycheproof: one file per topic, stable tcIds, results valid, invalid
// or acceptable, flags explained in notes. Implementers in any language read the files; Go code
// imports this package. The files are written by package vectors/generate (`make vectors`).
package vectors
