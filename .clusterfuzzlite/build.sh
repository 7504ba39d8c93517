#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script (issue 19): every native fuzz target of ./fuzz as a
# libFuzzer binary in $OUT (compile_native_go_fuzzer, OSS-Fuzz's wrapper of go-118-fuzz-build),
# each with its seed corpus as $OUT/<target>_seed_corpus.zip, the name those engines look for.
# It edits the tree it builds, as OSS-Fuzz builds do: run it on a copy. Run here, outside a
# container, by fuzz/libfuzzer-local.sh (make fuzz-libfuzzer), with a local stand-in for
# compile_native_go_fuzzer; TestLibFuzzerBuild runs that in CI.
cd "$SRC/meshconform"

# go-118-fuzz-build swaps the testing package of the fuzz functions for its own, which must be
# in go.mod, and reads no _test.go file: the targets' file is renamed and the dependency added.
printf 'package fuzz\n\nimport _ "github.com/AdamKorcz/go-118-fuzz-build/testing"\n' >fuzz/libfuzzer_register.go
mv fuzz/fuzz_test.go fuzz/fuzz_libfuzzer.go
go get github.com/AdamKorcz/go-118-fuzz-build/testing@v0.0.0-20250520111509-a70c2aa677fa

# Each []byte argument of a go-118-fuzz-build binary comes length-prefixed (go-fuzz-headers):
# the seeds are written that way, or they would reach the targets cut short.
go run ./fuzz/cmd/fuzzall -seed-zips "$OUT" -seed-format go-fuzz-headers -vectors vectors/testvectors

# shellcheck disable=SC2013 # function names have no spaces
for t in $(sed -n 's/^func \(Fuzz[A-Za-z0-9]*\)(f \*testing.F).*/\1/p' fuzz/fuzz_libfuzzer.go); do
	compile_native_go_fuzzer github.com/meshconform/meshconform/fuzz "$t" "$t"
done
