package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
)

// TestModelCommand: a knob that breaks a property fails the run (exit 1) with the property's
// requirement in the report, saves a script that replay reproduces on the knob's portal
// (exit 1) and finds fixed on a clean one (exit 0); a clean run exits 0.
func TestModelCommand(t *testing.T) {
	for _, tt := range []struct {
		knob, property, requirement string
	}{
		{"delete-removes-profiles", "profile-survives-delete", "REQ-DELETE-KEEPS-PROFILE"},
		{"get-after-delete", "created-stays-until-deleted", "REQ-ENUMERATION-404"},
	} {
		dir := t.TempDir()
		code, out := runCLI(t, "", "model", "--bug", tt.knob, "--seed", "3", "--sequences", "100", "--shrink-time", "3s",
			"--out", filepath.Join(dir, "scripts"), "--report-dir", filepath.Join(dir, "report"), "--report", "json,junit,sarif,html")
		if code != exitFailure || !strings.Contains(out, "FAIL model."+tt.property) || !strings.Contains(out, tt.requirement) {
			t.Fatalf("%s: exit %d, want %d with model.%s (%s); output:\n%s", tt.knob, code, exitFailure, tt.property, tt.requirement, out)
		}
		f, err := os.Open(filepath.Join(dir, "report", "run.json"))
		if err != nil {
			t.Fatal(err)
		}
		run, err := result.Read(f)
		f.Close()
		if err != nil {
			t.Fatalf("run.json does not read back: %v", err)
		}
		if run.Mode != result.ModeModel || run.Summary.Outcomes[result.Fail] != 1 {
			t.Fatalf("run.json: mode %q, summary %+v", run.Mode, run.Summary)
		}
		scripts, _ := filepath.Glob(filepath.Join(dir, "scripts", "*.json"))
		if len(scripts) != 1 {
			t.Fatalf("%d scripts saved, want 1", len(scripts))
		}
		if code, out := runCLI(t, "", "replay", scripts[0], "--bug", tt.knob); code != exitFailure || !strings.Contains(out, "violation of "+tt.property) {
			t.Errorf("replay on the knob portal: exit %d, want %d; output:\n%s", code, exitFailure, out)
		}
		if code, out := runCLI(t, "", "replay", scripts[0]); code != exitOK || !strings.Contains(out, "fixed") {
			t.Errorf("replay on a clean portal: exit %d, want %d; output:\n%s", code, exitOK, out)
		}
	}
	dir := t.TempDir()
	code, out := runCLI(t, "", "model", "--seed", "3", "--sequences", "20", "--out", filepath.Join(dir, "scripts"), "--report-dir", dir)
	if code != exitOK || !strings.Contains(out, "18 checks: 18 pass") {
		t.Fatalf("clean run: exit %d, want 0; output:\n%s", code, out)
	}
}
