package portal

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// Path is the service endpoint of NOTE-HTTP-BINDING.
const Path = "/.well-known/mmm/"

// PeerKey is a public key allowed to Transfer the whole log.
type PeerKey struct {
	Alg keys.Algorithm
	Pub []byte
}

// Config configures a portal. Zero fields take the documented defaults.
type Config struct {
	Domain  string // the portal's DNS name: Host and account domain (default "localhost")
	DataDir string // bbolt directory (required by New; StartLoopback makes a temporary one)
	Bugs    Bugs
	Allow   Allow       // behaviours the documents permit that the reference does not produce
	Limits  wire.Limits // request parser limits (default wire.DefaultLimits)
	// RateLimit is requests per second per client address (default 20000, burst the same);
	// negative disables it. The default never throttles a conformance run.
	RateLimit float64
	RateBurst int
	PeerKeys  []PeerKey
	Logger    *slog.Logger     // default: discard
	Now       func() time.Time // default time.Now
	Rand      io.Reader        // default crypto/rand (server nonces)
	// HangDelay is how long the hang-on-huge-string knob stalls (default 30 s).
	HangDelay         time.Duration
	ReadHeaderTimeout time.Duration // default 10 s
	// ReadTimeout bounds reading a whole request, body included (default 30 s): without it a
	// client trickling a body holds its connection for ever. WriteTimeout bounds the time from
	// the end of the request's headers to the end of the answer (default 60 s).
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	IdleTimeout     time.Duration // default 120 s
	ReplayCacheSize int           // default 1<<20 (key, nonce) pairs
	// SessionLifetime is how long a granted session lasts (NOTE-AUTH-SESSION; default 1 h);
	// negative grants none.
	SessionLifetime time.Duration
	// Issuer, when set, grants and opens the sessions instead of one made from Domain,
	// SessionLifetime and Rand: a host that must verify session requests itself (a test
	// harness, portals sharing tickets) keeps the issuer it gave.
	Issuer *auth.Issuer
	// MaxInFlight bounds the requests served at once (default 32; negative: no bound). One
	// beyond it is answered 503 with Retry-After before its body is read (NOTE-REQUEST-COST):
	// with every request's allocations a bounded multiple of its body, this bounds the memory
	// a crowd of large requests can take.
	MaxInFlight int
	// MaxLargeInFlight bounds the requests of more than 64 KiB (or of unknown length) served at
	// once, within MaxInFlight (default GOMAXPROCS less one, at least 1 and at most 4; negative:
	// no bound). More wait up to 10 s, their bodies unread, then are shed like the rest: a crowd
	// of large requests neither holds more than a few bodies' worth of memory nor takes the CPU a
	// Hello needs.
	MaxLargeInFlight int
	// PendingLifetime is how long an unanswered connection request waits before it expires
	// (NOTE-PENDING-FLOOD; default 6 h).
	PendingLifetime time.Duration
	// ConnectRate is ConnectStart requests per second per client address and account, burst
	// 64 (NOTE-PENDING-FLOOD; default 1; negative: no limit). Beyond it: 429 with Retry-After.
	ConnectRate float64
}

// Portal is a running reference portal.
type Portal struct {
	cfg     Config
	st      *store
	log     *slog.Logger
	replay  *auth.ReplayCache
	issuer  *auth.Issuer // nil when sessions are off
	limiter *rateLimiter
	// connects limits ConnectStart per client and account (NOTE-PENDING-FLOOD).
	connects *rateLimiter
	slots    *gate // requests in flight (NOTE-REQUEST-COST); nil: no bound
	large    *gate // large requests in flight, within slots
	secret   []byte
	peers    []string

	mu           sync.Mutex
	statusCalls  uint64
	validations  atomic.Int64 // ValidateAccount answers given (validate-not-idempotent knob)
	answers      atomic.Int64 // answers written (the reverse-members allowance reverses every second)
	nonceCounter uint64
	stale        sync.Map // the stale-reads knob's cache
}

// ErrConfig reports an unusable configuration.
var ErrConfig = errors.New("bad portal configuration")

// New opens (or creates) the store in cfg.DataDir and returns a portal ready to serve.
func New(cfg Config) (*Portal, error) {
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("portal: %w: DataDir is required", ErrConfig)
	}
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
	}
	cfg.Domain = asciiLower(cfg.Domain)
	if cfg.Limits.MaxBytes <= 0 {
		cfg.Limits.MaxBytes = wire.DefaultLimits.MaxBytes
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = 20000
	}
	if cfg.RateBurst <= 0 {
		cfg.RateBurst = int(max(cfg.RateLimit, 1))
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.HangDelay <= 0 {
		cfg.HangDelay = 30 * time.Second
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = 10 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 60 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 120 * time.Second
	}
	if cfg.ReplayCacheSize <= 0 {
		cfg.ReplayCacheSize = 1 << 20
	}
	if cfg.SessionLifetime == 0 {
		cfg.SessionLifetime = time.Hour
	}
	switch {
	case cfg.Allow.NoSessions:
		cfg.SessionLifetime = -1
	case cfg.Allow.ShortSessions:
		cfg.SessionLifetime = 2 * time.Minute
	}
	if cfg.PendingLifetime <= 0 {
		cfg.PendingLifetime = DefaultPendingLifetime
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	st, err := openStore(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	p := &Portal{cfg: cfg, st: st, log: cfg.Logger,
		replay: auth.NewReplayCache(auth.MaxSkew, cfg.ReplayCacheSize)}
	if cfg.ConnectRate == 0 {
		cfg.ConnectRate = defaultConnectRate
	}
	if cfg.ConnectRate > 0 && !cfg.Bugs.PendingFloodBlocks {
		burst := connectStartBurst
		if cfg.Allow.ConnectBurst12 {
			burst = 12
		}
		p.connects = newRateLimiter(cfg.ConnectRate, burst)
	}
	if cfg.MaxLargeInFlight == 0 {
		cfg.MaxLargeInFlight = defaultMaxLargeInFlight(runtime.GOMAXPROCS(0))
	}
	p.slots = newGate(cfg.MaxInFlight, admitWait)
	p.large = newGate(cfg.MaxLargeInFlight, admitWaitLarge)
	if cfg.RateLimit > 0 {
		p.limiter = newRateLimiter(cfg.RateLimit, cfg.RateBurst)
	}
	if cfg.Issuer != nil {
		p.issuer = cfg.Issuer
	} else if cfg.SessionLifetime > 0 {
		if p.issuer, err = auth.NewIssuer(cfg.Domain, cfg.SessionLifetime, cfg.Rand); err != nil {
			st.close()
			return nil, err
		}
	}
	for _, k := range cfg.PeerKeys {
		p.peers = append(p.peers, keys.Fingerprint(k.Alg, k.Pub))
	}
	if p.secret, err = st.secret(cfg.Rand); err != nil {
		st.close()
		return nil, err
	}
	if b := cfg.Bugs.Enabled(); len(b) > 0 {
		p.log.Warn("misbehaviour knobs enabled", "bugs", strings.Join(b, ","))
	}
	if a := cfg.Allow.Enabled(); len(a) > 0 {
		p.log.Info("allowances enabled", "allow", strings.Join(a, ","))
	}
	return p, nil
}

// Domain returns the portal's DNS name.
func (p *Portal) Domain() string { return p.cfg.Domain }

// Close closes the store. In-flight requests must have finished.
func (p *Portal) Close() error { return p.st.close() }

// Handler returns the HTTP handler of the service.
func (p *Portal) Handler() http.Handler { return p }

// Server returns an http.Server for the portal with the hygiene timeouts set.
func (p *Portal) Server(addr string) *http.Server {
	srv := &http.Server{Addr: addr, Handler: p, ReadHeaderTimeout: p.cfg.ReadHeaderTimeout,
		ReadTimeout: p.cfg.ReadTimeout, WriteTimeout: p.cfg.WriteTimeout, IdleTimeout: p.cfg.IdleTimeout,
		ErrorLog: slog.NewLogLogger(p.log.Handler(), slog.LevelWarn)}
	if p.cfg.Bugs.NoReadTimeout {
		srv.ReadHeaderTimeout, srv.ReadTimeout = 0, 0
	}
	if p.cfg.Bugs.HelloFirst {
		srv.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, helloSeenKey{}, new(atomic.Bool))
		}
	}
	return srv
}

// helloSeenKey marks, per connection, whether it sent a Hello (the hello-first knob).
type helloSeenKey struct{}

// helloFirst applies the hello-first knob: it reports whether the request must be refused.
func helloFirst(c *call) bool {
	seen, ok := c.r.Context().Value(helloSeenKey{}).(*atomic.Bool)
	if !ok {
		return false
	}
	if c.tx.Name == "Hello" {
		seen.Store(true)
		return false
	}
	return !seen.Load()
}

// StartLoopback serves a portal on 127.0.0.1 with a random port. With an empty DataDir it
// uses a temporary directory that stop removes. The URL uses the host name "localhost" when
// the domain is the default, so that the Host header matches.
func StartLoopback(ctx context.Context, cfg Config) (url string, stop func(), err error) {
	tmp := ""
	if cfg.DataDir == "" {
		if tmp, err = os.MkdirTemp("", "meshportal-*"); err != nil {
			return "", nil, fmt.Errorf("portal: %w", err)
		}
		cfg.DataDir = tmp
	}
	cleanup := func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}
	p, err := New(cfg)
	if err != nil {
		cleanup()
		return "", nil, err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		p.Close()
		cleanup()
		return "", nil, fmt.Errorf("portal: %w", err)
	}
	srv := p.Server(ln.Addr().String())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	port := ln.Addr().(*net.TCPAddr).Port
	var once sync.Once
	stop = func() {
		once.Do(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
			<-done
			p.Close()
			cleanup()
		})
	}
	return fmt.Sprintf("http://%s:%d%s", p.cfg.Domain, port, Path), stop, nil
}

// call is one request in flight.
type call struct {
	r     *http.Request
	body  []byte
	tx    mesh.TransactionInfo
	now   time.Time
	grant string // the Mesh-Session response header, when the request was granted a session
	// retryAfter is the Retry-After header of a refusal for load (seconds), when there is one.
	retryAfter string
}

var tagRE = regexp.MustCompile(`^\s*\{\s*"([A-Za-z]{1,64})"`)

// sniff guesses the transaction from the first tag of a body that could not be decoded, so
// that even an error answer is tagged with its response class (NOTE-RESPONSE-TAG).
func sniff(body []byte) (mesh.TransactionInfo, bool) {
	if len(body) > 256 {
		body = body[:256]
	}
	m := tagRE.FindSubmatch(body)
	if m == nil {
		return mesh.TransactionInfo{}, false
	}
	for _, t := range mesh.Transactions() {
		if t.Name == string(m[1]) || t.Request == string(m[1]) {
			return t, true
		}
	}
	return mesh.TransactionInfo{}, false
}

// ServeHTTP implements the HTTP binding (NOTE-HTTP-BINDING, NOTE-STATUS-CODES).
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{r: r, now: p.cfg.Now()}
	if r.URL.Path != Path {
		http.Error(w, "not found: the service is at "+Path, http.StatusNotFound)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	release, ok := p.admit(r)
	if !ok {
		// The answer is tagged from the body's first bytes (NOTE-RESPONSE-TAG); the rest is
		// never read.
		head, _ := io.ReadAll(io.LimitReader(r.Body, 256))
		c.tx, _ = sniff(head)
		c.retryAfter = retryAfterSeconds
		p.write(w, c, p.failure(c.tx, 503, "overloaded: too many requests in flight, try again"))
		p.log.Warn("load shed", "reason", "requests in flight", "max", p.cfg.MaxInFlight, "client", clientIP(r))
		return
	}
	defer release()
	var err error
	limits := p.cfg.Limits
	if p.cfg.Bugs.NoBodyLimit {
		c.body, err = io.ReadAll(r.Body)
		limits.MaxBytes = len(c.body) + 1
	} else {
		c.body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, int64(limits.MaxBytes)))
	}
	resp := p.serve(c, limits, err)
	code, _ := resp.StatusCode()
	p.write(w, c, resp)
	p.log.Info("request", "tx", c.tx.Name, "status", code, "client", clientIP(r),
		"bytes", len(c.body), "duration", time.Since(start))
}

func (p *Portal) serve(c *call, limits wire.Limits, readErr error) (resp mesh.MeshResponse) {
	c.tx, _ = sniff(c.body)
	fail := func(code int32, msg string) mesh.MeshResponse {
		return p.failure(c.tx, code, msg)
	}
	if readErr != nil {
		var mbe *http.MaxBytesError
		if errors.As(readErr, &mbe) {
			return fail(413, fmt.Sprintf("request body larger than %d bytes", limits.MaxBytes))
		}
		return fail(400, "request body could not be read")
	}
	if p.cfg.Bugs.HangOnHugeString && longestString(c.body) > 64<<10 {
		select {
		case <-time.After(p.cfg.HangDelay):
		case <-c.r.Context().Done():
		}
	}
	if p.limiter != nil && !p.limiter.allow(clientIP(c.r), time.Now()) {
		return fail(503, "rate limited: slow down")
	}
	req, form, err := mesh.DecodeRequest(c.body, &mesh.DecodeOptions{Strict: p.cfg.Bugs.RejectUnknownMembers, Limits: limits})
	if err != nil {
		var le *wire.LimitError
		if errors.As(err, &le) {
			switch {
			case le.Limit == "body size":
				return fail(413, err.Error())
			case le.Limit == "depth" && p.cfg.Bugs.CrashOnDeepNesting:
				return fail(500, "internal error")
			}
		}
		return fail(400, "malformed request: "+err.Error())
	}
	c.tx, _ = mesh.LookupTransaction(req.Transaction())
	if p.cfg.Bugs.MessageClassTagsOnly && form == mesh.TransactionTag {
		return fail(400, "unknown request tag "+c.tx.Name)
	}
	if p.cfg.Allow.RefuseClassTag && form != mesh.TransactionTag {
		return fail(400, "the request tag is the transaction name (NOTE-REQUEST-TAG): "+c.tx.Name)
	}
	if p.cfg.Bugs.HelloFirst && helloFirst(c) {
		return fail(400, "Hello first")
	}
	if !p.cfg.Bugs.SkipHostCheck {
		host := c.r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !strings.EqualFold(strings.TrimSuffix(host, "."), p.cfg.Domain) {
			return fail(p.cfg.Allow.refusal(400, nil), "Host is not this portal's name (draft 3.1)")
		}
		if pn := req.PortalName(); pn != "" && !strings.EqualFold(pn, p.cfg.Domain) {
			return fail(p.cfg.Allow.refusal(400, nil), "Portal names another portal (draft 3.1)")
		}
	}
	defer func() {
		if v := recover(); v != nil {
			p.log.Error("handler panic", "tx", c.tx.Name, "panic", fmt.Sprint(v))
			resp = fail(500, "internal error")
		}
	}()
	out, err := p.dispatch(c, req)
	if err != nil {
		rf := asRefusal(err)
		if rf.Status == 401 && p.cfg.Bugs.RefuseWith403 {
			rf.Status = 403
		}
		rf.Status = p.cfg.Allow.refusal(rf.Status, rf.Err)
		switch {
		case rf.Status == 503 || rf.Status == 429:
			p.log.Warn("load shed", "tx", c.tx.Name, "reason", rf.Reason)
		case rf.Status >= 500:
			p.log.Error("internal error", "tx", c.tx.Name, "err", rf.Error())
		}
		return fail(rf.Status, rf.Reason)
	}
	if code, ok := out.StatusCode(); !ok || code == 0 {
		out.SetStatus(201, "Operation completed successfully")
	}
	return out
}

func (p *Portal) failure(tx mesh.TransactionInfo, code int32, msg string) mesh.MeshResponse {
	var resp mesh.MeshResponse
	if tx.Response != "" {
		if v, ok := mesh.New(tx.Response); ok {
			resp, _ = v.(mesh.MeshResponse)
		}
	}
	if resp == nil {
		resp = &genericResponse{}
	}
	resp.SetStatus(code, msg)
	return resp
}

// genericResponse answers a body whose transaction is unknown: no class tag can be chosen.
type genericResponse struct{ mesh.CreateResponse }

func (p *Portal) write(w http.ResponseWriter, c *call, resp mesh.MeshResponse) {
	if p.cfg.Allow.Delay300ms {
		select {
		case <-time.After(300 * time.Millisecond):
		case <-c.r.Context().Done():
		}
	}
	code, _ := resp.StatusCode()
	if p.cfg.Allow.UnimplementedHTTP404 && code == 501 && unimplementable(c.tx.Name) {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	if p.cfg.Allow.OwnDescriptions {
		resp.SetStatus(code, ownDescription(code, resp.Description()))
	}
	if p.cfg.Bugs.StatusFails && c.tx.Name == "Status" {
		code = 500
		resp = p.failure(c.tx, 500, "internal error")
	}
	if p.cfg.Bugs.OmitStatus {
		if f := reflect.ValueOf(resp).Elem().FieldByName("Status"); f.IsValid() && f.CanSet() {
			f.Set(reflect.Zero(f.Type()))
		}
	}
	var body []byte
	var err error
	if _, generic := resp.(*genericResponse); generic || p.cfg.Bugs.UntaggedResponses {
		if g, ok := resp.(*genericResponse); ok {
			body, err = mesh.MarshalBare(&g.CreateResponse)
		} else {
			body, err = mesh.MarshalBare(resp)
		}
	} else {
		body, err = mesh.EncodeResponse(resp)
	}
	if err != nil {
		code, body = 500, []byte(`{"Status":500,"StatusDescription":"internal error"}`)
	}
	body = p.cfg.Allow.rewriteAnswer(body, p.answers.Add(1))
	h := w.Header()
	switch {
	case p.cfg.Bugs.OmitContentType:
		h["Content-Type"] = nil // nil, not absent: net/http would sniff one
	case p.cfg.Allow.Charset:
		h.Set("Content-Type", "application/json; charset=utf-8")
	default:
		h.Set("Content-Type", "application/json")
	}
	if p.cfg.Allow.ConnectionClose {
		h.Set("Connection", "close")
	}
	if !p.cfg.Bugs.CacheableResponses {
		h.Set("Cache-Control", "no-store")
		if p.cfg.Allow.CacheDirectives {
			h.Set("Cache-Control", "private, no-store, max-age=0")
		}
	}
	if c.grant != "" {
		h.Set(auth.GrantHeader, c.grant)
	}
	if c.retryAfter != "" {
		h.Set("Retry-After", c.retryAfter)
	}
	httpCode := int(code)
	switch {
	case p.cfg.Bugs.HTTPStatusAlways200, code == 201, code == 0:
		httpCode = 200
	case code < 100 || code > 599:
		httpCode = 500
	}
	switch {
	case p.cfg.Allow.HTTP200 && code != 401:
		httpCode = 200
	case p.cfg.Allow.HTTPExact && code >= 200 && code <= 599:
		httpCode = int(code)
	}
	w.WriteHeader(httpCode)
	if f, ok := w.(http.Flusher); ok && p.cfg.Allow.Chunked && len(body) > 1 {
		// Flushing part of the body before the handler returns makes net/http send it
		// chunked, with no Content-Length.
		w.Write(body[:len(body)/2])
		f.Flush()
		body = body[len(body)/2:]
	}
	w.Write(body)
}

// longestString returns the length of the longest JSON string token of body (approximate:
// escapes are counted as written), used only by the hang-on-huge-string knob.
func longestString(body []byte) int {
	best, in, n := 0, false, 0
	for i := 0; i < len(body); i++ {
		switch {
		case in && body[i] == '\\':
			i++
			n += 2
		case body[i] == '"':
			if in {
				best = max(best, n)
			}
			in, n = !in, 0
		case in:
			n++
		}
	}
	return best
}

func clientIP(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

// rateLimiter is a token bucket per client: an IPv4 address, or an IPv6 /64 (what one host
// is commonly given: keyed by address, one host would have 2^64 buckets to spread over).
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	max     int // buckets kept; clients beyond share one
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxRateBuckets bounds the clients tracked one by one. A flood from more addresses than that
// within a minute shares the overflow bucket: memory stays bounded and the flood is still
// limited, as one client.
const maxRateBuckets = 1 << 16

// overflowClient names the bucket the clients beyond maxRateBuckets share.
const overflowClient = "overflow"

func newRateLimiter(rate float64, burst int) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), max: maxRateBuckets, buckets: map[string]*bucket{}}
}

// rateKey is the bucket of a client address (host part of RemoteAddr).
func rateKey(host string) string {
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if v4 := ip.To4(); v4 != nil {
		return v4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

func (l *rateLimiter) allow(client string, now time.Time) bool {
	return l.allowKey(rateKey(client), now)
}

// allowKey is allow for a bucket key made by the caller (rateKey and more).
func (l *rateLimiter) allowKey(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max && now.Sub(l.sweep) > time.Second {
			l.forgetIdle(now)
		}
		if len(l.buckets) >= l.max {
			key = overflowClient
		}
		if b, ok = l.buckets[key]; !ok {
			b = &bucket{tokens: l.burst, last: now}
			l.buckets[key] = b
		}
	}
	if now.Sub(l.sweep) > time.Minute {
		l.forgetIdle(now)
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// forgetIdle drops the buckets of clients silent for a minute.
func (l *rateLimiter) forgetIdle(now time.Time) {
	for k, b := range l.buckets {
		if now.Sub(b.last) > time.Minute {
			delete(l.buckets, k)
		}
	}
	l.sweep = now
}
