package conformance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/udf"
	"github.com/meshconform/meshconform/reference/wire"
	"github.com/meshconform/meshconform/reference/witness"
)

// connectChecks verify the connection protocol (draft 3.12-3.15, NOTE-CONNECT-FLOW).
func connectChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "connect.accept", Requirement: "REQ-CONNECT-RESULT-SIGNED", Category: harness.Deviation,
			Title: "The whole connection protocol: start, pending, complete, status",
			Doc: "A new device sends ConnectStart with a SignedConnectionRequest; the administration device lists " +
				"it with ConnectPending, verifies the device's signatures and the witness, and posts a CatalogEntryDevice " +
				"signed by an OnlineSignatureKey with ConnectComplete; the device then gets the result from ConnectStatus " +
				"and verifies its signature (3.15.1) — and can from then on authenticate. Example failure: ConnectStatus " +
				"stays 202 after the result was posted. About seven requests.",
			Accepts: "ConnectStatus Status 202 without a result before the decision (NOTE-STATUS-CODES), the signed CatalogEntryDevice after it, and payload Status 2xx for the joined device's request (NOTE-CONNECT-FLOW).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("conn")
				dev := s.newDevice()
				conn := s.start(a, dev)
				if out := s.poll(conn, dev); !out.Pending {
					t.Fail(harness.Finding{Message: "ConnectStatus reports a result before the administrator decided", Expected: "Status 202, no Result"})
				}
				pr := s.pendingFor(a, conn.MessageID)
				if _, err := s.c.Approve(ctx, a, pr); err != nil {
					s.failClient("ConnectComplete", err)
				}
				out := s.poll(conn, dev)
				if !out.Accepted {
					t.Fail(harness.Finding{Message: "the device did not receive its acceptance", Expected: "a CatalogEntryDevice result", Observed: fmt.Sprintf("%+v", out)})
				}
				joined := &client.Account{Name: a.Name, Device: dev}
				s.ok("ConnectPending", s.do(&mesh.ConnectPendingRequest{AccountID: a.Name}, joined.Auth()), "the newly connected device cannot authenticate")
			},
		},
		{
			ID: "connect.refuse", Requirement: "REQ-CONNECT-RESULT-SIGNED", Category: harness.Deviation,
			Title: "A refused connection reaches the device, which gains no authority",
			Doc: "The administrator refuses a request with a signed MessageConfirmationResponse (Accept false, " +
				"NOTE-SIGNED-CONNECTION-RESULT); ConnectStatus delivers it and the device still cannot authenticate. " +
				"About six requests.",
			Accepts: "A refusal delivered by ConnectStatus, then Status 401 for the refused device's request (NOTE-SIGNED-CONNECTION-RESULT, NOTE-AUTH).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("refuse")
				dev := s.newDevice()
				conn := s.start(a, dev)
				pr := s.pendingFor(a, conn.MessageID)
				if _, err := s.c.Refuse(ctx, a, pr); err != nil {
					s.failClient("ConnectComplete", err)
				}
				out := s.poll(conn, dev)
				if out.Pending || out.Accepted {
					t.Fail(harness.Finding{Message: "the device did not receive the refusal", Expected: "a refusal", Observed: fmt.Sprintf("%+v", out)})
				}
				rogue := &client.Account{Name: a.Name, Device: dev}
				s.refused("ConnectPending", s.do(&mesh.ConnectPendingRequest{AccountID: a.Name}, rogue.Auth()), "a refused device authenticated", 401)
			},
		},
		{
			ID: "connect.witness", Requirement: "REQ-WIRE-WITNESS", Category: harness.Deviation,
			Title: "The portal's witness is the one both devices compute",
			Doc: "NOTE-WITNESS: the witness is SHA-512(SHA-512(UDF(master key) || ServerNonce) || SHA-512(UDF(device " +
				"key) || ClientNonce)) in Base32. Recomputes it from the ConnectStartResponse challenge and compares; a " +
				"wrong witness makes users reject honest devices or, worse, learn to ignore the comparison. Two requests.",
			Accepts: "A ConnectStartResponse whose challenge yields the witness the device recomputes (NOTE-WITNESS).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("witness")
				dev := s.newDevice()
				_, err := s.c.StartConnection(ctx, a.Name, dev, "")
				if errors.Is(err, client.ErrWitness) {
					t.Fail(harness.Finding{Message: "the portal's witness does not match the recomputed one: " + err.Error()})
				}
				if err != nil {
					s.failClient("ConnectStart", err)
				}
			},
		},
		{
			ID: "connect.server-nonce", Requirement: "CTL-KEYGEN-STRONG", Level: harness.MUST, Category: harness.Control,
			Title: "ServerNonces are 128 bits, fresh and unbiased",
			Doc: "7.1.3: strong nonce generation. Starts 24 connections and checks that every ServerNonce is 16 " +
				"bytes, that none repeats, and that the bits are balanced (a monobit test: over 3,072 bits the count of " +
				"ones must lie within 5 standard deviations of half). Example failure: a counter or timestamp as nonce. " +
				"About 50 requests.",
			Accepts: "ServerNonces of 16 bytes, all different, with bits balanced within 5 standard deviations (NOTE-CONNECT-FLOW: \"a 128-bit ServerNonce\"; draft 7.1.3); a ConnectStart refused 429 with a Retry-After of at most 10 s is retried (NOTE-PENDING-FLOOD).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("nonce")
				seen := map[string]bool{}
				ones, bits := 0, 0
				for i := 0; i < 24; i++ {
					n := s.sampleStart(a, i, 24).Challenge.ServerNonce
					if len(n) != 16 {
						t.Fail(harness.Finding{Message: "a ServerNonce is not 128 bits", Expected: 16, Observed: len(n)})
					}
					if seen[string(n)] {
						t.Fail(harness.Finding{Message: "a ServerNonce repeated", Observed: wire.EncodeBase64(n)})
					}
					seen[string(n)] = true
					for _, b := range n {
						for ; b != 0; b &= b - 1 {
							ones++
						}
					}
					bits += 8 * len(n)
				}
				if d := float64(ones) - float64(bits)/2; d*d > 25*float64(bits)/4 {
					t.Fail(harness.Finding{Message: "ServerNonce bits are biased", Expected: fmt.Sprintf("about %d ones of %d bits", bits/2, bits), Observed: ones})
				}
			},
		},
		{
			ID: "connect.unsigned-request", Requirement: "REQ-CONNECT-REQUEST-SIGNED", Category: harness.Control,
			Title: "An unsigned connection request is refused",
			Doc: "3.12.1: the SignedRequest is \"signed by the signature key of the device requesting connection\". " +
				"Sends ConnectStart with the request envelope stripped of its signature and expects a refusal. Two requests.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES); a 2xx fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("unsignedreq")
				req := s.connectRequest(a, s.newDevice())
				req.SignedRequest = dare.WithoutSignatures(req.SignedRequest)
				s.refused("ConnectStart", s.do(req, nil), "an unsigned connection request was accepted")
			},
		},
		{
			ID: "connect.request-wrong-signer", Requirement: "REQ-CONNECT-REQUEST-SIGNED", Category: harness.Control,
			Title: "A connection request not signed by the requesting device is refused",
			Doc: "Signs a device's connection request with another device's key and expects ConnectStart to refuse it: " +
				"otherwise anyone can ask to connect in a device's name. Two requests.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES); a 2xx fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("wrongreq")
				req := s.connectRequest(a, s.newDevice())
				req.SignedRequest = s.resign(req.SignedRequest, s.newDevice().DSK)
				s.refused("ConnectStart", s.do(req, nil), "a connection request signed by another device was accepted")
			},
		},
		{
			ID: "connect.unsigned-result", Requirement: "REQ-CONNECT-RESULT-SIGNED", Category: harness.Control,
			Title: "An unsigned connection result is refused",
			Doc: "3.15.1: \"The result MUST be signed by a valid administration key for the Mesh profile.\" Posts an " +
				"unsigned CatalogEntryDevice with ConnectComplete (authenticated by the administration device) and " +
				"expects a refusal, and the device must not become authorised; then the genuine result must be " +
				"accepted, or the refusal said nothing of the signature (no verdict). About seven requests.",
			Accepts: "Any 4xx for ConnectComplete, 400 and 409 alike (draft 3.15.1 asks for a signature, not a code; NOTE-REFUSAL-CODES), then Status 401 for the device (NOTE-AUTH); the genuine result afterwards must get payload Status 2xx, else no verdict (the request could not be completed at all).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				s.completeWithForgedResult("unsignedres", func(a *client.Account, entry *mesh.DareMessage) *mesh.DareMessage {
					return dare.WithoutSignatures(entry)
				})
			},
		},
		{
			ID: "connect.result-not-admin", Requirement: "REQ-CONNECT-RESULT-ADMIN-KEY", Category: harness.Control,
			Title: "A connection result signed by a non-administration key is refused",
			Doc: "NOTE-SIGNED-CONNECTION-RESULT: the result is signed by an OnlineSignatureKey of the account's master " +
				"profile. Posts a result signed by the requesting device's own key and expects a refusal; a portal that " +
				"accepts it lets a device approve itself; then the genuine result must be accepted, or the refusal " +
				"said nothing of the signature (no verdict). About seven requests.",
			Accepts: "Any 4xx for ConnectComplete, 400 and 409 alike (NOTE-REFUSAL-CODES), then Status 401 for the device (NOTE-AUTH); the genuine result afterwards must get payload Status 2xx, else no verdict (the request could not be completed at all).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				s.completeWithForgedResult("selfsigned", func(a *client.Account, entry *mesh.DareMessage) *mesh.DareMessage {
					forged := s.resign(entry, a.Device.DSK)
					return forged
				})
			},
		},
		{
			ID: "connect.replayed-result", Requirement: "REQ-CONNECT-RESULT-SIGNED", Category: harness.Control,
			Title: "A connection result posted twice is refused the second time",
			Doc: "After a successful ConnectComplete, posting the same signed result again must be refused: " +
				"a captured result must not re-authorise a device the administrator later removes. About seven requests.",
			Accepts: "Payload Status 2xx the first time, any 4xx the second (NOTE-REFUSAL-CODES).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("replayres")
				dev := s.newDevice()
				conn := s.start(a, dev)
				pr := s.pendingFor(a, conn.MessageID)
				entry, err := a.Master.CatalogEntry(a.Name, pr.DeviceEnv)
				if err != nil {
					s.harnessFault("%v", err)
				}
				s.ok("ConnectComplete", s.do(&mesh.ConnectCompleteRequest{AccountID: a.Name, Result: entry}, a.Auth()), "completing the connection failed")
				s.refused("ConnectComplete", s.do(&mesh.ConnectCompleteRequest{AccountID: a.Name, Result: entry}, a.Auth()), "the same result was accepted twice")
			},
		},
		{
			ID: "connect.pending-unauthenticated", Requirement: "REQ-AUTH-STATE-CHANGING", Category: harness.Control,
			Title: "ConnectPending without authentication reveals nothing",
			Doc: "NOTE-AUTH: ConnectPending reveals an account's private state (who asks to join). Sends it without " +
				"authentication after a device asked to connect, and expects 401 and no Pending entries. Four requests.",
			Accepts: "Status 401 and no Pending entry (NOTE-AUTH).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("pendunauth")
				s.start(a, s.newDevice())
				r := s.do(&mesh.ConnectPendingRequest{AccountID: a.Name}, nil)
				s.refused("ConnectPending", r, "an unauthenticated ConnectPending was answered", 401)
				if n := len(r.resp.(*mesh.ConnectPendingResponse).Pending); n > 0 {
					t.Fail(harness.Finding{Message: "a refused ConnectPending still carried pending requests", Observed: n})
				}
			},
		},
		{
			ID: "connect.status-unknown", Requirement: "REQ-ENUMERATION-404", Category: harness.Deviation,
			Title:   "ConnectStatus of a device that never asked answers 404",
			Doc:     "Asks ConnectStatus for a device UDF that never sent ConnectStart and expects 404. Two requests.",
			Accepts: "Status 404 (NOTE-ENUMERATION).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("statusunknown")
				s.expect("ConnectStatus", s.do(&mesh.ConnectStatusRequest{AccountID: a.Name, DeviceID: s.newDevice().UDF()}, nil), "an unknown device has a connection status", 404)
			},
		},
		{
			ID: "connect.pin", Requirement: "REQ-CONNECT-RESULT-SIGNED", Category: harness.Deviation, Section: "2.9.4",
			Title: "A PIN-authenticated connection is approved by the administrator and completes",
			Doc: "NOTE-PIN: the administrator issues a PIN; the device puts the PIN's authenticator in PinID; the " +
				"administration device approves requests whose PinID matches an unexpired PIN. Runs the flow and " +
				"expects the device to be accepted. About seven requests.",
			Accepts: "The PIN-authenticated request approved and the device accepted through ConnectStatus (NOTE-PIN, NOTE-CONNECT-FLOW).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("pin")
				pin, err := client.IssuePIN(nil, time.Now())
				if err != nil {
					s.harnessFault("%v", err)
				}
				dev := s.newDevice()
				conn, err := s.c.StartConnection(ctx, a.Name, dev, pin.Value)
				if err != nil {
					s.failClient("ConnectStart", err)
				}
				n, err := s.c.AutoApprove(ctx, a, []witness.PIN{pin}, time.Now())
				if err != nil || n != 1 {
					t.Fail(harness.Finding{Message: fmt.Sprintf("the PIN-authenticated request was not approved (%d approved, %v)", n, err)})
				}
				if out := s.poll(conn, dev); !out.Accepted {
					t.Fail(harness.Finding{Message: "the PIN-authenticated device was not accepted", Observed: fmt.Sprintf("%+v", out)})
				}
			},
		},
	}
}

// connectRequest builds a device's ConnectStart request without sending it.
func (s *session) connectRequest(a *client.Account, dev *client.Device) *mesh.ConnectStartRequest {
	dp, err := dev.ProfileDevice()
	if err != nil {
		s.harnessFault("%v", err)
	}
	mid, err := udf.Nonce(nil, 128)
	if err != nil {
		s.harnessFault("%v", err)
	}
	cn := make([]byte, 16)
	for i := range cn {
		cn[i] = byte(s.t.Rand().Uint32())
	}
	signed, err := auth.SignStructure(&mesh.MessageConnectionRequest{MessageID: mid, Account: a.Name, DeviceProfile: dp, ClientNonce: cn}, dev.DSK)
	if err != nil {
		s.harnessFault("%v", err)
	}
	return &mesh.ConnectStartRequest{AccountID: a.Name, SignedRequest: signed}
}

// start runs step 1 with the reference client (which also checks the witness).
func (s *session) start(a *client.Account, dev *client.Device) *client.Connection {
	conn, err := s.c.StartConnection(s.ctx, a.Name, dev, "")
	if err != nil {
		s.failClient("ConnectStart", err)
	}
	return conn
}

// poll runs step 4 with the reference client.
func (s *session) poll(conn *client.Connection, dev *client.Device) *client.Outcome {
	out, err := s.c.PollConnection(s.ctx, conn, dev)
	if err != nil {
		s.failClient("ConnectStatus", err)
	}
	return out
}

// pendingFor finds a request among the account's pending ones, verified.
func (s *session) pendingFor(a *client.Account, messageID string) *client.PendingRequest {
	return s.findPending(a, messageID, 0)
}

// completeWithForgedResult posts a forged result for a real pending request and expects a
// refusal (any 4xx: 3.15.1 asks that the result be signed, not for a code; NOTE-REFUSAL-CODES),
// then checks the device did not become authorised.
func (s *session) completeWithForgedResult(suffix string, forge func(a *client.Account, entry *mesh.DareMessage) *mesh.DareMessage) {
	a := s.create(suffix)
	dev := s.newDevice()
	conn := s.start(a, dev)
	pr := s.pendingFor(a, conn.MessageID)
	entry, err := a.Master.CatalogEntry(a.Name, pr.DeviceEnv)
	if err != nil {
		s.harnessFault("%v", err)
	}
	s.refused("ConnectComplete", s.do(&mesh.ConnectCompleteRequest{AccountID: a.Name, Result: forge(a, entry)}, a.Auth()), "a forged connection result was accepted")
	rogue := &client.Account{Name: a.Name, Device: dev}
	s.refused("ConnectPending", s.do(&mesh.ConnectPendingRequest{AccountID: a.Name}, rogue.Auth()), "a device approved by a forged result authenticated", 401)
	// The refusal says something of the forgery only if the request could still be completed:
	// the same seed against the same portal makes the same connection request and the same
	// forged result again, and a portal that accepted the forgery on an earlier run refuses
	// it now as a replay of a completed request, which would read as a pass. The genuine
	// result must be accepted.
	if r := s.do(&mesh.ConnectCompleteRequest{AccountID: a.Name, Result: entry}, a.Auth()); r.status < 200 || r.status > 299 {
		s.t.Undecided(fmt.Sprintf("no verdict: the genuine result was refused too (Status %d), so the forged result's refusal says nothing of its signature; "+
			"an earlier run with this seed may have completed this connection on this portal: run with another seed or against a fresh portal", r.status))
	}
}

// failClient turns an error of the reference client into a finding: the portal answered
// something the reference cannot accept.
func (s *session) failClient(tx string, err error) {
	var se *client.StatusError
	if errors.As(err, &se) {
		s.t.Fail(harness.Finding{Message: fmt.Sprintf("%s failed: Status %d %s", tx, se.Status, se.Description), Expected: "Status 2xx", Observed: se.Status})
	}
	s.t.Fail(harness.Finding{Message: fmt.Sprintf("%s: %v", tx, err)})
}
