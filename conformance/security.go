package conformance

import (
	"context"
	"net/http"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
)

// securityChecks verify the message-level access control of NOTE-AUTH (draft 7.1.1.2, 7.2.1).
func securityChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "auth.publish-unauthenticated", Requirement: "CTL-MESSAGE-ACCESS-CONTROL", Category: harness.Control,
			Title: "Publish without authentication is refused with 401",
			Doc: "7.1.1.2 Access control; NOTE-AUTH: Publish to an existing account is authenticated by a device of " +
				"the account. Publishes a valid signed device profile without an Authorization header and expects 401. " +
				"Two requests.",
			Accepts: "Status 401 (NOTE-AUTH).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				s.create("pubunauth")
				dp := s.deviceProfile(s.newDevice())
				s.refused("Publish", s.do(&mesh.PublishRequest{Entry: dp}, nil), "an unauthenticated Publish was accepted", 401)
			},
		},
		{
			ID: "auth.cross-account", Requirement: "CTL-INGRESS-ACCESS-CONTROL", Category: harness.Control,
			Title: "A device of one account cannot act on another",
			Doc: "7.2.1: \"Every message is subject to access control\". A request for account B authenticated by a " +
				"device of account A (ConnectPending, DeleteAccount) must get 401 and B must be untouched. Five requests.",
			Accepts: "Status 401 for both requests (NOTE-AUTH), then the account still found.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("cross-a")
				b := s.create("cross-b")
				asB := &client.Auth{Signer: a.Device.DAK, Account: b.Name}
				s.refused("ConnectPending", s.do(&mesh.ConnectPendingRequest{AccountID: b.Name}, asB), "another account's device read this account's pending requests", 401)
				s.refused("DeleteAccount", s.do(&mesh.DeleteRequest{Account: b.Name}, asB), "another account's device deleted this account", 401)
				s.ok("Get", s.getAccount(b.Name), "the account is gone after a refused cross-account delete")
			},
		},
		{
			ID: "auth.mismatched-account", Requirement: "CTL-INGRESS-ACCESS-CONTROL", Category: harness.Control,
			Title: "Authentication for one account does not cover a request about another",
			Doc: "A DeleteAccount of account B carrying account A's valid authentication (account=\"A\" in the " +
				"header) must be refused: the authenticated account and the account acted on must be the same. " +
				"Three requests.",
			Accepts: "Status 401 (NOTE-AUTH).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("mis-a")
				b := s.create("mis-b")
				s.refused("DeleteAccount", s.do(&mesh.DeleteRequest{Account: b.Name}, a.Auth()), "account A's authentication deleted account B", 401)
			},
		},
		{
			ID: "auth.replay", Requirement: "REQ-AUTH-REPLAY", Category: harness.Control,
			Title: "A captured authenticated request cannot be replayed",
			Doc: "NOTE-AUTH binds a fresh nonce: the portal accepts a (key, nonce) pair once per window. Sends an " +
				"authenticated ConnectPending, then the identical bytes and header again, and expects 401 the second " +
				"time. Example failure: both answered 201, so anyone on the path can repeat a Delete. Three requests.",
			Accepts: "Payload Status 2xx, then Status 401 for the replay (NOTE-AUTH).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("replay")
				body := mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
				hdr := s.signed(a, body, time.Now())
				first := s.raw(body, hdr)
				if p := payloadStatus(first); p < 200 || p > 299 {
					t.Fail(harness.Finding{Message: "the original authenticated request failed", Expected: "Status 2xx", Observed: p, Exchanges: []*target.Exchange{first}})
				}
				second := s.raw(body, hdr)
				if p := payloadStatus(second); p != 401 {
					t.Fail(harness.Finding{Message: "a replayed request was accepted", Expected: "Status 401", Observed: p, Exchanges: []*target.Exchange{first, second}})
				}
			},
		},
		{
			ID: "auth.stale-time", Requirement: "REQ-AUTH-REPLAY", Category: harness.Control,
			Title: "An authentication dated outside the window is refused",
			Doc: "NOTE-AUTH: the time must be within 300 s of the portal's clock. Signs a request dated one hour ago " +
				"and expects 401. Two requests.",
			Accepts: "Status 401 (NOTE-AUTH: time \"within 300 s of its clock\").",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("stale")
				body := mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
				ex := s.raw(body, s.signed(a, body, time.Now().Add(-time.Hour)))
				if p := payloadStatus(ex); p != 401 {
					t.Fail(harness.Finding{Message: "a request authenticated an hour ago was accepted", Expected: "Status 401", Observed: p, Exchanges: []*target.Exchange{ex}})
				}
			},
		},
		{
			ID: "auth.body-binding", Requirement: "CTL-MESSAGE-AUTHENTICATION", Category: harness.Control,
			Title: "The authentication covers the body",
			Doc: "7.1.1.2 Authentication / Integrity: the signature covers SHA-512 of the body (NOTE-AUTH). Signs " +
				"one body and sends another under the same header, and expects 401. Two requests.",
			Accepts: "Status 401 (NOTE-AUTH).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("body")
				signed := mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
				sent := mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name, SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}})
				ex := s.raw(sent, s.signed(a, signed, time.Now()))
				if p := payloadStatus(ex); p != 401 {
					t.Fail(harness.Finding{Message: "a body other than the signed one was accepted", Expected: "Status 401", Observed: p, Exchanges: []*target.Exchange{ex}})
				}
			},
		},
		{
			ID: "auth.portal-binding", Requirement: "CTL-MESSAGE-AUTHENTICATION", Category: harness.Control,
			Title: "The authentication is bound to this portal",
			Doc: "NOTE-AUTH signs the portal's host name, so a request captured at one portal cannot be played at " +
				"another. Signs for other-portal.invalid and expects 401. Two requests.",
			Accepts: "Status 401 (NOTE-AUTH).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("host")
				body := mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
				v, err := auth.Sign(a.Device.DAK, "other-portal.invalid", a.Name, body, time.Now(), nil)
				if err != nil {
					s.harnessFault("%v", err)
				}
				ex := s.raw(body, http.Header{"Authorization": {v}})
				if p := payloadStatus(ex); p != 401 {
					t.Fail(harness.Finding{Message: "a request signed for another portal was accepted", Expected: "Status 401", Observed: p, Exchanges: []*target.Exchange{ex}})
				}
			},
		},
	}
}

// signed returns the Authorization header of an account's device for body, dated now.
func (s *session) signed(a *client.Account, body []byte, now time.Time) http.Header {
	v, err := auth.Sign(a.Device.DAK, s.env.Domain, a.Name, body, now, nil)
	if err != nil {
		s.harnessFault("%v", err)
	}
	return http.Header{"Authorization": {v}}
}
