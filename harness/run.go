package harness

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/expect"
	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/harness/target"
)

// Defaults for zero Config fields.
const (
	DefaultCheckTimeout = 60 * time.Second
	DefaultProbeTimeout = 15 * time.Second
	// DefaultMaxRecordedBody bounds each body kept in the result: enough to read any portal
	// message, small enough that a report of hundreds of checks stays readable.
	DefaultMaxRecordedBody = 64 << 10
)

// cleanupTimeout bounds the cleanups of one check together.
var cleanupTimeout = 10 * time.Second

// abandonGrace is how long a check may take to return after its context ended before the runner
// stops waiting for it. A variable only so tests need not wait the full grace.
var abandonGrace = 2 * time.Second

// Config controls a run.
type Config struct {
	Target  Target
	Catalog Catalog // optional; when set every check's requirement must be in it
	Tool    result.Tool
	// Seed drives every random choice; 0 picks one from crypto/rand. It is always recorded.
	Seed int64
	// Jobs is the number of checks run in parallel (minimum 1). Serial checks run alone after.
	Jobs int
	Selection
	// List selects checks without running them (and without probing the target).
	List bool
	// CheckTimeout bounds each check.
	CheckTimeout time.Duration
	// Strict makes warnings fail the run.
	Strict bool
	// NoCleanup skips the checks' cleanups (T.Cleanup): what they created stays on the target,
	// for inspection.
	NoCleanup bool
	// Expectations from --expect; ExpectationsSource is the file name to record.
	Expectations       *expect.File
	ExpectationsSource string
	// Probe checks the target answers; run before the first check and after the last. The
	// harness knows no protocol, so the caller supplies it (e.g. a Hello).
	Probe        func(ctx context.Context) error
	ProbeTimeout time.Duration
	// DeadAfter is how many consecutive checks whose last request got no answer make the runner
	// probe the target mid-run (0 means 3, negative never). When that probe fails the remaining
	// checks are not run: against a hanging target each would wait out its timeout, and their
	// failures would say nothing about the requirements. Needs Probe.
	DeadAfter int
	// Deadline bounds the whole run (0: none). When it passes, the checks running are stopped,
	// the rest are recorded as not run, and the run ends with ConditionDeadline.
	Deadline time.Duration
	// Progress receives events; calls are serialized, so reporters need no locking.
	Progress func(result.Event)
	// Secrets are literal values redacted from every output (PINs, passwords).
	Secrets []string
	// MaxRecordedBody bounds each recorded body.
	MaxRecordedBody int
	// ReplayCommand prefixes reproduce lines; default "meshconform replay".
	ReplayCommand string
	// ReplayTarget, when set, replaces "--portal URL" in reproduce lines: a portal that the
	// command started itself (the embedded reference) is named by how to start it again.
	ReplayTarget *string
}

// Run selects checks, runs them against cfg.Target and returns the record of the run. The error
// is non-nil only for a configuration the runner refuses (wrapping ErrConfig or ErrInvalidCheck):
// everything that happens to the target is in the returned Run, and Run.ExitCode says what it
// means.
func Run(ctx context.Context, checks []Check, cfg Config) (*result.Run, error) {
	if err := cfg.validate(checks); err != nil {
		return nil, err
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = randomSeed()
	}
	r := &runner{cfg: cfg, seed: seed, red: result.NewRedactor(cfg.Secrets...)}
	return r.run(ctx, checks)
}

func (cfg *Config) validate(checks []Check) error {
	if !cfg.List && cfg.Target == nil {
		return fmt.Errorf("%w: no target", ErrConfig)
	}
	if cfg.Jobs < 0 {
		return fmt.Errorf("%w: jobs %d", ErrConfig, cfg.Jobs)
	}
	if cfg.CheckTimeout < 0 {
		return fmt.Errorf("%w: negative check timeout", ErrConfig)
	}
	if err := cfg.Selection.validate(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range checks {
		c := &checks[i]
		if err := c.validate(); err != nil {
			return err
		}
		if seen[c.ID] {
			return fmt.Errorf("%w: duplicate ID %s", ErrInvalidCheck, c.ID)
		}
		seen[c.ID] = true
		level := c.Level
		if cfg.Catalog != nil && c.Requirement != "" {
			req, ok := cfg.Catalog.Requirement(c.Requirement)
			if !ok {
				return fmt.Errorf("%w %s: requirement %q is not in the catalog", ErrInvalidCheck, c.ID, c.Requirement)
			}
			if level == "" {
				level = Level(req.Level)
			}
		}
		if level != "" && !level.valid() {
			return fmt.Errorf("%w %s: level %q", ErrInvalidCheck, c.ID, level)
		}
		if level == "" && (c.Category == Deviation || c.Category == Control) {
			return fmt.Errorf("%w %s: a %s check needs a level (its own or its requirement's)", ErrInvalidCheck, c.ID, c.Category)
		}
	}
	return nil
}

// randomSeed returns a positive seed; it never fails, because crypto/rand.Read does not.
func randomSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	s := int64(binary.BigEndian.Uint64(b[:]) >> 1)
	if s == 0 {
		s = 1
	}
	return s
}

type runner struct {
	cfg  Config
	seed int64
	red  *result.Redactor

	mu   sync.Mutex // guards the fields below and serializes Progress
	done int
	sel  int

	silent  int  // consecutive finished checks whose last exchange got no answer
	probing bool // a mid-run probe is outstanding
	dead    bool // a mid-run probe failed: the target stopped answering
	deadMsg string
}

func (r *runner) emit(ev result.Event) {
	if r.cfg.Progress == nil {
		return
	}
	r.cfg.Progress(ev)
}

// prepared is a selected check with its catalog data resolved.
type prepared struct {
	Check
	req *result.Requirement
}

// ErrDeadline is the cause of a run's context when Config.Deadline passed.
var ErrDeadline = errors.New("the run's deadline passed")

func (r *runner) run(ctx context.Context, checks []Check) (*result.Run, error) {
	cfg := r.cfg
	start := time.Now()
	if cfg.Deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, cfg.Deadline, fmt.Errorf("%w (--deadline %s)", ErrDeadline, cfg.Deadline))
		defer cancel()
	}
	run := &result.Run{
		SchemaVersion: result.SchemaVersion,
		Tool:          cfg.Tool,
		Mode:          result.ModeRun,
		Seed:          r.seed,
		StartedAt:     start.UTC(),
		Results:       []result.CheckResult{},
	}
	if cfg.List {
		run.Mode = result.ModeList
	}
	if cfg.Target != nil {
		run.Target = SanitizeURL(cfg.Target.URL())
	}
	var sel []prepared
	ids := make([]string, 0, len(checks))
	for _, c := range checks {
		ids = append(ids, c.ID)
		p := r.prepare(c)
		if cfg.Selects(p.ID, p.Section, p.Level) {
			sel = append(sel, p)
		}
	}
	sort.Slice(sel, func(i, j int) bool { return sel[i].ID < sel[j].ID })
	r.sel = len(sel)
	run.Config = r.configSummary(len(checks), len(sel))
	run.Warnings = cfg.Expectations.Unused(ids)

	finish := func() *result.Run {
		result.SortResults(run.Results)
		run.Summary = result.Summarize(run.Results)
		run.Duration = time.Since(start)
		r.emit(result.Event{Kind: result.RunFinished, Run: run})
		return run
	}
	if len(sel) == 0 {
		run.Condition = result.ConditionNoChecks
		run.ConditionDetail = "the selection matches no check"
		return finish(), nil
	}
	r.emit(result.Event{Kind: result.RunStarted, Seed: r.seed, Total: len(sel)})
	if cfg.List {
		for _, p := range sel {
			run.Results = append(run.Results, r.skeleton(p))
		}
		return finish(), nil
	}

	if cfg.Probe != nil {
		run.ProbeBefore = r.probe(ctx)
		if !run.ProbeBefore.OK && ctx.Err() != nil {
			// The run ended (its deadline, the caller) while probing: that says nothing of the target.
			for _, p := range sel {
				r.finished(run, r.canceled(ctx, p))
			}
			r.stopped(ctx, run)
			return finish(), nil
		}
		if !run.ProbeBefore.OK {
			run.Condition = result.ConditionTargetUnreachable
			run.ConditionDetail = "target unreachable: the probe before the first check failed: " + run.ProbeBefore.Error
			return finish(), nil
		}
	}

	var parallel, serial []prepared
	for _, p := range sel {
		if d, ok := cfg.Expectations.DisabledFor(p.ID); ok {
			res := r.skeleton(p)
			res.Outcome = result.Skip
			res.Reason = fmt.Sprintf("disabled (%s): %s", d.Category, d.Reason)
			res.Expectation = &result.Expectation{Kind: result.ExpectDisabled, Pattern: d.Check, Category: d.Category, Reason: d.Reason}
			r.finished(run, res)
			continue
		}
		if p.Serial {
			serial = append(serial, p)
		} else {
			parallel = append(parallel, p)
		}
	}

	jobs := max(cfg.Jobs, 1)
	work := make(chan prepared)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				r.execute(ctx, run, p)
			}
		}()
	}
	canceled := false
	for _, p := range parallel {
		if ctx.Err() != nil {
			canceled = true
			r.finished(run, r.canceled(ctx, p))
			continue
		}
		work <- p
	}
	close(work)
	wg.Wait()
	for _, p := range serial {
		if ctx.Err() != nil {
			canceled = true
		}
		r.execute(ctx, run, p)
	}
	if canceled || ctx.Err() != nil {
		r.stopped(ctx, run)
		return finish(), nil
	}

	if cfg.Probe != nil {
		run.ProbeAfter = r.probe(ctx)
		switch {
		case r.dead:
			run.Condition = result.ConditionTargetDied
			markAfterDeath(run)
			run.ConditionDetail = fmt.Sprintf("target died during the run: it stopped answering and a probe failed (%s); the remaining checks were not run", r.deadMsg)
		case !run.ProbeAfter.OK:
			run.Condition = result.ConditionTargetDied
			markAfterDeath(run)
			run.ConditionDetail = fmt.Sprintf("target died during the run: the probe after the last check failed (%s)", run.ProbeAfter.Error)
		}
	}
	return finish(), nil
}

// stopped sets the condition of a run whose context ended: its deadline passed, or the caller
// canceled it.
func (r *runner) stopped(ctx context.Context, run *result.Run) {
	run.Condition = result.ConditionCanceled
	run.ConditionDetail = "the run was canceled: " + context.Cause(ctx).Error()
	if errors.Is(context.Cause(ctx), ErrDeadline) {
		run.Condition = result.ConditionDeadline
		run.ConditionDetail = context.Cause(ctx).Error() + ": the checks not finished by then were not run"
	}
}

func (r *runner) configSummary(available, selected int) result.ConfigSummary {
	cfg := r.cfg
	levels := make([]string, 0, len(cfg.Levels))
	for _, l := range cfg.Levels {
		levels = append(levels, string(l))
	}
	if len(levels) == 0 {
		levels = nil
	}
	return result.ConfigSummary{
		Only:         cfg.Only,
		Skip:         cfg.Skip,
		Sections:     cfg.Sections,
		Levels:       levels,
		Shard:        cfg.Shard.String(),
		Jobs:         max(cfg.Jobs, 1),
		Strict:       cfg.Strict,
		CheckTimeout: r.checkTimeout(),
		Expectations: cfg.ExpectationsSource,
		Available:    available,
		Selected:     selected,
	}
}

func (r *runner) checkTimeout() time.Duration {
	if r.cfg.CheckTimeout > 0 {
		return r.cfg.CheckTimeout
	}
	return DefaultCheckTimeout
}

// prepare fills section and level from the catalog where the check leaves them empty.
func (r *runner) prepare(c Check) prepared {
	p := prepared{Check: c}
	if r.cfg.Catalog == nil || c.Requirement == "" {
		if c.Requirement != "" {
			p.req = &result.Requirement{ID: c.Requirement, Section: c.Section, Level: string(c.Level)}
		}
		return p
	}
	req, ok := r.cfg.Catalog.Requirement(c.Requirement)
	if !ok {
		return p
	}
	if p.Section == "" {
		p.Section = req.Section
	}
	if p.Level == "" {
		p.Level = Level(req.Level)
	}
	p.req = &result.Requirement{ID: req.ID, Section: req.Section, Level: req.Level, Kind: req.Kind, Text: req.Text, Notes: req.Notes}
	if p.req.ID == "" {
		p.req.ID = c.Requirement
	}
	return p
}

func (r *runner) skeleton(p prepared) result.CheckResult {
	res := result.CheckResult{
		ID:          p.ID,
		Title:       p.Title,
		Doc:         p.Doc,
		Section:     p.Section,
		Level:       string(p.Level),
		Category:    string(p.Category),
		Requirement: p.req,
	}
	if !r.cfg.List && r.cfg.Target != nil {
		res.Reproduce = r.reproduce(p.ID)
	}
	return res
}

func (r *runner) reproduce(id string) string {
	cmd := r.cfg.ReplayCommand
	if cmd == "" {
		cmd = "meshconform replay"
	}
	tgt := "--portal " + ShellQuote(SanitizeURL(r.cfg.Target.URL()))
	if r.cfg.ReplayTarget != nil {
		tgt = *r.cfg.ReplayTarget
	}
	// Joined part by part, not re-split on spaces: a quoted argument keeps its inner spaces.
	parts := []string{strings.TrimSpace(cmd), id}
	if tgt = strings.TrimSpace(tgt); tgt != "" {
		parts = append(parts, tgt)
	}
	return strings.Join(append(parts, fmt.Sprintf("--seed %d", r.seed)), " ")
}

// ShellQuote quotes s for a POSIX shell when it holds anything but safe characters.
func ShellQuote(s string) string {
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:@%+=,", c)) {
			safe = false
			break
		}
	}
	if safe && s != "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// SanitizeURL drops user information from a URL (whatever the Target implementation printed, a
// proxy URL in a reproduce line).
func SanitizeURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = nil
	return u.String()
}

// execute runs one check unless the run was canceled or the target declared dead, then feeds
// the breaker.
func (r *runner) execute(ctx context.Context, run *result.Run, p prepared) {
	if ctx.Err() != nil {
		r.finished(run, r.canceled(ctx, p))
		return
	}
	r.mu.Lock()
	dead := r.dead
	r.mu.Unlock()
	if dead {
		res := r.skeleton(p)
		res.Outcome = result.Skip
		res.Reason = "not run: the target stopped answering"
		res.AfterTargetDied = true
		r.finished(run, res)
		return
	}
	res := r.runOne(ctx, p)
	r.finished(run, res)
	r.breaker(ctx, res)
}

// breaker counts consecutive checks that ended without an answer from the target and probes it
// once the count reaches DeadAfter.
func (r *runner) breaker(ctx context.Context, res result.CheckResult) {
	limit := r.cfg.DeadAfter
	if limit == 0 {
		limit = 3
	}
	if r.cfg.Probe == nil || limit < 0 || len(res.Exchanges) == 0 {
		return
	}
	r.mu.Lock()
	if target.Problem(res.Exchanges[len(res.Exchanges)-1].Problem).NoAnswer() {
		r.silent++
	} else {
		r.silent = 0
	}
	trip := r.silent >= limit && !r.probing && !r.dead
	if trip {
		r.probing = true
	}
	r.mu.Unlock()
	if !trip {
		return
	}
	pr := r.probe(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.probing = false
	r.silent = 0
	if !pr.OK && ctx.Err() == nil {
		r.dead, r.deadMsg = true, pr.Error
	}
}

func (r *runner) canceled(ctx context.Context, p prepared) result.CheckResult {
	res := r.skeleton(p)
	res.Outcome = result.Skip
	res.Reason = "not run: " + stopReason(ctx)
	return res
}

// stopReason says why the run's context ended: its deadline or the caller.
func stopReason(ctx context.Context) string {
	if cause := context.Cause(ctx); errors.Is(cause, ErrDeadline) {
		return cause.Error()
	}
	return "the run was canceled"
}

func (r *runner) finished(run *result.Run, res result.CheckResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	run.Results = append(run.Results, res)
	r.done++
	cp := res // the slice may grow under a reporter that keeps the pointer
	r.emit(result.Event{Kind: result.CheckFinished, CheckID: res.ID, Total: r.sel, Done: r.done, Result: &cp})
}

func (r *runner) probe(ctx context.Context) *result.Probe {
	timeout := r.cfg.ProbeTimeout
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	// A probe that ignores its context must not hang the run.
	err := runContainedErr(pctx, "probe", func() error { return r.cfg.Probe(pctx) })
	p := &result.Probe{OK: err == nil, Duration: time.Since(start)}
	if err != nil {
		p.Error = r.red.String(err.Error())
	}
	return p
}

// runOne runs a check under its timeout and turns what it reported into a result.
func (r *runner) runOne(ctx context.Context, p prepared) result.CheckResult {
	r.mu.Lock()
	r.emit(result.Event{Kind: result.CheckStarted, CheckID: p.ID, Total: r.sel, Done: r.done})
	r.mu.Unlock()

	res := r.skeleton(p)
	t := newT(r.seed, p.ID, r.cfg.Target)
	timeout := r.checkTimeout()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	res.StartedAt = start.UTC()
	targetBusy := false
	e := runContained(cctx, func() { p.Run(cctx, t) }, func() {
		// Decide whom to blame at the moment time ran out, before the check's outstanding
		// request returns and hides that it was waiting.
		targetBusy = t.busy()
	})
	if e.panic != nil {
		t.setError(fmt.Sprintf("check panicked: %v", e.panic), e.stack)
	}
	overran, abandoned, endedAt := false, e.abandoned, e.at
	snap := t.close()
	res.Duration = time.Since(start)
	if deadline, ok := cctx.Deadline(); ok && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		// A check that ended on its own before the deadline did not overrun, even if the
		// deadline passed while the runner was looking.
		overran = abandoned || endedAt.IsZero() || !endedAt.Before(deadline)
	}
	verdict, reason, details, finding := snap.verdict, snap.reason, snap.details, snap.finding
	if overran && verdict != VerdictError && verdict != VerdictSkip && verdict != VerdictUnimplemented {
		if targetBusy {
			// A target slow enough to exhaust the check's time tells nothing about the
			// requirement; a hang on a particular request shows as that request's own timeout.
			verdict, finding = VerdictError, nil
			reason = fmt.Sprintf("no verdict: the check timeout (%s) passed while the check waited for the target", timeout)
			details = "the target answers too slowly for this check to finish in time (see the exchanges' durations); raise --check-timeout"
		} else {
			verdict, finding = VerdictError, nil
			reason = fmt.Sprintf("the check exceeded its timeout (%s) while not waiting for the target", timeout)
			details = "a harness fault: the check itself is too slow or ignores its context"
		}
	}
	if overran && abandoned {
		details = strings.TrimSpace(details + "\nthe check did not return after its context ended and was abandoned")
	}
	if verdict == VerdictFail {
		verdict, reason, details, finding = r.unanswered(ctx, snap.exchanges, finding, reason, details)
	}
	if ctx.Err() != nil {
		// Whatever the check concluded while being torn down says nothing about the target.
		verdict, reason, finding = VerdictSkip, "not finished: "+stopReason(ctx), nil
	}

	var exp Expected
	xf, hasXF := r.cfg.Expectations.ExpectedFailureFor(p.ID)
	if hasXF {
		msg := ""
		if finding != nil {
			msg = finding.Message
		}
		exp = Expected{Applies: true, MessageMatch: xf.Matches(msg)}
		res.Expectation = &result.Expectation{Kind: result.ExpectFailure, Pattern: xf.Check, Reason: xf.Reason, Message: xf.Message}
	}
	res.Outcome = Decide(p.Level, p.Category, verdict, exp)
	switch res.Outcome {
	case result.XPass:
		reason = "expected to fail (" + xf.Reason + ") but passed: remove the expectation"
	case result.XFail:
		reason = "expected failure: " + xf.Reason
	}
	if hasXF && !exp.MessageMatch && (res.Outcome == result.Fail || res.Outcome == result.Warn) {
		reason = fmt.Sprintf("failed differently than expected: the message does not match %q", xf.Message)
	}
	res.Reason = r.red.String(reason)
	res.Details = r.red.String(details)
	for _, n := range snap.notes {
		res.Notes = append(res.Notes, r.red.String(n))
	}
	for _, l := range snap.log {
		res.Log = append(res.Log, r.red.String(l))
	}
	if snap.dropped > 0 {
		res.Log = append(res.Log, fmt.Sprintf("%d further exchanges were not recorded", snap.dropped))
	}
	if !abandoned && ctx.Err() == nil && !r.cfg.NoCleanup {
		for _, err := range cleanUp(ctx, snap.cleanups) {
			res.Log = append(res.Log, r.red.String("cleanup: "+err.Error()))
		}
	}
	index := map[*target.Exchange]int{}
	for i, ex := range snap.exchanges {
		index[ex] = i
		res.Exchanges = append(res.Exchanges, r.exchange(ex))
	}
	if finding != nil {
		res.Finding = r.finding(finding, index)
	}
	return res
}

// unanswered re-judges a failure that rests on an exchange which got no answer (a timeout, a
// dropped or refused connection): such an assertion says nothing about the requirement, so the
// outcome is an error naming what was missing, never a failure of an unrelated MUST. The one
// exception is a finding about the missing answer itself (Finding.Unanswered: a hang or a drop on
// a hostile request), which stands while the target answers otherwise: by the probe when there is
// one, else by an answered exchange of the same check.
func (r *runner) unanswered(ctx context.Context, all []*target.Exchange, f *Finding, reason, details string) (Verdict, string, string, *Finding) {
	evidence := all
	if f != nil && len(f.Exchanges) > 0 {
		evidence = f.Exchanges
	}
	idx := slices.IndexFunc(evidence, func(ex *target.Exchange) bool { return ex.Problem.NoAnswer() })
	if idx < 0 {
		return VerdictFail, reason, details, f
	}
	silent := evidence[idx]
	if f != nil && f.Unanswered && r.answersOtherwise(ctx, all) {
		return VerdictFail, reason, details, f
	}
	what := fmt.Sprintf("no answer (%s: %s)", silent.Problem, silent.Err)
	if silent.Problem == target.ProblemTimeout {
		what = fmt.Sprintf("no answer within the request timeout (%s)", r.requestTimeout(silent))
	}
	reason = "no verdict: a request got " + what
	if n := slices.Index(all, silent); n >= 0 {
		reason = fmt.Sprintf("no verdict: request %d got %s", n+1, what)
	}
	if f != nil {
		details = strings.TrimSpace(fmt.Sprintf("the check's finding rests on a request without an answer, so it says nothing about the requirement: %s\n%s", f.Message, details))
	}
	return VerdictError, reason, details, nil
}

// answersOtherwise reports whether the target answers at all: the probe when there is one, else
// any answered exchange of the check.
func (r *runner) answersOtherwise(ctx context.Context, exchanges []*target.Exchange) bool {
	if r.cfg.Probe != nil {
		return r.probe(ctx).OK
	}
	return slices.ContainsFunc(exchanges, func(ex *target.Exchange) bool { return ex.Response != nil && !ex.Problem.NoAnswer() })
}

// requestTimeout is the target's per-request timeout when it says, else how long the request waited.
func (r *runner) requestTimeout(ex *target.Exchange) time.Duration {
	if tt, ok := r.cfg.Target.(interface{ Timeout() time.Duration }); ok {
		return tt.Timeout()
	}
	return ex.Duration.Round(time.Millisecond)
}

// cleanUp runs a check's cleanups, last registered first, and returns their errors. Each runs
// contained, so that one calling Fail or Skip (which end their goroutine) or panicking costs
// only an error line; once the deadline has passed, the one running is abandoned and the rest
// are not started.
func cleanUp(ctx context.Context, fns []func(context.Context) error) []error {
	if len(fns) == 0 {
		return nil
	}
	cctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	var errs []error
	for i := len(fns) - 1; i >= 0; i-- {
		if cctx.Err() != nil {
			return append(errs, fmt.Errorf("%d not run: out of time after %s", i+1, cleanupTimeout))
		}
		err := runContainedErr(cctx, "", func() error { return fns[i](cctx) })
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func (r *runner) maxBody() int {
	if r.cfg.MaxRecordedBody > 0 {
		return r.cfg.MaxRecordedBody
	}
	return DefaultMaxRecordedBody
}

// exchange converts and redacts one exchange. Redaction happens before truncation so that a
// secret straddling the cut cannot leak its first half.
func (r *runner) exchange(ex *target.Exchange) result.Exchange {
	out := result.Exchange{
		StartedAt: ex.Started.UTC(),
		Duration:  ex.Duration,
		Request: result.Request{
			Method: ex.Request.Method,
			URL:    SanitizeURL(r.red.String(ex.Request.URL)),
			Header: r.red.Header(ex.Request.Header),
			Body:   r.body(ex.Request.Body, false),
		},
		Problem: string(ex.Problem),
		Error:   r.red.String(ex.Err),
		Resent:  ex.Resent,
	}
	if ex.Request.Host != "" {
		if out.Request.Header == nil {
			out.Request.Header = map[string][]string{}
		}
		out.Request.Header["Host"] = []string{ex.Request.Host}
	}
	if ex.Response != nil {
		out.Response = &result.Response{
			Status: ex.Response.Status,
			Header: r.red.Header(ex.Response.Header),
			Body:   r.body(ex.Response.Body, ex.Response.Truncated),
		}
		if ex.Response.Size > int64(len(ex.Response.Body)) {
			out.Response.Body.Size, out.Response.Body.Truncated = ex.Response.Size, true
		}
	}
	return out
}

func (r *runner) body(b []byte, truncated bool) result.Body {
	size := int64(len(b))
	red := r.red.Body(b)
	limit := r.maxBody()
	if len(red) > limit {
		red = red[:limit]
		truncated = true
		// Do not cut a UTF-8 sequence: a text body should stay text.
		for i := 0; i < utf8.UTFMax && len(red) > 0 && !utf8.Valid(red); i++ {
			red = red[:len(red)-1]
		}
	}
	out := result.Body{Size: size, Truncated: truncated}
	if utf8.Valid(red) {
		out.Text = string(red)
	} else {
		out.Base64 = encodeBase64(red)
	}
	return out
}

func (r *runner) finding(f *Finding, index map[*target.Exchange]int) *result.Finding {
	out := &result.Finding{Message: r.red.String(f.Message)}
	out.Expected = r.red.JSON(toJSON(f.Expected))
	out.Observed = r.red.JSON(toJSON(f.Observed))
	if f.Expected != nil && f.Observed != nil {
		out.Diff = r.red.String(jsonDiff(out.Expected, out.Observed))
	}
	for _, ex := range f.Exchanges {
		if i, ok := index[ex]; ok {
			out.Exchanges = append(out.Exchanges, i)
		}
	}
	return out
}

// toJSON encodes v; a value that cannot be encoded is recorded as its printed form rather than
// lost or allowed to fail the run.
func toJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	if raw, ok := v.(json.RawMessage); ok && json.Valid(raw) {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprintf("%+v", v))
	}
	return b
}

// jsonDiff diffs the JSON forms, so that any two values compare without go-cmp options and
// without panicking on unexported fields. go-cmp randomizes its spacing on purpose; the
// non-breaking spaces it may emit are normalized so reports are reproducible.
func jsonDiff(a, b json.RawMessage) string {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return ""
	}
	d := cmp.Diff(x, y)
	return strings.ReplaceAll(d, "\u00a0", " ")
}

// markAfterDeath flags the non-passing results that ended after the target stopped answering.
// The moment of death is the start of the first exchange that got no answer after the last
// exchange that got one; without such an exchange, the end of the last answered one.
func markAfterDeath(run *result.Run) {
	var lastAnswered time.Time
	for _, res := range run.Results {
		for _, ex := range res.Exchanges {
			if !target.Problem(ex.Problem).NoAnswer() {
				if end := ex.StartedAt.Add(ex.Duration); end.After(lastAnswered) {
					lastAnswered = end
				}
			}
		}
	}
	var died time.Time
	for _, res := range run.Results {
		for _, ex := range res.Exchanges {
			if target.Problem(ex.Problem).NoAnswer() && !ex.StartedAt.Before(lastAnswered) && (died.IsZero() || ex.StartedAt.Before(died)) {
				died = ex.StartedAt
			}
		}
	}
	if died.IsZero() {
		died = lastAnswered
	}
	if died.IsZero() {
		died = run.StartedAt
	}
	d := died.UTC()
	run.TargetDiedAt = &d
	for i := range run.Results {
		res := &run.Results[i]
		switch res.Outcome {
		case result.Fail, result.Warn, result.Error, result.Unimplemented:
		default:
			continue
		}
		if !res.StartedAt.Add(res.Duration).Before(died) {
			res.AfterTargetDied = true
		}
	}
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
