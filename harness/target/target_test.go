package target

import (
	"bufio"
	"context"
	"errors"
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

// Each hostile case must return within its request timeout plus slack: a case exceeding it means
// the target hung, which is the failure these tests exist to catch. The slack is a hang guard,
// not a speed limit: a starved machine (GOMAXPROCS=1, every core busy) stays far inside it.
//
// Cases that expect a complete (if hostile) answer get a timeout no loaded machine comes near,
// so that it cannot turn them into timeouts; cases that expect a timeout get a short one.
const (
	reqTimeout   = 20 * time.Second
	shortTimeout = 500 * time.Millisecond
	slack        = 20 * time.Second
)

func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	mustNil(t, err, "")
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestHostileServers(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		raw       func(net.Conn)
		problem   Problem
		cause     error // when set, ex.Cause must be it (errors.Is)
		status    int
		truncated bool
	}{
		{
			name:    "ok",
			handler: func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"HelloResponse":{}}`)) },
			problem: ProblemNone, status: 200,
		},
		{
			name: "streams forever",
			handler: func(w http.ResponseWriter, r *http.Request) {
				for r.Context().Err() == nil {
					if _, err := w.Write([]byte(big)); err != nil {
						return
					}
				}
			},
			problem: ProblemTooLarge, status: 200, truncated: true,
		},
		{
			name: "sends 100 MB",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "104857600")
				for i := 0; i < 100<<20/len(big); i++ {
					if _, err := w.Write([]byte(big)); err != nil {
						return
					}
				}
			},
			problem: ProblemTooLarge, status: 200, truncated: true,
		},
		{
			name: "trickles one byte at a time",
			handler: func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.WriteHeader(200)
				for r.Context().Err() == nil {
					w.Write([]byte("{"))
					w.(http.Flusher).Flush()
					select {
					case <-time.After(50 * time.Millisecond):
					case <-r.Context().Done():
					}
				}
			},
			problem: ProblemTimeout, status: 200, truncated: true,
		},
		{
			name: "never answers",
			handler: func(w http.ResponseWriter, r *http.Request) {
				// Reading the body lets the server notice the client hanging up.
				io.Copy(io.Discard, r.Body)
				<-r.Context().Done()
			},
			problem: ProblemTimeout,
		},
		{
			name: "redirects",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://elsewhere.example/", http.StatusTemporaryRedirect)
			},
			problem: ProblemRedirect, status: 307,
		},
		{
			name: "closes mid-body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "1000")
				w.WriteHeader(200)
				w.Write([]byte(`{"Hello`))
				w.(http.Flusher).Flush()
				c, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					c.Close()
				}
			},
			problem: ProblemDropped, status: 200, truncated: true,
		},
		{
			name: "garbage instead of HTTP",
			raw: func(c net.Conn) {
				bufio.NewReader(c).ReadString('\n')
				c.Write([]byte("\x00\x01garbage, not HTTP at all\r\n\r\n"))
			},
			problem: ProblemMalformed, cause: ErrNotHTTP,
		},
		{
			name: "endless header line",
			raw: func(c net.Conn) {
				bufio.NewReader(c).ReadString('\n')
				c.Write([]byte("HTTP/1.1 200 OK\r\nX-Junk: "))
				for {
					if _, err := c.Write([]byte(big)); err != nil {
						return
					}
				}
			},
			problem: ProblemMalformed, cause: ErrHeadTooLarge,
		},
		{
			name: "closes without answering",
			raw: func(c net.Conn) {
				bufio.NewReader(c).ReadString('\n')
			},
			problem: ProblemDropped,
		},
		{
			name: "accepts and stays silent",
			raw: func(c net.Conn) {
				c.SetReadDeadline(time.Now().Add(slack))
				buf := make([]byte, 1024)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			},
			problem: ProblemTimeout,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var u string
			if tc.raw != nil {
				u = rawServer(t, tc.raw)
			} else {
				srv := httptest.NewServer(tc.handler)
				t.Cleanup(srv.Close)
				u = srv.URL
			}
			timeout := reqTimeout
			if tc.problem == ProblemTimeout {
				timeout = shortTimeout
			}
			tg, err := New(Options{URL: u, Timeout: timeout, MaxResponse: 1 << 20})
			mustNil(t, err, "")
			defer tg.Close()
			start := time.Now()
			ex, err := tg.Post(context.Background(), []byte(`{"Hello":{}}`), nil)
			mustNil(t, err, "a hostile server is the target's failure, not a harness error")
			isTrue(t, time.Since(start) < timeout+slack, "took", time.Since(start))
			eq(t, tc.problem, ex.Problem, "err: ", ex.Err)
			if tc.cause != nil {
				isTrue(t, errors.Is(ex.Cause, tc.cause), "cause: ", ex.Cause)
			}
			if tc.status != 0 {
				if ex.Response == nil {
					t.Fatal("ex.Response is nil")
				}
				eq(t, tc.status, ex.Response.Status)
				eq(t, tc.truncated, ex.Response.Truncated)
				isTrue(t, len(ex.Response.Body) <= 1<<20, "body not bounded")
			}
		})
	}
}

func TestRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	mustNil(t, err, "")
	addr := ln.Addr().String()
	ln.Close()
	tg, err := New(Options{URL: "http://" + addr, Timeout: reqTimeout})
	mustNil(t, err, "")
	ex, err := tg.Post(context.Background(), nil, nil)
	mustNil(t, err, "")
	eq(t, ProblemRefused, ex.Problem)
	isTrue(t, ex.Problem.NoAnswer(), "refused is no answer")
}

func TestTLSUnknownAuthority(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	tg, err := New(Options{URL: srv.URL, Timeout: 5 * time.Second})
	mustNil(t, err, "")
	ex, err := tg.Post(context.Background(), nil, nil)
	mustNil(t, err, "")
	eq(t, ProblemTLS, ex.Problem, ex.Err)

	insecure, err := New(Options{URL: srv.URL, Timeout: 5 * time.Second, Insecure: true})
	mustNil(t, err, "")
	ex, err = insecure.Post(context.Background(), nil, nil)
	mustNil(t, err, "")
	eq(t, ProblemNone, ex.Problem, ex.Err)
}

func TestRequestShape(t *testing.T) {
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		b := make([]byte, 100)
		n, _ := r.Body.Read(b)
		body = string(b[:n])
	}))
	defer srv.Close()
	tg, err := New(Options{
		URL:    srv.URL,
		Host:   "portal.example",
		Header: http.Header{"X-Extra": {"one"}, "X-Override": {"target"}},
	})
	mustNil(t, err, "")
	ex, err := tg.Post(context.Background(), []byte(`{"Hello":{}}`), http.Header{"X-Override": {"check"}})
	mustNil(t, err, "")
	if got == nil {
		t.Fatal("got is nil")
	}
	eq(t, http.MethodPost, got.Method)
	eq(t, WellKnownPath, got.URL.Path, "a URL without path gets the well-known path")
	eq(t, "portal.example", got.Host)
	eq(t, "application/json", got.Header.Get("Content-Type"))
	eq(t, "no-store", got.Header.Get("Cache-Control"))
	eq(t, "one", got.Header.Get("X-Extra"))
	eq(t, "check", got.Header.Get("X-Override"), "a check's header overrides the target's")
	eq(t, `{"Hello":{}}`, body)
	eq(t, "portal.example", ex.Request.Host)
	eq(t, `{"Hello":{}}`, string(ex.Request.Body))
}

func TestCallerCancel(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer srv.Close()
	tg, err := New(Options{URL: srv.URL, Timeout: time.Minute})
	mustNil(t, err, "")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	ex, err := tg.Post(ctx, nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the caller's deadline is reported to the caller, got %v", err)
	}
	eq(t, ProblemTimeout, ex.Problem)
}

func TestOptionsErrors(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		field string
	}{
		{"no url", Options{}, "url"},
		{"bad scheme", Options{URL: "ftp://x"}, "url"},
		{"no host", Options{URL: "http://"}, "url"},
		{"missing CA", Options{URL: "http://x", CAFile: "/nonexistent/ca.pem"}, "ca"},
		{"cert without key", Options{URL: "http://x", ClientCert: "c.pem"}, "client-cert"},
		{"bad proxy", Options{URL: "http://x", Proxy: "::"}, "proxy"},
		{"negative rate", Options{URL: "http://x", Rate: -1}, "rate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("want *ConfigError, got %v", err)
			}
			eq(t, tc.field, ce.Field)
		})
	}
}

func TestPortalURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://p.example", "http://p.example/.well-known/mmm/"},
		{"http://p.example/", "http://p.example/.well-known/mmm/"},
		{"http://p.example/.well-known/mmm", "http://p.example/.well-known/mmm/"},
		{"http://p.example/.well-known/mmm/", "http://p.example/.well-known/mmm/"},
		{"http://p.example/x/.well-known/mmm", "http://p.example/x/.well-known/mmm"},
		{"https://p.example:8443/custom/", "https://p.example:8443/custom/"},
	}
	for _, tc := range tests {
		u, err := ParsePortalURL(tc.in)
		mustNil(t, err, "")
		eq(t, tc.want, u.String())
	}
	for in, want := range map[string]string{
		"localhost:8080":         "http://localhost:8080/",
		"127.0.0.1:8080/custom/": "http://127.0.0.1:8080/custom/",
		"[::1]:8080":             "http://[::1]:8080/",
		"portal.example.com":     "https://portal.example.com/",
	} {
		_, err := ParsePortalURL(in)
		var ns *NoSchemeError
		isTrue(t, errors.As(err, &ns) && ns.Suggest == want, fmt.Sprintf("%s: suggests %v, want %s", in, err, want))
	}
	tg, err := New(Options{URL: "https://user:secret@p.example/"})
	mustNil(t, err, "")
	isTrue(t, !strings.Contains(tg.URL(), "secret"), "the printable URL drops user information")
}

// TestClient: the target's *http.Client sends the extra headers (not over the caller's own), and
// answers a redirect with the redirect, as Post does.
func TestClient(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	tg, err := New(Options{URL: srv.URL + "/", Header: http.Header{"X-Api-Key": {"k"}, "X-Both": {"target"}}})
	mustNil(t, err, "")
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/.well-known/mmm/", strings.NewReader("{}"))
	req.Header.Set("X-Both", "caller")
	resp, err := tg.Client().Do(req)
	mustNil(t, err, "")
	resp.Body.Close()
	eq(t, http.StatusTemporaryRedirect, resp.StatusCode)
	eq(t, "k", got.Get("X-Api-Key"))
	eq(t, "caller", got.Get("X-Both"))
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in, name, value string
		ok              bool
	}{
		{"X-A: b", "X-A", "b", true},
		{"X-A:b:c", "X-A", "b:c", true},
		{"no colon", "", "", false},
		{": v", "", "", false},
		{"X A: v", "", "", false},
	}
	for _, tc := range tests {
		n, v, err := ParseHeader(tc.in)
		if !tc.ok {
			isTrue(t, err != nil, "want error for", tc.in)
			continue
		}
		mustNil(t, err, "")
		eq(t, tc.name, n)
		eq(t, tc.value, v)
	}
}

func TestLimiterSpacing(t *testing.T) {
	l := newLimiter(4) // 250ms apart
	t0 := time.Unix(1000, 0)
	slots := []time.Time{l.reserve(t0), l.reserve(t0), l.reserve(t0), l.reserve(t0.Add(2 * time.Second))}
	eq(t, t0, slots[0])
	eq(t, t0.Add(250*time.Millisecond), slots[1])
	eq(t, t0.Add(500*time.Millisecond), slots[2])
	eq(t, t0.Add(2*time.Second), slots[3], "an idle limiter does not save up a burst")
	isTrue(t, newLimiter(0) == nil, "rate 0 means unlimited")
}

func TestLimiterHonoursContext(t *testing.T) {
	l := newLimiter(0.001) // one request per 1000 s
	mustNil(t, l.wait(context.Background()), "first wait")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	isTrue(t, errors.Is(l.wait(ctx), context.DeadlineExceeded), "wait must end with the context")
}

// TestConnectionCloseIsAFreshConnection: requests reuse a kept-alive connection, but one that
// asks for Connection: close is the first request of a connection of its own.
func TestConnectionCloseIsAFreshConnection(t *testing.T) {
	var mu sync.Mutex
	var conns []string // the client address of each request, in order
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns = append(conns, r.RemoteAddr)
		mu.Unlock()
	}))
	defer srv.Close()
	tg, err := New(Options{URL: srv.URL})
	mustNil(t, err, "")
	defer tg.Close()
	closeHdr := http.Header{"Connection": {"close"}}
	for _, hdr := range []http.Header{nil, nil, closeHdr, closeHdr, nil} {
		ex, err := tg.Post(context.Background(), []byte(`{"Hello":{}}`), hdr)
		mustNil(t, err, "")
		isTrue(t, ex.Response != nil, "no response")
	}
	eq(t, 5, len(conns))
	eq(t, conns[0], conns[1], "plain requests share a connection")
	isTrue(t, conns[2] != conns[0] && conns[3] != conns[0] && conns[3] != conns[2], "Connection: close requests each get a new connection: ", conns)
	eq(t, conns[0], conns[4], "the kept-alive connection is still used afterwards")
}

// TestPinnedSharesOneConnection: a pinned view sends its requests over one connection while
// the shared pool, busy with concurrent requests, has opened others.
func TestPinnedSharesOneConnection(t *testing.T) {
	var mu sync.Mutex
	conns := map[string]int{} // remote address -> requests
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		conns[r.RemoteAddr]++
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}))
	defer srv.Close()
	h, err := New(Options{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { h.Post(context.Background(), []byte(`{}`), nil) })
	}
	wg.Wait()
	p := h.Pinned()
	defer p.Close()
	for range 5 {
		if ex, err := p.Post(context.Background(), []byte(`{}`), nil); err != nil || ex.Problem != ProblemNone {
			t.Fatal(err, ex.Problem)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) < 2 {
		t.Fatalf("the test needs a pool of several connections, got %v", conns)
	}
	five := 0
	for _, n := range conns {
		if n == 5 {
			five++
		}
	}
	if five != 1 {
		t.Fatalf("no connection carried the pinned view's five requests alone: %v", conns)
	}
}
