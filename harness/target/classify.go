package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"syscall"
)

// Causes the transport's own errors leave untyped (net/http reports them as plain text). Post
// recognises them from what it saw on the connection and records them in Exchange.Cause, so that
// callers branch with errors.Is instead of reading error text.
var (
	// ErrNotHTTP: bytes came back, but they do not begin an HTTP response.
	ErrNotHTTP = errors.New("the answer is not HTTP")
	// ErrHeadTooLarge: the response head went on past the bound (endless or huge headers).
	ErrHeadTooLarge = fmt.Errorf("the response head exceeds %d bytes", maxHeaderBytes)
	// ErrTLSHandshake: the TLS handshake failed (whatever the TLS library's error).
	ErrTLSHandshake = errors.New("TLS handshake failed")
)

// NotHTTPError is ErrNotHTTP with the first bytes that came back.
type NotHTTPError struct {
	Begins []byte // at most 8 bytes
	Err    error  // the transport's error
}

func (e *NotHTTPError) Error() string {
	return fmt.Sprintf("%v (it begins %q): %v", ErrNotHTTP, e.Begins, e.Err)
}
func (e *NotHTTPError) Unwrap() error        { return e.Err }
func (e *NotHTTPError) Is(target error) bool { return target == ErrNotHTTP }

// sniffConn remembers what the server sent since the client last wrote: the first bytes and how
// many. Under TLS it sees the encrypted stream, so only the count is meaningful there.
type sniffConn struct {
	net.Conn
	mu    sync.Mutex
	first [8]byte
	n     int64
}

func (c *sniffConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.n = 0
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *sniffConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	if c.n < int64(len(c.first)) {
		copy(c.first[c.n:], b[:n])
	}
	c.n += int64(n)
	c.mu.Unlock()
	return n, err
}

// seen returns the first bytes read since the last write (at most 8) and their total count.
func (c *sniffConn) seen() ([]byte, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := min(c.n, int64(len(c.first)))
	return append([]byte(nil), c.first[:k]...), c.n
}

func sniffingDialer(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &sniffConn{Conn: c}, nil
	}
}

// observer follows one request through its phases (httptrace): which connection it got (the
// last attempt's, with whether it was kept alive and how long it had idled) and whether its TLS
// handshake failed.
type observer struct {
	mu     sync.Mutex
	got    httptrace.GotConnInfo
	tlsErr error
}

func (o *observer) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			o.mu.Lock()
			o.got = info
			o.mu.Unlock()
		},
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err != nil {
				o.mu.Lock()
				o.tlsErr = err
				o.mu.Unlock()
			}
		},
	}
}

// cause returns err with what the observer saw joined in as a typed cause.
func (o *observer) cause(err error) error {
	o.mu.Lock()
	tlsErr := o.tlsErr
	o.mu.Unlock()
	if errors.Is(err, http.ErrSchemeMismatch) {
		return err
	}
	if tlsErr != nil {
		return fmt.Errorf("%w: %w", ErrTLSHandshake, err)
	}
	sc, plain := o.sniffed()
	if sc == nil {
		return err
	}
	first, n := sc.seen()
	switch {
	case plain && n > 0 && !looksLikeHTTP(first):
		return &NotHTTPError{Begins: first, Err: err}
	case n >= maxHeaderBytes && !isTimeout(err):
		return fmt.Errorf("%w: %w", ErrHeadTooLarge, err)
	}
	return err
}

// sniffed is the sniffing layer of the connection the request got, and whether it carries the
// plain stream (under TLS it sees records); nil when the connection is none of the target's.
func (o *observer) sniffed() (sc *sniffConn, plain bool) {
	o.mu.Lock()
	conn := o.got.Conn
	o.mu.Unlock()
	switch c := conn.(type) {
	case *sniffConn:
		return c, true
	case *tls.Conn:
		sc, _ = c.NetConn().(*sniffConn)
	}
	return sc, false
}

// looksLikeHTTP reports whether b could be the start of "HTTP/".
func looksLikeHTTP(b []byte) bool {
	const prefix = "HTTP/"
	k := min(len(b), len(prefix))
	return string(b[:k]) == prefix[:k]
}

func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout()
}

// classify maps a transport error (with its typed cause, see observer.cause) to a Problem.
func classify(err error) Problem {
	var (
		certInv   x509.CertificateInvalidError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		verifyErr *tls.CertificateVerificationError
		recErr    tls.RecordHeaderError
		alertErr  tls.AlertError
		dnsErr    *net.DNSError
	)
	switch {
	case errors.Is(err, ErrNotHTTP), errors.Is(err, ErrHeadTooLarge), errors.Is(err, http.ErrSchemeMismatch):
		return ProblemMalformed
	case errors.Is(err, context.Canceled):
		return ProblemTimeout
	case errors.Is(err, ErrTLSHandshake), errors.As(err, &certInv), errors.As(err, &unknownCA), errors.As(err, &hostErr),
		errors.As(err, &verifyErr), errors.As(err, &recErr), errors.As(err, &alertErr):
		return ProblemTLS
	case isTimeout(err):
		return ProblemTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &dnsErr), isDialError(err):
		return ProblemRefused
	}
	// EOF, connection reset, a server closing mid-body: the connection went away.
	return ProblemDropped
}

// isDialError reports whether err happened while connecting (no connection was made).
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
