package testportal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
)

// Bounds that keep a hostile portal from hurting the harness that runs it.
const (
	maxRecordedBody = 1 << 20
	// HugeSize is the Content-Length a Huge body announces (MaxSend may end it sooner).
	HugeSize       = 256 << 20
	neverEndingCap = 1 << 30
	// stallLimit ends a slow or stalled answer even if the client never gives up; the shim
	// kills a client long before.
	stallLimit = 60 * time.Second
	slowPeriod = 200 * time.Millisecond
)

// ErrStart reports a portal that could not be started.
var ErrStart = errors.New("testportal: start")

// Options configure a test portal.
type Options struct {
	Fault Fault
	// Domain is the portal's DNS name (default "localhost").
	Domain string
	// URLHost is the host written in URL (default: Domain when it is "localhost", else
	// 127.0.0.1): a client then needs --host to send the portal's name.
	URLHost string
	// Seed and Rate drive the flaky fault (default rate 0.3).
	Seed uint64
	Rate float64
	// MaxSend ends a Huge or NeverEnding body once this many bytes went out (default: the
	// whole body; 1 GiB for never-ending): a check that has seen enough need not wait for more.
	MaxSend int64
	// Answer, when set, sees every answer of the portal after the fault and may replace it:
	// the transaction, the request body, and the answer's body and HTTP status. Vectors and
	// fuzzers serve their own answers through it.
	Answer func(tx string, req, body []byte, status int) ([]byte, int)
	// FaultFor, when set, picks the fault of each request by its transaction; None leaves it
	// to Fault. Fuzzers serve the answer-level faults (Huge, Redirect) of one run through it.
	FaultFor func(tx string) Fault
}

// Request is one request the client sent, as received.
type Request struct {
	Time   time.Time
	Server string // "portal", or "redirect" for the server a redirect named
	Method string
	Path   string
	Host   string
	Header http.Header
	Body   []byte
	Tx     string // transaction name, when the body decodes
	// Injected is what the flaky fault did to this request: "fail", "delay" or "".
	Injected string
	// Response is what the portal answered, as it went out.
	Response Response
}

// Response is one answer of the test portal as the client's connection took it.
type Response struct {
	Status int // HTTP status (0 when no head was written: a TLS failure, a hijack before it)
	Header http.Header
	// Sent counts the body bytes the client's connection accepted: what the client consumed,
	// give or take the socket buffers between the two (a few MiB at most on loopback).
	Sent int64
	// Prefix is the first MaxPrefix bytes of the body.
	Prefix []byte
	// Duration runs from the request's arrival to the end of the answer.
	Duration time.Duration
	// Done is set once the handler returned; until then Sent and Duration are still growing.
	Done bool
}

// MaxPrefix bounds what is kept of each response body.
const MaxPrefix = 4 << 10

// Server is a running test portal.
type Server struct {
	URL    string // the service URL the client is given
	Domain string

	opts     Options
	portal   *portal.Portal
	dataDir  string
	srv      *httptest.Server
	elsewhre *httptest.Server
	attacker *keys.PrivateKey
	issuer   *auth.Issuer

	mu        sync.Mutex
	requests  []Request
	rnd       *rand.Rand
	failures  int
	closed    chan struct{}
	closeOnce sync.Once
}

// Start starts a test portal on loopback.
func Start(opts Options) (*Server, error) {
	if opts.Domain == "" {
		opts.Domain = "localhost"
	}
	if opts.URLHost == "" {
		opts.URLHost = "127.0.0.1"
		if opts.Domain == "localhost" {
			opts.URLHost = "localhost"
		}
	}
	if opts.Rate <= 0 {
		opts.Rate = 0.3
	}
	dir, err := os.MkdirTemp("", "meshconform-testportal-*")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	// The test portal grants sessions (NOTE-AUTH-SESSION) with an issuer it keeps, so that it
	// can verify the session requests a client sends (VerifyAuthorization).
	issuer, err := auth.NewIssuer(opts.Domain, time.Hour, nil)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	cfg := portal.Config{Domain: opts.Domain, DataDir: dir, Issuer: issuer}
	cfg.Bugs.WrongWitness = opts.Fault == WrongWitness
	cfg.Bugs.UntaggedResponses = opts.Fault == Untagged
	p, err := portal.New(cfg)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	// The attacker's key signs forged material: a valid signature by a key the profile does
	// not name, which only a signature check against the profile can catch.
	atk, err := keys.Generate(keys.Ed448, nil)
	if err != nil {
		p.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("%w: %w", ErrStart, err)
	}
	s := &Server{Domain: opts.Domain, opts: opts, portal: p, dataDir: dir, attacker: atk, issuer: issuer,
		rnd: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), closed: make(chan struct{})}
	s.elsewhre = httptest.NewServer(s.recording("redirect", p.Handler()))
	s.srv = httptest.NewUnstartedServer(s.recording("portal", http.HandlerFunc(s.serve)))
	// Handshake failures are what the TLS fault is for: not worth a line on the terminal.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	scheme := "http"
	if opts.Fault == TLSSelfSigned {
		s.srv.StartTLS()
		scheme = "https"
	} else {
		s.srv.Start()
	}
	port := s.srv.Listener.Addr().(*net.TCPAddr).Port
	s.URL = fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(opts.URLHost, strconv.Itoa(port)), portal.Path)
	return s, nil
}

// Close stops both servers and removes the store. Handlers that stream or stall stop at once.
// Closing twice is harmless.
func (s *Server) Close() {
	s.closeOnce.Do(s.close)
}

func (s *Server) close() {
	close(s.closed)
	s.srv.CloseClientConnections()
	s.elsewhre.CloseClientConnections()
	s.srv.Close()
	s.elsewhre.Close()
	s.portal.Close()
	os.RemoveAll(s.dataDir)
}

// Requests returns every request received so far, on both servers, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// VerifyAuthorization verifies the Authorization header value of a request with body: a
// NOTE-AUTH signature for the portal's name, or a NOTE-AUTH-SESSION MAC under a session this
// portal granted and that has not expired. It returns what the request stands for (the
// account, the device key) and whether it was made in a session.
func (s *Server) VerifyAuthorization(value string, body []byte) (h *auth.Header, inSession bool, err error) {
	if !auth.IsSession(value) {
		if h, err = auth.Parse(value); err != nil {
			return nil, false, err
		}
		return h, false, h.Verify(s.Domain, body)
	}
	sh, err := auth.ParseSession(value)
	if err != nil {
		return nil, true, err
	}
	ticket, err := s.issuer.Open(sh, time.Now())
	if err != nil {
		return nil, true, err
	}
	h, err = ticket.Verify(sh, s.Domain, body)
	return h, true, err
}

// Direct returns a client that talks to the portal's own handler in-process, without faults or
// recording: how a check sets up accounts and approvals the client under test then meets.
func (s *Server) Direct() *client.Client {
	return &client.Client{URL: "http://" + s.Domain + portal.Path,
		HTTP: &http.Client{Transport: handlerTransport{s.portal.Handler()}}}
}

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// recording reads and records the request, then hands a fresh copy of the body to next.
func (s *Server) recording(name string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxRecordedBody))
		rec := Request{Time: time.Now(), Server: name, Method: r.Method, Path: r.URL.Path, Host: r.Host,
			Header: r.Header.Clone(), Body: body}
		if req, _, err := mesh.DecodeRequest(body, nil); err == nil {
			rec.Tx = req.Transaction()
		}
		if name == "portal" && s.opts.Fault == Flaky {
			rec.Injected = s.draw()
		}
		s.mu.Lock()
		idx := len(s.requests)
		s.requests = append(s.requests, rec)
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		ctx := context.WithValue(r.Context(), recordKey{}, idx)
		aw := &answerWriter{ResponseWriter: w, s: s, idx: idx}
		next.ServeHTTP(aw, r.WithContext(ctx))
		s.mu.Lock()
		resp := &s.requests[idx].Response
		if resp.Status == 0 && !aw.hijacked {
			resp.Status, resp.Header = http.StatusOK, w.Header().Clone()
		}
		resp.Duration, resp.Done = time.Since(rec.Time), true
		s.mu.Unlock()
	})
}

// answerWriter records the answer of one request as it is written: its head, how much of the
// body the connection accepted, and the start of the body.
type answerWriter struct {
	http.ResponseWriter
	s        *Server
	idx      int
	hijacked bool
}

func (a *answerWriter) WriteHeader(code int) {
	a.s.mu.Lock()
	if resp := &a.s.requests[a.idx].Response; resp.Status == 0 {
		resp.Status, resp.Header = code, a.ResponseWriter.Header().Clone()
	}
	a.s.mu.Unlock()
	a.ResponseWriter.WriteHeader(code)
}

func (a *answerWriter) Write(p []byte) (int, error) {
	a.s.mu.Lock()
	if resp := &a.s.requests[a.idx].Response; resp.Status == 0 {
		resp.Status, resp.Header = http.StatusOK, a.ResponseWriter.Header().Clone()
	}
	a.s.mu.Unlock()
	n, err := a.ResponseWriter.Write(p)
	a.s.mu.Lock()
	resp := &a.s.requests[a.idx].Response
	resp.Sent += int64(n)
	if room := MaxPrefix - len(resp.Prefix); room > 0 {
		resp.Prefix = append(resp.Prefix, p[:min(n, room)]...)
	}
	a.s.mu.Unlock()
	return n, err
}

// Flush and Hijack keep the faults that stream or cut the connection working through the
// recorder.
func (a *answerWriter) Flush() { flush(a.ResponseWriter) }

func (a *answerWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := a.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("testportal: the connection cannot be taken over")
	}
	a.hijacked = true
	return hj.Hijack()
}

type recordKey struct{}

// draw decides the flaky fault's action for one request from the seeded source.
func (s *Server) draw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch x := s.rnd.Float64(); {
	case x < s.opts.Rate:
		return "fail"
	case x < 2*s.opts.Rate:
		return "delay"
	}
	return ""
}

func (s *Server) injected(r *http.Request) (string, int) {
	idx, _ := r.Context().Value(recordKey{}).(int)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[idx].Injected, idx
}

// serve is the front handler: it applies the fault around the reference portal.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	tx := ""
	body, _ := io.ReadAll(r.Body)
	if req, _, err := mesh.DecodeRequest(body, nil); err == nil {
		tx = req.Transaction()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	fault := s.opts.Fault
	if s.opts.FaultFor != nil {
		if f := s.opts.FaultFor(tx); f != None {
			fault = f
		}
	}
	switch fault {
	case Redirect:
		http.Redirect(w, r, s.elsewhre.URL+portal.Path, http.StatusTemporaryRedirect)
		return
	case Stalled:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		flush(w)
		s.wait(r, stallLimit)
		return
	case Slow:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		deadline := time.Now().Add(stallLimit)
		for time.Now().Before(deadline) {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			flush(w)
			if !s.wait(r, slowPeriod) {
				return
			}
		}
		return
	case Huge, NeverEnding:
		s.stream(w, r, tx, fault)
		return
	case InvalidJSON:
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"` + responseTag(tx) + `": {"Status": 201, "StatusDescription": "ok",,]`))
		return
	case TakenAfterValidate:
		if tx == "CreateAccount" {
			writeJSON(w, http.StatusConflict, []byte(`{"CreateResponse":{"Status":409,"StatusDescription":"account already exists"}}`))
			return
		}
	case Flaky:
		switch inj, _ := s.injected(r); inj {
		case "fail":
			// Alternate the HTTP status of injected failures, starting with 200, so that a
			// client trusting either status is caught by the first two failures.
			s.mu.Lock()
			code := http.StatusOK
			if s.failures%2 == 1 {
				code = http.StatusServiceUnavailable
			}
			s.failures++
			s.mu.Unlock()
			writeJSON(w, code, []byte(`{"`+responseTag(tx)+`":{"Status":503,"StatusDescription":"overloaded (injected)"}}`))
			return
		case "delay":
			s.mu.Lock()
			d := time.Duration(50+s.rnd.IntN(250)) * time.Millisecond
			s.mu.Unlock()
			s.wait(r, d)
		}
	}

	rec := httptest.NewRecorder()
	s.portal.Handler().ServeHTTP(rec, r)
	status, out := rec.Code, rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	out, status = s.rewrite(tx, out, status)
	if s.opts.Answer != nil {
		out, status = s.opts.Answer(tx, body, out, status)
	}
	if fault == Truncated {
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		w.WriteHeader(status)
		w.Write(out[:len(out)/2])
		flush(w)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(status)
	w.Write(out)
}

// wait sleeps d unless the client went away or the server closes; it reports whether the full
// time passed.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closed:
	}
	return false
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func writeJSON(w http.ResponseWriter, code int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	w.Write(body)
}

func responseTag(tx string) string {
	if t, ok := mesh.LookupTransaction(tx); ok {
		return t.Response
	}
	return "HelloResponse"
}

// stream writes a body that starts as the right response and never closes its string.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, tx string, fault Fault) {
	w.Header().Set("Content-Type", "application/json")
	total := int64(neverEndingCap)
	if fault == Huge {
		total = HugeSize
		w.Header().Set("Content-Length", strconv.FormatInt(total, 10))
	}
	w.WriteHeader(http.StatusOK)
	head := []byte(`{"` + responseTag(tx) + `":{"Status":201,"StatusDescription":"`)
	w.Write(head)
	if s.opts.MaxSend > 0 {
		total = min(total, s.opts.MaxSend)
	}
	chunk := bytes.Repeat([]byte("A"), 64<<10)
	for sent := int64(len(head)); sent < total; sent += int64(len(chunk)) {
		n := min(int64(len(chunk)), total-sent)
		if _, err := w.Write(chunk[:n]); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.closed:
			return
		default:
		}
	}
}

// rewrite applies the faults that change a correct response.
func (s *Server) rewrite(tx string, body []byte, status int) ([]byte, int) {
	switch s.opts.Fault {
	case HTTPError:
		return body, http.StatusInternalServerError
	case PayloadError:
		return s.setStatus(tx, body, 409, "refused (injected)"), http.StatusOK
	case PayloadRedirect:
		return s.setStatus(tx, body, 307, "http://elsewhere.invalid/.well-known/mmm/"), http.StatusOK
	case InvalidUTF8:
		const marker = "meshconform-invalid-utf8-marker"
		out := s.setStatus(tx, body, -1, marker)
		return bytes.Replace(out, []byte(marker), []byte("caf\xc3 \xff\xfe"), 1), status
	case ForgedProfile, UnsignedProfile:
		if tx != "Get" {
			return body, status
		}
		resp, err := mesh.DecodeResponse(body, tx, nil)
		if err != nil {
			return body, status
		}
		g := resp.(*mesh.GetResponse)
		for i := range g.Entries {
			g.Entries[i] = s.spoil(&g.Entries[i])
		}
		return encode(g, body), status
	case ForgedResult, UnsignedResult:
		if tx != "ConnectStatus" {
			return body, status
		}
		resp, err := mesh.DecodeResponse(body, tx, nil)
		if err != nil {
			return body, status
		}
		cs := resp.(*mesh.ConnectStatusResponse)
		if cs.Result != nil {
			spoiled := s.spoil(cs.Result)
			cs.Result = &spoiled
		}
		return encode(cs, body), status
	}
	return body, status
}

// spoil re-signs an envelope with the attacker's key, or strips its signatures.
func (s *Server) spoil(env *mesh.DareMessage) mesh.DareMessage {
	switch s.opts.Fault {
	case ForgedProfile, ForgedResult:
		if forged, err := auth.SignPayload(env.Payload, s.attacker); err == nil {
			return *forged
		}
	}
	return *dare.WithoutSignatures(env)
}

func encode(resp mesh.MeshResponse, fallback []byte) []byte {
	out, err := mesh.EncodeResponse(resp)
	if err != nil {
		return fallback
	}
	return out
}

// setStatus rewrites Status (unless code < 0) and StatusDescription of a tagged response.
func (s *Server) setStatus(tx string, body []byte, code int32, desc string) []byte {
	resp, err := mesh.DecodeResponse(body, tx, nil)
	if err != nil {
		return body
	}
	v := reflect.ValueOf(resp).Elem()
	if f := v.FieldByName("Status"); code >= 0 && f.IsValid() && f.CanSet() {
		f.Set(reflect.ValueOf(mesh.Int(code)))
	}
	if f := v.FieldByName("StatusDescription"); f.IsValid() && f.CanSet() {
		f.SetString(desc)
	}
	return encode(resp, body)
}
