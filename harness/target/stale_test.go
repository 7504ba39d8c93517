package target

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// closingPortal answers HTTP/1.1 POSTs over raw connections. On its first connection it answers
// one request and then, on reading the next, does what cut says (close with no answer, or after a
// partial one): a portal whose idle timeout met the request on the wire. Every later connection
// answers everything, unless cutFirst: then the first request of the first connection is cut.
type closingPortal struct {
	cut      string // the bytes written before closing ("" for none)
	cutFirst bool
	mu       sync.Mutex
	conns    int
	requests []string // "conn N: body"
}

func (p *closingPortal) serve(t *testing.T, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns++
		n := p.conns
		p.mu.Unlock()
		go p.conn(t, c, n)
	}
}

func (p *closingPortal) conn(t *testing.T, c net.Conn, n int) {
	defer c.Close()
	br := bufio.NewReader(c)
	for i := 1; ; i++ {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(req.Body)
		p.mu.Lock()
		p.requests = append(p.requests, fmt.Sprintf("conn %d: %s", n, body))
		p.mu.Unlock()
		if n == 1 && (i == 2 || p.cutFirst && i == 1) {
			_, _ = io.WriteString(c, p.cut)
			return
		}
		answer := `{"HelloResponse":{"Status":201}}`
		if _, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(answer), answer); err != nil {
			return
		}
	}
}

func (p *closingPortal) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...)
}

// TestResendsWhatAnIdleTimeoutCut: a request that meets the portal's idle timeout on a kept-alive
// connection is sent again on a new one and recorded as resent; the portal's own cuts are not.
func TestResendsWhatAnIdleTimeoutCut(t *testing.T) {
	defer func(d time.Duration) { staleIdle = d }(staleIdle)
	staleIdle = 50 * time.Millisecond
	for _, tc := range []struct {
		name       string
		cut        string // closingPortal's
		cutFirst   bool
		tls        bool
		pause      time.Duration // between the first and the second request
		viaClient  bool          // through Client(), as the vectors' reference client sends
		wantResent bool
		wantSeen   []string
	}{
		{name: "idle connection closed unanswered", pause: 80 * time.Millisecond, wantResent: true,
			wantSeen: []string{"conn 1: one", "conn 1: two", "conn 2: two"}},
		{name: "the same through Client", pause: 80 * time.Millisecond, viaClient: true, wantResent: true,
			wantSeen: []string{"conn 1: one", "conn 1: two", "conn 2: two"}},
		{name: "the same over TLS", tls: true, pause: 80 * time.Millisecond, wantResent: true,
			wantSeen: []string{"conn 1: one", "conn 1: two", "conn 2: two"}},
		{name: "connection used a moment ago", pause: 0,
			wantSeen: []string{"conn 1: one", "conn 1: two"}},
		{name: "part of an answer came", cut: "HTTP/1.1 2", pause: 80 * time.Millisecond,
			wantSeen: []string{"conn 1: one", "conn 1: two"}},
		{name: "part of an answer came over TLS", tls: true, cut: "HTTP/1.1 2", pause: 80 * time.Millisecond,
			wantSeen: []string{"conn 1: one", "conn 1: two"}},
		{name: "a new connection cut", cutFirst: true, pause: 80 * time.Millisecond,
			wantSeen: []string{"conn 1: one", "conn 2: two"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			mustNil(t, err, "listen")
			scheme := "http"
			if tc.tls {
				ln, scheme = tls.NewListener(ln, testServerTLS(t)), "https"
			}
			defer ln.Close()
			p := &closingPortal{cut: tc.cut, cutFirst: tc.cutFirst}
			go p.serve(t, ln)
			tg, err := New(Options{URL: scheme + "://" + ln.Addr().String(), Timeout: 5 * time.Second, Insecure: true})
			mustNil(t, err, "target")
			post := func(body string) *Exchange {
				if tc.viaClient {
					resp, err := tg.Client().Post(tg.url.String(), "application/json", strings.NewReader(body))
					if err != nil {
						return &Exchange{Problem: classify(err), Err: err.Error()}
					}
					_, _ = io.Copy(io.Discard, resp.Body) // so that the connection is kept
					resp.Body.Close()
					return &Exchange{Response: &Response{Status: resp.StatusCode}}
				}
				ex, err := tg.Post(context.Background(), []byte(body), nil)
				mustNil(t, err, "post")
				return ex
			}
			first := post("one")
			if tc.cutFirst {
				eq(t, ProblemDropped, first.Problem, "a request cut on a new connection: ", first.Err)
				eq(t, false, first.Resent, "resent")
			} else {
				eq(t, ProblemNone, first.Problem, first.Err)
			}
			time.Sleep(tc.pause)
			second := post("two")
			if tc.wantResent || tc.cutFirst {
				eq(t, ProblemNone, second.Problem, second.Err)
			} else {
				eq(t, ProblemDropped, second.Problem, second.Err)
			}
			if !tc.viaClient {
				eq(t, tc.wantResent, second.Resent, "resent")
			}
			eq(t, strings.Join(tc.wantSeen, ", "), strings.Join(p.seen(), ", "), "requests the portal read")
		})
	}
}

// testServerTLS is httptest's server certificate configuration, for a listener of the test's own.
func testServerTLS(t *testing.T) *tls.Config {
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.StartTLS()
	cfg := srv.TLS.Clone()
	srv.Close()
	return cfg
}
