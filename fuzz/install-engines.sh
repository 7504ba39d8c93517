#!/usr/bin/env bash
# Installs the fuzz engines that TestGoFuzzCluster and TestLibFuzzerBuild drive, when absent:
# clang (with libFuzzer's runtime) and unzip from Debian's packages, and go-fuzz, go-fuzz-build
# and go-118-fuzz-build with go install into BINDIR, at the versions checked here. Meant for
# .ci/run; put BINDIR on PATH before the tests. Without them the tests skip and say why.
#
#   fuzz/install-engines.sh BINDIR
set -euo pipefail
bindir=$(mkdir -p "$1" && cd "$1" && pwd)

need=()
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v unzip >/dev/null 2>&1 || need+=(unzip)
if [ ${#need[@]} -gt 0 ]; then
	bash "$(dirname "$0")/../packaging/apt-install.sh" install-engines "${need[@]}"
fi
GOBIN=$bindir go install \
	github.com/dvyukov/go-fuzz/go-fuzz@v0.0.0-20220726122315-1d375ef9f9f6 \
	github.com/dvyukov/go-fuzz/go-fuzz-build@v0.0.0-20220726122315-1d375ef9f9f6
GOBIN=$bindir go install github.com/AdamKorcz/go-118-fuzz-build@v0.0.0-20250520111509-a70c2aa677fa
echo "install-engines: clang $(clang --version | sed -n '1s/.*version \([0-9.]*\).*/\1/p'), go-fuzz, go-fuzz-build and go-118-fuzz-build in $bindir"
