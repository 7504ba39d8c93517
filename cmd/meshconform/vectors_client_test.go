package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
)

// TestVectorsRunClient: `vectors run --client` serves every client-response vector to the
// reference client, writes the reports of `run`, exits 0 for the clean client and 1 for a
// knob that accepts forged material, with exactly that knob's vectors failing; bad
// combinations exit 2.
func TestVectorsRunClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds meshclient and serves it every client-response vector twice")
	}
	resetFlags(rootCmd)
	defer resetFlags(rootCmd)
	bin := buildMeshclient(t)
	dir := t.TempDir()
	clean, knob := filepath.Join(dir, "clean"), filepath.Join(dir, "knob")
	if code := run([]string{"vectors", "run", "--client", bin, "--seed", "5", "--report-dir", clean, "--report", "json,junit,sarif"}); code != exitOK {
		t.Fatalf("clean client: exit %d, want 0", code)
	}
	for _, f := range []string{"run.json", "junit.xml", "results.sarif"} {
		if st, err := os.Stat(filepath.Join(clean, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	r := readRunJSON(t, filepath.Join(clean, "run.json"))
	if len(r.Results) == 0 {
		t.Fatal("the clean run recorded no result")
	}
	resetFlags(rootCmd)
	cfg := filepath.Join(dir, "cfg.json")
	if err := os.WriteFile(cfg, []byte(`{"shim":1,"args":["--bug","ignore-witness"],"errors":{"witness":"error: witness"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"vectors", "run", "--client", bin, "--config", cfg, "--seed", "5", "--report-dir", knob}); code != exitFailure {
		t.Fatalf("ignore-witness client: exit %d, want 1", code)
	}
	var failed []string
	for _, res := range readRunJSON(t, filepath.Join(knob, "run.json")).Results {
		if res.Outcome == result.Fail {
			failed = append(failed, res.ID)
		}
	}
	sort.Strings(failed)
	if d := cmp.Diff([]string{"vector.client.connectstart.wrong-witness"}, failed); d != "" {
		t.Errorf("failing vectors with ignore-witness (-want +got):\n%s", d)
	}
	for _, c := range [][]string{
		{"vectors", "run", "--client", bin, "--portal", "http://127.0.0.1:1/"},
		{"vectors", "run", "--client", cfg},
		{"vectors", "run", "--client", bin, "--only", "nothing.*"},
	} {
		resetFlags(rootCmd)
		if code := run(c); code != exitUsage {
			t.Errorf("meshconform %v: exit %d, want 2", c, code)
		}
	}
}

// buildMeshclient builds the reference client into a temporary folder.
func buildMeshclient(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "meshclient")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/meshconform/meshconform/cmd/meshclient").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
