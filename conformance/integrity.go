package conformance

import (
	"context"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// integrityChecks verify that what the portal returns is what was signed: the profile
// envelope verifies (WIRE.md 5) and published material comes back intact (draft 7.1.1.3).
func integrityChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "get.signatures-verify", Requirement: "REQ-WIRE-DARE-SIGNATURE", Category: harness.Deviation,
			Title: "The profile the portal returns verifies as a DARE envelope",
			Doc: "WIRE.md 5: PayloadDigest = SHA-512 of the payload, each signature pure Ed448/Ed25519 over it. Gets " +
				"an account's profile and verifies its envelope against the account's OnlineSignatureKey with the " +
				"reference DARE implementation. Example failure: a portal that re-encodes the payload. Two requests.",
			Accepts: "An entry that verifies under the account's OnlineSignatureKey (WIRE.md 5, NOTE-DARE-DIGEST).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("dare")
				r := s.getAccount(a.Name)
				s.ok("Get", r, "Get by Account failed")
				g := r.resp.(*mesh.GetResponse)
				if len(g.Entries) == 0 {
					t.Fail(harness.Finding{Message: "Get by Account returned no entry"})
				}
				osk := keys.PublicKey{Algorithm: a.Master.OSK.Algorithm(), Bytes: a.Master.OSK.PublicBytes()}
				if err := dare.Verify(&g.Entries[0], osk); err != nil {
					t.Fail(harness.Finding{Message: "the returned profile does not verify: " + err.Error()})
				}
			},
		},
		{
			ID: "publish.stored-intact", Requirement: "CTL-DATA-NON-REPUDIATION", Category: harness.Control,
			Title: "Published material comes back byte for byte, signatures included",
			Doc: "7.1.1.3 Non-Repudiation: a signed entry is evidence only while its signature survives. Publishes a " +
				"device profile and expects Get by its Identifier to return the identical envelope (same header, " +
				"payload, digest and signature). Three requests.",
			Accepts: "The published envelope among the entries of Get by Identifier, same header, payload, digest and signatures once decoded (draft 7.1.1.3, NOTE-RESPONSE-EXTENSIONS).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("intact")
				d := s.newDevice()
				dp := s.deviceProfile(d)
				s.ok("Publish", s.publish(a, dp), "publishing a device profile failed")
				r := s.do(&mesh.GetRequest{Identifier: d.UDF()}, nil)
				s.ok("Get", r, "the published profile is not found")
				if !containsEnvelope(r.resp.(*mesh.GetResponse).Entries, dp) {
					want, _ := mesh.Marshal(dp)
					t.Fail(harness.Finding{Message: "the envelope came back altered", Expected: string(want), Observed: string(r.ex.Response)})
				}
			},
		},
	}
}
