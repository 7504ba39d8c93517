package jsonreport

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/harness/result/resulttest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, resulttest.Sample()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "sample.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), buf.String()); d != "" {
		t.Errorf("sample.json differs (-want +got):\n%s", d)
	}
	// The golden file itself must read back: it is what other renderers are tested on.
	if _, err := result.Read(bytes.NewReader(want)); err != nil {
		t.Errorf("golden file does not read back: %v", err)
	}
}

func TestWriteFileReadFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "run.json")
	run := resulttest.Sample()
	if err := WriteFile(name, run); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if back.Seed != run.Seed || len(back.Results) != len(run.Results) || back.ExitCode() != run.ExitCode() {
		t.Errorf("read back a different run: seed %d, %d results", back.Seed, len(back.Results))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "run.json"), run); err == nil {
		t.Error("writing into a missing directory must fail")
	}
	if _, err := ReadFile(filepath.Join(dir, "none.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
