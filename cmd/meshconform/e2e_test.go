package main

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/reports/diff"
)

// TestRunKnobDiff is issue 9's end-to-end: the suite against the clean embedded portal and
// against one knob writes every report format, and the diff of the two runs names exactly the
// checks the knob breaks.
func TestRunKnobDiff(t *testing.T) {
	if testing.Short() {
		t.Skip("two full runs")
	}
	dir := t.TempDir()
	formats := "json,junit,sarif,html,ndjson,md"
	clean, knob := filepath.Join(dir, "clean"), filepath.Join(dir, "knob")
	if code := run([]string{"run", "--seed", "3", "--report-dir", clean, "--report", formats}); code != 0 {
		t.Fatalf("clean run exited %d, want 0", code)
	}
	if code := run([]string{"run", "--seed", "3", "--bug", "accept-unsigned-result", "--report-dir", knob, "--report", formats}); code != 1 {
		t.Fatalf("knob run exited %d, want 1", code)
	}
	for _, d := range []string{clean, knob} {
		for _, f := range []string{"run.json", "junit.xml", "results.sarif", "report.html", "events.ndjson", "report.md"} {
			if st, err := os.Stat(filepath.Join(d, f)); err != nil || st.Size() == 0 {
				t.Errorf("%s/%s missing or empty: %v", d, f, err)
			}
		}
	}
	rep := diff.Compare(readRunJSON(t, filepath.Join(clean, "run.json")), readRunJSON(t, filepath.Join(knob, "run.json")))
	var got []string
	for _, c := range rep.NewFailures {
		got = append(got, c.ID)
	}
	sort.Strings(got)
	want := []string{"connect.result-not-admin", "connect.unsigned-result"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("new failures (-want +got):\n%s", diff)
	}
	if code := run([]string{"diff", filepath.Join(clean, "run.json"), filepath.Join(knob, "run.json")}); code != 1 {
		t.Errorf("meshconform diff exited %d on a regression, want 1", code)
	}
}
