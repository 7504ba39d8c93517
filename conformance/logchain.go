package conformance

import (
	"bytes"
	"context"
	"crypto/sha512"
	"fmt"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/logchain"
	"github.com/meshconform/meshconform/reference/mesh"
)

// chainRecord is one LogRecord as Transfer served it: the payload bytes and what they say.
type chainRecord struct {
	payload []byte
	rec     *mesh.LogRecord
}

func logChainChecks(env Env) []harness.Check {
	return []harness.Check{{
		ID: "transfer.chain-recomputed", Requirement: "REQ-LOG-CHECKPOINT-GROWS", Category: harness.Control, Serial: true,
		Title: "The log's hash chain recomputes from the records Transfer returns",
		Doc: "7.1.7 (\"Cert transparency type techniques\") and NOTE-LOG: Chain_n = UDF(0x60 || SHA-512(UTF8(Chain_{n-1}) " +
			"|| SHA-512(R_n))), R_n being the served payload without its final Chain member. Run alone: creates an " +
			"account, publishes a device profile, takes a Transfer, publishes another, reads Status and takes a " +
			"second Transfer. The account's newest three records must be its CreateAccount, Publish and Publish, in " +
			"Index order, each with the Digest (SHA-512) of the request that wrote it; every record whose " +
			"predecessor is also the account's must carry the Chain recomputed from that predecessor; the newest " +
			"Chain must be the Status checkpoint; the first Transfer's records must come back byte for byte in the " +
			"second. Example failure: a portal that drops, reorders or rewrites a record, or whose Chain does not " +
			"include the previous one. Seven requests (unimplemented without Transfer).",
		Accepts: "Transfer's records, on any number of pages (draft 3.16.2), in Index order, the newest three the account's CreateAccount, Publish, Publish with the SHA-512 Digest of each request, every Chain recomputing from its predecessor (NOTE-LOG), the newest Chain equal to Status's CheckpointValue when Status answers 2xx, and every record of the first Transfer served byte for byte the same in the second (NOTE-LOG: \"A record once served is served byte for byte the same\"); unimplemented when Transfer answers 501 or HTTP 404/501 (NOTE-UNIMPLEMENTED).",
		Run: func(ctx context.Context, t *harness.T) {
			s := env.session(ctx, t)
			a := s.newAccount("chain")
			var bodies [][]byte
			write := func(tx string, r reply) {
				s.ok(tx, r, tx+" failed")
				bodies = append(bodies, r.ex.Request)
			}
			write("CreateAccount", s.do(s.createRequest(a), nil))
			write("Publish", s.publish(a, s.deviceProfile(s.newDevice())))
			first := s.chainRecords(a)
			write("Publish", s.publish(a, s.deviceProfile(s.newDevice())))
			st := s.do(&mesh.StatusRequest{}, nil)
			second := s.chainRecords(a)
			s.checkChain(second, bodies)
			if newest := second[len(second)-1].rec.Chain; st.resp != nil && st.status >= 200 && st.status < 300 {
				if cp := st.resp.(*mesh.StatusResponse).CheckpointValue; cp != newest {
					t.Fail(harness.Finding{Message: "the Status checkpoint read after the last write is not the newest record's Chain", Expected: newest, Observed: cp})
				}
			}
			later := map[int32][]byte{}
			for _, r := range second {
				later[*r.rec.Index] = r.payload
			}
			for _, r := range first {
				if got, ok := later[*r.rec.Index]; !ok || !bytes.Equal(got, r.payload) {
					t.Fail(harness.Finding{Message: fmt.Sprintf("log record %d changed or vanished between two Transfers", *r.rec.Index), Expected: string(r.payload), Observed: string(got)})
				}
			}
		},
	}}
}

// chainRecords takes the account's records from Transfer, on every page, with their payload
// bytes, ending the check as unimplemented when the portal has no Transfer.
func (s *session) chainRecords(a *client.Account) []chainRecord {
	var out []chainRecord
	for i, item := range s.transferItems(a) {
		rec := new(mesh.LogRecord)
		if err := mesh.UnmarshalInto(item.Payload, rec, nil); err != nil || rec.Index == nil {
			s.t.Fail(harness.Finding{Message: fmt.Sprintf("DataItems[%d] is not a LogRecord with an Index: %v", i, err), Observed: string(item.Payload)})
		}
		out = append(out, chainRecord{payload: item.Payload, rec: rec})
	}
	if len(out) == 0 {
		s.t.Fail(harness.Finding{Message: "Transfer returned no log record of the account"})
	}
	return out
}

// checkChain checks the records of one Transfer against NOTE-LOG and the bodies of the
// account's writes, oldest first.
func (s *session) checkChain(recs []chainRecord, bodies [][]byte) {
	want := []string{"CreateAccount", "Publish", "Publish"}
	if len(recs) < len(want) {
		s.t.Fail(harness.Finding{Message: "Transfer lacks records of acknowledged writes", Expected: want, Observed: len(recs)})
	}
	for i := 1; i < len(recs); i++ {
		if *recs[i].rec.Index <= *recs[i-1].rec.Index {
			s.t.Fail(harness.Finding{Message: "Transfer returned log records out of Index order", Expected: fmt.Sprintf("> %d", *recs[i-1].rec.Index), Observed: *recs[i].rec.Index})
		}
	}
	newest := recs[len(recs)-len(want):]
	for i, r := range newest {
		d := sha512.Sum512(bodies[i])
		if r.rec.Transaction != want[i] || !bytes.Equal(r.rec.Digest, d[:]) {
			s.t.Fail(harness.Finding{Message: fmt.Sprintf("log record %d is not the account's write %d (%s of the request sent)", *r.rec.Index, i+1, want[i]),
				Expected: fmt.Sprintf("%s with Digest %x...", want[i], d[:8]), Observed: fmt.Sprintf("%s with Digest %x", r.rec.Transaction, r.rec.Digest)})
		}
	}
	links := 0
	for i, r := range recs {
		if _, err := logchain.Record(r.payload, r.rec.Chain); err != nil {
			s.t.Fail(harness.Finding{Message: fmt.Sprintf("log record %d: %v (NOTE-LOG)", *r.rec.Index, err), Observed: string(r.payload)})
		}
		prev := ""
		switch {
		case *r.rec.Index == 1: // the first record follows the empty chain
		case i > 0 && *recs[i-1].rec.Index == *r.rec.Index-1:
			prev = recs[i-1].rec.Chain
			links++
		default:
			continue
		}
		if err := logchain.Link(prev, r.payload, r.rec.Chain); err != nil {
			s.t.Fail(harness.Finding{Message: fmt.Sprintf("log record %d's Chain is not the hash of the previous Chain and its own bytes: %v", *r.rec.Index, err), Observed: r.rec.Chain})
		}
	}
	if links == 0 {
		// Only another client's writes between each of ours explain this; the records of an
		// acknowledged write missing altogether failed above.
		s.t.Skip("other writers interleaved every write of the check: no link of the chain can be recomputed from one account's records")
	}
}
