package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/fuzz/live"
)

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		in   string
		i, n int
		ok   bool
	}{
		{"", 0, 1, true}, {"0/1", 0, 1, true}, {"1/2", 1, 2, true}, {"6/7", 6, 7, true},
		{"2/2", 0, 0, false}, {"-1/2", 0, 0, false}, {"0/0", 0, 0, false}, {"1", 0, 0, false},
		{"1/2x", 0, 0, false}, {" 1/2", 0, 0, false}, {"01/2", 0, 0, false},
	} {
		i, n, err := parseShard(c.in)
		if (err == nil) != c.ok || c.ok && (i != c.i || n != c.n) {
			t.Errorf("parseShard(%q) = %d, %d, %v; want %d, %d, ok %v", c.in, i, n, err, c.i, c.n, c.ok)
		}
	}
}

// TestFuzzShardsMerge: two shards of one seed against the embedded portal with a knob, then
// `fuzz merge` of their directories: the merged set holds each signature once, and merging it
// again with a shard's directory adds nothing.
func TestFuzzShardsMerge(t *testing.T) {
	dir := t.TempDir()
	var shards []string
	for i := range 2 {
		d := filepath.Join(dir, fmt.Sprintf("s%d", i))
		shards = append(shards, d)
		code, out, errOut := runCommand(t, "fuzz", "--bug", "omit-status", "--seed", "3", "--shard", fmt.Sprintf("%d/2", i),
			"--max-cases", "40", "--out", d)
		if code != 1 || !strings.Contains(out, "shard "+fmt.Sprintf("%d/2", i)) {
			t.Fatalf("shard %d: exit %d, want 1 (a MUST finding), and the shard named:\n%s\n%s", i, code, out, errOut)
		}
	}
	merged := filepath.Join(dir, "merged")
	code, out, errOut := runCommand(t, append([]string{"fuzz", "merge", "--out", merged, "--report", filepath.Join(dir, "m.json")}, shards...)...)
	if code != 0 {
		t.Fatalf("merge: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep live.MergeReport
	data, err := os.ReadFile(filepath.Join(dir, "m.json"))
	if err == nil {
		err = json.Unmarshal(data, &rep)
	}
	if err != nil {
		t.Fatal(err)
	}
	if rep.Files < 2 || len(rep.Findings) == 0 || !strings.Contains(out, fmt.Sprintf("%d distinct findings", len(rep.Findings))) {
		t.Fatalf("merge report %d files, %d findings; printed:\n%s", rep.Files, len(rep.Findings), out)
	}
	code, out, _ = runCommand(t, "fuzz", "merge", "--out", "", merged, shards[0])
	if code != 0 || !strings.Contains(out, fmt.Sprintf("%d distinct findings", len(rep.Findings))) {
		t.Fatalf("re-merge: exit %d, want the same %d findings:\n%s", code, len(rep.Findings), out)
	}
}
