// Package keys holds the signature and key-agreement keys of the 2019 Mesh reference: Ed448
// (the default), Ed25519, X448 and X25519, with deterministic generation for vectors, the
// Edwards-curve agreement of Ed448 keys and the 2019 key fingerprint (the key's UDF).
package keys
