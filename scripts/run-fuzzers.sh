#!/bin/bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for SECONDS
# (default 30), seeded with the files of every fixture tree:
#   scripts/run-fuzzers.sh [SECONDS [TARGET...]]
# A crash leaves crash-* in build-fuzz/ and makes the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
build=build-fuzz

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" -Dfuzzing=true -Dtests=false -Dwerror=true >/dev/null
fi
ninja -C "$build" >/dev/null

seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
roots=tests/fixtures/roots
seed() { # seed TARGET GLOB...
	local t=$1 f i=0
	shift
	mkdir -p "$seeds/$t"
	for f in "$@"; do
		[ -f "$f" ] && cp "$f" "$seeds/$t/$((i++))"
	done
}
seed fuzz-keyed $roots/*/proc/meminfo $roots/*/proc/vmstat $roots/*/proc/pressure/memory
seed fuzz-zoneinfo $roots/*/proc/zoneinfo
seed fuzz-buddy $roots/*/proc/buddyinfo $roots/*/proc/pagetypeinfo
seed fuzz-small $roots/*/proc/sys/kernel/osrelease $roots/*/proc/sys/vm/* \
	$roots/*/sys/devices/system/node/online $roots/*/sys/bus/virtio/devices/*/*
seed fuzz-policy packaging/policy.ini
seed fuzz-proc /proc/self/stat /proc/self/cgroup /proc/1/stat /proc/self/oom_score_adj
seed fuzz-oomreport tests/fixtures/oom-reports*/*.log
seed fuzz-host-session tests/fuzz/corpus/host-session/*
seed fuzz-host-state tests/fuzz/corpus/host-state/*
seed fuzz-agent-line tests/fuzz/corpus/agent-line/*
seed fuzz-cgroup tests/fuzz/corpus/cgroup/* tests/fixtures/cgroup/*/proc/*/cgroup

status=0
all="fuzz-keyed fuzz-zoneinfo fuzz-buddy fuzz-small fuzz-policy fuzz-proc fuzz-oomreport fuzz-agent-line fuzz-host-session fuzz-host-state fuzz-cgroup"
for t in ${*:-$all}; do
	mkdir -p "$seeds/$t.work"
	if "$build/tests/fuzz/$t" -max_total_time="$secs" -max_len=65536 -timeout=10 \
		-artifact_prefix="$build/$t-" "$seeds/$t.work" "$seeds/$t" >"$seeds/$t.log" 2>&1; then
		echo "$t: $(grep -Eo '#[0-9]+.*(DONE|cov: [0-9]+)' "$seeds/$t.log" | tail -n 1)"
	else
		echo "$t: FAILED" >&2
		tail -n 40 "$seeds/$t.log" >&2
		status=1
	fi
done
exit $status
