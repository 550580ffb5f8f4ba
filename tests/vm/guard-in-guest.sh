#!/bin/bash
# End-to-end test of the oomguard daemon in a Debian 12 systemd guest
# (debian-lib.sh): does its oom_score_adj steering change whom the KERNEL's
# OOM killer takes?
#
#   tests/vm/guard-in-guest.sh BUILD_DIR
#
# BUILD_DIR holds guard/oomguard, ctl/oomguardctl and packaging/
# oomguard.service (meson setup build && ninja -C build). They go into the
# guest's disk as /usr/sbin/oomguard(ctl), the unit (ExecStart pointed at
# /usr/sbin, enabled) and guard-in-guest/policy.ini as
# /etc/oomguard/policy.ini: [protect] unit = keeper.service, [prefer]
# unit = hog.service, rescan every 500 ms; [kill] stays off.
#
# The guest (1024 MiB, balloon target 640 MiB, deflate-on-oom off: ~600 MiB)
# runs guard-in-guest/driver: a keeper takes 330 MiB, then a hog grows at
# 50 MiB/s, both transient services; first with oomguard stopped (the
# kernel should kill the keeper, the bigger one), then, once memory PSI has
# calmed down, with it running (the kernel should kill the hog: keeper
# -900, hog 500). guard-in-guest/check.py
# checks on the host: the victims, the oom_score_adj values, the keeper's
# value restored when the guard stops, and the guard's journal records (a
# level change with LEVEL, ZONE, FREE_KB; a balloon_deflate action with
# RESULT=no-agent, as no agent runs). One FAIL line per failed check; the
# last line on stdout ends with "1 passed, 0 failed" or "0 passed, 1 failed".
#
# Needs root. The first run debootstraps a rootfs with libinih1 into
# tests/vm/cache/ (~80 s). VM_KEEP_WORK=1 keeps the work dir.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
VM_TEST="guard-in-guest"
# shellcheck source=debian-lib.sh
. "$here/debian-lib.sh"
mine=$here/guard-in-guest

mem=1024 target=640 limit=480
# The libraries of oomguard and oomguard-agent besides libsystemd0, which the rootfs
# has already: the guest has no network.
VM_DEBIAN_EXTRA_PACKAGES="${VM_DEBIAN_EXTRA_PACKAGES:+$VM_DEBIAN_EXTRA_PACKAGES }libinih1 libglib2.0-0 libjson-glib-1.0-0"

vm_cleanup_on_exit

[ $# -eq 1 ] || { sed -n '2,28s/^# \{0,1\}//p' "$0" >&2; exit 2; }
build=$(cd "$1" 2>/dev/null && pwd) || vm_die "no directory $1"
for f in guard/oomguard ctl/oomguardctl packaging/oomguard.service; do
	[ -f "$build/$f" ] || vm_die "no $f in $1 (build it first: meson setup build && ninja -C build)"
done
# A policy the guard would refuse fails here, not as a failed unit in the guest.
"$build/guard/oomguard" --check-policy "$mine/policy.ini" > /dev/null ||
	vm_die "$mine/policy.ini does not validate"

vm_debian_need_packages

t0=$(date +%s)
vm_fetch_kernel
vm_debian_rootfs
t1=$(date +%s)

work=$(mktemp -d /tmp/oomguard-guard-vm.XXXXXX)
x=$work/extra
install -D -m 755 "$mine/driver" "$x/usr/local/bin/oomguard-test"
install -D -m 755 "$mine/grow" "$x/usr/local/bin/oomguard-grow"
install -D -m 755 "$build/guard/oomguard" "$x/usr/sbin/oomguard"
install -D -m 755 "$build/ctl/oomguardctl" "$x/usr/sbin/oomguardctl"
install -D -m 644 "$mine/policy.ini" "$x/etc/oomguard/policy.ini"
vm_debian_install_unit "$build" oomguard "$x"
vm_debian_disk "$work/disk.img" "$x"
t2=$(date +%s)

rc=0
vm_debian_boot "$work" "$mem" "$target" off "$limit" || rc=$?
t3=$(date +%s)


VM_LOGS=("$work/console.log")
vm_check_qemu $rc "$limit"
why=$(vm_receive_tar "$work" results "$work/got") || vm_fatal "$why"
r=$work/got/results h=$work/got/harness

grep -q "guard_at_boot=active" "$r/info" 2>/dev/null ||
	vm_fail "oomguard.service was not active after boot: $(grep guard_at_boot "$r/info" 2>/dev/null || echo no record)"
vm_debian_balloon_ok "$r" "$mem" "$target"

# The rest: check.py's FAIL lines become failures, its info lines the report.
vm_debian_judge "$work/got" python3 "$mine/check.py" "$r"

startup=$(head -n 1 "$h/startup" 2>/dev/null | sed 's/^Startup finished in //; s/ *$//')
times="rootfs $((t1 - t0)) s, disk $((t2 - t1)) s, boot+run $((t3 - t2)) s; guest startup $startup"
vm_report "$VM_SUMMARY" "$times"
