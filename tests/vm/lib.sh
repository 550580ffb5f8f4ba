# Shared pieces for booting a Debian 12 guest kernel under QEMU (TCG) with a
# busybox initramfs. Source it from bash; it sets nothing else up by itself.
#
#   vm_need_packages                 apt-get install what the VM scripts use
#   vm_fetch_kernel                  Debian cloud kernel, cached; sets VM_KERNEL, VM_MODDIR
#   vm_build_initramfs OUT OVERLAY   busybox + virtio modules + OVERLAY's files
#   vm_wait_socket PATH PID SECS     wait for QEMU to create a socket
#   vm_qmp SOCK JSON...              qmp_capabilities, then each command in turn
#   vm_boot_balloon WORK MEM TARGET DOO PORT LIMIT
#                                    boot WORK/initrd.gz with the balloon at TARGET MiB
#   vm_receive_tar WORK TAG DIR      unpack what the guest sent, checking its size
#   vm_cleanup_on_exit               the EXIT/TERM/INT traps of a test script
#
# Inside the guest, /lib/vm-init.sh (sourced by the overlay's /init) mounts
# proc/sys/dev, loads the modules and offers vm_port NAME to find the
# /dev/vportNpM of a named virtio-serial port.

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_CACHE=${VM_CACHE:-$VM_DIR/cache}

# Loaded in this order: the kernel has no modules.dep in the initramfs and
# busybox insmod does not resolve dependencies (modinfo depends= of each:
# virtio needs virtio_ring; virtio_pci needs the four before it; the balloon
# and console need virtio and virtio_ring).
VM_MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	virtio_balloon virtio_console)

vm_die() {
	echo "error: $*" >&2
	exit 1
}

vm_log() {
	echo "[$(date +%H:%M:%S)] $*" >&2
}

# The packages are listed once, in scripts/build-deps.txt ([test]).
vm_need_packages() {
	"$VM_DIR/../../scripts/install-deps.sh" --test >&2 || vm_die "cannot install the test packages"
}

# The kernel behind linux-image-cloud-amd64 (e.g. linux-image-6.1.0-56-cloud-amd64).
# VM_KERNEL_PKG overrides it.
vm_kernel_pkg() {
	if [ -n "${VM_KERNEL_PKG:-}" ]; then
		echo "$VM_KERNEL_PKG"
		return
	fi
	local dep
	dep=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	if [ -z "$dep" ]; then
		# A fresh machine has empty package lists until the first update.
		apt-get update -qq >&2
		dep=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	fi
	[ -n "$dep" ] || vm_die "cannot resolve linux-image-cloud-amd64 with apt-cache"
	echo "$dep"
}

# Downloads the kernel package into $VM_CACHE once and unpacks it there.
# Sets VM_KERNEL (the bzImage) and VM_MODDIR (lib/modules/RELEASE).
vm_fetch_kernel() {
	local pkg deb tree
	pkg=$(vm_kernel_pkg)
	mkdir -p "$VM_CACHE"
	deb=$(ls "$VM_CACHE/${pkg}_"*_amd64.deb 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$deb" ]; then
		vm_log "downloading $pkg"
		# The sandbox user _apt may not be able to write into the cache dir.
		(cd "$VM_CACHE" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2)
		deb=$(ls "$VM_CACHE/${pkg}_"*_amd64.deb | sort -V | tail -n 1)
	fi
	tree=${deb%.deb}
	if [ ! -e "$tree/.unpacked" ]; then
		rm -rf "$tree"
		dpkg-deb -x "$deb" "$tree"
		touch "$tree/.unpacked"
	fi
	VM_KERNEL=$(ls "$tree"/boot/vmlinuz-* | head -n 1)
	VM_MODDIR=$(ls -d "$tree"/lib/modules/* | head -n 1)
	[ -f "$VM_KERNEL" ] && [ -d "$VM_MODDIR" ] || vm_die "no kernel or modules in $deb"
	vm_log "kernel $(basename "$VM_KERNEL")"
}

# vm_build_initramfs OUT OVERLAY: a gzip'd newc cpio with a static busybox,
# the modules of VM_MODULES flattened into /lib/modules (decompressed if the
# package ships .ko.xz/.ko.zst), /lib/vm-init.sh, and everything in OVERLAY
# (which must provide an executable /init). Needs VM_MODDIR (vm_fetch_kernel).
vm_build_initramfs() {
	local out=$1 overlay=$2 root m ko
	[ -x "$overlay/init" ] || vm_die "$overlay/init missing or not executable"
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
	# busybox-static's /bin/busybox (the dynamic busybox package conflicts
	# with it, so vm_need_packages has made sure this is the static one).
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"

	for m in "${VM_MODULES[@]}"; do
		ko=$(find "$VM_MODDIR/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -n 1)
		[ -n "$ko" ] || vm_die "module $m not found under $VM_MODDIR"
		case $ko in
		*.xz) xz -dc "$ko" > "$root/lib/modules/$m.ko" ;;
		*.zst) zstd -qdc "$ko" > "$root/lib/modules/$m.ko" ;;
		*) cp "$ko" "$root/lib/modules/$m.ko" ;;
		esac
	done
	printf '%s\n' "${VM_MODULES[@]}" > "$root/lib/modules/order"
	cp "$VM_DIR/guest-init.sh" "$root/lib/vm-init.sh"
	cp -a "$overlay/." "$root/"

	(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 > "$out"
	rm -rf "$root"
}

# vm_wait_socket PATH PID SECS: until QEMU (PID) has created the socket PATH.
vm_wait_socket() {
	local path=$1 pid=$2 n=$(( $3 * 10 ))
	while [ ! -S "$path" ]; do
		kill -0 "$pid" 2>/dev/null || vm_die "qemu exited before creating $path"
		n=$((n - 1))
		[ $n -gt 0 ] || vm_die "no QMP socket $path after $3 s"
		sleep 0.1
	done
}

# vm_qmp SOCK JSON...: negotiates capabilities and runs each command, waiting
# for its reply; dies on an error reply. Events in between are skipped.
# python3 is there already (meson runs on it), so no extra QMP client.
vm_qmp() {
	local sock=$1
	shift
	python3 - "$sock" "$@" <<'PY' || vm_die "QMP on $sock failed"
import json, socket, sys

s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
json.loads(f.readline())  # the greeting
for cmd in ['{"execute":"qmp_capabilities"}'] + sys.argv[2:]:
    f.write(cmd + "\n")
    f.flush()
    while True:
        line = f.readline()
        if not line:
            sys.exit("QMP connection closed during " + cmd)
        reply = json.loads(line)
        if "return" in reply:
            break
        if "error" in reply:
            sys.exit("QMP %s: %s" % (cmd, reply["error"]))
PY
}

# vm_boot_balloon WORK MEM TARGET DOO PORT LIMIT: boots WORK/initrd.gz with MEM
# MiB, a virtio balloon (deflate-on-oom DOO: on|off) whose target is TARGET
# MiB, and a virtio-serial port named PORT that QEMU writes to WORK/out.tar;
# the console goes to WORK/console.log. Returns QEMU's exit status (124 when
# LIMIT seconds ran out). VM_QEMU holds the pid while QEMU runs, for traps.
#
# -S: the balloon target goes in over QMP before the guest runs, so the driver
# sees it at probe and inflates right away. panic=-1 with -no-reboot turns a
# guest panic (e.g. /init failing) into a QEMU exit instead of a hang.
vm_boot_balloon() {
	local work=$1 mem=$2 target=$3 doo=$4 port=$5 limit=$6 rc=0
	vm_log "booting (timeout $limit s)"
	timeout "$limit" qemu-system-x86_64 \
		-accel tcg -m "$mem" -smp 1 -nodefaults -display none -no-reboot -S \
		-kernel "$VM_KERNEL" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 panic=-1 oomguard.balloon_pages=$(( (mem - target) * 256 ))" \
		-serial "file:$work/console.log" \
		-qmp "unix:$work/qmp.sock,server=on,wait=off" \
		-device "virtio-balloon-pci,id=balloon0,deflate-on-oom=$doo" \
		-device virtio-serial-pci \
		-chardev "file,id=out,path=$work/out.tar" \
		-device "virtserialport,chardev=out,name=$port" &
	VM_QEMU=$!
	vm_wait_socket "$work/qmp.sock" "$VM_QEMU" 10
	vm_qmp "$work/qmp.sock" \
		"{\"execute\":\"balloon\",\"arguments\":{\"value\":$((target * 1024 * 1024))}}" \
		'{"execute":"cont"}'
	wait "$VM_QEMU" || rc=$?
	VM_QEMU=""
	return $rc
}

# vm_receive_tar WORK TAG DIR: checks that WORK/out.tar holds as many bytes as
# the guest said it sent ("TAG: sent N bytes", vm_send_tar) and unpacks it
# into DIR. On failure prints why and returns 1.
vm_receive_tar() {
	local work=$1 tag=$2 dir=$3 sent got
	sent=$(sed -n "s/^$tag: sent \([0-9]*\) bytes.*/\1/p" "$work/console.log" | tr -d '\r')
	if [ -z "$sent" ]; then
		echo "the guest did not report sending its tar"
		return 1
	fi
	got=$(stat -c %s "$work/out.tar" 2>/dev/null || echo 0)
	if [ "$got" != "$sent" ]; then
		echo "guest sent $sent bytes, host got $got"
		return 1
	fi
	mkdir -p "$dir"
	tar -xf "$work/out.tar" -C "$dir" --no-same-owner || { echo "cannot unpack the guest's tar"; return 1; }
	grep "^$tag:" "$work/console.log" | tr -d '\r' >&2
}

# ---- how the pass/fail VM tests report (zones-, guard-, relay-in-guest,
# debian-guest); the capture scripts only die ----
# A test names itself in VM_TEST and lists in VM_LOGS the files whose last
# lines explain a failure (the guest console first). vm_fail MSG... records
# a failed check; vm_fatal MSG... ends the test at once (nothing more can be
# checked); vm_report DETAIL TIMES prints the line CI reads, "1 passed, 0
# failed" or "0 passed, 1 failed", and exits 1 if a check failed;
# vm_aborted RC, from the EXIT trap, prints that line when neither ran.
VM_FAILURES=() VM_REPORTED=""

vm_fail() {
	VM_FAILURES+=("$*")
	echo "FAIL: $*" >&2
}

vm_show_logs() {
	local f
	for f in ${VM_LOGS[@]+"${VM_LOGS[@]}"}; do
		echo "--- last lines of $f ---" >&2
		tail -n 40 "$f" >&2 || true
	done
}

vm_fatal() {
	vm_fail "$@"
	vm_show_logs
	VM_REPORTED=fatal
	echo "$VM_TEST: FAIL ($*): 0 passed, 1 failed"
	exit 1
}

# vm_check_qemu RC LIMIT: QEMU's exit status as vm_boot_balloon or
# vm_debian_boot returned it.
vm_check_qemu() {
	[ "$1" -ne 124 ] || vm_fatal "guest sent no result within $2 s (qemu killed by timeout)"
	[ "$1" -eq 0 ] || vm_fatal "qemu exited with status $1"
}

vm_report() {
	VM_REPORTED=report
	if [ ${#VM_FAILURES[@]} -ne 0 ]; then
		vm_show_logs
		echo "$VM_TEST: FAIL (${#VM_FAILURES[@]} check(s) failed; $2): 0 passed, 1 failed"
		exit 1
	fi
	echo "$VM_TEST: PASS ($1; $2): 1 passed, 0 failed"
}

vm_aborted() {
	[ -n "$VM_REPORTED" ] || [ "$1" -eq 0 ] || echo "$VM_TEST: FAIL (aborted, exit $1): 0 passed, 1 failed"
}

# vm_cleanup_on_exit: sets the traps of a VM test script. On any exit it
# kills QEMU ($VM_QEMU, the `timeout` process, which passes the TERM on) and
# the PIDs in VM_KILL (a host relay, a poller), calls vm_cleanup_hook if the
# script defines one, removes the work dir $work unless VM_KEEP_WORK is
# set, and after an early exit (vm_die, set -e, a signal) still prints the
# result line CI reads. Without the TERM/INT traps bash would die on those
# without running the EXIT trap.
VM_KILL=()
vm_cleanup_on_exit() {
	work="" VM_QEMU=""
	trap _vm_cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
}

_vm_cleanup() {
	local rc=$? p
	if declare -F vm_cleanup_hook > /dev/null; then vm_cleanup_hook || true; fi
	for p in ${VM_KILL[@]+"${VM_KILL[@]}"} "$VM_QEMU"; do
		[ -z "$p" ] || kill "$p" 2>/dev/null || true
	done
	if [ -n "$work" ]; then
		if [ -n "${VM_KEEP_WORK:-}" ]; then echo "work dir kept: $work" >&2; else rm -rf --one-file-system "$work"; fi
	fi
	vm_aborted $rc
}
