package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"

	"github.com/meshconform/meshconform/reference/knobs"
	"time"

	"github.com/meshconform/meshconform/reference/mesh"
)

// Bugs are misbehaviour knobs of the reference client, in the manner of the portal's Bugs and
// BoGo's ProtocolBugs: each breaks exactly one client obligation so that `meshconform client`
// can prove that the check for it fails when it should. The zero value is a conforming client.
// The `bug` tag is the meshclient --bug name.
type Bugs struct {
	// SkipSignatureChecks accepts profiles and connection results whatever their signatures
	// (draft 2.6, 3.15.1, 7.1.5).
	SkipSignatureChecks bool `bug:"skip-signature-checks" doc:"accept forged or unsigned profiles and connection results (draft 2.6, 3.15.1, 7.1.5)"`
	// IgnoreWitness does not recompute the connection witness (NOTE-WITNESS).
	IgnoreWitness bool `bug:"ignore-witness" doc:"do not check the connection witness (NOTE-WITNESS)"`
	// AcceptUntagged decodes a response that lacks its class tag (NOTE-RESPONSE-TAG).
	AcceptUntagged bool `bug:"accept-untagged" doc:"accept untagged responses (NOTE-RESPONSE-TAG)"`
	// NoAuthHeader sends authenticated transactions without Authorization (NOTE-AUTH).
	NoAuthHeader bool `bug:"no-auth-header" doc:"send no Authorization header (draft 7.1.1.2, NOTE-AUTH)"`
	// ReuseNonce draws every nonce (ClientNonce, MessageID, authorization nonce) from a
	// constant stream (draft 7.1.3).
	ReuseNonce bool `bug:"reuse-nonce" doc:"constant nonces (draft 7.1.3)"`
	// WorldReadableKeys writes key files 0644 in a 0755 state directory (draft 7.1.1.3).
	WorldReadableKeys bool `bug:"world-readable-keys" doc:"key files readable by every local user (draft 7.1.1.3)"`
	// TrustHTTPStatus judges success by the HTTP status, not the payload Status (draft 3.2).
	TrustHTTPStatus bool `bug:"trust-http-status" doc:"trust the HTTP status over the payload Status (draft 3.2)"`
	// CrashOnMalformed panics on a response that is cut short or does not decode (NOTE-LIMITS).
	CrashOnMalformed bool `bug:"crash-on-malformed" doc:"panic on a truncated or undecodable response (NOTE-LIMITS)"`
	// UnboundedRead reads response bodies of any size (NOTE-LIMITS).
	UnboundedRead bool `bug:"unbounded-read" doc:"no response size limit (NOTE-LIMITS)"`
	// NoTimeout waits for a response for ever (NOTE-LIMITS).
	NoTimeout bool `bug:"no-timeout" doc:"no HTTP timeout (NOTE-LIMITS)"`
	// FollowRedirects follows HTTP redirects to whatever host they name (draft 3.1).
	FollowRedirects bool `bug:"follow-redirects" doc:"follow HTTP redirects to other hosts (draft 3.1)"`
	// InsecureTLS accepts any server certificate (draft 7.1.1.2).
	InsecureTLS bool `bug:"insecure-tls" doc:"accept any TLS certificate (draft 7.1.1.2)"`
	// IgnoreHost ignores the configured portal name and sends the URL's host (draft 3.1).
	IgnoreHost bool `bug:"ignore-host" doc:"ignore --host: send the URL's host (draft 3.1)"`
	// HostIP sends the resolved IP address in Host instead of the portal's DNS name (draft 3.1).
	HostIP bool `bug:"host-ip" doc:"send the IP address in Host (draft 3.1)"`
	// UnknownMembers adds a member the schema does not define to every request (NOTE-REQUEST-TAG).
	UnknownMembers bool `bug:"unknown-members" doc:"add an undefined member to every request (NOTE-REQUEST-TAG)"`
	// TrustValidate treats a Valid answer as a reservation: a refused Create is reported as
	// success (draft 3.6.2).
	TrustValidate bool `bug:"trust-validate" doc:"treat Valid as a reservation: report a refused Create as success (draft 3.6.2)"`
}

// BugInfo describes one knob.
type BugInfo = knobs.Info

// UnknownBugError is returned by Set for a name that is no knob.
type UnknownBugError = knobs.UnknownError

// ListBugs returns every knob sorted by name.
func ListBugs() []BugInfo { return knobs.List(Bugs{}) }

// Set turns on the knob with the given kebab-case name.
func (b *Bugs) Set(name string) error { return knobs.Set(b, name) }

// Enabled lists the names of the knobs that are on.
func (b Bugs) Enabled() []string { return knobs.Enabled(b) }

// HTTPClient returns the HTTP client a conforming client uses: a whole-exchange timeout,
// redirects reported instead of followed (a redirect would send the request, and its
// Authorization, to a host that is not the portal), and the system's certificate roots. The
// transport and redirect knobs loosen exactly one of these.
func (b Bugs) HTTPClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // a conformance client talks to the URL it was given, nothing else
	if b.InsecureTLS {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the insecure-tls knob
	}
	hc := &http.Client{Timeout: timeout, Transport: tr}
	if b.NoTimeout {
		hc.Timeout = 0
	}
	if !b.FollowRedirects {
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return hc
}

// zeroReader is the constant "random" stream of the reuse-nonce knob.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// addUnknownMember inserts an undefined member into the transaction object of an encoded
// request {"Tx":{...}} (the unknown-members knob).
func addUnknownMember(body []byte) []byte {
	i := bytes.Index(body, []byte(":{"))
	if i < 0 {
		return body
	}
	i += 2
	member := []byte(`"MeshconformUnknown":true`)
	if i < len(body) && body[i] != '}' {
		member = append(member, ',')
	}
	out := append([]byte{}, body[:i]...)
	out = append(out, member...)
	return append(out, body[i:]...)
}

// resolvedHost is the dialled address, IP and port, that the host-ip knob puts in Host.
func resolvedHost(ctx context.Context, u *url.URL) (string, bool) {
	addrs, err := net.DefaultResolver.LookupHost(ctx, u.Hostname())
	if err != nil || len(addrs) == 0 {
		return "", false
	}
	sort.Strings(addrs) // "127.0.0.1" before "::1": the address the test portal listens on
	if p := u.Port(); p != "" {
		return net.JoinHostPort(addrs[0], p), true
	}
	return addrs[0], true
}

// decodeUntagged reads a response body that lacks its class tag by adding it (the
// accept-untagged knob).
func decodeUntagged(body []byte, tx string, opts *mesh.DecodeOptions) (mesh.MeshResponse, error) {
	t, ok := mesh.LookupTransaction(tx)
	if !ok {
		return nil, fmt.Errorf("client: %w: unknown transaction %s", ErrProtocol, tx)
	}
	wrapped := append([]byte(`{"`+t.Response+`":`), body...)
	wrapped = append(wrapped, '}')
	return mesh.DecodeResponse(wrapped, tx, opts)
}
