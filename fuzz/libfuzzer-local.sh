#!/usr/bin/env bash
# fuzz/libfuzzer-local.sh: the ClusterFuzzLite / OSS-Fuzz build (.clusterfuzzlite/build.sh) run
# here, outside their container, then each libFuzzer binary run for a while over its seed
# corpus (issue 19). What a pull request's ClusterFuzzLite job would build, checked locally.
#
#   fuzz/libfuzzer-local.sh [-o OUTDIR] [-s SECONDS] [-j JOBS] [TARGET...]   (make fuzz-libfuzzer)
#
#   OUTDIR   the binaries and their <target>_seed_corpus.zip (default fuzz-build/libfuzzer);
#            OUTDIR/<target>.corpus/ keeps what each run found
#   SECONDS  libFuzzer's -max_total_time per target (default 10; 0 builds only)
#   TARGET   run only these (default: every binary built)
#
# Needs clang with libFuzzer's runtime (Debian: apt-get install clang) and go-118-fuzz-build
# (go install github.com/AdamKorcz/go-118-fuzz-build@v0.0.0-20250520111509-a70c2aa677fa).
# Prints, per target, one line: "libfuzzer TARGET: runs=N cov=C corpus=K seeds=S exit=E".
# Exits 1 if a target crashed (libFuzzer writes crash-<sha1> into OUTDIR) and 2 on a usage or
# tool problem.
set -euo pipefail
out=fuzz-build/libfuzzer secs=10
while getopts "o:s:h" opt; do
	case $opt in
	o) out=$OPTARG ;; s) secs=$OPTARG ;; h) sed -n '2,19p' "$0"; exit 0 ;; *) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
cd "$(dirname "$0")/.."
repo=$PWD
for tool in clang go-118-fuzz-build; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		case $tool in
		clang) echo "libfuzzer-local.sh: clang is not installed (Debian: apt-get install clang)" >&2 ;;
		*) echo "libfuzzer-local.sh: go-118-fuzz-build is not installed: go install github.com/AdamKorcz/go-118-fuzz-build@v0.0.0-20250520111509-a70c2aa677fa" >&2 ;;
		esac
		exit 2
	fi
done
mkdir -p "$out"
out=$(cd "$out" && pwd)

# build.sh edits the tree it builds (as in OSS-Fuzz's container): it gets a copy.
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
fuzz/copy-tree.sh "$src/meshconform"
SRC=$src OUT=$out CXX=clang CXXFLAGS= LIB_FUZZING_ENGINE=-fsanitize=fuzzer SANITIZER=address \
	PATH="$repo/fuzz/ossfuzz:$PATH" bash "$repo/.clusterfuzzlite/build.sh"

[[ $secs -gt 0 ]] || exit 0
if [[ $# -eq 0 ]]; then
	mapfile -t targets < <(find "$out" -maxdepth 1 -type f -name 'Fuzz*' -perm -u+x -printf '%f\n' | sort)
else
	targets=("$@")
fi
crashed=0
for t in "${targets[@]}"; do
	corpus=$out/$t.corpus seeds=0
	mkdir -p "$corpus"
	if [[ -f $out/${t}_seed_corpus.zip ]]; then
		seeds=$(unzip -Z1 "$out/${t}_seed_corpus.zip" | wc -l)
		unzip -q -o "$out/${t}_seed_corpus.zip" -d "$corpus"
	fi
	log=$out/$t.log
	rc=0
	(cd "$out" && "./$t" -max_total_time="$secs" -print_final_stats=1 "$corpus") >"$log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE *cov: \([0-9]*\).*/\1/p' "$log")
	found=$(find "$corpus" -type f | wc -l)
	echo "libfuzzer $t: runs=${runs:-0} cov=${cov:-0} corpus=$found seeds=$seeds exit=$rc"
	if [[ $rc -ne 0 ]]; then
		crashed=1
		tail -n 30 "$log" >&2
	fi
done
exit $crashed
