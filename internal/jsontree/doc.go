// Package jsontree holds a JSON value as an ordered tree: object members keep their order and
// duplicates, strings their exact text. The live fuzzer mutates requests with it; the
// reference portal's allowances rewrite answers with it (member order, escapes, extra
// members), which encoding/json's maps could not do.
package jsontree
