// Package wire reads and writes the JSON text of the Mesh wire format with hard limits: a strict,
// allocation-light scanner that reports typed errors (syntax, limits, duplicate members), an
// append-only writer, and the Binary (base64url) and DateTime encodings of WIRE.md section 1.
package wire
