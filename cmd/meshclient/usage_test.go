package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestUsageErrors: every usage error exits 2 and names the class "usage" for the shim's error
// map, by its type: an unknown flag, a bad flag value, a wrong number of arguments, an unknown
// operation (with the nearest one), a missing --portal. A refusal or failure is not usage.
func TestUsageErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		say  string
	}{
		{[]string{"--portal", "http://127.0.0.1:1/", "--state", t.TempDir(), "--nosuch", "hello"}, "unknown flag: --nosuch"},
		{[]string{"--timeout", "soon", "hello"}, `invalid argument "soon"`},
		{[]string{"--portal", "http://127.0.0.1:1/", "--state", t.TempDir(), "create"}, "want 1 argument(s), got 0"},
		{[]string{"--portal", "http://127.0.0.1:1/", "--state", t.TempDir(), "connect", "approve", "a", "b"}, "want at most 1 argument(s), got 2"},
		{[]string{"--portal", "http://127.0.0.1:1/", "--state", t.TempDir(), "helo"}, `unknown operation "helo"; did you mean hello?`},
		{[]string{"--portal", "http://127.0.0.1:1/", "--state", t.TempDir(), "zzzzzzzz"}, `unknown operation "zzzzzzzz"`},
		{[]string{"--portal", "http://127.0.0.1:1/", "--state", t.TempDir(), "connect", "pendng"}, `unknown operation "pendng"; did you mean pending?`},
		{[]string{"--state", t.TempDir(), "hello"}, "--portal URL is required"},
	} {
		var out, errb bytes.Buffer
		code := run(tt.args, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tt.say) || !strings.Contains(errb.String(), "error: usage") {
			t.Errorf("%v: exit %d, stderr %q; want 2, %q and error: usage", tt.args, code, errb.String(), tt.say)
		}
	}
	// No portal listens on port 1: a transport failure, exit 1, not usage.
	var out, errb bytes.Buffer
	if code := run([]string{"--portal", "http://127.0.0.1:1/", "--state", t.TempDir(), "--timeout", "2s", "hello"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "error: transport") {
		t.Errorf("hello to a closed port: exit %d, stderr %q; want 1 and error: transport", code, errb.String())
	}
}
