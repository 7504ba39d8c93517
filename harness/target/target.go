package target

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strings"
	"time"
)

// WellKnownPath is the portal's service path (spec/WIRE.md section 4).
const WellKnownPath = "/.well-known/mmm/"

// Defaults applied when an option is zero.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxResponse = 1 << 20 // 1 MiB: far above any portal answer, far below memory trouble
	// maxHeaderBytes bounds the response head; a server streaming headers forever is cut here.
	maxHeaderBytes = 64 << 10
)

// Options configure an HTTP(S) portal target. The zero value of each field is a safe default.
type Options struct {
	// URL of the portal. When it has no path (or only "/"), WellKnownPath is appended;
	// otherwise it is used as given, so portals mounted elsewhere can be tested.
	URL string
	// CAFile is a PEM bundle of roots trusted in addition to none: when set, only these roots
	// are trusted. Empty means the system roots.
	CAFile   string
	Insecure bool // skip certificate verification (self-signed test portals)
	// ClientCert and ClientKey are PEM files for TLS client authentication; both or neither.
	ClientCert, ClientKey string
	// Host overrides the Host header (the portal's DNS name when the URL uses an address).
	Host string
	// Header is added to every request; a check's own headers override it.
	Header http.Header
	// Proxy is an explicit proxy URL. The environment (HTTP_PROXY) is ignored on purpose: a
	// conformance run must send its requests where the command line says.
	Proxy string
	// Timeout bounds each request from dial to the last body byte.
	Timeout time.Duration
	// Rate limits requests per second across the whole target (0 means unlimited).
	Rate float64
	// MaxResponse bounds the response body kept; a longer body is a too-large problem.
	MaxResponse int64
}

// ConfigError reports options that cannot make a target (exit 2 territory).
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return fmt.Sprintf("target: %s: %v", e.Field, e.Err) }
func (e *ConfigError) Unwrap() error { return e.Err }

// ParseHeader parses a "Name: value" command-line header.
func ParseHeader(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "", "", &ConfigError{Field: "header", Err: fmt.Errorf("%q is not of the form 'Name: value'", s)}
	}
	value = strings.TrimSpace(value)
	if strings.ContainsAny(value, "\r\n") {
		return "", "", &ConfigError{Field: "header", Err: fmt.Errorf("%q: value contains a line break", s)}
	}
	return name, value, nil
}

// HTTP is a portal reached over HTTP or HTTPS. It is safe for concurrent use.
type HTTP struct {
	url         *url.URL
	host        string
	header      http.Header
	timeout     time.Duration
	maxResponse int64
	client      *http.Client
	fresh       *http.Client // keeps no connection: for requests that ask for Connection: close
	limiter     *limiter
}

// New builds a target from options.
func New(opts Options) (*HTTP, error) {
	u, err := ParsePortalURL(opts.URL)
	if err != nil {
		return nil, &ConfigError{Field: "url", Err: err}
	}
	tlsConf := &tls.Config{InsecureSkipVerify: opts.Insecure, MinVersion: tls.VersionTLS12} //nolint:gosec // the user asked for it
	if opts.CAFile != "" {
		pem, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, &ConfigError{Field: "ca", Err: err}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &ConfigError{Field: "ca", Err: fmt.Errorf("%s holds no PEM certificate", opts.CAFile)}
		}
		tlsConf.RootCAs = pool
	}
	if (opts.ClientCert == "") != (opts.ClientKey == "") {
		return nil, &ConfigError{Field: "client-cert", Err: errors.New("client certificate and key must be given together")}
	}
	if opts.ClientCert != "" {
		pair, err := tls.LoadX509KeyPair(opts.ClientCert, opts.ClientKey)
		if err != nil {
			return nil, &ConfigError{Field: "client-cert", Err: err}
		}
		tlsConf.Certificates = []tls.Certificate{pair}
	}
	if opts.Host != "" {
		// Verify the certificate against the portal's name, not the address the URL dials.
		tlsConf.ServerName = strings.Split(opts.Host, ":")[0]
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	maxResp := opts.MaxResponse
	if maxResp <= 0 {
		maxResp = DefaultMaxResponse
	}
	if opts.Rate < 0 {
		return nil, &ConfigError{Field: "rate", Err: fmt.Errorf("negative rate %v", opts.Rate)}
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            sniffingDialer(&net.Dialer{Timeout: timeout}),
		TLSClientConfig:        tlsConf,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: maxHeaderBytes,
		MaxIdleConnsPerHost:    16,
		IdleConnTimeout:        30 * time.Second,
		// Compression would let a small hostile body expand without the size bound seeing it.
		DisableCompression: true,
	}
	if opts.Proxy != "" {
		pu, err := url.Parse(opts.Proxy)
		if err != nil || pu.Host == "" {
			return nil, &ConfigError{Field: "proxy", Err: fmt.Errorf("bad proxy URL %q", opts.Proxy)}
		}
		tr.Proxy = http.ProxyURL(pu)
	}
	hdr := http.Header{}
	for k, vs := range opts.Header {
		for _, v := range vs {
			hdr.Add(k, v)
		}
	}
	noReuse := tr.Clone()
	noReuse.DisableKeepAlives = true
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &HTTP{
		fresh:       &http.Client{Transport: noReuse, CheckRedirect: noRedirect},
		url:         u,
		host:        opts.Host,
		header:      hdr,
		timeout:     timeout,
		maxResponse: maxResp,
		limiter:     newLimiter(opts.Rate),
		client: &http.Client{
			Transport: tr,
			// A portal never redirects a POST legitimately; following one would send the
			// request somewhere the user did not name.
			CheckRedirect: noRedirect,
		},
	}, nil
}

// ParsePortalURL reads a portal URL the one way every command reads it: http or https, a host,
// and WellKnownPath when the path is empty, "/" or WellKnownPath without its trailing slash
// (the protocol's own path, however typed; any other path is used as given, for portals
// mounted elsewhere). A URL without a scheme is refused with the URL it most likely meant
// (ErrNoScheme): guessing would send requests somewhere the user did not name.
func ParsePortalURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("no portal URL given")
	}
	if !strings.Contains(raw, "://") {
		return nil, &NoSchemeError{URL: raw, Suggest: suggestScheme(raw)}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q: no host", raw)
	}
	if u.Path == "" || u.Path == "/" || u.Path == strings.TrimSuffix(WellKnownPath, "/") {
		u.Path = WellKnownPath
	}
	return u, nil
}

// NoSchemeError is a portal URL given without http:// or https://.
type NoSchemeError struct {
	URL     string
	Suggest string // the URL it most likely meant
}

func (e *NoSchemeError) Error() string {
	return fmt.Sprintf("%q has no scheme: use %s", e.URL, e.Suggest)
}

// suggestScheme completes a URL given without scheme: http for a loopback name or an address
// (a portal under test on a developer's machine or a lab network), https for a DNS name.
func suggestScheme(raw string) string {
	hostport, rest, _ := strings.Cut(raw, "/")
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	scheme := "https://"
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || net.ParseIP(strings.Trim(host, "[]")) != nil {
		scheme = "http://"
	}
	return scheme + hostport + "/" + rest
}

// URL is the portal URL requests go to, without user information (safe to print).
func (h *HTTP) URL() string { return Sanitize(h.url) }

// Sanitize returns u as a string without user information.
func Sanitize(u *url.URL) string {
	cp := *u
	cp.User = nil
	return cp.String()
}

// Timeout is the per-request timeout.
func (h *HTTP) Timeout() time.Duration { return h.timeout }

// Close releases idle connections.
func (h *HTTP) Close() { h.client.CloseIdleConnections() }

// Client is an *http.Client that reaches the portal as the target does (TLS settings, proxy,
// per-request timeout, rate, extra headers, no redirect followed), for code that speaks the
// protocol through a client of its own: the transaction vectors' reference client. Host and
// the request's own headers stay the caller's.
func (h *HTTP) Client() *http.Client {
	return &http.Client{Timeout: h.timeout, Transport: &targetTransport{h: h}, CheckRedirect: h.client.CheckRedirect}
}

// targetTransport adds the target's rate limit and extra headers to a caller's requests.
type targetTransport struct{ h *HTTP }

func (t *targetTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.h.limiter.wait(r.Context()); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, fmt.Errorf("target: waiting for rate limit: %w", err)
	}
	r = r.Clone(r.Context())
	for k, vs := range t.h.header {
		if _, set := r.Header[k]; !set {
			r.Header[k] = append([]string(nil), vs...)
		}
	}
	var obs observer
	r = r.WithContext(httptrace.WithClientTrace(r.Context(), obs.trace()))
	resp, _, err := resendStale(r, &obs, t.h.client.Transport.RoundTrip, t.h.client.CloseIdleConnections)
	return resp, err
}

// Pinned returns a view of the target whose requests go, one after the other, over one
// connection of its own, kept alive between them unless the portal closes it: what checks use
// where the draft speaks of requests on one connection (the shared pool would hand each
// request whichever connection is idle, opened by any check). Close it when done.
func (h *HTTP) Pinned() *HTTP {
	tr := h.client.Transport.(*http.Transport).Clone()
	tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost = 1, 1
	p := *h
	p.client = &http.Client{Transport: tr, CheckRedirect: h.client.CheckRedirect}
	return &p
}

// Post sends body to the portal URL. Transport trouble is reported in Exchange.Problem with a nil
// error: the portal's misbehaviour is the portal's failure, for the check to judge. The error is
// non-nil only when ctx ended (the caller gave up) or the request could not be built; the
// exchange is returned even then.
func (h *HTTP) Post(ctx context.Context, body []byte, hdr http.Header) (*Exchange, error) {
	ex := &Exchange{Request: Request{Method: http.MethodPost, URL: h.url.String(), Body: append([]byte(nil), body...)}}
	if err := h.limiter.wait(ctx); err != nil {
		ex.Problem, ex.Err = ProblemTimeout, err.Error()
		return ex, fmt.Errorf("target: waiting for rate limit: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, h.url.String(), bytes.NewReader(body))
	if err != nil {
		return ex, fmt.Errorf("target: build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cache-Control", "no-store")
	for k, vs := range h.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range hdr {
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if h.host != "" {
		req.Host = h.host
	}
	if v := req.Header.Get("Host"); v != "" {
		// A check that sets Host means the request line's Host, not an extra header.
		req.Host = v
		req.Header.Del("Host")
	}
	ex.Request.Header = req.Header.Clone()
	ex.Request.Host = req.Host
	if ex.Request.Host == "" {
		ex.Request.Host = h.url.Host
	}

	// A request with Connection: close goes on a new connection of its own, closed after it:
	// what checks use where the draft speaks of a fresh connection.
	c := h.client
	if strings.EqualFold(req.Header.Get("Connection"), "close") {
		c = h.fresh
	}
	var obs observer
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), obs.trace()))
	ex.Started = time.Now()
	defer func() { ex.Duration = time.Since(ex.Started) }()
	resp, resent, err := resendStale(req, &obs, c.Do, c.CloseIdleConnections)
	ex.Resent = resent
	if err != nil {
		ex.Cause = obs.cause(err)
		ex.Problem, ex.Err = classify(ex.Cause), err.Error()
		return ex, callerErr(ctx)
	}
	defer resp.Body.Close()
	ex.Response = &Response{Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header.Clone()}
	data, err := io.ReadAll(io.LimitReader(resp.Body, h.maxResponse+1))
	ex.Response.Body = data
	switch {
	case int64(len(data)) > h.maxResponse:
		ex.Response.Body = data[:h.maxResponse]
		ex.Response.Truncated = true
		ex.Problem = ProblemTooLarge
		ex.Err = fmt.Sprintf("response body exceeds %d bytes", h.maxResponse)
	case err != nil:
		ex.Response.Truncated = true
		ex.Cause = err
		ex.Problem, ex.Err = classify(err), err.Error()
		return ex, callerErr(ctx)
	case resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "":
		ex.Problem = ProblemRedirect
	}
	return ex, nil
}

// callerErr is non-nil when the caller's own context ended: the request did not fail on its own.
func callerErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	return nil
}
