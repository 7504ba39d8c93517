// Package mesh holds the Go types of every structure and message in spec/schema.json and the
// codec that reads and writes them in the wire form of WIRE.md: tagged documents, request and
// response envelopes, DARE envelopes as arrays, strict or lenient member handling, hard limits.
// The types are generated from the schema (go generate); a test holds them to it.
package mesh
