// Package fuzz holds the native go test -fuzz targets, one per parser of the reference (their
// properties live in fuzz/targets); crashers are kept in testdata/fuzz/<FuzzName>/ and replayed
// by plain go test. `make fuzz` runs them all in turn (fuzz/cmd/fuzzall).
package fuzz
