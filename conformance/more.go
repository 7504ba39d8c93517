package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// moreChecks cover the remaining requirements of draft section 3 and the accountability and
// integrity controls of section 7.
func moreChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "txn.any-order", Requirement: "REQ-TXN-NO-ORDER", Category: harness.Deviation,
			Title: "Transactions are answered in any order",
			Doc: "3: \"There is no set sequence in which operations are required to be performed.\" Sends " +
				"ConnectStatus, Status, Get, ValidateAccount and Hello, in that order, each as the first request of a new " +
				"connection (Connection: close); then a Hello and the same requests in the usual order on one connection. " +
				"Expects every answer tagged, no 5xx, and each payload Status the same both ways. Example failure: 400 for " +
				"a Get before any Hello. Eleven requests.",
			Accepts: "For each request out of the usual order, a tagged answer with no 5xx and the payload Status it gets in the usual order (draft 3: \"There is no set sequence\"); Status may say it is unimplemented (NOTE-UNIMPLEMENTED).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				reqs := s.probeRequests()
				unordered := make([]*target.Exchange, len(reqs))
				for i := len(reqs) - 1; i >= 0; i-- {
					ex := s.raw(reqs[i].body, http.Header{"Connection": {"close"}})
					unimpl := unimplementedAnswer(reqs[i].tx, ex)
					if st, _ := answerStatus(ex); ex.Problem != target.ProblemNone || ex.Response == nil || st >= 500 && !unimpl {
						t.Fail(harness.Finding{Message: reqs[i].tx + " out of the usual order was not answered", Expected: "a tagged answer, no 5xx", Observed: fmt.Sprintf("Status %d, HTTP %d %s", payloadStatus(ex), httpStatus(ex), ex.Problem), Exchanges: []*target.Exchange{ex}, Unanswered: true})
					}
					if tag, err := topTag(ex.Response.Body); !unimpl && (err != nil || tag != responseClass(reqs[i].tx)) {
						t.Fail(harness.Finding{Message: reqs[i].tx + " out of the usual order got no tagged answer", Expected: responseClass(reqs[i].tx), Observed: fmt.Sprintf("%s (%v)", tag, err), Exchanges: []*target.Exchange{ex}})
					}
					unordered[i] = ex
				}
				// The usual order on one connection of its own: from the shared pool, a request
				// could go over a connection that another check opened and never sent a Hello on.
				post := s.raw
				if conn, ok := t.Connection(); ok {
					defer conn.Close()
					post = func(body []byte, hdr http.Header) *target.Exchange {
						ex, err := conn.Post(s.ctx, body, hdr)
						if err != nil {
							t.Skip("the run ended: " + err.Error())
						}
						return ex
					}
				}
				for i, rq := range reqs { // reqs[0] is the Hello
					ex := post(rq.body, nil)
					if got, want := payloadStatus(unordered[i]), payloadStatus(ex); got != want {
						t.Fail(harness.Finding{Message: rq.tx + " is answered differently out of the usual order",
							Expected: fmt.Sprintf("Status %d, as after a Hello", want), Observed: fmt.Sprintf("Status %d", got),
							Exchanges: []*target.Exchange{unordered[i], ex}})
					}
				}
			},
		},
		{
			ID: "txn.idempotent", Requirement: "REQ-TXN-IDEMPOTENT", Category: harness.Deviation,
			Title: "Repeating a ValidateAccount gives the same answer",
			Doc: "3: \"The protocol itself is thus idempotent.\" Sends the same ValidateAccount three times and " +
				"expects three responses that are the same JSON value (member order and string escapes aside). Three requests.",
			Accepts: "Three answers that are the same JSON value; member order and escapes may differ (draft 3, NOTE-RESPONSE-EXTENSIONS).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				body := mustRequest(&mesh.ValidateRequest{Account: s.account("same")})
				first := s.raw(body, nil)
				if payloadStatus(first) == 0 {
					t.Fail(harness.Finding{Message: "ValidateAccount got no decodable answer", Expected: "a ValidateResponse with Status", Observed: fmt.Sprintf("HTTP %d %s", httpStatus(first), first.Problem), Exchanges: []*target.Exchange{first}})
				}
				for i := 0; i < 2; i++ {
					again := s.raw(body, nil)
					if first.Response == nil || again.Response == nil || !sameJSON(first.Response.Body, again.Response.Body) {
						t.Fail(harness.Finding{Message: "the same ValidateAccount got different answers", Expected: string(bodyOf(first)), Observed: string(bodyOf(again)), Exchanges: []*target.Exchange{first, again}})
					}
				}
			},
		},
		{
			ID: "txn.connection-independent", Requirement: "REQ-TXN-NO-CONNECTION-STATE", Category: harness.Probe,
			Title: "Answers do not depend on the HTTP connection",
			Doc: "3: transactions \"do not cause changes to the connection state\". Creates an account, then reads it " +
				"on a connection that the request closes (Connection: close) and on a kept-alive one, and reports " +
				"whether both see it. Information only. Three requests.",
			Accepts: "Any answer: information only (draft 3).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("conn")
				body := mustRequest(&mesh.GetRequest{Account: a.Name})
				closed := s.raw(body, http.Header{"Connection": {"close"}})
				kept := s.raw(body, nil)
				if payloadStatus(closed) == payloadStatus(kept) {
					t.Info("the account is visible alike on a new and on a kept-alive connection")
				} else {
					t.Info(fmt.Sprintf("the answers differ by connection: Status %d and %d", payloadStatus(closed), payloadStatus(kept)))
				}
			},
		},
		{
			ID: "auth.wrong-device-key", Requirement: "REQ-DEVICE-AUTH-KEY", Category: harness.Control,
			Title: "Only the DeviceAuthenticationKey authenticates a device",
			Doc: "2.6.6: the DeviceAuthenticationKey is the \"Key used to authenticate requests made by the device\". " +
				"Authenticates a request with the device's signature key (DSK) instead, and expects 401: a portal that " +
				"accepts any key of the device confuses the roles the profile gives its keys. Two requests.",
			Accepts: "Status 401 (NOTE-AUTH; draft 2.6.6).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("dsk")
				s.refused("ConnectPending", s.do(&mesh.ConnectPendingRequest{AccountID: a.Name}, &client.Auth{Signer: a.Device.DSK, Account: a.Name}), "a request authenticated by the device's signature key was accepted", 401)
			},
		},
		{
			ID: "auth.refusal-status", Requirement: "REQ-AUTH-REFUSE", Category: harness.Control,
			Title: "An unauthenticated request gets HTTP 401 and Status 401, never data",
			Doc: "NOTE-AUTH: \"Otherwise HTTP 401 and Status 401, never data.\" Sends an unauthenticated ConnectPending " +
				"for an account with a pending request and checks both status codes and that no Pending entry is " +
				"returned. Three requests.",
			Accepts: "HTTP 401 and Status 401 and no Pending member (NOTE-AUTH: \"Otherwise HTTP 401 and Status 401, never data\"), the one HTTP code a note names.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("r401")
				s.start(a, s.newDevice())
				ex := s.raw(mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name}), nil)
				if httpStatus(ex) != 401 || payloadStatus(ex) != 401 {
					t.Fail(harness.Finding{Message: "an unauthenticated request was not answered 401 on both layers", Expected: "HTTP 401, Status 401", Observed: fmt.Sprintf("HTTP %d, Status %d", httpStatus(ex), payloadStatus(ex)), Exchanges: []*target.Exchange{ex}})
				}
				if bytes.Contains(bodyOf(ex), []byte(`"Pending"`)) {
					t.Fail(harness.Finding{Message: "the refusal carries pending requests", Observed: string(bodyOf(ex)), Exchanges: []*target.Exchange{ex}})
				}
			},
		},
		{
			ID: "status.answers", Requirement: "REQ-UNIMPLEMENTED-501", Category: harness.Deviation,
			Title: "Status is implemented, or says it is not with 501",
			Doc: "NOTE-UNIMPLEMENTED: a portal without Status answers Status 501 (or HTTP 404/501 for the whole " +
				"request), so that clients and this suite can tell absence from failure. Fails on anything else that " +
				"is not a StatusResponse with Status 2xx, e.g. a 500. One request.",
			Accepts: "A StatusResponse with payload Status 2xx, or unimplemented: Status 501, or HTTP 404/501 without a MeshResponse (NOTE-UNIMPLEMENTED); a 500 fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				r := s.do(&mesh.StatusRequest{}, nil)
				s.unimplementedIf("Status", r)
				s.ok("Status", r, "Status neither answers nor says it is unimplemented")
			},
		},
		{
			ID: "status.implemented", Requirement: "REQ-STATUS-NOT-IMPLEMENTED", Category: harness.Probe,
			Title: "Does the portal implement Status and Transfer?",
			Doc: "The draft marks Status and Transfer \"[Not currently implemented]\": their absence is allowed. " +
				"Reports which of the two the portal offers. Information only. Two requests.",
			Accepts: "Any answer: information only (draft 3.11, 3.16: \"[Not currently implemented]\").",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				for _, q := range []mesh.MeshRequest{&mesh.StatusRequest{}, &mesh.TransferRequest{}} {
					r := s.do(q, nil)
					switch {
					case r.status == 501 || (r.ex != nil && (r.ex.HTTPStatus == 404 || r.ex.HTTPStatus == 501) && r.resp == nil):
						t.Info(q.Transaction() + " is not implemented")
					default:
						t.Info(fmt.Sprintf("%s is implemented (Status %d)", q.Transaction(), r.status))
					}
				}
			},
		},
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
		{
			ID: "transfer.checkpoint-matches", Requirement: "CTL-BROKER-TRANSPARENCY", Category: harness.Control, Serial: true,
			Title: "The last log record's Chain is the Status checkpoint",
			Doc: "7.1.7 Trust Broker Accountability (\"Cert transparency type techniques\"), NOTE-LOG: the checkpoint " +
				"is the hash chain over every write. Run alone: creates an account, reads Status, and expects the " +
				"account's newest log record from Transfer to carry CheckpointValue as its Chain. Three requests.",
			Accepts: "The newest own LogRecord's Chain equal to Status's CheckpointValue (NOTE-LOG); unimplemented without Status or Transfer (NOTE-UNIMPLEMENTED).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("chain")
				st := s.status()
				recs := s.ownRecords(a)
				last := recs[len(recs)-1]
				if last.Chain != st.CheckpointValue {
					t.Fail(harness.Finding{Message: "the newest record's Chain is not the checkpoint", Expected: st.CheckpointValue, Observed: last.Chain})
				}
			},
		},
		{
			ID: "transfer.records-attributed", Requirement: "CTL-ACCOUNTABILITY-AUTHENTICATION", Category: harness.Control,
			Title: "Every log record says which transaction wrote what, when, for whom",
			Doc: "7.2.4 Accountability: \"Authentication and consequences\". Each LogRecord the account's device gets " +
				"from Transfer must carry Transaction, Account, Time and the Digest of the request. Three requests.",
			Accepts: "Every own LogRecord with Transaction, Account, Time and Digest (NOTE-LOG); unimplemented without Transfer (NOTE-UNIMPLEMENTED).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("attrib")
				for i, rec := range s.ownRecords(a) {
					if rec.Transaction == "" || rec.Account == "" || rec.Time == nil || len(rec.Digest) == 0 {
						t.Fail(harness.Finding{Message: fmt.Sprintf("log record %d lacks attribution", i), Expected: "Transaction, Account, Time, Digest", Observed: rec})
					}
				}
			},
		},
	}
}

// ownRecords returns the account's log records from Transfer, following PageKeys, ending the
// check as unimplemented when the portal has no Transfer.
func (s *session) ownRecords(a *client.Account) []*mesh.LogRecord {
	var out []*mesh.LogRecord
	for i, item := range s.transferItems(a) {
		v, err := auth.Open(&item)
		if err != nil {
			s.t.Fail(harness.Finding{Message: fmt.Sprintf("DataItems[%d] does not open: %v", i, err)})
		}
		if rec, ok := v.(*mesh.LogRecord); ok {
			out = append(out, rec)
		}
	}
	if len(out) == 0 {
		s.t.Fail(harness.Finding{Message: "Transfer returned no log record of the account"})
	}
	return out
}

// transferItems returns the DataItems of every page of an authorised Transfer (a portal may page
// for "internal server limits", draft 3.16.2), ending the check as unimplemented when the
// portal has no Transfer (NOTE-UNIMPLEMENTED).
func (s *session) transferItems(a *client.Account) []mesh.DareMessage {
	var out []mesh.DareMessage
	req := &mesh.TransferRequest{}
	for page := 0; page < 50; page++ {
		r := s.do(req, a.Auth())
		s.unimplementedIf("Transfer", r)
		s.ok("Transfer", r, "an authorised Transfer failed")
		tr := r.resp.(*mesh.TransferResponse)
		out = append(out, tr.DataItems...)
		if tr.PageKey == "" || len(tr.DataItems) == 0 {
			break
		}
		req = &mesh.TransferRequest{SearchConstraints: &mesh.SearchConstraints{PageKey: tr.PageKey}}
	}
	return out
}

// sameJSON reports whether two bodies are the same JSON value: JSON objects are unordered and
// a string may be written with or without escapes, so two equal answers need not be equal bytes.
func sameJSON(a, b []byte) bool {
	decode := func(body []byte) (any, bool) {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		var v any
		return v, dec.Decode(&v) == nil
	}
	va, oka := decode(a)
	vb, okb := decode(b)
	if !oka || !okb {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(va, vb)
}

func bodyOf(ex *target.Exchange) []byte {
	if ex == nil || ex.Response == nil {
		return nil
	}
	return ex.Response.Body
}
