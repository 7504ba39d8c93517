package resulttest

import (
	"encoding/json"
	"time"

	"github.com/meshconform/meshconform/harness/result"
)

// Sample returns a fixed run with one result per outcome, an expectation of each kind, a
// finding with diff and exchanges (one truncated, one binary), notes, logs and a harness error.
// Times and durations are constants so renderers' golden files are stable.
func Sample() *result.Run {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ms := time.Millisecond
	req := func(id, section, level, text string) *result.Requirement {
		return &result.Requirement{ID: id, Section: section, Level: level, Kind: "requirement", Text: text}
	}
	repro := func(id string) string {
		return "meshconform replay " + id + " --portal https://portal.example/.well-known/mmm/ --seed 42"
	}
	hello := result.Exchange{
		StartedAt: t0.Add(10 * ms),
		Duration:  12 * ms,
		Request: result.Request{
			Method: "POST",
			URL:    "https://portal.example/.well-known/mmm/",
			Header: map[string][]string{"Content-Type": {"application/json"}, "Authorization": {result.Redacted}},
			Body:   result.Body{Text: `{"ValidateAccount":{"Account":"mc4f2a@portal.example"}}`, Size: 55},
		},
		Response: &result.Response{
			Status: 200,
			Header: map[string][]string{"Content-Type": {"application/json"}},
			Body:   result.Body{Text: `{"ValidateResponse":{"Status":500}}`, Size: 35},
		},
	}
	results := []result.CheckResult{
		{
			ID: "hello.basic", Title: "Hello is answered", Section: "3.5", Level: "MUST", Category: "deviation",
			Requirement: req("MESH-3.5-1", "3.5", "MUST", "The portal MUST answer Hello."),
			Outcome:     result.Pass, StartedAt: t0, Duration: 15 * ms, Reproduce: repro("hello.basic"),
		},
		{
			ID: "validate.status", Title: "Validate reports success in Status", Section: "3.6.2", Level: "MUST", Category: "deviation",
			Doc:         "Sends ValidateAccount for a fresh name and expects Status 201. Example failure: Status 500.",
			Requirement: &result.Requirement{ID: "MESH-3.2-2", Section: "3.2", Level: "MUST", Kind: "requirement", Text: "The payload Status MUST be authoritative.", Notes: []string{"N-STATUS-1"}},
			Outcome:     result.Fail, StartedAt: t0.Add(10 * ms), Duration: 22 * ms,
			Finding: &result.Finding{
				Message:   "Status 500 for a valid name",
				Expected:  json.RawMessage(`{"Status":201}`),
				Observed:  json.RawMessage(`{"Status":500}`),
				Diff:      "  map[string]any{\n- \t\"Status\": float64(201),\n+ \t\"Status\": float64(500),\n  }\n",
				Exchanges: []int{0},
			},
			Exchanges: []result.Exchange{hello},
			Log:       []string{"account mc4f2a@portal.example"},
			Reproduce: repro("validate.status"),
		},
		{
			ID: "validate.invalid-characters", Title: "InvalidCharacters lists every illegal character", Section: "3.6.2", Level: "SHOULD", Category: "deviation",
			Requirement: req("MESH-3.6.2-3", "3.6.2", "SHOULD", "InvalidCharacters SHOULD include every illegal character."),
			Outcome:     result.Warn, StartedAt: t0.Add(40 * ms), Duration: 9 * ms,
			Finding:   &result.Finding{Message: "'!' missing from InvalidCharacters"},
			Reproduce: repro("validate.invalid-characters"),
		},
		{
			ID: "envelope.message-class", Title: "Message-class envelope accepted", Section: "3", Level: "MAY", Category: "probe",
			Outcome: result.Info, StartedAt: t0.Add(50 * ms), Duration: 5 * ms,
			Notes: []string{"the portal accepts {\"ValidateRequest\": ...}"}, Reproduce: repro("envelope.message-class"),
		},
		{
			ID: "status.basic", Title: "Status transaction", Section: "3.11", Level: "MUST", Category: "deviation",
			Outcome: result.Unimplemented, Reason: "the portal answers Status with 404", StartedAt: t0.Add(60 * ms), Duration: 4 * ms,
			Reproduce: repro("status.basic"),
		},
		{
			ID: "transfer.basic", Title: "Transfer transaction", Section: "3.16", Level: "MUST", Category: "deviation",
			Outcome: result.Skip, Reason: "disabled (not-implemented): no Transfer yet",
			Expectation: &result.Expectation{Kind: result.ExpectDisabled, Pattern: "transfer.*", Category: "not-implemented", Reason: "no Transfer yet"},
			Reproduce:   repro("transfer.basic"),
		},
		{
			ID: "create.duplicate", Title: "Create refuses an existing account", Section: "3.7", Level: "MUST", Category: "deviation",
			Outcome: result.XFail, Reason: "expected failure: bug 12", StartedAt: t0.Add(70 * ms), Duration: 30 * ms,
			Finding:     &result.Finding{Message: "second Create answered 201"},
			Expectation: &result.Expectation{Kind: result.ExpectFailure, Pattern: "create.duplicate", Reason: "bug 12"},
			Reproduce:   repro("create.duplicate"),
		},
		{
			ID: "delete.profile-kept", Title: "Delete keeps the profile", Section: "3.8", Level: "MUST", Category: "deviation",
			Outcome: result.XPass, Reason: "expected to fail (bug 13) but passed: remove the expectation", StartedAt: t0.Add(100 * ms), Duration: 8 * ms,
			Expectation: &result.Expectation{Kind: result.ExpectFailure, Pattern: "delete.*", Reason: "bug 13"},
			Reproduce:   repro("delete.profile-kept"),
		},
		{
			ID: "limits.body-size", Title: "Oversized bodies are refused", Section: "7.1", Level: "MUST", Category: "control",
			Outcome: result.Error, Reason: "check panicked: runtime error: index out of range [3] with length 3", StartedAt: t0.Add(110 * ms), Duration: 1 * ms,
			Details:   "goroutine 7 [running]:\nmain.check(...)",
			Reproduce: repro("limits.body-size"),
			Exchanges: []result.Exchange{{
				StartedAt: t0.Add(110 * ms), Duration: 1 * ms,
				Request:  result.Request{Method: "POST", URL: "https://portal.example/.well-known/mmm/", Body: result.Body{Text: "{\"Hello\":{}}", Size: 4 << 20, Truncated: true}},
				Response: &result.Response{Status: 413, Body: result.Body{Base64: "AAEC/w==", Size: 4}},
			}},
		},
		{
			ID: "connect.after-death", Title: "ConnectStart answered", Section: "3.15", Level: "MUST", Category: "deviation",
			Outcome: result.Fail, StartedAt: t0.Add(120 * ms), Duration: 10 * ms, AfterTargetDied: true,
			Finding: &result.Finding{Message: "no answer: refused", Exchanges: []int{0}},
			Exchanges: []result.Exchange{{
				StartedAt: t0.Add(121 * ms), Duration: 1 * ms, Problem: "refused", Error: "dial tcp: connection refused",
				Request: result.Request{Method: "POST", URL: "https://portal.example/.well-known/mmm/", Body: result.Body{Text: "{}", Size: 2}},
			}},
			Reproduce: repro("connect.after-death"),
		},
	}
	died := t0.Add(121 * ms)
	run := &result.Run{
		SchemaVersion: result.SchemaVersion,
		Tool:          result.Tool{Name: "meshconform", Version: "0.1.0-test"},
		Mode:          result.ModeRun,
		Target:        "https://portal.example/.well-known/mmm/",
		Seed:          42,
		StartedAt:     t0,
		Duration:      250 * ms,
		Config: result.ConfigSummary{
			Only: []string{"*"}, Sections: []string{"3", "7"}, Jobs: 4, Strict: false, Shard: "1/1",
			CheckTimeout: 60 * time.Second, Expectations: "expect.json", Available: 12, Selected: len(results),
		},
		ProbeBefore:     &result.Probe{OK: true, Duration: 3 * ms},
		ProbeAfter:      &result.Probe{OK: false, Error: "hello: refused", Duration: 1 * ms},
		Condition:       result.ConditionTargetDied,
		ConditionDetail: "target died during the run: the probe after the last check failed (hello: refused)",
		TargetDiedAt:    &died,
		Warnings:        []string{`expectedFailures[2] "old.*" matches no check`},
		Results:         results,
	}
	result.SortResults(run.Results)
	run.Summary = result.Summarize(run.Results)
	return run
}
