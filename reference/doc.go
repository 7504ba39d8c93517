// Package reference is the reference implementation of the Mesh portal protocol: the codec,
// the cryptography, the reference portal and the reference client. It knows nothing of checks.
package reference
