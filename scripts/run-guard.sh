#!/bin/bash
# Quick start, part one: installs what is missing, builds, and runs
# oomguard's main job on this machine. Until the guard daemon lands, that is
# `oomguardctl zones`: every node and zone against the kernel's own
# watermarks and lowmem reserves, and the balloon.
#   scripts/run-guard.sh [oomguardctl zones options, e.g. --json --order 9]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# No test dependencies for this: the guard is built without the test suite
# unless an earlier scripts/run-tests.sh set the build up with it.
[ -f build/build.ninja ] || meson setup build -Dtests=false >/dev/null
ninja -C build guard/oomguardctl >/dev/null
exec build/guard/oomguardctl zones "$@"
