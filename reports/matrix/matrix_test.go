package matrix

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
)

var update = flag.Bool("update", false, "rewrite golden files")

// res is a check result with an outcome and, when not a pass, a finding.
func res(id string, o result.Outcome, msg string) result.CheckResult {
	r := result.CheckResult{ID: id, Title: "title of " + id, Section: "3.2", Level: "MUST", Outcome: o}
	if msg != "" {
		r.Finding = &result.Finding{Message: msg}
	}
	return r
}

func runOf(url string, results ...result.CheckResult) *result.Run {
	return &result.Run{Mode: result.ModeRun, Target: url, Seed: 7, Results: results}
}

func TestBuild(t *testing.T) {
	clean := runOf("http://a/", res("wire.a", result.Pass, ""), res("wire.b", result.Pass, ""), res("wire.c", result.Pass, ""))
	broken := runOf("http://b/", res("wire.c", result.Pass, ""), res("wire.b", result.Fail, "no Status"), res("wire.a", result.Pass, ""))
	warned := runOf("http://c/", res("wire.a", result.Warn, "late"), res("wire.b", result.Pass, ""), res("wire.c", result.Pass, ""))
	partial := runOf("http://d/", res("wire.a", result.Pass, ""), res("wire.c", result.Pass, ""))
	tests := []struct {
		name         string
		targets      []Target
		wantRows     []string // row order
		wantDiffer   []string
		wantExitCode int
	}{
		{"identical", []Target{{Name: "x", Run: clean}, {Name: "y", Run: clean}},
			[]string{"wire.a", "wire.b", "wire.c"}, nil, 0},
		{"one failure comes first", []Target{{Name: "x", Run: clean}, {Name: "y", Run: broken}},
			[]string{"wire.b", "wire.a", "wire.c"}, []string{"wire.b"}, 1},
		{"a warning differs from a pass but does not fail", []Target{{Name: "x", Run: clean}, {Name: "y", Run: warned}},
			[]string{"wire.a", "wire.b", "wire.c"}, []string{"wire.a"}, 0},
		{"three targets", []Target{{Name: "x", Run: clean}, {Name: "y", Run: broken}, {Name: "z", Run: warned}},
			[]string{"wire.a", "wire.b", "wire.c"}, []string{"wire.a", "wire.b"}, 1},
		{"a check one target did not select", []Target{{Name: "x", Run: clean}, {Name: "y", Run: partial}},
			[]string{"wire.b", "wire.a", "wire.c"}, []string{"wire.b"}, 0},
		{"a target that did not run is incomplete, never a pass", []Target{{Name: "x", Run: clean}, {Name: "y", Problem: "pre-flight failed"}},
			[]string{"wire.a", "wire.b", "wire.c"}, []string{"wire.a", "wire.b", "wire.c"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Build(tc.targets, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, r := range m.Rows {
				rows = append(rows, r.ID)
				if len(r.Cells) != len(tc.targets) {
					t.Errorf("row %s has %d cells, want %d", r.ID, len(r.Cells), len(tc.targets))
				}
			}
			if d := cmp.Diff(tc.wantRows, rows); d != "" {
				t.Errorf("rows (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.wantDiffer, m.DifferingIDs()); d != "" {
				t.Errorf("differing (-want +got):\n%s", d)
			}
			if m.Differing != len(tc.wantDiffer) {
				t.Errorf("Differing = %d, want %d", m.Differing, len(tc.wantDiffer))
			}
			if got := m.ExitCode(); got != tc.wantExitCode {
				t.Errorf("ExitCode = %d, want %d", got, tc.wantExitCode)
			}
		})
	}
}

func TestBuildRefuses(t *testing.T) {
	for name, targets := range map[string][]Target{
		"none":     nil,
		"no name":  {{Run: runOf("u")}},
		"repeated": {{Name: "a", Run: runOf("u")}, {Name: "a", Run: runOf("v")}},
	} {
		if _, err := Build(targets, Options{}); err == nil {
			t.Errorf("%s: Build accepted it", name)
		}
	}
	if _, err := Build([]Target{{Name: "a", Run: runOf("u")}}, Options{CrossCheckSkip: []string{"["}}); err == nil {
		t.Error("Build accepted a malformed glob")
	}
}

func TestCellLinksToTheTargetsReport(t *testing.T) {
	m, err := Build([]Target{
		{Name: "x", Run: runOf("u", res("wire.b", result.Fail, "boom")), Report: "x/report.html"},
		{Name: "y", Run: runOf("v", res("wire.b", result.Pass, "")), Report: "y/report.html"},
	}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := m.Rows[0].Cells
	if c[0].Link != "x/report.html#problem-wire.b" || c[0].Message != "boom" {
		t.Errorf("cell x = %+v, want a link to the finding, x/report.html#problem-wire.b, and its message", c[0])
	}
	if c[1].Link != "y/report.html#check-wire.b" || c[1].Message != "" {
		t.Errorf("cell y = %+v, want a link to y/report.html#check-wire.b and no message (a pass)", c[1])
	}
}

// hostile is a matrix whose portal-provided text tries to break out of a table cell and inject
// markup.
func hostile(t *testing.T) *Matrix {
	msg := "a | b <script>alert(1)</script> *bold* [x](javascript:1)\nnext"
	// wire.b passes on both, but its answers disagree, carrying the same text, and backticks to
	// break a code fence.
	refB, otherB := res("wire.b", result.Pass, ""), res("wire.b", result.Pass, "")
	refB.Exchanges = []result.Exchange{ex(`{"Get":{}}`, 200, "{\"GetResponse\":{\"Status\":201,\"Note\":\"```\"}}")}
	otherB.Exchanges = []result.Exchange{ex(`{"Get":{}}`, 400, "{\"GetResponse\":{\"Status\":400,\"StatusDescription\":\""+msg+"\"}}")}
	m, err := Build([]Target{
		{Name: "ref", Run: runOf("http://ref/", res("wire.a", result.Pass, ""), refB), Report: "ref/report.html"},
		{Name: "other", Run: runOf("http://other/", res("wire.a", result.Fail, msg), otherB), Report: "other/report.html"},
	}, Options{CrossCheckSkip: []string{"abuse.*"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Disagreements) != 1 || m.Rows[1].Disagreements != 1 {
		t.Fatalf("the fixture should hold one disagreement, on wire.b: %+v", m.Disagreements)
	}
	return m
}

func TestEscaping(t *testing.T) {
	m := hostile(t)
	var md, html bytes.Buffer
	if err := WriteMarkdown(&md, m); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, m); err != nil {
		t.Fatal(err)
	}
	// The table escapes; the disagreements quote the exchanges in a code fence that no backtick run
	// of theirs can close.
	table, quoted, _ := strings.Cut(md.String(), "## Disagreements")
	if !strings.Contains(quoted, "````\nref: ") {
		t.Errorf("the exchanges are not fenced longer than their own backtick runs:\n%s", quoted)
	}
	for _, bad := range []string{"<script>", "a | b", "[x](javascript"} {
		if strings.Contains(table, bad) {
			t.Errorf("markdown holds %q unescaped", bad)
		}
	}
	if strings.Contains(html.String(), "<script>") {
		t.Error("html holds <script> unescaped")
	}
	// Every row of the checks' table has as many cells as its header: nothing split a cell.
	_, grid, _ := strings.Cut(table, "| Check |")
	grid = "| Check |" + grid
	want := strings.Count(strings.SplitN(grid, "\n", 2)[0], "|")
	for _, line := range strings.Split(grid, "\n") {
		if strings.HasPrefix(line, "| ") {
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != want {
				t.Errorf("row %q has %d cell separators, want %d", line, n, want)
			}
		}
	}
}

func TestGolden(t *testing.T) {
	golden(t, "golden.", hostile(t))
}

// golden compares m in every format with testdata/PREFIX<file name>.
func golden(t *testing.T, prefix string, m *Matrix) {
	t.Helper()
	for _, f := range formats {
		t.Run(f.Name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.Write(&buf, m); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", prefix+f.FileName)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if d := cmp.Diff(string(want), buf.String()); d != "" {
				t.Errorf("%s differs from %s (-want +got):\n%s", f.Name, path, d)
			}
		})
	}
}

func TestJSONRoundTrips(t *testing.T) {
	m := hostile(t)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, m); err != nil {
		t.Fatal(err)
	}
	var back Matrix
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(*m, back); d != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", d)
	}
}

func TestParseList(t *testing.T) {
	got, err := ParseList("html, markdown,json,md")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range got {
		names = append(names, f.Name)
	}
	if d := cmp.Diff([]string{"html", "md", "json"}, names); d != "" {
		t.Errorf("formats (-want +got):\n%s", d)
	}
	for _, bad := range []string{"", " , ", "sarif"} {
		if _, err := ParseList(bad); err == nil {
			t.Errorf("ParseList(%q) accepted it", bad)
		}
	}
}
