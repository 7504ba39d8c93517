// Package memo is the bounded memo table behind the reference's hot-path caches: results
// that are pure functions of their key (a verified signature, a checked public key, a key's
// fingerprint), remembered so that material a portal sees again and again is not
// recomputed. A table that fills up is emptied at once: cheap, bounded, and never wrong,
// because no caller's correctness depends on a hit.
package memo
