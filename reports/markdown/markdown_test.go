package markdown

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/internal/reporttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func render(t *testing.T, run *result.Run, opts Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, run, opts); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	got := render(t, reporttest.Fixture(t), Options{})
	reporttest.Golden(t, "golden.md", []byte(got), *update)
}

func TestContent(t *testing.T) {
	run := reporttest.Fixture(t)
	md := render(t, run, Options{})
	for _, want := range []string{"## meshconform: ❌ failed", "| ❌ fail | 1 |", "| ✅ pass | 3 |",
		"`validate.invalid`", "#section-3.6.2", "```diff\n", "Reproduce:\n\n```sh\nmeshconform replay"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	// A passing check gets no row of its own.
	if strings.Contains(md, "`publish.device-wrong-signer`") {
		t.Error("passing check listed among problems")
	}
	clean := &result.Run{Results: []result.CheckResult{{ID: "a", Outcome: result.Pass}}}
	if md := render(t, clean, Options{}); !strings.Contains(md, "✅ passed") || !strings.Contains(md, "No failures") {
		t.Errorf("clean run:\n%s", md)
	}
}

func TestHostileText(t *testing.T) {
	run := &result.Run{Results: []result.CheckResult{{ID: "x", Section: "3", Outcome: result.Fail, Title: "t|<img src=x>",
		Finding: &result.Finding{Message: "a|b\n<script>", Diff: "```\n- a\n+ b"}}}}
	md := render(t, run, Options{})
	if strings.Contains(md, "<img") || strings.Contains(md, "<script>") {
		t.Errorf("raw HTML reached the comment:\n%s", md)
	}
	if !strings.Contains(md, `a\|b<br>&lt;script&gt;`) {
		t.Errorf("table cell not escaped:\n%s", md)
	}
	if !strings.Contains(md, "````diff\n```\n- a\n+ b\n````") {
		t.Errorf("fence not longer than the content's backticks:\n%s", md)
	}
}

func TestMaxDetails(t *testing.T) {
	var rs []result.CheckResult
	for _, id := range []string{"a", "b", "c"} {
		rs = append(rs, result.CheckResult{ID: id, Outcome: result.Fail})
	}
	md := render(t, &result.Run{Results: rs}, Options{MaxDetails: 2})
	if n := strings.Count(md, "<details>"); n != 2 {
		t.Errorf("%d details blocks, want 2", n)
	}
	if !strings.Contains(md, "1 more problems") {
		t.Error("no note of the problems left out")
	}
}
