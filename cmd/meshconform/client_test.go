package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestClientCommand builds the reference client and runs `meshconform client` on it: every
// check passes and the exit code is 0; bad flags exit 2.
func TestClientCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds meshclient and runs every client check")
	}
	bin := filepath.Join(t.TempDir(), "meshclient")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/meshconform/meshconform/cmd/meshclient").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := filepath.Join(t.TempDir(), "cfg.json")
	os.WriteFile(cfg, []byte(`{"shim":1,"disabled":[{"check":"client.robust.slow","reason":"test","category":"environment"}]}`), 0o600)
	if got := run([]string{"client"}); got != exitUsage {
		t.Fatalf("meshconform client without --bin: exit %d, want 2", got)
	}
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"passes", []string{"client", "--bin", bin, "--seed", "3", "--report-dir", t.TempDir(), "--skip", "client.robust.st*", "--config", ""}, exitOK},
		{"config disables", []string{"client", "--bin", bin, "--config", cfg, "--only", "client.robust.slow", "--report-dir", t.TempDir()}, exitOK},
		// cobra keeps flag values between runs of the one root command: the first case runs first.
		{"not executable", []string{"client", "--bin", cfg}, exitUsage},
		{"bad config", []string{"client", "--bin", bin, "--config", bin}, exitUsage},
		{"empty selection", []string{"client", "--bin", bin, "--only", "nothing.*"}, exitUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := run(c.args); got != c.code {
				t.Fatalf("meshconform %v: exit %d, want %d", c.args, got, c.code)
			}
		})
	}
	// A reproduce line names the binary and judges as the run did (--strict), and runs as printed.
	dir := t.TempDir()
	if code, out, _ := runCommand(t, "client", "--bin", bin, "--only", "client.http.host", "--strict", "--seed", "4", "--report-dir", dir); code != exitOK {
		t.Fatalf("client run exited %d:\n%s", code, out)
	}
	line := readRunJSON(t, filepath.Join(dir, "run.json")).Results[0].Reproduce
	if want := "meshconform client --only client.http.host --bin " + bin + " --strict --seed 4"; line != want {
		t.Fatalf("reproduce line %q, want %q", line, want)
	}
	if code, out, _ := runCommand(t, append(shellWords(t, line)[1:], "--report-dir", t.TempDir())...); code != exitOK {
		t.Errorf("the reproduce line exited %d:\n%s", code, out)
	}
}
