// Package shamir splits a secret into Shamir shares and recovers it exactly as the 2019 Mesh
// reference did (prime table, redraw rule, share layout, shares and secret as UDFs), and
// escrows a profile key's seed with it (draft 7.1.4).
package shamir
