package proxy

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// ServeLoopback runs p.Serve on a loopback port, as the command does, and returns its base URL
// and the function that shuts it down; the tests of both packages start the proxy with it.
func ServeLoopback(tb testing.TB, p *Proxy) (string, func()) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			tb.Errorf("Serve returned %v", err)
		}
	}
}
