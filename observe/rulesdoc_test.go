package observe_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/observe"
	"github.com/meshconform/meshconform/spec"
)

// TestRulesDoc keeps docs/observe-rules.md the list of the judge's rules, generated from
// observe.Rules and the catalog (go test ./observe -run RulesDoc -update).
func TestRulesDoc(t *testing.T) {
	sp := spec.MustLoad()
	var b bytes.Buffer
	b.WriteString("# The rules of `meshconform proxy` and `meshconform trace`\n\n")
	b.WriteString("Generated from observe.Rules by `go test ./observe -run RulesDoc -update`; docs/PROXY.md says how they are applied.\n")
	b.WriteString("A rule is broken by the side it names; its outcome is the requirement's level (MUST: fail, SHOULD: warn).\n\n")
	b.WriteString("| Rule | Side | Requirement | Level | What it checks |\n|---|---|---|---|---|\n")
	for _, r := range observe.Rules {
		req, ok := sp.Requirement(r.Requirement)
		if !ok {
			t.Errorf("%s: unknown requirement %s", r.ID, r.Requirement)
			continue
		}
		level := r.Level
		if level == "" {
			level = req.Level
		}
		if !strings.HasPrefix(r.ID, "observe."+string(r.Side)+".") {
			t.Errorf("%s: the ID does not name its side %s", r.ID, r.Side)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s (%s) | %s | %s. %s |\n", r.ID, r.Side, r.Requirement, req.Section, level, r.Title,
			strings.ReplaceAll(r.Doc, "|", "\\|"))
	}
	path := filepath.Join("..", "docs", "observe-rules.md")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Errorf("%s is stale: go test ./observe -run RulesDoc -update", path)
	}
}
