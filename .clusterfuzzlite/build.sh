#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script (issue 19): every native fuzz target of ./fuzz as a
# libFuzzer binary (compile_native_go_fuzzer, OSS-Fuzz's wrapper of go-118-fuzz-build), each with
# its seed corpus zipped as $OUT/<target>_seed_corpus.zip, the name those engines look for.
# Untested here (no container engine on the development machine): the same targets are built as
# libFuzzer binaries locally by fuzz/build-gofuzz.sh -libfuzzer.
cd "$SRC/meshconform"
seeds=$(mktemp -d)
go run ./fuzz/cmd/fuzzall -write-seeds "$seeds" -vectors vectors
# shellcheck disable=SC2013 # function names have no spaces
for t in $(sed -n 's/^func \(Fuzz[A-Za-z0-9]*\)(f \*testing.F).*/\1/p' fuzz/fuzz_test.go); do
	compile_native_go_fuzzer github.com/meshconform/meshconform/fuzz "$t" "$t"
	if [ -d "$seeds/$t" ]; then
		(cd "$seeds/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
	fi
done
