package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReproduceLineReproduces is the transcript: a run with --host (and the other flags
// a replay needs) prints reproduce lines that carry them, with header names but not values; the
// line, run as printed, gives the same verdict, writes its report to its own folder and leaves
// the run's run.json alone. The same line without --host does not pass: the flag is needed.
func TestReproduceLineReproduces(t *testing.T) {
	// By address: the portal's name is localhost, which only --host says.
	ref := strings.Replace(embeddedPortal(t), "localhost", "127.0.0.1", 1)
	dir := t.TempDir()
	runDir, replayDir := filepath.Join(dir, "run"), filepath.Join(dir, "replay")
	code, out, errOut := runCommand(t, "run", "--portal", "http://"+ref+"/", "--host", "localhost", "--only", "wire.hello",
		"--seed", "5", "--strict", "--timeout", "7s", "--header", "X-Api-Key: secret-value", "--report-dir", runDir)
	if code != exitOK {
		t.Fatalf("run exited %d:\n%s%s", code, out, errOut)
	}
	before, err := os.ReadFile(filepath.Join(runDir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	line := readRunJSON(t, filepath.Join(runDir, "run.json")).Results[0].Reproduce
	for _, want := range []string{"meshconform replay wire.hello ", "--portal http://" + ref + "/.well-known/mmm/", "--host localhost",
		"--strict", "--timeout 7s", "--header 'X-Api-Key: <value>'", "--seed 5"} {
		if !strings.Contains(line, want) {
			t.Errorf("reproduce line %q lacks %q", line, want)
		}
	}
	if strings.Contains(line, "secret-value") {
		t.Errorf("reproduce line %q prints a header value", line)
	}
	args := shellWords(t, line)
	if args[0] != "meshconform" {
		t.Fatalf("reproduce line %q: want the test binary's stand-in, meshconform", line)
	}
	if code, out, errOut := runCommand(t, append(args[1:], "--report-dir", replayDir)...); code != exitOK {
		t.Errorf("the reproduce line exited %d:\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(replayDir, "run.json")); err != nil {
		t.Errorf("replay wrote no report of its own: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(runDir, "run.json"))
	if string(after) != string(before) {
		t.Error("the replay changed the run's run.json")
	}
	noHost := strings.Replace(line, " --host localhost", "", 1)
	if code, out, _ := runCommand(t, append(shellWords(t, noHost)[1:], "--report-dir", replayDir)...); code == exitOK {
		t.Errorf("without --host the replay passed too: the test proves nothing\n%s", out)
	}
}

// TestReproduceLineCarriesKnobs: a failing check of a knob run names the embedded portal by its
// knob, and its reproduce line fails the same way.
func TestReproduceLineCarriesKnobs(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := runCommand(t, "run", "--bug", "accept-unsigned-result", "--only", "connect.unsigned-result", "--seed", "3",
		"--report-dir", dir)
	if code != exitFailure {
		t.Fatalf("knob run exited %d, want 1:\n%s", code, out)
	}
	line := readRunJSON(t, filepath.Join(dir, "run.json")).Results[0].Reproduce
	if want := "meshconform replay connect.unsigned-result --bug accept-unsigned-result --seed 3"; line != want {
		t.Fatalf("reproduce line %q, want %q", line, want)
	}
	if code, out, _ := runCommand(t, append(shellWords(t, line)[1:], "--report-dir", t.TempDir())...); code != exitFailure {
		t.Errorf("the reproduce line exited %d, want 1:\n%s", code, out)
	}
}

// TestReplayHasItsOwnFlags: replay takes no selection flags and writes to its own folder.
func TestReplayHasItsOwnFlags(t *testing.T) {
	for _, flag := range []string{"--only=x", "--shard=1/2", "--list", "--skip=x", "--jobs=2"} {
		if code, _, errOut := runCommand(t, "replay", "wire.hello", flag); code != exitUsage || !strings.Contains(errOut, "unknown flag") {
			t.Errorf("replay %s: exit %d, want 2 with unknown flag; stderr %q", flag, code, errOut)
		}
	}
	replay, _, err := rootCmd.Find([]string{"replay"})
	if err != nil {
		t.Fatal(err)
	}
	if got := replay.Flags().Lookup("report-dir").DefValue; got != "meshconform-replay" {
		t.Errorf("replay --report-dir defaults to %q, want meshconform-replay", got)
	}
}

func TestInvocation(t *testing.T) {
	onPath := func(p string) func(string) string { return func(string) string { return p } }
	for _, tt := range []struct {
		argv0, exe   string
		lookPath     func(string) string
		inModuleRoot bool
		want         string
	}{
		{"/tmp/go-build123/b001/exe/meshconform", "/tmp/go-build123/b001/exe/meshconform", onPath(""), true, "go run ./cmd/meshconform"},
		{"/tmp/go-build123/b001/exe/meshconform", "/tmp/go-build123/b001/exe/meshconform", onPath(""), false,
			"go run github.com/meshconform/meshconform/cmd/meshconform@" + moduleVersion()},
		{"meshconform", "/home/u/go/bin/meshconform", onPath("/home/u/go/bin/meshconform"), false, "meshconform"},
		{"/home/u/go/bin/meshconform", "/home/u/go/bin/meshconform", onPath("/home/u/go/bin/meshconform"), false, "meshconform"},
		{"./bin/meshconform", "/src/bin/meshconform", onPath(""), true, "./bin/meshconform"},
		{"./bin/meshconform", "/src/bin/meshconform", onPath("/usr/bin/meshconform"), true, "./bin/meshconform"},
		{"/my dir/meshconform", "/my dir/meshconform", onPath(""), false, "'/my dir/meshconform'"},
		// go run caches what it builds when it can (Go 1.24 on; -buildvcs=false makes a build cacheable).
		{"/root/.cache/go-build/32/326050644468db00f0d26aa28b71f1ac766deacb63c7d3d9fe836fef5f2c22bd-d/meshconform",
			"/root/.cache/go-build/32/326050644468db00f0d26aa28b71f1ac766deacb63c7d3d9fe836fef5f2c22bd-d/meshconform", onPath(""), true,
			"go run ./cmd/meshconform"},
		{"/tmp/go-build1/b001/meshconform.test", "/tmp/go-build1/b001/meshconform.test", onPath(""), true, "meshconform"},
	} {
		if got := invocationOf(tt.argv0, tt.exe, tt.lookPath, tt.inModuleRoot); got != tt.want {
			t.Errorf("invocationOf(%q, %q) = %q, want %q", tt.argv0, tt.exe, got, tt.want)
		}
	}
}

// shellWords is splitShellWords for a test: an unreadable line fails it.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	words, err := splitShellWords(line)
	if err != nil {
		t.Fatal(err)
	}
	return words
}
