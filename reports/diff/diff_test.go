package diff

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
)

func runOf(strict bool, pairs ...string) *result.Run {
	r := &result.Run{Config: result.ConfigSummary{Strict: strict}}
	for i := 0; i < len(pairs); i += 2 {
		r.Results = append(r.Results, result.CheckResult{ID: pairs[i], Outcome: result.Outcome(pairs[i+1])})
	}
	return r
}

func TestCompare(t *testing.T) {
	old := runOf(false,
		"a.pass-to-fail", "pass", "b.fail-to-pass", "fail", "c.same", "pass", "d.pass-to-skip", "pass",
		"e.fail-to-error", "fail", "f.removed-fail", "fail", "g.warn", "warn", "h.xfail-to-xpass", "xfail",
		"i.removed-pass", "pass", "j.error-to-skip", "error")
	nw := runOf(false,
		"a.pass-to-fail", "fail", "b.fail-to-pass", "pass", "c.same", "pass", "d.pass-to-skip", "skip",
		"e.fail-to-error", "error", "g.warn", "warn", "h.xfail-to-xpass", "xpass", "k.added-fail", "fail",
		"l.added-pass", "pass", "j.error-to-skip", "skip")
	got := Compare(old, nw)
	want := &Report{
		NewFailures: []Change{{"a.pass-to-fail", "pass", "fail"}, {"h.xfail-to-xpass", "xfail", "xpass"}, {"k.added-fail", "", "fail"}},
		Fixed:       []Change{{"b.fail-to-pass", "fail", "pass"}, {"j.error-to-skip", "error", "skip"}},
		Changed: []Change{{"d.pass-to-skip", "pass", "skip"}, {"e.fail-to-error", "fail", "error"},
			{"f.removed-fail", "fail", ""}, {"i.removed-pass", "pass", ""}, {"l.added-pass", "", "pass"}},
		Unchanged: []string{"c.same", "g.warn"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Compare (-want +got):\n%s", d)
	}
	if !got.Regressed() {
		t.Error("new failures must regress")
	}
}

func TestStrictUsesNewRun(t *testing.T) {
	tests := []struct {
		name       string
		oldO, newO string
		strict     bool
		regressed  bool
	}{
		{"warn appears, not strict", "pass", "warn", false, false},
		{"warn appears, strict", "pass", "warn", true, true},
		{"warn stays, strict", "warn", "warn", true, false},
		{"fixed only", "fail", "pass", false, false},
		{"old run did not run it", "", "fail", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Compare(runOf(false, "x", tt.oldO), runOf(tt.strict, "x", tt.newO))
			if rep.Regressed() != tt.regressed {
				t.Errorf("regressed=%v, want %v: %+v", rep.Regressed(), tt.regressed, rep)
			}
		})
	}
}

func TestWriters(t *testing.T) {
	rep := Compare(runOf(false, "a", "pass", "b", "fail"), runOf(false, "a", "fail", "b", "pass"))
	var txt bytes.Buffer
	if err := rep.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"new failures: 1\n", "fixed: 1\n", "changed: 0\n", "unchanged: 0\n", "  a  pass -> fail\n", "  b  fail -> pass\n"} {
		if !strings.Contains(txt.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, txt.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Counts      map[string]int `json:"counts"`
		NewFailures []Change       `json:"newFailures"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Counts["newFailures"] != 1 || doc.Counts["fixed"] != 1 || doc.NewFailures[0].ID != "a" {
		t.Errorf("json %s", js.String())
	}
}
