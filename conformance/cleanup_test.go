package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
)

// rememberedForever are the checks whose signed material a portal rightly keeps after the
// accounts are deleted, so that the same seed cannot pass them twice against one portal:
// connection results are refused as replays for ever, and published entries stay (DeleteAccount
// removes the account, not its profiles), so a Get by identifier finds the first run's too.
var rememberedForever = map[string]string{
	"connect.accept":                    "the connection result of the first run is a replay",
	"connect.pin":                       "the connection result of the first run is a replay",
	"connect.replayed-result":           "the connection result of the first run is a replay",
	"get.max-entries":                   "the entries of the first run are found by the same identifiers",
	"consistency.get-after-publish":     "the device profile of the first run is found before it is published",
	"consistency.status-after-complete": "the connection result of the first run is a replay",
	"connect.unsigned-result":           "the genuine result of the first run completed the request: no verdict",
	"connect.result-not-admin":          "the genuine result of the first run completed the request: no verdict",
}

// TestRunLeavesNoAccounts runs the suite against a portal with a persistent store: every
// account a check created is deleted again when the check ends, and a second run with the
// same seed on the same portal passes again, but for the checks in rememberedForever.
func TestRunLeavesNoAccounts(t *testing.T) {
	t.Parallel()
	u, stop, err := portal.StartLoopback(context.Background(), portal.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	first := runSuite(t, u)
	created := createdAccounts(t, first)
	if len(created) < 50 {
		t.Fatalf("only %d accounts created: the run did not do what this test expects", len(created))
	}
	c := client.New(u)
	for _, name := range created {
		_, _, err := c.Get(context.Background(), &mesh.GetRequest{Account: name})
		if se := (*client.StatusError)(nil); !errors.As(err, &se) || se.Status != 404 {
			t.Errorf("account %s is still there after the run (Get: %v)", name, err)
		}
	}
	for _, r := range first.Results {
		for _, l := range r.Log {
			if strings.HasPrefix(l, "cleanup: ") {
				t.Errorf("%s: %s", r.ID, l)
			}
		}
	}

	second := runSuite(t, u)
	before := outcomes(first)
	for _, r := range second.Results {
		if _, known := rememberedForever[r.ID]; known {
			if r.Outcome == before[r.ID].Outcome {
				t.Errorf("%s passes twice with one seed: drop it from rememberedForever", r.ID)
			}
			continue
		}
		if r.Outcome != before[r.ID].Outcome {
			msg := r.Reason
			if r.Finding != nil {
				msg = r.Finding.Message
			}
			t.Errorf("%s: %s on the first run, %s on the second with the same seed: %s", r.ID, before[r.ID].Outcome, r.Outcome, msg)
		}
	}
}

// createdAccounts lists the accounts the portal accepted during a run, from the recorded
// CreateAccount exchanges.
func createdAccounts(t *testing.T, run *result.Run) []string {
	t.Helper()
	var out []string
	for _, r := range run.Results {
		for _, ex := range r.Exchanges {
			if ex.Response == nil || !strings.HasPrefix(ex.Request.Body.Text, `{"CreateAccount"`) {
				continue
			}
			var req struct{ CreateAccount struct{ Account string } }
			var resp struct{ CreateResponse struct{ Status int } }
			if json.Unmarshal([]byte(ex.Request.Body.Text), &req) != nil || json.Unmarshal([]byte(ex.Response.Body.Text), &resp) != nil {
				if ex.Request.Body.Truncated || ex.Response.Body.Truncated {
					t.Fatalf("%s: a recorded CreateAccount exchange is truncated", r.ID)
				}
				continue
			}
			if s := resp.CreateResponse.Status; s >= 200 && s < 300 {
				out = append(out, req.CreateAccount.Account)
			}
		}
	}
	return out
}

// TestRerunOnAKnobPortalIsNoPass: the forged-result checks run again with the same seed on a
// persistent portal that accepted the forgery the first time meet a completed request, which
// refuses every result; that is no verdict, never a pass.
func TestRerunOnAKnobPortalIsNoPass(t *testing.T) {
	t.Parallel()
	var b portal.Bugs
	if err := b.Set("accept-unsigned-result"); err != nil {
		t.Fatal(err)
	}
	u, stop, err := portal.StartLoopback(context.Background(), portal.Config{DataDir: t.TempDir(), Bugs: b})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	only := suiteOptions{Only: func(id string) bool { return id == "connect.unsigned-result" }}
	first := outcomes(runSuiteWith(t, u, only))["connect.unsigned-result"]
	second := outcomes(runSuiteWith(t, u, only))["connect.unsigned-result"]
	if first.Outcome != result.Fail || second.Outcome != result.Error || !strings.Contains(second.Reason, "no verdict") {
		t.Fatalf("first run %s, second %s (%s): want fail, then an error saying there is no verdict", first.Outcome, second.Outcome, second.Reason)
	}
}
