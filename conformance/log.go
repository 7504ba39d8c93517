package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/mesh"
)

// logChecks verify Status and Transfer (draft 3.11, 3.16, 7.1.7; NOTE-LOG).
func logChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "status.checkpoint-grows", Requirement: "REQ-LOG-CHECKPOINT-GROWS", Category: harness.Control,
			Title: "Status checkpoints change with every write and LastWriteTime never goes back",
			Doc: "7.1.7 Trust Broker Accountability; NOTE-LOG: \"checkpoints only grow\". Reads Status, creates an " +
				"account, reads Status again: CheckpointValue must differ and LastWriteTime must not be earlier. A portal " +
				"without Status (the draft marks it \"not currently implemented\") is reported unimplemented. Three requests.",
			Accepts: "A new CheckpointValue after a write and a LastWriteTime not earlier, in any RFC 3339 form (NOTE-LOG, NOTE-DATETIME); unimplemented when Status answers 501 or HTTP 404/501 (NOTE-UNIMPLEMENTED).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				before := s.status()
				s.create("log")
				after := s.status()
				if before.CheckpointValue == "" || after.CheckpointValue == "" {
					t.Fail(harness.Finding{Message: "Status has no CheckpointValue"})
				}
				if before.CheckpointValue == after.CheckpointValue {
					t.Fail(harness.Finding{Message: "a write did not change the checkpoint", Expected: "a new CheckpointValue", Observed: after.CheckpointValue})
				}
				if before.LastWriteTime != nil && after.LastWriteTime != nil && after.LastWriteTime.Before(*before.LastWriteTime) {
					t.Fail(harness.Finding{Message: "LastWriteTime went back", Expected: before.LastWriteTime, Observed: after.LastWriteTime})
				}
			},
		},
		{
			ID: "status.idempotent", Requirement: "REQ-IDEMPOTENT-READS", Category: harness.Deviation,
			Title: "Reading Status does not change the checkpoint",
			Doc: "NOTE-IDEMPOTENT: reads change nothing. Two Status requests in a row with no write of this check in " +
				"between must not show the checkpoint going backwards; run serially so no other check writes. Two requests.",
			Serial:  true,
			Accepts: "The same CheckpointValue twice (NOTE-IDEMPOTENT); unimplemented when Status answers 501 or HTTP 404/501 (NOTE-UNIMPLEMENTED).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				one, two := s.status(), s.status()
				if one.CheckpointValue != two.CheckpointValue {
					t.Fail(harness.Finding{Message: "Status changed without a write", Expected: one.CheckpointValue, Observed: two.CheckpointValue})
				}
			},
		},
		{
			ID: "transfer.unauthenticated", Requirement: "REQ-TRANSFER-AUTHORIZED", Category: harness.Control,
			Title: "Transfer without authorisation is refused with 401",
			Doc: "3.16: Transfer \"Requires appropriate authorization\". Sends it without an Authorization header and " +
				"expects 401 and no DataItems (or unimplemented when the portal has no Transfer). One request.",
			Accepts: "Status 401 and no DataItems (NOTE-AUTH); unimplemented when Transfer answers 501 or HTTP 404/501 (NOTE-UNIMPLEMENTED).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				r := s.do(&mesh.TransferRequest{}, nil)
				s.unimplementedIf("Transfer", r)
				s.refused("Transfer", r, "an unauthenticated Transfer was answered", 401)
				if n := len(r.resp.(*mesh.TransferResponse).DataItems); n > 0 {
					t.Fail(harness.Finding{Message: "a refused Transfer still carried log records", Observed: n})
				}
			},
		},
		{
			ID: "transfer.own-records", Requirement: "REQ-TRANSFER-AUTHORIZED", Category: harness.Control,
			Title: "An account's device gets its account's log records and no other account's",
			Doc: "Creates two accounts; a Transfer authenticated by the first account's device must return log " +
				"records (LogRecords in plain DARE envelopes, NOTE-LOG) of the first account only. Three requests.",
			Accepts: "Payload Status 2xx with LogRecords of the account and none of the other (NOTE-LOG); unimplemented when Transfer answers 501 or HTTP 404/501 (NOTE-UNIMPLEMENTED).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("xfer-a")
				b := s.create("xfer-b")
				r := s.do(&mesh.TransferRequest{}, a.Auth())
				s.unimplementedIf("Transfer", r)
				s.ok("Transfer", r, "an authorised Transfer failed")
				own := 0
				for i, item := range r.resp.(*mesh.TransferResponse).DataItems {
					v, err := auth.Open(&item)
					if err != nil {
						t.Fail(harness.Finding{Message: fmt.Sprintf("DataItems[%d] does not open: %v", i, err)})
					}
					rec, ok := v.(*mesh.LogRecord)
					if !ok {
						t.Fail(harness.Finding{Message: fmt.Sprintf("DataItems[%d] is a %s, not a LogRecord", i, v.MeshType())})
					}
					if strings.EqualFold(rec.Account, b.Name) {
						t.Fail(harness.Finding{Message: "Transfer returned another account's log record", Expected: a.Name, Observed: rec.Account})
					}
					if strings.EqualFold(rec.Account, a.Name) {
						own++
					}
				}
				if own == 0 {
					t.Fail(harness.Finding{Message: "Transfer returned none of the account's own records (its CreateAccount at least)"})
				}
			},
		},
	}
}

// status reads Status, ending the check as unimplemented when the portal has none.
func (s *session) status() *mesh.StatusResponse {
	r := s.do(&mesh.StatusRequest{}, nil)
	s.unimplementedIf("Status", r)
	s.ok("Status", r, "Status failed")
	return r.resp.(*mesh.StatusResponse)
}

// unimplementedIf ends the check as unimplemented when the portal says it has no such
// transaction (NOTE-UNIMPLEMENTED): Status 501, or HTTP 404/501 for the whole request.
func (s *session) unimplementedIf(tx string, r reply) {
	if r.status == 501 {
		s.t.Unimplemented(tx + " answers 501")
	}
	if noSuchTransaction(r) {
		s.t.Unimplemented(fmt.Sprintf("%s answers HTTP %d", tx, r.ex.HTTPStatus))
	}
}

// noSuchTransaction reports whether r says the portal has no such transaction at all: HTTP
// 404 or 501 with no MeshResponse (NOTE-UNIMPLEMENTED), or Status 501.
func noSuchTransaction(r reply) bool {
	return r.status == 501 || r.resp == nil && r.ex != nil && (r.ex.HTTPStatus == http.StatusNotFound || r.ex.HTTPStatus == http.StatusNotImplemented)
}
