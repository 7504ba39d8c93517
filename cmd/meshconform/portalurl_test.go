package main

import (
	"strings"
	"testing"
)

// TestOnePortalURLReading: every command reads --portal the same way. The bare URL of a portal
// (no path) works for run and vectors run alike (vectors run used to post to "/" and get 45
// HTTP 404s), and a URL without scheme stops each command with exit 2 and the URL it meant,
// before anything is started or sent.
func TestOnePortalURLReading(t *testing.T) {
	ref := embeddedPortal(t)
	for _, args := range [][]string{
		{"run", "--portal", "http://" + ref, "--only", "wire.hello", "--report-dir", t.TempDir()},
		{"vectors", "run", "--portal", "http://" + ref},
	} {
		if code, out, errOut := runCommand(t, args...); code != exitOK {
			t.Errorf("%v: exit %d, want 0:\n%s%s", args, code, out, errOut)
		}
	}
	want := `meshconform: --portal "` + ref + `" has no scheme: use http://` + ref + "/\n"
	for _, args := range [][]string{
		{"run", "--portal", ref, "--report-dir", t.TempDir()},
		{"replay", "wire.hello", "--portal", ref, "--report-dir", t.TempDir()},
		{"vectors", "run", "--portal", ref},
		{"fuzz", "--portal", ref, "--max-cases", "1", "--out", t.TempDir()},
		{"model", "--portal", ref, "--sequences", "1", "--report-dir", t.TempDir()},
	} {
		code, out, errOut := runCommand(t, args...)
		if code != exitUsage || errOut != want || strings.Contains(out, "embedded") {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q; stdout:\n%s", args, code, errOut, want, out)
		}
	}
}
