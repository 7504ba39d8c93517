// Package jsonreport writes a run as its JSON document (harness/result's schema), the format
// every other report can be regenerated from.
package jsonreport
