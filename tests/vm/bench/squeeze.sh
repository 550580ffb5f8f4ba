#!/bin/bash
# The peer benchmark: the balloon squeeze of tests/vm/e2e.sh (a 1024 MiB
# Debian 12 guest, balloon target 640 MiB, a workload taking 600 MiB at
# 200 MiB/s and holding it 5 s) with each guard in turn, in the same guest,
# RUNS boots each. Prints one markdown table (medians over the runs):
# workload finished, kernel OOM kills, who ended the workload, PSI memory
# some/full stall, wall time, and the guard's RSS and CPU over 20 idle
# seconds before the workload.
#
#   tests/vm/bench/squeeze.sh DEB_DIR [RUNS [GUARD...]]
#
# GUARD: unconstrained (no balloon), none, earlyoom, nohang, oomd
# (systemd-oomd, ManagedOOMMemoryPressureLimit=20% on the workload's slice),
# doo (virtio-balloon deflate-on-oom), oomguard (the .deb from DEB_DIR in
# the guest, oomguard-host from DEB_DIR on this machine, the default
# policies). Default: all, RUNS 3. Not run by CI (about 1.5 min per boot).
# Per-boot records stay in tests/vm/bench/results/ (git-ignored).
# Needs root.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../lib.sh
. "$here/lib.sh"
VM_TEST="bench-squeeze"
# shellcheck source=../debian-lib.sh
. "$here/debian-lib.sh"

[ $# -ge 1 ] || { sed -n '2,20s/^# \{0,1\}//p' "$0" >&2; exit 2; }
debs=$(cd "$1" 2>/dev/null && pwd) || vm_die "no directory $1"
runs=${2:-3}
shift $(($# >= 2 ? 2 : 1))
guards=("$@")
[ ${#guards[@]} -gt 0 ] || guards=(unconstrained none earlyoom nohang oomd doo oomguard)
deb=$(find "$debs" -maxdepth 1 -name 'oomguard_*.deb' | sort | tail -n 1)
host_deb=$(find "$debs" -maxdepth 1 -name 'oomguard-host_*.deb' | sort | tail -n 1)
[ -n "$deb" ] || vm_die "no oomguard_*.deb in $1 (scripts/build-debs.sh $1)"
[ -n "$host_deb" ] || vm_die "no oomguard-host_*.deb in $1 (scripts/build-debs.sh $1)"

mem=1024 limit=420 idle=20
# The peers come from Debian's packages, in the rootfs; they are disabled
# there and the driver starts the one a boot measures.
VM_DEBIAN_EXTRA_PACKAGES="libinih1 libglib2.0-0 libjson-glib-1.0-0 earlyoom nohang systemd-oomd"
results=$here/bench/results
mkdir -p "$results"

vm_cleanup_on_exit

vm_debian_need_packages
vm_fetch_kernel
vm_debian_rootfs
work=$(mktemp -d /tmp/oomguard-bench.XXXXXX)
dpkg-deb -x "$host_deb" "$work/host-pkg"
x=$work/extra
install -D -m 755 "$here/e2e/driver" "$x/usr/local/bin/oomguard-test"
install -D -m 755 "$here/guard-in-guest/grow" "$x/usr/local/bin/oomguard-grow"
install -D -m 644 "$deb" "$x/var/cache/oomguard-test/$(basename "$deb")"
# shellcheck disable=SC2317 # called by vm_debian_disk
vm_debian_stage() {
	chroot "$1" systemctl disable earlyoom.service nohang.service nohang-desktop.service \
		systemd-oomd.service systemd-oomd.socket > /dev/null 2>&1 || true
}
vm_debian_disk "$work/pristine.img" "$x"

VM_DEBIAN_QEMU_EXTRA=(
	-chardev "socket,id=og,path=$work/channel.sock,server=on,wait=off"
	-device "virtserialport,chardev=og,name=org.oomguard.0"
)
# shellcheck disable=SC2317 # called by vm_debian_boot
vm_debian_started() {
	[ "$g" = oomguard ] || return 0
	printf '[host]\nmetrics_path = %s\n' "$work/metrics.prom" > "$work/host.ini"
	"$work/host-pkg/usr/sbin/oomguard-host" --qmp "$work/qmp.sock" --channel "$work/channel.sock" \
		--policy "$work/host.ini" --proc /proc --state-dir "$work/state" > "$work/relay.log" 2>&1 &
	VM_KILL+=($!)
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
for g in "${guards[@]}"; do
	for n in $(seq "$runs"); do
		target=640 doo=off guest=$g
		case $g in
		unconstrained) target=$mem guest=none ;;
		doo) doo=on guest=none ;;
		none | earlyoom | nohang | oomd | oomguard) ;;
		*) vm_die "unknown guard $g" ;;
		esac
		vm_log "$g, run $n of $runs"
		cp --sparse=always "$work/pristine.img" "$work/disk.img"
		VM_DEBIAN_APPEND="oomguard.scenario=squeeze oomguard.guard=$guest oomguard.idle=$([ "$guest" = none ] && echo 0 || echo $idle)"
		rc=0
		vm_debian_boot "$work" "$mem" "$target" "$doo" "$limit" || rc=$?
		# this boot's relay
		for p in ${VM_KILL[@]+"${VM_KILL[@]}"}; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
		VM_KILL=()
		dir=$results/$stamp/$g-$n
		mkdir -p "$dir"
		if [ $rc -ne 0 ] || ! why=$(vm_receive_tar "$work" results "$dir/got"); then
			echo "qemu rc=$rc ${why:-}" > "$dir/error"
			cp "$work/console.log" "$dir/" 2>/dev/null || true
			continue
		fi
		cp "$work/relay.log" "$dir/" 2>/dev/null || true
		cp "$dir/got/results/info" "$dir/info"
	done
done

python3 "$here/bench/table.py" "$results/$stamp" "${guards[@]}"
echo "records: $results/$stamp"
VM_REPORTED=table
