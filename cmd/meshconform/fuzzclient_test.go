package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFuzzClient: `fuzz --client` on a client that crashes on malformed answers exits 1 and
// saves reproducers; `replay FILE --client` says still failing (1) on that client and fixed (0)
// on the clean one; a reproducer without --client, or a run without any bound, exits 2.
func TestFuzzClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds meshclient and runs it a few dozen times")
	}
	resetFlags(rootCmd)
	defer resetFlags(rootCmd)
	dir := t.TempDir()
	bin := buildMeshclient(t)
	cfg := filepath.Join(dir, "crash.json")
	if err := os.WriteFile(cfg, []byte(`{"shim":1,"args":["--bug","crash-on-malformed"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "findings")
	if code := run([]string{"fuzz", "--client", bin, "--config", cfg, "--seed", "7", "--max-cases", "60", "--duration", "0", "--out", out}); code != exitFailure {
		t.Fatalf("fuzz --client on crash-on-malformed: exit %d, want 1", code)
	}
	files, _ := filepath.Glob(filepath.Join(out, "client-crash-*.json"))
	if len(files) == 0 {
		t.Fatal("no crash reproducer saved")
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"replay", files[0], "--client", bin, "--config", cfg}, exitFailure},
		{[]string{"replay", files[0], "--client", bin}, exitOK},
		{[]string{"replay", files[0]}, exitUsage},
		{[]string{"fuzz", "--client", bin, "--duration", "0"}, exitUsage},
		{[]string{"fuzz", "--client", bin, "--portal", "http://127.0.0.1:1/"}, exitUsage},
	} {
		resetFlags(rootCmd)
		if code := run(c.args); code != c.code {
			t.Errorf("meshconform %v: exit %d, want %d", c.args, code, c.code)
		}
	}
}
