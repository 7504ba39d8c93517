package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// sessionChecks verify the session mode of NOTE-AUTH-SESSION: a portal MAY grant sessions,
// and one that does must keep every binding of NOTE-AUTH for the requests made in them. On a
// portal that grants none, every check but the first reports the feature unimplemented.
func sessionChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "auth.session.grant", Requirement: "REQ-AUTH-SESSION-GRANT", Category: harness.Probe,
			Title: "Whether the portal grants sessions, and whether a granted one works",
			Doc: "NOTE-AUTH-SESSION: \"A portal MAY grant sessions.\" Sends a signed ConnectPending with a session " +
				"offer, which must succeed whether or not a session is granted; reports whether a Mesh-Session " +
				"grant came back, and when one did, whether a request in the session succeeds (auth.session.replay fails when it does not). Up to three requests.",
			Accepts: "Either answer to the session: no grant, or a grant whose session request gets payload Status 2xx (NOTE-AUTH-SESSION: \"A portal MAY grant sessions\"); the signed request carrying the offer itself gets payload Status 2xx in both cases; information.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("sgrant")
				sess, ex := s.askSession(a)
				if sess == nil {
					t.Info("the portal grants no sessions: every request is signed")
					return
				}
				body := pendingOf(a)
				in := s.raw(body, s.inSession(sess, body, time.Now()))
				if p := payloadStatus(in); p < 200 || p > 299 {
					t.Fail(harness.Finding{Message: "a request in the session the portal granted was refused",
						Expected: "Status 2xx", Observed: p, Exchanges: []*target.Exchange{ex, in}})
				}
				t.Info(fmt.Sprintf("the portal grants sessions, until %s", wire.FormatDateTime(sess.Expires)))
			},
		},
		{
			ID: "auth.session.offer-bound", Requirement: "REQ-AUTH-SESSION-OFFER", Category: harness.Control,
			Title: "A session offer added to someone else's signature gets no session",
			Doc: "NOTE-AUTH-SESSION: \"The portal grants a session only to an offer covered by a verified signature " +
				"of the request.\" Signs a ConnectPending without an offer, adds one to the header as an attacker " +
				"holding the request in transit would, and expects 401 and no Mesh-Session grant. Example failure: " +
				"a grant, after which the attacker acts as the device for the session's lifetime. Three requests.",
			Accepts: "Status 401 and no Mesh-Session header (NOTE-AUTH-SESSION); unimplemented on a portal that grants no sessions.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("soffer")
				s.needSessions(a)
				body := pendingOf(a)
				plain := s.signed(a, body, time.Now()).Get("Authorization")
				o, err := auth.NewOffer(nil)
				if err != nil {
					s.harnessFault("%v", err)
				}
				added := strings.Replace(plain, `, sig=`, `, session="`+wire.EncodeBase64(o.Public[:])+`", sig=`, 1)
				ex := s.raw(body, http.Header{"Authorization": {added}})
				if g := grantOf(ex); g != "" || payloadStatus(ex) != 401 {
					t.Fail(harness.Finding{Message: "an offer the signature does not cover was accepted",
						Expected: "Status 401, no Mesh-Session header", Observed: fmt.Sprintf("Status %d, Mesh-Session %q", payloadStatus(ex), g),
						Exchanges: []*target.Exchange{ex}})
				}
			},
		},
		{
			ID: "auth.session.low-order", Requirement: "REQ-AUTH-SESSION-LOW-ORDER", Category: harness.Control,
			Title: "A session offer that is a low-order X448 point gets no session",
			Doc: "NOTE-AUTH-SESSION: \"Both sides compute the X448 agreement Z of the two keys (a low-order point is " +
				"refused)\". Signs a ConnectPending whose session offer is the X448 point u = 0, whose agreement with " +
				"any key is zero, and expects no Mesh-Session grant. Example failure: a grant, whose session key " +
				"then depends on public values only, so whoever sees the grant acts as the device. Then asks for a " +
				"session with an honest offer: a portal that grants none is unimplemented here, unless it granted one " +
				"to the low-order offer. Up to three requests.",
			Accepts: "No Mesh-Session header, with the signed request answered (payload Status 2xx) or refused (Status 4xx) (NOTE-AUTH-SESSION); unimplemented on a portal that grants no sessions to an honest offer either.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("slorder")
				body := pendingOf(a)
				var low auth.Offer // Public all zero: u = 0, a low-order point
				v, err := auth.SignOffer(a.Device.DAK, s.env.Domain, a.Name, body, time.Now(), nil, &low)
				if err != nil {
					s.harnessFault("%v", err)
				}
				ex := s.raw(body, http.Header{"Authorization": {v}})
				if g, st := grantOf(ex), payloadStatus(ex); g != "" || st < 200 || st >= 500 {
					t.Fail(harness.Finding{Message: "a low-order session offer was granted a session, or the request got no clear answer",
						Expected: "no Mesh-Session header; Status 2xx or 4xx", Observed: fmt.Sprintf("Status %d, Mesh-Session %q", st, g),
						Exchanges: []*target.Exchange{ex}})
					return
				}
				// No grant for the low-order offer means something only where an honest offer
				// gets one: a portal that grants none is unimplemented here, as in the other
				// session checks (a grant to the low-order offer alone fails above).
				s.needSessions(a)
			},
		},
		{
			ID: "auth.session.mac", Requirement: "REQ-AUTH-SESSION-MAC", Category: harness.Control,
			Title: "A session request whose MAC does not cover its body is refused",
			Doc: "NOTE-AUTH-SESSION: \"The portal accepts a session request only when its mac verifies under the key " +
				"of a ticket it issued and has not expired.\" Computes the MAC over one body and sends another " +
				"under it, and expects 401. Example failure: 201, so whoever sees a ticket (it travels in the " +
				"clear over HTTP) acts as the device. Three requests.",
			Accepts: "Status 401 (NOTE-AUTH-SESSION); unimplemented on a portal that grants no sessions.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a, sess := s.sessionAccount("smac")
				macd := pendingOf(a)
				sent := mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name, SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}})
				s.refusedInSession(s.raw(sent, s.inSession(sess, macd, time.Now())), "a body other than the MAC'd one was accepted")
			},
		},
		{
			ID: "auth.session.portal-binding", Requirement: "REQ-AUTH-SESSION-MAC", Category: harness.Control,
			Title: "A session request MAC'd for another portal is refused",
			Doc: "NOTE-AUTH-SESSION MACs the portal's host name like NOTE-AUTH signs it. Computes the MAC for " +
				"other-portal.invalid and expects 401. Three requests.",
			Accepts: "Status 401 (NOTE-AUTH-SESSION); unimplemented on a portal that grants no sessions.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a, sess := s.sessionAccount("shost")
				body := pendingOf(a)
				hdr := http.Header{"Authorization": {s.macFor(sess, "other-portal.invalid", body, time.Now())}}
				s.refusedInSession(s.raw(body, hdr), "a session request MAC'd for another portal was accepted")
			},
		},
		{
			ID: "auth.session.host-form", Requirement: "REQ-AUTH-SIGNED-HOST", Category: harness.Control,
			Title: "The host a session request MACs is the portal's name alone, whatever the Host header carries",
			Doc: "NOTE-HOST-PORT asks \"Do the Host header and the host signed by NOTE-AUTH and NOTE-AUTH-SESSION " +
				"carry the port?\" and answers: \"The signed host is the portal's DNS name alone: no port, no " +
				"trailing dot, lower case\", while the Host header may carry the port, any case and a trailing dot. " +
				"Takes a session, then sends session ConnectPendings MAC'd for the portal's name with Host name:port, " +
				"NAME in upper case and name. (each accepted), then MAC'd for name:port, NAME and name. with the Host " +
				"header the same as the MAC'd host (each refused 401); auth.signed-host-form is the same for " +
				"signatures. Variants the name cannot show are left out. Example failure: a portal that verifies the " +
				"MAC against its Host header, so what a client must MAC depends on its HTTP stack. Up to nine requests.",
			Accepts: "Payload Status 2xx (a tagged answer without Status is 201, WIRE.md 3) for the session requests MAC'd for the portal's name whatever the Host header's port, case or trailing dot (NOTE-HOST-PORT: \"a portal ignores the port and compares the name case-insensitively, a trailing dot ignored\"); payload Status 401, tagged or bare, for those whose MAC'd host carries the port, upper case or a trailing dot (NOTE-HOST-PORT; NOTE-AUTH-SESSION: \"Otherwise HTTP 401 and Status 401\"); the HTTP status is not judged; unimplemented on a portal that grants no sessions.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a, sess := s.sessionAccount("shostform")
				body := pendingOf(a)
				macFor := func(host, hostHeader string) http.Header {
					return http.Header{"Authorization": {s.macFor(sess, host, body, time.Now())}, "Host": {hostHeader}}
				}
				for _, v := range s.hostForms() {
					s.expectAuth(body, macFor(s.env.Domain, v.host), "a session request MAC'd for the portal's name with Host "+v.what)
				}
				for _, v := range s.hostForms() {
					s.expectAuth(body, macFor(v.host, v.host), "a session request whose MAC'd host is "+v.what+" (and its Host header the same)", 401)
				}
			},
		},
		{
			ID: "auth.session.ticket", Requirement: "REQ-AUTH-SESSION-MAC", Category: harness.Control,
			Title: "A session request under an altered ticket is refused",
			Doc: "NOTE-AUTH-SESSION: only \"a ticket it issued\". Flips one bit in the middle of the granted ticket, " +
				"MACs correctly under the session key, and expects 401. Three requests.",
			Accepts: "Status 401 (NOTE-AUTH-SESSION); unimplemented on a portal that grants no sessions.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a, sess := s.sessionAccount("sticket")
				forged := *sess
				forged.Ticket = append([]byte{}, sess.Ticket...)
				forged.Ticket[len(forged.Ticket)/2] ^= 1
				body := pendingOf(a)
				s.refusedInSession(s.raw(body, s.inSession(&forged, body, time.Now())), "a session request under an altered ticket was accepted")
			},
		},
		{
			ID: "auth.session.replay", Requirement: "REQ-AUTH-REPLAY", Category: harness.Control,
			Title: "A captured session request cannot be replayed",
			Doc: "NOTE-AUTH-SESSION checks time and nonce as for a signed request: sends a session ConnectPending, " +
				"then the identical bytes and header again, and expects 401 the second time. Four requests.",
			Accepts: "Payload Status 2xx, then Status 401 for the replay (NOTE-AUTH-SESSION); unimplemented on a portal that grants no sessions.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a, sess := s.sessionAccount("sreplay")
				body := pendingOf(a)
				hdr := s.inSession(sess, body, time.Now())
				first := s.raw(body, hdr)
				if p := payloadStatus(first); p < 200 || p > 299 {
					t.Fail(harness.Finding{Message: "the original session request failed", Expected: "Status 2xx", Observed: p, Exchanges: []*target.Exchange{first}})
				}
				s.refusedInSession(s.raw(body, hdr), "a replayed session request was accepted")
			},
		},
		{
			ID: "auth.session.stale-time", Requirement: "REQ-AUTH-REPLAY", Category: harness.Control,
			Title: "A session request dated outside the window is refused",
			Doc: "NOTE-AUTH-SESSION checks the time as for a signed request: MACs a request dated one hour ago and " +
				"expects 401. Three requests.",
			Accepts: "Status 401 (NOTE-AUTH-SESSION); unimplemented on a portal that grants no sessions.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a, sess := s.sessionAccount("sstale")
				body := pendingOf(a)
				s.refusedInSession(s.raw(body, s.inSession(sess, body, time.Now().Add(-time.Hour))), "a session request dated an hour ago was accepted")
			},
		},
		{
			ID: "auth.session.cross-account", Requirement: "CTL-INGRESS-ACCESS-CONTROL", Category: harness.Control,
			Title: "A session of one account cannot act on another",
			Doc: "7.2.1: \"Every message is subject to access control\". A ConnectPending for account B made in a " +
				"session granted to a device of account A must get 401. Four requests.",
			Accepts: "Status 401 (NOTE-AUTH-SESSION); unimplemented on a portal that grants no sessions.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("scross-a")
				b := s.create("scross-b")
				sess := s.needSessions(a)
				body := mustRequest(&mesh.ConnectPendingRequest{AccountID: b.Name})
				s.refusedInSession(s.raw(body, s.inSession(sess, body, time.Now())), "account A's session read account B's pending requests")
			},
		},
		{
			ID: "auth.session.device", Requirement: "REQ-AUTH-SESSION-DEVICE", Category: harness.Control,
			Title: "A session ends with its device's place in the account",
			Doc: "NOTE-AUTH-SESSION: \"On every session request the portal checks again that the ticket's key is the " +
				"AuthUDF of a device of the account.\" Takes a session, deletes the account, re-creates it with " +
				"the same master and another device, then uses the old session, and expects 401. Example failure: " +
				"201, so a device removed from an account keeps acting for it until its session ends. Five requests.",
			Accepts: "Status 401 (NOTE-AUTH-SESSION: \"checks again that the ticket's key is the AuthUDF of a device of the account\"); unimplemented on a portal that grants no sessions.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a, sess := s.sessionAccount("sdevice")
				s.ok("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, a.Auth()), "deleting the account failed (precondition)")
				again := &client.Account{Name: a.Name, Master: a.Master, Device: s.newDevice()}
				// The account's cleanup now deletes with the device it holds.
				s.mu.Lock()
				s.made[s.canonical(a.Name)].a = again
				s.mu.Unlock()
				s.ok("CreateAccount", s.do(s.createRequest(again), nil), "re-creating the account by its master failed (precondition)")
				body := pendingOf(a)
				s.refusedInSession(s.raw(body, s.inSession(sess, body, time.Now())), "the session of a device no longer of the account was accepted")
			},
		},
	}
}

// askSession sends a signed ConnectPending with a session offer and returns the session the
// portal granted (nil when none) and the exchange.
func (s *session) askSession(a *client.Account) (*auth.Session, *target.Exchange) {
	body := pendingOf(a)
	var ex *target.Exchange
	sess, err := auth.RequestSession(a.Device.DAK, s.env.Domain, a.Name, body, time.Now(), func(hv string) (string, error) {
		ex = s.raw(body, http.Header{"Authorization": {hv}})
		return grantOf(ex), nil
	})
	// NOTE-AUTH-SESSION: a portal that grants no sessions still answers the signed request.
	if p := payloadStatus(ex); p < 200 || p > 299 {
		s.t.Fail(harness.Finding{Message: "a validly signed ConnectPending carrying a session offer was refused",
			Expected: "Status 2xx, with or without a Mesh-Session grant", Observed: p, Exchanges: []*target.Exchange{ex}})
	}
	if err != nil {
		s.t.Fail(harness.Finding{Message: "the portal's Mesh-Session grant cannot be used: " + err.Error(),
			Expected: `Mesh-Session: key="<X448 key>", ticket="...", expires="<DateTime>"`, Observed: grantOf(ex), Exchanges: []*target.Exchange{ex}})
	}
	return sess, ex
}

// sessionAccount creates an account and takes a session for its device (see needSessions).
func (s *session) sessionAccount(suffix string) (*client.Account, *auth.Session) {
	a := s.create(suffix)
	return a, s.needSessions(a)
}

// pendingOf is the body of a ConnectPending of a's account: the cheapest request that
// needs authentication and changes nothing.
func pendingOf(a *client.Account) []byte {
	return mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
}

// needSessions returns a session for a, ending the check as unimplemented when the portal
// grants none (NOTE-AUTH-SESSION makes sessions optional).
func (s *session) needSessions(a *client.Account) *auth.Session {
	sess, _ := s.askSession(a)
	if sess == nil {
		s.t.Unimplemented("the portal grants no sessions (NOTE-AUTH-SESSION)")
	}
	return sess
}

// inSession returns the Authorization header of a request made in the session, dated now.
func (s *session) inSession(sess *auth.Session, body []byte, now time.Time) http.Header {
	return http.Header{"Authorization": {s.macFor(sess, s.env.Domain, body, now)}}
}

// macFor is the Authorization value of a request made in the session, dated now, MAC'd for host.
func (s *session) macFor(sess *auth.Session, host string, body []byte, now time.Time) string {
	v, err := sess.Authorize(host, body, now, nil)
	if err != nil {
		s.harnessFault("%v", err)
	}
	return v
}

// refusedInSession fails the check unless the session request got Status 401.
func (s *session) refusedInSession(ex *target.Exchange, what string) {
	if p := payloadStatus(ex); p != 401 {
		s.t.Fail(harness.Finding{Message: what, Expected: "Status 401", Observed: p, Exchanges: []*target.Exchange{ex}})
	}
}

// grantOf is the Mesh-Session header of a response ("" when none).
func grantOf(ex *target.Exchange) string {
	if ex == nil || ex.Response == nil {
		return ""
	}
	return ex.Response.Header.Get(auth.GrantHeader)
}
