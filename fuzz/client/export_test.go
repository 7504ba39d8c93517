package clientfuzz

// MustRefuse exposes the oracle to the tests.
var MustRefuse = mustRefuse
