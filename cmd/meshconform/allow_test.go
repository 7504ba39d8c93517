package main

import (
	"path/filepath"
	"testing"
)

// TestRunAllow: --allow turns an allowance of the embedded portal on, and the run stays clean;
// a name that is no allowance, or --allow with --portal, is a usage error (exit 2).
func TestRunAllow(t *testing.T) {
	dir := t.TempDir()
	if code := run([]string{"run", "--seed", "3", "--allow", "refuse-400", "--allow", "reverse-members", "--only", "connect.*", "--report-dir", filepath.Join(dir, "ok")}); code != 0 {
		t.Errorf("run with allowances exited %d, want 0", code)
	}
	if code := run([]string{"run", "--allow", "no-such-allowance", "--report-dir", filepath.Join(dir, "bad")}); code != 2 {
		t.Errorf("an unknown allowance exited %d, want 2", code)
	}
	if code := run([]string{"run", "--portal", "http://127.0.0.1:9/", "--allow", "http-200", "--report-dir", filepath.Join(dir, "remote")}); code != 2 {
		t.Errorf("--allow with --portal exited %d, want 2", code)
	}
}
