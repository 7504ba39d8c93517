// Package dare builds and opens DARE envelopes as the 2019 Mesh reference did: plain, signed
// by one or several keys, encrypted to one or several recipients, or both; verification and
// decryption report parse, digest, key and signature failures as distinct typed errors.
package dare
