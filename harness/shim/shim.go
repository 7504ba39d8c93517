package shim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Exit codes of the contract.
const (
	ExitOK            = 0  // the operation succeeded
	ExitRefused       = 1  // refused or failed: the portal said no, or the client refused what it got
	ExitUsage         = 2  // the client did not accept the command line
	ExitUnimplemented = 89 // the operation (or a flag it needs) is not implemented (as in BoGo)
)

// Defaults.
const (
	// DefaultRequestTimeout is generous: a conforming client's exchange with the test portal
	// takes milliseconds, and a verdict must not change on a machine so busy that one takes
	// seconds (a timeout there turns a success into a refusal). The checks that need a client
	// to give up (slow, stalled) only wait longer.
	DefaultRequestTimeout = 10 * time.Second
	// DefaultMaxOutput bounds what is kept of stdout and of stderr: a client that floods its
	// output must not fill the harness's memory.
	DefaultMaxOutput = 256 << 10
)

// Class is what an exit means for a check.
type Class string

// The classes.
const (
	ClassOK            Class = "ok"
	ClassRefused       Class = "refused"
	ClassUsage         Class = "usage"
	ClassUnimplemented Class = "unimplemented"
	ClassCrash         Class = "crash"   // exit > 2 (other than 89), a signal, or a panic trace
	ClassHang          Class = "hang"    // killed at the deadline
	ClassNoStart       Class = "nostart" // the binary could not be started
)

// Shim starts one client binary.
type Shim struct {
	Bin    string
	Config *Config // may be nil
	// RequestTimeout is passed as --timeout; the process is killed at Deadline().
	RequestTimeout time.Duration
	MaxOutput      int
}

// New returns a shim for bin with cfg (may be nil).
func New(bin string, cfg *Config) *Shim {
	s := &Shim{Bin: bin, Config: cfg, RequestTimeout: DefaultRequestTimeout, MaxOutput: DefaultMaxOutput}
	if cfg != nil && cfg.Timeout > 0 {
		s.RequestTimeout = time.Duration(cfg.Timeout)
	}
	return s
}

// Deadline is how long one invocation may take before it is killed: an operation makes at most
// a few requests, each bounded by the request timeout, plus start-up and key generation.
func (s *Shim) Deadline() time.Duration { return s.deadline(s.RequestTimeout) }

func (s *Shim) deadline(timeout time.Duration) time.Duration { return 3*timeout + 3*time.Second }

// timeout is the --timeout of inv.
func (s *Shim) timeout(inv Invocation) time.Duration {
	if inv.Timeout > 0 {
		return inv.Timeout
	}
	return s.RequestTimeout
}

// Invocation is one run of the client.
type Invocation struct {
	Portal string   // service URL
	State  string   // state directory
	Host   string   // --host, when the portal's name differs from the URL's host
	Op     []string // operation and its arguments, e.g. ["connect", "request", "alice"]
	// Timeout, when set, replaces the request timeout for this run: a check that must see
	// how much a client reads gives it time to read, whatever the machine's speed.
	Timeout time.Duration
}

// Args is the command line of inv (without the binary).
func (s *Shim) Args(inv Invocation) []string {
	var args []string
	if s.Config != nil {
		args = append(args, s.Config.Args...)
	}
	args = append(args, "--portal", inv.Portal, "--state", inv.State, "--timeout", s.timeout(inv).String())
	if inv.Host != "" {
		args = append(args, "--host", inv.Host)
	}
	return append(args, inv.Op...)
}

// Result is what one invocation did.
type Result struct {
	Args      []string
	ExitCode  int // -1 when killed by a signal or not started
	Signal    string
	Class     Class
	Stdout    []byte
	Stderr    []byte
	Truncated bool // stdout or stderr exceeded MaxOutput
	Duration  time.Duration
	MaxRSSKiB int64 // peak resident memory, where the OS reports it as the client's own; else 0
	Err       string
}

// Summary is one line for logs and findings.
func (r *Result) Summary() string {
	what := fmt.Sprintf("exit %d", r.ExitCode)
	if r.Signal != "" {
		what = "signal " + r.Signal
	}
	msg := lastLine(r.Stderr)
	if msg == "" {
		msg = r.Err
	}
	return fmt.Sprintf("%s (%s, %s) in %s: %s", strings.Join(r.Args, " "), r.Class, what, r.Duration.Round(time.Millisecond), msg)
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) == 0 {
		return ""
	}
	if len(lines) > 1 && strings.HasPrefix(lines[len(lines)-1], "error:") {
		return strings.TrimSpace(lines[len(lines)-2] + " | " + lines[len(lines)-1])
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

// Names reports whether stderr names one of the error identifiers ids, any of which the check
// accepts: it holds the configuration's string for one of them. An identifier with no mapping
// could be the one the client reported, so then it reports true and the check relies on the
// exit code. want lists the strings looked for.
func (s *Shim) Names(r *Result, ids []string) (ok bool, want []string) {
	for _, id := range ids {
		str, mapped := s.Config.ErrorString(id)
		if !mapped {
			return true, nil
		}
		if bytes.Contains(r.Stderr, []byte(str)) {
			return true, nil
		}
		want = append(want, str)
	}
	return len(want) == 0, want
}

// Run starts the client once and waits for it, killing its process group at the deadline or
// when ctx ends. It never returns an error: whatever happened is in the Result.
func (s *Shim) Run(ctx context.Context, inv Invocation) *Result {
	args := s.Args(inv)
	res := &Result{Args: append([]string{s.Bin}, args...), ExitCode: -1}
	deadline := s.deadline(s.timeout(inv))
	dctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	cmd := exec.CommandContext(dctx, s.Bin, args...)
	cmd.Env = os.Environ()
	if s.Config != nil {
		cmd.Env = append(cmd.Env, s.Config.Env...)
	}
	max := s.MaxOutput
	if max <= 0 {
		max = DefaultMaxOutput
	}
	stdout, stderr := &boundedBuffer{max: max}, &boundedBuffer{max: max}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	setProcessGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd) }
	// A grandchild holding the pipes open must not keep Wait from returning.
	cmd.WaitDelay = time.Second
	start := time.Now()
	err := cmd.Run()
	res.Duration = time.Since(start)
	res.Stdout, res.Stderr = stdout.Bytes(), stderr.Bytes()
	res.Truncated = stdout.truncated || stderr.truncated
	if cmd.ProcessState != nil {
		res.MaxRSSKiB = maxRSS(cmd.ProcessState)
	}
	var ee *exec.ExitError
	switch {
	case cmd.ProcessState == nil:
		res.Class, res.Err = ClassNoStart, errString(err)
		return res
	case dctx.Err() != nil && ctx.Err() == nil && errors.Is(dctx.Err(), context.DeadlineExceeded) && !exitedNormally(cmd.ProcessState):
		res.Class, res.Err = ClassHang, fmt.Sprintf("killed after %s: the client did not finish", deadline)
		return res
	case err != nil && !errors.As(err, &ee) && !errors.Is(err, exec.ErrWaitDelay):
		res.Err = err.Error()
	}
	res.ExitCode = cmd.ProcessState.ExitCode()
	if sig, ok := signalOf(cmd.ProcessState); ok {
		res.Signal = sig
	}
	res.Class = classify(res.ExitCode, res.Signal, res.Stderr)
	return res
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// crashMarkers are what runtimes print when they die: a Go panic exits 2, which would otherwise
// read as a usage error.
var crashMarkers = []string{"panic: ", "fatal error: ", "goroutine 1 [", "SIGSEGV", "AddressSanitizer", "Segmentation fault", "Traceback (most recent call last)"}

func classify(code int, signal string, stderr []byte) Class {
	if signal != "" {
		return ClassCrash
	}
	for _, m := range crashMarkers {
		if bytes.Contains(stderr, []byte(m)) {
			return ClassCrash
		}
	}
	switch code {
	case ExitOK:
		return ClassOK
	case ExitRefused:
		return ClassRefused
	case ExitUsage:
		return ClassUsage
	case ExitUnimplemented:
		return ClassUnimplemented
	}
	return ClassCrash
}

// boundedBuffer keeps the first max bytes written and counts the rest.
type boundedBuffer struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	max       int
	truncated bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room < len(p) {
		b.truncated = true
		if room > 0 {
			b.buf.Write(p[:room])
		}
		return len(p), nil // keep the client running: a closed pipe would change its behaviour
	}
	return b.buf.Write(p)
}

func (b *boundedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
