package conformance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// refusalChecks walk the transactions for requests that must be refused because of what they
// name (an account never created, or deleted), and for envelopes whose signature bytes are
// wrong though their kid is right (draft 2.6, 3.6-3.16, NOTE-AUTH, NOTE-ENUMERATION).
func refusalChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "delete.missing", Requirement: "REQ-ENUMERATION-404", Category: harness.Deviation,
			Title: "DeleteAccount of an account that does not exist, or no longer does, is refused",
			Doc: "3.8: \"Deletes a portal account\"; there is nothing to delete when the account was never created " +
				"or is already deleted. NOTE-ENUMERATION: an unknown name answers 404; NOTE-AUTH: a key that is no " +
				"device of the account gets 401. Sends a signed DeleteAccount for a never-created name, then creates, " +
				"deletes and deletes again; each must be refused with 404 or 401. Example failure: Status 200 for the " +
				"second delete. Four requests.",
			Accepts: "Status 404 or 401 for both deletes, never-created and already deleted alike (NOTE-ENUMERATION: an unknown or deleted account answers 404; NOTE-AUTH: a key that is no device of the account, \"Otherwise HTTP 401 and Status 401\"); the HTTP status is not judged (draft 3.2).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				ghost := s.newAccount("never")
				s.refused("DeleteAccount", s.do(&mesh.DeleteRequest{Account: ghost.Name}, ghost.Auth()), "deleting an account that was never created succeeded", 404, 401)
				a := s.create("twice")
				s.ok("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, a.Auth()), "deleting the account failed (precondition)")
				s.refused("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, a.Auth()), "deleting an already deleted account succeeded", 404, 401)
			},
		},
		{
			ID: "txn.missing-account", Requirement: "REQ-ENUMERATION-404", Category: harness.Control,
			Title: "Every transaction naming a never-created account is refused, with 404 or 401",
			Doc: "NOTE-ENUMERATION: \"an unknown name ... answer[s] 404\"; NOTE-AUTH: a request whose key is no device " +
				"of the account is refused 401. Sends well-formed Get, Publish, ConnectStart, ConnectPending, " +
				"ConnectComplete and Transfer requests naming an account that was never created (the authenticated " +
				"ones signed by a device key of that name) and expects Get and ConnectStart to answer 404 and the " +
				"others 404 or 401 (ConnectComplete 400 or 409 too, for its Result; Transfer unimplemented when the portal has none). Example failure: " +
				"400, which says the request is malformed when only the account is missing. Then Get and ConnectStart " +
				"naming a name no account can have, refused 404, 400 or 409. Eight requests.",
			Accepts: "Status 404 for Get and ConnectStart (NOTE-ENUMERATION), 404 or 401 for Publish, ConnectPending and Transfer (NOTE-AUTH), and for ConnectComplete 400 or 409 too (its Result may be refused for content first, NOTE-REFUSAL-CODES); Transfer may be unimplemented: Status 501, or HTTP 404/501 without a MeshResponse (NOTE-UNIMPLEMENTED). For the invalid name: 404, 400 or 409 (NOTE-ENUMERATION, NOTE-REFUSAL-CODES: \"an invalid name\"). Payload Status decides (draft 3.2).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				ghost := s.newAccount("ghost")
				s.refuseAll(ghost, "an account that was never created")
				// A name no account can have is unknown too (404), or refused for its content, 400
				// or 409 alike (NOTE-REFUSAL-CODES names "an invalid name").
				bad := s.newAccount("bad")
				bad.Name = s.t.Name("x") + " {bad}@" + env.Domain
				s.refused("Get", s.getAccount(bad.Name), "a Get naming an invalid account name was not refused as unknown", 404, 400, 409)
				s.refused("ConnectStart", s.do(s.connectRequest(bad, s.newDevice()), nil), "a ConnectStart naming an invalid account name was not refused as unknown", 404, 400, 409)
			},
		},
		{
			ID: "txn.deleted-account", Requirement: "CTL-MESSAGE-ACCESS-CONTROL", Category: harness.Control,
			Title: "Every transaction naming a deleted account is refused, with 404 or 401",
			Doc: "3.8 and NOTE-ENUMERATION: a deleted account answers as one never created. Creates an account, deletes " +
				"it, then sends the requests of txn.missing-account for it, authenticated by its former administration " +
				"device, with the same expectations. Example failure: ConnectPending still answered for the former " +
				"device. Eight requests.",
			Accepts: "As txn.missing-account for each transaction (NOTE-ENUMERATION: \"an unknown name and a deleted account answer 404 identically\"; NOTE-AUTH: 401 for the former device; NOTE-REFUSAL-CODES for ConnectComplete; NOTE-UNIMPLEMENTED for Transfer); payload Status decides (draft 3.2).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("gone")
				s.ok("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, a.Auth()), "deleting the account failed (precondition)")
				s.refuseAll(a, "a deleted account")
			},
		},
		{
			ID: "auth.header-strict", Requirement: "REQ-AUTH-REFUSE", Category: harness.Control,
			Title: "An Authorization with a short nonce or a repeated parameter is refused",
			Doc: "NOTE-AUTH: nonce=\"<b64url 16 random bytes>\", each parameter once; \"Otherwise HTTP 401 and Status " +
				"401\". Sends an authenticated ConnectPending whose signature verifies but whose nonce is 8 bytes, and " +
				"one whose header repeats account= (another account first, the signed one last, as a parser where " +
				"the last value wins would read it); expects 401 for both (404 too for the repeated account=, whose first value names no account), after the same request with a proper " +
				"header succeeded. Example failure: a short nonce accepted, so the replay window holds " +
				"guessable nonces; a repeated parameter read one way by a proxy and another by the portal. Four requests.",
			Accepts: "Payload Status 2xx for the properly signed request (a tagged answer without Status is 201, WIRE.md 3), then payload Status 401, tagged or bare, for the 8-byte nonce and for the repeated account= (NOTE-AUTH: nonce=\"<b64url 16 random bytes>\", each parameter once; \"Otherwise HTTP 401 and Status 401\"), the latter 404 too, since its first account= names no account (NOTE-ENUMERATION); the HTTP status is not judged.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("hdr")
				body := mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
				s.expectAuth(body, s.signed(a, body, time.Now()), "a properly signed request (precondition)")
				dup := s.signed(a, body, time.Now())
				dup.Set("Authorization", strings.Replace(dup.Get("Authorization"), "Mesh ", `Mesh account="`+s.account("other")+`", `, 1))
				// A parser where the first value wins reads an account never created: 404 is
				// its answer (NOTE-ENUMERATION), as good a refusal as 401.
				s.expectAuth(body, dup, "a request whose Authorization repeats account=", 401, 404)
				short := make([]byte, 8)
				for i := range short {
					short[i] = byte(t.Rand().Uint32())
				}
				s.expectAuth(body, s.signedWithNonce(a, body, wire.EncodeBase64(short)), "a request whose nonce is 8 bytes", 401)
			},
		},
		{
			ID: "create.legacy-signatures", Requirement: "REQ-WIRE-DARE-SIGNATURE", Category: harness.Deviation,
			Title: "Signatures as the 2019 reference wrote them are accepted",
			Doc: "WIRE.md 5: DARE signatures may sit in the header as well as the trailer, and the 2019 reference " +
				"wrote them with only a signature member (no kid, no alg): the verifier tries the key it knows from " +
				"context (a ProfileMaster's own MasterSignatureKey, the master's OnlineSignatureKeys for the " +
				"ProfileMesh and the device entry). Sends two CreateAccount requests, one whose ProfileMaster, " +
				"ProfileMesh and device entry signatures carry no kid and no alg, one whose ProfileMaster signature " +
				"sits in the header, and expects both created. Example failure: kid \"\" is not trusted. Four requests.",
			Accepts: "Payload Status 2xx for both CreateAccounts and for Get by Account of each name (WIRE.md 5: signatures in the header as in the trailer, and 2019 signatures without kid or alg verified with the key known from context); the HTTP status is not judged (draft 3.2).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				s.createVariants("legacy", []createVariant{
					{"signatures without kid or alg", func(a *client.Account, req *mesh.CreateRequest) {
						s.spoilMaster(a, req, stripKid)
						req.Profile = tamperSignature(req.Profile, stripKid)
						req.Device = tamperSignature(req.Device, stripKid)
					}},
					{"the ProfileMaster's signature in the DARE header", func(a *client.Account, req *mesh.CreateRequest) {
						s.rebuildMaster(a, req, signaturesInHeader)
					}},
				}, func(what string, a *client.Account, r reply) {
					s.ok("CreateAccount", r, "an account whose profile carries "+what+" was refused")
					s.ok("Get", s.getAccount(a.Name), "the account created with "+what+" is not found")
				})
			},
		},
		{
			ID: "create.signature-bytes", Requirement: "REQ-WIRE-DARE-SIGNATURE", Category: harness.Control,
			Title: "A signature naming the right key with wrong bytes is refused",
			Doc: "WIRE.md: \"each signature is pure Ed448 or Ed25519 ... over that 64-byte digest\"; the kid only " +
				"names the key, the bytes decide. Sends four CreateAccount requests, each otherwise valid: the " +
				"ProfileMaster's signature with one byte flipped; the ProfileMaster signed by a signature with no kid " +
				"and garbage bytes; the ProfileMesh's signature with one byte flipped; the administration device " +
				"profile's signature with one byte flipped. Each must be refused and leave no account. Example " +
				"failure: a portal that matches the kid and skips the verification. Eight requests.",
			Accepts: "Any 4xx for each CreateAccount (NOTE-REFUSAL-CODES; WIRE.md 5: the bytes must verify whatever the kid), then Status 404 for Get of the name (NOTE-ENUMERATION).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				s.createVariants("sigbytes", []createVariant{
					{"the ProfileMaster's signature with one byte flipped", func(a *client.Account, req *mesh.CreateRequest) {
						s.spoilMaster(a, req, flipByte)
					}},
					{"a ProfileMaster signature with no kid and garbage bytes", func(a *client.Account, req *mesh.CreateRequest) {
						s.spoilMaster(a, req, garbageNoKid)
					}},
					{"the ProfileMesh's signature with one byte flipped", func(a *client.Account, req *mesh.CreateRequest) {
						req.Profile = tamperSignature(req.Profile, flipByte)
					}},
					{"the device profile's signature with one byte flipped", func(a *client.Account, req *mesh.CreateRequest) {
						s.spoilDeviceProfile(a, req)
					}},
				}, func(what string, a *client.Account, r reply) {
					s.refused("CreateAccount", r, "an account was created with "+what)
					s.expect("Get", s.getAccount(a.Name), "an account refused for "+what+" exists", 404)
				})
			},
		},
	}
}

// createVariant is a CreateAccount spoiled one way: what describes it, spoil makes it.
type createVariant struct {
	what  string
	spoil func(a *client.Account, req *mesh.CreateRequest)
}

// createVariants sends one CreateAccount per variant, each for fresh material, and hands the
// answer to judge.
func (s *session) createVariants(suffix string, vs []createVariant, judge func(what string, a *client.Account, r reply)) {
	for i, v := range vs {
		a := s.newAccount(fmt.Sprintf("%s%d", suffix, i))
		req := s.createRequest(a)
		v.spoil(a, req)
		judge(v.what, a, s.do(req, nil))
	}
}

// refuseAll sends, for an account that does not exist (a's material, never or no longer
// accepted), one well-formed request of every transaction that names an account, and expects
// each refused with the statuses the documents allow for a missing account.
func (s *session) refuseAll(a *client.Account, what string) {
	dp := s.deviceProfile(s.newDevice())
	entry, err := a.Master.CatalogEntry(a.Name, dp)
	if err != nil {
		s.harnessFault("%v", err)
	}
	for _, p := range []struct {
		tx   string
		req  mesh.MeshRequest
		auth *client.Auth
		want []int32
	}{
		{"Get", &mesh.GetRequest{Account: a.Name}, nil, []int32{404}},
		{"Publish", &mesh.PublishRequest{Entry: dp}, a.Auth(), []int32{404, 401}},
		{"ConnectStart", s.connectRequest(a, s.newDevice()), nil, []int32{404}},
		{"ConnectPending", &mesh.ConnectPendingRequest{AccountID: a.Name}, a.Auth(), []int32{404, 401}},
		// A portal may judge ConnectComplete's Result before its account, and refuse it for its
		// content with either code (NOTE-REFUSAL-CODES).
		{"ConnectComplete", &mesh.ConnectCompleteRequest{AccountID: a.Name, Result: entry}, a.Auth(), []int32{404, 401, 400, 409}},
		{"Transfer", &mesh.TransferRequest{}, a.Auth(), []int32{404, 401}},
	} {
		r := s.do(p.req, p.auth)
		if p.tx == "Transfer" && noSuchTransaction(r) {
			continue // no Transfer at all (NOTE-UNIMPLEMENTED)
		}
		s.refused(p.tx, r, fmt.Sprintf("a %s naming %s was not refused as the documents say", p.tx, what), p.want...)
	}
}

// spoilMaster rebuilds the request's ProfileMesh around a ProfileMaster whose signature is
// spoiled, signing the ProfileMesh itself correctly, so that only the master's signature is wrong.
func (s *session) spoilMaster(a *client.Account, req *mesh.CreateRequest, spoil func(*mesh.DareSignature)) {
	s.rebuildMaster(a, req, func(env *mesh.DareMessage) *mesh.DareMessage { return tamperSignature(env, spoil) })
}

// rebuildMaster replaces the ProfileMaster envelope of the request's ProfileMesh by change's
// version of it and signs the ProfileMesh again with the master's OnlineSignatureKey.
func (s *session) rebuildMaster(a *client.Account, req *mesh.CreateRequest, change func(*mesh.DareMessage) *mesh.DareMessage) {
	v, err := auth.Open(req.Profile)
	if err != nil {
		s.harnessFault("%v", err)
	}
	pm := *v.(*mesh.ProfileMesh)
	pm.MasterProfile = change(pm.MasterProfile)
	if req.Profile, err = auth.SignStructure(&pm, a.Master.OSK); err != nil {
		s.harnessFault("%v", err)
	}
}

// spoilDeviceProfile rebuilds the request's device entry around a device profile whose
// signature has one byte flipped, every outer signature correct.
func (s *session) spoilDeviceProfile(a *client.Account, req *mesh.CreateRequest) {
	dp := tamperSignature(s.deviceProfile(a.Device), flipByte)
	entry, err := a.Master.CatalogEntry(a.Name, dp)
	if err != nil {
		s.harnessFault("%v", err)
	}
	req.Device = entry
}

// tamperSignature returns a copy of env whose first signature (header or trailer) spoil has
// changed; env itself is left alone.
func tamperSignature(env *mesh.DareMessage, spoil func(*mesh.DareSignature)) *mesh.DareMessage {
	cp := *env
	done := false
	copySigs := func(ss []mesh.DareSignature) []mesh.DareSignature {
		out := make([]mesh.DareSignature, len(ss))
		for i, sg := range ss {
			sg.Signature = slices.Clone(sg.Signature)
			if !done {
				spoil(&sg)
				done = true
			}
			out[i] = sg
		}
		return out
	}
	if cp.Header != nil {
		h := *cp.Header
		h.Signatures = copySigs(h.Signatures)
		cp.Header = &h
	}
	if cp.Trailer != nil {
		tr := *cp.Trailer
		tr.Signatures = copySigs(tr.Signatures)
		cp.Trailer = &tr
	}
	if !done {
		panic("conformance harness fault: the envelope to tamper with carries no signature")
	}
	return &cp
}

// flipByte flips the low bit of the signature's middle byte.
func flipByte(sg *mesh.DareSignature) { sg.Signature[len(sg.Signature)/2] ^= 1 }

// garbageNoKid drops the kid and alg and replaces the bytes with garbage of the same length:
// a verifier that knows the key from context (WIRE.md, 2019 envelopes) must still check them.
func garbageNoKid(sg *mesh.DareSignature) {
	sg.Kid, sg.Alg = "", ""
	for i := range sg.Signature {
		sg.Signature[i] = byte(0x5c + 7*i)
	}
}

// notBefore is a time window bound a little in the past, for requests that need one.
func notBefore() *time.Time { t := time.Now().Add(-time.Hour).UTC().Truncate(time.Second); return &t }

// signedWithNonce is an Authorization of a's device for body, dated now, whose nonce is the
// given base64url string: a correct signature over whatever nonce the check needs.
func (s *session) signedWithNonce(a *client.Account, body []byte, nonce string) http.Header {
	tm := wire.FormatDateTime(time.Now())
	sig, err := a.Device.DAK.Sign(auth.Digest(s.env.Domain, a.Name, tm, nonce, body))
	if err != nil {
		s.harnessFault("%v", err)
	}
	return http.Header{"Authorization": {fmt.Sprintf(`%s alg="%s", key="%s", account="%s", time="%s", nonce="%s", sig="%s"`,
		auth.Scheme, a.Device.DAK.Algorithm(), wire.EncodeBase64(a.Device.DAK.PublicBytes()), a.Name, tm, nonce, wire.EncodeBase64(sig))}}
}

// expectAuth sends body with hdr and expects one of the refusals given, or success when none
// is: the payload's Status (draft 3.2: authoritative), a tagged answer without one meaning 201
// (WIRE.md 3: "MeshResponse defaults: Status 201").
func (s *session) expectAuth(body []byte, hdr http.Header, what string, refusals ...int32) {
	ex := s.raw(body, hdr)
	st, payload := answerStatus(ex)
	p := int32(st)
	if !payload {
		p = 0
		if _, err := topTag(responseBody(ex)); err == nil {
			p = 201
		}
	}
	switch {
	case len(refusals) == 0 && (p < 200 || p > 299):
		s.t.Fail(harness.Finding{Message: what + " failed", Expected: "Status 2xx", Observed: p, Exchanges: []*target.Exchange{ex}})
	case len(refusals) > 0 && !slices.Contains(refusals, p):
		s.t.Fail(harness.Finding{Message: what + " was not refused", Expected: statusList(refusals), Observed: p, Exchanges: []*target.Exchange{ex}})
	}
}

// stripKid drops a signature's kid and alg, as the 2019 reference wrote signatures.
func stripKid(sg *mesh.DareSignature) { sg.Kid, sg.Alg = "", "" }

// signaturesInHeader returns a copy of env with its trailer signatures moved to the header.
func signaturesInHeader(env *mesh.DareMessage) *mesh.DareMessage {
	cp := *env
	h, tr := mesh.DareHeader{}, *env.Trailer
	if env.Header != nil {
		h = *env.Header
	}
	h.Signatures = append(slices.Clone(h.Signatures), tr.Signatures...)
	tr.Signatures = nil
	cp.Header, cp.Trailer = &h, &tr
	return &cp
}
