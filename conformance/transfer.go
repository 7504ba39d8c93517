package conformance

import (
	"context"
	"fmt"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
)

// transferChecks verify the accountability controls of draft section 7 that Transfer's log
// records carry: the chain ends at the Status checkpoint, every record is attributed.
func transferChecks(env Env) []harness.Check {
	return []harness.Check{
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
