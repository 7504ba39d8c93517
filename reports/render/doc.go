// Package render is the registry of report formats (junit, sarif, html, ndjson, md, json):
// the command line looks a format up by name, and WriteAll writes several formats of one run
// into a report directory for `--report-dir DIR --report junit,sarif,html,json`.
package render
