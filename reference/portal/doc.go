// Package portal is the reference Mesh portal: all twelve transactions of draft section 3 over
// HTTP, persisted in bbolt with a hash-chained write log, authenticated per NOTE-AUTH, and a set
// of misbehaviour knobs (Bugs) that let the conformance suite prove each of its checks fails.
package portal
