package script

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/portal"
)

// knobFails names the transaction vectors each knob must make fail.
var knobFails = map[string][]string{
	"accept-unsigned-profile":                {"CreateAccount/unsigned-profile"},
	"create-ignores-profile-account":         {"CreateAccount/profile-names-other-account"},
	"skip-authentication":                    {"DeleteAccount/unauthenticated", "Publish/unauthenticated", "ConnectPending/unauthenticated", "ConnectComplete/unauthenticated"},
	"accept-replayed-request":                {"DeleteAccount/replayed"},
	"accept-stale-time":                      {"Publish/stale-authentication"},
	"cross-account-auth":                     {"DeleteAccount/other-account"},
	"get-after-delete":                       {"DeleteAccount/valid"},
	"delete-removes-profiles":                {"DeleteAccount/keeps-profile"},
	"ignore-max-entries":                     {"Get/max-entries"},
	"empty-get-lists-accounts":               {"Get/names-nothing"},
	"publish-without-account":                {"Publish/without-account"},
	"accept-wrong-device-signature":          {"Publish/device-wrong-signer", "ConnectStart/request-wrong-signer", "ConnectStart/unsigned-request"},
	"accept-unsigned-result":                 {"ConnectComplete/unsigned-result"},
	"accept-result-not-admin-signed":         {"ConnectComplete/self-signed-result"},
	"transfer-unauthenticated":               {"Transfer/unauthenticated"},
	"untagged-responses":                     {"Hello/basic", "ValidateAccount/valid"},
	"validate-incomplete-invalid-characters": nil, // no vector: Valid is still false; the conformance check covers it
}

func runAgainst(t *testing.T, bugs ...string) map[string]Result {
	t.Helper()
	var b portal.Bugs
	for _, n := range bugs {
		if err := b.Set(n); err != nil {
			t.Fatal(err)
		}
	}
	u, stop, err := portal.StartLoopback(context.Background(), portal.Config{Bugs: b})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	out := map[string]Result{}
	for _, res := range runVectors(t, u, 7) {
		out[res.TcID] = res
	}
	return out
}

// runVectors runs every transaction vector against the portal at u with the given seed.
func runVectors(t *testing.T, u string, seed uint64) []Result {
	t.Helper()
	tests, err := LoadAll()
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(u)
	c := client.New(u)
	c.HTTP = &http.Client{Timeout: 10 * time.Second}
	return (&Runner{Client: c, Domain: pu.Hostname(), Seed: seed}).Run(context.Background(), tests)
}

// TestSameSeedTwiceOnAPersistentPortal: every script deletes the accounts it bound, so a second
// run with the same seed against the same persistent portal passes what the first passed, but
// for the vectors whose signed material a portal rightly keeps for ever.
func TestSameSeedTwiceOnAPersistentPortal(t *testing.T) {
	u, stop, err := portal.StartLoopback(context.Background(), portal.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	first, second := runVectors(t, u, 11), runVectors(t, u, 11)
	for i, r := range first {
		if !r.Pass {
			t.Fatalf("first run: %s: %s", r.TcID, r.Message)
		}
		if _, kept := KeptForever[r.TcID]; kept {
			if second[i].Pass {
				t.Errorf("%s passes twice with one seed: drop it from KeptForever", r.TcID)
			}
			continue
		}
		if !second[i].Pass {
			t.Errorf("second run with the same seed: %s: %s", r.TcID, second[i].Message)
		}
	}
}

func TestReferencePortalPassesEveryTransactionVector(t *testing.T) {
	for id, r := range runAgainst(t) {
		if !r.Pass {
			t.Errorf("%s: %s", id, r.Message)
		}
	}
}

func TestKnobsFailTheirVectors(t *testing.T) {
	if testing.Short() {
		t.Skip("one run per knob")
	}
	for knob, ids := range knobFails {
		if len(ids) == 0 {
			continue
		}
		t.Run(knob, func(t *testing.T) {
			got := runAgainst(t, knob)
			for _, id := range ids {
				r, ok := got[id]
				if !ok {
					t.Errorf("no vector %s", id)
				} else if r.Pass {
					t.Errorf("with knob %s, vector %s still passes", knob, id)
				}
			}
		})
	}
}
