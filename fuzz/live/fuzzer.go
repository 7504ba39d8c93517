package live

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/spec"
)

// Errors callers branch on.
var (
	ErrConfig = errors.New("bad fuzzer configuration")
	ErrSetup  = errors.New("the portal refused the fuzzer's valid setup requests")
)

// Config configures a campaign.
type Config struct {
	Target    *target.HTTP
	PortalURL string // recorded in reproducers
	// Domain is the portal's name, signed in Authorization headers and used for accounts
	// (default: the URL's host name).
	Domain string
	Seed   int64
	// The campaign ends at Duration or after MaxRequests fuzz cases, whichever comes first
	// (zero: no bound of that kind; at least one must be set).
	Duration    time.Duration
	MaxRequests int64
	Workers     int // concurrent cases (default 2)
	// Shard and Shards split one campaign over several machines (--shard I/N): shard I runs
	// the global cases I, I+N, I+2N, ... of the seed, and names its accounts and keys apart,
	// so that N shards with one seed never send the same case nor collide at one portal.
	// Zero Shards is one shard. MaxRequests bounds each shard's own cases.
	Shard, Shards int
	OutDir        string // where reproducers go ("" = not saved)
	Log           io.Writer
	// SavePerClass bounds how many findings of one class are minimised and saved (default 2).
	SavePerClass int
	// StopWhen ends the campaign early once every named class was found (tests use it).
	StopWhen []string
	// ProbeEvery sends an unmutated Hello every N cases to watch answer times (default 100).
	ProbeEvery int
	// Memory, when set, reports the bytes the portal holds (its live heap, say); it is sampled
	// with every probe, and growth over the campaign is a finding (ClassMemoryGrowth). A portal
	// seen only through its URL has no such figure: nil leaves answer times as the only signal.
	Memory func(context.Context) (uint64, error)
}

// Saved is a minimised finding and where its reproducer went.
type Saved struct {
	Finding
	Reproducer *Reproducer
	File       string
}

// Summary is the outcome of a campaign.
type Summary struct {
	Seed      int64
	Requests  int64 // HTTP requests sent, setup and minimisation included
	Cases     int64 // fuzz cases run
	Elapsed   time.Duration
	PerSecond float64
	ByClass   map[string]int
	// FirstAt is how long into the campaign each class was first seen, FirstCase at which case.
	FirstAt   map[string]time.Duration
	FirstCase map[string]int64
	Saved     []Saved
	// ProbeFirst and ProbeLast are the median answer times of the first and last probe windows.
	ProbeFirst, ProbeLast time.Duration
	// MemoryFirst and MemoryLast are the medians of the first and last windows of Config.Memory
	// samples (zero when it is not set or gave fewer than two).
	MemoryFirst, MemoryLast uint64
	// Sessions tells whether the portal granted the fuzzer sessions (NOTE-AUTH-SESSION), and
	// SessionCases how many fuzz cases were sent in a session mode.
	Sessions     bool
	SessionCases int64
}

// Failing lists the classes found whose requirement is a MUST, sorted: the campaign fails on
// these; a SHOULD finding alone is a warning.
func (s *Summary) Failing() []string {
	var out []string
	for c, n := range s.ByClass {
		if n > 0 && ClassLevel(c) == "MUST" {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// Fuzzer runs one campaign.
type Fuzzer struct {
	cfg       Config
	domain    string
	sp        *spec.Spec
	templates []template
	main      *party
	other     *party
	start     time.Time
	requests  atomic.Int64
	// inst counts the template instances minimisation builds (minimiseInst).
	inst atomic.Uint64
	// sessions: the portal granted a party a session at setup (NOTE-AUTH-SESSION).
	sessions bool
	// mainGone: the main account no longer exists (mainPresent).
	mainGone     atomic.Bool
	sessionCases atomic.Int64

	mu     sync.Mutex
	sum    Summary
	savedN map[string]int
	probes []time.Duration
	memory []uint64
	// memoryFailed: the first failure of Config.Memory was logged.
	memoryFailed bool
	stopClass    map[string]bool

	// publishOnce makes the publish template's body once the main account exists (publishBody).
	publishOnce func() ([]byte, error)
}

// New checks the configuration.
func New(cfg Config) (*Fuzzer, error) {
	if cfg.Target == nil {
		return nil, fmt.Errorf("live: %w: no target", ErrConfig)
	}
	if cfg.Duration <= 0 && cfg.MaxRequests <= 0 {
		return nil, fmt.Errorf("live: %w: neither a duration nor a request count bounds the campaign", ErrConfig)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Shards <= 0 {
		cfg.Shards = 1
	}
	if cfg.Shard < 0 || cfg.Shard >= cfg.Shards {
		return nil, fmt.Errorf("live: %w: shard %d/%d: want 0 <= I < N", ErrConfig, cfg.Shard, cfg.Shards)
	}
	if cfg.SavePerClass <= 0 {
		cfg.SavePerClass = 2
	}
	if cfg.ProbeEvery <= 0 {
		cfg.ProbeEvery = 100
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.PortalURL == "" {
		cfg.PortalURL = cfg.Target.URL()
	}
	dom := cfg.Domain
	if dom == "" {
		u, err := url.Parse(cfg.PortalURL)
		if err != nil {
			return nil, fmt.Errorf("live: %w: %w", ErrConfig, err)
		}
		dom = u.Hostname()
	}
	sp, err := spec.Load()
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	f := &Fuzzer{cfg: cfg, domain: strings.ToLower(dom), sp: sp, templates: templates(), savedN: map[string]int{},
		stopClass: map[string]bool{}}
	f.sum = Summary{Seed: cfg.Seed, ByClass: map[string]int{}, FirstAt: map[string]time.Duration{}, FirstCase: map[string]int64{}}
	for _, c := range cfg.StopWhen {
		f.stopClass[c] = true
	}
	f.publishOnce = sync.OnceValues(f.publish)
	return f, nil
}

type authMode string

const (
	authNone   authMode = ""
	authSign   authMode = "sign"
	authStale  authMode = "stale"
	authBroken authMode = "broken"
	authReplay authMode = "replay"
	// Session modes (NOTE-AUTH-SESSION): Authorization: Mesh-Session in the signer's session.
	authSession       authMode = "session"
	authSessionStale  authMode = "session-stale"
	authSessionBadMAC authMode = "session-broken"
	authSessionReplay authMode = "session-replay"
)

// send posts body, authenticated by p's device under mode, with the extra headers; a replay
// sends twice and returns the second answer. The header is made afresh at every call (time
// and nonce), stale or broken as the mode says whatever else the case changes: a reproducer
// records the mode, so the campaign must have sent exactly what it records. A session mode
// authenticates by p's session (NOTE-AUTH-SESSION) instead of a signature.
func (f *Fuzzer) send(ctx context.Context, body []byte, p *party, mode authMode, extra http.Header) (*target.Exchange, error) {
	hdr := http.Header{}
	if p != nil && mode != authNone {
		var sess *auth.Session
		if mode.session() {
			var err error
			if sess, err = f.sessionOf(ctx, p); err != nil {
				return nil, err
			}
		}
		hv, err := authHeader(mode, p.acct.Device.DAK, sess, f.domain, p.acct.Name, body, time.Now())
		if err != nil {
			return nil, err
		}
		hdr.Set("Authorization", hv)
	}
	for k, v := range extra {
		hdr[k] = v
	}
	return f.post(ctx, body, hdr, mode.twice())
}

func (f *Fuzzer) post(ctx context.Context, body []byte, hdr http.Header, twice bool) (*target.Exchange, error) {
	f.requests.Add(1)
	ex, err := f.cfg.Target.Post(ctx, body, hdr)
	if err != nil || !twice {
		return ex, err
	}
	f.requests.Add(1)
	return f.cfg.Target.Post(ctx, body, hdr)
}

// Run runs the campaign.
func (f *Fuzzer) Run(ctx context.Context) (*Summary, error) {
	f.start = time.Now()
	fmt.Fprintf(f.cfg.Log, "live fuzz: seed %d, shard %d/%d, portal %s, domain %s\n", f.cfg.Seed, f.cfg.Shard, f.cfg.Shards,
		f.cfg.PortalURL, f.domain)
	var err error
	if f.main, err = f.createParty(ctx, "main", 0); err != nil {
		return nil, err
	}
	if f.other, err = f.createParty(ctx, "other", 0); err != nil {
		return nil, err
	}
	if err := f.askSessions(ctx, f.main, f.other); err != nil {
		return nil, err
	}
	if f.cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.cfg.Duration)
		defer cancel()
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for range f.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if f.cfg.MaxRequests > 0 && i >= f.cfg.MaxRequests {
					return
				}
				if err := f.runCase(ctx, i, f.globalCase(i)); err != nil && ctx.Err() == nil {
					errOnce.Do(func() { firstErr = err; stop() })
					return
				}
				if f.done() {
					stop()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return f.summary(next.Load()), nil
}

func (f *Fuzzer) done() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.stopClass) == 0 {
		return false
	}
	for c := range f.stopClass {
		if f.sum.ByClass[c] == 0 {
			return false
		}
	}
	return true
}

func (f *Fuzzer) summary(cases int64) *Summary {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sum
	s.Cases = min(cases, max(f.cfg.MaxRequests, cases))
	if f.cfg.MaxRequests > 0 {
		s.Cases = min(cases, f.cfg.MaxRequests)
	}
	s.Requests = f.requests.Load()
	s.Sessions, s.SessionCases = f.sessions, f.sessionCases.Load()
	s.Elapsed = time.Since(f.start)
	s.PerSecond = float64(s.Requests) / s.Elapsed.Seconds()
	if n := len(f.probes); n >= 2 {
		s.ProbeFirst, s.ProbeLast = ends(f.probes)
		if s.ProbeLast > 20*s.ProbeFirst && s.ProbeLast > 200*time.Millisecond {
			s.ByClass[ClassLatencyGrowth]++
		}
	}
	if len(f.memory) >= 2 {
		s.MemoryFirst, s.MemoryLast = ends(f.memory)
		if memoryGrew(s.MemoryFirst, s.MemoryLast) {
			s.ByClass[ClassMemoryGrowth]++
		}
	}
	return &s
}

// memoryGrew is the memory-growth oracle: the last window holds more than four times the first
// and 64 MiB more. Both bounds, because a small heap doubles by chance and a large one moves by
// megabytes with its caches; what a campaign of bounded requests must not do is keep growing.
func memoryGrew(first, last uint64) bool {
	return last > 4*first && last-first > 64<<20
}

// ends returns the medians of the first and last windows of samples (up to five each, never
// overlapping): what the campaign began and ended with, robust to one odd sample.
func ends[T cmp.Ordered](samples []T) (first, last T) {
	n := len(samples)
	w := max(1, min(5, n/2))
	return median(samples[:w]), median(samples[n-w:])
}

func median[T cmp.Ordered](xs []T) T {
	c := slices.Clone(xs)
	slices.Sort(c)
	return c[len(c)/2]
}

// globalCase is the campaign-wide number of this shard's i-th case.
func (f *Fuzzer) globalCase(i int64) int64 {
	return i*int64(f.cfg.Shards) + int64(f.cfg.Shard)
}

// caseRand is the random source of case i: every choice flows from the printed seed.
func (f *Fuzzer) caseRand(i int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(f.cfg.Seed), uint64(i)))
}

// runCase builds, mutates, sends and judges this shard's case local, numbered i in the
// campaign (globalCase).
func (f *Fuzzer) runCase(ctx context.Context, local, i int64) error {
	if local%int64(f.cfg.ProbeEvery) == 0 {
		if ex, err := f.post(ctx, []byte(`{"Hello":{}}`), nil, false); err == nil && ex.Problem == "" {
			f.mu.Lock()
			f.probes = append(f.probes, ex.Duration)
			f.mu.Unlock()
		}
		if f.cfg.Memory != nil {
			m, err := f.cfg.Memory(ctx)
			f.mu.Lock()
			if err == nil {
				f.memory = append(f.memory, m)
			} else if !f.memoryFailed && ctx.Err() == nil {
				f.memoryFailed = true
				fmt.Fprintf(f.cfg.Log, "memory figure unavailable (memory growth goes unobserved until it answers): %v\n", err)
			}
			f.mu.Unlock()
		}
	}
	r := f.caseRand(i)
	t := f.templates[r.IntN(len(f.templates))]
	// Keys and names are numbered by the case (i+1), so that a case is the same whichever
	// worker runs it and whatever ran before: a counter shared by the workers numbered them in
	// the order the workers happened to reach it.
	b, err := t.build(ctx, f, r, uint64(i)+1)
	if err != nil {
		return err
	}
	tree, err := parseTree(b.Body)
	if err != nil {
		return err
	}
	var muts []Mutation
	if r.IntN(20) > 0 {
		muts = generate(r, f.sp, b, tree)
	}
	res, err := f.executeTree(ctx, b, tree, muts) // the tree generate read is render's to mutate
	if err != nil || res == nil {
		return err
	}
	if res.mode.session() {
		f.sessionCases.Add(1)
	}
	res.findings = f.consequences(ctx, b, res.findings)
	for _, fd := range res.findings {
		f.record(ctx, i, t, muts, fd, res)
	}
	return nil
}

// result is one executed case.
type result struct {
	ci       caseInfo
	body     []byte
	mode     authMode
	hdr      http.Header
	ex       *target.Exchange
	base     *base
	findings []Finding
}

// render applies mutations to a base request, in the order listed: the body, the auth mode and
// extra headers. A tree mutation acts on the tree until a byte mutation (truncate, oversize)
// has turned the body into bytes; after that it has nothing to act on and is not applied. The
// same signature mutation twice at one place is applied once (two bit flips cancel out), and of
// several auth mutations only the last takes effect, so that the oracle asks for the refusal
// of what was sent (a replay overridden by a broken session MAC is no replay). applied says
// which mutations took effect; a saved reproducer keeps the list it was judged by.
func render(b *base, muts []Mutation) (body []byte, mode authMode, hdr http.Header, applied []bool, err error) {
	tree, err := parseTree(b.Body)
	if err != nil {
		return nil, "", nil, nil, err
	}
	body, mode, hdr, applied = renderTree(b, tree, muts)
	return body, mode, hdr, applied, nil
}

// renderTree is render of b, whose body parses to tree: tree is mutated.
func renderTree(b *base, tree *node, muts []Mutation) (body []byte, mode authMode, hdr http.Header, applied []bool) {
	applied = make([]bool, len(muts))
	seen := map[string]bool{}
	lastAuth := -1
	for i, m := range muts {
		switch {
		case m.isAuth():
			lastAuth = i
		case m.Op == OpWrongHost:
			hdr, applied[i] = http.Header{"Host": {m.Arg}}, true
		case m.Op == OpTruncate:
			if body == nil {
				body = tree.Encode()
			}
			n, _ := strconv.Atoi(m.Arg)
			if n = max(n, 0); n < len(body) {
				body, applied[i] = body[:n], true
			}
		case m.Op == OpOversize:
			if body == nil {
				body = tree.Encode()
			}
			n, _ := strconv.Atoi(m.Arg)
			if size := min(n, 64<<20); size > len(body) {
				// One allocation of the final size: the pad runs to tens of MiB.
				padded := make([]byte, size)
				pad := padded[copy(padded, body):]
				pad[0] = ' '
				for k := 1; k < len(pad); k *= 2 {
					copy(pad[k:], pad[:k])
				}
				body, applied[i] = padded, true
			}
		case body != nil:
			// The body is bytes now: the tree mutation has nothing to act on.
		default:
			key := string(m.Op) + pathString(m.Path)
			if m.security() && seen[key] {
				continue
			}
			seen[key] = true
			applied[i] = applyOne(tree, m)
		}
	}
	if body == nil {
		body = tree.Encode()
	}
	mode = authNone
	if b.Signer != nil {
		mode = authSign
		if lastAuth >= 0 {
			applied[lastAuth] = true
			mode = authModes[muts[lastAuth].Op]
		}
	}
	return body, mode, hdr, applied
}

// authModes is the sending mode of each auth mutation.
var authModes = map[Op]authMode{
	OpNoAuth: authNone, OpStaleAuth: authStale, OpBrokenAuth: authBroken, OpReplay: authReplay,
	OpSession: authSession, OpSessionStale: authSessionStale, OpSessionBadMAC: authSessionBadMAC, OpSessionReplay: authSessionReplay,
}

// execute renders, sends and judges a base request under mutations.
func (f *Fuzzer) execute(ctx context.Context, b *base, muts []Mutation) (*result, error) {
	tree, err := parseTree(b.Body)
	if err != nil {
		return nil, err
	}
	return f.executeTree(ctx, b, tree, muts)
}

// executeTree is execute of b, whose body parses to tree (which it mutates): a case parses its
// body once, for generate and render both.
func (f *Fuzzer) executeTree(ctx context.Context, b *base, tree *node, muts []Mutation) (*result, error) {
	body, mode, hdr, applied := renderTree(b, tree, muts)
	ci := caseInfo{Template: b.Template, Tx: b.Tx, Signed: b.Signed, HasSigner: b.Signer != nil, MustSucceed: b.MustSucceed,
		Other: b.Other, Mutations: muts, Applied: applied}
	if b.Signer != nil {
		ci.Self = b.Signer.acct.Name
	}
	ex, err := f.send(ctx, body, b.Signer, mode, hdr)
	if err == nil && mode == authSession && effectiveStatus(ex) == 401 {
		// NOTE-AUTH-SESSION: "a client whose session is refused signs the request again". A
		// portal that restarted has forgotten its sessions; that is no refusal of the request.
		// The signed answer is the one judged: a request both ways refused is refused.
		mode = authSign
		ex, err = f.send(ctx, body, b.Signer, mode, hdr)
		if err == nil && effectiveStatus(ex) != 401 {
			f.sessionRefused(b.Signer)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil
		}
		return nil, err
	}
	return &result{ci: ci, body: body, mode: mode, hdr: hdr, ex: ex, base: b, findings: judge(&ci, body, ex)}, nil
}

// effectiveStatus is the answer's authoritative status (draft 3.2): the payload Status, else
// the HTTP status; -1 without an answer.
func effectiveStatus(ex *target.Exchange) int32 {
	if st := payloadStatus(ex); st != -1 {
		return st
	}
	if ex == nil || ex.Response == nil {
		return -1
	}
	return int32(ex.Response.Status)
}

// mainPresent reports whether the main account still exists: a valid request that needs it
// and is refused is a finding only while it does (a mutated request may have deleted it, on a
// portal that served a request it had to refuse: that request is the finding).
func (f *Fuzzer) mainPresent(ctx context.Context) bool {
	if f.mainGone.Load() {
		return false
	}
	body, err := encode(&mesh.GetRequest{Account: f.main.acct.Name})
	if err != nil {
		return true
	}
	ex, err := f.post(ctx, body, nil, false)
	if err != nil || effectiveStatus(ex)/100 == 2 {
		return true
	}
	if f.mainGone.CompareAndSwap(false, true) {
		fmt.Fprintf(f.cfg.Log, "the main account %s is gone (Get answered %s): a request the campaign sent deleted it, "+
			"so refusals of the requests that need it are no longer findings\n", f.main.acct.Name, describe(ex))
	}
	return false
}

// consequences drops the refusals of a valid request that needed the main account once that
// account is gone: they follow from an earlier answer, reported in its own right.
func (f *Fuzzer) consequences(ctx context.Context, b *base, fs []Finding) []Finding {
	needsMain := false
	for _, s := range b.Setup {
		needsMain = needsMain || bytes.Equal(s, f.main.create)
	}
	if !needsMain || (!hasClass(fs, ClassValidRefused) && !hasClass(fs, ClassUnknownRefused)) || f.mainPresent(ctx) {
		return fs
	}
	return slices.DeleteFunc(fs, func(fd Finding) bool {
		return fd.Class == ClassValidRefused || fd.Class == ClassUnknownRefused
	})
}

// record counts a finding and, for the first few of its class, minimises and saves it.
func (f *Fuzzer) record(ctx context.Context, i int64, t template, muts []Mutation, fd Finding, res *result) {
	f.mu.Lock()
	f.sum.ByClass[fd.Class]++
	first := f.sum.ByClass[fd.Class] == 1
	if first {
		f.sum.FirstAt[fd.Class] = time.Since(f.start)
		f.sum.FirstCase[fd.Class] = i
	}
	save := f.savedN[fd.Class] < f.cfg.SavePerClass
	if save {
		f.savedN[fd.Class]++
	}
	f.mu.Unlock()
	if first {
		fmt.Fprintf(f.cfg.Log, "finding %s (%s, %s) at case %d (%s) [%s: %s]: expected %s; observed %s\n", fd.Class, fd.Requirement, fd.Level,
			i, time.Since(f.start).Round(time.Millisecond), t.name, strings.Join(mutationStrings(fd.Mutations), ", "), fd.Expected, fd.Observed)
	}
	if !save {
		return
	}
	minRes := f.minimise(ctx, t, muts, fd.Class, res)
	rep := f.reproducer(minRes, fd.Class)
	s := Saved{Finding: fd, Reproducer: rep}
	if f.cfg.OutDir != "" {
		path, err := rep.Save(f.cfg.OutDir)
		if err != nil {
			fmt.Fprintf(f.cfg.Log, "saving reproducer: %v\n", err)
		}
		s.File = path
	}
	f.mu.Lock()
	f.sum.Saved = append(f.sum.Saved, s)
	f.mu.Unlock()
}

func hasClass(fs []Finding, class string) bool {
	for _, f := range fs {
		if f.Class == class {
			return true
		}
	}
	return false
}

// minimiseInst numbers the template instances minimisation builds apart from the cases'
// (numbered from 1 by case): a campaign runs fewer than 2^40 cases.
const minimiseInst = 1 << 40

// slowClass findings cost a timeout per attempt: shrink them less.
func slowClass(c string) bool { return c == ClassHang }

// minimise shrinks the mutation list, then the body (by dropping members), while the finding
// of the class persists. Each attempt uses a fresh template instance, so that state the first
// attempt left (a created account) does not decide the next.
func (f *Fuzzer) minimise(ctx context.Context, t template, muts []Mutation, class string, res *result) *result {
	best := res
	budget := 24
	if slowClass(class) {
		budget = 3
	}
	try := func(ms []Mutation) *result {
		if budget <= 0 || ctx.Err() != nil {
			return nil
		}
		budget--
		b, err := t.build(ctx, f, f.caseRand(-1), minimiseInst+f.inst.Add(1))
		if err != nil {
			return nil
		}
		r, err := f.execute(ctx, b, ms)
		if err != nil || r == nil || !hasClass(r.findings, class) {
			return nil
		}
		return r
	}
	cur := slices.Clone(muts)
	for i := 0; i < len(cur) && len(cur) > 1; {
		cand := slices.Delete(slices.Clone(cur), i, i+1)
		if r := try(cand); r != nil {
			cur, best = cand, r
			continue
		}
		i++
	}
	if slowClass(class) {
		return best
	}
	// Shrink the body: drop members the finding does not need, deepest first.
	tree, err := parseTree(best.base.Body)
	if err != nil {
		return best
	}
	ss := sites(f.sp, tree)
	sort.SliceStable(ss, func(a, b int) bool { return len(ss[a].Path) > len(ss[b].Path) })
	for _, s := range ss {
		if !s.Member || len(s.Path) < 2 || s.Type == "tag" {
			continue
		}
		cand := append(slices.Clone(cur), Mutation{Op: OpDrop, Path: s.Path})
		if r := try(cand); r != nil {
			cur, best = cand, r
		}
	}
	return best
}
