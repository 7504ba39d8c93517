package target

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// staleIdle is how long a kept-alive connection must have waited in the pool before a request on
// it that dies unanswered counts as having met the portal's idle timeout (resendStale). Servers
// close idle connections after seconds (Node.js 5 s, Apache 5 s, nginx 75 s, Go's default the
// read timeout); a connection used a moment ago that dies unanswered is the portal's own doing,
// and is reported as such. A variable so that tests need not wait for real idle timeouts.
var staleIdle = 500 * time.Millisecond

// resendStale sends req with send, and sends it once more, on a new connection, when it went out
// on a kept-alive connection that had been idle at least staleIdle and the portal closed without
// a byte of answer: the portal's idle timeout and the request crossed on the wire (RFC 9112,
// section 9.6: a server may close an idle connection at any time; section 9.3.1: a client may
// resend when it can tell the request was never applied, and a server closes only a connection
// it considers idle, so it never read this request). curl and OkHttp resend in the same case.
// Without it, a portal with a short keep-alive would get "no answer" verdicts that depend on
// how long the suite happened to pause. obs must follow req (its trace in req's context). idle
// drops the pool's other idle connections first, which may be as stale. The second attempt is
// final: a new connection closed unanswered is the portal's doing; so is a request whose body
// cannot be read again (no GetBody). resent reports whether the request was sent twice.
func resendStale(req *http.Request, obs *observer, send func(*http.Request) (*http.Response, error), idle func()) (resp *http.Response, resent bool, err error) {
	resp, err = send(req)
	if err == nil || req.Context().Err() != nil || !obs.stale() || !obs.closedUnanswered(err) {
		return resp, false, err
	}
	again := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return resp, false, err
		}
		body, gerr := req.GetBody()
		if gerr != nil {
			return resp, false, err
		}
		again.Body = body
	}
	idle()
	resp, err = send(again)
	return resp, true, err
}

// stale reports whether the request went out on a kept-alive connection that had idled at least
// staleIdle.
func (o *observer) stale() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.got.Reused && o.got.WasIdle && o.got.IdleTime >= staleIdle
}

// closedUnanswered reports whether err is the connection ending (EOF, reset, broken pipe, or the
// transport's own "server closed idle connection") with no byte of answer read since the request
// was written. Under TLS the bytes counted are records (a close_notify alert is some), so there
// the error decides: a partial answer ends in io.ErrUnexpectedEOF or a parse error, neither of
// which is io.EOF.
func (o *observer) closedUnanswered(err error) bool {
	ended := errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		strings.Contains(err.Error(), "server closed idle connection")
	if !ended {
		return false
	}
	sc, plain := o.sniffed()
	if sc == nil {
		return false
	}
	if !plain {
		return true
	}
	_, n := sc.seen()
	return n == 0
}
