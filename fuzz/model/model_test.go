package model

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/portal"
)

var portalFlag = flag.String("model.portal", "", "portal URL for the model test (default: $MESHCONFORM_MODEL_PORTAL, else the embedded reference)")

// checks bounds rapid's work for go test: a few seconds, less with -short, unless the user
// set -rapid.checks.
func setChecks(t *testing.T, n int) {
	f := flag.Lookup("rapid.checks")
	if f == nil {
		return
	}
	user := false
	flag.Visit(func(v *flag.Flag) { user = user || v.Name == "rapid.checks" })
	if !user {
		old := f.Value.String()
		f.Value.Set(fmt.Sprint(n))
		t.Cleanup(func() { f.Value.Set(old) })
	}
}

func portalFor(t *testing.T, bugs ...string) (string, string) {
	t.Helper()
	if len(bugs) == 0 {
		if u := *portalFlag; u != "" {
			return u, ""
		}
		if u := os.Getenv("MESHCONFORM_MODEL_PORTAL"); u != "" {
			return u, ""
		}
	}
	var cfg portal.Config
	for _, b := range bugs {
		if err := cfg.Bugs.Set(b); err != nil {
			t.Fatal(err)
		}
	}
	u, stop, err := portal.StartLoopback(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return u, "localhost"
}

func property(url, domain string) func(*rapid.T) {
	if domain == "" {
		domain = "localhost"
		if i := strings.Index(url, "://"); i >= 0 {
			h := url[i+3:]
			h, _, _ = strings.Cut(h, "/")
			h, _, _ = strings.Cut(h, ":")
			domain = h
		}
	}
	return func(t *rapid.T) {
		m := NewMachine(client.New(url), domain)
		t.Repeat(m.Actions())
	}
}

// TestModelReference: the reference portal agrees with the model on every sequence.
func TestModelReference(t *testing.T) {
	setChecks(t, map[bool]int{true: 5, false: 25}[testing.Short()])
	url, dom := portalFor(t)
	rapid.Check(t, property(url, dom))
}

// recorder is a rapid.TB that keeps a failure instead of failing the test: the knob tests
// require the property to fail.
type recorder struct {
	*testing.T
	mu     sync.Mutex
	failed bool
	msg    strings.Builder
}

func (r *recorder) fail(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.msg.WriteString(s)
}
func (r *recorder) Logf(format string, args ...any) {
	r.mu.Lock()
	fmt.Fprintf(&r.msg, format+"\n", args...)
	r.mu.Unlock()
}
func (r *recorder) Log(args ...any)                   { r.mu.Lock(); fmt.Fprintln(&r.msg, args...); r.mu.Unlock() }
func (r *recorder) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }
func (r *recorder) Error(args ...any)                 { r.fail(fmt.Sprint(args...)) }
func (r *recorder) Fatalf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }
func (r *recorder) Fatal(args ...any)                 { r.fail(fmt.Sprint(args...)) }
func (r *recorder) FailNow()                          { r.fail("FailNow") }
func (r *recorder) Fail()                             { r.fail("Fail") }
func (r *recorder) Failed() bool                      { return r.failed }

// stateKnobs are the reference portal's knobs about state, each of which the model must catch.
var stateKnobs = []struct {
	knob  string
	short bool
	slow  bool // tens of seconds: run with MESHCONFORM_MODEL_ALL=1
}{
	{"get-after-delete", true, false},
	{"delete-removes-profiles", false, false},
	{"publish-without-account", false, false},
	{"leak-after-failed-create", false, false},
	{"create-case-sensitive", true, false},
	{"ignore-max-entries", false, true},
	{"checkpoint-regresses", false, true},
	{"accept-replayed-result", false, true},
}

func TestModelFindsStateKnobs(t *testing.T) {
	setChecks(t, 100)
	if f := flag.Lookup("rapid.shrinktime"); f != nil {
		old := f.Value.String()
		f.Value.Set("3s")
		t.Cleanup(func() { f.Value.Set(old) })
	}
	for _, k := range stateKnobs {
		t.Run(k.knob, func(t *testing.T) {
			if testing.Short() && !k.short {
				t.Skip("-short: two knobs only")
			}
			if k.slow && os.Getenv("MESHCONFORM_MODEL_ALL") == "" {
				t.Skip("slow knob: set MESHCONFORM_MODEL_ALL=1")
			}
			url, dom := portalFor(t, k.knob)
			rec := &recorder{T: t}
			start := time.Now()
			rapid.Check(rec, property(url, dom))
			if !rec.failed {
				t.Fatalf("%s: the model found nothing", k.knob)
			}
			msg := rec.msg.String()
			t.Logf("%s: found in %s; minimal script:\n%s", k.knob, time.Since(start).Round(time.Millisecond), script(msg))
			if !strings.Contains(msg, "step: ") {
				t.Fatalf("the failure report has no script:\n%s", msg)
			}
		})
	}
}

// script keeps the step lines of a rapid failure report.
func script(report string) string {
	var out []string
	for _, l := range strings.Split(report, "\n") {
		if i := strings.Index(l, "step: "); i >= 0 {
			out = append(out, "  "+l[i+6:])
		}
	}
	return strings.Join(out, "\n")
}
