package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/fuzz/targets"
)

// fakeGo writes a stand-in for the go command that answers `go test -list` with two targets
// and `go test -fuzz` with a captured sample output, so that fuzzall's control flow is tested
// without fuzzing.
func fakeGo(t *testing.T, sample string) string {
	t.Helper()
	dir := t.TempDir()
	samplePath, err := filepath.Abs(filepath.Join("..", "..", "fuzzreport", "testdata", sample))
	if err != nil {
		t.Fatal(err)
	}
	passPath, _ := filepath.Abs(filepath.Join("..", "..", "fuzzreport", "testdata", "pass.txt"))
	script := `#!/bin/sh
case "$*" in
*-list*) printf 'FuzzJSONBaseline\nFuzzBase64\nok  \tpkg\t0.01s\n' ;;
*FuzzJSONBaseline*) cat '` + passPath + `' ;;
*) cat '` + samplePath + `'; case '` + sample + `' in pass.txt) exit 0 ;; *) exit 1 ;; esac ;;
esac
`
	path := filepath.Join(dir, "go")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRun(t *testing.T) {
	cases := []struct {
		sample   string
		args     []string
		wantCode int
		want     []string
	}{
		{"pass.txt", []string{"-fuzztime", "1s"}, 0, []string{"FuzzBase64", "FuzzJSONBaseline", "vs json"}},
		{"crasher.txt", []string{"-fuzztime", "1s"}, 1, []string{"crasher FuzzBase64: fuzz/testdata/fuzz/FuzzBase64/8727b16d337d7b81", "FAIL"}},
		{"seed-failure.txt", nil, 1, []string{"failing seed corpus entry FuzzBase64/8727b16d337d7b81"}},
		{"build-failure.txt", nil, 1, []string{"failure FuzzBase64", "[build failed]"}},
		{"pass.txt", []string{"-run", "("}, 2, nil},
	}
	for _, c := range cases {
		t.Run(c.sample, func(t *testing.T) {
			t.Setenv("GO", fakeGo(t, c.sample))
			var stdout, stderr bytes.Buffer
			code := run(c.args, &stdout, &stderr)
			if code != c.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.wantCode, &stdout, &stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, &stdout)
				}
			}
		})
	}
}

func TestWriteSeeds(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-write-seeds", dir, "-vectors", ""}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "FuzzDecodeRequest"))
	if err != nil || len(entries) == 0 {
		t.Fatalf("no seeds written for FuzzDecodeRequest: %v", err)
	}
	first, err := os.ReadFile(filepath.Join(dir, "FuzzDecodeRequest", "seed-000"))
	if err != nil || !bytes.HasPrefix(first, []byte(`{"Hello":`)) {
		t.Errorf("first request seed %q, %v", first, err)
	}
	// The dispatching entry point's seeds carry the target's index in front.
	for i, tg := range targets.All() {
		own, err1 := os.ReadFile(filepath.Join(dir, tg.Name, "seed-000"))
		disp, err2 := os.ReadFile(filepath.Join(dir, "Fuzz", fmt.Sprintf("seed-%03d", i*10000)))
		if err1 != nil || err2 != nil || len(disp) == 0 || disp[0] != byte(i) || !bytes.Equal(disp[1:], own) {
			t.Errorf("%s: dispatch seed does not match (%v, %v)", tg.Name, err1, err2)
		}
	}
}

// TestSeedZips: each target's archive holds its seeds in order, each length-prefixed the way
// go-fuzz-headers' GetBytes reads one []byte argument (or raw), and two runs write the same
// bytes, so that a rebuilt ClusterFuzzLite image does not see a changed corpus.
func TestSeedZips(t *testing.T) {
	vectors := filepath.Join("..", "..", "..", "vectors", "testvectors")
	for _, format := range []string{"go-fuzz-headers", "raw"} {
		t.Run(format, func(t *testing.T) {
			dirs := [2]string{t.TempDir(), t.TempDir()}
			for _, dir := range dirs {
				var stdout, stderr bytes.Buffer
				if code := run([]string{"-seed-zips", dir, "-seed-format", format, "-vectors", vectors}, &stdout, &stderr); code != 0 {
					t.Fatalf("exit %d: %s", code, &stderr)
				}
			}
			for _, tg := range targets.All() {
				seeds, err := tg.Seeds(vectors)
				if err != nil {
					t.Fatal(err)
				}
				name := tg.Name + "_seed_corpus.zip"
				first, err1 := os.ReadFile(filepath.Join(dirs[0], name))
				second, err2 := os.ReadFile(filepath.Join(dirs[1], name))
				if len(seeds) == 0 {
					if err1 == nil {
						t.Errorf("%s: an archive for a target without seeds", tg.Name)
					}
					continue
				}
				if err1 != nil || err2 != nil {
					t.Fatalf("%s: %v, %v", tg.Name, err1, err2)
				}
				if !bytes.Equal(first, second) {
					t.Errorf("%s: two runs wrote different archives", tg.Name)
				}
				zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
				if err != nil {
					t.Fatalf("%s: %v", tg.Name, err)
				}
				if len(zr.File) != len(seeds) {
					t.Fatalf("%s: %d entries, want %d seeds", tg.Name, len(zr.File), len(seeds))
				}
				for i, f := range zr.File {
					rc, err := f.Open()
					if err != nil {
						t.Fatal(err)
					}
					got, err := io.ReadAll(rc)
					rc.Close()
					if err != nil {
						t.Fatal(err)
					}
					if format == "go-fuzz-headers" {
						if len(got) < 4 || binary.BigEndian.Uint32(got) != uint32(len(got)-4) {
							t.Fatalf("%s %s: length prefix does not give the rest's length", tg.Name, f.Name)
						}
						got = got[4:]
					}
					if !bytes.Equal(got, seeds[i]) {
						t.Errorf("%s %s: does not hold seed %d", tg.Name, f.Name, i)
					}
				}
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-seed-zips", t.TempDir(), "-vectors", "vectors"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "no vector file") {
		t.Errorf("a directory without vector files: exit %d, %s", code, &stderr)
	}
	stderr.Reset()
	if code := run([]string{"-seed-zips", t.TempDir(), "-seed-format", "base64", "-vectors", ""}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "go-fuzz-headers") {
		t.Errorf("an unknown format: exit %d, %s", code, &stderr)
	}
}
