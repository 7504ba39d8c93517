package shim

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// script writes an executable shell script standing for a client.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "client.sh")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunClassifies(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	cases := []struct {
		name, body string
		want       Class
		code       int
	}{
		{"ok", `echo '{}'; exit 0`, ClassOK, 0},
		{"refused", `echo 'error: forged' >&2; exit 1`, ClassRefused, 1},
		{"usage", `exit 2`, ClassUsage, 2},
		{"unimplemented", `exit 89`, ClassUnimplemented, 89},
		{"crash code", `exit 3`, ClassCrash, 3},
		{"go panic exits 2", `echo 'panic: boom' >&2; echo 'goroutine 1 [running]:' >&2; exit 2`, ClassCrash, 2},
		{"signal", `kill -SEGV $$`, ClassCrash, -1},
		{"hang", `sleep 30`, ClassHang, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := New(script(t, c.body), nil)
			s.RequestTimeout = 100 * time.Millisecond // deadline 3.3 s
			start := time.Now()
			r := s.Run(context.Background(), Invocation{Portal: "http://127.0.0.1:1/", State: t.TempDir(), Op: []string{"hello"}})
			if r.Class != c.want || r.ExitCode != c.code {
				t.Fatalf("class %s exit %d, want %s %d: %s", r.Class, r.ExitCode, c.want, c.code, r.Summary())
			}
			// A hang guard, not a speed limit: the hang case's script sleeps 30 s unless killed
			// at the deadline (3.3 s), so anything under 25 s shows the kill.
			if d := time.Since(start); d > 25*time.Second {
				t.Fatalf("took %s, deadline %s", d, s.Deadline())
			}
		})
	}
}

func TestRunBoundsOutputAndPassesContract(t *testing.T) {
	s := New(script(t, `echo "$@"; yes xxxxxxxx | head -c 2000000; exit 0`), &Config{Shim: 1, Args: []string{"--bug", "x"}})
	s.MaxOutput = 1000
	r := s.Run(context.Background(), Invocation{Portal: "http://p/", State: "/tmp/st", Host: "portal.test", Op: []string{"validate", "bob"}})
	if len(r.Stdout) != 1000 || !r.Truncated {
		t.Fatalf("kept %d bytes, truncated %v", len(r.Stdout), r.Truncated)
	}
	want := "--bug x --portal http://p/ --state /tmp/st --timeout 10s --host portal.test validate bob"
	if !strings.HasPrefix(string(r.Stdout), want) {
		t.Fatalf("command line %q, want %q", strings.SplitN(string(r.Stdout), "\n", 2)[0], want)
	}
}

func TestRunMissingBinary(t *testing.T) {
	r := New(filepath.Join(t.TempDir(), "absent"), nil).Run(context.Background(), Invocation{Op: []string{"hello"}})
	if r.Class != ClassNoStart {
		t.Fatalf("class %s", r.Class)
	}
}

func TestParseConfig(t *testing.T) {
	cases := []struct {
		name, doc string
		ok        bool
	}{
		{"minimal", `{"shim":1}`, true},
		{"full", `{"shim":1,"args":["sub"],"env":["A=b"],"timeout":"3s","disabled":[{"check":"client.robust.*","reason":"no limits yet","category":"known-bug"}],"errors":{"forged":"BAD_SIGNATURE"}}`, true},
		{"wrong version", `{"shim":2}`, false},
		{"unknown member", `{"shim":1,"extra":1}`, false},
		{"unknown error id", `{"shim":1,"errors":{"nope":"x"}}`, false},
		{"empty error string", `{"shim":1,"errors":{"forged":""}}`, false},
		{"bad timeout", `{"shim":1,"timeout":"soon"}`, false},
		{"disabled without reason", `{"shim":1,"disabled":[{"check":"x","category":"known-bug"}]}`, false},
		{"bad env", `{"shim":1,"env":["NOEQUALS"]}`, false},
		{"trailing", `{"shim":1} {}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := ParseConfig(strings.NewReader(c.doc))
			if (err == nil) != c.ok {
				t.Fatalf("err %v, want ok=%v", err, c.ok)
			}
			if c.name == "full" {
				if s, ok := cfg.ErrorString("forged"); !ok || s != "BAD_SIGNATURE" {
					t.Fatalf("error map: %q %v", s, ok)
				}
				if New("x", cfg).RequestTimeout != 3*time.Second {
					t.Fatal("timeout not taken")
				}
				f, err := cfg.Expectations(nil)
				if err != nil {
					t.Fatal(err)
				}
				if d, ok := f.DisabledFor("client.robust.slow"); !ok || d.Reason != "no limits yet" {
					t.Fatalf("disabled: %+v %v", d, ok)
				}
			}
		})
	}
}

// TestNames: a refusal names one of the admitted identifiers when stderr holds the mapped
// string of any of them; an admitted identifier with no mapping leaves it to the exit code.
func TestNames(t *testing.T) {
	s := New("client", &Config{Shim: 1, Errors: map[string]string{"protocol": "BAD_RESPONSE", "transport": "NETWORK"}})
	cases := []struct {
		stderr string
		ids    []string
		ok     bool
	}{
		{"fatal: NETWORK down", []string{"protocol", "transport"}, true},
		{"fatal: BAD_RESPONSE", []string{"protocol", "transport"}, true},
		{"fatal: something else", []string{"protocol", "transport"}, false},
		{"fatal: NETWORK down", []string{"protocol"}, false},
		{"fatal: something else", []string{"protocol", "status"}, true}, // status is not mapped
	}
	for _, c := range cases {
		ok, want := s.Names(&Result{Stderr: []byte(c.stderr)}, c.ids)
		if ok != c.ok {
			t.Errorf("Names(%q, %v) = %v (looked for %q), want %v", c.stderr, c.ids, ok, want, c.ok)
		}
	}
}
