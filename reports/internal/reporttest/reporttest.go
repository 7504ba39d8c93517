// Package reporttest holds what the report renderers' tests share: the fixture run every
// format renders (reports/testdata/run.json, written by reports/render's fixture test) and the
// golden-file comparison with its -update switch.
package reporttest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
)

// Fixture reads the shared fixture run, from a package directory directly under reports/.
func Fixture(t *testing.T) *result.Run {
	t.Helper()
	return ReadRun(t, filepath.Join("..", "testdata", "run.json"))
}

// ReadRun reads a saved run, failing the test on any problem.
func ReadRun(t *testing.T, path string) *result.Run {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	run, err := result.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// Golden compares got with the golden file testdata/name, rewriting it first when update is set.
func Golden(t *testing.T, name string, got []byte, update bool) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, d)
	}
}
