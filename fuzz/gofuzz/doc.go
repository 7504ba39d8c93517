// Package gofuzz holds go-fuzz entry points (func Fuzz(data []byte) int, build tag gofuzz) for
// every target of package targets, so that campaigns can also run on go-fuzz and OSS-Fuzz
// style infrastructure; fuzz/build-gofuzz.sh builds them. Native go test -fuzz stays primary.
package gofuzz
