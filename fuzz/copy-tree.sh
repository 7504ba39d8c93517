#!/usr/bin/env bash
# Copies the checkout's files, committed or not but never ignored ones (build output) nor .git,
# into DEST: the builds that must edit the tree they build (go-fuzz-build and go-118-fuzz-build
# need their support packages in go.mod) edit a copy, so that the checkout, and whatever else is
# building it meanwhile, is left alone.
#
#   fuzz/copy-tree.sh DEST      (from anywhere inside the checkout)
set -euo pipefail
dest=$(mkdir -p "$1" && cd "$1" && pwd)
cd "$(git rev-parse --show-toplevel)"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do if [[ -f $f ]]; then printf '%s\0' "$f"; fi; done |
	tar --null -T - -cf - | tar -xf - -C "$dest"
