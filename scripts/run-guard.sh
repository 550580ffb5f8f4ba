#!/bin/bash
# Quick start, part one: installs what is missing, builds, and runs the
# guard on this machine in the foreground, in --dry-run: it watches memory
# the way the kernel's allocator does, and logs here (and to the journal)
# every level change and every action it would take, without changing
# anything. Ctrl-C stops it.
#   scripts/run-guard.sh [oomguard options, e.g. --policy FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# No test dependencies for this: the guard is built without the test suite
# unless an earlier scripts/run-tests.sh set the build up with it.
[ -f build/build.ninja ] || meson setup build -Dtests=false >/dev/null
ninja -C build guard/oomguard ctl/oomguardctl >/dev/null
build/ctl/oomguardctl zones
echo
exec build/guard/oomguard --dry-run "$@"
