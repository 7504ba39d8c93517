package terminal

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/harness/result/resulttest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, d)
	}
}

func TestSummaryGolden(t *testing.T) {
	clean := resulttest.Sample()
	clean.Condition, clean.ConditionDetail, clean.TargetDiedAt, clean.ProbeAfter, clean.Warnings = "", "", nil, nil, nil
	var kept []result.CheckResult
	for _, r := range clean.Results {
		if r.Outcome == result.Pass || r.Outcome == result.Warn || r.Outcome == result.Skip || r.Outcome == result.Info {
			kept = append(kept, r)
		}
	}
	clean.Results = kept
	clean.Summary = result.Summarize(kept)
	strict := *clean
	strict.Config.Strict = true

	unreachable := &result.Run{
		Tool: result.Tool{Version: "0.1.0-test"}, Mode: result.ModeRun, Target: "https://down.example/.well-known/mmm/", Seed: 9,
		Condition: result.ConditionTargetUnreachable, ConditionDetail: "target unreachable: the probe before the first check failed: refused",
		Summary: result.Summarize(nil),
	}
	list := resulttest.Sample()
	list.Mode = result.ModeList

	tests := []struct {
		name string
		run  *result.Run
	}{
		{"summary-sample.golden", resulttest.Sample()},
		{"summary-clean.golden", clean},
		{"summary-strict.golden", &strict},
		{"summary-unreachable.golden", unreachable},
		{"summary-list.golden", list},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Summary(&buf, tc.run, Options{}); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, buf.Bytes())
		})
	}
}

func TestScalarFindingWithoutDiff(t *testing.T) {
	run := &result.Run{Mode: result.ModeRun, Seed: 1, Results: []result.CheckResult{{
		ID: "wire.mirror", Title: "t", Level: "MUST", Category: "deviation", Outcome: result.Fail,
		Finding: &result.Finding{Message: "m", Expected: []byte(`"HTTP 404"`), Observed: []byte(`"HTTP 200"`), Diff: "string(\n- ...\n)"},
	}}}
	run.Summary = result.Summarize(run.Results)
	var buf bytes.Buffer
	if err := Summary(&buf, run, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, `expected: "HTTP 404"`) || !strings.Contains(out, `observed: "HTTP 200"`) || strings.Contains(out, "diff (") {
		t.Errorf("two scalars are shown side by side, not diffed:\n%s", out)
	}
}

func TestSummaryReviewItemsCounted(t *testing.T) {
	run := &result.Run{Mode: result.ModeRun, Seed: 1}
	for _, id := range []string{"review.a", "review.b"} {
		run.Results = append(run.Results, result.CheckResult{ID: id, Category: "review", Outcome: result.Info, Notes: []string{"review item"}})
	}
	run.Results = append(run.Results, result.CheckResult{ID: "wire.probe", Category: "probe", Outcome: result.Info, Notes: []string{"accepts X"}})
	run.Summary = result.Summarize(run.Results)
	var buf bytes.Buffer
	if err := Summary(&buf, run, Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "2 requirements can only be verified by review") || strings.Contains(out, "review.a") {
		t.Errorf("review items must be counted, not listed:\n%s", out)
	}
	if !strings.Contains(out, "wire.probe: accepts X") {
		t.Errorf("probe observations must be listed:\n%s", out)
	}
}

// TestSummaryContent pins what the summary must say, independent of layout.
func TestSummaryContent(t *testing.T) {
	var buf bytes.Buffer
	if err := Summary(&buf, resulttest.Sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.Contains(lines[0], "seed 42") || !strings.Contains(lines[len(lines)-1], "seed 42") {
		t.Errorf("seed must be first and last:\n%s", out)
	}
	for _, want := range []string{
		"FAIL validate.status",
		`requirement MESH-3.2-2 (section 3.2, MUST): "The payload Status MUST be authoritative."`,
		`"Status": float64(201)`,
		"reproduce: meshconform replay validate.status --portal https://portal.example/.well-known/mmm/ --seed 42",
		"exchange 0: POST https://portal.example/.well-known/mmm/ -> 200",
		"XPASS delete.profile-kept",
		"ERROR limits.body-size",
		"goroutine 7",
		"TARGET DIED",
		"connect.after-death: no answer: refused",
		"1 disabled, not-implemented",
		"2 expected to fail",
		"FAIL (exit 1)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	if strings.Index(out, "FAIL validate.status") > strings.Index(out, "WARN validate.invalid-characters") {
		t.Error("failures must come before warnings")
	}
	if strings.Contains(out, "FAIL connect.after-death: ") {
		t.Error("a result after the target died must not be listed as an independent failure")
	}
}

func events(run *result.Run) []result.Event {
	evs := []result.Event{{Kind: result.RunStarted, Seed: run.Seed, Total: len(run.Results)}}
	for i := range run.Results {
		r := run.Results[i]
		evs = append(evs,
			result.Event{Kind: result.CheckStarted, CheckID: r.ID, Total: len(run.Results), Done: i},
			result.Event{Kind: result.CheckFinished, CheckID: r.ID, Total: len(run.Results), Done: i + 1, Result: &r})
	}
	return append(evs, result.Event{Kind: result.RunFinished, Run: run})
}

func TestProgressGolden(t *testing.T) {
	for _, tty := range []bool{false, true} {
		var buf bytes.Buffer
		p := NewProgress(&buf, tty)
		for _, ev := range events(resulttest.Sample()) {
			p.Event(ev)
		}
		name := "progress-plain.golden"
		if tty {
			name = "progress-tty.golden"
		}
		golden(t, name, buf.Bytes())
		out := buf.String()
		if tty {
			if !strings.HasSuffix(out, "\r\x1b[K") {
				t.Error("the status line must be cleared at the end")
			}
		} else if strings.Contains(out, "\r") || strings.Contains(out, "\x1b") {
			t.Error("no control characters when not a TTY")
		}
		if !strings.HasPrefix(out, "meshconform: seed 42,") {
			t.Errorf("seed first: %q", out[:40])
		}
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file is not a terminal")
	}
	if IsTerminal(nil) {
		t.Error("nil is not a terminal")
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"a\n  b", 10, "a b"},
		{"abcdef", 3, "abc..."},
		{"aé", 2, "a..."}, // é is two bytes: never split
	}
	for _, tc := range tests {
		if got := oneLine(tc.in, tc.max); got != tc.want {
			t.Errorf("oneLine(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

// TestResentExchangeMarked: an exchange sent a second time is marked [resent] in the summary.
func TestResentExchangeMarked(t *testing.T) {
	for _, resent := range []bool{false, true} {
		run := &result.Run{Mode: result.ModeRun, Seed: 1, Results: []result.CheckResult{{
			ID: "get.basic", Title: "t", Level: "MUST", Category: "deviation", Outcome: result.Fail,
			Finding:   &result.Finding{Message: "m"},
			Exchanges: []result.Exchange{{Request: result.Request{Method: "POST", URL: "http://p/"}, Response: &result.Response{Status: 200}, Resent: resent}},
		}}}
		run.Summary = result.Summarize(run.Results)
		var buf bytes.Buffer
		if err := Summary(&buf, run, Options{}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(buf.String(), "-> 200 [resent]"); got != resent {
			t.Errorf("resent %v: marked %v:\n%s", resent, got, buf.String())
		}
	}
}
