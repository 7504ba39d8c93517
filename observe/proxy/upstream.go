package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"
)

const (
	bufSize         = 16 << 10
	maxIdleUpstream = 64
	idleConnTimeout = 90 * time.Second // as http.DefaultTransport's
	dialTimeout     = 30 * time.Second
)

// upstream is Serve's pool of keep-alive connections to the portal, most recently used first.
type upstream struct {
	addr   string
	tls    *tls.Config // nil: plain TCP
	mu     sync.Mutex
	idle   []*upConn
	closed bool
}

// upConn is one connection to the portal with its buffers.
type upConn struct {
	c     net.Conn
	r     *bufio.Reader
	w     *bufio.Writer
	since time.Time // when it went idle
}

func newUpstream(portal *url.URL, cfg *tls.Config) *upstream {
	u := &upstream{}
	if portal == nil {
		return u
	}
	port := portal.Port()
	if port == "" {
		port = "80"
		if portal.Scheme == "https" {
			port = "443"
		}
	}
	u.addr = net.JoinHostPort(portal.Hostname(), port)
	if portal.Scheme == "https" {
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		cfg = cfg.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = portal.Hostname()
		}
		cfg.NextProtos = []string{"http/1.1"} // the bytes forwarded are HTTP/1.1
		u.tls = cfg
	}
	return u
}

// get takes an idle connection that is still open, or dials a new one.
func (u *upstream) get(ctx context.Context) (*upConn, error) {
	u.mu.Lock()
	for len(u.idle) > 0 {
		uc := u.idle[len(u.idle)-1]
		u.idle = u.idle[:len(u.idle)-1]
		u.mu.Unlock()
		if time.Since(uc.since) < idleConnTimeout && uc.r.Buffered() == 0 && alive(uc.c) {
			return uc, nil
		}
		uc.c.Close()
		u.mu.Lock()
	}
	u.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	d := net.Dialer{KeepAlive: 30 * time.Second}
	c, err := d.DialContext(ctx, "tcp", u.addr)
	if err != nil {
		return nil, fmt.Errorf("dial the portal: %w", err)
	}
	if u.tls != nil {
		tc := tls.Client(c, u.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS with the portal: %w", err)
		}
		c = tc
	}
	return &upConn{c: c, r: bufio.NewReaderSize(c, bufSize), w: bufio.NewWriterSize(c, bufSize)}, nil
}

// put keeps uc for the next request, or closes it when the pool is full or closed.
func (u *upstream) put(uc *upConn) {
	uc.since = time.Now()
	u.mu.Lock()
	if !u.closed && len(u.idle) < maxIdleUpstream {
		u.idle = append(u.idle, uc)
		uc = nil
	}
	u.mu.Unlock()
	if uc != nil {
		uc.c.Close()
	}
}

// close closes the idle connections; those in use close when their exchange ends.
func (u *upstream) close() {
	u.mu.Lock()
	idle := u.idle
	u.idle, u.closed = nil, true
	u.mu.Unlock()
	for _, uc := range idle {
		uc.c.Close()
	}
}
