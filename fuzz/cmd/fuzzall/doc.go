// Command fuzzall runs every native fuzz target of a package in turn (go test -fuzz takes one
// target per run) for a fixed time each, then prints a summary: executions, executions per
// second beside the bare encoding/json target, new corpus entries, and crashers with the
// files go test wrote them to. It exits 1 when any target failed, 2 on a usage error.
//
//	go run ./fuzz/cmd/fuzzall -fuzztime 30s [-run Regexp] [-pkg ./fuzz]
//
// With -write-seeds DIR it instead writes every target's seed corpus (the reference-built
// seeds and the vector files' candidates) to DIR/<Target>/, one file per seed, for go-fuzz
// and OSS-Fuzz style engines (build-gofuzz.sh uses it). With -seed-zips DIR it writes them as
// DIR/<Target>_seed_corpus.zip, the archives OSS-Fuzz and ClusterFuzzLite look for beside each
// binary; -seed-format go-fuzz-headers length-prefixes every seed the way a go-118-fuzz-build
// binary decodes its []byte argument (.clusterfuzzlite/build.sh uses it).
package main
