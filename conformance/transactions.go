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
	"github.com/meshconform/meshconform/reference/mesh"
)

// transactionChecks verify what draft section 3 says of transactions as a whole: any order,
// idempotent, independent of the HTTP connection.
func transactionChecks(env Env) []harness.Check {
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
	}
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
