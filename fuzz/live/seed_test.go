package live

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/meshconform/meshconform/harness/target"
)

// TestSameSeedSameRequests: a campaign sends the same bodies every time it runs with one seed
// (each against a fresh portal), in the same order with one worker, in some order with two:
// every random choice and every key flows from the printed seed and the case's number,
// whatever the fuzzer computes once and keeps and whichever worker builds a case.
func TestSameSeedSameRequests(t *testing.T) {
	run := func(workers int) [][]byte {
		rc := &recorder{max: 1 << 30}
		url := benchPortal(t, rc)
		tg, err := target.New(target.Options{URL: url, Timeout: 10 * time.Second})
		must(t, err)
		t.Cleanup(tg.Close)
		f, err := New(Config{Target: tg, PortalURL: url, Seed: 3, MaxRequests: 300, Workers: workers})
		must(t, err)
		_, err = f.Run(context.Background())
		must(t, err)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		var bodies [][]byte
		for _, r := range rc.got {
			bodies = append(bodies, r.body)
		}
		return bodies
	}
	first, second := run(1), run(1)
	if len(first) != len(second) {
		t.Fatalf("seed 3 sent %d requests, then %d", len(first), len(second))
	}
	publishes := 0
	for i := range first {
		if !bytes.Equal(first[i], second[i]) {
			t.Fatalf("request %d of seed 3 differs between runs:\n%.200q\n%.200q", i, first[i], second[i])
		}
		if bytes.HasPrefix(first[i], []byte(`{"Publish`)) {
			publishes++
		}
	}
	if publishes < 2 {
		t.Fatalf("seed 3 sent %d Publish requests: too few to show the kept body is the signed one", publishes)
	}
	a, b := run(2), run(2)
	slices.SortFunc(a, bytes.Compare)
	slices.SortFunc(b, bytes.Compare)
	if !slices.EqualFunc(a, b, bytes.Equal) {
		t.Fatalf("seed 3 with two workers sent %d requests, then %d, not the same bodies", len(a), len(b))
	}
}

// TestGenerateLeavesTreeForRender: a case renders the tree generate read (one parse of its body
// for both); generate only reads it, so the request is the one a fresh parse renders.
func TestGenerateLeavesTreeForRender(t *testing.T) {
	tg, url := startPortal(t)
	f, err := New(Config{Target: tg, PortalURL: url, Seed: 4, MaxRequests: 1, Workers: 1})
	must(t, err)
	_, err = f.Run(context.Background()) // sets up the main and other accounts
	must(t, err)
	ctx := context.Background()
	for i := range int64(300) {
		r := f.caseRand(i)
		tmpl := f.templates[r.IntN(len(f.templates))]
		b, err := tmpl.build(ctx, f, r, uint64(i)+1)
		must(t, err)
		tree, err := parseTree(b.Body)
		must(t, err)
		muts := generate(r, f.sp, b, tree)
		body, mode, hdr, applied := renderTree(b, tree, muts)
		wantBody, wantMode, wantHdr, wantApplied, err := render(b, muts)
		must(t, err)
		if !bytes.Equal(body, wantBody) || mode != wantMode || !slices.Equal(applied, wantApplied) || len(hdr) != len(wantHdr) {
			t.Fatalf("case %d (%s, %v): the tree generate read renders another request", i, tmpl.name, mutationStrings(muts))
		}
	}
}
