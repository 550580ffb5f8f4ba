#!/bin/bash
# The running daemon's footprint and speed, on this machine:
#   tests/bench/guard-footprint.sh OOMGUARD [IDLE_SECONDS] [RUNS]
# 1. idle: oomguard --dry-run on the live system for IDLE_SECONDS (default
#    60): wake-ups (context switches), CPU time, RSS and PSS;
# 2. latency: RUNS (default 7) short runs on a fixture at its min watermark
#    with a policy that drops caches at once; the journal's LATENCY_USEC
#    (wake-up to action done, the write included) per run, and the median.
# Needs root (journald, /proc of the guard); starts journald if none runs.
set -euo pipefail
oomguard=$(realpath "$1")
idle=${2:-60}
runs=${3:-7}
here=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"' EXIT

. "$here/tests/journald.sh"
journald_ensure || { echo "no journald could be started" >&2; exit 1; }

ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{ print ($14 + $15) * 1000 / t }' "/proc/$1/stat"; }
ctx() { awk '/ctxt_switches/ { n += $2 } END { print n }' "/proc/$1/status"; }

"$oomguard" --dry-run 2>/dev/null &
g=$!
pids+=($g)
sleep 3
c0=$(ctx $g) t0=$(cpu_ms $g)
sleep "$idle"
c1=$(ctx $g) t1=$(cpu_ms $g)
echo "idle ${idle} s: $((c1 - c0)) wake-ups (context switches), $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') ms CPU"
grep -E 'VmRSS|RssAnon|RssFile' /proc/$g/status | tr -s ' \t' ' ' | tr '\n' ';'
echo " Pss: $(awk '/^Pss:/ { print $2 " kB" }' /proc/$g/smaps_rollup)"
kill $g
wait $g 2>/dev/null || true

# latency, in steady state: the guard starts on a quiet guest; a second
# later the fixture turns into a ballooned guest at its min watermark, and
# the next periodic sample acts (drop_caches, written into the fixture).
quiet=$here/tests/fixtures/roots/tcg-6.1-balloon-384
critical=$here/tests/fixtures/roots/format-5.4-balloon-384
printf '[balloon]\nenabled = no\n[drop_caches]\nmin_file_pct = 0\n[pressure]\nsample_interval_ms = 100\n' > "$work/p.ini"
lat=()
for i in $(seq "$runs"); do
	rm -rf "$work/root"
	cp -r "$quiet" "$work/root"
	: > "$work/root/proc/sys/vm/drop_caches"
	"$oomguard" --root "$work/root" --policy "$work/p.ini" 2>/dev/null &
	g=$!
	sleep 1
	# in place: the guard keeps its hot files open, as it does on procfs
	for f in zoneinfo meminfo buddyinfo vmstat pagetypeinfo; do cat "$critical/proc/$f" > "$work/root/proc/$f"; done
	sleep 0.5
	kill $g
	wait $g 2>/dev/null || true
	l=$(journalctl -o json --no-pager "_PID=$g" ACTION=drop_caches 2>/dev/null | head -n 1 |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["LATENCY_USEC"])')
	lat+=("$l")
done
sorted=$(printf '%s\n' "${lat[@]}" | sort -n | tr '\n' ' ')
median=$(printf '%s\n' "${lat[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "wake-up to action (drop_caches), $runs runs: median $median us (all: $sorted)"
