#!/bin/sh
# Copies the kernel memory files oomguard reads into a fixture tree:
#   tests/capture-fixture.sh DEST [NOTE]
# DEST gets proc/... and sys/... laid out as under /, so that
# `oomguardctl zones --root DEST` reads it like a live system. Plain POSIX sh
# with cat/mkdir only, so it also runs in a busybox initramfs. Run as root to
# include /proc/pagetypeinfo (root-only since 5.4).
set -eu

dest=${1:?usage: capture-fixture.sh DEST [NOTE]}
note=${2:-}
src=${OOMGUARD_CAPTURE_ROOT:-}

copy() {
	# procfs files report size 0: read them, never stat them.
	if [ -r "$src/$1" ]; then
		mkdir -p "$dest/$(dirname "$1")"
		cat "$src/$1" > "$dest/$1" 2>/dev/null || rm -f "$dest/$1"
	fi
}

for f in proc/meminfo proc/vmstat proc/pressure/memory proc/zoneinfo proc/buddyinfo \
	proc/pagetypeinfo proc/sys/vm/min_free_kbytes proc/sys/vm/watermark_scale_factor \
	proc/sys/vm/watermark_boost_factor proc/sys/kernel/osrelease sys/devices/system/node/online; do
	copy "$f"
done
# Last, because reading it makes the kernel recompute every zone's lowmem
# reserve (lowmem_reserve_ratio_sysctl_handler() does so on reads too): the
# zoneinfo above shows the reserves as they were.
copy proc/sys/vm/lowmem_reserve_ratio

for d in "$src"/sys/bus/virtio/devices/*; do
	[ -e "$d/device" ] || continue
	n=sys/bus/virtio/devices/$(basename "$d")
	copy "$n/device"
	copy "$n/features"
done

{
	echo "captured: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "kernel: $(cat "$src/proc/sys/kernel/osrelease" 2>/dev/null || echo unknown)"
	[ -n "$note" ] && echo "note: $note"
} > "$dest/CAPTURE"
echo "captured into $dest" >&2
