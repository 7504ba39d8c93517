#!/usr/bin/env bash
# make image / make image-smoke: build the meshconform container image (packaging/Containerfile,
# FROM scratch) from a `make release` binary, and smoke-test it.
#
#   packaging/container.sh build    stage dist/image/ and build IMAGE (default meshconform:VERSION)
#   packaging/container.sh smoke    check IMAGE: its files, its user, `version`, and one check
#                                   run against the embedded reference portal, with no network
#   packaging/container.sh          both
#
# The engine is podman, else buildah (build only), else docker when its daemon answers
# (ENGINE=... chooses). When none can run here, the script says why and exits 3: a skip,
# never a pass. VERSION as for packaging/release.sh; the binary for this machine's architecture
# is built when dist/ lacks it.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
OUT=${OUT:-dist}
arch=$($GO env GOARCH)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
VERSION=${VERSION:-$(git describe --tags --dirty 2>/dev/null || echo "dev-$commit")}
IMAGE=${IMAGE:-meshconform:$VERSION}
export VERSION OUT GO

skip() { echo "container image: SKIPPED, $*" >&2; exit 3; }
fail() { echo "container image: FAIL, $*" >&2; exit 1; }

pick_engine() {
	if [ -n "${ENGINE:-}" ]; then
		command -v "$ENGINE" >/dev/null || skip "ENGINE=$ENGINE is not installed"
		return
	fi
	if command -v podman >/dev/null; then ENGINE=podman; return; fi
	if command -v buildah >/dev/null && [ "$1" = build ]; then ENGINE=buildah; return; fi
	if command -v docker >/dev/null; then
		if timeout 20 docker info >/dev/null 2>&1; then ENGINE=docker; return; fi
		skip "no podman or buildah, and docker's daemon does not answer (docker info failed); install podman (Debian: apt-get install podman) or start dockerd"
	fi
	skip "no podman, buildah or docker (Debian: apt-get install podman)"
}

build() {
	pick_engine build
	local bin="$OUT/meshconform_${VERSION}_linux_${arch}"
	if [ ! -x "$bin" ]; then
		PLATFORMS="linux/$arch" packaging/release.sh
	fi
	local ca=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
	[ -s "$ca" ] || fail "no CA bundle at $ca (Debian: apt-get install ca-certificates, or set CA_BUNDLE)"
	local ctx="$OUT/image"
	rm -rf "$ctx"
	mkdir -p "$ctx/home" "$ctx/tmp"
	chmod 0755 "$ctx/home"
	chmod 1777 "$ctx/tmp"
	# Every linux binary in dist/ goes in, so that one context serves a multi-platform build.
	for b in "$OUT"/meshconform_"${VERSION}"_linux_*; do
		cp "$b" "$ctx/meshconform-linux-${b##*_linux_}"
	done
	cp "$ca" "$ctx/ca-certificates.crt"
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$ctx/passwd"
	printf 'root:x:0:\nnonroot:x:65532:\n' >"$ctx/group"
	case "$ENGINE" in
	buildah) buildah bud --layers=false --build-arg TARGETARCH="$arch" --build-arg VERSION="$VERSION" \
		-f packaging/Containerfile -t "$IMAGE" "$ctx" ;;
	*) "$ENGINE" build --no-cache --build-arg TARGETARCH="$arch" --build-arg VERSION="$VERSION" \
		-f packaging/Containerfile -t "$IMAGE" "$ctx" ;;
	esac
	echo "container image: built $IMAGE with $ENGINE"
}

# run_flags finds how this machine lets the engine start a container (global, runflags), trying
# the image's `version`: as configured; then with the host's open-file limit and a process limit
# of 4096 (a sandbox without CAP_SYS_RESOURCE refuses the engine's own, higher ones); then, with
# podman, through runc (crun refuses hybrid cgroup v1/v2 hierarchies). ENGINE_FLAGS and RUN_FLAGS
# (words) set them instead. When every way fails in the container runtime, that is a skip.
run_flags() {
	global=()
	runflags=()
	if [ -n "${ENGINE_FLAGS:-}${RUN_FLAGS:-}" ]; then
		read -r -a global <<<"${ENGINE_FLAGS:-}"
		read -r -a runflags <<<"${RUN_FLAGS:-}"
		return
	fi
	local limits
	limits="--ulimit nofile=$(ulimit -Sn):$(ulimit -Hn) --ulimit nproc=4096:4096"
	local tries=("|" "|$limits")
	if [ "$ENGINE" = podman ] && command -v runc >/dev/null; then
		tries+=("--runtime runc|" "--runtime runc|$limits")
	fi
	local try out=""
	for try in "${tries[@]}"; do
		read -r -a global <<<"${try%%|*}"
		read -r -a runflags <<<"${try#*|}"
		if out=$("$ENGINE" "${global[@]}" run "${runflags[@]}" --rm --network none "$IMAGE" version 2>&1); then
			echo "container image: $ENGINE ${global[*]} run ${runflags[*]} starts containers here"
			return
		fi
	done
	if grep -qiE 'OCI|runtime|cgroup|rlimit|namespace' <<<"$out"; then
		skip "$ENGINE cannot start a container on this machine (last error: $out)${runc_hint:-}"
	fi
	fail "the image does not run: $out"
}

smoke() {
	pick_engine smoke
	if [ "$ENGINE" = podman ] && ! command -v runc >/dev/null; then
		runc_hint="; on hybrid cgroup hierarchies install runc (Debian: apt-get install runc)"
	fi
	[ "$ENGINE" != buildah ] || skip "buildah builds but cannot run the image; install podman"
	"$ENGINE" image inspect "$IMAGE" >/dev/null 2>&1 || fail "no image $IMAGE: build it first"
	local user
	user=$("$ENGINE" image inspect --format '{{.Config.User}}' "$IMAGE")
	[ "$user" = 65532:65532 ] || fail "the image runs as \"$user\", want 65532:65532"

	# The image's files, exactly: a shell or a library here would mean it is not FROM scratch.
	local id files want
	id=$("$ENGINE" create "$IMAGE")
	files=$("$ENGINE" export "$id" | tar -t | sed 's,^\./,,; s,/$,,' | grep -v -E '^(\.|dev|dev/.*|proc|sys|etc/(hostname|hosts|resolv\.conf|mtab)|run|run/.*)$' | sort)
	"$ENGINE" rm "$id" >/dev/null
	want=$(printf '%s\n' etc etc/group etc/passwd etc/ssl etc/ssl/certs etc/ssl/certs/ca-certificates.crt \
		home home/nonroot tmp usr usr/local usr/local/bin usr/local/bin/meshconform | sort)
	[ "$files" = "$want" ] || fail "the image's files differ from what is expected:$(diff <(echo "$want") <(echo "$files") | sed 's/^/\n  /')"

	run_flags
	local first
	first=$("$ENGINE" "${global[@]}" run "${runflags[@]}" --rm --network none "$IMAGE" version | head -n 1)
	[ "$first" = "meshconform $VERSION" ] || fail "\`version\` printed \"$first\", want \"meshconform $VERSION\""

	# One check against the embedded reference portal (its store in /tmp, reports in the
	# non-root user's home): the image runs the suite as a portal team would, without network.
	local out code=0
	out=$("$ENGINE" "${global[@]}" run "${runflags[@]}" --rm --network none "$IMAGE" run --only wire.hello --report json,sarif 2>&1) || code=$?
	[ "$code" = 0 ] || fail "\`run --only wire.hello\` exited $code:
$out"
	grep -q 'PASS (exit 0)' <<<"$out" || fail "\`run --only wire.hello\` did not pass:
$out"
	echo "container image: $IMAGE passed its smoke test with $ENGINE (user 65532, $(wc -l <<<"$files") files, version $VERSION)"
}

case "${1:-all}" in
build) build ;;
smoke) smoke ;;
all) build && smoke ;;
*) echo "usage: $0 [build|smoke]" >&2; exit 2 ;;
esac
