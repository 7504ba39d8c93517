package main

import (
	"strings"
	"testing"
)

// TestTyposGetHints: a selection that matches nothing and an unknown flag stop with exit 2 and
// the nearest name, before any portal is started (no "embedded reference portal" line); a flag
// error prints the usage line.
func TestTyposGetHints(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"run", "--only", "conect.*"}, []string{`--only "conect.*" matches no check; did you mean connect.*?`}},
		{[]string{"run", "--only", "wire.*", "--only", "wire.helo"}, []string{`--only "wire.helo" matches no check; did you mean wire.hello?`}},
		{[]string{"run", "--only", "qqqqqq"}, []string{`--only "qqqqqq" matches no check (` + "`meshconform run --list`"}},
		{[]string{"run", "--only", "[x"}, []string{`--only "[x": syntax error in pattern`}},
		{[]string{"replay", "wire.helo"}, []string{`replay "wire.helo" matches no check; did you mean wire.hello?`}},
		{[]string{"client", "--only", "qqqqqq"}, []string{"`meshconform client --list`"}},
		{[]string{"run", "--prtal", "http://x/"}, []string{"unknown flag: --prtal; did you mean --portal?", "usage: meshconform run [flags]"}},
		{[]string{"replay", "wire.hello", "--sed", "1"}, []string{"did you mean --seed?", "usage: meshconform replay CHECK-ID|REPRODUCER.json [flags]"}},
		{[]string{"vectors", "run", "--seed", "x"}, []string{`invalid argument "x" for "--seed"`, "usage: meshconform vectors run [--portal URL | --client BIN [--config FILE]] [flags]"}},
		{[]string{"run", "--zzzzzzzz"}, []string{"unknown flag: --zzzzzzzz\nusage: meshconform run [flags]"}},
	} {
		code, out, errOut := runCommand(t, tt.args...)
		for _, w := range tt.want {
			if code != exitUsage || !strings.Contains(errOut, w) || strings.Contains(out, "embedded") {
				t.Errorf("%v: exit %d, stderr %q; want 2 and %q, nothing started; stdout:\n%s", tt.args, code, errOut, w, out)
			}
		}
	}
}
