package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplayFileExitCodes: `meshconform replay FILE` exits 0 fixed, 1 still failing, 3 not
// reproducible here, each with the outcome in its report line.
func TestReplayFileExitCodes(t *testing.T) {
	const stale = "../../fuzz/testdata/live/accepted-stale-time-e0c5543bfcf2.json"
	notHere := filepath.Join(t.TempDir(), "not-here.json")
	if err := os.WriteFile(notHere, []byte(`{"format":"meshconform-live-reproducer/1","class":"accepted-bad-signature",
		"domain":"localhost","case":{"template":"connect-complete","transaction":"ConnectComplete","mutations":[]},
		"body":"{\"ConnectComplete\":{\"AccountID\":\"nobody@localhost\"}}",
		"setup":["{\"ConnectStart\":{\"AccountID\":\"nobody@localhost\"}}"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"replay", stale}, exitOK, "fixed: accepted-stale-time"},
		{[]string{"replay", stale, "--bug", "accept-stale-time"}, exitFailure, "still failing: accepted-stale-time"},
		{[]string{"replay", notHere}, exitNotReproducible, "not reproducible here: accepted-bad-signature"},
	} {
		code, out := runCLI(t, "", tt.args...)
		if code != tt.code || !strings.Contains(out, tt.say) {
			t.Errorf("%v: exit %d, want %d; output:\n%s", tt.args, code, tt.code, out)
		}
	}
}

// TestFuzzShouldFindingsWarn: a campaign whose only findings break a SHOULD (HTTP 200 for every
// answer: status-mismatch) exits 0 with a warning, and 1 under --strict.
func TestFuzzShouldFindingsWarn(t *testing.T) {
	for _, tt := range []struct {
		strict bool
		code   int
	}{{false, exitOK}, {true, exitFailure}} {
		args := []string{"fuzz", "--bug", "http-status-always-200", "--seed", "1", "--max-cases", "120", "--duration", "2m",
			"--out", t.TempDir()}
		if tt.strict {
			args = append(args, "--strict")
		}
		code, out := runCLI(t, "", args...)
		if code != tt.code || !strings.Contains(out, "status-mismatch") || strings.Contains(out, " MUST ") {
			t.Errorf("strict %v: exit %d, want %d; output:\n%s", tt.strict, code, tt.code, out)
		}
	}
}
