// Package live is the schema-aware fuzzer of live portals: it mutates valid requests built with
// the reference client, flags misbehaviour by fixed oracles, minimises each finding and saves it
// as a reproducer file that Replay re-sends (issue 7, "Live portals").
//
// The oracles judge the request as it was sent (issue 15): mutations apply in the order listed,
// a finding names those that took effect, and a claim that a request had to be refused holds
// only for what its body still says (a signature broken and then dropped, or a body truncated
// past parsing, claims no bad-signature acceptance). A body that names no transaction is owed a
// 4xx only (spec/notes.json NOTE-NO-TRANSACTION). Replay rebuilds the finding's state or says
// it is not reproducible here.
//
// Every choice of a case flows from the printed seed and the case's number: its template, its
// mutations and their arguments, and the keys and names its template makes (numbered by the
// case, not by a counter the workers share), so one seed sends the same requests whichever
// worker runs each case (TestSameSeedSameRequests).
//
// Throughput (issue 19): BenchmarkCampaign sets a campaign's requests/s beside a plain replay
// of the same requests to the same portal. What the fuzzer spends beyond the replay is building
// fresh signed requests (key generation and Ed448 signatures, inherent to the request mix) and
// judging the answers; the oracles read only what they need of a body, by skipping bytes once
// validJSON (json.Valid's verdict, in one pass) has passed, not through a tree.
package live
