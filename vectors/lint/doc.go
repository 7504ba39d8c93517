// Package lint checks the vector files' invariants: each validates against its JSON Schema,
// tcIds are unique across all files, numberOfTests is right, every flag is defined in the
// file's notes, and every cited requirement, note and section exists in spec/.
package lint
