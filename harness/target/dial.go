package target

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
)

// ErrNoDial reports a target that cannot open a raw connection: one reached through a proxy.
var ErrNoDial = errors.New("target: no raw connection through a proxy")

// Dial opens a connection of the caller's own to the portal, TLS when the URL is https, for
// requests the HTTP client cannot send (headers a byte at a time). It is not rate limited:
// the caller bounds what it sends. Close it when done.
func (h *HTTP) Dial(ctx context.Context) (net.Conn, error) {
	tr, ok := h.client.Transport.(*http.Transport)
	if !ok || tr.Proxy != nil {
		return nil, ErrNoDial
	}
	addr := h.url.Host
	if h.url.Port() == "" {
		port := "80"
		if h.url.Scheme == "https" {
			port = "443"
		}
		addr = net.JoinHostPort(h.url.Hostname(), port)
	}
	dctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	conn, err := tr.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("target: dial %s: %w", addr, err)
	}
	if h.url.Scheme != "https" {
		return conn, nil
	}
	cfg := tr.TLSClientConfig.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = h.url.Hostname()
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(dctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("target: TLS handshake with %s: %w", addr, err)
	}
	return tc, nil
}

// RequestTarget returns the path and Host header a raw request to the portal carries.
func (h *HTTP) RequestTarget() (path, host string) {
	host = h.host
	if host == "" {
		host = h.url.Host
	}
	return h.url.RequestURI(), host
}
