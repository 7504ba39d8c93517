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
package live
