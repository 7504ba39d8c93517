#!/usr/bin/env bash
# fuzz/coverage.sh: the statement coverage of the reference portal that one live-fuzz campaign
# reaches (issue 19). It builds meshportal with `go build -cover`, serves it on a free loopback
# port with GOCOVERDIR set, runs `meshconform fuzz --portal URL` against it, stops the portal
# with SIGINT (a covered binary writes its counters when it exits normally) and prints
#   coverage: reference/portal NN.N% of statements
# from `go tool covdata percent`. Against a portal of your own, the same recipe holds for any Go
# portal built with -cover; for others use your language's coverage tool around the same run.
#
# Usage: fuzz/coverage.sh [CASES [WORKDIR [fuzz flags...]]]
#   CASES    fuzz cases to run (default 2000; 0: start and stop the portal only, the baseline)
#   WORKDIR  where binaries, the store and the counters go (default: a new temporary directory)
#   GO       the go command (default go); COVERPKG the packages counted (default ./cmd/meshportal,./reference/...)
# Exit status: 0 when the figure was printed; the fuzzer's findings do not change it (a covered
# portal with knobs may be fuzzed too: pass its --bug flags in MESHPORTAL_ARGS).
set -euo pipefail
cases=${1:-2000}
work=${2:-$(mktemp -d)}
shift $(( $# > 2 ? 2 : $# ))
GO=${GO:-go}
# The main package must be among them: a binary whose main is not covered writes no counters.
COVERPKG=${COVERPKG:-./cmd/meshportal,./reference/...}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work/covdata" "$work/store"
rm -rf "${work:?}/covdata/"*
(cd "$root" && "$GO" build -cover -coverpkg="$COVERPKG" -o "$work/meshportal" ./cmd/meshportal)
(cd "$root" && "$GO" build -o "$work/meshconform" ./cmd/meshconform)
# shellcheck disable=SC2086
GOCOVERDIR="$work/covdata" "$work/meshportal" --data "$work/store" --listen 127.0.0.1:0 --rate-limit -1 \
	${MESHPORTAL_ARGS:-} 2>"$work/meshportal.log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
url=
for _ in $(seq 300); do
	url=$(sed -n 's/.*"meshportal listening".*"url":"\([^"]*\)".*/\1/p' "$work/meshportal.log")
	[ -n "$url" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/meshportal.log" >&2; exit 2; }
	sleep 0.1
done
[ -n "$url" ] || { echo "coverage.sh: meshportal did not start" >&2; exit 2; }
echo "meshportal (built with -cover) at $url"
if [ "$cases" -gt 0 ]; then
	"$work/meshconform" fuzz --portal "$url" --host localhost --max-cases "$cases" --duration 1h \
		--out "$work/findings" "$@" || echo "meshconform fuzz exited $? (findings do not change the coverage figure)"
fi
kill -INT "$pid"
trap - EXIT
wait "$pid" || true
"$GO" tool covdata percent -i "$work/covdata" -pkg github.com/meshconform/meshconform/reference/portal |
	sed -n 's|^[[:space:]]*github.com/meshconform/meshconform/\([^[:space:]]*\)[[:space:]]*coverage: \([0-9.]*%\).*|coverage: \1 \2 of statements|p'
