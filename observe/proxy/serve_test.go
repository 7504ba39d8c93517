package proxy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshconform/meshconform/observe"
)

// rawPortal answers each request it reads on a connection with the next of answers, recording
// the bytes it received; after the answers listed for a connection it closes it without a word.
type rawPortal struct {
	ln      net.Listener
	mu      sync.Mutex
	got     bytes.Buffer
	answers []string
	perConn int           // answers per connection before closing it; 0: no limit
	closed  chan struct{} // told each time it closed a connection
}

func startRawPortal(t *testing.T, perConn int, answers ...string) *rawPortal {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rp := &rawPortal{ln: ln, answers: answers, perConn: perConn, closed: make(chan struct{}, 16)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go rp.serve(c)
		}
	}()
	return rp
}

func (rp *rawPortal) serve(c net.Conn) {
	defer func() {
		c.Close()
		rp.closed <- struct{}{}
	}()
	var raw bytes.Buffer
	br := bufio.NewReader(io.TeeReader(c, &raw))
	for n := 0; rp.perConn == 0 || n < rp.perConn; n++ {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, req.Body)
		rp.mu.Lock()
		rp.got.Write(raw.Next(raw.Len() - br.Buffered()))
		answer := rp.answers[0]
		rp.answers = rp.answers[1:]
		rp.mu.Unlock()
		if _, err := io.WriteString(c, answer); err != nil {
			return
		}
	}
}

func (rp *rawPortal) received() string {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.got.String()
}

// serveRaw runs p.Serve and returns its address and what stops it.
func serveRaw(t *testing.T, p *Proxy) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
		p.Close()
	})
	return ln.Addr().String()
}

// exchangeRaw writes request on a new connection and reads until the connection ends or
// answerLen bytes came.
func exchangeRaw(t *testing.T, addr, request string, answerLen int) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if answerLen > 0 {
		_, _ = io.CopyN(&got, c, int64(answerLen))
	} else {
		_, _ = io.Copy(&got, c)
	}
	return got.String()
}

// TestServeForwardsBytes: Serve forwards the request and answer bytes exactly as they came
// (header case and order, repeated headers, chunked framing with extensions and trailers, an
// answer without a reason phrase), several exchanges on one client connection, and judges each
// with its body decoded and its head parsed as net/http would.
func TestServeForwardsBytes(t *testing.T) {
	answers := []string{
		"HTTP/1.1 200\r\ncontent-TYPE: application/json\r\nX-b: 2\r\nX-a: 1\r\nContent-Length: 7\r\n\r\n{\"A\":1}",
		"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\n{\"B\r\n2\r\n\":\r\n2\r\n2}\r\n0\r\nX-Trailer: t\r\n\r\n",
	}
	rp := startRawPortal(t, 0, answers...)
	u, _ := url.Parse("http://" + rp.ln.Addr().String())
	var exs []*observe.Exchange
	p := New(Config{Portal: u, Consume: func(ex *observe.Exchange) { exs = append(exs, ex) }})
	addr := serveRaw(t, p)
	requests := []string{
		"POST /.well-known/mmm/?q=1 HTTP/1.1\r\nhost: portal.example\r\nX-Z: last\r\nX-Z: again\r\ncontent-length: 12\r\nAuthorization: Mesh a=\"b\"\r\n\r\n{\"Get\":{}}\r\n",
		"POST /.well-known/mmm/ HTTP/1.1\r\nHost: portal.example\r\nTransfer-Encoding: chunked\r\n\r\n4;ext\r\n{\"Ge\r\n6\r\nt\":{}}\r\n0\r\nX-T: 1\r\n\r\n",
	}
	got := exchangeRaw(t, addr, requests[0]+requests[1], len(answers[0])+len(answers[1]))
	if got != answers[0]+answers[1] {
		t.Errorf("the client received\n%q\nwant\n%q", got, answers[0]+answers[1])
	}
	if rec := rp.received(); rec != requests[0]+requests[1] {
		t.Errorf("the portal received\n%q\nwant\n%q", rec, requests[0]+requests[1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.Shutdown(ctx)
	p.Close()
	if len(exs) != 2 {
		t.Fatalf("%d exchanges judged", len(exs))
	}
	first, second := exs[0], exs[1]
	if first.Request.Method != "POST" || first.Request.URL != "/.well-known/mmm/?q=1" || first.Request.Host != "portal.example" ||
		first.Request.Header.Get("Authorization") == "" || len(first.Request.Header["X-Z"]) != 2 || first.Request.Header.Get("Host") != "" ||
		string(first.Request.Body) != "{\"Get\":{}}\r\n" || first.Response.Status != 200 || string(first.Response.Body) != `{"A":1}` ||
		first.Response.Header.Get("Content-Type") != "application/json" {
		t.Errorf("first exchange recorded as %+v / %+v", first.Request, first.Response)
	}
	if string(second.Request.Body) != `{"Get":{}}` || second.Request.Size != 10 || second.Request.Header.Get("Transfer-Encoding") != "" ||
		second.Response.Status != 201 || string(second.Response.Body) != `{"B":2}` || second.Seq != first.Seq+1 {
		t.Errorf("second exchange recorded as %+v / %+v", second.Request, second.Response)
	}
}

// TestServeRefuses: what would let the proxy and the portal delimit a request differently, or
// what the proxy does not speak, is refused with a clear answer, and the portal sees nothing.
func TestServeRefuses(t *testing.T) {
	rp := startRawPortal(t, 0)
	u, _ := url.Parse("http://" + rp.ln.Addr().String())
	judged := 0
	p := New(Config{Portal: u, Consume: func(*observe.Exchange) { judged++ }})
	addr := serveRaw(t, p)
	for _, tc := range []struct {
		name, request string
		status        string
	}{
		{"garbage", "hello\r\n\r\n", "400"},
		{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "505"},
		{"CONNECT", "CONNECT portal.example:443 HTTP/1.1\r\nHost: portal.example:443\r\n\r\n", "501"},
		{"gzip transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501"},
		{"both lengths", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", "400"},
		{"conflicting lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "400"},
		{"space before colon", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 3\r\n\r\nabc", "400"},
		{"folded line", "POST / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", "400"},
		{"chunked HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"},
		{"head over 1 MiB", "GET / HTTP/1.1\r\nX-Big: " + strings.Repeat("a", 1<<20) + "\r\n\r\n", "431"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := exchangeRaw(t, addr, tc.request, 0)
			if !strings.HasPrefix(got, "HTTP/1.1 "+tc.status+" ") || !strings.Contains(got, "meshconform proxy: ") {
				t.Errorf("answered %.200q, want %s with a reason", got, tc.status)
			}
		})
	}
	if rec := rp.received(); rec != "" {
		t.Errorf("the portal received %q", rec)
	}
	if judged != 0 {
		t.Errorf("%d refusals judged", judged)
	}
}

// TestServeConnections: a portal connection the portal closed while idle is not used again
// (the second request still gets its answer), Connection: close from the client closes its
// connection after the answer, and an unreachable portal gives 502 with the exchange judged.
func TestServeConnections(t *testing.T) {
	answer := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	rp := startRawPortal(t, 1, answer, answer, answer)
	u, _ := url.Parse("http://" + rp.ln.Addr().String())
	p := New(Config{Portal: u})
	addr := serveRaw(t, p)
	req := "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
	for i := range 2 {
		if got := exchangeRaw(t, addr, req, len(answer)); got != answer {
			t.Errorf("request %d answered %q", i, got)
		}
		select { // on loopback the portal's FIN is at the proxy's idle connection once it closed
		case <-rp.closed:
		case <-time.After(10 * time.Second):
			t.Fatalf("request %d never reached the portal", i)
		}
	}
	// Connection: close: the answer, then the end of the connection (exchangeRaw reads to it).
	if got := exchangeRaw(t, addr, "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 0); got != answer {
		t.Errorf("Connection: close answered %q", got)
	}

	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	du, _ := url.Parse("http://" + dead.Addr().String())
	dead.Close()
	var exs []*observe.Exchange
	p2 := New(Config{Portal: du, Consume: func(ex *observe.Exchange) { exs = append(exs, ex) }})
	addr2 := serveRaw(t, p2)
	if got := exchangeRaw(t, addr2, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", 0); !strings.HasPrefix(got, "HTTP/1.1 502 ") {
		t.Errorf("an unreachable portal answered %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p2.Shutdown(ctx)
	p2.Close()
	if len(exs) != 1 || exs[0].Response != nil || !strings.Contains(exs[0].Error, "dial") || exs[0].Request.URL != "/x" {
		t.Errorf("judged %+v", exs)
	}
}

// TestServeExpectContinue: a client that waits for 100 Continue before its body gets it from the
// portal through the proxy, and its body arrives; a portal refusing before the body has its
// answer reach the client, which then sends no body.
func TestServeExpectContinue(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/refuse" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		b, _ := io.ReadAll(r.Body) // net/http sends 100 Continue here
		_, _ = w.Write(b)
	}))
	defer upstream.Close()
	u, _ := url.Parse(upstream.URL)
	var exs []*observe.Exchange
	p := New(Config{Portal: u, Consume: func(ex *observe.Exchange) { exs = append(exs, ex) }})
	addr := serveRaw(t, p)
	for _, tc := range []struct {
		path, first string
		body        bool
		status      int
		answer      string
	}{
		{path: "/echo", first: "HTTP/1.1 100 Continue\r\n", body: true, status: 200, answer: "hello"},
		{path: "/refuse", first: "HTTP/1.1 401 Unauthorized\r\n", status: 401},
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		_, _ = io.WriteString(c, "POST "+tc.path+" HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		if line, err := br.ReadString('\n'); line != tc.first {
			t.Fatalf("%s: first line %q (%v), want %q", tc.path, line, err, tc.first)
		}
		if tc.body {
			if _, err := br.ReadString('\n'); err != nil { // the empty line ending the 100
				t.Fatal(err)
			}
			_, _ = io.WriteString(c, "hello")
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || string(b) != tc.answer {
				t.Errorf("%s: %d %q", tc.path, resp.StatusCode, b)
			}
		}
		c.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.Shutdown(ctx)
	p.Close()
	if len(exs) != 2 || string(exs[0].Request.Body) != "hello" || exs[0].Response.Status != 200 ||
		exs[1].Response == nil || exs[1].Response.Status != 401 || exs[1].Request.Size != 0 {
		t.Errorf("judged %d exchanges: %+v", len(exs), exs)
	}
}
