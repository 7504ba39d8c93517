package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
)

// consistencyChecks send the identical read before and after each kind of write and expect the
// second answer to show the write (NOTE-READ-YOUR-WRITES), and keep using an account after a
// Publish to see the account survived it.
func consistencyChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "consistency.get-after-publish", Requirement: "REQ-READ-YOUR-WRITES", Category: harness.Deviation,
			Title: "The same Get before and after a Publish shows the published entries",
			Doc: "NOTE-READ-YOUR-WRITES: a read sent after a write was acknowledged reflects it. Sends Get by Account " +
				"and Get by a new device's Identifier, publishes a new version of the account's ProfileMesh and the " +
				"device's profile, then sends the byte-identical Gets again: the first must return the new ProfileMesh, " +
				"the second (404 before) the device profile. Example failure: a caching layer that answers the second " +
				"Get with the first answer. Six requests.",
			Accepts: "For the identical Gets after the Publishes, payload Status 2xx whose entries, on any number of pages (draft 3.9.2), include the published ProfileMesh and device profile compared as decoded envelopes (NOTE-READ-YOUR-WRITES, NOTE-RESPONSE-EXTENSIONS); 404 for the Get by Identifier before (NOTE-ENUMERATION).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("ryw")
				d := s.newDevice()
				byAccount, byID := &mesh.GetRequest{Account: a.Name}, &mesh.GetRequest{Identifier: d.UDF()}
				s.ok("Get", s.do(byAccount, nil), "Get of the new account failed (precondition)")
				s.expect("Get", s.do(byID, nil), "an unpublished device profile is found (precondition)", 404)
				v2 := s.profileVersion(a, time.Now().Add(time.Second))
				s.ok("Publish", s.publish(a, v2), "publishing a new version of the ProfileMesh failed")
				dp := s.deviceProfile(d)
				s.ok("Publish", s.publish(a, dp), "publishing a device profile failed")
				r, entries := s.getEntries(byAccount, "Get of the account after Publish failed")
				if !containsEnvelope(entries, v2) {
					t.Fail(harness.Finding{Message: "the same Get by Account after a Publish does not return the published ProfileMesh", Expected: "the new version", Observed: excerpt(r.ex)})
				}
				r, entries = s.getEntries(byID, "the same Get by Identifier after the device profile was published does not find it")
				if !containsEnvelope(entries, dp) {
					t.Fail(harness.Finding{Message: "the same Get by Identifier after a Publish does not return the published profile", Observed: excerpt(r.ex)})
				}
			},
		},
		{
			ID: "consistency.get-after-delete", Requirement: "REQ-READ-YOUR-WRITES", Category: harness.Deviation,
			Title: "The same Get before and after a DeleteAccount shows the account gone",
			Doc: "NOTE-READ-YOUR-WRITES with 3.8 \"Deletes a portal account\": Get by Account finds the account, " +
				"DeleteAccount succeeds, and the byte-identical Get must answer 404. Three requests.",
			Accepts: "Payload Status 2xx for the Get before and the DeleteAccount, then Status 404 for the identical Get (NOTE-READ-YOUR-WRITES, NOTE-ENUMERATION).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("rywdel")
				get := &mesh.GetRequest{Account: a.Name}
				s.ok("Get", s.do(get, nil), "Get of the new account failed (precondition)")
				s.ok("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, a.Auth()), "deleting the account failed")
				s.expect("Get", s.do(get, nil), "the same Get after DeleteAccount still finds the account", 404)
			},
		},
		{
			ID: "consistency.status-after-complete", Requirement: "REQ-READ-YOUR-WRITES", Category: harness.Deviation,
			Title: "The same ConnectStatus before and after ConnectComplete shows the result",
			Doc: "NOTE-READ-YOUR-WRITES with NOTE-CONNECT-FLOW: a device starts a connection, sends ConnectStatus " +
				"(pending, 202), the administration device completes it, and the byte-identical ConnectStatus must " +
				"now carry the signed Result. Five requests.",
			Accepts: "ConnectStatus Status 202 before the decision (NOTE-STATUS-CODES: 202 pending), then payload Status 2xx other than 202 with a Result for the identical request (NOTE-READ-YOUR-WRITES, NOTE-CONNECT-FLOW).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("rywconn")
				dev := s.newDevice()
				conn := s.start(a, dev)
				st := &mesh.ConnectStatusRequest{AccountID: a.Name, DeviceID: dev.UDF()}
				s.expect("ConnectStatus", s.do(st, nil), "a connection nobody answered is not pending (precondition)", 202)
				pr := s.pendingFor(a, conn.MessageID)
				if _, err := s.c.Approve(ctx, a, pr); err != nil {
					s.failClient("ConnectComplete", err)
				}
				r := s.do(st, nil)
				s.ok("ConnectStatus", r, "the same ConnectStatus after ConnectComplete failed")
				if r.status == 202 || r.resp.(*mesh.ConnectStatusResponse).Result == nil {
					t.Fail(harness.Finding{Message: "the same ConnectStatus after ConnectComplete still shows the request pending", Expected: "a Result", Observed: excerpt(r.ex)})
				}
			},
		},
		{
			ID: "consistency.status-after-publish", Requirement: "REQ-LOG-CHECKPOINT-GROWS", Category: harness.Control,
			Title: "The same Status before and after a Publish shows a new checkpoint",
			Doc: "NOTE-LOG: every accepted write is appended to the log, and CheckpointValue is the last Chain; with " +
				"NOTE-READ-YOUR-WRITES the Status read after a Publish was acknowledged must show a checkpoint other " +
				"than the one before it. Four requests (unimplemented when the portal has no Status).",
			Accepts: "A CheckpointValue after the acknowledged Publish other than the one before it (NOTE-LOG, NOTE-READ-YOUR-WRITES); unimplemented when Status answers 501 or HTTP 404/501 (NOTE-UNIMPLEMENTED).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("rywstatus")
				before := s.status()
				s.ok("Publish", s.publish(a, s.deviceProfile(s.newDevice())), "publishing a device profile failed")
				if after := s.status(); after.CheckpointValue == before.CheckpointValue {
					t.Fail(harness.Finding{Message: "Status after an acknowledged Publish shows the checkpoint of before it", Expected: "a new CheckpointValue", Observed: after.CheckpointValue})
				}
			},
		},
		{
			ID: "publish.foreign-profile", Requirement: "CTL-MESSAGE-ACCESS-CONTROL", Category: harness.Control,
			Title: "A Publish of another master's ProfileMesh does not become the account's profile",
			Doc: "NOTE-PUBLISH-ENTRY: an account's ProfileMesh is its master's; a device of the account publishing a " +
				"validly signed ProfileMesh of another master (naming this account) would hand the account to that " +
				"master. Expects a refusal, and Get by Account to return the account's own ProfileMesh still. Three " +
				"requests.",
			Accepts: "Any 4xx for the Publish (NOTE-REFUSAL-CODES), then Get by Account with payload Status 2xx whose entries, on every page, do not include the other master's ProfileMesh (NOTE-PUBLISH-ENTRY).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("own")
				other := s.newAccount("thief")
				theirs, err := other.Master.ProfileMeshAt(a.Name, time.Now().Add(time.Second))
				if err != nil {
					s.harnessFault("%v", err)
				}
				s.refused("Publish", s.publish(a, theirs), "another master's ProfileMesh was published as the account's profile")
				r, entries := s.getEntries(&mesh.GetRequest{Account: a.Name}, "Get of the account failed after the refused Publish")
				if containsEnvelope(entries, theirs) {
					t.Fail(harness.Finding{Message: "Get returns the other master's ProfileMesh as the account's profile", Observed: excerpt(r.ex)})
				}
			},
		},
		{
			ID: "publish.account-usable", Requirement: "REQ-READ-YOUR-WRITES", Category: harness.Deviation,
			Title: "After a Publish the account still works: connect, publish again, delete",
			Doc: "3.10: Publish adds an entry to an account; it does not take the account away. Publishes a new " +
				"ProfileMesh version, then expects a ConnectStart to the account, a ConnectPending by its " +
				"administration device, a further ProfileMesh version, a Get returning that version, and DeleteAccount " +
				"to succeed, and Get to answer 404 after. Example failure: a Publish that saves the account record " +
				"without its master or devices. Nine requests.",
			Accepts: "Payload Status 2xx for the Publishes, ConnectStart, ConnectPending and DeleteAccount; the last ProfileMesh among Get's entries on any number of pages (draft 3.9.2); then Status 404 for Get (NOTE-READ-YOUR-WRITES, NOTE-ENUMERATION).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("usable")
				s.ok("Publish", s.publish(a, s.profileVersion(a, time.Now().Add(time.Second))), "publishing a new ProfileMesh version failed")
				s.ok("ConnectStart", s.do(s.connectRequest(a, s.newDevice()), nil), "ConnectStart to the account failed after a Publish")
				s.ok("ConnectPending", s.do(&mesh.ConnectPendingRequest{AccountID: a.Name}, a.Auth()), "ConnectPending by the administration device failed after a Publish")
				v3 := s.profileVersion(a, time.Now().Add(2*time.Second))
				s.ok("Publish", s.publish(a, v3), "a second ProfileMesh version could not be published")
				r, entries := s.getEntries(&mesh.GetRequest{Account: a.Name}, "Get of the account failed after two Publishes")
				if !containsEnvelope(entries, v3) {
					t.Fail(harness.Finding{Message: "Get does not return the last published ProfileMesh", Observed: excerpt(r.ex)})
				}
				s.ok("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, a.Auth()), "the account could not be deleted after a Publish")
				s.expect("Get", s.getAccount(a.Name), "the account is still found after DeleteAccount", 404)
			},
		},
		{
			ID: "wire.odd-inputs", Requirement: "REQ-WIRE-LIMITS", Category: harness.Control,
			Title: "Well-formed but unusual requests get an answer, never a 5xx",
			Doc: "NOTE-LIMITS and NOTE-STATUS-CODES: bad input is a clear error, never a crash. Sends a Publish whose " +
				"Entry's header is null, a Publish whose Authorization is a " +
				"malformed Mesh-Session header, and a Transfer with a NotBefore/Before time window; each must get a " +
				"decodable answer with a Status below 500 (a portal without Transfer may answer 501); then a ConnectComplete " +
				"whose result is a MessageConfirmationResponse without Accept, for a pending request; then CreateAccounts " +
				"and a ConnectStart whose Profile, Device and SignedRequest are signed envelopes whose payload is no Mesh " +
				"structure. Nine requests.",
			Accepts: "For each request an answer whose Status, the payload's when there is one (draft 3.2: authoritative), else the HTTP status, is below 500: any 2xx or 4xx (NOTE-LIMITS, NOTE-STATUS-CODES, NOTE-NO-TRANSACTION); Transfer may be unimplemented: Status 501, or HTTP 404/501 without a MeshResponse (NOTE-UNIMPLEMENTED). The CreateAccounts and the ConnectStart with an undecodable envelope: any Status 4xx (NOTE-REFUSAL-CODES).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("odd")
				dp := *s.deviceProfile(s.newDevice())
				dp.Header = nil // encoded as {}: the wire form without a header is null
				headerless := bytes.Replace(mustRequest(&mesh.PublishRequest{Entry: &dp}), []byte(`"Entry":[{}`), []byte(`"Entry":[null`), 1)
				s.exchangeBelow500("Publish of an entry whose header is null", s.raw(headerless, s.signed(a, headerless, time.Now())))
				body := mustRequest(&mesh.PublishRequest{Entry: s.deviceProfile(s.newDevice())})
				hdr := http.Header{"Authorization": {"Mesh-Session ticket=\"%%%\", mac=,,"}}
				s.exchangeBelow500("Publish with a malformed Mesh-Session Authorization", s.raw(body, hdr))
				nb := notBefore()
				bf := nb.Add(2 * time.Hour)
				r := s.do(&mesh.TransferRequest{SearchConstraints: &mesh.SearchConstraints{NotBefore: nb, Before: &bf}}, a.Auth())
				if !noSuchTransaction(r) {
					s.below500("Transfer with a time window", r)
				}
				conn := s.start(a, s.newDevice())
				noAccept, err := auth.SignStructure(&mesh.MessageConfirmationResponse{ResponseID: conn.MessageID}, a.Master.OSK)
				if err != nil {
					s.harnessFault("%v", err)
				}
				s.below500("ConnectComplete with a MessageConfirmationResponse without Accept", s.do(&mesh.ConnectCompleteRequest{AccountID: a.Name, Result: noAccept}, a.Auth()))
				// A signed envelope whose payload is no Mesh structure, where a profile and a
				// connection request are expected: a decoder that assumes the decoding worked
				// crashes on it (a mutant of the reference did, issue 16).
				garbage, err := auth.SignPayload([]byte("not a Mesh structure"), a.Master.OSK)
				if err != nil {
					s.harnessFault("%v", err)
				}
				cr := s.createRequest(s.newAccount("oddprofile"))
				cr.Profile = garbage
				s.refused("CreateAccount", s.do(cr, nil), "a Profile whose payload is no Mesh structure was not refused")
				nd := s.newAccount("odddevice")
				cd := s.createRequest(nd)
				// Signed by the new account's own OnlineSignatureKey, so that only the payload is wrong.
				if cd.Device, err = auth.SignPayload([]byte("not a Mesh structure"), nd.Master.OSK); err != nil {
					s.harnessFault("%v", err)
				}
				s.refused("CreateAccount", s.do(cd, nil), "a Device entry whose payload is no Mesh structure was not refused")
				cs := s.connectRequest(a, s.newDevice())
				cs.SignedRequest = garbage
				s.refused("ConnectStart", s.do(cs, nil), "a SignedRequest whose payload is no Mesh structure was not refused")
			},
		},
	}
}

// profileVersion is a new version of the account's ProfileMesh, marked updated at.
func (s *session) profileVersion(a *client.Account, at time.Time) *mesh.DareMessage {
	pm, err := a.Master.ProfileMeshAt(a.Name, at)
	if err != nil {
		s.harnessFault("%v", err)
	}
	return pm
}

// exchangeBelow500 fails the check unless a raw exchange got an answer whose Status is below
// 500: the payload's when it carries one (draft 3.2: "the response code returned in the payload
// object MUST always be considered authoritative"), the HTTP status's otherwise.
func (s *session) exchangeBelow500(what string, ex *target.Exchange) {
	if st, _ := answerStatus(ex); ex.Problem != target.ProblemNone || ex.Response == nil || st >= 500 {
		s.t.Fail(harness.Finding{Message: what + ": no answer or a server error", Expected: "HTTP status below 500", Observed: fmt.Sprintf("%s %s", ex.Problem, bodyOf(ex)), Exchanges: []*target.Exchange{ex}})
	}
}

// below500 fails the check unless the portal gave a decodable answer with a Status below 500.
func (s *session) below500(what string, r reply) {
	s.answered(what, r)
	if r.status >= 500 {
		s.t.Fail(harness.Finding{Message: what + ": a server error for a well-formed request", Expected: "Status below 500", Observed: fmt.Sprintf("Status %d %s", r.status, r.resp.Description())})
	}
}

// getEntries sends a Get and follows its PageKeys (a portal's pages may be smaller than asked
// for, draft 3.9.2: "internal server limits"), returning the first reply and every page's
// entries; what says why the check fails when a page is not a success.
func (s *session) getEntries(req *mesh.GetRequest, what string) (reply, []mesh.DareMessage) {
	first := s.do(req, nil)
	r := first
	var entries []mesh.DareMessage
	for page := 0; ; page++ {
		s.ok("Get", r, what)
		g := r.resp.(*mesh.GetResponse)
		entries = append(entries, g.Entries...)
		if g.PageKey == "" || len(g.Entries) == 0 {
			return first, entries
		}
		if page == 50 {
			s.t.Fail(harness.Finding{Message: "paging did not end after 50 pages"})
		}
		next := *req
		sc := mesh.SearchConstraints{}
		if req.SearchConstraints != nil {
			sc = *req.SearchConstraints
		}
		sc.PageKey = g.PageKey
		next.SearchConstraints = &sc
		r = s.do(&next, nil)
	}
}
