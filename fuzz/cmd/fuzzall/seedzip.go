package main

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/meshconform/meshconform/fuzz/targets"
)

// seedFormats encode one seed as a libFuzzer input for a native target with a single []byte
// argument. A binary built by go-118-fuzz-build (OSS-Fuzz's compile_native_go_fuzzer) does not
// hand its input to f.Fuzz as is: its testing.F decodes each argument with go-fuzz-headers, whose
// GetBytes reads a 4-byte big-endian length and then that many bytes (taken modulo the bytes
// left unless it equals them, and 0 meaning 30). A seed written raw would be cut at a length
// made of its own first four bytes; written as length‖seed it reaches the target whole.
var seedFormats = map[string]func([]byte) []byte{
	"raw": func(s []byte) []byte { return s },
	"go-fuzz-headers": func(s []byte) []byte {
		return append(binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(s)), uint32(len(s))), s...)
	},
}

// zipEpoch is every entry's modification time, so that the archives are identical from run
// to run.
var zipEpoch = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)

// seedZipsTo writes each native target's seed corpus as dir/<Target>_seed_corpus.zip, the name
// OSS-Fuzz and ClusterFuzzLite look for beside a fuzzer binary, entries named seed-<n> by
// position. A target without seeds gets no archive.
func seedZipsTo(dir, vectors string, encode func([]byte) []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing seed archives: %w", err)
	}
	for _, t := range targets.All() {
		seeds, err := t.Seeds(vectors)
		if err != nil {
			return err
		}
		if len(seeds) == 0 {
			continue
		}
		if err := writeZip(filepath.Join(dir, t.Name+"_seed_corpus.zip"), seeds, encode); err != nil {
			return fmt.Errorf("writing the seed archive of %s: %w", t.Name, err)
		}
	}
	return nil
}

func writeZip(path string, seeds [][]byte, encode func([]byte) []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for i, s := range seeds {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("seed-%03d", i), Method: zip.Deflate, Modified: zipEpoch})
		if err != nil {
			f.Close()
			return err
		}
		if _, err := w.Write(encode(s)); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
