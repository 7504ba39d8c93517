package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/reports/matrix"
)

func readMatrix(t *testing.T, dir string) *matrix.Matrix {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "matrix.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m matrix.Matrix
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// TestMatrixKnobAgainstReference is issue 20's test of the matrix: the embedded reference portal
// against itself with one knob on one side differs in exactly the checks that knob breaks (the
// conformance self-test's knobBreaks table says which, and checks it independently), and
// against itself without a knob differs nowhere. Every cell links to a check that is in the
// linked report.
// checkCellLinks requires every cell of a row to link to an anchor of its column's own report.
func checkCellLinks(t *testing.T, dir string, m *matrix.Matrix, r matrix.Row) {
	t.Helper()
	for i, c := range r.Cells {
		file, anchor, ok := strings.Cut(c.Link, "#")
		if !ok {
			t.Fatalf("%s on %s: no link (%q)", r.ID, m.Targets[i].Name, c.Link)
		}
		page, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(page), `id="`+anchor+`"`) {
			t.Errorf("%s links to %s, which has no such anchor", r.ID, c.Link)
		}
	}
}

func TestMatrixKnobAgainstReference(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite against embedded portals")
	}
	tests := []struct {
		knob, only string
		code       int
		differ     []string
	}{
		{"", "get.*", 0, nil},
		{"empty-get-lists-accounts", "get.*", 1, []string{"get.no-listing"}},
		{"accept-replayed-result", "connect.*", 1, []string{"connect.replayed-result"}},
	}
	for _, tc := range tests {
		t.Run(tc.knob, func(t *testing.T) {
			dir := t.TempDir()
			other := "knob=embedded"
			if tc.knob != "" {
				other += ":bug=" + tc.knob
			}
			code, out := runCLI(t, "", "matrix", "--portal", "ref=embedded", "--portal", other, "--only", tc.only,
				"--seed", "11", "-j", "2", "--report-dir", dir)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, out)
			}
			m := readMatrix(t, dir)
			if d := cmp.Diff(tc.differ, m.DifferingIDs()); d != "" {
				t.Errorf("differing checks (-want +got):\n%s", d)
			}
			if m.Seed != 11 || len(m.Rows) == 0 {
				t.Errorf("seed %d, %d rows: want seed 11 and the selected checks", m.Seed, len(m.Rows))
			}
			for _, f := range []string{"matrix.md", "matrix.html"} {
				if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
					t.Errorf("%s missing or empty: %v", f, err)
				}
			}
			for _, r := range m.Rows {
				checkCellLinks(t, dir, m, r)
			}
		})
	}
}

// TestMatrixUnreachablePortal: a portal that cannot be run makes the comparison incomplete (exit
// 2), and its column says not-run instead of passing; the matrix is written all the same.
func TestMatrixUnreachablePortal(t *testing.T) {
	dir := t.TempDir()
	// A stale run of the same name must not stand in for this one.
	if err := os.MkdirAll(filepath.Join(dir, "dead"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dead", "run.json"), []byte(`{"schemaVersion":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := runCLI(t, "", "matrix", "--portal", "ref=embedded", "--portal", "dead=http://127.0.0.1:1/",
		"--only", "wire.hello", "--seed", "3", "--report-dir", dir, "--report", "json", "--target-report", "junit")
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "ref", "junit.xml")); err != nil {
		t.Errorf("--target-report junit: %v", err)
	}
	m := readMatrix(t, dir)
	if len(m.Rows) != 1 || m.Rows[0].Cells[1].Outcome != matrix.NotRun || m.Targets[1].Problem == "" {
		t.Errorf("want one row whose dead cell is not-run with the problem given; got %+v", m)
	}
}

func TestMatrixUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"one portal", []string{"--portal", "a=embedded"}, "at least two"},
		{"no name", []string{"--portal", "embedded", "--portal", "b=embedded"}, "NAME=URL"},
		{"bad name", []string{"--portal", "a/b=embedded", "--portal", "b=embedded"}, "letters"},
		{"repeated name", []string{"--portal", "a=embedded", "--portal", "a=embedded:bug=omit-status"}, "twice"},
		{"unknown knob", []string{"--portal", "a=embedded", "--portal", "b=embedded:bug=no-such-knob"}, "no-such-knob"},
		{"neither bug nor allow", []string{"--portal", "a=embedded", "--portal", "b=embedded:omit-status"}, "neither"},
		{"host of no portal", []string{"--portal", "a=embedded", "--portal", "b=embedded", "--host", "c=x.example"}, "no --portal"},
		{"bad format", []string{"--portal", "a=embedded", "--portal", "b=embedded", "--report", "sarif"}, "sarif"},
		{"bad cross-check glob", []string{"--portal", "a=embedded", "--portal", "b=embedded", "--cross-check-skip", "["}, "--cross-check-skip"},
		{"bad target format", []string{"--portal", "a=embedded", "--portal", "b=embedded", "--target-report", "pdf"}, "pdf"},
		{"list", []string{"--portal", "a=embedded", "--portal", "b=embedded", "--list"}, "--list"},
		// run's own reading of its flags, once before any portal runs
		{"unknown check", []string{"--portal", "a=embedded", "--portal", "b=embedded", "--only", "no.such-check"}, "no.such-check"},
		{"bad level", []string{"--portal", "a=embedded", "--portal", "b=embedded", "--level", "OFTEN"}, "OFTEN"},
		{"bad shard", []string{"--portal", "a=embedded", "--portal", "b=embedded", "--shard", "5/4"}, "--shard"},
		{"missing expectations", []string{"--portal", "a=embedded", "--portal", "b=embedded", "--expect", "/nonexistent/expect.json"}, "--expect"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var errBuf strings.Builder
			rootCmd.SetErr(&errBuf)
			defer rootCmd.SetErr(nil)
			code, _ := runCLI(t, "", append([]string{"matrix", "--report-dir", dir}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errBuf.String(), tc.want) {
				t.Errorf("error %q does not mention %q", errBuf.String(), tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a usage error wrote %d files", len(entries))
			}
		})
	}
}

// TestMatrixCrossCheck: the cross-check lists structural disagreements, which are not failures.
// An allowance (a behaviour the documents permit) passes every check yet answers otherwise: the
// run exits 0 and the disagreements name only the checks whose requests meet the allowance
// (empty-window-404: a Get whose time window excludes every entry, get.time-window's).
func TestMatrixCrossCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite against embedded portals")
	}
	tests := []struct {
		other, only string
		code        int
		checks      []string // the checks with disagreements, sorted, repeats dropped
	}{
		{"knob=embedded", "get.*", 0, nil},
		{"knob=embedded:allow=empty-window-404", "get.*", 0, []string{"get.time-window"}},
		{"knob=embedded:bug=empty-get-lists-accounts", "get.*", 1, []string{"get.no-listing"}},
	}
	for _, tc := range tests {
		t.Run(tc.other, func(t *testing.T) {
			dir := t.TempDir()
			code, out := runCLI(t, "", "matrix", "--portal", "ref=embedded", "--portal", tc.other, "--only", tc.only,
				"--seed", "11", "-j", "2", "--report-dir", dir)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, out)
			}
			m := readMatrix(t, dir)
			var got []string
			for _, d := range m.Disagreements {
				if len(got) == 0 || got[len(got)-1] != d.Check {
					got = append(got, d.Check)
				}
				if d.BaselineExchange == "" || d.TargetExchange == "" || len(d.What) == 0 {
					t.Errorf("disagreement %+v lacks an exchange or what differs", d)
				}
			}
			if d := cmp.Diff(tc.checks, got); d != "" {
				t.Errorf("checks with disagreements (-want +got):\n%s", d)
			}
		})
	}
}
