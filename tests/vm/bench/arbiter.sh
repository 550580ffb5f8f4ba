#!/bin/bash
# The reclaim benchmark: memory lent to one guest and taken back for
# another, and what QEMU's RSS does when a loan comes back. Prints two
# markdown tables (medians over RUNS boots of each configuration).
#
#   tests/vm/bench/arbiter.sh DEB_DIR [RUNS [PART...]]
#
# DEB_DIR holds oomguard_*.deb and oomguard-host_*.deb (scripts/build-debs.sh
# DEB_DIR). RUNS: default 3. PART: pair, reporting (default both). Not run by
# CI. Needs root and a cgroup v1 memory hierarchy at /sys/fs/cgroup/memory.
# Per-run records stay in tests/vm/bench/results/ (git-ignored); the
# figures of a full run are in tests/vm/bench/README.md.
#
# Every guest: Debian 12, 1024 MiB, balloon target 640 MiB, deflate-on-oom
# off, -accel tcg,tb-size=256, the disk with cache=none; the oomguard .deb
# installed with dpkg, the shipped policy; one oomguard-host per guest
# (plain-QEMU mode: one domain per process), from the oomguard-host .deb,
# with entitlement_mb = 640. The guests' bursts are started from here over
# a port of their own (bench/arbiter/conduct.py talks to
# bench/arbiter/driver in the guest).
#
# pair: two guests A and B at once, bursting in turn: A 400 MiB (at
#   200 MiB/s, held 3 s), 30 s idle, B, 30 s idle, A, 30 s idle, B. The
#   budget they share is real: both QEMUs run in one memory cgroup v1
#   whose limit is set, once both guests have booted and idled 10 s, to its
#   usage then + ROOM (550 MiB: the ~400 MiB one burst adds to its QEMU's
#   RSS, and some slack) + cgroup_margin_mb (128). That is room for one
#   burst, not two: B's burst fits only if what A's burst made resident
#   went back (a reclaim inflates A's balloon and QEMU discards those
#   pages, virtio_balloon_handle_output() -> ram_block_discard_range()).
#   oomguard-host grants from that room and never leaves less than the
#   margin (host/rules/grant.c); what a guest touches within its own
#   entitlement it never asks for, so without the loan back the cgroup's
#   OOM killer can end a QEMU. (A floor on this machine's MemAvailable, the
#   other way to make a shared budget, would move with whatever else runs
#   here: another tester's 1 GiB TCG guest grows to 1.4 GiB of RSS in a
#   minute. The cgroup counts only the two QEMUs; tb-size and cache=none
#   keep TCG's code cache and the disk's
#   page cache from eating the room.) cgroup_act_mb = 0 in both
#   configurations: the relay's own step for a cgroup near its limit (ask
#   a release, inflate what the guest can spare) would also take a loan
#   back, and this compares the reclaim alone. The configurations:
#     one-way   reclaim_after_s = 0: a grant is never taken back (the relay
#               before reclaim)
#     arbiter   the shipped defaults (reclaim_after_s = 10)
#   Columns: bursts finished (the workload's "done" line) of the 4
#   planned (a QEMU killed ends the sequence); kernel OOM kills in the
#   guests, the guards' kill actions, and the cgroup's OOM kills (a whole
#   QEMU: its guest's records are lost); refusals "host-short" in
#   both relays' logs; the loan returned before the other guest's burst:
#   for bursts 2..4, the other guest's highest MemTotal since its own burst
#   minus its MemTotal when this burst is sent (MiB, median over those
#   bursts; "of" the loan it had); the latency of each granted request,
#   from the guard's journal record of the request (its realtime stamp,
#   the guest's clock) to the first MemTotal sample (every 50 ms) at the
#   granted size (boot MemTotal + the relay's "balloon ... -> N kB" target
#   - 640 MiB), both on the guest's clock: median and worst over all
#   granted requests of the run, and of that the part up to the relay's
#   "granted" line (the relay's stderr stamped on this host as it is
#   written, put on the guest's clock by the offset read over the port
#   when the guest is ready, to within half the round trip shown); the
#   relays' reclaim steps; the requests they counted as caused by one.
#
# reporting: one guest, alone, with and without
#   -device virtio-balloon-pci,free-page-reporting=on (QEMU 7.2; the guest's
#   6.1 kernel reports free pages of order >= 9, 2 s after they are freed,
#   mm/page_reporting.c); the shipped host policy, entitlement 640 MiB, no
#   cgroup limit. QEMU's VmRSS (/proc/PID/status) after 20 s idle, its
#   highest during a 400 MiB burst (sampled every 0.25 s), and 20 s after
#   the guest's MemTotal is back within 32 MiB of its boot figure (the loan
#   reclaimed; at most 120 s of waiting).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../lib.sh
. "$here/lib.sh"
VM_TEST="bench-arbiter"
# shellcheck source=../debian-lib.sh
. "$here/debian-lib.sh"
mine=$here/bench/arbiter

[ $# -ge 1 ] || { sed -n '2,12s/^# \{0,1\}//p' "$0" >&2; exit 2; }
debs=$(cd "$1" 2>/dev/null && pwd) || vm_die "no directory $1"
runs=${2:-3}
shift $(($# >= 2 ? 2 : 1))
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(pair reporting)
deb=$(find "$debs" -maxdepth 1 -name 'oomguard_*.deb' | sort | tail -n 1)
host_deb=$(find "$debs" -maxdepth 1 -name 'oomguard-host_*.deb' | sort | tail -n 1)
[ -n "$deb" ] || vm_die "no oomguard_*.deb in $debs (scripts/build-debs.sh $debs)"
[ -n "$host_deb" ] || vm_die "no oomguard-host_*.deb in $debs (scripts/build-debs.sh $debs)"

mem=1024 target=640
burst_mib=${BENCH_BURST_MIB:-400} idle_s=${BENCH_IDLE_S:-30} rounds=${BENCH_ROUNDS:-4}
room_mb=${BENCH_ROOM_MB:-550} margin_mb=128
pair_limit=1500 single_limit=900
# Those of e2e.sh: the same cached rootfs.
VM_DEBIAN_EXTRA_PACKAGES="libinih1 libglib2.0-0 libjson-glib-1.0-0"
export VM_DEBIAN_ACCEL=tcg,tb-size=256 VM_DEBIAN_DRIVE_CACHE=none
results=$here/bench/results
mem_root=/sys/fs/cgroup/memory
[ -w "$mem_root/cgroup.procs" ] || vm_die "needs root and a cgroup v1 memory hierarchy at $mem_root"
# The pod is made under this script's own memory cgroup.
home_cg=$mem_root$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' /proc/self/cgroup)
home_cg=${home_cg%/}
pod_cg=""

vm_cleanup_on_exit
# shellcheck disable=SC2317 # called by _vm_cleanup
vm_cleanup_hook() {
	local f p
	# the relays (outside the pod) and the QEMUs of the boots in the background
	for f in "$work"/*/relay.pid "$work"/*/qemu.pid; do
		if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
	done
	[ -n "$pod_cg" ] && [ -d "$pod_cg" ] || return 0
	while read -r p; do kill -KILL "$p" 2>/dev/null || true; done < "$pod_cg/cgroup.procs"
	for _ in $(seq 50); do rmdir "$pod_cg" 2>/dev/null && return 0; sleep 0.1; done
}

vm_debian_need_packages
vm_fetch_kernel
vm_debian_rootfs
work=$(mktemp -d /tmp/oomguard-bench-arbiter.XXXXXX)
dpkg-deb -x "$host_deb" "$work/host-pkg"
relay_bin=$work/host-pkg/usr/sbin/oomguard-host
[ -x "$relay_bin" ] || vm_die "no usr/sbin/oomguard-host in $host_deb"
x=$work/extra
install -D -m 755 "$mine/driver" "$x/usr/local/bin/oomguard-test"
install -D -m 755 "$here/guard-in-guest/grow" "$x/usr/local/bin/oomguard-grow"
install -D -m 644 "$deb" "$x/var/cache/oomguard-test/$(basename "$deb")"
vm_debian_disk "$work/pristine.img" "$x"

# policy CONFIG W: the host.ini of one relay.
policy() {
	{
		printf '[host]\nmetrics_path = %s\nmetrics_interval_s = 1\n' "$2/metrics.prom"
		[ "$1" = reporting ] || printf 'cgroup_act_mb = 0\n'
		printf '[defaults]\nentitlement_mb = %s\n' "$target"
		[ "$1" != one-way ] || printf 'reclaim_after_s = 0\n'
	} > "$2/host.ini"
	"$relay_bin" --check-policy --policy "$2/host.ini" > /dev/null || vm_die "$2/host.ini: not a valid policy"
}

# guest_boot W NAME LIMIT FPR: boots a copy of the image in W (in the pod
# when pod_cg is set) with its relay; returns QEMU's exit status. Run in
# the background: a subshell of its own.
guest_boot() {
	local w=$1 name=$2 limit=$3 fpr=$4 rc=0
	cp --sparse=always "$work/pristine.img" "$w/disk.img"
	VM_DEBIAN_QEMU_EXTRA=(
		-chardev "socket,id=og,path=$w/channel.sock,server=on,wait=off"
		-device "virtserialport,chardev=og,name=org.oomguard.0"
		-chardev "socket,id=bench,path=$w/ctl.sock,server=on,wait=off"
		-device "virtserialport,chardev=bench,name=org.oomguard.bench"
	)
	# shellcheck disable=SC2317 # called by vm_debian_boot, in this subshell
	vm_debian_started() {
		local qemu
		# Only QEMU (and its `timeout`) stay in the pod.
		[ -z "$pod_cg" ] || echo "$BASHPID" > "$home_cg/cgroup.procs"
		qemu=$(pgrep -P "$VM_QEMU" qemu-system || true)
		[ -n "$qemu" ] || vm_die "cannot find QEMU under timeout ($VM_QEMU)"
		echo "$qemu" > "$w/qemu.pid"
		# Each line stamped with this host's clock as it is written (the
		# relay's stderr is unbuffered).
		"$relay_bin" --qmp "$w/qmp.sock" --channel "$w/channel.sock" --name "$name" \
			--state-dir "$w/state" --policy "$w/host.ini" --proc /proc --verbose \
			> >(python3 -u -c 'import sys, time
for l in sys.stdin: sys.stdout.write("%.6f %s" % (time.time(), l))' > "$w/relay.log") 2>&1 &
		echo $! > "$w/relay.pid"
	}
	[ -z "$pod_cg" ] || echo "$BASHPID" > "$pod_cg/cgroup.procs"
	mkdir -p "$w/state"
	# vm_debian_boot puts DOO after deflate-on-oom= on the balloon device:
	# the way to add a property of that device.
	vm_debian_boot "$w" "$mem" "$target" "off$([ "$fpr" = on ] && echo ",free-page-reporting=on")" "$limit" || rc=$?
	return $rc
}

# collect W DIR RC: what one guest left, into DIR.
collect() {
	local w=$1 d=$2 rc=$3 why
	mkdir -p "$d"
	if [ -f "$w/relay.pid" ]; then kill "$(cat "$w/relay.pid")" 2>/dev/null || true; fi
	sleep 0.5
	cp "$w/relay.log" "$w/host.ini" "$d/" 2>/dev/null || true
	cp "$w/metrics.prom" "$d/" 2>/dev/null || true
	cp "$w/console.log" "$d/" 2>/dev/null || true
	if [ "$rc" -ne 0 ] || ! why=$(vm_receive_tar "$w" results "$d/got" 2>/dev/null); then
		echo "qemu rc=$rc ${why:-}" > "$d/error"
		vm_log "$(basename "$d"): no results (qemu rc=$rc ${why:-})"
	fi
	rm -rf "$w"
}

pair_run() {
	local cfg=$1 d=$2 rca=0 rcb=0 pa pb
	mkdir -p "$d" "$work/A" "$work/B"
	policy "$cfg" "$work/A"
	policy "$cfg" "$work/B"
	pod_cg=$home_cg/oomguard-bench-$$
	mkdir "$pod_cg"
	[ "$(awk '$1 == "SwapTotal:" {print $2}' /proc/meminfo)" = 0 ] ||
		vm_log "warning: this host has swap; the limit set is on memory only, swap stretches it"
	guest_boot "$work/A" bench-A "$pair_limit" off > "$d/boot-A.log" 2>&1 &
	pa=$!
	guest_boot "$work/B" bench-B "$pair_limit" off > "$d/boot-B.log" 2>&1 &
	pb=$!
	python3 "$mine/conduct.py" pair "$d/events.jsonl" "$pod_cg" "$room_mb" "$margin_mb" "$burst_mib" "$idle_s" \
		"$rounds" "$work/A" "$work/B" 2> "$d/conduct.log" || vm_log "conduct.py: $(tail -n 1 "$d/conduct.log")"
	wait "$pa" || rca=$?
	wait "$pb" || rcb=$?
	awk '$1 == "oom_kill" {print $2}' "$pod_cg/memory.oom_control" > "$d/pod-oom-kills"
	cat "$pod_cg/memory.max_usage_in_bytes" > "$d/pod-max-usage"
	collect "$work/A" "$d/A" "$rca"
	collect "$work/B" "$d/B" "$rcb"
	vm_cleanup_hook
	pod_cg=""
}

single_run() {
	local fpr=$1 d=$2 rc=0 p
	mkdir -p "$d" "$work/G"
	policy reporting "$work/G"
	guest_boot "$work/G" bench-G "$single_limit" "$fpr" > "$d/boot.log" 2>&1 &
	p=$!
	python3 "$mine/conduct.py" single "$d/events.jsonl" "$burst_mib" 20 120 "$work/G" 2> "$d/conduct.log" ||
		vm_log "conduct.py: $(tail -n 1 "$d/conduct.log")"
	wait "$p" || rc=$?
	collect "$work/G" "$d/G" "$rc"
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
top=$results/arbiter-$stamp
for part in "${parts[@]}"; do
	for n in $(seq "$runs"); do
		case $part in
		pair)
			for cfg in one-way arbiter; do
				vm_log "pair, $cfg, run $n of $runs"
				pair_run "$cfg" "$top/pair-$cfg-$n"
			done
			;;
		reporting)
			for fpr in off on; do
				vm_log "free page reporting $fpr, run $n of $runs"
				single_run "$fpr" "$top/reporting-$fpr-$n"
			done
			;;
		*) vm_die "unknown part $part" ;;
		esac
	done
done

python3 "$mine/table.py" "$top"
echo "records: $top"
VM_REPORTED=table
