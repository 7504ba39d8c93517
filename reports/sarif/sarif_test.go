package sarif

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/internal/reporttest"
	"github.com/meshconform/meshconform/reports/render/reportkit"
)

var update = flag.Bool("update", false, "rewrite golden files")

func render(t *testing.T, run *result.Run, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, run, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat() // uri and date-time formats are part of what consumers check
	sch, err := c.Compile(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatalf("compile SARIF schema: %v", err)
	}
	return sch
}

func validate(t *testing.T, sch *jsonschema.Schema, data []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Fatalf("output does not validate against SARIF 2.1.0: %v", err)
	}
}

func decode(t *testing.T, data []byte) *Log {
	t.Helper()
	log, err := ReadBaseline(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func TestGolden(t *testing.T) {
	got := render(t, reporttest.Fixture(t), Options{})
	reporttest.Golden(t, "golden.sarif", got, *update)
}

func TestValidatesAgainstSchema(t *testing.T) {
	sch := compileSchema(t)
	fixture := reporttest.Fixture(t)
	baseline := decode(t, render(t, fixture, Options{}))
	tests := []struct {
		name string
		edit func(*result.Run)
		opts Options
	}{
		{"fixture", func(*result.Run) {}, Options{}},
		{"strict", func(r *result.Run) { r.Config.Strict = true }, Options{}},
		{"baseline", func(r *result.Run) { r.Results = r.Results[1:] }, Options{Baseline: baseline}},
		{"target-died", func(r *result.Run) { r.Condition = result.ConditionTargetDied }, Options{}},
		{"empty", func(r *result.Run) { r.Results = nil; r.Condition = result.ConditionNoChecks }, Options{}},
		{"no requirement", func(r *result.Run) { r.Results[0].Requirement = nil }, Options{ArtifactURI: "meshconform.expect"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := *fixture
			r.Results = append([]result.CheckResult(nil), fixture.Results...)
			tt.edit(&r)
			validate(t, sch, render(t, &r, tt.opts))
		})
	}
}

// TestSchemaRejectsBrokenLog proves the validation is live: a log with a level SARIF does not
// define must fail.
func TestSchemaRejectsBrokenLog(t *testing.T) {
	sch := compileSchema(t)
	data := render(t, reporttest.Fixture(t), Options{})
	broken := bytes.Replace(data, []byte(`"level": "error"`), []byte(`"level": "fatal"`), 1)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(broken))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err == nil {
		t.Fatal("schema accepted level \"fatal\"")
	}
}

func TestKindAndLevel(t *testing.T) {
	tests := []struct {
		outcome     result.Outcome
		strict      bool
		kind, level string
	}{
		{result.Fail, false, "fail", "error"},
		{result.Warn, false, "fail", "warning"},
		{result.Warn, true, "fail", "error"},
		{result.Info, false, "fail", "note"},
		{result.Pass, false, "pass", "none"},
		{result.Skip, false, "notApplicable", "none"},
		{result.Unimplemented, false, "notApplicable", "none"},
		{result.XPass, false, "fail", "error"},
		{result.XFail, false, "fail", "error"},
		{result.Error, false, "review", "none"},
		{"unknown", false, "review", "none"},
	}
	for _, tt := range tests {
		kind, level := levelFor(tt.outcome, tt.strict)
		if kind != tt.kind || level != tt.level {
			t.Errorf("%s strict=%v: (%s, %s), want (%s, %s)", tt.outcome, tt.strict, kind, level, tt.kind, tt.level)
		}
		// SARIF 3.27.10: a level other than none only with kind fail.
		if kind != "fail" && level != "none" {
			t.Errorf("%s: kind %s with level %s is not allowed", tt.outcome, kind, level)
		}
	}
}

func TestRulesAndResults(t *testing.T) {
	run := reporttest.Fixture(t)
	log := Build(run, Options{})
	sr := log.Runs[0]
	rules := map[string]Rule{}
	for i, r := range sr.Tool.Driver.Rules {
		if _, dup := rules[r.ID]; dup {
			t.Errorf("rule %s listed twice", r.ID)
		}
		rules[r.ID] = r
		_ = i
	}
	if len(sr.Results) != len(run.Results) {
		t.Fatalf("%d results, want %d", len(sr.Results), len(run.Results))
	}
	for i, res := range sr.Results {
		cr := run.Results[i]
		rule, ok := rules[res.RuleID]
		if !ok || sr.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("%s: ruleId %s / ruleIndex %d do not name a rule", cr.ID, res.RuleID, res.RuleIndex)
			continue
		}
		if res.RuleID != cr.Requirement.ID {
			t.Errorf("%s: ruleId %s, want the requirement %s", cr.ID, res.RuleID, cr.Requirement.ID)
		}
		if !strings.Contains(rule.ShortDescription.Text, cr.Requirement.Text) {
			t.Errorf("%s: shortDescription %q does not quote %q", cr.ID, rule.ShortDescription.Text, cr.Requirement.Text)
		}
		if want := reportkit.HelpURI(cr.Requirement.Section); rule.HelpURI != want {
			t.Errorf("%s: helpUri %s, want %s", cr.ID, rule.HelpURI, want)
		}
		if rule.Properties.Level != cr.Requirement.Level || rule.Properties.Section != cr.Requirement.Section {
			t.Errorf("%s: rule properties %+v", cr.ID, rule.Properties)
		}
		if got := res.PartialFingerprints[FingerprintKey]; got != cr.ID {
			t.Errorf("%s: fingerprint %q", cr.ID, got)
		}
		ll := res.Locations[0].LogicalLocations[0]
		if ll.Name != cr.Section || ll.Kind != "section" {
			t.Errorf("%s: logical location %+v", cr.ID, ll)
		}
		if f := cr.Finding; f != nil && len(f.Expected) > 0 {
			if !strings.Contains(res.Message.Text, "Expected: "+string(f.Expected)) ||
				!strings.Contains(res.Message.Text, "Observed: "+string(f.Observed)) {
				t.Errorf("%s: message lacks expected/observed: %s", cr.ID, res.Message.Text)
			}
		}
	}
	if !sr.Invocations[0].ExecutionSuccessful == (run.Summary.Outcomes[result.Error] == 0) {
		t.Errorf("executionSuccessful=%v with %d harness errors", sr.Invocations[0].ExecutionSuccessful, run.Summary.Outcomes[result.Error])
	}
}

func TestSuppressions(t *testing.T) {
	log := Build(reporttest.Fixture(t), Options{})
	got := map[string]string{}
	for _, r := range log.Runs[0].Results {
		for _, s := range r.Suppressions {
			if s.Kind != "external" {
				t.Errorf("%s: suppression kind %q", r.Properties.CheckID, s.Kind)
			}
			got[r.Properties.CheckID] = s.Justification
		}
	}
	want := map[string]string{
		"connect.unsigned-result": "disabled by the expectations file (environment): needs a second device",
		"publish.before-create":   "expected failure: known bug #12: publish creates the account implicitly",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("suppressions (-want +got):\n%s", d)
	}
}

func TestBaselineState(t *testing.T) {
	oldRun := reporttest.Fixture(t)
	newRun := reporttest.Fixture(t)
	// In the old run: validate.invalid passed (now fails: updated), validate.valid did not exist
	// (now new), and a check existed that this run no longer has (absent).
	for i := range oldRun.Results {
		if oldRun.Results[i].ID == "validate.invalid" {
			oldRun.Results[i].Outcome, oldRun.Results[i].Finding = result.Pass, nil
		}
	}
	var kept []result.CheckResult
	for _, r := range oldRun.Results {
		if r.ID != "validate.valid" {
			kept = append(kept, r)
		}
	}
	oldRun.Results = append(kept, result.CheckResult{ID: "retired.check", Section: "3.9", Level: "MUST", Outcome: result.Fail,
		Finding: &result.Finding{Message: "gone"}})
	base := decode(t, render(t, oldRun, Options{}))
	log := Build(newRun, Options{Baseline: base})
	got := map[string]string{}
	for _, r := range log.Runs[0].Results {
		got[r.PartialFingerprints[FingerprintKey]] = r.BaselineState
	}
	want := map[string]string{}
	for _, r := range newRun.Results {
		want[r.ID] = "unchanged"
	}
	want["validate.invalid"] = "updated"
	want["validate.valid"] = "new"
	want["retired.check"] = "absent"
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("baselineState (-want +got):\n%s", d)
	}
	validate(t, compileSchema(t), func() []byte {
		b, err := json.Marshal(log)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}())
}

func TestReadBaselineErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"not json", "<xml/>"},
		{"wrong version", `{"version": "2.0.0", "runs": []}`},
		{"empty", ""},
	}
	for _, tt := range tests {
		if _, err := ReadBaseline(strings.NewReader(tt.in)); !errors.Is(err, ErrBaseline) {
			t.Errorf("%s: error %v, want ErrBaseline", tt.name, err)
		}
	}
	if _, err := ReadBaselineFile(filepath.Join(t.TempDir(), "missing.sarif")); !errors.Is(err, ErrBaseline) {
		t.Errorf("missing file: error %v, want ErrBaseline", err)
	}
}

func TestRuleName(t *testing.T) {
	for in, want := range map[string]string{"REQ-HTTP-HOST": "ReqHttpHost", "portal.http.x": "PortalHttpX", "--": ""} {
		if got := ruleName(in); got != want {
			t.Errorf("ruleName(%q) = %q, want %q", in, got, want)
		}
	}
}
