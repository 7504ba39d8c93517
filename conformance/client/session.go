package client

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/harness/testportal"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
)

// Env is what every client check needs.
type Env struct {
	Shim *shim.Shim
}

// session is one check's test portal and the client runs against it.
type session struct {
	t    *harness.T
	env  Env
	ps   *testportal.Server
	host string // --host, when set
	// timeout, when set, replaces the shim's request timeout for every run of the check.
	timeout time.Duration
	dir     string
	runs    []*shim.Result
}

// defaultDomain is the test portals' name unless a check needs another: an IP address, so
// that a client which puts the dialled address in Host (the host-ip knob) still meets a portal
// that answers, and only the Host checks see the difference.
const defaultDomain = "127.0.0.1"

// start starts a test portal for the check and arranges for it to be closed, and for every
// request it received to be recorded as an exchange, when the check ends.
func start(ctx context.Context, t *harness.T, env Env, opts testportal.Options) *session {
	if opts.Domain == "" {
		opts.Domain = defaultDomain
	}
	opts.Seed = t.Seed()
	ps, err := testportal.Start(opts)
	if err != nil {
		t.Skip("the test portal could not start: " + err.Error())
	}
	dir, err := os.MkdirTemp("", "meshconform-client-*")
	if err != nil {
		ps.Close()
		t.Skip("no temporary directory: " + err.Error())
	}
	return &session{t: t, env: env, ps: ps, dir: dir}
}

// close records what the client sent and removes everything the check made.
func (s *session) close() {
	s.ps.Close()
	for _, r := range s.ps.Requests() {
		u := "http://" + r.Host + r.Path
		if r.Server != "portal" {
			u = "redirect-target://" + r.Host + r.Path
		}
		ex := &target.Exchange{Started: r.Time, Duration: r.Response.Duration, Request: target.Request{Method: r.Method, URL: u, Host: r.Host,
			Header: r.Header, Body: r.Body}}
		if r.Response.Status != 0 {
			ex.Response = &target.Response{Status: r.Response.Status, Header: r.Response.Header, Body: r.Response.Prefix,
				Size: r.Response.Sent, Truncated: r.Response.Sent > int64(len(r.Response.Prefix))}
		}
		s.t.Record(ex)
	}
	os.RemoveAll(s.dir)
}

// state names a state directory of this check (created by the client on first use, as the
// contract says).
func (s *session) state(name string) string { return filepath.Join(s.dir, name) }

// run runs one operation of the client with the given state directory. A crash or hang ends
// the check with a failure unless allowHang is set: whatever else the check was about, a client
// that dies on a portal's answer has failed it.
func (s *session) run(ctx context.Context, state string, op ...string) *shim.Result {
	return s.runOp(ctx, state, false, op)
}

// runOptional runs an operation the contract lets a client leave out (exit 89): when it does,
// the check goes on judging the rest instead of being unimplemented.
func (s *session) runOptional(ctx context.Context, state string, op ...string) *shim.Result {
	return s.runOp(ctx, state, true, op)
}

func (s *session) runOp(ctx context.Context, state string, optional bool, op []string) *shim.Result {
	r := s.env.Shim.Run(ctx, shim.Invocation{Portal: s.ps.URL, State: s.state(state), Host: s.host, Op: op, Timeout: s.timeout})
	s.runs = append(s.runs, r)
	s.t.Logf("%s", r.Summary())
	switch r.Class {
	case shim.ClassCrash:
		s.t.Fail(harness.Finding{Message: "the client crashed: " + r.Summary(), Observed: string(tail(r.Stderr))})
	case shim.ClassHang:
		timeout := s.env.Shim.RequestTimeout
		if s.timeout > 0 {
			timeout = s.timeout
		}
		s.t.Failf("the client hung: %s (it must bound every exchange by its --timeout %s)", r.Summary(), timeout)
	case shim.ClassNoStart:
		s.t.Skip("the client binary could not be started: " + r.Err)
	case shim.ClassUnimplemented:
		if optional {
			s.t.Logf("the client does not implement the optional %q (exit %d): not judged", strings.Join(op, " "), shim.ExitUnimplemented)
			break
		}
		s.t.Unimplemented(fmt.Sprintf("the client does not implement %q (exit %d)", strings.Join(op, " "), shim.ExitUnimplemented))
	}
	return r
}

// mustSucceed runs an operation that a conforming client completes against this portal.
func (s *session) mustSucceed(ctx context.Context, state string, op ...string) *shim.Result {
	r := s.run(ctx, state, op...)
	if r.Class != shim.ClassOK {
		s.t.Failf("%q should succeed against this portal: %s", strings.Join(op, " "), r.Summary())
	}
	return r
}

// mustRefuse runs an operation that a conforming client refuses: exit 1, naming one of the error
// identifiers ids when the configuration maps them.
func (s *session) mustRefuse(ctx context.Context, ids []string, why, state string, op ...string) *shim.Result {
	r := s.run(ctx, state, op...)
	s.judgeRefusal(r, ids, why, op)
	return r
}

// judgeRefusal judges a run that a conforming client ends with a refusal.
func (s *session) judgeRefusal(r *shim.Result, ids []string, why string, op []string) {
	switch r.Class {
	case shim.ClassRefused:
	case shim.ClassOK:
		s.t.Failf("the client accepted %s: %q exited 0; it must refuse (exit 1)", why, strings.Join(op, " "))
	case shim.ClassUsage:
		s.t.Failf("the client answered %q with a usage error (exit 2) instead of refusing %s (exit 1): %s", strings.Join(op, " "), why, r.Summary())
	default:
		s.t.Failf("unexpected result for %q: %s", strings.Join(op, " "), r.Summary())
	}
	if ok, want := s.env.Shim.Names(r, ids); !ok {
		s.t.Failf("the client refused %s but its error does not name it: stderr holds none of %q (the configuration's strings for %s, the identifiers docs/SHIM.md admits for this fault): %s", why, want, strings.Join(ids, ", "), r.Summary())
	}
	if len(strings.TrimSpace(string(r.Stderr))) == 0 {
		s.t.Failf("the client refused %s without saying why: nothing on stderr", why)
	}
}

func tail(b []byte) []byte {
	const n = 2000
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// account creates an account with an administration device directly on the portal behind the
// faults, so that a check of the device side does not depend on the client's own Create.
func (s *session) account(ctx context.Context, name string) *client.Account {
	m, err := client.NewMaster(keys.Ed448, nil)
	if err != nil {
		s.t.Skip("keys: " + err.Error())
	}
	d, err := client.NewDevice(keys.Ed448, nil)
	if err != nil {
		s.t.Skip("keys: " + err.Error())
	}
	a := &client.Account{Name: name, Master: m, Device: d}
	if _, _, err := s.ps.Direct().CreateAccount(ctx, a); err != nil {
		s.t.Skip("the test portal refused to set up the account: " + err.Error())
	}
	return a
}

// approveAll approves every verified pending request of a, directly on the portal.
func (s *session) approveAll(ctx context.Context, a *client.Account) int {
	c := s.ps.Direct()
	prs, _, err := c.Pending(ctx, a, nil)
	if err != nil {
		s.t.Skip("the test portal did not list the pending requests: " + err.Error())
	}
	n := 0
	for i := range prs {
		if prs[i].Err != nil {
			continue
		}
		if _, err := c.Approve(ctx, a, &prs[i]); err == nil {
			n++
		}
	}
	return n
}

// requests returns the recorded requests of one transaction ("" for all) on the portal.
func (s *session) requests(tx string) []testportal.Request {
	var out []testportal.Request
	for _, r := range s.ps.Requests() {
		if tx == "" || r.Tx == tx {
			out = append(out, r)
		}
	}
	return out
}
