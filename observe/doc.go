// Package observe judges Mesh portal traffic it did not make: exchanges seen by the validating
// proxy (meshconform proxy) or read from a recorded trace (meshconform trace: the proxy's own
// NDJSON capture, or HAR 1.2 from browsers and mitmproxy).
//
// A Judge takes one exchange at a time, request and answer, and keeps what a session teaches
// across them: the profiles and keys the traffic carried (a profile carries its own keys, so
// every envelope signed by one can be verified), the Authorization values and nonces already
// seen, the accounts validated and created, the connection requests started. Each rule names
// the side at fault (the client that sent the request, or the portal that answered it), the
// requirement of spec/requirements.json it enforces and that requirement's level. Results come
// out in the harness's result model, one check per rule, so every report format renders them.
//
// The rules reuse the reference codec (strict decoding under the project's limits), the
// reference request authentication (NOTE-AUTH) and the reference client's profile and witness
// verification: what is judged here is judged as the conformance checks judge it.
package observe
