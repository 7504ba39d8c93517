package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecLintExitCodes runs the subcommand as a user would and checks the exit code contract:
// 0 whenever it ran (the real draft has findings), 2 when the input cannot be read or used.
func TestSpecLintExitCodes(t *testing.T) {
	notDraft := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notDraft, []byte("just some prose\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"built-in draft", []string{"spec", "lint", "--format", "text"}, exitOK, "2.6.5     truncated-sentence"},
		{"explicit file", []string{"spec", "lint", "--format", "text", "../../spec/lint/testdata/synthetic.txt"}, exitOK, "5.1       body-missing-section"},
		{"json", []string{"spec", "lint", "--format", "json"}, exitOK, `"kind": "undefined-type"`},
		{"missing file", []string{"spec", "lint", "--format", "text", "/nonexistent/draft.txt"}, exitUsage, ""},
		{"not a draft", []string{"spec", "lint", "--format", "text", notDraft}, exitUsage, ""},
		{"bad format", []string{"spec", "lint", "--format", "xml"}, exitUsage, ""},
		{"two files", []string{"spec", "lint", "--format", "text", "a", "b"}, exitUsage, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			rootCmd.SetOut(&out)
			defer rootCmd.SetOut(nil)
			if code := run(tc.args); code != tc.code {
				t.Fatalf("exit code %d, want %d (output %q)", code, tc.code, out.String())
			}
			if !strings.Contains(out.String(), tc.contains) {
				t.Errorf("output lacks %q", tc.contains)
			}
		})
	}
}

func TestSpecLintJSONIsOneDocument(t *testing.T) {
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	defer rootCmd.SetOut(nil)
	if code := run([]string{"spec", "lint", "--format", "json"}); code != exitOK {
		t.Fatalf("exit code %d", code)
	}
	var doc struct {
		Count    int               `json:"count"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Count == 0 || doc.Count != len(doc.Findings) {
		t.Errorf("count %d, %d findings", doc.Count, len(doc.Findings))
	}
}
