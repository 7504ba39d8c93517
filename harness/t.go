package harness

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"

	"github.com/meshconform/meshconform/harness/target"
)

// Finding is what a check reports when the target fails it.
type Finding struct {
	Message string
	// Expected and Observed are any JSON-encodable values; when both are set the report shows
	// a diff of their JSON forms.
	Expected any
	Observed any
	// Exchanges are the exchanges that show the failure; they must come from this check's T.
	// Empty means all of them.
	Exchanges []*target.Exchange
	// Unanswered says the finding is the missing answer itself (a hang or a dropped connection
	// on this request is what the requirement forbids). Without it, a failure resting on an
	// exchange that got no answer is no verdict: the runner makes it an error naming the
	// timeout. With it, the failure stands while the target answers otherwise.
	Unanswered bool
}

// Verdict is what a check itself concluded, before the level and expectations are applied.
type Verdict string

// The verdicts.
const (
	VerdictPass          Verdict = "pass"
	VerdictFail          Verdict = "fail"
	VerdictSkip          Verdict = "skip"
	VerdictUnimplemented Verdict = "unimplemented"
	VerdictError         Verdict = "error"
)

// Bounds of what one check may record: a runaway loop must not fill memory or the report.
const (
	maxLogLines  = 200
	maxNotes     = 100
	maxExchanges = 500
)

// T is a check's view of the run: its target, its randomness, its names, and its verdict.
// Like testing.T, the methods that end the check (Fail, Failf, Skip, Unimplemented) must be
// called from the goroutine running the check; the others are safe from any goroutine.
type T struct {
	id     string
	tg     Target
	seed   uint64
	rnd    *rand.Rand
	prefix string

	mu        sync.Mutex
	closed    bool // the runner gave up on the check; later calls change nothing
	inFlight  int
	exchanges []*target.Exchange
	dropped   int // exchanges beyond maxExchanges
	verdict   Verdict
	reason    string
	finding   *Finding
	notes     []string
	log       []string
	details   string
	cleanups  []func(context.Context) error
}

// newT derives everything random about a check from the run seed and the check ID alone, so a
// check's requests do not depend on which other checks run, in what order, or with how many jobs.
func newT(runSeed int64, id string, tg Target) *T {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(runSeed))
	h.Write(b[:])
	h.Write([]byte(id))
	sum := h.Sum(nil)
	s1, s2 := binary.BigEndian.Uint64(sum[0:8]), binary.BigEndian.Uint64(sum[8:16])
	// Account names: letters and digits only, safe under any portal's naming rule; lower case
	// because portals may fold case.
	prefix := "mc" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[16:21]))
	return &T{id: id, tg: tg, seed: s1, rnd: rand.New(rand.NewPCG(s1, s2)), prefix: prefix, verdict: VerdictPass}
}

// ID is the check's ID.
func (t *T) ID() string { return t.id }

// Rand is the check's own random source, seeded from the run seed and the check ID. It is not
// safe for concurrent use.
func (t *T) Rand() *rand.Rand { return t.rnd }

// Seed is the seed of Rand, for checks that drive another generator (rapid, a fuzzer).
func (t *T) Seed() uint64 { return t.seed }

// Prefix is unique to this check within a run (and across runs with different seeds): a check
// names every account it creates with it so that checks running in parallel never collide.
func (t *T) Prefix() string { return t.prefix }

// Name returns Prefix joined with a suffix: an account's local part for this check.
func (t *T) Name(suffix string) string {
	if suffix == "" {
		return t.prefix
	}
	return t.prefix + "-" + suffix
}

// URL is the target's printable URL.
func (t *T) URL() string { return t.tg.URL() }

// Post sends body to the target and records the exchange. Transport problems come back in
// Exchange.Problem; the error is non-nil only when ctx ended or the request could not be built.
func (t *T) Post(ctx context.Context, body []byte, hdr http.Header) (*target.Exchange, error) {
	return t.send(ctx, t.tg, body, hdr)
}

// send posts through tg (the target, or a pinned connection of it), counting the request as
// outstanding while it is, and records the exchange.
func (t *T) send(ctx context.Context, tg Target, body []byte, hdr http.Header) (*target.Exchange, error) {
	t.mu.Lock()
	t.inFlight++
	t.mu.Unlock()
	ex, err := tg.Post(ctx, body, hdr)
	t.mu.Lock()
	t.inFlight--
	t.mu.Unlock()
	if ex != nil {
		t.Record(ex)
	}
	return ex, err
}

// Conn sends a check's requests over one connection of their own (T.Connection).
type Conn struct {
	t  *T
	tg *target.HTTP
}

// Connection returns a Conn whose requests share one connection, and false when the target
// cannot pin one (a target other than target.HTTP); close it when done.
func (t *T) Connection() (*Conn, bool) {
	h, ok := t.tg.(*target.HTTP)
	if !ok {
		return nil, false
	}
	return &Conn{t: t, tg: h.Pinned()}, true
}

// Post is T.Post over the connection: the exchange is recorded.
func (c *Conn) Post(ctx context.Context, body []byte, hdr http.Header) (*target.Exchange, error) {
	return c.t.send(ctx, c.tg, body, hdr)
}

// Close closes the connection.
func (c *Conn) Close() { c.tg.Close() }

// Record adds an exchange the check made by other means.
func (t *T) Record(ex *target.Exchange) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	if len(t.exchanges) >= maxExchanges {
		t.dropped++
		return
	}
	t.exchanges = append(t.exchanges, ex)
}

// Cleanup registers fn to undo what the check left on the target (an account it created, say),
// so that a persistent target is found as it was: the next run, and a replay of the same seed,
// meet the same state. The runner calls the cleanups in reverse order once the check has ended
// and its result is decided, with a deadline of their own; their requests are not part of the
// check's record, and their errors are logged in the result, never turned into a verdict. They
// do not run when the check was abandoned or the run canceled.
func (t *T) Cleanup(fn func(ctx context.Context) error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.closed {
		t.cleanups = append(t.cleanups, fn)
	}
}

// Exchanges returns the exchanges recorded so far.
func (t *T) Exchanges() []*target.Exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]*target.Exchange(nil), t.exchanges...)
}

// Logf records a diagnostic line in the result.
func (t *T) Logf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || len(t.log) >= maxLogLines {
		return
	}
	t.log = append(t.log, fmt.Sprintf(format, args...))
}

// Info records an observation. It does not end the check; for probes and review checks the
// observations are the result.
func (t *T) Info(msg string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed || len(t.notes) >= maxNotes {
		return
	}
	t.notes = append(t.notes, msg)
}

// Fail records that the target failed the check and ends the check (deferred calls run).
func (t *T) Fail(f Finding) {
	t.end(VerdictFail, "", &f)
}

// Failf is Fail with only a message.
func (t *T) Failf(format string, args ...any) {
	t.Fail(Finding{Message: fmt.Sprintf(format, args...)})
}

// Skip ends the check without a verdict: it does not apply to this target or configuration.
func (t *T) Skip(reason string) {
	t.end(VerdictSkip, reason, nil)
}

// Undecided ends the check with an error outcome: it could not reach a verdict here (the
// machine too slow for what the check must observe, say), which is neither the target's
// failure nor a pass.
func (t *T) Undecided(reason string) {
	t.end(VerdictError, reason, nil)
}

// Unimplemented ends the check: the target does not offer the feature under test (e.g. a
// transaction the draft marks "not currently implemented").
func (t *T) Unimplemented(reason string) {
	t.end(VerdictUnimplemented, reason, nil)
}

func (t *T) end(v Verdict, reason string, f *Finding) {
	t.mu.Lock()
	if !t.closed && t.verdict == VerdictPass {
		t.verdict, t.reason, t.finding = v, reason, f
	}
	t.mu.Unlock()
	runtime.Goexit()
}

// setError records a harness fault (panic, overrun) unless the runner already closed the T.
func (t *T) setError(reason, details string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.verdict, t.reason, t.details, t.finding = VerdictError, reason, details, nil
}

// busy reports whether a request to the target is outstanding, or the last one got no answer:
// a check that overruns its time in that state was waiting for the target.
func (t *T) busy() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inFlight > 0 {
		return true
	}
	if n := len(t.exchanges); n > 0 && t.exchanges[n-1].Problem == target.ProblemTimeout {
		return true
	}
	return false
}

// snapshot is the T's state when the runner closes it.
type snapshot struct {
	verdict   Verdict
	reason    string
	details   string
	finding   *Finding
	notes     []string
	log       []string
	exchanges []*target.Exchange
	dropped   int
	cleanups  []func(context.Context) error
}

// close freezes the T: a check goroutine abandoned after its timeout can no longer change the
// result the runner is writing.
func (t *T) close() snapshot {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	return snapshot{t.verdict, t.reason, t.details, t.finding, t.notes, t.log, t.exchanges, t.dropped, t.cleanups}
}
