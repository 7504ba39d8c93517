package render

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
)

var update = flag.Bool("update", false, "rewrite golden files and the shared fixture in reports/testdata")

// fixturePath is the shared run every format's tests render: reports/testdata/run.json.
var fixturePath = filepath.Join("..", "testdata", "run.json")

// fixtureRun builds a realistic run against a misbehaving portal: every outcome, several draft
// sections, a finding with a diff and exchanges, expectations of both kinds, and text that
// needs escaping in every format (markup, quotes, a CDATA terminator, a control character).
func fixtureRun() *result.Run {
	t0 := time.Date(2026, 5, 9, 7, 30, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	portal := "https://portal.example.com/.well-known/mmm/"
	red := result.NewRedactor()
	validateReq := []byte(`{"ValidateAccount": {"Account": "al<ice>@example.com"}}`)
	validateResp := []byte(`{"ValidateResponse": {"Status": 201, "Valid": true, "InvalidCharacters": "<"}}`)
	results := []result.CheckResult{
		{
			ID: "wire.host", Title: "A request whose Host names another portal is refused",
			Section: "3.1", Level: "SHOULD", Category: "deviation", Outcome: result.Pass, StartedAt: at(1), Duration: 12 * time.Millisecond,
			Requirement: &result.Requirement{ID: "REQ-HTTP-HOST", Section: "3.1", Level: "MUST", Kind: "requirement",
				Text: "When using the HTTP binding, the request MUST specify the portal DNS address in the HTTP Host field."},
			Reproduce: "meshconform replay wire.host --portal " + portal + " --seed 42",
		},
		{
			ID: "wire.http-status-mirror", Title: "The HTTP status mirrors the payload Status",
			Section: "3.2", Level: "SHOULD", Category: "deviation", Outcome: result.Warn, StartedAt: at(2), Duration: 30 * time.Millisecond,
			Requirement: &result.Requirement{ID: "REQ-HTTP-STATUS-MIRROR", Section: "3.2", Level: "SHOULD", Kind: "requirement",
				Text: "When using the HTTP binding, the response SHOULD report the Status response code in the HTTP response message."},
			Finding: &result.Finding{Message: "HTTP 200 carried payload Status 404",
				Expected: json.RawMessage(`404`), Observed: json.RawMessage(`200`), Diff: "- 404\n+ 200", Exchanges: []int{0}},
			Exchanges: []result.Exchange{{
				StartedAt: at(2), Duration: 9 * time.Millisecond,
				Request: result.Request{Method: "POST", URL: portal, Header: red.Header(map[string][]string{"Content-Type": {"application/json"}}),
					Body: result.Body{Text: `{"Get": {"Account": "nobody@example.com"}}`, Size: 42}},
				Response: &result.Response{Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}},
					Body: result.Body{Text: `{"GetResponse": {"Status": 404}}`, Size: 32}},
			}},
			Reproduce: "meshconform replay wire.http-status-mirror --portal " + portal + " --seed 42",
		},
		{
			ID: "validate.invalid", Title: "ValidateAccount says Valid false for an unacceptable name",
			Section: "3.6.2", Level: "MUST", Category: "deviation", Outcome: result.Fail, StartedAt: at(3), Duration: 41 * time.Millisecond,
			Requirement: &result.Requirement{ID: "REQ-VALIDATE-VALID", Section: "3.6.2", Level: "MUST", Kind: "requirement",
				Text:  "If true, the specified account identifier is acceptable. If false, the account identifier is rejected.",
				Notes: []string{"NOTE-ACCOUNT-NAMES"}},
			Finding: &result.Finding{
				Message:   `Valid is true for "al<ice>@example.com", whose "<" and ">" are illegal`,
				Expected:  json.RawMessage(`{"InvalidCharacters": "<>", "Valid": false}`),
				Observed:  json.RawMessage(`{"InvalidCharacters": "<", "Valid": true}`),
				Diff:      "  map[string]any{\n- \t\"InvalidCharacters\": string(\"<>\"),\n+ \t\"InvalidCharacters\": string(\"<\"),\n- \t\"Valid\": bool(false),\n+ \t\"Valid\": bool(true),\n  }",
				Exchanges: []int{1},
			},
			Log: []string{"proposed name: al<ice>@example.com", "raw control char: \x01 ends here ]]> & more"},
			Exchanges: []result.Exchange{
				{StartedAt: at(3), Duration: 5 * time.Millisecond,
					Request:  result.Request{Method: "POST", URL: portal, Body: result.Body{Text: `{"Hello": {}}`, Size: 13}},
					Response: &result.Response{Status: 200, Body: result.Body{Text: `{"HelloResponse": {"Status": 201}}`, Size: 34}}},
				{StartedAt: at(3), Duration: 11 * time.Millisecond,
					Request: result.Request{Method: "POST", URL: portal, Header: map[string][]string{"Content-Type": {"application/json"}},
						Body: result.Body{Text: string(red.Body(validateReq)), Size: int64(len(validateReq))}},
					Response: &result.Response{Status: 200, Header: map[string][]string{"Content-Type": {"application/json"}},
						Body: result.Body{Text: string(red.Body(validateResp)), Size: int64(len(validateResp))}}},
			},
			Reproduce: "meshconform replay validate.invalid --portal " + portal + " --seed 42",
		},
		{
			ID: "publish.before-create", Title: "Publishing to an account that does not exist is refused",
			Section: "3.7", Level: "MUST", Category: "control", Outcome: result.XFail, StartedAt: at(4), Duration: 25 * time.Millisecond,
			Requirement: &result.Requirement{ID: "REQ-CREATE-BEFORE-PUBLISH", Section: "3.7", Level: "MUST", Kind: "requirement",
				Text: "A mesh account must be created and accepted before a profile can be published."},
			Finding:     &result.Finding{Message: "Publish to a missing account answered Status 201"},
			Expectation: &result.Expectation{Kind: result.ExpectFailure, Pattern: "publish.before-create", Reason: "known bug #12: publish creates the account implicitly"},
			Reproduce:   "meshconform replay publish.before-create --portal " + portal + " --seed 42",
		},
		{
			ID: "delete.keeps-profile", Title: "DeleteAccount keeps the profile: Get by Identifier still finds it",
			Section: "3.8", Level: "MUST", Category: "deviation", Outcome: result.XPass, StartedAt: at(5), Duration: 33 * time.Millisecond,
			Requirement: &result.Requirement{ID: "REQ-DELETE-KEEPS-PROFILE", Section: "3.8", Level: "MUST", Kind: "requirement",
				Text: "Deletes a portal account but not the underlying profile."},
			Expectation: &result.Expectation{Kind: result.ExpectFailure, Pattern: "delete.keeps-profile", Reason: "profile was deleted with the account in 1.2"},
			Reproduce:   "meshconform replay delete.keeps-profile --portal " + portal + " --seed 42",
		},
		{
			ID: "status.implemented", Title: "Does the portal implement Status and Transfer?",
			Section: "3.11", Level: "MAY", Category: "probe", Outcome: result.Unimplemented, StartedAt: at(6), Duration: 8 * time.Millisecond,
			Requirement: &result.Requirement{ID: "REQ-STATUS-NOT-IMPLEMENTED", Section: "3.11", Level: "MAY", Kind: "requirement",
				Text: "[Not currently implemented]"},
			Reason: "the portal answered Status 501 to StatusRequest",
		},
		{
			ID: "connect.unsigned-result", Title: "An unsigned connection result is refused",
			Section: "3.15.1", Level: "MUST", Category: "control", Outcome: result.Skip,
			Requirement: &result.Requirement{ID: "REQ-CONNECT-RESULT-SIGNED", Section: "3.15.1", Level: "MUST", Kind: "requirement",
				Text: "The result MUST be signed by a valid administration key for the Mesh profile."},
			Reason:      "disabled by the expectations file: needs a second device",
			Expectation: &result.Expectation{Kind: result.ExpectDisabled, Pattern: "connect.*", Category: "environment", Reason: "needs a second device"},
		},
		{
			ID: "wire.request-class-tag", Title: "Does the portal also accept the 2016 message-class request tag?",
			Section: "3.1", Level: "MUST", Category: "probe", Outcome: result.Info, StartedAt: at(7), Duration: 7 * time.Millisecond,
			Requirement: &result.Requirement{ID: "REQ-WIRE-REQUEST-TAG", Section: "3.1", Level: "MUST", Kind: "requirement",
				Text: "DECISION: canonical = transaction name; a portal MUST accept it; acceptance of the message-class form is probed and reported as informational."},
			Notes: []string{"{\"ValidateRequest\": ...} answered Status 400: the portal accepts only the transaction-name form"},
		},
		{
			ID: "connect.server-nonce", Title: "ServerNonces are 128 bits, fresh and unbiased",
			Section: "7.1.3", Level: "MUST", Category: "control", Outcome: result.Error, StartedAt: at(8), Duration: 10 * time.Second,
			Requirement: &result.Requirement{ID: "CTL-KEYGEN-STRONG", Section: "7.1.3", Level: "MUST", Kind: "control",
				Text: "Use strong mechanisms as described in RFC???"},
			Reason: "check timed out after 10s waiting for ConnectStart",
			Exchanges: []result.Exchange{{StartedAt: at(8), Duration: 10 * time.Second,
				Request: result.Request{Method: "POST", URL: portal, Body: result.Body{Text: `{"ConnectStart": {}}`, Size: 20}},
				Problem: "timeout", Error: "context deadline exceeded"}},
			Reproduce: "meshconform replay connect.server-nonce --portal " + portal + " --seed 42",
		},
		{
			ID: "publish.device-wrong-signer", Title: "A device profile not signed by its own DeviceSignatureKey is refused",
			Section: "2.6.6", Level: "MUST", Category: "control", Outcome: result.Pass, StartedAt: at(9), Duration: 3 * time.Millisecond,
			Requirement: &result.Requirement{ID: "REQ-PROFILE-DEVICE-SIGNED", Section: "2.6.6", Level: "MUST", Kind: "requirement",
				Text: "This profile MUST be signed by the DeviceSignatureKey"},
		},
		{
			ID: "validate.valid", Title: "ValidateAccount says Valid true for an acceptable free name",
			Section: "3.6.2", Level: "MUST", Category: "deviation", Outcome: result.Pass, StartedAt: at(10), Duration: 15 * time.Millisecond,
			Requirement: &result.Requirement{ID: "REQ-VALIDATE-VALID", Section: "3.6.2", Level: "MUST", Kind: "requirement",
				Text: "If true, the specified account identifier is acceptable. If false, the account identifier is rejected."},
		},
	}
	result.SortResults(results)
	return &result.Run{
		SchemaVersion: result.SchemaVersion,
		Tool:          result.Tool{Name: "meshconform", Version: "0.1.0"},
		Mode:          result.ModeRun,
		Target:        portal,
		Seed:          42,
		StartedAt:     t0,
		Duration:      11*time.Second + 200*time.Millisecond,
		Config: result.ConfigSummary{Jobs: 2, CheckTimeout: 10 * time.Second, Expectations: "meshconform.expect",
			Available: 12, Selected: len(results)},
		ProbeBefore: &result.Probe{OK: true, Duration: 4 * time.Millisecond},
		ProbeAfter:  &result.Probe{OK: true, Duration: 3 * time.Millisecond},
		Warnings:    []string{"expectation \"transfer.*\" matches no check"},
		Results:     results,
		Summary:     result.Summarize(results),
	}
}

// TestFixtureCurrent keeps reports/testdata/run.json equal to fixtureRun, the input of every
// format's golden tests; -update rewrites it.
func TestFixtureCurrent(t *testing.T) {
	var buf bytes.Buffer
	if err := result.Write(&buf, fixtureRun()); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(fixturePath, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatalf("%v (run go test ./reports/render -update)", err)
	}
	if d := cmp.Diff(buf.String(), string(got)); d != "" {
		t.Errorf("%s is stale (-generated +file); run go test ./reports/render -update:\n%s", fixturePath, d)
	}
	run, err := result.Read(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range result.Outcomes {
		if run.Summary.Outcomes[o] == 0 {
			t.Errorf("fixture has no %s result; every outcome must be present", o)
		}
	}
}
