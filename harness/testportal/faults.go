package testportal

import "sort"

// Fault is one scripted misbehaviour. The zero value is a conforming portal.
type Fault string

// The faults. Each names what the portal does to every response it would otherwise send
// correctly, unless the description narrows it to one transaction.
const (
	None Fault = ""
	// ForgedProfile re-signs every Get entry with a key that is not an OnlineSignatureKey.
	ForgedProfile Fault = "forged-profile"
	// UnsignedProfile strips the signatures of every Get entry.
	UnsignedProfile Fault = "unsigned-profile"
	// ForgedResult re-signs the ConnectStatus Result with a key that is no administration key.
	ForgedResult Fault = "forged-result"
	// UnsignedResult strips the signatures of the ConnectStatus Result.
	UnsignedResult Fault = "unsigned-result"
	// WrongWitness computes the ConnectStart witness wrongly (the portal's wrong-witness knob).
	WrongWitness Fault = "wrong-witness"
	// Untagged writes responses without their class tag (the portal's untagged-responses knob).
	Untagged Fault = "untagged"
	// PayloadError answers HTTP 200 with payload Status 409.
	PayloadError Fault = "payload-error"
	// HTTPError answers HTTP 500 with the correct, successful payload.
	HTTPError Fault = "http-error"
	// PayloadRedirect answers HTTP 200 with payload Status 307 and a URI in StatusDescription.
	PayloadRedirect Fault = "payload-redirect"
	// Truncated announces the whole body in Content-Length and closes the connection halfway.
	Truncated Fault = "truncated"
	// Huge sends a 256 MiB body.
	Huge Fault = "huge"
	// NeverEnding streams a body that does not end (bounded at 1 GiB by the portal itself).
	NeverEnding Fault = "never-ending"
	// Slow sends the body one byte every 200 ms.
	Slow Fault = "slow"
	// Stalled sends the response head and then nothing.
	Stalled Fault = "stalled"
	// InvalidJSON sends a body that is not JSON.
	InvalidJSON Fault = "invalid-json"
	// InvalidUTF8 puts invalid UTF-8 in StatusDescription.
	InvalidUTF8 Fault = "invalid-utf8"
	// Redirect answers HTTP 307 to another server on loopback, which records what reaches it.
	Redirect Fault = "redirect"
	// TLSSelfSigned serves HTTPS with a self-signed certificate no client should trust.
	TLSSelfSigned Fault = "tls-self-signed"
	// Flaky fails (payload 503, with HTTP 200 or 503) or delays requests at a seeded rate, as
	// Pebble does to harden ACME clients.
	Flaky Fault = "flaky"
	// TakenAfterValidate refuses CreateAccount with 409 as if another user took the name after
	// the client's Validate.
	TakenAfterValidate Fault = "taken-after-validate"
)

// Faults lists every fault, sorted.
func Faults() []Fault {
	out := []Fault{ForgedProfile, UnsignedProfile, ForgedResult, UnsignedResult, WrongWitness, Untagged,
		PayloadError, HTTPError, PayloadRedirect, Truncated, Huge, NeverEnding, Slow, Stalled, InvalidJSON,
		InvalidUTF8, Redirect, TLSSelfSigned, Flaky, TakenAfterValidate}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
