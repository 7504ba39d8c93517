// Package spec loads the machine-readable description of the Mesh portal protocol: the schema of every
// structure, message and transaction, the requirement catalog and the interpretation notes.
// It is the single source of truth that the reference, the vectors and the checks are tested against.
package spec
