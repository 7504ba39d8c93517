package live

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/meshconform/meshconform/harness/target"
)

// TestSameSeedSameRequests: a campaign of one worker sends the same bodies, in the same order,
// every time it runs with one seed (each against a fresh portal): every random choice and
// every key flows from the printed seed, whatever the fuzzer computes once and keeps.
func TestSameSeedSameRequests(t *testing.T) {
	run := func() [][]byte {
		rc := &recorder{max: 1 << 30}
		url := benchPortal(t, rc)
		tg, err := target.New(target.Options{URL: url, Timeout: 10 * time.Second})
		must(t, err)
		t.Cleanup(tg.Close)
		f, err := New(Config{Target: tg, PortalURL: url, Seed: 3, MaxRequests: 300, Workers: 1})
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
	first, second := run(), run()
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
}
