#!/usr/bin/env bash
# Regenerates realrun.json, the run the HTML report's real-run tests render and the committed
# screenshot.png shows: a real run of the suite against the embedded reference portal with a few
# misbehaviour knobs, so the page has failures, warnings, information and passes as a portal
# under test gets them. It is limited to some draft sections only to keep the fixture small
# (a whole run records megabytes of exchanges). Afterwards run, from the module root,
#   go test ./reports/html -run 'RealRun|Chromium' -update -count=1
# to rewrite screenshot.png (Chromium needed; see ../../testdata/install-validators.sh).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
args=(run --seed 18 --report json --report-dir "$out")
for knob in skip-host-check omit-content-type validate-incomplete-invalid-characters status-fails \
	checkpoint-not-chain reject-unknown-members; do
	args+=(--bug "$knob")
done
for section in 3.1 3.2 3.5 3.6 3.7 3.8 3.11 7.1.1.1 7.1.2 7.1.7 7.2.3; do
	args+=(--section "$section")
done
# Exit 1 is the expected verdict (the knobs make the portal fail); anything else is not.
code=0
go run ./cmd/meshconform "${args[@]}" >/dev/null || code=$?
if [ "$code" -ne 1 ]; then
	echo "realrun.sh: meshconform exited $code, want 1 (the knobs' failures)" >&2
	exit 1
fi
cp "$out/run.json" reports/html/testdata/realrun.json
echo "realrun.sh: wrote reports/html/testdata/realrun.json"
