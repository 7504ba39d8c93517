// Package portal is the reference Mesh portal: all twelve transactions of draft section 3 over
// HTTP, persisted in bbolt with a hash-chained write log, authenticated per NOTE-AUTH, and a set
// of misbehaviour knobs (Bugs) that let the conformance suite prove each of its checks fails.
//
// What one request may cost is bounded, whatever the store holds and whoever asks: bodies by
// size and depth (wire limits), time (read, write and idle timeouts), clients by a rate limit
// (per IPv4 address or IPv6 /64, in a bounded table), answers by the server's own page
// limits (256 entries, 256 KiB), which Get and Transfer reach by reading only the page they
// return, and each account by 256 connection requests waiting for an answer.
package portal
