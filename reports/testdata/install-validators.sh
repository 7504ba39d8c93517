#!/usr/bin/env bash
# Installs the external validators the report tests use when present: xmllint (XSD validation
# of the JUnit output, Debian package libxml2-utils) and Chromium (the headless rendering test
# of the HTML report, Debian package chromium). Without them those tests skip with a message
# naming the package; the structural JUnit checks and the SARIF schema validation run anyway.
# Meant for .ci/run on a Debian or Ubuntu machine with root (or sudo).
set -euo pipefail

need=()
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
	echo "install-validators: xmllint and chromium present"
	exit 0
fi
bash "$(dirname "$0")/../../packaging/apt-install.sh" install-validators "${need[@]}"
