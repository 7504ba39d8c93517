package target

import (
	"bufio"
	"context"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testHello reads {"HelloResponse":...} as the protocol, refusing when the HTTP status is 4xx or
// 5xx: the target package knows no protocol, so its tests bring their own.
var testHello = Hello{
	Body: []byte(`{"Hello":{}}`),
	Read: func(status int, body []byte) Reading {
		switch {
		case !strings.HasPrefix(string(body), `{"HelloResponse"`):
			return Foreign
		case status >= 400:
			return Refusal
		}
		return Accepted
	},
}

func helloHandler(accept func(r *http.Request) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != WellKnownPath {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if accept != nil && !accept(r) {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"HelloResponse":{"Status":400,"StatusDescription":"Host is not this portal's name"}}`))
			return
		}
		w.Write([]byte(`{"HelloResponse":{"Status":201}}`))
	}
}

func hostIs(name string) func(r *http.Request) bool {
	return func(r *http.Request) bool {
		h := r.Host
		if x, _, err := net.SplitHostPort(h); err == nil {
			h = x
		}
		return h == name
	}
}

// TestPreflight: one row per condition, each against a real server on loopback; the row names
// the condition and the exact next step the user is told.
func TestPreflight(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	tests := []struct {
		name string
		// exactly one of handler, tlsHandler, raw, refused makes the server
		handler    http.HandlerFunc
		tlsHandler http.HandlerFunc
		raw        func(net.Conn)
		refused    bool
		scheme     string                     // the scheme the user wrote (default: the server's)
		path       string                     // the URL path (default /)
		opts       func(o *Options, u string) // adjusts the options
		want       Condition
		hint       string // with {URL} for the server's http(s)://host:port
		note       bool
		reqs       int // when set, exactly this many requests
	}{
		{name: "a portal", handler: helloHandler(nil), want: Ready, reqs: 1},
		{name: "a portal that refuses Hello for its own reasons", handler: helloHandler(func(*http.Request) bool { return false }),
			opts: func(o *Options, _ string) { o.URL = strings.Replace(o.URL, "127.0.0.1", "localhost", 1) }, want: Ready, note: true},
		{name: "https against plain http", handler: helloHandler(nil), scheme: "https", want: WrongScheme,
			hint: "use http://{HOST}/.well-known/mmm/"},
		{name: "http against TLS", tlsHandler: helloHandler(nil), scheme: "http", want: WrongScheme,
			hint: "use https://{HOST}/.well-known/mmm/"},
		{name: "TLS with an unknown CA", tlsHandler: helloHandler(nil), want: TLSNotVerifiable, hint: "use --insecure or --ca FILE"},
		{name: "not HTTP", raw: func(c net.Conn) {
			bufio.NewReader(c).ReadString('\n')
			c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
		}, want: NotHTTP, hint: "check the host and port"},
		{name: "endless headers", raw: func(c net.Conn) {
			bufio.NewReader(c).ReadString('\n')
			c.Write([]byte("HTTP/1.1 200 OK\r\n"))
			for i := 0; ; i++ {
				if _, err := c.Write([]byte("X-Junk: " + big[:100] + "\r\n")); err != nil {
					return
				}
			}
		}, want: OversizedHeaders, hint: "check the URL: no portal answers like this (a proxy in the way?)"},
		{name: "nothing listens", refused: true, want: Unreachable, hint: "check the URL and that the portal is running"},
		{name: "connects but never answers", raw: func(c net.Conn) {
			c.SetReadDeadline(time.Now().Add(slack))
			buf := make([]byte, 1024)
			for {
				if _, err := c.Read(buf); err != nil {
					return
				}
			}
		}, opts: func(o *Options, _ string) { o.Timeout = shortTimeout }, want: NoAnswer, hint: "check the portal, or raise --timeout"},
		{name: "no portal at this path, one at the well-known path", handler: helloHandler(nil), path: "/api/", want: NoPortal,
			hint: "use --portal http://{HOST}/.well-known/mmm/"},
		{name: "no portal at all", handler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, want: NoPortal,
			hint: "check the URL: the portal is usually at /.well-known/mmm/"},
		{name: "a web page, not a portal", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>hello</html>"))
		}, want: NoPortal, hint: "check the URL: the portal is usually at /.well-known/mmm/"},
		{name: "--host refused, the URL's host accepted", handler: helloHandler(hostIs("127.0.0.1")),
			opts: func(o *Options, _ string) { o.Host = "wrong.example" }, want: HostNotAccepted, hint: "use --host 127.0.0.1"},
		{name: "--host with a port refused, without accepted", handler: helloHandler(func(r *http.Request) bool { return r.Host == "portal.example" }),
			opts: func(o *Options, u string) { o.Host = "portal.example:" + u[strings.LastIndex(u, ":")+1:] },
			want: HostNotAccepted, hint: "use --host portal.example"},
		{name: "redirect loop", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/a/", http.StatusTemporaryRedirect)
		}, path: "/a/", want: Redirected, hint: "give the portal's own URL, or fix the redirect"},
		{name: "two-step redirect loop", handler: func(w http.ResponseWriter, r *http.Request) {
			to := map[string]string{"/a/": "/b/", "/b/": "/a/"}[r.URL.Path]
			http.Redirect(w, r, to, http.StatusTemporaryRedirect)
		}, path: "/a/", want: Redirected, hint: "give the portal's own URL, or fix the redirect"},
		{name: "redirected to the portal", handler: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/old/" {
				http.Redirect(w, r, WellKnownPath, http.StatusPermanentRedirect)
				return
			}
			helloHandler(nil)(w, r)
		}, path: "/old/", want: Redirected, hint: "use --portal http://{HOST}/.well-known/mmm/"},
		{name: "redirected to another host", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://portal.example/.well-known/mmm/", http.StatusFound)
		}, want: Redirected, hint: "if the portal is there, use --portal https://portal.example/.well-known/mmm/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var u string
			switch {
			case tc.handler != nil:
				srv := httptest.NewServer(tc.handler)
				t.Cleanup(srv.Close)
				u = srv.URL
			case tc.tlsHandler != nil:
				srv := httptest.NewTLSServer(tc.tlsHandler)
				t.Cleanup(srv.Close)
				u = srv.URL
			case tc.raw != nil:
				u = rawServer(t, tc.raw)
			case tc.refused:
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				mustNil(t, err, "")
				u = "http://" + ln.Addr().String()
				ln.Close()
			}
			hostport := u[strings.Index(u, "//")+2:]
			if tc.scheme != "" {
				u = tc.scheme + "://" + hostport
			}
			opts := Options{URL: u + tc.path, Timeout: reqTimeout}
			if tc.opts != nil {
				tc.opts(&opts, u)
			}
			res, err := Preflight(context.Background(), opts, testHello)
			mustNil(t, err, "")
			t.Logf("%s (requests %d) note %q", res.Error(), res.Requests, res.Note)
			eq(t, tc.want, res.Condition, res.Error())
			eq(t, strings.ReplaceAll(tc.hint, "{HOST}", hostport), res.Hint)
			eq(t, tc.note, res.Note != "", "note: ", res.Note)
			if tc.reqs > 0 {
				eq(t, tc.reqs, res.Requests, "requests")
			}
			if !res.OK() {
				isTrue(t, !strings.Contains(res.Error(), "\n"), "one line: ", res.Error())
			}
		})
	}
}

// TestPreflightHostFromReverseDNS: a portal that answers only to its name, reached by address,
// is found by the address's DNS name (the reference portal reached at 127.0.0.1 answers only to
// localhost). The expected name comes from the resolver itself, so the test holds on any machine
// that maps 127.0.0.1 to a name.
func TestPreflightHostFromReverseDNS(t *testing.T) {
	names, _ := net.DefaultResolver.LookupAddr(context.Background(), "127.0.0.1")
	if len(names) == 0 {
		t.Skip("127.0.0.1 has no DNS name here")
	}
	name := strings.TrimSuffix(names[0], ".")
	srv := httptest.NewServer(helloHandler(hostIs(name)))
	defer srv.Close()
	res, err := Preflight(context.Background(), Options{URL: srv.URL, Timeout: reqTimeout}, testHello)
	mustNil(t, err, "")
	eq(t, HostNotAccepted, res.Condition, res.Error())
	eq(t, "use --host "+name, res.Hint)
}

// TestPreflightCertificateName: a certificate that does not name the URL's host, but names a host
// the portal answers to, gives that name as --host; one whose names the portal refuses gives the
// generic step.
func TestPreflightCertificateName(t *testing.T) {
	for _, tt := range []struct {
		accept string
		hint   string
	}{
		{"example.com", "use --host example.com"},
		{"portal.example", "use --host NAME with a name the certificate holds, or --insecure"},
	} {
		srv := httptest.NewTLSServer(helloHandler(hostIs(tt.accept)))
		ca := filepath.Join(t.TempDir(), "ca.pem")
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		mustNil(t, os.WriteFile(ca, pemBytes, 0o600), "")
		// httptest's certificate names example.com and 127.0.0.1, not localhost.
		u := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
		res, err := Preflight(context.Background(), Options{URL: u, CAFile: ca, Timeout: reqTimeout}, testHello)
		srv.Close()
		mustNil(t, err, "")
		eq(t, TLSNotVerifiable, res.Condition, res.Error())
		eq(t, tt.hint, res.Hint)
	}
}
