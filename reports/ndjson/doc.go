// Package ndjson writes a run as newline-delimited JSON events for live consumers: a start
// line, one line per check as it finishes, and a final summary line. Stream takes the harness's
// progress events as they happen; Write replays a finished run in the same form.
package ndjson
