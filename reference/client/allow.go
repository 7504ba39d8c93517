package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/url"

	"github.com/meshconform/meshconform/reference/knobs"
)

// Allowances are behaviours the documents permit a client that the reference client does not
// happen to show: the mirror image of the knobs. Each must leave every client check passing,
// which the allowance self-test of conformance/client proves; a check that fails one accepts
// less than the documents do. The `allow` tag is the meshclient --allow name. Ed25519,
// Sessions, HelloFirst and ValidateFirst are meshclient's choices of keys and steps; the rest
// change the requests this package sends.
type Allowances struct {
	Ed25519       bool `allow:"ed25519" doc:"Ed25519 keys instead of Ed448 (NOTE-AUTH: an Ed448 or Ed25519 signature)"`
	Sessions      bool `allow:"sessions" doc:"ask for a session and authenticate later requests by its MAC, keeping it in the state directory (NOTE-AUTH-SESSION)"`
	HostPort      bool `allow:"host-port" doc:"Host carries the URL's port after the portal's name, also with --host (draft 3.1 names the host; RFC 9110 7.2 admits the port)"`
	HostNoPort    bool `allow:"host-no-port" doc:"Host carries the portal's name without the port (draft 3.1)"`
	Retry503      bool `allow:"retry-503" doc:"send an idempotent request (Hello, ValidateAccount, Get, Status, ConnectStatus) once more after a payload Status 503 (NOTE-STATUS-CODES: overload; NOTE-IDEMPOTENT)"`
	HelloFirst    bool `allow:"hello-first" doc:"send Hello before every operation (WIRE.md 3: Hello is not required first, nor forbidden)"`
	ValidateFirst bool `allow:"validate-first" doc:"send ValidateAccount before CreateAccount, and create whatever it answers (draft 3.6.2)"`
	Charset       bool `allow:"charset" doc:"Content-Type: application/json; charset=utf-8 (NOTE-HTTP-BINDING names the media type, which takes the parameter)"`
	SortedMembers bool `allow:"sorted-members" doc:"request members in alphabetical order, not the schema's (RFC 8259 4: an object is unordered)"`
}

// AllowInfo describes one allowance.
type AllowInfo = knobs.Info

// ListAllowances returns every allowance sorted by name.
func ListAllowances() []AllowInfo { return knobs.List(Allowances{}) }

// Set turns on the allowance with the given kebab-case name.
func (a *Allowances) Set(name string) error { return knobs.Set(a, name) }

// Enabled lists the names of the allowances that are on.
func (a Allowances) Enabled() []string { return knobs.Enabled(a) }

// allowedHost is the Host header the host allowances send, if one is on.
func (c *Client) allowedHost(u *url.URL) (string, bool) {
	switch {
	case c.Allow.HostPort && u.Port() != "":
		return net.JoinHostPort(c.host(), u.Port()), true
	case c.Allow.HostNoPort:
		return c.host(), true
	}
	return "", false
}

// idempotent are the transactions whose repetition changes nothing (NOTE-IDEMPOTENT), which
// a client may therefore send again.
var idempotent = map[string]bool{"Hello": true, "ValidateAccount": true, "Get": true, "Status": true, "ConnectStatus": true}

// retryable reports whether the retry-503 allowance sends tx again after err.
func retryable(tx string, err error) bool {
	var se *StatusError
	return idempotent[tx] && errors.As(err, &se) && se.Status == 503
}

// sortMembers re-encodes a request with the members of every object in alphabetical order
// (the sorted-members allowance); a body that does not decode is left as it is.
func sortMembers(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return body
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}
