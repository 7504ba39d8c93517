package live

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestShardsPartitionCases: the shards of an N-shard campaign run disjoint cases that together
// are the unsharded campaign's, and a bad shard is refused.
func TestShardsPartitionCases(t *testing.T) {
	tg, _ := startPortal(t)
	for _, n := range []int{1, 2, 3, 7} {
		seen := map[int64]int{}
		for i := range n {
			f, err := New(Config{Target: tg, Seed: 1, MaxRequests: 10, Shard: i, Shards: n})
			must(t, err)
			for local := range int64(10) {
				g := f.globalCase(local)
				if prev, dup := seen[g]; dup {
					t.Fatalf("%d shards: case %d run by shard %d and shard %d", n, g, prev, i)
				}
				seen[g] = i
			}
		}
		for g := range int64(10 * n) {
			if _, ok := seen[g]; !ok {
				t.Fatalf("%d shards: case %d run by none", n, g)
			}
		}
	}
	for _, bad := range [][2]int{{2, 2}, {-1, 2}, {3, 1}} {
		if _, err := New(Config{Target: tg, Seed: 1, MaxRequests: 1, Shard: bad[0], Shards: bad[1]}); err == nil {
			t.Fatalf("shard %d/%d accepted", bad[0], bad[1])
		}
	}
}

// TestShardsShareAPortalAndMerge: two shards of one seed run at once against one portal (their
// accounts do not collide, else setup fails), each finds the knob's class at its own cases
// only, and `fuzz merge` of their directories keeps one reproducer per signature.
func TestShardsShareAPortalAndMerge(t *testing.T) {
	tg, url := startPortal(t, "omit-status")
	root := t.TempDir()
	const shards = 2
	sums := make([]*Summary, shards)
	errs := make([]error, shards)
	var wg sync.WaitGroup
	for i := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := New(Config{Target: tg, PortalURL: url, Seed: 5, MaxRequests: 40, Shard: i, Shards: shards,
				OutDir: filepath.Join(root, "shard", string(rune('0'+i)))})
			if err == nil {
				sums[i], err = f.Run(context.Background())
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d/%d: %v", i, shards, err)
		}
		c, ok := sums[i].FirstCase[ClassMissingStatus]
		if !ok {
			t.Fatalf("shard %d: no %s finding (found %v)", i, ClassMissingStatus, sums[i].ByClass)
		}
		if int(c%shards) != i {
			t.Fatalf("shard %d reports its first finding at case %d, another shard's", i, c)
		}
		for _, s := range sums[i].Saved {
			if want := string(rune('0'+i)) + "/2"; s.Reproducer.Shard != want {
				t.Fatalf("shard %d's reproducer records shard %q", i, s.Reproducer.Shard)
			}
		}
	}
	out := filepath.Join(root, "merged")
	rep, err := Merge([]string{filepath.Join(root, "shard")}, out)
	must(t, err)
	if rep.Files < 2 || len(rep.Findings) == 0 || len(rep.Findings) > rep.Files {
		t.Fatalf("merge read %d files into %d findings", rep.Files, len(rep.Findings))
	}
	seen := map[string]bool{}
	for _, m := range rep.Findings {
		if seen[m.Signature] {
			t.Fatalf("signature %q kept twice", m.Signature)
		}
		seen[m.Signature] = true
		r, err := Load(m.Out)
		must(t, err)
		if r.Signature() != m.Signature {
			t.Fatalf("%s holds signature %q, want %q", m.Out, r.Signature(), m.Signature)
		}
	}
	entries, err := os.ReadDir(out)
	must(t, err)
	if len(entries) != len(rep.Findings) {
		t.Fatalf("%d files in the merged directory for %d findings", len(entries), len(rep.Findings))
	}
	// A campaign directory merged beside a copy of itself, and beside the merged set, gives
	// the same findings: every copy is a duplicate.
	again, err := Merge([]string{out, filepath.Join(root, "shard"), out + "/"}, "")
	must(t, err)
	if len(again.Findings) != len(rep.Findings) || again.Files != rep.Files+len(rep.Findings) {
		t.Fatalf("re-merge: %d files into %d findings, want %d files into %d", again.Files, len(again.Findings),
			rep.Files+len(rep.Findings), len(rep.Findings))
	}
}

// TestSignature: the signature ignores seeds, arguments and order, not class, template or
// the place of a mutation.
func TestSignature(t *testing.T) {
	base := Reproducer{Format: Format, Class: ClassServerError, Seed: 1, Case: caseInfo{Template: "hello", Tx: "Hello",
		Mutations: []Mutation{{Op: OpTruncate, Arg: "3"}, {Op: OpDrop, Path: []string{"Hello", "a"}}}}}
	same := base
	same.Seed = 9
	same.Case.Mutations = []Mutation{{Op: OpDrop, Path: []string{"Hello", "a"}}, {Op: OpTruncate, Arg: "17"}}
	if base.Signature() != same.Signature() {
		t.Fatalf("%q != %q", base.Signature(), same.Signature())
	}
	for name, mod := range map[string]func(r *Reproducer){
		"class":    func(r *Reproducer) { r.Class = ClassHang },
		"template": func(r *Reproducer) { r.Case.Template = "get" },
		"path": func(r *Reproducer) {
			r.Case.Mutations = []Mutation{{Op: OpTruncate}, {Op: OpDrop, Path: []string{"Hello", "b"}}}
		},
		"unapplied": func(r *Reproducer) {
			r.Case.Applied = []bool{true, false}
		},
	} {
		r := base
		mod(&r)
		if r.Signature() == base.Signature() {
			t.Fatalf("%s: changing it kept the signature %q", name, r.Signature())
		}
	}
}
