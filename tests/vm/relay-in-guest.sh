#!/bin/bash
# End-to-end test of the guest-to-host loop in a Debian 12 systemd guest
# (debian-lib.sh): oomguard and oomguard-agent in the guest, oomguard-host in
# plain-QEMU mode (--qmp, --channel) on this machine. Does a guest under
# pressure get memory back from its balloon?
#
#   tests/vm/relay-in-guest.sh BUILD_DIR
#
# BUILD_DIR holds guard/oomguard, guest-agent/oomguard-agent,
# host/oomguard-host and packaging/oomguard{,-agent}.service.
# The guest (1024 MiB, balloon target 640 MiB, deflate-on-oom off) runs
# relay-in-guest/driver: a hog grows toward 450 MiB at 15 MiB/s. The guard
# should reach warn and ask; the agent relays over the port org.oomguard.0;
# the relay grants within relay-in-guest/host.ini (128 MiB per grant, one
# per 2 s) with QMP balloon. Checked on the host: QMP query-balloon (on a
# second monitor) shows the balloon's actual size 128 MiB above the 640 MiB
# target once the guest had inflated to it;
# the guest's MemTotal grew; the relay logged its grants; the guard's
# journal has the request sent and the host's grant read back. The relay is
# stopped after its first grant and started again 3 s later: the agent must
# resynchronise with it over the same virtio port, and it must grant again.
# The last line on stdout ends with "1 passed, 0 failed" or "0 passed, 1 failed".
#
# Needs root. VM_KEEP_WORK=1 keeps the work dir.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
VM_TEST="relay-in-guest"
# shellcheck source=debian-lib.sh
. "$here/debian-lib.sh"
mine=$here/relay-in-guest
# shellcheck source=relay-in-guest/guest.sh
. "$mine/guest.sh"

mem=1024 target=640 limit=480

vm_cleanup_on_exit
# The relay runs under a subshell that restarts it; the subshell's own
# PID is in VM_KILL, the relay's in relay.pid.
# shellcheck disable=SC2317 # called by _vm_cleanup
vm_cleanup_hook() {
	[ -z "$work" ] || [ ! -f "$work/relay.pid" ] || kill "$(cat "$work/relay.pid")" 2>/dev/null
}

[ $# -eq 1 ] || { sed -n '2,24s/^# \{0,1\}//p' "$0" >&2; exit 2; }
build=$(cd "$1" 2>/dev/null && pwd) || vm_die "no directory $1"
relay_guest_need "$build"

vm_debian_need_packages
t0=$(date +%s)
vm_fetch_kernel
vm_debian_rootfs
t1=$(date +%s)

work=$(mktemp -d /tmp/oomguard-relay-vm.XXXXXX)
install -D -m 755 "$mine/driver" "$work/extra/usr/local/bin/oomguard-test"
relay_guest_disk "$build" "$work/extra" "$work/disk.img"
t2=$(date +%s)

# The relay gets the first monitor and the port's socket; the test watches
# the balloon on a second monitor.
relay_guest_qemu "$work"
# shellcheck disable=SC2317 # called by vm_debian_boot
vm_debian_started() {
	sed "s|^metrics_path = .*|metrics_path = $work/metrics.prom|" "$mine/host.ini" > "$work/host.ini"
	# The relay, stopped after its first grant and started again 3 s later:
	# the agent must get through the host going away on a real virtio port
	# and synchronise with the new relay, which must grant again.
	(
		start_relay() {
			"$build/host/oomguard-host" --qmp "$work/qmp.sock" --channel "$work/channel.sock" \
				--policy "$work/host.ini" --proc /proc --state-dir "$work/state" --verbose >> "$work/relay.log" 2>&1 &
			echo $! > "$work/relay.pid"
		}
		start_relay
		for _ in $(seq 600); do grep -q granted "$work/relay.log" 2>/dev/null && break; sleep 0.5; done
		kill "$(cat "$work/relay.pid")" 2>/dev/null
		echo "--- relay stopped by the test ---" >> "$work/relay.log"
		sleep 3
		start_relay
		wait
	) &
	VM_KILL+=($!)
	python3 - "$work/watch.sock" "$work/balloon.log" <<'PY' &
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
json.loads(f.readline())
log = open(sys.argv[2], "w", buffering=1)
def cmd(c):
    f.write(json.dumps({"execute": c}) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
cmd("qmp_capabilities")
while True:
    r = cmd("query-balloon")
    if "return" in r:
        log.write("%.1f %d\n" % (time.monotonic(), r["return"]["actual"]))
    time.sleep(1)
PY
	VM_KILL+=($!)
}

rc=0
vm_debian_boot "$work" "$mem" "$target" off "$limit" || rc=$?
t3=$(date +%s)

VM_LOGS=("$work/console.log" "$work/relay.log")
vm_check_qemu $rc "$limit"
why=$(vm_receive_tar "$work" results "$work/got") || vm_fatal "$why"
r=$work/got/results
info() { sed -n "s/^$1=//p" "$r/info" 2>/dev/null | head -n 1; }

[ "$(info guard_at_boot)" = active ] || vm_fail "oomguard.service not active after boot: $(info guard_at_boot)"
[ "$(info agent_at_boot)" = active ] || vm_fail "oomguard-agent.service not active after boot: $(info agent_at_boot)"
[ "$(info agent_at_end)" = active ] || vm_fail "oomguard-agent.service not active at the end: $(info agent_at_end)"
start=$(info memtotal_start_kb) top=$(info memtotal_max_kb)
grew=$(( ${top:-0} - ${start:-0} ))
[ "$grew" -ge 131072 ] || vm_fail "guest MemTotal grew by $grew kB, want at least one 128 MiB grant"
# Before the guest's driver inflates the balloon, actual is the whole RAM:
# count only what follows the first sample at the target.
max_actual=$(awk -v t=$((target << 20)) 'BEGIN { m = 0 } $2 <= t { seen = 1 } seen && $2 > m { m = $2 } END { print m }' \
	"$work/balloon.log" 2>/dev/null || echo 0)
[ "$max_actual" -ge $(((target + 128) << 20)) ] ||
	vm_fail "query-balloon actual never rose 128 MiB above the $target MiB target after inflating (max $((max_actual >> 20)) MiB)"
grep -q "granted" "$work/relay.log" || vm_fail "the relay logged no grant"
after=$(sed -n '/^--- relay stopped by the test ---$/,$p' "$work/relay.log")
grep -q "synchronised" <<<"$after" || vm_fail "the agent never synchronised with the restarted relay"
grep -q "granted" <<<"$after" || vm_fail "the restarted relay granted nothing"
grep -q 'oomguard_host_grants_total{domain="qemu"} [1-9]' "$work/metrics.prom" ||
	vm_fail "the relay's metrics count no grant: $(grep grants "$work/metrics.prom" 2>/dev/null | tr '\n' ' ')"
grep -q '"RESULT" *: *"sent"' "$r/guard-journal.json" || vm_fail "the guard's journal has no deflate request sent"
grep -q "host granted deflate request" "$r/guard-journal.txt" || vm_fail "the guard never read a grant"

times="rootfs $((t1 - t0)) s, disk $((t2 - t1)) s, boot+run $((t3 - t2)) s"
summary="MemTotal +$((grew / 1024)) MiB, balloon actual up to $((max_actual >> 20)) MiB, $(grep -c granted "$work/relay.log") grant(s), $(grep -c granted <<<"$after") after the relay restarted"
vm_report "$summary" "$times"
