// Package udf computes and checks Uniform Data Fingerprints as the 2019 Mesh reference did:
// content digests (SHA-2-512, SHA-3-512), keyed authenticators, nonces, secrets and share
// identifiers, their Base32 presentation at any precision, parsing and comparison.
package udf
