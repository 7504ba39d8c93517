#!/usr/bin/env bash
# Installs what TestContainerImage (packaging/container.sh) builds and runs the image with, when
# absent: podman, and runc beside it (crun, podman's default runtime, refuses a machine whose
# cgroup hierarchies are v1 and v2 at once, as this project's machines are). From Debian's
# packages, on a Debian or Ubuntu machine with root (or sudo); without them the test skips and
# says why. Meant for .ci/run.
set -euo pipefail

need=()
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || need+=(runc)
if [ ${#need[@]} -eq 0 ]; then
	echo "install-container-tools: podman and runc present"
	exit 0
fi
bash "$(dirname "$0")/apt-install.sh" install-container-tools "${need[@]}"
