package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
)

const fixtureRunJSON = "../../reports/testdata/run.json"

func runReportCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	rootCmd.SetOut(&out)
	defer rootCmd.SetOut(nil)
	code := run(args)
	return code, out.String()
}

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.json")
	if err := os.WriteFile(garbage, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	baseline := filepath.Join(dir, "old.sarif")
	if code, _ := runReportCLI(t, "report", "--from", fixtureRunJSON, "--format", "sarif", "--out", baseline); code != exitOK {
		t.Fatalf("writing the baseline: exit %d", code)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"junit", []string{"report", "--from", fixtureRunJSON, "--format", "junit"}, exitOK, `<testsuites name="meshconform"`},
		{"sarif", []string{"report", "--from", fixtureRunJSON, "--format", "sarif"}, exitOK, `"version": "2.1.0"`},
		{"sarif baseline", []string{"report", "--from", fixtureRunJSON, "--format", "sarif", "--baseline", baseline}, exitOK, `"baselineState": "unchanged"`},
		{"html", []string{"report", "--from", fixtureRunJSON, "--format", "html"}, exitOK, "<!DOCTYPE html>"},
		{"ndjson", []string{"report", "--from", fixtureRunJSON, "--format", "ndjson"}, exitOK, `{"event":"run-started"`},
		{"md", []string{"report", "--from", fixtureRunJSON, "--format", "md"}, exitOK, "## meshconform: "},
		{"json", []string{"report", "--from", fixtureRunJSON, "--format", "json"}, exitOK, `"schemaVersion": 1`},
		{"no from", []string{"report", "--format", "junit"}, exitUsage, ""},
		{"no format", []string{"report", "--from", fixtureRunJSON}, exitUsage, ""},
		{"bad format", []string{"report", "--from", fixtureRunJSON, "--format", "pdf"}, exitUsage, ""},
		{"missing run", []string{"report", "--from", filepath.Join(dir, "nope.json"), "--format", "junit"}, exitUsage, ""},
		{"garbage run", []string{"report", "--from", garbage, "--format", "junit"}, exitUsage, ""},
		{"baseline not sarif", []string{"report", "--from", fixtureRunJSON, "--format", "junit", "--baseline", baseline}, exitUsage, ""},
		{"bad baseline", []string{"report", "--from", fixtureRunJSON, "--format", "sarif", "--baseline", garbage}, exitUsage, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runReportCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d", code, tc.code)
			}
			if !strings.Contains(out, tc.contains) {
				t.Errorf("output lacks %q", tc.contains)
			}
		})
	}
}

func writeRun(t *testing.T, dir, name string, edit func(*result.Run)) string {
	t.Helper()
	r := readRunJSON(t, fixtureRunJSON)
	edit(r)
	var buf bytes.Buffer
	if err := result.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func setOutcome(id string, o result.Outcome) func(*result.Run) {
	return func(r *result.Run) {
		for i := range r.Results {
			if r.Results[i].ID == id {
				r.Results[i].Outcome = o
			}
		}
	}
}

func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	clean := writeRun(t, dir, "clean.json", setOutcome("validate.invalid", result.Pass))
	knob := writeRun(t, dir, "knob.json", func(*result.Run) {})
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"regression", []string{"diff", clean, knob}, exitFailure,
			[]string{"new failures: 1\n", "  validate.invalid  pass -> fail\n", "unchanged: 10\n"}},
		{"fix", []string{"diff", knob, clean}, exitOK, []string{"new failures: 0\n", "fixed: 1\n"}},
		{"same", []string{"diff", knob, knob}, exitOK, []string{"unchanged: 11\n"}},
		{"json", []string{"diff", "--format", "json", clean, knob}, exitFailure, []string{`"newFailures": 1`}},
		{"bad format", []string{"diff", "--format", "xml", clean, knob}, exitUsage, nil},
		{"one arg", []string{"diff", clean}, exitUsage, nil},
		{"missing", []string{"diff", clean, filepath.Join(dir, "nope.json")}, exitUsage, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runReportCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, out)
			}
			for _, want := range tc.contains {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if tc.name == "json" {
				var doc map[string]any
				if err := json.Unmarshal([]byte(out), &doc); err != nil {
					t.Errorf("--format json output is not JSON: %v", err)
				}
			}
		})
	}
}
