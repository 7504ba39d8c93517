// Package live is the schema-aware fuzzer of live portals: it mutates valid requests built with
// the reference client, flags misbehaviour by fixed oracles, minimises each finding and saves it
// as a reproducer file that Replay re-sends (issue 7, "Live portals").
package live
