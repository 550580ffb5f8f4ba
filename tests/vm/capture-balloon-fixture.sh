#!/bin/bash
# Captures a fixture tree (see tests/capture-fixture.sh) from a Debian 12
# cloud kernel booted under QEMU TCG with its virtio balloon inflated:
#
#   tests/vm/capture-balloon-fixture.sh [options] DEST
#
#   --mem MIB          guest RAM (default 1024)
#   --target MIB       balloon target, the RAM the guest keeps (default 640)
#   --deflate-on-oom   set deflate-on-oom=on on the balloon device (default off)
#   --note TEXT        extra text for DEST/CAPTURE
#   --timeout SECS     limit for boot + capture (default 300)
#   --force            replace DEST if it already holds a fixture tree
#
# Runs from scratch on Debian 12: installs its packages with apt-get, and
# downloads the kernel .deb once into tests/vm/cache/ (git-ignored).
#
# How: the guest boots a busybox initramfs whose /init loads the virtio
# modules, waits until the balloon holds (mem - target) MiB, runs
# capture-fixture.sh and streams a tar of the tree out through a
# virtio-serial port that QEMU backs with a file on the host.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

mem=1024 target=640 doo=off note="" limit=300 force=0
usage() { sed -n '2,13s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--mem) mem=$2; shift 2 ;;
	--target) target=$2; shift 2 ;;
	--deflate-on-oom) doo=on; shift ;;
	--note) note=$2; shift 2 ;;
	--timeout) limit=$2; shift 2 ;;
	--force) force=1; shift ;;
	-h | --help) usage ;;
	-*) echo "unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
dest=$1
[ "$target" -le "$mem" ] || vm_die "--target $target exceeds --mem $mem"

if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
	[ $force = 1 ] || vm_die "$dest exists and is not empty (use --force to replace it)"
	[ -f "$dest/CAPTURE" ] || vm_die "$dest does not look like a fixture tree (no CAPTURE); not replacing it"
fi

vm_need_packages

t0=$(date +%s)
vm_fetch_kernel
t1=$(date +%s)

work=$(mktemp -d /tmp/oomguard-vm.XXXXXX)
keep_work=1 VM_QEMU=""
cleanup() {
	# A failure while QEMU runs (e.g. in vm_qmp) must not leave it behind.
	[ -z "$VM_QEMU" ] || kill "$VM_QEMU" 2>/dev/null || true
	[ $keep_work = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

desc="QEMU $(qemu-system-x86_64 --version | awk 'NR==1 {print $4}') TCG, -m $mem,"
desc+=" virtio-balloon-pci deflate-on-oom=$doo, balloon target $target MiB ($((mem - target)) MiB ballooned)"
[ -n "$note" ] && desc+="; $note"

mkdir "$work/overlay"
cp "$here/../capture-fixture.sh" "$work/overlay/capture-fixture.sh"
printf '%s\n' "$desc" > "$work/overlay/note"
cat > "$work/overlay/init" <<'EOF'
#!/bin/sh
. /lib/vm-init.sh

vm_wait_balloon capture

sh /capture-fixture.sh /fixture "$(cat /note); balloon held $held pages at capture"
vm_send_tar capture /fixture org.oomguard.capture
vm_poweroff
EOF
chmod +x "$work/overlay/init"

vm_build_initramfs "$work/initrd.gz" "$work/overlay"
t2=$(date +%s)

rc=0
vm_boot_balloon "$work" "$mem" "$target" "$doo" org.oomguard.capture "$limit" || rc=$?
t3=$(date +%s)

fail() {
	echo "error: $*" >&2
	echo "--- last lines of the guest console ($work/console.log) ---" >&2
	tail -n 20 "$work/console.log" >&2 || true
	echo "(work dir kept: $work)" >&2
	exit 1
}
[ $rc -ne 124 ] || fail "guest produced no fixture within $limit s (qemu killed by timeout)"
[ $rc -eq 0 ] || fail "qemu exited with status $rc"
why=$(vm_receive_tar "$work" capture "$work/tree") || fail "$why"
[ -f "$work/tree/CAPTURE" ] && [ -f "$work/tree/proc/zoneinfo" ] || fail "the tar holds no fixture tree"
rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$work/tree" "$dest"
keep_work=0
vm_log "fixture in $dest (kernel fetch $((t1 - t0)) s, initramfs $((t2 - t1)) s, boot+capture $((t3 - t2)) s)"
