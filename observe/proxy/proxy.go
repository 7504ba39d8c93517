package proxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshconform/meshconform/observe"
	"github.com/meshconform/meshconform/reference/wire"
)

// Defaults of Config.
const (
	// DefaultBudget bounds the bytes kept by every exchange in flight or waiting for the judge;
	// past it, bodies are streamed without being kept (and the exchange is judged as truncated).
	DefaultBudget = 64 << 20
	// DefaultQueue is how many finished exchanges may wait for the consumer before the proxy
	// waits for it (it never drops one).
	DefaultQueue = 64
)

// Config sets up a proxy.
type Config struct {
	Portal    *url.URL          // scheme and authority of the portal; the request path is kept as sent
	Transport http.RoundTripper // nil: a clone of http.DefaultTransport
	Keep      int64             // bytes kept per body; 0: one more than wire.DefaultLimits.MaxBytes
	Budget    int64             // bytes kept across exchanges; 0: DefaultBudget
	Queue     int               // 0: DefaultQueue
	// Consume is called once per exchange, in the order the exchanges finished, on one goroutine.
	Consume func(*observe.Exchange)
}

// Proxy is an http.Handler forwarding to the portal.
type Proxy struct {
	cfg    Config
	rp     *httputil.ReverseProxy
	queue  chan *observe.Exchange
	done   chan struct{}
	seq    atomic.Int64
	budget atomic.Int64
	closed sync.Once
	mu     sync.RWMutex // held for reading while enqueueing, for writing to close the queue
	shut   bool
}

type pendingKey struct{}

// pending is an exchange in flight.
type pending struct {
	ex    *observe.Exchange
	req   *recorder
	start time.Time
	once  sync.Once
}

// New starts the consumer goroutine; Close stops it.
func New(cfg Config) *Proxy {
	if cfg.Keep <= 0 {
		// One byte more than the decoder accepts, so that a body over the limit is known to be.
		cfg.Keep = int64(wire.DefaultLimits.MaxBytes) + 1
	}
	if cfg.Budget <= 0 {
		cfg.Budget = DefaultBudget
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	p := &Proxy{cfg: cfg, queue: make(chan *observe.Exchange, cfg.Queue), done: make(chan struct{})}
	p.budget.Store(cfg.Budget)
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = cfg.Portal.Scheme
			pr.Out.URL.Host = cfg.Portal.Host
			pr.Out.Host = pr.In.Host // the Host the client sent: the portal judges it
		},
		Transport:      cfg.Transport,
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.errorHandler,
		BufferPool:     bufferPool{},
	}
	go p.consume()
	return p
}

func (p *Proxy) consume() {
	defer close(p.done)
	for ex := range p.queue {
		if p.cfg.Consume != nil {
			p.cfg.Consume(ex)
		}
		p.budget.Add(int64(len(ex.Request.Body)))
		if ex.Response != nil {
			p.budget.Add(int64(len(ex.Response.Body)))
		}
	}
}

// ServeHTTP forwards one request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pe := &pending{start: time.Now()}
	pe.ex = &observe.Exchange{Start: pe.start, Request: observe.Message{Method: r.Method, URL: r.URL.RequestURI(), Host: r.Host, Header: r.Header.Clone()}}
	if r.Body != nil && r.Body != http.NoBody {
		pe.req = p.record(r.Body, nil)
		r.Body = pe.req
	}
	p.rp.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), pendingKey{}, pe)))
	// A response body the proxy never got to read (an error answer) finishes here.
	p.finish(pe, nil)
}

func (p *Proxy) modifyResponse(resp *http.Response) error {
	pe, _ := resp.Request.Context().Value(pendingKey{}).(*pending)
	if pe == nil {
		return nil
	}
	m := &observe.Message{Status: resp.StatusCode, Header: resp.Header.Clone()}
	pe.ex.Response = m
	resp.Body = p.record(resp.Body, func(rec *recorder) {
		m.Body, m.Size, m.Truncated = rec.buf, rec.size, rec.truncated
		p.finish(pe, nil)
	})
	return nil
}

func (p *Proxy) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	pe, _ := r.Context().Value(pendingKey{}).(*pending)
	w.WriteHeader(http.StatusBadGateway)
	if pe != nil {
		pe.ex.Response = nil
		p.finish(pe, err)
	}
}

// finish hands the exchange to the consumer once.
func (p *Proxy) finish(pe *pending, err error) {
	pe.once.Do(func() {
		ex := pe.ex
		ex.Duration = time.Since(pe.start)
		ex.Seq = int(p.seq.Add(1))
		if err != nil {
			ex.Error = err.Error()
		}
		if pe.req != nil {
			ex.Request.Body, ex.Request.Size, ex.Request.Truncated = pe.req.snapshot()
		}
		p.mu.RLock()
		defer p.mu.RUnlock()
		if p.shut {
			return
		}
		p.queue <- ex
	})
}

// Close waits for the consumer to judge every exchange already finished; exchanges finishing
// later are not judged.
func (p *Proxy) Close() {
	p.closed.Do(func() {
		p.mu.Lock()
		p.shut = true
		close(p.queue)
		p.mu.Unlock()
		<-p.done
	})
}

// recorder passes a body through, keeping its first bytes within the proxy's budget.
type recorder struct {
	p         *Proxy
	rc        io.ReadCloser
	mu        sync.Mutex
	buf       []byte
	size      int64
	truncated bool
	onClose   func(*recorder)
	closed    bool
}

func (p *Proxy) record(rc io.ReadCloser, onClose func(*recorder)) *recorder {
	return &recorder{p: p, rc: rc, onClose: onClose}
}

func (r *recorder) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	if n > 0 {
		r.mu.Lock()
		r.size += int64(n)
		if !r.truncated {
			want := min(int64(n), r.p.cfg.Keep-int64(len(r.buf)))
			if want > 0 && r.p.budget.Add(-want) >= 0 {
				r.buf = append(r.buf, b[:want]...)
				if want < int64(n) {
					r.truncated = true
				}
			} else {
				if want > 0 {
					r.p.budget.Add(want)
				}
				r.truncated = true
			}
		}
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

// snapshot returns what was kept so far; the consumer gives its length back to the budget.
func (r *recorder) snapshot() ([]byte, int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf, r.size, r.truncated
}

// bufferPool lends ReverseProxy its copy buffers, which it would otherwise allocate per request.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *buffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
