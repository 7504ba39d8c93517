#!/usr/bin/env bash
# What a user's `go install github.com/meshconform/meshconform/cmd/meshconform@latest` does, done
# here before the module is published: the committed tree (git archive HEAD, the nested module
# internal/cmd/benchratio left out as a module zip leaves it out) is served as version
# v0.0.0-installcheck by a file:// module proxy put in front of the usual GOPROXY, and installed
# @latest outside any module, into an empty module cache and GOBIN.
#
# It proves what the published module needs for that command to work: go.mod has no replace or
# exclude directive (go install ...@version refuses them), go.sum names every module the build
# needs, every dependency is fetchable at its pinned version (from the proxy, or this machine's
# download cache, which go.sum then checks),
# the committed tree builds without anything uncommitted or cached, and the binary reports the
# module version the go command stamped (meshconform version). It does not prove that the module
# path resolves on the public proxy: that needs the repository published at that path.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
module=github.com/meshconform/meshconform
version=v0.0.0-installcheck
tmp=$(mktemp -d)
cleanup() { chmod -R u+w "$tmp" 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

if grep -qE '^[[:space:]]*(replace|exclude)\b' go.mod; then
	echo "go install check: FAIL, go.mod has replace or exclude directives, which go install ...@version refuses:" >&2
	grep -nE '^[[:space:]]*(replace|exclude)\b' go.mod >&2
	exit 1
fi

proxy="$tmp/proxy/$module/@v"
mkdir -p "$proxy"
echo "$version" >"$proxy/list"
printf '{"Version":"%s","Time":"%s"}\n' "$version" "$(git log -1 --format=%cI HEAD)" >"$proxy/$version.info"
git show HEAD:go.mod >"$proxy/$version.mod"
git archive --format=zip --prefix="$module@$version/" -o "$proxy/$version.zip" HEAD -- . ':(exclude)internal/cmd/benchratio'

# The modules this machine's cache already downloaded are served from it (the cache's download
# folder is a module proxy's layout): each is still checked against go.sum, and the rest comes
# from the usual GOPROXY. It saves CI the network, not the check.
local_downloads="$($GO env GOMODCACHE)/cache/download"
started=$SECONDS
(
	cd "$tmp"
	GOPROXY="file://$tmp/proxy,file://$local_downloads,$($GO env GOPROXY)" GONOSUMDB=$module GOFLAGS=-modcacherw \
		GOMODCACHE="$tmp/modcache" GOBIN="$tmp/bin" GOWORK=off \
		$GO install "$module/cmd/meshconform@latest"
)
first=$("$tmp/bin/meshconform" version | head -n 1)
if [ "$first" != "meshconform $version" ]; then
	echo "go install check: FAIL, the installed binary's version line is \"$first\", want \"meshconform $version\"" >&2
	exit 1
fi
echo "go install check: go install $module/cmd/meshconform@latest from an empty module cache: \"$first\" in $((SECONDS - started)) s"
