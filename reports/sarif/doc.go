// Package sarif renders a run as SARIF 2.1.0 for code-scanning dashboards: rules are the
// requirements the checks cite, results carry kind, level, draft-section logical locations and
// check-ID fingerprints, compared against a baseline log and suppressed where disabled.
package sarif
