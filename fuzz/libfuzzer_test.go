package fuzz

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/meshconform/meshconform/fuzz/targets"
)

var (
	libFuzzerLine = regexp.MustCompile(`(?m)^libfuzzer (Fuzz\w+): runs=(\d+) cov=(\d+) corpus=(\d+) seeds=(\d+) exit=(\d+)$`)
	initedCov     = regexp.MustCompile(`(?m)^#\d+\s+INITED cov: (\d+)`)
)

// libFuzzerTools skips the test, naming what to install, when this machine cannot build
// libFuzzer binaries of Go targets.
func libFuzzerTools(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds every native target as a libFuzzer binary (about 2 minutes)")
	}
	for tool, install := range map[string]string{
		"clang":             "apt-get install clang",
		"go-118-fuzz-build": "go install github.com/AdamKorcz/go-118-fuzz-build@v0.0.0-20250520111509-a70c2aa677fa",
		"unzip":             "apt-get install unzip",
		"bash":              "apt-get install bash",
	} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed, so the ClusterFuzzLite build is not tested here (CI installs it: %s)", tool, install)
		}
	}
	probe := filepath.Join(t.TempDir(), "probe")
	cmd := exec.Command("clang", "-fsanitize=fuzzer", "-x", "c", "-", "-o", probe)
	cmd.Stdin = bytes.NewReader([]byte("int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("clang cannot link a libFuzzer binary here (its runtime is missing; Debian: apt-get install libclang-rt-14-dev): %v\n%s", err, out)
	}
}

// TestLibFuzzerBuild runs .clusterfuzzlite/build.sh as OSS-Fuzz would, through
// fuzz/libfuzzer-local.sh (make fuzz-libfuzzer): every native target becomes a libFuzzer binary
// with its seed corpus zipped beside it, and each runs for a second over its seeds without a
// crash, having loaded every seed.
func TestLibFuzzerBuild(t *testing.T) {
	libFuzzerTools(t)
	out := t.TempDir()
	res, err := exec.Command("bash", "libfuzzer-local.sh", "-o", out, "-s", "1").CombinedOutput()
	if err != nil {
		t.Fatalf("libfuzzer-local.sh: %v\n%s", err, res)
	}
	t.Logf("%s", res)
	seen := map[string]bool{}
	for _, m := range libFuzzerLine.FindAllSubmatch(res, -1) {
		name := string(m[1])
		seen[name] = true
		runs, _ := strconv.Atoi(string(m[2]))
		seeds, _ := strconv.Atoi(string(m[5]))
		if runs == 0 || string(m[6]) != "0" {
			t.Errorf("%s: %d runs, exit %s", name, runs, m[6])
		}
		tg := targetNamed(t, name)
		want, err := tg.Seeds(vectorsDir)
		if err != nil {
			t.Fatal(err)
		}
		if seeds != len(want) {
			t.Errorf("%s: %d seeds in its archive, want the %d the native target has", name, seeds, len(want))
		}
		if runs < seeds {
			t.Errorf("%s: %d runs did not even cover its %d seeds", name, runs, seeds)
		}
	}
	for name := range natives {
		if !seen[name] {
			t.Errorf("%s: no libFuzzer binary was built and run", name)
		}
	}
	if t.Failed() {
		return
	}
	t.Run("seeds reach the target whole", func(t *testing.T) {
		// Written raw, a request seed would be cut at a length taken from its own first four
		// bytes ({"He...) and reach the decoder as a fragment: the length-prefixed seeds of the
		// archive must cover more of it than the same seeds raw.
		bin := filepath.Join(out, "FuzzDecodeRequest")
		encodedDir, rawDir := t.TempDir(), t.TempDir()
		if out, err := exec.Command("unzip", "-q", filepath.Join(out, "FuzzDecodeRequest_seed_corpus.zip"), "-d", encodedDir).CombinedOutput(); err != nil {
			t.Fatalf("unzip: %v\n%s", err, out)
		}
		encoded := initialCoverage(t, bin, encodedDir)
		seeds, err := targets.DecodeRequest.Seeds(vectorsDir)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range seeds {
			if err := os.WriteFile(filepath.Join(rawDir, fmt.Sprintf("seed-%03d", i)), s, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		raw := initialCoverage(t, bin, rawDir)
		t.Logf("FuzzDecodeRequest: coverage %d from the archive's seeds, %d from the same seeds raw", encoded, raw)
		if encoded <= raw {
			t.Errorf("the archive's seeds cover %d, no more than the raw seeds' %d: are they encoded for go-fuzz-headers?", encoded, raw)
		}
	})
}

// initialCoverage runs a libFuzzer binary over a corpus without fuzzing and returns the
// coverage it reports once the corpus is loaded.
func initialCoverage(t *testing.T, bin, corpus string) int {
	t.Helper()
	cmd := exec.Command(bin, "-runs=0", corpus)
	cmd.Dir = filepath.Dir(bin) // where OSS-Fuzz runs it
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s -runs=0: %v\n%s", bin, err, res)
	}
	m := initedCov.FindSubmatch(res)
	if m == nil {
		t.Fatalf("%s printed no INITED line:\n%s", bin, res)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func targetNamed(t *testing.T, name string) *targets.Target {
	t.Helper()
	for _, tg := range targets.All() {
		if tg.Name == name {
			return tg
		}
	}
	t.Fatalf("no target %s", name)
	return nil
}
