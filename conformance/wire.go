package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/mesh"
)

// wireChecks verify the HTTP binding and the envelopes (draft 3, 3.1, 3.2; WIRE.md 1, 4).
func wireChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "wire.hello", Requirement: "REQ-TXN-ONE-RESPONSE", Category: harness.Deviation,
			Title: "Hello is answered with one tagged HelloResponse carrying a Version",
			Doc: "Sends {\"Hello\": {}} and expects exactly one response, tagged HelloResponse, with Status 2xx " +
				"and a Version (NOTE-HELLO). Fails when the portal answers anything else, e.g. an untagged object " +
				"or HTTP 404 on the well-known path. One request.",
			Accepts: "A HelloResponse with payload Status 2xx and a Version (NOTE-HELLO): any version numbers, Alternates, URI or unknown members; the HTTP status is not judged (draft 3.2).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				r := s.do(&mesh.HelloRequest{}, nil)
				s.ok("Hello", r, "Hello was not answered with success")
				if h := r.resp.(*mesh.HelloResponse); h.Version == nil {
					t.Fail(harness.Finding{Message: "HelloResponse has no Version", Expected: "Version {Major, Minor, Encodings}", Observed: string(r.ex.Response)})
				}
			},
		},
		{
			ID: "wire.no-hello-first", Requirement: "REQ-TXN-NO-HELLO-FIRST", Category: harness.Deviation,
			Title: "A ValidateAccount on a fresh connection succeeds without a prior Hello",
			Doc: "The draft: \"It is not necessary to perform a Hello transaction prior to a ValidateAccount, " +
				"Publish or any other transaction.\" Sends ValidateAccount as the first request of a new connection " +
				"(Connection: close) and expects a ValidateResponse with Status 2xx. One request.",
			Accepts: "A ValidateResponse with payload Status 2xx on a new connection (draft 3: \"It is not necessary to perform a Hello transaction prior to a ValidateAccount\"); any HTTP status.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				ex := s.raw(mustRequest(&mesh.ValidateRequest{Account: s.account("v")}), http.Header{"Connection": {"close"}})
				tag, _ := topTag(responseBody(ex))
				if st := payloadStatus(ex); tag != "ValidateResponse" || st < 200 || st > 299 {
					t.Fail(harness.Finding{Message: "ValidateAccount on a new connection, without a prior Hello, failed",
						Expected: "ValidateResponse, Status 2xx", Observed: fmt.Sprintf("%s, Status %d (HTTP %d %s)", tag, st, httpStatus(ex), ex.Problem),
						Exchanges: []*target.Exchange{ex}})
				}
			},
		},
		{
			ID: "wire.response-tagged", Requirement: "REQ-WIRE-RESPONSE-TAG", Category: harness.Deviation,
			Title: "Every response is tagged with its response class",
			Doc: "Sends one request of each transaction that needs no account (Hello, ValidateAccount, Get of an " +
				"unknown account, Status, ConnectStatus of an unknown device) and checks that each response is a JSON " +
				"object with exactly one member named after the response class (NOTE-RESPONSE-TAG). Example failure: " +
				"{\"Status\": 201} without the ValidateResponse tag. Five requests.",
			Accepts: "A JSON object whose one member is the response class (NOTE-RESPONSE-TAG), its members in any order, unknown ones included (NOTE-RESPONSE-EXTENSIONS); Status may instead say it is unimplemented: Status 501, or HTTP 404/501 without a MeshResponse (NOTE-UNIMPLEMENTED).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				for _, rq := range s.probeRequests() {
					ex := s.raw(rq.body, nil)
					if ex.Problem != target.ProblemNone || ex.Response == nil {
						t.Fail(harness.Finding{Message: rq.tx + ": no answer", Observed: string(ex.Problem), Exchanges: []*target.Exchange{ex}})
					}
					if unimplementedAnswer(rq.tx, ex) {
						continue // an unimplemented Status is judged by status.* checks
					}
					tag, err := topTag(ex.Response.Body)
					if err != nil || tag != responseClass(rq.tx) {
						t.Fail(harness.Finding{Message: rq.tx + ": the response is not tagged with its class", Expected: responseClass(rq.tx), Observed: fmt.Sprintf("%s (%v)", tag, err), Exchanges: []*target.Exchange{ex}})
					}
				}
			},
		},
		{
			ID: "wire.status-present", Requirement: "REQ-WIRE-STATUS-PRESENT", Category: harness.Deviation,
			Title: "Responses carry a payload Status",
			Doc: "For the same requests as wire.response-tagged, checks that the response has an Integer Status " +
				"(MeshResponse). The draft's schema defect lets the four Connect responses and HelloResponse inherit no " +
				"MeshResponse (NOTE-CONNECT-RESPONSE-BASE): Status missing on those is reported by " +
				"wire.status-present-connect at SHOULD level instead. Five requests.",
			Accepts: "An Integer Status, any value, in each response but HelloResponse and ConnectStatusResponse (NOTE-STATUS-CODES); an unimplemented Status (NOTE-UNIMPLEMENTED) is not judged here.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				for _, rq := range s.probeRequests() {
					if rq.tx == "Hello" || rq.tx == "ConnectStatus" {
						continue
					}
					s.checkStatusPresent(rq)
				}
			},
		},
		{
			ID: "wire.status-present-connect", Requirement: "REQ-WIRE-STATUS-PRESENT", Level: harness.SHOULD, Category: harness.Deviation,
			Title: "HelloResponse and the Connect responses carry a payload Status too",
			Doc: "NOTE-CONNECT-RESPONSE-BASE treats HelloResponse and the four Connect*Response classes as " +
				"MeshResponses although the draft's schema makes them inherit MeshRequest or nothing; a portal that " +
				"omits Status there gets a warning citing the defect, not a failure. Two requests.",
			Accepts: "An Integer Status in HelloResponse and ConnectStatusResponse; without one, a warning, not a failure (NOTE-CONNECT-RESPONSE-BASE).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				for _, rq := range s.probeRequests() {
					if rq.tx == "Hello" || rq.tx == "ConnectStatus" {
						s.checkStatusPresent(rq)
					}
				}
			},
		},
		{
			ID: "wire.http-status-mirror", Requirement: "REQ-HTTP-STATUS-MIRROR", Category: harness.Deviation,
			Title: "The HTTP status mirrors the payload Status",
			Doc: "\"When using the HTTP binding, the response SHOULD report the Status response code in the HTTP " +
				"response message.\" Sends a successful Validate and a Get of an unknown account and checks that the " +
				"HTTP status class equals the payload Status class (2xx with 2xx, 404 with 404). Example failure: " +
				"HTTP 200 with payload Status 404. Two requests.",
			Accepts: "An HTTP status of the payload Status's class, and the same code for a payload 4xx or 5xx (draft 3.2: \"SHOULD report the Status response code in the HTTP response message\"): HTTP 200 or 201 for Status 201, HTTP 404 for Status 404; anything else warns.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				for _, body := range [][]byte{
					mustRequest(&mesh.ValidateRequest{Account: s.account("m")}),
					mustRequest(&mesh.GetRequest{Account: s.account("nobody")}),
				} {
					ex := s.raw(body, nil)
					payload := payloadStatus(ex)
					if payload == 0 {
						t.Fail(harness.Finding{Message: "no payload Status to compare", Exchanges: []*target.Exchange{ex}})
					}
					if got := ex.Response.Status; got/100 != int(payload)/100 || (payload >= 400 && got != int(payload)) {
						t.Fail(harness.Finding{Message: "HTTP status does not mirror the payload Status", Expected: fmt.Sprintf("HTTP %d", payload), Observed: fmt.Sprintf("HTTP %d", got), Exchanges: []*target.Exchange{ex}})
					}
				}
			},
		},
		{
			ID: "wire.content-type", Requirement: "REQ-WIRE-ENDPOINT", Category: harness.Deviation, // MUST, as the binding (issue 16)
			Title: "Responses are application/json and not cacheable",
			Doc: "WIRE.md 4: the binding is POST /.well-known/mmm/ with Content-Type application/json and " +
				"Cache-Control no-store. Checks both headers on a Hello response; a cached Mesh answer could serve a " +
				"deleted profile. One request.",
			Accepts: "Content-Type application/json with any parameters (charset=utf-8 included) and a Cache-Control containing no-store (NOTE-HTTP-BINDING); anything else warns.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				ex := s.raw(mustRequest(&mesh.HelloRequest{}), nil)
				if ex.Response == nil {
					t.Fail(harness.Finding{Message: "no answer to Hello", Observed: string(ex.Problem)})
				}
				mt, _, _ := mime.ParseMediaType(ex.Response.Header.Get("Content-Type"))
				if mt != "application/json" {
					t.Fail(harness.Finding{Message: "response Content-Type is not application/json", Expected: "application/json", Observed: ex.Response.Header.Get("Content-Type")})
				}
				if !strings.Contains(strings.ToLower(ex.Response.Header.Get("Cache-Control")), "no-store") {
					t.Fail(harness.Finding{Message: "response may be cached", Expected: "Cache-Control: no-store", Observed: ex.Response.Header.Get("Cache-Control")})
				}
			},
		},
		{
			ID: "wire.request-class-tag", Requirement: "REQ-WIRE-REQUEST-TAG", Category: harness.Probe,
			Title: "Does the portal also accept the 2016 message-class request tag?",
			Doc: "NOTE-REQUEST-TAG: the canonical request tag is the transaction name; acceptance of the 2016 " +
				"form {\"ValidateRequest\": {...}} is probed and reported as information, never a failure. One request.",
			Accepts: "Any answer: information only (NOTE-REQUEST-TAG: \"never as a failure\").",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				body, _ := mesh.EncodeRequestAs(&mesh.ValidateRequest{Account: s.account("c")}, mesh.ClassTag)
				ex := s.raw(body, nil)
				if p := payloadStatus(ex); p >= 200 && p < 300 {
					t.Info("the portal accepts the message-class tag {\"ValidateRequest\": ...}")
				} else {
					t.Info(fmt.Sprintf("the portal refuses the message-class tag (Status %d)", p))
				}
			},
		},
		{
			ID: "wire.request-transaction-tag", Requirement: "REQ-WIRE-REQUEST-TAG", Category: harness.Deviation,
			Title: "The canonical request tag (the transaction name) is accepted",
			Doc: "NOTE-REQUEST-TAG: \"canonical = transaction name; a portal MUST accept it\". Sends " +
				"{\"ValidateAccount\": {...}} and expects a ValidateResponse with Status 2xx. One request.",
			Accepts: "A ValidateResponse with payload Status 2xx (NOTE-REQUEST-TAG: \"a portal MUST accept it\"); any HTTP status.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				s.ok("ValidateAccount", s.do(&mesh.ValidateRequest{Account: s.account("t")}, nil), "the transaction-name tag was not accepted")
			},
		},
		{
			ID: "wire.unknown-members", Requirement: "REQ-WIRE-UNKNOWN-MEMBERS", Category: harness.Deviation,
			Title: "Unknown members in a request are ignored",
			Doc: "NOTE-UNKNOWN-MEMBERS: a portal SHOULD ignore members it does not know, so that newer clients " +
				"interoperate. Sends a ValidateAccount with an extra member and expects the same success as without. " +
				"Example failure: Status 400 \"unknown member\". One request.",
			Accepts: "Payload Status 2xx, as without the member (NOTE-UNKNOWN-MEMBERS: \"A portal SHOULD ignore unknown members\"); a refusal warns.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				body := []byte(fmt.Sprintf(`{"ValidateAccount":{"Account":%q,"FutureExtension":{"x":[1,true]}}}`, s.account("u")))
				ex := s.raw(body, nil)
				if p := payloadStatus(ex); p < 200 || p > 299 {
					t.Fail(harness.Finding{Message: "a request with an unknown member was refused", Expected: "Status 2xx", Observed: fmt.Sprintf("Status %d", p)})
				}
			},
		},
		{
			ID: "wire.malformed-json", Requirement: "REQ-WIRE-LIMITS", Category: harness.Control,
			Title: "Malformed requests get a clear 4xx, never a 5xx or a dropped connection",
			Doc: "WIRE.md 1: \"Exceeding one is a clear error, never a crash.\" Sends truncated JSON, a JSON array, " +
				"an unknown transaction, a wrong field type and invalid UTF-8, and expects each to be refused with a " +
				"4xx Status (400 per NOTE-STATUS-CODES). Example failure: HTTP 500 or a reset connection. Five requests.",
			Accepts: "A 4xx for each body: the payload Status of a MeshResponse, tagged or not, or the HTTP status of an answer without one (NOTE-NO-TRANSACTION, NOTE-STATUS-CODES); HTTP 200 with Status 400 passes (draft 3.2: the payload Status \"MUST always be considered authoritative\"); a 2xx, a 5xx or no answer fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				for _, bad := range []struct{ name, body string }{
					{"truncated JSON", `{"ValidateAccount":{"Account":"a`},
					{"an array", `[]`},
					{"an unknown transaction", `{"NoSuchTransaction":{}}`},
					{"a wrong field type", `{"ValidateAccount":{"Account":42}}`},
					{"invalid UTF-8", "{\"ValidateAccount\":{\"Account\":\"\xff\xfe\"}}"},
				} {
					s.expectClientError(bad.name, []byte(bad.body))
				}
			},
		},
		{
			ID: "wire.limits", Requirement: "REQ-WIRE-LIMITS", Category: harness.Control, Serial: true,
			Title: "Oversized and deeply nested requests are refused cleanly",
			Doc: "Sends a well-formed request padded with white space to 4 MiB, a request with one 768 KiB string, " +
				"and a request nested 10,000 levels deep, and expects each refused with a 4xx Status (413 or 400) " +
				"within the request timeout. Example failure: a 2xx for the padded body (no size limit), a 500, a " +
				"hang, or a dropped connection (NOTE-LIMITS). Three requests, about 5 MiB sent.",
			Accepts: "A 4xx for each request, 400 or 413 (NOTE-LIMITS), judged as in wire.malformed-json (NOTE-NO-TRANSACTION), within the request timeout; a 2xx, a 5xx, a dropped connection or a hang fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				padded := []byte(`{"ValidateAccount":{"Account":"` + s.account("big") + `"}}` + strings.Repeat(" ", 4<<20))
				s.expectClientError("a 4 MiB body", padded)
				long := []byte(`{"ValidateAccount":{"Account":"` + strings.Repeat("a", 768<<10) + `"}}`)
				s.expectClientError("a 768 KiB string", long)
				deep := []byte(`{"ValidateAccount":{"X":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}}`)
				s.expectClientError("10,000 levels of nesting", deep)
			},
		},
		{
			ID: "wire.host", Requirement: "REQ-HTTP-HOST", Level: harness.SHOULD, Category: harness.Deviation,
			Title: "A request whose Host names another portal is refused",
			Doc: "3.1: \"the request MUST specify the portal DNS address in the HTTP Host field\" (NOTE-HTTP-BINDING). " +
				"A portal that serves any Host cannot tell which portal a request was meant for. Sends a ValidateAccount " +
				"with Host: other-portal.invalid and expects a 4xx. One request.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES), as payload Status or, without a MeshResponse, as HTTP status (NOTE-NO-TRANSACTION); serving the request warns.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				ex := s.raw(mustRequest(&mesh.ValidateRequest{Account: s.account("h")}), http.Header{"Host": {"other-portal.invalid"}})
				if st, _ := answerStatus(ex); st < 400 || st > 499 {
					t.Fail(harness.Finding{Message: "a request for another portal's Host was served", Expected: "a 4xx refusal", Observed: fmt.Sprintf("Status %d (HTTP %d)", payloadStatus(ex), httpStatus(ex)), Exchanges: []*target.Exchange{ex}})
				}
			},
		},
		{
			ID: "wire.portal-field", Requirement: "REQ-HTTP-HOST", Level: harness.SHOULD, Category: harness.Deviation,
			Title: "A request whose Portal field names another portal is refused",
			Doc: "MeshRequest.Portal names the portal the request is directed to (3.1.1). Sends a ValidateAccount " +
				"with Portal \"other-portal.invalid\" and expects a 4xx. One request.",
			Accepts: "Any 4xx in a ValidateResponse (NOTE-REFUSAL-CODES); serving the request warns.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				s.refused("ValidateAccount", s.do(&mesh.ValidateRequest{Portal: "other-portal.invalid", Account: s.account("p")}, nil), "a request directed to another portal was served")
			},
		},
		{
			ID: "wire.transport-tls", Requirement: "CTL-TRANSPORT-TRAFFIC-ANALYSIS", Level: harness.SHOULD, Category: harness.Control,
			Title: "The portal is reached over TLS",
			Doc: "7.1.1.1 Transport Security: the triple lock's first lock. Fails (at SHOULD level) when the target " +
				"URL is plain http: every request, profile and connection PIN crosses the network in the clear. " +
				"Sends no request.",
			Accepts: "An https:// target URL (draft 7.1.1.1); plain http warns.",
			Run: func(ctx context.Context, t *harness.T) {
				if !strings.HasPrefix(strings.ToLower(t.URL()), "https://") {
					t.Fail(harness.Finding{Message: "the portal is reached without TLS", Expected: "https://", Observed: t.URL()})
				}
			},
		},
	}
}

// probeRequest is a request any portal can answer without an account.
type probeRequest struct {
	tx   string
	body []byte
}

func (s *session) probeRequests() []probeRequest {
	return []probeRequest{
		{"Hello", mustRequest(&mesh.HelloRequest{})},
		{"ValidateAccount", mustRequest(&mesh.ValidateRequest{Account: s.account("probe")})},
		{"Get", mustRequest(&mesh.GetRequest{Account: s.account("nobody")})},
		{"Status", mustRequest(&mesh.StatusRequest{})},
		{"ConnectStatus", mustRequest(&mesh.ConnectStatusRequest{AccountID: s.account("nobody"), DeviceID: "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF"})},
	}
}

func (s *session) checkStatusPresent(rq probeRequest) {
	ex := s.raw(rq.body, nil)
	if ex.Response == nil {
		s.t.Fail(harness.Finding{Message: rq.tx + ": no answer", Observed: string(ex.Problem), Exchanges: []*target.Exchange{ex}})
	}
	if unimplementedAnswer(rq.tx, ex) {
		return
	}
	resp, err := mesh.DecodeResponse(ex.Response.Body, rq.tx, nil)
	if err != nil {
		s.t.Fail(harness.Finding{Message: rq.tx + ": the response does not decode: " + err.Error(), Exchanges: []*target.Exchange{ex}})
	}
	if _, ok := resp.StatusCode(); !ok {
		s.t.Fail(harness.Finding{Message: rq.tx + ": the response has no Status", Expected: "Status (Integer)", Observed: string(ex.Response.Body), Exchanges: []*target.Exchange{ex}})
	}
}

// expectClientError sends a bad body and expects a 4xx answer: no 5xx, no hang, no reset.
// The payload Status is authoritative (draft 3.2) when the answer carries one; an answer with
// no MeshResponse is judged by its HTTP status (NOTE-NO-TRANSACTION).
func (s *session) expectClientError(what string, body []byte) {
	ex := s.raw(body, nil)
	if ex.Problem != target.ProblemNone || ex.Response == nil {
		// Unanswered: a hang or a reset on bad input is itself what NOTE-LIMITS forbids.
		s.t.Fail(harness.Finding{Message: what + ": the portal gave no answer", Expected: "a 4xx refusal", Observed: fmt.Sprintf("%s %s", ex.Problem, ex.Err), Exchanges: []*target.Exchange{ex}, Unanswered: true})
	}
	if st, payload := answerStatus(ex); st < 400 || st > 499 {
		layer := "HTTP"
		if payload {
			layer = "Status"
		}
		s.t.Fail(harness.Finding{Message: what + ": not refused with a client error", Expected: "Status 4xx (or HTTP 4xx without a MeshResponse)", Observed: fmt.Sprintf("%s %d (HTTP %d)", layer, st, httpStatus(ex)), Exchanges: []*target.Exchange{ex}})
	}
}

// answerStatus is the status an answer gives: the payload Status of a tagged or bare
// MeshResponse, authoritative by draft 3.2 (payload true), else the HTTP status of an answer
// that carries no MeshResponse (NOTE-NO-TRANSACTION); 0 without an answer.
func answerStatus(ex *target.Exchange) (status int, payload bool) {
	if ex == nil || ex.Response == nil {
		return 0, false
	}
	if p := payloadStatus(ex); p != 0 {
		return int(p), true
	}
	var bare struct {
		Status *int32 `json:"Status"`
	}
	if json.Unmarshal(ex.Response.Body, &bare) == nil && bare.Status != nil {
		return int(*bare.Status), true
	}
	return ex.Response.Status, false
}

// unimplementedAnswer reports whether ex is how a portal says it has no such transaction
// (NOTE-UNIMPLEMENTED): for Status or Transfer only, the transactions the draft marks "[Not
// currently implemented]", a payload Status 501, or HTTP 404/501 with no MeshResponse.
func unimplementedAnswer(tx string, ex *target.Exchange) bool {
	if tx != "Status" && tx != "Transfer" || ex == nil || ex.Response == nil {
		return false
	}
	st, payload := answerStatus(ex)
	return st == http.StatusNotImplemented || !payload && st == http.StatusNotFound
}

func mustRequest(r mesh.MeshRequest) []byte {
	b, err := mesh.EncodeRequest(r)
	if err != nil {
		panic(err)
	}
	return b
}

// topTag returns the single member name of a JSON object.
func topTag(body []byte) (string, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		return "", err
	}
	if len(m) != 1 {
		return "", fmt.Errorf("%d members", len(m))
	}
	for k := range m {
		return k, nil
	}
	return "", nil
}

// payloadStatus reads the Status inside any tagged response; 0 when there is none.
func payloadStatus(ex *target.Exchange) int32 {
	if ex == nil || ex.Response == nil {
		return 0
	}
	var m map[string]struct {
		Status *int32 `json:"Status"`
	}
	if err := json.Unmarshal(ex.Response.Body, &m); err != nil {
		return 0
	}
	for _, v := range m {
		if v.Status != nil {
			return *v.Status
		}
	}
	return 0
}

// responseBody is the body of an exchange's response, nil without one.
func responseBody(ex *target.Exchange) []byte {
	if ex == nil || ex.Response == nil {
		return nil
	}
	return ex.Response.Body
}

func httpStatus(ex *target.Exchange) int {
	if ex == nil || ex.Response == nil {
		return 0
	}
	return ex.Response.Status
}
