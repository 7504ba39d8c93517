#!/usr/bin/env bash
# make release: static meshconform binaries for every platform, stamped with the version, and a
# SHA256SUMS file, in dist/ (OUT=...). Every binary is built with CGO_ENABLED=0 (no libc: it runs
# on any Linux, and FROM scratch in the container image) and -trimpath (no path of this machine in
# the binary), then checked: its build settings (go version -m) must record both flags, its bytes
# must carry the stamped version, and the binary for this machine's platform must print it.
#
#   VERSION=v1.2.3 packaging/release.sh                  # all six platforms
#   PLATFORMS="linux/amd64 windows/arm64" packaging/release.sh   # some (CI builds two)
#
# VERSION defaults to `git describe --tags --dirty`, or dev-COMMIT when no tag exists.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
OUT=${OUT:-dist}
PLATFORMS=${PLATFORMS:-"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"}

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || true)
if [ -n "$commit" ] && [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	commit="$commit+dirty"
fi
version=${VERSION:-$(git describe --tags --dirty 2>/dev/null || echo "dev-${commit:-unknown}")}
case "$version" in
*[!A-Za-z0-9.+_-]*) echo "release: VERSION $version has characters a file name or -X cannot carry" >&2; exit 2 ;;
esac

# The stamp cmd/meshconform reads first (main.stampVersion, main.stampCommit): with -buildvcs=false
# or -trimpath the build information may name neither.
ldflags="-s -w -X main.stampVersion=$version -X main.stampCommit=$commit"
mkdir -p "$OUT"
rm -f "$OUT"/meshconform_* "$OUT/SHA256SUMS"
hostos=$($GO env GOHOSTOS)
hostarch=$($GO env GOHOSTARCH)

for platform in $PLATFORMS; do
	os=${platform%/*}
	arch=${platform#*/}
	exe=""
	[ "$os" = windows ] && exe=.exe
	bin="$OUT/meshconform_${version}_${os}_${arch}$exe"
	started=$SECONDS
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch $GO build -trimpath -ldflags "$ldflags" -o "$bin" ./cmd/meshconform
	settings=$($GO version -m "$bin")
	for want in "build	CGO_ENABLED=0" "build	-trimpath=true" "build	GOOS=$os" "build	GOARCH=$arch"; do
		if ! grep -qF -- "$want" <<<"$settings"; then
			echo "release: $bin: build settings lack \"$want\":" >&2
			echo "$settings" >&2
			exit 1
		fi
	done
	# -trimpath keeps -ldflags out of the recorded settings: look for the stamp in the binary.
	if ! grep -qaF -- "$version" "$bin"; then
		echo "release: $bin does not carry the version $version" >&2
		exit 1
	fi
	if [ "$os/$arch" = "$hostos/$hostarch" ]; then
		first=$("$bin" version | head -n 1)
		if [ "$first" != "meshconform $version" ]; then
			echo "release: $bin version printed \"$first\", want \"meshconform $version\"" >&2
			exit 1
		fi
	fi
	echo "$bin  $(wc -c <"$bin") bytes  $((SECONDS - started)) s"
done

(cd "$OUT" && sha256sum meshconform_* >SHA256SUMS && sha256sum --check --quiet SHA256SUMS)
echo "release $version (commit ${commit:-unknown}): $OUT/SHA256SUMS"
