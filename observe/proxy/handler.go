package proxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httputil"
	"sync"
	"time"

	"github.com/meshconform/meshconform/observe"
)

// handler is the http.Handler face of the proxy: httputil.ReverseProxy, which drops the
// hop-by-hop headers and canonicalises the head; Serve forwards the bytes themselves.
type handler struct {
	p  *Proxy
	rp *httputil.ReverseProxy
}

type pendingKey struct{}

// pending is an exchange in flight through the handler.
type pending struct {
	ex    *observe.Exchange
	req   *recorder
	start time.Time
	once  sync.Once
}

func newHandler(p *Proxy) *handler {
	tr := p.cfg.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		t.TLSClientConfig = p.cfg.TLS
		t.DisableCompression = true // else it adds Accept-Encoding: gzip the client never sent
		t.MaxIdleConnsPerHost = 64
		tr = t
	}
	h := &handler{p: p}
	portal := p.cfg.Portal
	h.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = portal.Scheme
			pr.Out.URL.Host = portal.Host
			pr.Out.Host = pr.In.Host // the Host the client sent: the portal judges it
		},
		Transport:      tr,
		ModifyResponse: h.modifyResponse,
		ErrorHandler:   h.errorHandler,
		BufferPool:     bufferPool{},
	}
	return h
}

// ServeHTTP forwards one request through httputil.ReverseProxy, for a proxy mounted in an
// http.Server; Serve is the faster path, and the one that forwards every byte unchanged.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := p.handler
	pe := &pending{start: time.Now()}
	pe.ex = &observe.Exchange{Start: pe.start, Request: observe.Message{Method: r.Method, URL: r.URL.RequestURI(), Host: r.Host, Header: r.Header.Clone()}}
	if r.Body != nil && r.Body != http.NoBody {
		pe.req = &recorder{p: p, rc: r.Body}
		r.Body = pe.req
	}
	h.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), pendingKey{}, pe)))
	// A response body the proxy never got to read (an error answer) finishes here.
	h.finish(pe, nil)
}

func (h *handler) modifyResponse(resp *http.Response) error {
	pe, _ := resp.Request.Context().Value(pendingKey{}).(*pending)
	if pe == nil {
		return nil
	}
	m := &observe.Message{Status: resp.StatusCode, Header: resp.Header.Clone()}
	pe.ex.Response = m
	resp.Body = &recorder{p: h.p, rc: resp.Body, onClose: func(rec *recorder) {
		rec.k.message(m)
		h.finish(pe, nil)
	}}
	return nil
}

func (h *handler) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	pe, _ := r.Context().Value(pendingKey{}).(*pending)
	w.WriteHeader(http.StatusBadGateway)
	if pe != nil {
		pe.ex.Response = nil
		h.finish(pe, err)
	}
}

// finish hands the exchange to the consumer once.
func (h *handler) finish(pe *pending, err error) {
	pe.once.Do(func() {
		if pe.req != nil {
			pe.req.snapshot(&pe.ex.Request)
		}
		h.p.enqueue(finished{ex: pe.ex}, pe.start, err)
	})
}

// recorder passes a body through, keeping its first bytes within the proxy's budget.
type recorder struct {
	p       *Proxy
	rc      io.ReadCloser
	mu      sync.Mutex
	k       keeper
	onClose func(*recorder)
	closed  bool
}

func (r *recorder) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	if n > 0 {
		r.mu.Lock()
		r.k.keep(r.p, b[:n])
		r.mu.Unlock()
	}
	return n, err
}

func (r *recorder) Close() error {
	err := r.rc.Close()
	r.mu.Lock()
	first := !r.closed
	r.closed = true
	r.mu.Unlock()
	if first && r.onClose != nil {
		r.onClose(r)
	}
	return err
}

// snapshot sets m's body to what was kept so far; the consumer gives its length back to the budget.
func (r *recorder) snapshot(m *observe.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.k.message(m)
}

// bufferPool lends ReverseProxy its copy buffers, which it would otherwise allocate per request.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *buffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
