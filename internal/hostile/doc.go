// Package hostile builds the legal but costly unauthenticated request bodies of the abuse
// checks (conformance/abuse.go) and of the reference portal's regression tests: Get requests
// of a chosen size and shape. One generator serves both, so the portal is tested with exactly
// what the suite sends.
package hostile
