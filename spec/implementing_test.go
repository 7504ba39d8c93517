package spec

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/IMPLEMENTING.md from spec/")

// TestImplementingGuideIsCurrent fails when the committed guide differs from what spec/
// renders: regenerate with `go test ./spec -run ImplementingGuide -update` (or go generate).
func TestImplementingGuideIsCurrent(t *testing.T) {
	path := filepath.Join("..", ImplementingPath)
	want := MustLoad().ImplementingGuide()
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with go test ./spec -run ImplementingGuide -update)", err)
	}
	if !bytes.Equal(have, want) {
		t.Fatalf("%s is stale: go test ./spec -run ImplementingGuide -update", ImplementingPath)
	}
}

// TestImplementingGuideIsComplete: every note, structure and requirement of spec/ appears in
// the guide exactly once with its anchor, and every link inside the guide has a target, so
// that an addition to spec/ can never be left out of it.
func TestImplementingGuideIsComplete(t *testing.T) {
	s := MustLoad()
	g := string(s.ImplementingGuide())
	count := func(anchor string) int { return strings.Count(g, `<a id="`+anchor+`"></a>`) }
	for _, n := range s.Notes {
		if c := count(strings.ToLower(n.ID)); c != 1 {
			t.Errorf("note %s appears %d times", n.ID, c)
		}
		if !strings.Contains(g, prose(n.Decision)) {
			t.Errorf("note %s: its decision is not in the guide", n.ID)
		}
	}
	for _, st := range s.Schema.Structures {
		if c := count("s-" + strings.ToLower(st.Name)); c != 1 {
			t.Errorf("structure %s appears %d times", st.Name, c)
		}
	}
	for _, r := range s.Requirements {
		if c := count(strings.ToLower(r.ID)); c != 1 {
			t.Errorf("requirement %s appears %d times", r.ID, c)
		}
	}
	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`<a id="([^"]+)"></a>`).FindAllStringSubmatch(g, -1) {
		targets[m[1]] = true
	}
	for _, line := range strings.Split(g, "\n") {
		if strings.HasPrefix(line, "#") {
			targets[anchor(strings.TrimLeft(line, "# "))] = true
		}
	}
	for _, m := range regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(g, -1) {
		if !targets[m[1]] {
			t.Errorf("link to #%s has no target", m[1])
		}
	}
}

// TestImplementingGuideOrder: the guide reads in the order issue 18 asks for: wire format,
// Hello, authentication, each transaction, connection flow, log; and the structures the
// independent implementers had to dig out of JSON are in it with their decisions.
func TestImplementingGuideOrder(t *testing.T) {
	g := string(MustLoad().ImplementingGuide())
	at := func(s string) int {
		i := strings.Index(g, s)
		if i < 0 {
			t.Fatalf("the guide lacks %q", s)
		}
		return i
	}
	order := []string{"## 1. The wire format", "### Hello (draft 3.5)", "#### NOTE-AUTH\n", "### CreateAccount (draft 3.7)",
		"### Get (draft 3.9)", "#### NOTE-CONNECT-FLOW", "### ConnectStart (draft 3.12)", "#### NOTE-LOG\n", "### Transfer (draft 3.16)"}
	for i := 1; i < len(order); i++ {
		if at(order[i-1]) > at(order[i]) {
			t.Errorf("%q comes after %q", order[i-1], order[i])
		}
	}
	for _, s := range []string{`<a id="s-connectionchallenge">`, "| `Device` | [DareMessage]", "| `Entries` |", "The draft calls it DataItems", `<a id="s-logrecord">`, `{"CreateAccount": {`, `{"GetResponse": {`} {
		at(s)
	}
}
