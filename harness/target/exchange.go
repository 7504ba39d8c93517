package target

import (
	"net/http"
	"time"
)

// Problem names what went wrong on the transport, as opposed to in the payload.
type Problem string

// The problems. ProblemNone means a complete HTTP response was received.
const (
	ProblemNone      Problem = ""
	ProblemTimeout   Problem = "timeout"            // no complete answer within the request deadline
	ProblemTooLarge  Problem = "too-large"          // the body exceeded the size bound (kept truncated)
	ProblemDropped   Problem = "connection-dropped" // closed or reset before the answer was complete
	ProblemRedirect  Problem = "redirect"           // a 3xx with Location: reported, never followed
	ProblemTLS       Problem = "tls"                // handshake or certificate failure
	ProblemRefused   Problem = "refused"            // no connection: refused or name not resolved
	ProblemMalformed Problem = "malformed-response" // bytes came back, but not HTTP
)

// NoAnswer reports whether the problem means the target did not answer at all (as opposed to
// answering badly): the runner uses it to tell a dead or hanging target from a wrong one.
func (p Problem) NoAnswer() bool {
	switch p {
	case ProblemTimeout, ProblemDropped, ProblemRefused, ProblemTLS:
		return true
	}
	return false
}

// Exchange is one request and whatever came back.
type Exchange struct {
	Request  Request
	Response *Response // nil when no response head arrived
	Started  time.Time
	Duration time.Duration
	Problem  Problem
	Err      string // the transport error text, when Problem is set
	// Resent: the request first went out on a kept-alive connection that the portal, its idle
	// timeout running out, closed without a byte of answer, and was sent again on a new one
	// (resendStale); what is recorded is the second attempt.
	Resent bool
	// Cause is the transport error itself, for errors.Is and errors.As (ErrNotHTTP,
	// ErrHeadTooLarge, ErrTLSHandshake, http.ErrSchemeMismatch, x509 and net errors); it is not
	// recorded in reports.
	Cause error
}

// Request is the request as sent.
type Request struct {
	Method string
	URL    string
	Host   string
	Header http.Header
	Body   []byte
}

// Response is the response as received.
type Response struct {
	Status    int
	Proto     string
	Header    http.Header
	Body      []byte // at most Options.MaxResponse bytes
	Truncated bool   // the body was cut: too large, or the connection ended early
	// Size is the length of the whole body when Body holds only its start (a recorder that
	// keeps a prefix of what it sent); zero means len(Body).
	Size int64
}
