package clientfuzz

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meshconform/meshconform/fuzz/live"
	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/harness/testportal"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/spec"
)

// maxRSSMiB bounds a client's peak memory on one answer (docs/SHIM.md, Limits).
const maxRSSMiB = 200

// Scenario is one client operation and the transaction whose answers are mutated.
type Scenario struct {
	Name string
	// Op: "{account}" stands for the portal's account, "{new}" for a name no run used yet.
	Op []string
	Tx string
	// Connected: the device's state holds an approved connection request (copied afresh for
	// every run, since an accepted status ends the request).
	Connected bool
}

// Scenarios are the operations fuzzed, each with the answer it consumes.
var Scenarios = []Scenario{
	{Name: "hello", Op: []string{"hello"}, Tx: "Hello"},
	{Name: "validate", Op: []string{"validate", "someone"}, Tx: "ValidateAccount"},
	{Name: "get-profile", Op: []string{"connect", "request", "{account}"}, Tx: "Get"},
	{Name: "connect-start", Op: []string{"connect", "request", "{account}"}, Tx: "ConnectStart"},
	{Name: "connect-status", Op: []string{"connect", "status"}, Tx: "ConnectStatus", Connected: true},
	{Name: "create", Op: []string{"create", "{new}"}, Tx: "CreateAccount"},
}

func scenario(name string) (Scenario, bool) {
	for _, s := range Scenarios {
		if s.Name == name {
			return s, true
		}
	}
	return Scenario{}, false
}

// Kinds of finding.
const (
	KindCrash    = "crash"             // exit code outside the contract, a signal or a crash trace
	KindHang     = "hang"              // killed at the shim's deadline
	KindMemory   = "memory"            // peak memory over maxRSSMiB
	KindAccepted = "accepted"          // success exit on an answer that must be refused
	KindOverRead = "over-read"         // the client's connection took far more of a huge body than the bound
	KindFollowed = "followed-redirect" // the client sent its request on to where a redirect pointed
)

// Answer-level mutations: the test portal replaces the whole answer of the transaction with
// one of its faults instead of serving a mutated body.
const (
	// OpHugeBody streams the test portal's Huge body (a 256 MiB string, cut just past
	// testportal.OverRead), as client.robust.huge-body does.
	OpHugeBody live.Op = "huge-body"
	// OpRedirect answers HTTP 307 naming the test portal's other server, as
	// client.transport.redirect does.
	OpRedirect live.Op = "redirect"
	// OpStall sends the answer's head and then nothing, as client.robust.stalled does: the
	// client must give up within its --timeout (stallTimeout on these runs).
	OpStall live.Op = "stall"
)

// answerLevel maps each answer-level mutation to the test portal's fault that serves it.
var answerLevel = map[live.Op]testportal.Fault{OpHugeBody: testportal.Huge, OpRedirect: testportal.Redirect, OpStall: testportal.Stalled}

// answerLevelOps are the answer-level mutations in the order a run draws them.
var answerLevelOps = []live.Op{OpHugeBody, OpRedirect, OpStall}

// answerLevelOdds: one run in this many draws an answer-level mutation instead.
const answerLevelOdds = 10

// hugeBodyTimeout is the client's --timeout on a huge body (conformance/client's bound for
// its bounded-reading checks): a conforming client stops at its bound long before; one
// without a bound must have the time to read past testportal.OverRead however busy the
// machine, so that the verdict does not depend on its speed.
const hugeBodyTimeout = 5 * time.Minute

// stallTimeout is the client's --timeout on a stalled answer: short, so that a conforming
// client gives up fast and one without a timeout is killed at the shim's bound (3 x timeout
// + 3 s, 9 s), the verdict (a hang) leaving a slow but conforming client 7 s to spare.
const stallTimeout = 2 * time.Second

// Finding is one judged failure, saved as a reproducer.
type Finding struct {
	Version     int             `json:"version"`
	Kind        string          `json:"kind"`
	Requirement string          `json:"requirement"`
	Why         string          `json:"why"`
	Scenario    string          `json:"scenario"`
	Tx          string          `json:"tx"`
	Seed        uint64          `json:"seed"`
	Exec        int             `json:"exec"`
	Mutations   []live.Mutation `json:"mutations"`
	// Answer is the mutated body the client got (its first 4 KiB), for reading; a replay
	// applies Mutations to a fresh correct answer, which covers the new run's nonce and keys.
	Answer   string `json:"answer"`
	Observed string `json:"observed"`
	File     string `json:"-"`
}

// Config of a fuzzing run.
type Config struct {
	Shim     *shim.Shim
	Seed     uint64
	Duration time.Duration // stop after this long (0: no bound)
	MaxExecs int           // stop after this many runs (0: no bound)
	Out      string        // folder for reproducers ("" keeps them in memory)
	// Scenarios to fuzz (default: all).
	Scenarios []Scenario
}

// Stats are what a run did.
type Stats struct {
	Execs    int
	Elapsed  time.Duration
	Findings []*Finding
}

// ExecsPerSecond is the run's rate.
func (s *Stats) ExecsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Execs) / s.Elapsed.Seconds()
}

// ErrConfig is a configuration the run cannot start with.
var ErrConfig = errors.New("clientfuzz: configuration")

// Run fuzzes until the duration or the execution bound, or ctx, ends. It reports one finding
// per kind, scenario and requirement, each minimised.
func Run(ctx context.Context, cfg Config) (*Stats, error) {
	if cfg.Shim == nil || (cfg.Duration <= 0 && cfg.MaxExecs <= 0) {
		return nil, fmt.Errorf("%w: a shim and a duration or an execution bound are required", ErrConfig)
	}
	sp, err := spec.Load()
	if err != nil {
		return nil, err
	}
	scs := cfg.Scenarios
	if len(scs) == 0 {
		scs = Scenarios
	}
	rnd := rand.New(rand.NewPCG(cfg.Seed, 0x636c69656e74))
	// A second stream from the same seed picks the answer-level runs, so that adding them
	// left the body mutations each seed draws as they were.
	alt := rand.New(rand.NewPCG(cfg.Seed, 0x616e73776572))
	envs := map[string]*env{}
	defer func() {
		for _, e := range envs {
			e.close()
		}
	}()
	st := &Stats{}
	seen := map[string]bool{}
	start := time.Now()
	for ctx.Err() == nil {
		if cfg.MaxExecs > 0 && st.Execs >= cfg.MaxExecs {
			break
		}
		if cfg.Duration > 0 && time.Since(start) >= cfg.Duration {
			break
		}
		sc := scs[rnd.IntN(len(scs))]
		e, ok := envs[sc.Name]
		if !ok {
			if e, err = newEnv(ctx, cfg.Shim, sc); err != nil {
				return st, err
			}
			envs[sc.Name] = e
		}
		ms := e.draw(rnd, sp)
		if alt.IntN(answerLevelOdds) == 0 {
			ms = []live.Mutation{{Op: answerLevelOps[alt.IntN(len(answerLevelOps))]}}
		}
		exec := st.Execs
		st.Execs++
		f := e.execute(ctx, ms)
		if f == nil {
			continue
		}
		key := f.Kind + "|" + sc.Name + "|" + f.Requirement
		if seen[key] {
			continue
		}
		seen[key] = true
		f = e.minimise(ctx, f, &st.Execs)
		f.Seed, f.Exec = cfg.Seed, exec
		if cfg.Out != "" {
			if err := save(cfg.Out, f); err != nil {
				return st, err
			}
		}
		st.Findings = append(st.Findings, f)
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// env is one scenario's test portal, account and device state.
type env struct {
	sc       Scenario
	sh       *shim.Shim
	ps       *testportal.Server
	dir      string
	template string // the connected device's state, copied for each run
	account  string
	runs     int

	mu      sync.Mutex
	armed   bool
	plan    []live.Mutation
	answer  []byte
	applied []live.Mutation
	base    []byte // the last correct answer of the transaction, the draw's seed
}

func newEnv(ctx context.Context, sh *shim.Shim, sc Scenario) (*env, error) {
	e := &env{sc: sc, sh: sh, account: "fuzz"}
	ps, err := testportal.Start(testportal.Options{Domain: "127.0.0.1", Answer: e.answerHook, FaultFor: e.faultFor,
		MaxSend: testportal.OverRead + 1})
	if err != nil {
		return nil, err
	}
	e.ps = ps
	if e.dir, err = os.MkdirTemp("", "meshconform-clientfuzz-*"); err != nil {
		ps.Close()
		return nil, err
	}
	m, err := client.NewMaster(keys.Ed448, nil)
	if err != nil {
		e.close()
		return nil, err
	}
	d, err := client.NewDevice(keys.Ed448, nil)
	if err != nil {
		e.close()
		return nil, err
	}
	a := &client.Account{Name: e.account, Master: m, Device: d}
	if _, _, err := ps.Direct().CreateAccount(ctx, a); err != nil {
		e.close()
		return nil, fmt.Errorf("clientfuzz: set up the account: %w", err)
	}
	if sc.Connected {
		e.template = filepath.Join(e.dir, "template")
		r := sh.Run(ctx, shim.Invocation{Portal: ps.URL, State: e.template, Op: []string{"connect", "request", e.account}})
		if r.Class != shim.ClassOK {
			e.close()
			return nil, fmt.Errorf("clientfuzz: the client's connect request against a conforming portal failed: %s", r.Summary())
		}
		c := ps.Direct()
		prs, _, err := c.Pending(ctx, a, nil)
		if err == nil {
			for i := range prs {
				if prs[i].Err == nil {
					_, err = c.Approve(ctx, a, &prs[i])
				}
			}
		}
		if err != nil {
			e.close()
			return nil, fmt.Errorf("clientfuzz: approve the client's request: %w", err)
		}
	}
	// One clean run gives the draw its first valid answer.
	e.run(ctx, nil)
	if e.base == nil {
		e.close()
		return nil, fmt.Errorf("clientfuzz: the client sent no %s for %q against a conforming portal", sc.Tx, strings.Join(sc.Op, " "))
	}
	return e, nil
}

func (e *env) close() {
	if e.ps != nil {
		e.ps.Close()
	}
	if e.dir != "" {
		os.RemoveAll(e.dir)
	}
}

// answerHook mutates the answers of the scenario's transaction while a run is armed.
func (e *env) answerHook(tx string, _, body []byte, status int) ([]byte, int) {
	if tx != e.sc.Tx {
		return body, status
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.base = slices.Clone(body)
	if !e.armed || len(e.plan) == 0 {
		return body, status
	}
	out, applied := live.ApplyResponse(body, e.plan)
	e.answer, e.applied = out, applied
	return out, status
}

// faultFor serves an armed answer-level mutation of the scenario's transaction as the test
// portal's fault.
func (e *env) faultFor(tx string) testportal.Fault {
	if tx != e.sc.Tx {
		return testportal.None
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.armed {
		return testportal.None
	}
	for _, m := range e.plan {
		if f, ok := answerLevel[m.Op]; ok {
			e.applied = []live.Mutation{m}
			return f
		}
	}
	return testportal.None
}

func (e *env) draw(r *rand.Rand, sp *spec.Spec) []live.Mutation {
	e.mu.Lock()
	base := e.base
	e.mu.Unlock()
	return live.ResponseMutations(r, sp, base)
}

// served is what the test portal saw of one run beyond the answer's body.
type served struct {
	sent     int64 // the most of one body the client's connection took
	followed bool  // a request reached the server a redirect named
}

// run runs the scenario's operation once with plan applied to the answers of its
// transaction; it returns the result, the answer as served, the mutations that took effect
// and what the test portal saw.
func (e *env) run(ctx context.Context, plan []live.Mutation) (*shim.Result, []byte, []live.Mutation, served) {
	e.runs++
	state := filepath.Join(e.dir, "run"+strconv.Itoa(e.runs))
	defer os.RemoveAll(state)
	if e.template != "" {
		if err := os.CopyFS(state, os.DirFS(e.template)); err != nil {
			return &shim.Result{Class: shim.ClassNoStart, Err: err.Error()}, nil, nil, served{}
		}
	}
	op := slices.Clone(e.sc.Op)
	for i := range op {
		op[i] = strings.ReplaceAll(op[i], "{account}", e.account)
		op[i] = strings.ReplaceAll(op[i], "{new}", e.account+"-new"+strconv.Itoa(e.runs))
	}
	e.mu.Lock()
	e.armed, e.plan, e.answer, e.applied = true, plan, nil, nil
	e.mu.Unlock()
	inv := shim.Invocation{Portal: e.ps.URL, State: state, Op: op}
	for _, m := range plan {
		switch m.Op {
		case OpHugeBody:
			inv.Timeout = hugeBodyTimeout
		case OpStall:
			inv.Timeout = stallTimeout
		}
	}
	before := len(e.ps.Requests())
	r := e.sh.Run(ctx, inv)
	var sv served
	for _, q := range e.ps.Requests()[before:] {
		sv.sent = max(sv.sent, q.Response.Sent)
		sv.followed = sv.followed || q.Server == "redirect"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.armed = false
	return r, e.answer, e.applied, sv
}

// execute runs one mutated exchange and judges it.
func (e *env) execute(ctx context.Context, plan []live.Mutation) *Finding {
	r, answer, applied, sv := e.run(ctx, plan)
	if ctx.Err() != nil {
		return nil
	}
	return judge(e.sc, r, answer, applied, sv)
}

// judge applies the oracle to one run.
func judge(sc Scenario, r *shim.Result, answer []byte, applied []live.Mutation, sv served) *Finding {
	f := &Finding{Version: 1, Scenario: sc.Name, Tx: sc.Tx, Mutations: applied, Observed: r.Summary()}
	if len(answer) > 4096 {
		answer = answer[:4096]
	}
	f.Answer = string(answer)
	switch {
	case sv.sent > testportal.OverRead:
		f.Kind, f.Requirement, f.Why = KindOverRead, "REQ-WIRE-LIMITS", fmt.Sprintf("the client's connection took %d MiB of a huge body: it must stop at its own limit, at most %d MiB (docs/SHIM.md, Limits); a bounded reader takes at most %d MiB with the socket buffers", sv.sent>>20, testportal.MaxResponse>>20, testportal.OverRead>>20)
	case sv.followed:
		f.Kind, f.Requirement, f.Why = KindFollowed, "REQ-WIRE-HOST", "the client followed an HTTP 307 redirect to another server: its request, with any Authorization, reached a host that is not the portal (draft 3.1)"
	case r.Class == shim.ClassCrash:
		f.Kind, f.Requirement, f.Why = KindCrash, "REQ-WIRE-LIMITS", "the client crashed on a mutated answer: a bad answer is a clear error, never a crash"
	case r.Class == shim.ClassHang:
		f.Kind, f.Requirement, f.Why = KindHang, "REQ-WIRE-LIMITS", "the client did not finish within its deadline on a mutated answer"
		if slices.ContainsFunc(applied, func(m live.Mutation) bool { return m.Op == OpStall }) {
			f.Why = "the client did not give up on a stalled answer within its --timeout: it was killed at the harness deadline, 3 x timeout + 3 s (docs/SHIM.md)"
		}
	case r.MaxRSSKiB > maxRSSMiB<<10:
		f.Kind, f.Requirement, f.Why = KindMemory, "REQ-WIRE-LIMITS", fmt.Sprintf("the client's peak memory reached %d MiB (bound %d MiB)", r.MaxRSSKiB>>10, maxRSSMiB)
	case r.Class == shim.ClassOK:
		req, why := mustRefuse(sc, applied)
		if req == "" {
			return nil
		}
		f.Kind, f.Requirement, f.Why = KindAccepted, req, "the client exited 0 on "+why
	default:
		return nil
	}
	return f
}

// mustRefuse says whether the applied mutations make an answer the client must refuse, with
// the requirement and the reason.
func mustRefuse(sc Scenario, ms []live.Mutation) (req, why string) {
	// A break flips one fixed bit: the same break twice on one envelope restores it.
	flips := map[string]int{}
	for _, m := range ms {
		if m.Op == live.OpBreakSig || m.Op == live.OpBreakPayload {
			flips[string(m.Op)+" "+strings.Join(m.Path, "/")]++
		}
	}
	for _, m := range ms {
		p := strings.Join(m.Path, "/")
		if (m.Op == live.OpBreakSig || m.Op == live.OpBreakPayload) && flips[string(m.Op)+" "+p]%2 == 0 {
			continue
		}
		switch {
		case m.Op == OpHugeBody:
			return "REQ-WIRE-LIMITS", fmt.Sprintf("a body past the %d MiB bound that never closes its string (%s)", testportal.MaxResponse>>20, m.String())
		case m.Op == OpRedirect:
			return "REQ-WIRE-HOST", "an HTTP 307 redirect to another server (" + m.String() + ")"
		case m.Op == OpStall:
			return "REQ-WIRE-LIMITS", "an answer that stalls after its head (" + m.String() + ")"
		case (m.Op == live.OpBreakSig || m.Op == live.OpBreakPayload || m.Op == live.OpStripSig) && sc.Tx == "Get" && strings.Contains(p, "/Entries/"):
			return "CTL-PROFILE-VERIFY-CHAIN", "a profile whose signature no longer verifies (" + m.String() + ")"
		case (m.Op == live.OpBreakSig || m.Op == live.OpBreakPayload || m.Op == live.OpStripSig) && sc.Tx == "ConnectStatus" && strings.HasSuffix(p, "/Result"):
			return "REQ-CONNECT-RESULT-SIGNED", "a connection result whose signature no longer verifies (" + m.String() + ")"
		case sc.Tx == "ConnectStart" && changesValue(m) && (strings.HasSuffix(p, "/Challenge/Witness") || strings.HasSuffix(p, "/Challenge/ServerNonce")):
			return "REQ-WIRE-WITNESS", "a challenge whose witness no longer matches (" + m.String() + ")"
		case len(m.Path) == 1 && m.Op == live.OpUntag:
			return "REQ-WIRE-RESPONSE-TAG", "an answer without its class tag (" + m.String() + ")"
		case len(m.Path) == 1 && m.Op == live.OpRenameTag && m.Arg != m.Path[0]:
			return "REQ-WIRE-RESPONSE-TAG", "an answer tagged as another class (" + m.String() + ")"
		case m.Op == live.OpBoundary && len(m.Path) == 2 && m.Path[1] == "Status":
			if n, err := strconv.Atoi(m.Arg); err == nil && (n < 200 || n > 299) {
				return "REQ-STATUS-AUTHORITATIVE", "a payload Status of " + m.Arg + " (" + m.String() + ")"
			}
		}
	}
	return "", ""
}

// changesValue: the mutation replaces or removes the value at its path (a duplicate or an
// added member leaves it as it was).
func changesValue(m live.Mutation) bool {
	switch m.Op {
	case live.OpDrop, live.OpRetype, live.OpBoundary, live.OpHugeString, live.OpBadUTF8:
		return true
	}
	return false
}

// minimise drops mutations one at a time while the finding stays (same kind and requirement).
func (e *env) minimise(ctx context.Context, f *Finding, execs *int) *Finding {
	for i := 0; i < len(f.Mutations) && len(f.Mutations) > 1; {
		fewer := slices.Delete(slices.Clone(f.Mutations), i, i+1)
		*execs++
		g := e.execute(ctx, fewer)
		if g != nil && g.Kind == f.Kind && g.Requirement == f.Requirement {
			f = g
			continue
		}
		i++
	}
	return f
}

func save(dir string, f *Finding) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("clientfuzz: %w", err)
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("clientfuzz: %w", err)
	}
	h := sha256.Sum256(data)
	f.File = filepath.Join(dir, fmt.Sprintf("client-%s-%s-%s.json", f.Kind, f.Scenario, hex.EncodeToString(h[:4])))
	if err := os.WriteFile(f.File, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("clientfuzz: %w", err)
	}
	return nil
}
