package client

import (
	"context"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"strings"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/harness/testportal"
	"github.com/meshconform/meshconform/reference/mesh"
)

// All returns every client check, in a stable order: a new check is added here and nowhere else.
func All(env Env) []harness.Check {
	var out []harness.Check
	for _, group := range [][]harness.Check{requestChecks(env), verifyChecks(env), statusChecks(env), robustChecks(env)} {
		out = append(out, group...)
	}
	return out
}

// refusal is a check that a client refuses what one fault makes of one operation.
type refusal struct {
	id, req, title, doc string
	cat                 harness.Category
	fault               testportal.Fault
	why                 string
	op                  []string
	// bounded: the client must bound what it reads of the body (judgeConsumption).
	bounded bool
	// noTx names a transaction the client must not send after the refusal.
	noTx string
	// account: the operation names an account set up on the portal first (%s in op).
	account bool
}

func (r refusal) check(env Env) harness.Check {
	cat := r.cat
	if cat == "" {
		cat = harness.Deviation
	}
	return harness.Check{ID: r.id, Requirement: r.req, Category: cat, Title: r.title, Doc: r.doc + admitted(r.fault),
		Run: func(ctx context.Context, t *harness.T) {
			opts := testportal.Options{Fault: r.fault}
			if r.bounded {
				opts.MaxSend = overRead + 1
			}
			s := start(ctx, t, env, opts)
			defer s.close()
			if r.bounded {
				s.timeout = boundedTimeout(ctx)
			}
			op := append([]string(nil), r.op...)
			if r.account {
				a := s.account(ctx, t.Name("a"))
				for i := range op {
					op[i] = strings.ReplaceAll(op[i], "%s", a.Name)
				}
			}
			res := s.mustRefuse(ctx, faultErrors[r.fault], r.why, "dev", op...)
			if r.bounded {
				judgeConsumption(t, s, res, r.why)
			}
			if r.noTx != "" {
				if n := len(s.requests(r.noTx)); n > 0 {
					t.Failf("after %s the client still sent %d %s request(s): it must stop at the refusal", r.why, n, r.noTx)
				}
			}
		}}
}

func verifyChecks(env Env) []harness.Check {
	rs := []refusal{
		{id: "client.verify.forged-profile", req: "CTL-PROFILE-VERIFY-CHAIN", title: "The client refuses a profile signed by a key the profile does not name",
			doc:   "The portal answers the Get of the account's profile with the ProfileMesh re-signed by an attacker's key. Before it sends a connection request the client must verify the profile chain (draft 7.1.5, 2.6.8) and refuse with exit 1; a client that connects to a forged profile hands its device to the attacker. Runs `connect request ACCOUNT`.",
			fault: testportal.ForgedProfile, why: "a forged profile", op: []string{"connect", "request", "%s"}, noTx: "ConnectStart", account: true},
		{id: "client.verify.unsigned-profile", req: "REQ-PROFILE-MESH-SIGNED", title: "The client refuses an unsigned profile",
			doc:   "The portal answers the Get of the account's profile with its signatures stripped. The client must refuse (exit 1) and send no connection request (draft 2.6.8). Runs `connect request ACCOUNT`.",
			fault: testportal.UnsignedProfile, why: "an unsigned profile", op: []string{"connect", "request", "%s"}, noTx: "ConnectStart", account: true},
		{id: "client.verify.witness", req: "REQ-WIRE-WITNESS", title: "The client refuses a connection challenge whose witness does not match",
			doc:   "The portal answers ConnectStart with a witness computed with the nonces swapped. The client must recompute the witness from the master key, its device key and both nonces (NOTE-WITNESS) and refuse (exit 1). Runs `connect request ACCOUNT`.",
			fault: testportal.WrongWitness, why: "a witness that does not match", op: []string{"connect", "request", "%s"}, account: true},
	}
	out := make([]harness.Check, 0, len(rs)+2)
	for _, r := range rs {
		out = append(out, r.check(env))
	}
	for _, f := range []struct {
		id, req, title, why string
		fault               testportal.Fault
	}{
		{"client.verify.forged-result", "REQ-CONNECT-RESULT-SIGNED", "The client refuses a connection result signed by a key that is no administration key", "a connection result signed by a non-administration key", testportal.ForgedResult},
		{"client.verify.unsigned-result", "REQ-CONNECT-RESULT-ADMIN-KEY", "The client refuses an unsigned connection result", "an unsigned connection result", testportal.UnsignedResult},
	} {
		f := f
		out = append(out, harness.Check{ID: f.id, Requirement: f.req, Category: harness.Deviation, Title: f.title,
			Doc: "The device side of the connection: the client sends `connect request ACCOUNT`, an administration device approves it, and the portal answers `connect status` with " + f.why + ". The client must verify the result against the administration keys of the profile (draft 3.15.1) and refuse with exit 1." + admitted(f.fault),
			Run: func(ctx context.Context, t *harness.T) {
				s := start(ctx, t, env, testportal.Options{Fault: f.fault})
				defer s.close()
				a := s.account(ctx, t.Name("a"))
				s.mustSucceed(ctx, "dev", "connect", "request", a.Name)
				if s.approveAll(ctx, a) == 0 {
					t.Skip("the connection request of the client did not verify on the administration device")
				}
				s.mustRefuse(ctx, faultErrors[f.fault], f.why, "dev", "connect", "status")
			}})
	}
	return out
}

func statusChecks(env Env) []harness.Check {
	out := []harness.Check{
		refusal{id: "client.status.payload-error", req: "REQ-STATUS-AUTHORITATIVE", title: "The client treats a payload error as an error even under HTTP 200",
			doc:   "The portal answers ValidateAccount with HTTP 200 and payload Status 409. The payload Status is authoritative (draft 3.2): the client must report failure (exit 1). Runs `validate NAME`.",
			fault: testportal.PayloadError, why: "a payload Status of 409", op: []string{"validate", "someone"}}.check(env),
		refusal{id: "client.status.payload-redirect", req: "REQ-STATUS-AUTHORITATIVE", title: "The client does not treat a payload redirect as success",
			doc:   "The portal answers ValidateAccount with HTTP 200 and payload Status 307 naming another URI in StatusDescription. 3xx is incomplete, not success, and the URI is untrusted (NOTE-STATUS-CODES): the client must exit 1. Runs `validate NAME`.",
			fault: testportal.PayloadRedirect, why: "a payload Status of 307", op: []string{"validate", "someone"}}.check(env),
		{ID: "client.status.http-error", Requirement: "REQ-STATUS-AUTHORITATIVE", Category: harness.Deviation,
			Title: "The client follows the payload Status when the HTTP status disagrees",
			Doc:   "The portal answers ValidateAccount with HTTP 500 and a correct, successful payload. The payload Status is authoritative (draft 3.2): the client must succeed (exit 0). Runs `validate NAME`.",
			Run: func(ctx context.Context, t *harness.T) {
				s := start(ctx, t, env, testportal.Options{Fault: testportal.HTTPError})
				defer s.close()
				s.mustSucceed(ctx, "dev", "validate", "someone")
			}},
		{ID: "client.status.flaky", Requirement: "REQ-STATUS-AUTHORITATIVE", Category: harness.Deviation,
			Title: "The client reports every injected failure, and only those, under seeded flakiness",
			Doc:   "Pebble-style: the portal fails (payload 503 under HTTP 200 or 503) or delays a seeded share of requests. For each of at least 8 `validate NAME` runs (more until two failures were injected) the exit code must agree with the payload: 1 for an injected failure, 0 otherwise; never a crash or hang. The seed of the run decides which requests fail.",
			Run: func(ctx context.Context, t *harness.T) {
				s := start(ctx, t, env, testportal.Options{Fault: testportal.Flaky})
				defer s.close()
				// At least 8 runs, and on until two failures were injected (one under each
				// HTTP status), at most 24.
				fails := 0
				for i := 0; i < 24 && (i < 8 || fails < 2); i++ {
					before := len(s.requests(""))
					r := s.run(ctx, "dev", "validate", fmt.Sprintf("someone%d", i))
					reqs := s.requests("")
					if len(reqs) == before {
						t.Failf("run %d sent no request: %s", i, r.Summary())
					}
					injected := reqs[len(reqs)-1].Injected
					want := shim.ClassOK
					if injected == "fail" {
						want = shim.ClassRefused
						fails++
					}
					if r.Class != want {
						t.Failf("run %d: the portal's payload said %s but the client exited as %s: %s", i, map[bool]string{true: "503 (injected failure)", false: "success"}[injected == "fail"], r.Class, r.Summary())
					}
				}
			}},
		refusal{id: "client.validate.no-reservation", req: "REQ-VALIDATE-NO-GUARANTEE", title: "The client reports a refused Create even after a Valid answer",
			doc:   "The portal answers ValidateAccount Valid but refuses CreateAccount with 409, as when another user takes the name in between. A Valid answer is no reservation (draft 3.6.2): `create NAME` must exit 1.",
			fault: testportal.TakenAfterValidate, why: "a Create refused after a Valid answer", op: []string{"create", "someone"}}.check(env),
	}
	return out
}

func robustChecks(env Env) []harness.Check {
	rs := []refusal{
		{id: "client.wire.untagged-response", req: "REQ-WIRE-RESPONSE-TAG", title: "The client refuses a response without its class tag",
			doc:   "The portal writes responses without the response class tag. Tagged responses are required (NOTE-RESPONSE-TAG): the client must refuse (exit 1) rather than guess. Runs `validate NAME`.",
			fault: testportal.Untagged, why: "an untagged response", op: []string{"validate", "someone"}},
		{id: "client.robust.truncated", req: "REQ-WIRE-LIMITS", title: "The client survives a truncated body",
			doc: "The portal announces the whole body and closes the connection halfway. The client must fail cleanly (exit 1), never crash. Runs `validate NAME`.", fault: testportal.Truncated, why: "a truncated body", op: []string{"validate", "someone"}},
		{id: "client.robust.invalid-json", req: "REQ-WIRE-LIMITS", title: "The client survives a body that is not JSON",
			doc: "The portal answers with broken JSON. The client must fail cleanly (exit 1), never crash. Runs `validate NAME`.", fault: testportal.InvalidJSON, why: "invalid JSON", op: []string{"validate", "someone"}},
		{id: "client.robust.invalid-utf8", req: "REQ-WIRE-LIMITS", title: "The client refuses invalid UTF-8",
			doc: "The portal puts invalid UTF-8 in StatusDescription. Strings are UTF-8 (WIRE.md 1): the client must refuse (exit 1), never crash. Runs `validate NAME`.", fault: testportal.InvalidUTF8, why: "invalid UTF-8", op: []string{"validate", "someone"}},
		{id: "client.robust.huge-body", req: "REQ-WIRE-LIMITS", title: "The client bounds what it reads of a huge body",
			doc: "The portal announces and sends a 256 MiB body. The client must stop at its own limit, at most 16 MiB (docs/SHIM.md, Limits), and fail (exit 1): the check fails a client whose connection took more than 64 MiB (the test portal stops there) or whose peak memory passed 200 MiB (where the OS reports it). The client's --timeout is the time the check has left (at most 5 min), so that the verdict does not depend on the machine's speed; a client that gives up at that timeout before the verdict is clear leaves the check undecided (an error outcome). Runs `validate NAME`.", fault: testportal.Huge, why: "a 256 MiB body", op: []string{"validate", "someone"}, bounded: true},
		{id: "client.robust.never-ending", req: "REQ-WIRE-LIMITS", title: "The client bounds what it reads of a body that never ends",
			doc: "The portal streams a body without end at full speed. The client must stop at its own limit, at most 16 MiB (docs/SHIM.md, Limits), and fail (exit 1): the check fails a client whose connection took more than 64 MiB (the test portal stops there) or whose peak memory passed 200 MiB. The client's --timeout is the time the check has left (at most 5 min), so that the verdict does not depend on the machine's speed; a client that gives up at that timeout before the verdict is clear leaves the check undecided (an error outcome). Runs `validate NAME`.", fault: testportal.NeverEnding, why: "a never-ending body", op: []string{"validate", "someone"}, bounded: true},
		{id: "client.robust.slow", req: "REQ-WIRE-LIMITS", title: "The client gives up on a body that trickles",
			doc: "The portal sends one byte every 200 ms for ever. The client must give up within its --timeout and fail (exit 1); one killed at the harness deadline hangs. Runs `validate NAME`.", fault: testportal.Slow, why: "a trickling body", op: []string{"validate", "someone"}},
		{id: "client.robust.stalled", req: "REQ-WIRE-LIMITS", title: "The client gives up on a response that stalls",
			doc: "The portal sends the response head and then nothing. The client must give up within its --timeout and fail (exit 1). Runs `validate NAME`.", fault: testportal.Stalled, why: "a stalled response", op: []string{"validate", "someone"}},
		{id: "client.transport.redirect", req: "REQ-WIRE-HOST", title: "The client does not follow an HTTP redirect to another host",
			doc: "The portal answers HTTP 307 naming another server. Following it would send the request, with any Authorization, to a host that is not the portal (draft 3.1): the client must fail (exit 1) and the other server must receive nothing. Runs `validate NAME`.", fault: testportal.Redirect, why: "an HTTP redirect", op: []string{"validate", "someone"}},
		{id: "client.transport.tls-self-signed", req: "CTL-MESSAGE-AUTHENTICATION", cat: harness.Control, title: "The client refuses a TLS certificate it cannot verify",
			doc: "The portal serves HTTPS with a self-signed certificate. Without a verified server the client cannot know whom it talks to (draft 7.1.1.2): it must fail (exit 1) and send no request. Runs `hello`.", fault: testportal.TLSSelfSigned, why: "a self-signed certificate", op: []string{"hello"}},
	}
	out := make([]harness.Check, 0, len(rs))
	for _, r := range rs {
		c := r.check(env)
		if r.fault == testportal.Redirect || r.fault == testportal.TLSSelfSigned {
			inner := c.Run
			fault := r.fault
			c.Run = func(ctx context.Context, t *harness.T) {
				inner(ctx, t)
				for _, ex := range t.Exchanges() {
					if fault == testportal.TLSSelfSigned || strings.HasPrefix(ex.Request.URL, "redirect-target://") {
						t.Failf("the client sent a request to %s over a connection it should have refused", ex.Request.URL)
					}
				}
			}
		}
		out = append(out, c)
	}
	return out
}

func requestChecks(env Env) []harness.Check {
	return []harness.Check{
		{ID: "client.request.strict", Requirement: "REQ-WIRE-REQUEST-TAG", Category: harness.Deviation,
			Title: "Every request is the canonical tagged transaction and decodes strictly",
			Doc:   "The client runs hello, validate, create, publish, get, status and transfer (when it has them) and delete against a conforming portal. Every request body must be {\"<TransactionName>\": {...}} (NOTE-REQUEST-TAG) and decode with the reference codec in strict mode: no member the schema does not define.",
			Run: func(ctx context.Context, t *harness.T) {
				s := start(ctx, t, env, testportal.Options{})
				defer s.close()
				name := t.Name("a")
				for _, op := range [][]string{{"hello"}, {"validate", name}, {"create", name}, {"publish"}, {"get", "--account", name}} {
					s.run(ctx, "admin", op...)
				}
				s.runOptional(ctx, "admin", "status")
				s.runOptional(ctx, "admin", "transfer")
				s.run(ctx, "admin", "delete", name)
				reqs := s.requests("")
				if len(reqs) == 0 {
					t.Failf("the client sent no request")
				}
				for _, r := range reqs {
					_, form, err := mesh.DecodeRequest(r.Body, &mesh.DecodeOptions{Strict: true})
					if err != nil {
						t.Fail(harness.Finding{Message: fmt.Sprintf("a request does not decode strictly: %v", err), Observed: string(r.Body)})
					}
					if form != mesh.TransactionTag {
						t.Failf("a %s request uses the message-class form, not the canonical transaction name", r.Tx)
					}
					if r.Method != "POST" || r.Path != "/.well-known/mmm/" {
						t.Failf("a request went to %s %s, not POST /.well-known/mmm/", r.Method, r.Path)
					}
				}
			}},
		hostCheck(env, "client.http.host", "REQ-HTTP-HOST", "portal.test", true),
		hostCheck(env, "client.wire.host", "REQ-WIRE-HOST", "localhost", false),
		{ID: "client.auth.header", Requirement: "REQ-AUTH-STATE-CHANGING", Category: harness.Deviation,
			Title: "State-changing requests carry a valid NOTE-AUTH Authorization",
			Doc:   "The client creates an account, publishes, transfers its log (when it has transfer) and deletes the account. Publish, Transfer and DeleteAccount (and ConnectPending, ConnectComplete when sent) must carry `Authorization: Mesh ...` naming the account, bound to the portal name and the body, with a signature that verifies (NOTE-AUTH), or `Authorization: Mesh-Session ...` in a session the test portal granted (NOTE-AUTH-SESSION), with a MAC that verifies under that session's key.",
			Run: func(ctx context.Context, t *harness.T) {
				s := start(ctx, t, env, testportal.Options{})
				defer s.close()
				name := t.Name("a")
				s.mustSucceed(ctx, "admin", "create", name)
				s.run(ctx, "admin", "publish")
				s.runOptional(ctx, "admin", "transfer")
				s.run(ctx, "admin", "delete", name)
				n, sessions, algs := 0, 0, map[string]bool{}
				for _, r := range s.requests("") {
					switch r.Tx {
					case "Publish", "DeleteAccount", "ConnectPending", "ConnectComplete", "Transfer":
					default:
						continue
					}
					n++
					hv := r.Header.Get("Authorization")
					if hv == "" {
						t.Failf("the %s request carried no Authorization header", r.Tx)
						continue
					}
					h, inSession, err := s.ps.VerifyAuthorization(hv, r.Body)
					if err != nil {
						t.Failf("the %s request's Authorization does not verify for portal %s: %v", r.Tx, s.ps.Domain, err)
						continue
					}
					if inSession {
						sessions++
					}
					algs[h.Alg.String()] = true
					if h.Account != name && !strings.HasPrefix(h.Account, name+"@") {
						t.Failf("the %s request's Authorization names account %q, not %q", r.Tx, h.Account, name)
					}
				}
				t.Logf("%d authenticated request(s), %d of them in a session (NOTE-AUTH-SESSION), by device keys of %s", n, sessions, strings.Join(slices.Sorted(maps.Keys(algs)), ", "))
				if n < 2 {
					t.Failf("the client sent %d authenticated transaction(s); publish and delete should send two", n)
				}
			}},
		{ID: "client.nonce.fresh", Requirement: "CTL-KEYGEN-STRONG", Category: harness.Control,
			Title: "Nonces are fresh and full length (statistical)",
			Doc:   "Six devices send `connect request` for one account and an administration device publishes three times. Every ClientNonce must be 16 bytes, every Authorization nonce 16 bytes, none may repeat, and their bits must be balanced (ones between 38% and 62% of all bits, far outside chance for a working generator) (draft 7.1.3).",
			Run: func(ctx context.Context, t *harness.T) {
				s := start(ctx, t, env, testportal.Options{})
				defer s.close()
				a := s.account(ctx, t.Name("a"))
				for i := 0; i < 6; i++ {
					s.run(ctx, fmt.Sprintf("dev%d", i), "connect", "request", a.Name)
				}
				own := t.Name("b")
				s.run(ctx, "admin", "create", own)
				for i := 0; i < 3; i++ {
					s.run(ctx, "admin", "publish")
				}
				judgeNonces(t, s)
			}},
		{ID: "client.state.keys-protected", Requirement: "CTL-DATA-CONFIDENTIALITY", Category: harness.Control,
			Title: "Private keys in the state directory are not readable by other users",
			Doc:   "After `create NAME` the state directory is inspected (docs/SHIM.md, \"Keys at rest\"): it and every directory in it must give no permission to group or others (0700), and every file that holds private key material recognisably (raw, hex, base64 or base64url seed of a key whose public key the client sent) must be 0600 or stricter. A key encrypted at rest is not recognised and passes.",
			Run: func(ctx context.Context, t *harness.T) {
				s := start(ctx, t, env, testportal.Options{})
				defer s.close()
				s.mustSucceed(ctx, "admin", "create", t.Name("a"))
				judgeState(t, s.state("admin"), publicKeysSent(s))
			}},
	}
}

func hostCheck(env Env, id, req, domain string, withFlag bool) harness.Check {
	doc := "The portal's name is the URL's host, " + domain + "; the client runs hello and validate, and every request's Host must carry that name (draft 3.1, NOTE-HTTP-BINDING)."
	title := "Host carries the portal's DNS name taken from the URL"
	if withFlag {
		doc = "The portal is reached at 127.0.0.1 but named " + domain + ", given to the client as --host; the client runs hello and validate, and every request's Host must be that name (draft 3.1)."
		title = "Host carries the portal's DNS name given with --host"
	}
	return harness.Check{ID: id, Requirement: req, Category: harness.Deviation, Title: title, Doc: doc,
		Run: func(ctx context.Context, t *harness.T) {
			opts := testportal.Options{Domain: domain}
			if !withFlag {
				opts.URLHost = domain
			}
			s := start(ctx, t, env, opts)
			defer s.close()
			if withFlag {
				s.host = domain
			}
			s.run(ctx, "dev", "hello")
			s.run(ctx, "dev", "validate", "someone")
			reqs := s.requests("")
			if len(reqs) == 0 {
				t.Failf("the client sent no request")
			}
			for _, r := range reqs {
				h := r.Host
				if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.HasSuffix(h, "]") {
					h = h[:i]
				}
				if !strings.EqualFold(strings.TrimSuffix(h, "."), domain) {
					t.Fail(harness.Finding{Message: fmt.Sprintf("a %s request carried Host %q, not the portal's name", r.Tx, r.Host), Expected: domain, Observed: r.Host})
				}
			}
		}}
}

// onesFraction is the share of one bits in the nonces.
func onesFraction(nonces [][]byte) (float64, int) {
	ones, total := 0, 0
	for _, n := range nonces {
		for _, b := range n {
			ones += bits.OnesCount8(b)
			total += 8
		}
	}
	if total == 0 {
		return 0.5, 0
	}
	return float64(ones) / float64(total), total
}
