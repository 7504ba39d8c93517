package clientfuzz_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	clientfuzz "github.com/meshconform/meshconform/fuzz/client"
	"github.com/meshconform/meshconform/fuzz/live"
	"github.com/meshconform/meshconform/harness/shim"
)

func meshclient(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "meshclient")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/meshconform/meshconform/cmd/meshclient").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func scenarios(names ...string) []clientfuzz.Scenario {
	var out []clientfuzz.Scenario
	for _, s := range clientfuzz.Scenarios {
		for _, n := range names {
			if s.Name == n {
				out = append(out, s)
			}
		}
	}
	return out
}

// TestKnobsAreFound: within a bounded number of runs from a fixed seed, the fuzzer finds every
// knob of the reference client that concerns what the client does with an answer, with the
// kind and requirement of the knob, and a saved reproducer re-runs to the same finding on the
// knob and not on the clean client. A clean client gives no finding in the same bound.
func TestKnobsAreFound(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the client a few hundred times")
	}
	bin := meshclient(t)
	cases := []struct {
		knob, kind, req string
		scenarios       []string
	}{
		{"crash-on-malformed", clientfuzz.KindCrash, "REQ-WIRE-LIMITS", []string{"validate"}},
		{"accept-untagged", clientfuzz.KindAccepted, "REQ-WIRE-RESPONSE-TAG", []string{"validate"}},
		{"trust-http-status", clientfuzz.KindAccepted, "REQ-STATUS-AUTHORITATIVE", []string{"validate"}},
		{"skip-signature-checks", clientfuzz.KindAccepted, "CTL-PROFILE-VERIFY-CHAIN", []string{"get-profile"}},
		{"skip-signature-checks", clientfuzz.KindAccepted, "REQ-CONNECT-RESULT-SIGNED", []string{"connect-status"}},
		{"ignore-witness", clientfuzz.KindAccepted, "REQ-WIRE-WITNESS", []string{"connect-start"}},
		{"unbounded-read", clientfuzz.KindOverRead, "REQ-WIRE-LIMITS", []string{"validate"}},
		{"follow-redirects", clientfuzz.KindFollowed, "REQ-WIRE-HOST", []string{"validate"}},
		{"no-timeout", clientfuzz.KindHang, "REQ-WIRE-LIMITS", []string{"validate"}},
		{"trust-validate", clientfuzz.KindAccepted, "REQ-STATUS-AUTHORITATIVE", []string{"create"}},
		{"", "", "", []string{"hello", "validate", "get-profile", "connect-start", "connect-status", "create"}},
	}
	for _, c := range cases {
		t.Run(c.knob+"/"+c.req, func(t *testing.T) {
			t.Parallel()
			var args []string
			if c.knob != "" {
				args = []string{"--bug", c.knob}
			}
			sh := shim.New(bin, &shim.Config{Shim: shim.ContractVersion, Args: args})
			out := t.TempDir()
			st, err := clientfuzz.Run(context.Background(), clientfuzz.Config{Shim: sh, Seed: 1, MaxExecs: 120, Out: out, Scenarios: scenarios(c.scenarios...)})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d runs, %.1f/s, %d findings", st.Execs, st.ExecsPerSecond(), len(st.Findings))
			if c.knob == "" {
				for _, f := range st.Findings {
					t.Errorf("clean client: %s %s on %s: %s (%v)", f.Kind, f.Requirement, f.Scenario, f.Observed, f.Mutations)
				}
				return
			}
			var found *clientfuzz.Finding
			for _, f := range st.Findings {
				if f.Kind == c.kind && f.Requirement == c.req {
					found = f
				}
			}
			if found == nil {
				t.Fatalf("knob %s not found in %d runs: findings %v", c.knob, st.Execs, st.Findings)
			}
			if _, err := os.Stat(found.File); err != nil {
				t.Fatalf("no reproducer: %v", err)
			}
			f, err := clientfuzz.Load(found.File)
			if err != nil {
				t.Fatal(err)
			}
			if again, obs, err := clientfuzz.Replay(context.Background(), sh, f); err != nil || !again {
				t.Errorf("replay on the knob: reproduced %v (%s), err %v", again, obs, err)
			}
			clean := shim.New(bin, &shim.Config{Shim: shim.ContractVersion})
			if again, obs, err := clientfuzz.Replay(context.Background(), clean, f); err != nil || again {
				t.Errorf("replay on the clean client: reproduced %v (%s), err %v", again, obs, err)
			}
		})
	}
}

// TestMustRefuse: the oracle's table, including breaks that cancel out.
func TestMustRefuse(t *testing.T) {
	get, _ := scenario("get-profile")
	validate, _ := scenario("validate")
	start, _ := scenario("connect-start")
	create, _ := scenario("create")
	entry := []string{"GetResponse", "Entries", "#0"}
	cases := []struct {
		name string
		sc   clientfuzz.Scenario
		ms   []live.Mutation
		req  string
	}{
		{"broken profile", get, []live.Mutation{{Op: live.OpBreakSig, Path: entry}}, "CTL-PROFILE-VERIFY-CHAIN"},
		{"broken twice is whole", get, []live.Mutation{{Op: live.OpBreakSig, Path: entry}, {Op: live.OpBreakSig, Path: entry}}, ""},
		{"broken three times", get, []live.Mutation{{Op: live.OpBreakSig, Path: entry}, {Op: live.OpBreakSig, Path: entry}, {Op: live.OpBreakSig, Path: entry}}, "CTL-PROFILE-VERIFY-CHAIN"},
		{"stripped", get, []live.Mutation{{Op: live.OpStripSig, Path: entry}}, "CTL-PROFILE-VERIFY-CHAIN"},
		{"status 0", validate, []live.Mutation{{Op: live.OpBoundary, Path: []string{"ValidateResponse", "Status"}, Arg: "0"}}, "REQ-STATUS-AUTHORITATIVE"},
		{"status 1.5 is no integer", validate, []live.Mutation{{Op: live.OpBoundary, Path: []string{"ValidateResponse", "Status"}, Arg: "1.5"}}, ""},
		{"untagged", validate, []live.Mutation{{Op: live.OpUntag, Path: []string{"ValidateResponse"}}}, "REQ-WIRE-RESPONSE-TAG"},
		{"unknown member", validate, []live.Mutation{{Op: live.OpUnknownMember, Path: []string{"ValidateResponse"}, Arg: "X"}}, ""},
		{"witness changed", start, []live.Mutation{{Op: live.OpDrop, Path: []string{"ConnectStartResponse", "Challenge", "Witness"}}}, "REQ-WIRE-WITNESS"},
		{"witness duplicated", start, []live.Mutation{{Op: live.OpDup, Path: []string{"ConnectStartResponse", "Challenge", "Witness"}}}, ""},
		{"huge body", validate, []live.Mutation{{Op: clientfuzz.OpHugeBody}}, "REQ-WIRE-LIMITS"},
		{"redirect", get, []live.Mutation{{Op: clientfuzz.OpRedirect}}, "REQ-WIRE-HOST"},
		{"stall", validate, []live.Mutation{{Op: clientfuzz.OpStall}}, "REQ-WIRE-LIMITS"},
		{"create refused", create, []live.Mutation{{Op: live.OpBoundary, Path: []string{"CreateResponse", "Status"}, Arg: "409"}}, "REQ-STATUS-AUTHORITATIVE"},
	}
	for _, c := range cases {
		if req, _ := clientfuzz.MustRefuse(c.sc, c.ms); req != c.req {
			t.Errorf("%s: %q, want %q", c.name, req, c.req)
		}
	}
}

func scenario(name string) (clientfuzz.Scenario, bool) {
	s := scenarios(name)
	return s[0], len(s) == 1
}
