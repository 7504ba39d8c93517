package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/meshconform/meshconform/conformance"
	"github.com/meshconform/meshconform/spec"
)

var updateDocs = flag.Bool("update", false, "regenerate docs/checks.md")

// TestChecksDocIsCurrent keeps the checked-in user documentation of the checks current.
func TestChecksDocIsCurrent(t *testing.T) {
	var buf bytes.Buffer
	if err := writeChecksMarkdown(&buf, conformance.All(conformance.Env{Domain: "portal.example"}), spec.MustLoad()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "checks.md")
	if *updateDocs {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with go test ./cmd/meshconform -run ChecksDoc -update)", err)
	}
	if !bytes.Equal(have, buf.Bytes()) {
		t.Fatal("docs/checks.md is stale: go test ./cmd/meshconform -run ChecksDoc -update")
	}
}
