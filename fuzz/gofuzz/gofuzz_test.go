//go:build gofuzz

package gofuzz

import (
	"testing"

	"github.com/meshconform/meshconform/fuzz/targets"
)

// Run with: go test -tags gofuzz ./fuzz/gofuzz/ (build-gofuzz.sh does, before building).

func TestEveryTargetHasAnEntryPoint(t *testing.T) {
	all := targets.All()
	if len(Entries) != len(all) {
		t.Errorf("%d entry points for %d targets", len(Entries), len(all))
	}
	for _, tg := range all {
		if Entries[tg.Name] == nil {
			t.Errorf("no entry point for %s", tg.Name)
		}
	}
}

// TestEntriesOnSeeds runs each entry point and the dispatching Fuzz on the seed corpus: no
// panic (no broken property), and accepted seeds are reported as interesting.
func TestEntriesOnSeeds(t *testing.T) {
	for i, tg := range targets.All() {
		seeds, err := tg.Seeds("")
		if err != nil {
			t.Fatal(err)
		}
		interesting := 0
		for _, s := range seeds {
			got := Entries[tg.Name](s)
			if via := Fuzz(append([]byte{byte(i)}, s...)); via != got {
				t.Errorf("%s: Fuzz dispatch gave %d, entry point %d", tg.Name, via, got)
			}
			interesting += got
		}
		if interesting == 0 {
			t.Errorf("%s: no seed reported as interesting", tg.Name)
		}
	}
}

func TestBrokenPropertyPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a broken property did not panic")
		}
	}()
	run(&targets.Target{Name: "FuzzBroken", Check: func([]byte) (targets.Outcome, error) {
		return targets.Rejected, &targets.PropertyError{Target: "FuzzBroken", Property: "p"}
	}}, nil)
}
