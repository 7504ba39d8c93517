package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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

// TestClientShardsPartition: `client --shard I/N` selects a part of the client checks, and the
// N parts together are every check once; a bad shard is a usage error.
func TestClientShardsPartition(t *testing.T) {
	listed := func(args ...string) []string {
		t.Helper()
		code, out := runCLI(t, "", append([]string{"client", "--bin", "/bin/true", "--list"}, args...)...)
		if code != exitOK {
			t.Fatalf("client --list %v: exit %d\n%s", args, code, out)
		}
		var ids []string
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], "client.") {
				ids = append(ids, f[0])
			}
		}
		return ids
	}
	all := listed()
	var union []string
	for i := 1; i <= 3; i++ {
		part := listed("--shard", fmt.Sprintf("%d/3", i))
		if len(part) == 0 || len(part) == len(all) {
			t.Errorf("shard %d/3 holds %d of %d checks", i, len(part), len(all))
		}
		union = append(union, part...)
	}
	slices.Sort(union)
	slices.Sort(all)
	if !slices.Equal(union, all) {
		t.Errorf("the three shards hold %v, want every check once: %v", union, all)
	}
	if code, out := runCLI(t, "", "client", "--bin", "/bin/true", "--list", "--shard", "4/3"); code != exitUsage {
		t.Errorf("--shard 4/3: exit %d, want 2\n%s", code, out)
	}
}
