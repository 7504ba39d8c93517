package testportal

// The bounded-reading rule of docs/SHIM.md ("Limits"), judged by what a client's connection
// took of a Huge or NeverEnding body (Response.Sent), which does not depend on the machine's
// speed. Checks and fuzzers share it.
const (
	// MaxResponse is the most of one response body a client may read (the reference
	// client's bound; every answer a conforming portal gives the contract's operations is far
	// smaller).
	MaxResponse = 16 << 20
	// OverRead is what a client that bounds its reading cannot have consumed: four times the
	// bound, the rest covering the socket buffers between the test portal and the client
	// (about 6 MiB measured on loopback; the kernel's maximum for both is far below 48 MiB on
	// common systems). Set MaxSend just past it: no more is needed to tell.
	OverRead = 4 * MaxResponse
)
