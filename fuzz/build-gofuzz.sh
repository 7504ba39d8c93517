#!/usr/bin/env bash
# Builds the go-fuzz entry points of fuzz/gofuzz for go-fuzz or for libFuzzer / OSS-Fuzz style
# infrastructure, one binary per target, with each target's seed corpus beside it.
#
#   fuzz/build-gofuzz.sh [-libfuzzer] [-o OUTDIR] [TARGET...]     (from the repository root)
#
# Needs go-fuzz-build on PATH (go install github.com/dvyukov/go-fuzz/go-fuzz-build@latest) and,
# in module mode, the module github.com/dvyukov/go-fuzz/go-fuzz-dep in go.mod
# (go get github.com/dvyukov/go-fuzz/go-fuzz-dep); -libfuzzer also needs clang. None of these
# is installed by this script, and CI does not run it: native go test -fuzz is the primary
# engine (make fuzz).
#
# Output, for each TARGET (default: all of them):
#   go-fuzz:   OUTDIR/TARGET.zip and OUTDIR/TARGET/corpus/ -> go-fuzz -bin OUTDIR/TARGET.zip -workdir OUTDIR/TARGET
#   libFuzzer: OUTDIR/TARGET (executable) and OUTDIR/TARGET_seed_corpus.zip (the OSS-Fuzz naming)
set -euo pipefail

mode=gofuzz
out=fuzz-build
while [[ $# -gt 0 ]]; do
	case "$1" in
	-libfuzzer) mode=libfuzzer; shift ;;
	-o) out="$2"; shift 2 ;;
	-h | --help) sed -n '2,17p' "$0"; exit 0 ;;
	-*) echo "build-gofuzz.sh: unknown flag $1" >&2; exit 2 ;;
	*) break ;;
	esac
done

cd "$(dirname "$0")/.."
pkg=github.com/meshconform/meshconform/fuzz/gofuzz
# go-fuzz's source instrumentation puts code between a //go: directive and its function in
# these packages, which current Go refuses ("misplaced compiler directive"); they are left
# uninstrumented (-preserve). Checked with go-fuzz-build 2022-07-26 and Go 1.26.
preserve=${GOFUZZ_PRESERVE:-crypto/internal/fips140/bigmod,github.com/cloudflare/circl/dh/x448}

if ! command -v go-fuzz-build >/dev/null 2>&1; then
	echo "build-gofuzz.sh: go-fuzz-build is not installed:" >&2
	echo "  go install github.com/dvyukov/go-fuzz/go-fuzz-build@latest" >&2
	echo "  go get github.com/dvyukov/go-fuzz/go-fuzz-dep   (module mode needs it in go.mod)" >&2
	exit 2
fi
if [[ $mode == libfuzzer ]] && ! command -v clang >/dev/null 2>&1; then
	echo "build-gofuzz.sh: -libfuzzer needs clang" >&2
	exit 2
fi

# The entry points share their property checks with the native targets; check them first.
go vet -tags gofuzz ./fuzz/gofuzz/
go test -count=1 -tags gofuzz ./fuzz/gofuzz/

if [[ $# -gt 0 ]]; then
	targets=("$@")
else
	mapfile -t targets < <(sed -n 's/^func \(Fuzz[A-Za-z0-9]*\)(data \[\]byte) int.*/\1/p' fuzz/gofuzz/gofuzz.go)
fi

mkdir -p "$out"
seeds="$out/.seeds"
rm -rf "$seeds"
go run ./fuzz/cmd/fuzzall -write-seeds "$seeds" -vectors vectors/testvectors

for t in "${targets[@]}"; do
	echo "building $t ($mode)"
	if [[ $mode == gofuzz ]]; then
		go-fuzz-build -preserve "$preserve" -func "$t" -o "$out/$t.zip" "$pkg"
		mkdir -p "$out/$t/corpus"
		if [[ -d "$seeds/$t" ]]; then cp "$seeds/$t"/* "$out/$t/corpus/"; fi
	else
		go-fuzz-build -libfuzzer -preserve "$preserve" -func "$t" -o "$out/$t.a" "$pkg"
		clang -fsanitize=fuzzer "$out/$t.a" -o "$out/$t"
		rm -f "$out/$t.a"
		if [[ -d "$seeds/$t" ]]; then (cd "$seeds/$t" && zip -q -r "../../${t}_seed_corpus.zip" .); fi
	fi
done
rm -rf "$seeds"
echo "built ${#targets[@]} target(s) in $out"
