package proxy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/meshconform/meshconform/observe"
)

// ErrServerClosed is what Serve returns once Shutdown was called.
var ErrServerClosed = errors.New("proxy: shut down")

// expectContinueTimeout is how long Serve waits for the portal's 100 Continue before sending
// the body anyway, as http.DefaultTransport does.
const expectContinueTimeout = time.Second

// serving is Serve's state: its listeners and the client connections open.
type serving struct {
	mu        sync.Mutex
	stopping  bool
	stop      chan struct{}
	listeners map[net.Listener]struct{}
	conns     map[*clientConn]struct{}
}

func (s *serving) init() {
	s.stop = make(chan struct{})
	s.listeners = map[net.Listener]struct{}{}
	s.conns = map[*clientConn]struct{}{}
}

// clientConn is a client connection Serve reads requests from.
type clientConn struct {
	c    net.Conn
	idle bool    // between requests: Shutdown may close it
	up   *upConn // the portal connection of the exchange in progress, closed with it
}

// Serve accepts connections on ln until Shutdown and forwards their HTTP/1.x requests to the
// portal: each request head and body goes to a keep-alive connection to the portal byte for
// byte, framing included, and the answer comes back the same way, as it arrives; the bodies'
// first bytes are kept for the judge. It returns ErrServerClosed after Shutdown.
func (p *Proxy) Serve(ln net.Listener) error {
	s := &p.serving
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	slots := make(chan struct{}, p.cfg.MaxConns)
	var delay time.Duration
	for {
		select {
		case slots <- struct{}{}:
		case <-s.stop:
			return ErrServerClosed
		}
		c, err := ln.Accept()
		if err != nil {
			<-slots
			select {
			case <-s.stop:
				return ErrServerClosed
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second) // out of descriptors, say
			time.Sleep(delay)
			continue
		}
		delay = 0
		cc := &clientConn{c: c}
		if !s.track(cc) {
			c.Close()
			<-slots
			continue
		}
		go func() {
			defer func() { <-slots }()
			defer s.untrack(cc)
			p.serveConn(cc)
		}()
	}
}

func (s *serving) track(cc *clientConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.conns[cc] = struct{}{}
	return true
}

func (s *serving) untrack(cc *clientConn) {
	s.mu.Lock()
	delete(s.conns, cc)
	s.mu.Unlock()
	cc.c.Close()
}

// setIdle marks cc idle or busy; false when Shutdown is closing it.
func (s *serving) setIdle(cc *clientConn, idle bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cc.idle = idle
	return !s.stopping
}

func (s *serving) setUp(cc *clientConn, up *upConn) {
	s.mu.Lock()
	cc.up = up
	s.mu.Unlock()
}

// Shutdown stops Serve: it closes the listeners and the idle client connections, lets the
// exchanges in progress finish until ctx is done, then cuts those left. The exchanges cut are
// not judged if Close came first.
func (p *Proxy) Shutdown(ctx context.Context) error {
	s := &p.serving
	s.mu.Lock()
	if !s.stopping {
		s.stopping = true
		close(s.stop)
		for ln := range s.listeners {
			ln.Close()
		}
	}
	s.mu.Unlock()
	defer p.up.close()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		left := 0
		for cc := range s.conns {
			if cc.idle {
				cc.c.Close()
			} else {
				left++
			}
		}
		s.mu.Unlock()
		if left == 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			s.mu.Lock()
			for cc := range s.conns {
				cc.c.Close()
				if cc.up != nil {
					cc.up.c.Close()
				}
			}
			s.mu.Unlock()
			return ctx.Err()
		}
	}
}

var (
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bufSize) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, bufSize) }}
)

func (p *Proxy) serveConn(cc *clientConn) {
	br := readers.Get().(*bufio.Reader)
	bw := writers.Get().(*bufio.Writer)
	br.Reset(cc.c)
	bw.Reset(cc.c)
	defer func() {
		br.Reset(nil)
		bw.Reset(nil)
		readers.Put(br)
		writers.Put(bw)
	}()
	wait := p.cfg.HeaderTimeout // the first request, TLS handshake included
	for {
		if !p.serving.setIdle(cc, true) {
			return
		}
		_ = cc.c.SetReadDeadline(time.Now().Add(wait))
		if _, err := br.Peek(1); err != nil {
			return
		}
		if !p.serving.setIdle(cc, false) {
			return
		}
		_ = cc.c.SetReadDeadline(time.Now().Add(p.cfg.HeaderTimeout))
		if !p.exchange(cc, br, bw) {
			return
		}
		wait = p.cfg.IdleTimeout
	}
}

// flight is an exchange Serve is forwarding.
type flight struct {
	ex        *observe.Exchange
	start     time.Time
	reqHead   []byte
	respHead  []byte
	req, resp keeper
}

// exchange forwards one request and its answer; it says whether the client connection can carry
// another.
func (p *Proxy) exchange(cc *clientConn, br *bufio.Reader, bw *bufio.Writer) bool {
	start := time.Now()
	head, err := readHead(br)
	if err != nil {
		switch {
		case errors.Is(err, errHeadTooLarge):
			answer(bw, http.StatusRequestHeaderFieldsTooLarge, err.Error())
		case !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !isTimeout(err):
			answer(bw, http.StatusBadRequest, err.Error())
		}
		return false
	}
	req, err := parseRequest(head)
	if err != nil {
		var r *refusal
		if errors.As(err, &r) {
			answer(bw, r.status, r.reason)
		}
		return false
	}
	_ = cc.c.SetReadDeadline(time.Time{})
	f := &flight{ex: &observe.Exchange{Start: start}, start: start, reqHead: head}
	if req.length > 0 {
		f.req.buf = make([]byte, 0, min(req.length, p.cfg.Keep))
	}
	uc, err := p.up.get(context.Background())
	if err != nil {
		p.fail(f, bw, http.StatusBadGateway, err)
		return false
	}
	p.serving.setUp(cc, uc)
	defer p.serving.setUp(cc, nil)
	keep, err := p.forward(f, req, br, bw, uc, cc)
	if !keep {
		uc.c.Close()
	} else {
		p.up.put(uc)
	}
	if err != nil {
		return false
	}
	return keep
}

// forward sends the request to the portal and relays the answer. It finishes the exchange and
// says whether both connections can carry another.
func (p *Proxy) forward(f *flight, req framing, br *bufio.Reader, bw *bufio.Writer, uc *upConn, cc *clientConn) (bool, error) {
	if _, err := uc.w.Write(f.reqHead); err != nil {
		return false, p.fail(f, bw, http.StatusBadGateway, err)
	}
	bodySent := !req.chunked && req.length <= 0
	sendBody := func() error {
		var err error
		switch {
		case req.chunked:
			err = relayChunked(p, uc.w, br, &f.req)
		case req.length > 0:
			err = relayN(p, uc.w, br, req.length, &f.req)
		}
		if err == nil {
			if ferr := uc.w.Flush(); ferr != nil {
				err = writeError{ferr}
			}
		}
		bodySent = err == nil
		return err
	}
	var err error
	if req.expectContinue && !bodySent {
		var answered bool
		if answered, err = awaitContinue(uc); err == nil && !answered {
			err = sendBody() // no word from the portal in time: the body goes anyway
		}
	} else {
		err = sendBody()
	}
	if err != nil {
		return false, p.failRequest(f, bw, err)
	}
	// The answer, after any interim ones (relayed as they come).
	var resp framing
	wrote := false
	for {
		rhead, err := readHead(uc.r)
		if err == nil {
			resp, err = parseResponse(rhead, req)
		}
		if err != nil {
			if wrote {
				return false, p.abort(f, fmt.Errorf("reading the portal's answer: %w", err))
			}
			return false, p.fail(f, bw, http.StatusBadGateway, fmt.Errorf("reading the portal's answer: %w", err))
		}
		if resp.status >= 200 || resp.status == http.StatusSwitchingProtocols {
			f.respHead = rhead
			// Numbered now, before the client can have the answer and send what follows it.
			p.number(f.ex)
			break
		}
		_, err = bw.Write(rhead)
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			return false, p.abort(f, fmt.Errorf("relaying an interim answer: %w", err))
		}
		wrote = true
		if resp.status == http.StatusContinue && !bodySent {
			if err := sendBody(); err != nil {
				return false, p.failRequest(f, bw, err)
			}
		}
	}
	f.ex.Response = &observe.Message{}
	if _, err := bw.Write(f.respHead); err != nil {
		return false, p.abort(f, err)
	}
	if resp.status == http.StatusSwitchingProtocols {
		if err := bw.Flush(); err != nil {
			return false, p.abort(f, err)
		}
		p.finishFlight(f, nil)
		tunnel(cc.c, br, uc)
		return false, nil
	}
	switch {
	case resp.chunked:
		err = relayChunked(p, bw, uc.r, &f.resp)
	case resp.untilClose:
		err = relayToEOF(p, bw, uc.r, &f.resp)
	case resp.length > 0:
		if resp.length < p.cfg.Keep {
			f.resp.buf = make([]byte, 0, resp.length)
		}
		err = relayN(p, bw, uc.r, resp.length, &f.resp)
	}
	if err == nil {
		if ferr := bw.Flush(); ferr != nil {
			err = writeError{ferr}
		}
	}
	if err != nil {
		return false, p.abort(f, fmt.Errorf("relaying the answer: %w", err))
	}
	p.finishFlight(f, nil)
	// A body the portal answered before reading leaves both connections out of step.
	return bodySent && !req.close && !resp.close, nil
}

// awaitContinue sends the head alone and waits a moment for the portal's first answer bytes
// (100 Continue, after which forward sends the body, or a final answer, which leaves it unsent).
func awaitContinue(uc *upConn) (answered bool, err error) {
	if err := uc.w.Flush(); err != nil {
		return false, writeError{err}
	}
	_ = uc.c.SetReadDeadline(time.Now().Add(expectContinueTimeout))
	_, err = uc.r.Peek(1)
	_ = uc.c.SetReadDeadline(time.Time{})
	switch {
	case err == nil:
		return true, nil
	case isTimeout(err):
		return false, nil
	default:
		return false, writeError{err} // the portal's side failed: a 502
	}
}

// finishFlight hands the exchange to the consumer, which parses the heads.
func (p *Proxy) finishFlight(f *flight, err error) {
	f.req.message(&f.ex.Request)
	if f.ex.Response != nil {
		f.resp.message(f.ex.Response)
	}
	p.enqueue(finished{ex: f.ex, reqHead: f.reqHead, respHead: f.respHead}, f.start, err)
}

// fail answers status (the request never reached the portal whole, or no answer came) and
// judges the exchange without an answer.
func (p *Proxy) fail(f *flight, bw *bufio.Writer, status int, err error) error {
	p.number(f.ex)
	answer(bw, status, "")
	f.ex.Response, f.respHead = nil, nil
	p.finishFlight(f, err)
	return err
}

// failRequest: the client's body failed to arrive (a 400 if it is malformed, nothing if the
// client went) or the portal failed to take it (a 502).
func (p *Proxy) failRequest(f *flight, bw *bufio.Writer, err error) error {
	var rerr readError
	if errors.As(err, &rerr) {
		status := http.StatusBadRequest
		if errors.Is(err, io.ErrUnexpectedEOF) || isTimeout(err) || errors.Is(err, net.ErrClosed) {
			status = 0
		}
		p.number(f.ex)
		answer(bw, status, "")
		f.ex.Response = nil
		p.finishFlight(f, fmt.Errorf("reading the request body: %w", err))
		return err
	}
	return p.fail(f, bw, http.StatusBadGateway, fmt.Errorf("sending the request: %w", err))
}

// abort judges an exchange whose answer was cut after it began: the client connection closes.
func (p *Proxy) abort(f *flight, err error) error {
	p.finishFlight(f, err)
	return err
}

// answer writes the proxy's own answer and ends the connection's use (the caller closes it).
func answer(bw *bufio.Writer, status int, reason string) {
	if status == 0 {
		return
	}
	body := ""
	if reason != "" {
		body = "meshconform proxy: " + reason + "\n"
	}
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
	_ = bw.Flush()
}

// tunnel relays bytes both ways after 101 Switching Protocols, until either side ends.
func tunnel(client net.Conn, br *bufio.Reader, uc *upConn) {
	done := make(chan struct{}, 2)
	go func() { _, _ = br.WriteTo(uc.c); done <- struct{}{} }()
	go func() { _, _ = uc.r.WriteTo(client); done <- struct{}{} }()
	<-done
	client.Close()
	uc.c.Close()
	<-done
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// fillRequest parses a request head as net/http would for a handler: the URL as RequestURI,
// Host from the URL or the Host header (then removed from Header), Transfer-Encoding removed.
func fillRequest(m *observe.Message, head []byte) {
	method, rest, _ := bytes.Cut(startLine(head), []byte{' '})
	target, _, _ := bytes.Cut(rest, []byte{' '})
	m.Method, m.URL = string(method), string(target)
	m.Header = parseHeader(head)
	if u, err := url.ParseRequestURI(m.URL); err == nil {
		m.URL = u.RequestURI()
		m.Host = u.Host
	}
	if m.Host == "" {
		m.Host = m.Header.Get("Host")
	}
	m.Header.Del("Host")
	m.Header.Del("Transfer-Encoding")
}

// fillResponse parses a response head as net/http's client would.
func fillResponse(m *observe.Message, head []byte) {
	if line := startLine(head); len(line) >= 12 {
		m.Status, _ = strconv.Atoi(string(line[9:12]))
	}
	m.Header = parseHeader(head)
	m.Header.Del("Transfer-Encoding")
}

// parseHeader reads the header fields of a head Serve accepted (no folded lines), with the keys
// canonical as textproto.ReadMIMEHeader makes them and the values trimmed.
func parseHeader(head []byte) http.Header {
	h := make(http.Header, 8)
	_ = lines(head, func(line []byte) error {
		name, value, ok := bytes.Cut(line, []byte{':'})
		if ok {
			key := textproto.CanonicalMIMEHeaderKey(string(name))
			h[key] = append(h[key], string(bytes.Trim(value, " \t")))
		}
		return nil
	})
	return h
}
