package target

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
)

// The pre-flight classifies the target before the first check, so that a misconfiguration (the
// wrong scheme, path or Host, an untrusted certificate) or something that is no portal at all
// stops the run with one line and the next step, instead of failing every check against
// requirements it has nothing to do with.
//
// Where the boundary lies: the pre-flight sends one request the caller supplies (a Hello) and
// passes when the answer is complete HTTP (any status but a redirect) whose body the caller reads
// as a message of the protocol, refusal or not. A portal that refuses Hello with a well-formed
// error payload is a portal: the checks judge it (the pre-flight only says so in a note), unless
// the same request with another Host is accepted, which proves the Host was the trouble. Only
// what cannot be a portal (no connection, no answer, not HTTP, not the protocol), or what is
// proven to be the user's setting, stops the run. On the happy path it sends exactly one request;
// the diagnoses that cost more (another Host, the well-known path, a TLS handshake, following a
// redirect) run only after the first answer failed.

// Condition is what the pre-flight found; Ready means the checks may run.
type Condition string

// The conditions, each worded for the one line the user reads.
const (
	Ready            Condition = ""
	Unreachable      Condition = "unreachable"
	NoAnswer         Condition = "no answer"
	WrongScheme      Condition = "wrong scheme"
	TLSNotVerifiable Condition = "TLS not verifiable"
	TLSFailed        Condition = "TLS failed"
	NotHTTP          Condition = "not HTTP"
	OversizedHeaders Condition = "oversized headers"
	NoPortal         Condition = "no Mesh portal"
	HostNotAccepted  Condition = "Host not accepted"
	Redirected       Condition = "redirected"
)

// Reading is the caller's reading of an answer to the pre-flight request: the target knows no
// protocol.
type Reading int

// The readings.
const (
	Foreign  Reading = iota // not a message of the protocol
	Refusal                 // a message of the protocol refusing the request (an error Status)
	Accepted                // a message of the protocol answering it
)

// Hello is the request every portal answers, and how to read the answer.
type Hello struct {
	Body []byte
	Read func(status int, body []byte) Reading
}

// PreflightResult is the pre-flight's verdict.
type PreflightResult struct {
	Condition Condition
	Observed  string // what was seen, one clause
	Hint      string // the next step, one clause
	Note      string // when Ready: worth saying before the checks run (a refused Hello)
	// Requests counts what was sent: HTTP requests and bare TLS handshakes.
	Requests int
}

// OK reports whether the checks may run.
func (p *PreflightResult) OK() bool { return p.Condition == Ready }

// Error is the one line for the user: condition, observation and next step.
func (p *PreflightResult) Error() string {
	return fmt.Sprintf("%s: %s; %s", p.Condition, p.Observed, p.Hint)
}

// maxRedirects bounds how many redirects the pre-flight follows to tell a loop from a move.
const maxRedirects = 5

// Preflight classifies the target of opts with hello. Options that cannot make a target are
// returned as the error (a ConfigError).
func Preflight(ctx context.Context, opts Options, hello Hello) (*PreflightResult, error) {
	tg, err := New(opts)
	if err != nil {
		return nil, err
	}
	defer tg.Close()
	pf := &preflight{ctx: ctx, opts: opts, hello: hello, res: &PreflightResult{}}
	pf.judge(tg, pf.send(tg, nil))
	return pf.res, nil
}

type preflight struct {
	ctx   context.Context
	opts  Options
	hello Hello
	res   *PreflightResult
}

func (pf *preflight) send(tg *HTTP, hdr http.Header) *Exchange {
	pf.res.Requests++
	ex, _ := tg.Post(pf.ctx, pf.hello.Body, hdr)
	return ex
}

func (pf *preflight) read(ex *Exchange) Reading {
	if ex.Response == nil || ex.Problem == ProblemTooLarge || ex.Problem == ProblemRedirect {
		return Foreign
	}
	return pf.hello.Read(ex.Response.Status, ex.Response.Body)
}

func (pf *preflight) stop(c Condition, hint, observed string, args ...any) {
	pf.res.Condition, pf.res.Hint, pf.res.Observed = c, hint, fmt.Sprintf(observed, args...)
}

func (pf *preflight) judge(tg *HTTP, ex *Exchange) {
	switch {
	case ex.Response == nil:
		pf.transport(tg, ex)
	case ex.Problem == ProblemRedirect:
		pf.redirect(tg, ex)
	default:
		switch pf.read(ex) {
		case Accepted:
		case Refusal:
			if name := pf.otherHost(tg, ex); name != "" {
				pf.hostRefused(tg, ex, name)
				return
			}
			pf.res.Note = fmt.Sprintf("the portal refuses Hello at %s with Host %s (HTTP %d: %s); the checks run and judge it",
				tg.URL(), ex.Request.Host, ex.Response.Status, excerpt(ex.Response.Body))
		default:
			pf.foreign(tg, ex)
		}
	}
}

func (pf *preflight) hostRefused(tg *HTTP, ex *Exchange, name string) {
	pf.stop(HostNotAccepted, "use --host "+name,
		"%s refuses Hello with Host %s (HTTP %d: %s) and answers it with Host %s",
		tg.URL(), ex.Request.Host, ex.Response.Status, excerpt(ex.Response.Body), name)
}

// transport classifies an exchange that got no HTTP answer, by the type of its cause.
func (pf *preflight) transport(tg *HTTP, ex *Exchange) {
	var (
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		recErr    tls.RecordHeaderError
		dnsErr    *net.DNSError
		notHTTP   *NotHTTPError
	)
	cause, u := ex.Cause, tg.url
	switch {
	case errors.Is(cause, http.ErrSchemeMismatch):
		pf.stop(WrongScheme, "use "+withScheme(u, "http"), "%s answers plain HTTP, not HTTPS", u.Host)
	case errors.As(cause, &unknownCA):
		pf.stop(TLSNotVerifiable, "use --insecure or --ca FILE",
			"the certificate of %s is signed by an authority not trusted here (%s)", u.Host, certName(unknownCA.Cert))
	case errors.As(cause, &hostErr):
		pf.certHost(tg, hostErr)
	case errors.As(cause, &invalid):
		pf.stop(TLSNotVerifiable, "use --insecure, or renew the certificate", "the certificate of %s is not valid: %v", u.Host, invalid)
	case errors.As(cause, &recErr):
		pf.stop(NotHTTP, "check the host and port", "%s does not speak TLS (it begins %q)", u.Host, recErr.RecordHeader[:])
	case ex.Problem == ProblemTLS:
		pf.stop(TLSFailed, "check the portal's TLS setup (--client-cert and --client-key if it asks for a client certificate)",
			"the TLS handshake with %s failed: %s", u.Host, ex.Err)
	case errors.As(cause, &dnsErr):
		pf.stop(Unreachable, "check the URL", "the name %s does not resolve", u.Hostname())
	case errors.Is(cause, syscall.ECONNREFUSED):
		pf.stop(Unreachable, "check the URL and that the portal is running", "nothing listens at %s (connection refused)", u.Host)
	case isDialError(cause):
		pf.stop(Unreachable, "check the URL, the network and --proxy", "no connection to %s within --timeout %s: %s", u.Host, tg.timeout, ex.Err)
	case pf.speaksTLS(tg):
		pf.stop(WrongScheme, "use "+withScheme(u, "https"), "%s speaks TLS, not plain HTTP", u.Host)
	case errors.Is(cause, ErrHeadTooLarge):
		pf.stop(OversizedHeaders, "check the URL: no portal answers like this (a proxy in the way?)",
			"the answer's headers from %s go on past %d KiB", u.Host, maxHeaderBytes>>10)
	case errors.As(cause, &notHTTP):
		pf.stop(NotHTTP, "check the host and port", "%s answers, but not in HTTP (it begins %q)", u.Host, notHTTP.Begins)
	case ex.Problem == ProblemMalformed:
		pf.stop(NotHTTP, "check the host and port", "%s answers, but not in HTTP: %s", u.Host, ex.Err)
	case ex.Problem == ProblemTimeout:
		pf.stop(NoAnswer, "check the portal, or raise --timeout",
			"%s accepted the connection but did not answer Hello within --timeout %s", u.Host, tg.timeout)
	default:
		pf.stop(NoAnswer, "check the URL's scheme and port", "%s closed the connection without answering Hello (%s)", u.Host, ex.Err)
	}
}

// certHost handles a certificate that does not name the host: a name it holds that the portal
// answers to is the --host to use.
func (pf *preflight) certHost(tg *HTTP, hostErr x509.HostnameError) {
	names := hostErr.Certificate.DNSNames
	for _, name := range names[:min(len(names), 2)] {
		if strings.Contains(name, "*") {
			continue
		}
		opts := pf.opts
		opts.Host = name
		alt, err := New(opts)
		if err != nil {
			continue
		}
		ex := pf.send(alt, nil)
		alt.Close()
		if pf.read(ex) == Accepted {
			pf.stop(TLSNotVerifiable, "use --host "+name, "the certificate of %s names %s, where the portal answers", tg.url.Host, name)
			return
		}
	}
	pf.stop(TLSNotVerifiable, "use --host NAME with a name the certificate holds, or --insecure",
		"the certificate of %s is not valid for %s (it names %s)", tg.url.Host, hostErr.Host, strings.Join(names, ", "))
}

// foreign handles a complete HTTP answer that is not the protocol: the wrong scheme, Host or
// path, or no portal at all.
func (pf *preflight) foreign(tg *HTTP, ex *Exchange) {
	u := tg.url
	if pf.speaksTLS(tg) {
		pf.stop(WrongScheme, "use "+withScheme(u, "https"), "%s speaks TLS, not plain HTTP", u.Host)
		return
	}
	if name := pf.otherHost(tg, ex); name != "" {
		pf.hostRefused(tg, ex, name)
		return
	}
	seen := fmt.Sprintf("HTTP %d %s", ex.Response.Status, describe(ex.Response))
	if u.Path != WellKnownPath {
		wk := *u
		wk.Path, wk.RawPath = WellKnownPath, ""
		opts := pf.opts
		opts.URL = wk.String()
		if alt, err := New(opts); err == nil {
			r := pf.read(pf.send(alt, nil))
			alt.Close()
			if r != Foreign {
				pf.stop(NoPortal, "use --portal "+Sanitize(&wk), "Hello at %s got %s, not a Mesh message, but the portal answers at %s", tg.URL(), seen, WellKnownPath)
				return
			}
		}
	}
	pf.stop(NoPortal, "check the URL: the portal is usually at "+WellKnownPath, "Hello at %s got %s, not a Mesh message", tg.URL(), seen)
}

// redirect follows redirects within the same host name, to tell a loop from a portal that moved;
// it sends nothing to another host (the request carries the user's headers).
func (pf *preflight) redirect(tg *HTTP, ex *Exchange) {
	visited := []string{tg.url.String()}
	cur := tg.url
	for range maxRedirects {
		loc, err := cur.Parse(ex.Response.Header.Get("Location"))
		if err != nil {
			pf.stop(Redirected, "check the URL", "%s redirects to %q, which is no URL", Sanitize(cur), ex.Response.Header.Get("Location"))
			return
		}
		if slices.Contains(visited, loc.String()) {
			pf.stop(Redirected, "give the portal's own URL, or fix the redirect", "redirect loop: %s leads back to %s", tg.URL(), Sanitize(loc))
			return
		}
		visited = append(visited, loc.String())
		if !strings.EqualFold(loc.Hostname(), tg.url.Hostname()) {
			pf.stop(Redirected, "if the portal is there, use --portal "+Sanitize(loc), "%s redirects to another host, %s", tg.URL(), Sanitize(loc))
			return
		}
		opts := pf.opts
		opts.URL = loc.String()
		alt, err := New(opts)
		if err != nil {
			pf.stop(Redirected, "check the URL", "%s redirects to %s", tg.URL(), Sanitize(loc))
			return
		}
		ex = pf.send(alt, nil)
		alt.Close()
		cur = loc
		if ex.Problem == ProblemRedirect {
			continue
		}
		if pf.read(ex) != Foreign {
			pf.stop(Redirected, "use --portal "+Sanitize(loc), "%s redirects to %s, where the portal answers", tg.URL(), Sanitize(loc))
			return
		}
		pf.stop(Redirected, "check the URL: the portal is usually at "+WellKnownPath, "%s redirects to %s, where no portal answers", tg.URL(), Sanitize(loc))
		return
	}
	pf.stop(Redirected, "give the portal's own URL, or fix the redirect", "%s redirects more than %d times", tg.URL(), maxRedirects)
}

// otherHost returns a Host name, without port, with which the portal accepts the Hello it did not
// accept with the Host sent; empty when none does. The candidates are the URL's own host when
// --host replaced it, the Host sent without its port, and the DNS names of the URL's address: each
// tried, never guessed.
func (pf *preflight) otherHost(tg *HTTP, ex *Exchange) string {
	sent := ex.Request.Host
	var names []string
	add := func(n string) {
		n = strings.TrimSuffix(n, ".")
		if n != "" && !strings.EqualFold(n, sent) && !slices.ContainsFunc(names, func(m string) bool { return strings.EqualFold(m, n) }) {
			names = append(names, n)
		}
	}
	if pf.opts.Host != "" {
		add(tg.url.Hostname())
	}
	if h, _, err := net.SplitHostPort(sent); err == nil {
		add(h)
	}
	if ip := net.ParseIP(tg.url.Hostname()); ip != nil && pf.opts.Proxy == "" {
		ctx, cancel := context.WithTimeout(pf.ctx, tg.timeout)
		rev, _ := net.DefaultResolver.LookupAddr(ctx, ip.String())
		cancel()
		for _, n := range rev[:min(len(rev), 2)] {
			add(n)
		}
	}
	for _, name := range names {
		if pf.read(pf.send(tg, http.Header{"Host": {name}})) == Accepted {
			return name
		}
	}
	return ""
}

// speaksTLS reports whether a TLS handshake succeeds at the http URL's address: the user wrote
// http:// for a TLS portal. Nothing is sent but the handshake; never through a proxy.
func (pf *preflight) speaksTLS(tg *HTTP) bool {
	u := tg.url
	if u.Scheme != "http" || pf.opts.Proxy != "" {
		return false
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	pf.res.Requests++
	ctx, cancel := context.WithTimeout(pf.ctx, tg.timeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	defer raw.Close()
	conn := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, ServerName: u.Hostname()}) //nolint:gosec // only asks whether TLS is spoken
	return conn.HandshakeContext(ctx) == nil
}

func withScheme(u *url.URL, scheme string) string {
	cp := *u
	cp.Scheme = scheme
	return Sanitize(&cp)
}

func certName(c *x509.Certificate) string {
	if c == nil {
		return "no certificate"
	}
	return "issuer " + c.Issuer.String()
}

// describe names what kind of body came back.
func describe(r *Response) string {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "no Content-Type"
	}
	return fmt.Sprintf("(%s, %d bytes)", ct, len(r.Body))
}

// excerpt is the start of a body for one line: control characters and invalid UTF-8 shown as '.'.
func excerpt(b []byte) string {
	const limit = 120
	s := strings.ToValidUTF8(string(b[:min(len(b), limit)]), ".")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '.'
		}
		return r
	}, s)
	if len(b) > limit {
		s += "..."
	}
	return s
}
