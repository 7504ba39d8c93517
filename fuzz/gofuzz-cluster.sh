#!/usr/bin/env bash
# fuzz/gofuzz-cluster.sh: a go-fuzz campaign in coordinator/worker mode (issue 19). One
# coordinator holds the corpus and the crashers; N workers, each one go-fuzz process of
# PROCS fuzzing processes, run the target and report to it.
#
#   fuzz/gofuzz-cluster.sh [-t TARGET] [-n WORKERS] [-p PROCS] [-d SECONDS] [-o OUTDIR] [-a ADDR] [-c DIR]
#
#   TARGET   a go-fuzz entry point of fuzz/gofuzz (default FuzzDecodeRequest)
#   WORKERS  worker processes on this machine (default 2); PROCS fuzzing processes each (default 1)
#   SECONDS  campaign length (default 60); OUTDIR as fuzz/build-gofuzz.sh's -o (default fuzz-build)
#   ADDR     the coordinator's listen address (default 127.0.0.1:9873)
#   DIR      where crashers go as regression inputs (default fuzz/testdata/fuzz/TARGET)
#
# On one machine it runs everything over loopback (`make fuzz-cluster`). Across machines, run
# the coordinator where the corpus lives and the workers elsewhere, by hand, with the same zip:
#   coordinator: go-fuzz -bin OUTDIR/TARGET.zip -workdir OUTDIR/TARGET -coordinator 0.0.0.0:9873
#   each worker: go-fuzz -bin OUTDIR/TARGET.zip -worker COORDINATOR_HOST:9873 -procs NCPU
# (the port carries no authentication: keep it on a private network or an SSH tunnel).
#
# The corpus the workers found is merged by the coordinator into OUTDIR/TARGET/corpus, which the
# next campaign starts from. Crashers (OUTDIR/TARGET/crashers/HASH, with HASH.output) are copied
# into fuzz/testdata/fuzz/TARGET/gofuzz-HASH in the go test fuzz v1 format, where plain go test
# replays them as regression inputs of the native target of the same name.
#
# Needs go-fuzz and go-fuzz-build on PATH (go install github.com/dvyukov/go-fuzz/go-fuzz@latest
# github.com/dvyukov/go-fuzz/go-fuzz-build@latest); builds the target with fuzz/build-gofuzz.sh
# when OUTDIR/TARGET.zip is missing. Prints one summary line per worker and the coordinator's last.
set -euo pipefail
target=FuzzDecodeRequest workers=2 procs=1 secs=60 out=fuzz-build addr=127.0.0.1:9873 dest=
while getopts "t:n:p:d:o:a:c:h" opt; do
	case $opt in
	t) target=$OPTARG ;; n) workers=$OPTARG ;; p) procs=$OPTARG ;; d) secs=$OPTARG ;;
	o) out=$OPTARG ;; a) addr=$OPTARG ;; c) dest=$OPTARG ;; h) sed -n '2,30p' "$0"; exit 0 ;; *) exit 2 ;;
	esac
done
cd "$(dirname "$0")/.."
for tool in go-fuzz go-fuzz-build; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "gofuzz-cluster.sh: $tool is not installed: go install github.com/dvyukov/go-fuzz/$tool@latest" >&2
		exit 2
	fi
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [[ ! -f $out/$target.zip ]]; then
	if grep -q 'dvyukov/go-fuzz ' go.mod; then
		fuzz/build-gofuzz.sh -o "$out" "$target"
	else
		# go-fuzz-build needs go-fuzz-dep in go.mod (module mode; -modfile does not work: it runs
		# parts of the build outside module mode). It is added in a copy of the checkout, so that
		# the checkout, and whatever builds it meanwhile, never sees a changed go.mod.
		copy=$(mktemp -d)
		fuzz/copy-tree.sh "$copy"
		(cd "$copy" && go get github.com/dvyukov/go-fuzz/go-fuzz-dep@v0.0.0-20220726122315-1d375ef9f9f6 >/dev/null && fuzz/build-gofuzz.sh -o "$out" "$target")
		rm -rf "$copy"
	fi
fi
work=$out/$target
mkdir -p "$work/corpus" "$work/logs"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
go-fuzz -bin "$out/$target.zip" -workdir "$work" -coordinator "$addr" >"$work/logs/coordinator.log" 2>&1 &
pids+=($!)
for i in $(seq "$workers"); do
	# -v 2: each worker logs its own exec count with every sync to the coordinator.
	go-fuzz -bin "$out/$target.zip" -worker "$addr" -procs "$procs" -v 2 >"$work/logs/worker$i.log" 2>&1 &
	pids+=($!)
done
sleep "$secs"
# The coordinator learns a worker's execs only when that worker syncs (every 3 s) and prints its
# statistics every 3 s; on a busy machine a worker may also join late. So the campaign's summary
# waits, at most 60 s more, until every worker has logged execs and the coordinator's latest line
# counts every fuzzing process and some execs: what it prints does not depend on how fast the
# workers started.
worker_execs() { grep -o 'execs=[0-9]*' "$work/logs/worker$1.log" 2>/dev/null | tail -1 | cut -d= -f2; }
settled() {
	local i line
	for i in $(seq "$workers"); do (($(worker_execs "$i" || true) + 0 > 0)) || return 1; done
	line=$(grep 'workers:' "$work/logs/coordinator.log" | tail -1 || true)
	[[ $line =~ workers:\ ([0-9]+),.*execs:\ ([0-9]+)\  ]] &&
		((BASH_REMATCH[1] >= workers * procs && BASH_REMATCH[2] > 0))
}
grace=$((SECONDS + 60))
until settled || ((SECONDS >= grace)); do sleep 1; done
cleanup
trap - EXIT
for i in $(seq "$workers"); do
	n=$(worker_execs "$i" || true)
	echo "worker $i: execs=${n:-0}"
done
echo "coordinator: $(grep 'workers:' "$work/logs/coordinator.log" | tail -1 | sed 's/^[0-9/]* [0-9:]* //')"
dest=${dest:-fuzz/testdata/fuzz/$target}
n=0
if [[ -d $work/crashers ]]; then
	for c in "$work/crashers"/*; do
		case $c in *.output | *.quoted | *'*'*) continue ;; esac
		mkdir -p "$dest"
		lit=$(od -An -v -tx1 "$c" | tr -d ' \n' | sed 's/../\\x&/g')
		printf 'go test fuzz v1\n[]byte("%s")\n' "$lit" >"$dest/gofuzz-$(basename "$c")"
		n=$((n + 1))
	done
fi
echo "crashers: $n copied to $dest (go test -run $target ./fuzz replays them); corpus: $(find "$work/corpus" -type f | wc -l) inputs in $work/corpus"
