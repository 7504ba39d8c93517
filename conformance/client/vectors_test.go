package client_test

import (
	"context"
	"testing"
	"time"

	"github.com/meshconform/meshconform/conformance"
	clientchecks "github.com/meshconform/meshconform/conformance/client"
	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/spec"
	"github.com/meshconform/meshconform/vectors"
)

// vectorKnobBreaks names, for each knob of the reference client that accepts (or crashes on) what a
// client-response vector serves, exactly the vectors that stop passing when it is on. The
// other knobs concern requests, state, transport or limits, which no vector serves.
var vectorKnobBreaks = map[string][]string{
	"skip-signature-checks": {"Client/ConnectStatus/forged-result", "Client/ConnectStatus/unsigned-result", "Client/Get/master-forged-signer", "Client/Get/profile-forged-signer", "Client/Get/profile-unsigned"},
	"ignore-witness":        {"Client/ConnectStart/wrong-witness"},
	"accept-untagged":       {"Client/ValidateAccount/untagged"},
	"crash-on-malformed":    {"Client/ValidateAccount/untagged"},
	"trust-http-status":     {"Client/ValidateAccount/307-under-http-200", "Client/ValidateAccount/409-under-http-200", "Client/ValidateAccount/503-under-http-200", "Client/ValidateAccount/success-under-http-500"},
}

func runVectors(t *testing.T, bugs ...string) *result.Run {
	t.Helper()
	groups, err := vectors.ClientResponses()
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, b := range bugs {
		args = append(args, "--bug", b)
	}
	sh := shim.New(meshclient(t), &shim.Config{Shim: shim.ContractVersion, Args: args})
	run, err := harness.Run(context.Background(), clientchecks.VectorChecks(clientchecks.Env{Shim: sh}, groups), harness.Config{
		Target: fakeTarget{}, Catalog: conformance.Catalog(spec.MustLoad()), Seed: 1, Jobs: 4, CheckTimeout: 60 * time.Second, DeadAfter: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range groups {
		n += len(g.Tests)
	}
	if len(run.Results) != n {
		t.Fatalf("%d results for %d vectors", len(run.Results), n)
	}
	return run
}

// TestCleanClientPassesEveryVector: the reference client completes every valid answer and
// refuses every invalid one, naming its error identifier.
func TestCleanClientPassesEveryVector(t *testing.T) {
	t.Parallel()
	run := runVectors(t)
	for _, r := range run.Results {
		if r.Outcome != result.Pass {
			t.Errorf("%s: %s against the reference client: %s %v %v", r.ID, r.Outcome, r.Reason, r.Finding, r.Log)
		}
	}
	if code := run.ExitCode(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

// TestEachClientKnobFailsExactlyItsVectors runs the vectors once per knob that accepts
// forged or malformed answers: the vectors that do not pass must be exactly the table's.
func TestEachClientKnobFailsExactlyItsVectors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the vectors once per knob; skipped with -short")
	}
	eachKnobBreaksExactly(t, vectorKnobBreaks, clientchecks.VectorCheckID, runVectors)
}
