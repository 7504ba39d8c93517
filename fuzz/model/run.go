package model

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/meshconform/meshconform/reference/client"
)

// Config bounds and aims one model run.
type Config struct {
	URL, Host string // the portal; Host is its DNS name (default: the URL's host)
	Seed      int64  // every random choice; 0 is refused (the caller picks and prints one)
	Sequences int    // sequences to try (default 100)
	Duration  time.Duration
	Steps     int           // average steps per sequence (default 30)
	ShrinkFor time.Duration // time bound of the minimisation (default 30s)
	Log       io.Writer     // progress lines; nil: none
}

// Failure is the minimal failing sequence rapid shrank a violation to.
type Failure struct {
	Violation *Violation
	Sessions  bool
	Steps     []Step
}

// Report is the outcome of a run.
type Report struct {
	Seed      int64
	Sequences int // sequences run to their end or their violation
	Steps     int // steps sent, minimisation included
	Elapsed   time.Duration
	Failure   *Failure // nil when no property broke
}

// Script is the saved form of a failure, replayed by Replay against fresh accounts.
type Script struct {
	Kind      string     `json:"kind"` // ScriptKind
	Seed      int64      `json:"seed"`
	Portal    string     `json:"portal"`
	Property  string     `json:"property"`
	Violation *Violation `json:"violation"`
	Sessions  bool       `json:"sessions"`
	Steps     []Step     `json:"steps"`
}

// ScriptKind marks a model script file.
const ScriptKind = "meshconform-model-script"

// batchSize is the number of sequences of one rapid.Check.
const batchSize = 10

// rapidMu serialises runs: rapid reads its settings from process-wide flags.
var rapidMu sync.Mutex

// setRapid sets one of rapid's flags (registered on the standard flag set) for one run.
func setRapid(name, value string) (restore func(), err error) {
	f := flag.Lookup(name)
	if f == nil {
		return nil, fmt.Errorf("rapid has no flag %s", name)
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		return nil, fmt.Errorf("rapid flag %s: %w", name, err)
	}
	return func() { _ = f.Value.Set(old) }, nil
}

// Run drives rapid's state machine against the portal outside `go test`: each sequence draws
// a mode (signed requests or sessions) and steps; rapid shrinks a failing sequence, and the
// last failing run of the machine (rapid's final replay of the minimal case) is the Failure.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Seed == 0 {
		return nil, errors.New("model: a seed is required")
	}
	if cfg.Sequences <= 0 {
		cfg.Sequences = 100
		if cfg.Duration > 0 {
			cfg.Sequences = 1 << 30
		}
	}
	if cfg.Steps <= 0 {
		cfg.Steps = 30
	}
	if cfg.ShrinkFor <= 0 {
		cfg.ShrinkFor = 30 * time.Second
	}
	domain := cfg.Host
	if domain == "" {
		domain = hostOf(cfg.URL)
	}
	rapidMu.Lock()
	defer rapidMu.Unlock()
	// rapid asks testing.Short(): outside a test binary its flag must exist and the standard
	// flag set count as parsed (it holds nothing of ours: cobra parses the command line).
	testing.Init()
	if !flag.Parsed() {
		_ = flag.CommandLine.Parse(nil)
	}
	for name, v := range map[string]string{"rapid.nofailfile": "true", "rapid.shrinktime": cfg.ShrinkFor.String()} {
		restore, err := setRapid(name, v)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		defer restore()
	}

	start := time.Now()
	var deadline time.Time
	if cfg.Duration > 0 {
		deadline = start.Add(cfg.Duration)
	}
	rep := &Report{Seed: cfg.Seed}
	var (
		last      *Machine
		lastErr   error
		failed    bool
		transport error
	)
	prop := func(t *rapid.T) {
		c := client.New(cfg.URL)
		c.Host = cfg.Host
		m := NewMachine(c, domain, "", rapid.Bool().Draw(t, "sessions"))
		t.Cleanup(func() { m.Cleanup(context.WithoutCancel(ctx)) })
		fail := func(err error) {
			if !failed { // the sequence that found it; minimisation's runs are not counted
				rep.Steps += len(m.steps)
			}
			last, lastErr = m, err
			// rapid shrinks only while the failure's message stays the same, and the
			// detailed message names this machine's accounts: the property ID alone is stable.
			var te *TransportError
			var v *Violation
			switch {
			case errors.As(err, &te):
				transport = err
				t.Fatal("no answer from the portal")
			case errors.As(err, &v):
				failed = true
				t.Fatal("violation of " + v.Property)
			default:
				t.Fatal(err.Error())
			}
		}
		if err := m.Check(ctx); err != nil {
			fail(err)
		}
		acts := map[string]func(*rapid.T){
			"": func(t *rapid.T) {
				if err := m.Check(ctx); err != nil {
					fail(err)
				}
			},
		}
		for _, a := range Actions {
			acts[a] = func(t *rapid.T) {
				s := Step{Action: a}
				if a != "status" {
					s.Name = rapid.SampledFrom(names).Draw(t, "name")
				}
				err := m.Exec(ctx, s)
				switch {
				case errors.Is(err, errSkip):
					t.Skip(err.Error())
				case err != nil:
					fail(err)
				}
			}
		}
		t.Repeat(acts)
		if !failed {
			rep.Steps += len(m.steps)
			rep.Sequences++
		}
	}
	// Sequences run in batches, each a rapid.Check of its own with a seed derived from the
	// run's, so that --duration is honoured between batches and every batch replays from the
	// printed seed.
	tb := &checkTB{}
	for batch := 0; rep.Sequences < cfg.Sequences; batch++ {
		n := min(batchSize, cfg.Sequences-rep.Sequences)
		steps := cfg.Steps
		if testing.Short() { // rapid divides both under go test -short; the counts here are the caller's
			n, steps = n*5, steps*2
		}
		for name, v := range map[string]string{"rapid.checks": fmt.Sprint(n), "rapid.seed": fmt.Sprint(uint64(cfg.Seed) + uint64(batch)<<32),
			"rapid.steps": fmt.Sprint(steps)} {
			restore, err := setRapid(name, v)
			if err != nil {
				return nil, fmt.Errorf("model: %w", err)
			}
			defer restore()
		}
		before := rep.Sequences
		rapid.Check(tb, prop)
		if tb.Failed() || rep.Sequences == before || ctx.Err() != nil {
			break
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			break
		}
	}
	rep.Elapsed = time.Since(start)
	if cfg.Log != nil {
		fmt.Fprintf(cfg.Log, "model: %d sequences, %d steps in %s\n", rep.Sequences, rep.Steps, rep.Elapsed.Round(time.Millisecond))
	}
	if failed && last != nil {
		var v *Violation
		if errors.As(lastErr, &v) {
			rep.Failure = &Failure{Violation: v, Sessions: last.Sessions, Steps: last.Steps()}
			return rep, nil
		}
	}
	return rep, runError(failed, transport, ctx.Err() != nil, tb)
}

// runError is what a run that found no violation ends with: the portal's silence, the caller's
// cancellation, or any other failure rapid saw (an error of the model's own, a panic in it, data
// rapid could not draw), which must never pass for a clean run.
func runError(failed bool, transport error, canceled bool, tb *checkTB) error {
	switch {
	case failed:
		return nil // the violation is the report
	case transport != nil:
		return fmt.Errorf("model: %w", transport)
	case canceled:
		return fmt.Errorf("model: %w", context.Canceled)
	case tb.Failed():
		return fmt.Errorf("model: the run failed without a violation: %s", tb.first)
	}
	return nil
}

func hostOf(u string) string {
	h := u
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	h, _, _ = strings.Cut(h, "/")
	if strings.HasPrefix(h, "[") {
		if i := strings.Index(h, "]"); i >= 0 {
			return h[1:i]
		}
	}
	h, _, _ = strings.Cut(h, ":")
	return h
}

// checkTB is the minimal rapid.TB that lets rapid.Check run outside `go test`: it keeps what
// rapid reports and never stops the process. The verdict comes from the machine, not from it;
// first is the first failure it was told of, for a failure no machine reported (a panic in the
// model, data rapid could not draw).
type checkTB struct {
	mu     sync.Mutex
	failed bool
	log    strings.Builder
	first  string
}

func (c *checkTB) Helper()      {}
func (c *checkTB) Name() string { return "meshconform-model" }
func (c *checkTB) Logf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.log.Len() < 1<<16 {
		fmt.Fprintf(&c.log, format+"\n", args...)
	}
}
func (c *checkTB) Log(args ...any)                  { c.Logf("%s", fmt.Sprint(args...)) }
func (c *checkTB) Skipf(format string, args ...any) {}
func (c *checkTB) Skip(args ...any)                 {}
func (c *checkTB) SkipNow()                         {}
func (c *checkTB) Errorf(format string, args ...any) {
	c.fail(fmt.Sprintf(format, args...))
}
func (c *checkTB) Error(args ...any)                 { c.fail(fmt.Sprint(args...)) }
func (c *checkTB) Fatalf(format string, args ...any) { c.fail(fmt.Sprintf(format, args...)) }
func (c *checkTB) Fatal(args ...any)                 { c.fail(fmt.Sprint(args...)) }
func (c *checkTB) FailNow()                          { c.fail("") }
func (c *checkTB) Fail()                             { c.fail("") }
func (c *checkTB) Failed() bool                      { c.mu.Lock(); defer c.mu.Unlock(); return c.failed }
func (c *checkTB) fail(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failed = true
	if c.log.Len() < 1<<16 {
		c.log.WriteString(msg + "\n")
	}
	if c.first == "" && msg != "" {
		c.first = msg
	}
}

// SaveScript writes a failure as a replayable script file.
func SaveScript(path string, seed int64, portalURL string, f *Failure) error {
	s := Script{Kind: ScriptKind, Seed: seed, Portal: portalURL, Property: f.Violation.Property, Violation: f.Violation,
		Sessions: f.Sessions, Steps: f.Steps}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// LoadScript reads a script file.
func LoadScript(path string) (*Script, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	var s Script
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("model: %s: %w", path, err)
	}
	if s.Kind != ScriptKind {
		return nil, fmt.Errorf("model: %s is not a model script (kind %q)", path, s.Kind)
	}
	for i, st := range s.Steps {
		if !contains(Actions, st.Action) || (st.Action != "status" && !contains(names, st.Name)) {
			return nil, fmt.Errorf("model: %s: step %d %q is not a step of the model", path, i+1, st)
		}
	}
	return &s, nil
}

// IsScript says whether the file is a model script (by its kind member).
func IsScript(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var s struct {
		Kind string `json:"kind"`
	}
	return json.Unmarshal(b, &s) == nil && s.Kind == ScriptKind
}

// Outcome of a replay.
type Outcome int

// The replay outcomes.
const (
	Fixed           Outcome = iota // every step agreed with the model
	Reproduced                     // a property broke again
	NotReproducible                // the portal did not answer: nothing is said of the finding
)

// Replay runs a script's steps against fresh accounts (names unique to this replay), checking
// the model before the first step and after each, as the run did. A violation of any property
// is Reproduced; the report says whether it is the saved one.
func Replay(ctx context.Context, s *Script, portalURL, host string) (Outcome, string, error) {
	domain := host
	if domain == "" {
		domain = hostOf(portalURL)
	}
	c := client.New(portalURL)
	c.Host = host
	m := NewMachine(c, domain, fmt.Sprintf("r%d", time.Now().UnixNano()%1e9), s.Sessions)
	defer m.Cleanup(context.WithoutCancel(ctx))
	var b strings.Builder
	mode := verdict(s.Sessions, "sessions", "signed requests")
	fmt.Fprintf(&b, "replaying %d steps (%s) against fresh accounts %s*@%s\n", len(s.Steps), mode, m.prefix, domain)
	err := m.Check(ctx)
	for i := 0; err == nil && i < len(s.Steps); i++ {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, s.Steps[i])
		if err = m.Exec(ctx, s.Steps[i]); errors.Is(err, errSkip) {
			fmt.Fprintf(&b, "     (precondition does not hold here: not sent)\n")
			err = nil
			continue
		}
		if err == nil {
			err = m.Check(ctx)
		}
	}
	var v *Violation
	var te *TransportError
	switch {
	case err == nil:
		fmt.Fprintf(&b, "every step agreed with the model")
		return Fixed, b.String(), nil
	case errors.As(err, &v):
		same := verdict(v.Property == s.Property, "the saved property", "another property than the saved "+s.Property)
		fmt.Fprintf(&b, "violation of %s (%s): %s", v.Property, same, v.Error())
		return Reproduced, b.String(), nil
	case errors.As(err, &te):
		fmt.Fprintf(&b, "%v", te)
		return NotReproducible, b.String(), nil
	}
	return Fixed, b.String(), err
}
