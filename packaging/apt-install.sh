#!/usr/bin/env bash
# Installs Debian packages for the tests that need outside tools (the report validators, the
# container tools, the fuzz engines): apt-get on a Debian or Ubuntu machine, as root or with
# sudo. Meant for .ci/run, through the install-*.sh scripts that say which tool needs which
# package; the tests skip, naming the package, where it cannot be installed.
#
#   packaging/apt-install.sh WHO PACKAGE...
set -euo pipefail
who=$1
shift
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "$who: installing $*"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
