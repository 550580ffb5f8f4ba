#!/bin/bash
# oomguardctl explain's throughput on a large mixed log, as a ratio to
# `grep -c 'invoked oom-killer'` on the same file in the same run:
#   tests/bench/explain-vs-grep.sh OOMGUARDCTL [MIB] [RUNS]
# The log (default 300 MiB) is journal text: systemd, sshd, cron and kernel
# lines with changing numbers, and every real report of
# tests/fixtures/oom-reports*/ inserted every ~10 MiB. Runs alternate
# between the two tools; medians of RUNS (default 5) are compared.
set -euo pipefail
ctl=$(realpath "$1")
mib=${2:-300}
runs=${3:-5}
here=$(cd "$(dirname "$0")/../.." && pwd)
log=$(mktemp /tmp/oomguard-bench-log.XXXXXX)
trap 'rm -f "$log" "$log.count"' EXIT

python3 - "$log" "$mib" "$here"/tests/fixtures/oom-reports*/*.log <<'PY'
import random, sys
out, mib, reports = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
random.seed(7)
texts = [open(r, errors="replace").read() for r in reports]
lines = [
    "systemd[1]: Started Session {n} of User root.",
    "sshd[{n}]: Accepted publickey for root from 192.0.2.{m} port {n} ssh2: ED25519 SHA256:abcdef{n}",
    "CRON[{n}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
    "kernel: [{n}.{m:06d}] EXT4-fs (vda1): re-mounted. Opts: errors=remount-ro. Quota mode: none.",
    "kernel: [{n}.{m:06d}] e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: RX",
    "systemd-journald[{n}]: Data hash table of /var/log/journal/system.journal has a fill level at 75.0 ({n} of {m} items)",
    "kernel: [{n}.{m:06d}] audit: type=1400 audit({n}.{m}:{n}): apparmor=\"STATUS\" operation=\"profile_load\" name=\"/usr/bin/man\" pid={n}",
    "dbus-daemon[{n}]: [system] Successfully activated service 'org.freedesktop.hostname1'",
    "kernel: [{n}.{m:06d}] usb 1-1: new high-speed USB device number {m} using xhci_hcd",
    "systemd[1]: Finished Cleanup of Temporary Directories (room {n}, zoom {m}).",
]
target = mib * 1024 * 1024
size, k, chunk = 0, 0, []
with open(out, "w") as f:
    while size < target:
        for _ in range(2000):
            n, m = random.randrange(100, 99999), random.randrange(0, 999999)
            s = "Nov 22 01:%02d:%02d host %s\n" % (n % 60, m % 60, random.choice(lines).format(n=n, m=m))
            chunk.append(s)
            size += len(s)
        if size // (10 << 20) > k:
            k += 1
            chunk.append(texts[k % len(texts)])
        f.write("".join(chunk))
        chunk = []
PY

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
now() { date +%s.%N; }
g=() e=()
for i in $(seq "$runs"); do
	# (to a file: GNU grep stops at the first match when its output is /dev/null)
	t0=$(now); grep -c 'invoked oom-killer' "$log" > "$log.count" || true; t1=$(now)
	"$ctl" explain --json "$log" > /dev/null; t2=$(now)
	g+=("$(echo "$t1 - $t0" | bc)") e+=("$(echo "$t2 - $t1" | bc)")
done
gm=$(printf '%s\n' "${g[@]}" | median) em=$(printf '%s\n' "${e[@]}" | median)
reports=$("$ctl" explain "$log" | tail -n 1)
size=$(du -m "$log" | cut -f1)
echo "log: ${size} MiB, $(grep -c 'invoked oom-killer' "$log") headers; explain: $reports"
echo "grep -c: median ${gm} s; oomguardctl explain --json: median ${em} s ($runs runs each)"
echo "ratio explain/grep: $(echo "scale=2; $em / $gm" | bc)"
