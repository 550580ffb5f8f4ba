#!/bin/bash
# End-to-end scenarios of the oomguard package in a Debian 12 guest: the
# .deb installed with dpkg in the booted guest, oomguard-host (from the
# oomguard-host .deb) on this machine in plain-QEMU mode.
#
#   tests/vm/e2e.sh SCENARIO DEB_DIR
#
# DEB_DIR holds oomguard_*.deb and oomguard-host_*.deb (scripts/build-debs.sh
# DEB_DIR). The guest: 1024 MiB, balloon target 640 MiB, deflate-on-oom off.
# Its driver (e2e/driver) installs the package, checks READY, adds
# [protect] unit = keeper.service and [prefer] unit = workload.service to
# /etc/oomguard/policy.ini and reloads, runs SCENARIO, then reinstalls (the
# edited conffile must stay) and removes the package (oom_score_adj must
# come back). SCENARIO:
#   squeeze  600 MiB at 200 MiB/s, held 5 s, relay running: the workload
#            finishes, no OOM kill, the balloon deflated; PSI stall and wall
#            time reported
#   norelay  a keeper takes 330 MiB, then the same workload; no relay on
#            the port: the workload ([prefer]) dies, the keeper ([protect])
#            lives, the guard took local actions
#   leak     8 MiB/s up to 500 MiB, relay running: the first request comes
#            from the predicted time to the min watermark, before any task
#            stalled on memory; the leak finishes, no OOM kill
#   flatout  a 1280 MiB guest at 640 MiB, 800 MiB touched flat out, relay
#            running: the workload finishes, no OOM kill; the full stall
#            is reported
#   twobursts  entitled to 640 MiB: 400 MiB, 30 s idle, 400 MiB again,
#            relay running with the shipped defaults: both finish, no OOM
#            kill, the loan is back (MemTotal within 64 MiB of boot's)
#            before the second burst, no request caused by a reclaim
#   pod-limit  QEMU in a 1300 MiB memory cgroup (e2e-pod-limit.sh, two
#            boots): the guest writes a 900 MiB file and reads it back;
#            without oomguard the host kills QEMU, with it QEMU lives
# e2e/check.py judges the guest's records. The last line on stdout ends
# with "1 passed, 0 failed" or "0 passed, 1 failed".
#
# Needs root. VM_KEEP_WORK=1 keeps the work dir.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=debian-lib.sh
. "$here/debian-lib.sh"
mine=$here/e2e

[ $# -eq 2 ] || { sed -n '2,36s/^# \{0,1\}//p' "$0" >&2; exit 2; }
scenario=$1
VM_TEST="e2e-$scenario"
case $scenario in squeeze | norelay | leak | twobursts | flatout | pod-limit) ;; *) vm_die "unknown scenario $scenario" ;; esac
debs=$(cd "$2" 2>/dev/null && pwd) || vm_die "no directory $2"
deb=$(find "$debs" -maxdepth 1 -name 'oomguard_*.deb' | sort | tail -n 1)
host_deb=$(find "$debs" -maxdepth 1 -name 'oomguard-host_*.deb' | sort | tail -n 1)
[ -n "$deb" ] || vm_die "no oomguard_*.deb in $2 (scripts/build-debs.sh $2)"
[ -n "$host_deb" ] || vm_die "no oomguard-host_*.deb in $2 (scripts/build-debs.sh $2)"

mem=1024 target=640 limit=${E2E_LIMIT_S:-420}
# two bursts and the idle between them: a minute more of guest time
[ "$scenario" != twobursts ] || limit=${E2E_LIMIT_S:-600}
[ "$scenario" != flatout ] || mem=1280
# The package's Depends besides what a Debian system has: the guest has no
# network, so they are in the rootfs (the same list as the other guests').
VM_DEBIAN_EXTRA_PACKAGES="${VM_DEBIAN_EXTRA_PACKAGES:+$VM_DEBIAN_EXTRA_PACKAGES }libinih1 libglib2.0-0 libjson-glib-1.0-0"

vm_cleanup_on_exit

vm_debian_need_packages
t0=$(date +%s)
vm_fetch_kernel
vm_debian_rootfs
t1=$(date +%s)

work=$(mktemp -d /tmp/oomguard-e2e.XXXXXX)
# The relay as the host package installs it.
dpkg-deb -x "$host_deb" "$work/host-pkg"
relay_bin=$work/host-pkg/usr/sbin/oomguard-host
[ -x "$relay_bin" ] || vm_die "no usr/sbin/oomguard-host in $host_deb"

x=$work/extra
install -D -m 755 "$mine/driver" "$x/usr/local/bin/oomguard-test"
install -D -m 755 "$here/guard-in-guest/grow" "$x/usr/local/bin/oomguard-grow"
install -D -m 644 "$deb" "$x/var/cache/oomguard-test/$(basename "$deb")"
vm_debian_disk "$work/disk.img" "$x"
t2=$(date +%s)
if [ "$scenario" = pod-limit ]; then
	# two boots of its own, in a memory cgroup, and their report
	# shellcheck source=e2e-pod-limit.sh
	. "$here/e2e-pod-limit.sh"
	exit 0
fi

# The port is there in every scenario, so udev starts the agent; in norelay
# nobody listens on the host side.
VM_DEBIAN_QEMU_EXTRA=(
	-chardev "socket,id=og,path=$work/channel.sock,server=on,wait=off"
	-device "virtserialport,chardev=og,name=org.oomguard.0"
)
VM_DEBIAN_APPEND="oomguard.scenario=$scenario"
# shellcheck disable=SC2317 # called by vm_debian_boot
vm_debian_started() {
	[ "$scenario" != norelay ] || return 0
	# The default host policy, but for where the metrics go.
	printf '[host]\nmetrics_path = %s\nmetrics_interval_s = 1\n' "$work/metrics.prom" > "$work/host.ini"
	# The guest's promise: the balloon target it boots with.
	[ "$scenario" != twobursts ] || printf '[defaults]\nentitlement_mb = %s\n' "$target" >> "$work/host.ini"
	"$relay_bin" --qmp "$work/qmp.sock" --channel "$work/channel.sock" \
		--policy "$work/host.ini" --proc /proc --state-dir "$work/state" --debug > "$work/relay.log" 2>&1 &
	VM_KILL+=($!)
}

rc=0
vm_debian_boot "$work" "$mem" "$target" off "$limit" || rc=$?
t3=$(date +%s)

VM_LOGS=("$work/console.log")
[ "$scenario" = norelay ] || VM_LOGS+=("$work/relay.log")
vm_check_qemu $rc "$limit"
why=$(vm_receive_tar "$work" results "$work/got") || vm_fatal "$why"
r=$work/got/results

vm_debian_balloon_ok "$r" "$mem" "$target"
[ ! -f "$work/metrics.prom" ] || cp "$work/metrics.prom" "$r/host-metrics.prom"
vm_debian_judge "$work/got" python3 "$mine/check.py" "$scenario" "$r" "$work/relay.log"
[ ${#VM_FAILURES[@]} -eq 0 ] || for f in dpkg-install.log dpkg-remove.log guard-journal.txt agent-journal.txt workload.txt; do
	[ -f "$r/$f" ] && VM_LOGS+=("$r/$f")
done

times="rootfs $((t1 - t0)) s, disk $((t2 - t1)) s, boot+run $((t3 - t2)) s"
vm_report "$VM_SUMMARY" "$times"
