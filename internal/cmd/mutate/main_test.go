package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/internal/mutate"
)

// The committed classification must read: every class one of the three, every entry explained.
func TestClassificationFileReads(t *testing.T) {
	c, err := readClassification(filepath.Join("testdata", "classified.json"))
	if err != nil {
		t.Fatal(err)
	}
	for id, k := range c.Mutants {
		if k.Why == "" || k.Line <= 0 {
			t.Errorf("%s: no why or no line", id)
		}
		if k.Kind == "gap" && k.Check == "" {
			t.Logf("%s: a gap no check closes yet", id)
		}
	}
}

func TestClassificationRefusesUnknownClass(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.json")
	b, _ := json.Marshal(Classification{Mutants: map[string]Class{"x": {Line: 1, Kind: "harmless", Why: "?"}}})
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readClassification(p); err == nil {
		t.Error("a class other than equivalent, unobservable or gap was accepted")
	}
}

// The score over non-equivalent mutants sets aside exactly the survivors classified equivalent
// or unobservable; a gap and an unclassified survivor both count against the suite.
func TestNonEquivalentScore(t *testing.T) {
	mk := func(file, was, verdict string) result {
		m := mutate.Mutant{File: file, Line: 1, Kind: mutate.SwapOperator, Was: was, With: "x", Func: "f"}
		return result{ID: m.ID(), Mutant: m.String(), Verdict: verdict, m: m}
	}
	rs := []result{
		mk("p/a.go", "1", "killed"), mk("p/a.go", "2", "killed"), mk("p/a.go", "3", "killed"),
		mk("p/a.go", "4", "survived"), // equivalent
		mk("p/a.go", "5", "survived"), // unobservable
		mk("p/a.go", "6", "survived"), // gap
		mk("p/a.go", "7", "survived"), // unclassified
		mk("p/a.go", "8", "unbuilt"),
	}
	cls := &Classification{Mutants: map[string]Class{
		rs[3].ID: {Line: 1, Kind: "equivalent", Why: "w"},
		rs[4].ID: {Line: 1, Kind: "unobservable", Why: "w"},
		rs[5].ID: {Line: 1, Kind: "gap", Why: "w"},
	}}
	var out strings.Builder
	report(&out, config{cls: cls}, rs)
	// 3 killed of 7 judged (43%); 2 set aside: 3 of 5 (60%); one survivor unclassified.
	want := "p                                         3        4       1    43%          2  60% (1 unclassified survivors counted as gaps)"
	if !strings.Contains(out.String(), want) {
		t.Errorf("package line missing; want %q in\n%s", want, out.String())
	}
	if !strings.Contains(out.String(), "UNCLASSIFIED "+rs[6].Mutant) {
		t.Errorf("the unclassified survivor is not listed:\n%s", out.String())
	}
}
