// Package lint reads the draft's text and reports its own defects (undefined types, responses
// built on the request class, duplicated lines, table-of-contents errors, cut-off sentences) and
// every difference between the draft and the project schema, each located by section number.
package lint
