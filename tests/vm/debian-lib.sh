# shellcheck shell=bash
# Debian 12 systemd guests for end-to-end tests. Source it from bash after
# lib.sh (it uses vm_die, vm_log, vm_fetch_kernel, vm_build_initramfs,
# vm_wait_socket and vm_qmp from there). Needs root: debootstrap chroots, and
# the rootfs's files must keep their owners.
#
#   vm_debian_need_packages          vm_need_packages, then checks debootstrap & co
#   vm_debian_rootfs                 debootstraps once, cached as a tarball in
#                                    $VM_CACHE; sets VM_DEBIAN_ROOTFS
#   vm_debian_disk OUT EXTRA_DIR     ext4 image: rootfs + kernel modules + the
#                                    test harness + EXTRA_DIR's files over /
#   vm_debian_boot WORK MEM TARGET DOO LIMIT
#                                    boots WORK/disk.img like vm_boot_balloon
#   vm_debian_install_unit BUILD UNIT EXTRA_DIR
#                                    BUILD's generated UNIT.service, enabled, run from /usr/sbin
#   vm_debian_harness GOT            the driver's exit status and how the boot ended
#   vm_debian_balloon_ok RESULTS MEM TARGET
#                                    the driver's balloon report shows it inflated
#   vm_debian_judge GOT CHECK...     vm_debian_harness, then CHECK's verdict
#
# The guest contract. EXTRA_DIR provides /usr/local/bin/oomguard-test, an
# executable (the "driver"). oomguard-test.service (tests/vm/debian/) starts
# after multi-user.target and runs tests/vm/debian/run-test, which waits for
# the boot to finish, runs the driver with a directory to write its results
# into, then streams a tar to the virtio-serial port org.oomguard.results
# (QEMU writes it to WORK/out.tar), prints "results: sent N bytes" on the
# console and powers off. On the host, `vm_receive_tar WORK results DIR`
# unpacks it into:
#   DIR/results/      what the driver wrote
#   DIR/harness/      rc (the driver's exit status), system-state (systemctl
#                     is-system-running once booted), startup (systemd-analyze
#                     time), failed-units, journal.txt (the whole boot's journal)
# The driver can source /usr/local/lib/oomguard-test/vm-functions.sh for
# vm_cmdline and vm_wait_balloon of guest-init.sh. Its output goes to the
# journal and the console (WORK/console.log). The service has
# OOMPolicy=continue, and the harness itself cannot be OOM-killed; the driver
# runs with oom_score_adj 0.
#
# Settings (environment):
#   VM_DEBIAN_EXTRA_PACKAGES  more packages for the rootfs (space-separated),
#                             e.g. the oomguard .debs' dependencies: the guest
#                             has no network. Part of the cache key.
#   VM_DEBIAN_MIRROR          default http://deb.debian.org/debian
#   VM_DEBIAN_DISK_SIZE       default 2G (sparse)
#   VM_DEBIAN_SMP             default 2 (QEMU runs one TCG thread per vCPU)
#   VM_DEBIAN_APPEND          more kernel command line, e.g. systemd.log_level=debug
#   VM_DEBIAN_ACCEL           default tcg; e.g. tcg,tb-size=256 bounds QEMU's translation cache
#   VM_DEBIAN_DRIVE_CACHE     default unsafe; none keeps the disk's pages out of the host's page cache

VM_DEBIAN_SUITE=bookworm
VM_DEBIAN_PORT=org.oomguard.results
# minbase is Priority: required plus apt; debootstrap adds these and their
# Depends (not Recommends). udev creates /dev/virtio-ports/NAME; procps for
# ps/free/sysctl; python3-minimal can be a memory hog.
VM_DEBIAN_PACKAGES=(systemd systemd-sysv udev kmod dbus procps python3-minimal)

# vm_debian_need_packages: the [test] packages of scripts/build-deps.txt, and
# the commands this file needs besides: debootstrap isn't in that list (yet).
vm_debian_need_packages() {
	local cmd missing=()
	vm_need_packages
	[ "$(id -u)" = 0 ] || vm_die "the Debian guest tests need root (debootstrap, file owners in the image)"
	for cmd in debootstrap:debootstrap mkfs.ext4:e2fsprogs chroot:coreutils flock:util-linux; do
		command -v "${cmd%%:*}" >/dev/null || missing+=("${cmd#*:}")
	done
	[ ${#missing[@]} -eq 0 ] || vm_die "missing packages: ${missing[*]} (apt-get install ${missing[*]})"
}

# _vm_debian_rm DIR: removes a debootstrap target, even one left behind by a
# killed run. debootstrap mounts proc, sysfs and devpts inside it; rm must
# never walk into those, hence the unmounts and --one-file-system.
_vm_debian_rm() {
	local dir m
	dir=$(realpath -m "$1")
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v d="$dir/" 'index($2 "/", d) == 1 {print $2}' /proc/mounts | sort -r)
	rm -rf --one-file-system "$dir"
}

# _vm_debian_build ROOT PACKAGES OUT: debootstraps ROOT (PACKAGES
# comma-separated), trims and configures it, and tars it to OUT.
# Everything here is part of the cache key (vm_debian_rootfs hashes this
# function's text), so editing it rebuilds the rootfs.
_vm_debian_build() {
	local root=$1 pkgs=$2 out=$3 u
	vm_log "debootstrap $VM_DEBIAN_SUITE (minbase + $pkgs); about a minute"
	if ! debootstrap --variant=minbase --include="$pkgs" "$VM_DEBIAN_SUITE" "$root" \
		"${VM_DEBIAN_MIRROR:-http://deb.debian.org/debian}" > "$root.log" 2>&1; then
		tail -n 20 "$root.log" >&2
		vm_die "debootstrap failed (log above, full log in $root.log)"
	fi
	rm -f "$root.log"

	# No network in the guest: apt's lists and the downloaded .debs are dead
	# weight (~95 MiB of ~290), and so are translations, man pages and docs
	# (dpkg still lists those files; nothing checks).
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb \
		"$root"/var/cache/apt/*.bin "$root"/usr/share/locale/* \
		"$root"/usr/share/man/* "$root"/usr/share/doc/* "$root"/usr/share/info/*
	# debootstrap copied the host's hostname and resolv.conf.
	echo oomguard-guest > "$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\toomguard-guest\n' > "$root/etc/hosts"
	rm -f "$root/etc/resolv.conf"
	# The initramfs mounts /dev/vda read-write; no fsck (pass 0), nothing to remount.
	echo '/dev/vda / ext4 rw,relatime 0 0' > "$root/etc/fstab"

	# The units are linked by hand: the host may have no systemctl. Debian's
	# default.target is graphical.target; nothing here needs more than
	# multi-user. No gettys (nobody logs in), and none of the timers that
	# would start apt, dpkg backups, e2scrub or fstrim during a test.
	ln -sfn /lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"
	for u in getty@tty1.service serial-getty@ttyS0.service apt-daily.timer \
		apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
		e2scrub_reap.service fstrim.timer; do
		ln -sfn /dev/null "$root/etc/systemd/system/$u"
	done

	# --numeric-owner on both sides: the guest's users and groups (e.g.
	# systemd-journal, messagebus) need not have the host's ids.
	tar --numeric-owner --xattrs --xattrs-include='*' --one-file-system \
		-C "$root" -cf - . | gzip -1 > "$out"
}

# vm_debian_rootfs: sets VM_DEBIAN_ROOTFS to a tarball of the rootfs, building
# it once (~80 s). Keyed by the package list and _vm_debian_build's text, so
# either changing rebuilds it; older tarballs stay in $VM_CACHE (git-ignored)
# for whichever test still uses their list. The kernel modules are not in it:
# vm_debian_disk adds them, so a new kernel needs no new debootstrap.
vm_debian_rootfs() {
	local pkgs key lock root
	[ "$(id -u)" = 0 ] || vm_die "vm_debian_rootfs needs root (debootstrap)"
	# shellcheck disable=SC2086 # the extra packages are a space-separated list
	pkgs=$(printf '%s\n' "${VM_DEBIAN_PACKAGES[@]}" ${VM_DEBIAN_EXTRA_PACKAGES:-} | sort -u | paste -sd, -)
	key=$( { echo "$VM_DEBIAN_SUITE $pkgs"; declare -f _vm_debian_build; } | sha256sum | cut -c1-12)
	VM_DEBIAN_ROOTFS=$VM_CACHE/debian-$VM_DEBIAN_SUITE-rootfs-$key.tar.gz
	if [ ! -f "$VM_DEBIAN_ROOTFS" ]; then
		mkdir -p "$VM_CACHE"
		# Two test runs at once build it once: the second waits, then finds it.
		exec {lock}> "$VM_CACHE/debian-rootfs.lock"
		flock "$lock"
		if [ ! -f "$VM_DEBIAN_ROOTFS" ]; then
			# Leftovers of a killed build (only ever touched under the lock).
			for root in "$VM_CACHE"/debian-build.*; do
				[ -e "$root" ] && _vm_debian_rm "$root"
			done
			root=$(mktemp -d "$VM_CACHE/debian-build.XXXXXX")
			_vm_debian_build "$root" "$pkgs" "$root.tar.gz"
			mv "$root.tar.gz" "$VM_DEBIAN_ROOTFS"
			_vm_debian_rm "$root"
		fi
		exec {lock}>&-
	fi
	vm_log "rootfs $(basename "$VM_DEBIAN_ROOTFS") ($(du -h "$VM_DEBIAN_ROOTFS" | cut -f1))"
}

# vm_debian_disk OUT EXTRA_DIR: writes OUT, a sparse ext4 image of
# VM_DEBIAN_DISK_SIZE (2G) holding the rootfs, VM_MODDIR's modules (with a
# modules.dep, so modprobe works), the harness and EXTRA_DIR's files (owned
# by root in the guest; directories already in the rootfs keep their modes).
# Calls vm_debian_rootfs and vm_fetch_kernel if that was not done yet.
# mkfs.ext4 -d fills the filesystem from a directory: no loop mount.
vm_debian_disk() {
	local out=$1 extra=$2 stage rel h=/usr/local/lib/oomguard-test
	[ -d "$extra" ] || vm_die "vm_debian_disk: no directory $extra"
	[ -n "${VM_DEBIAN_ROOTFS:-}" ] || vm_debian_rootfs
	[ -n "${VM_MODDIR:-}" ] || vm_fetch_kernel
	# Next to OUT, so that the caller's cleanup of its work dir removes it
	# too if something below dies.
	stage=$(mktemp -d "$(dirname "$out")/rootfs.XXXXXX")
	tar --numeric-owner --xattrs --xattrs-include='*' -C "$stage" -xzf "$VM_DEBIAN_ROOTFS"

	# /lib is a symlink to usr/lib (merged /usr); mkdir and cp follow it.
	rel=$(basename "$VM_MODDIR")
	mkdir -p "$stage/lib/modules"
	cp -a "$VM_MODDIR" "$stage/lib/modules/"
	# The host may have no kmod; the guest's depmod works in a chroot.
	chroot "$stage" /sbin/depmod -a "$rel" || vm_die "depmod $rel in the rootfs failed"

	# The harness: the service, its runner and guest-init.sh's functions that
	# make sense after boot (the rest of that file mounts and loads modules
	# when sourced).
	install -D -m 644 "$VM_DIR/debian/oomguard-test.service" "$stage/etc/systemd/system/oomguard-test.service"
	mkdir -p "$stage/etc/systemd/system/multi-user.target.wants"
	ln -sfn ../oomguard-test.service "$stage/etc/systemd/system/multi-user.target.wants/oomguard-test.service"
	install -D -m 755 "$VM_DIR/debian/run-test" "$stage$h/run-test"
	sed -n '/^vm_cmdline() {/,/^}/p; /^vm_wait_balloon() {/,/^}/p' "$VM_DIR/guest-init.sh" > "$stage$h/vm-functions.sh"
	[ "$(grep -c '^vm_[a-z_]*() {' "$stage$h/vm-functions.sh")" = 2 ] ||
		vm_die "cannot find vm_cmdline and vm_wait_balloon in guest-init.sh"

	# --keep-directory-symlink: an EXTRA_DIR/lib/... must not replace the
	# /lib -> usr/lib symlink with a directory; --no-overwrite-dir: EXTRA_DIR
	# itself (often a mktemp -d, mode 700) must not change / and the like.
	tar --owner=0 --group=0 --numeric-owner -C "$extra" -cf - . |
		tar --numeric-owner --keep-directory-symlink --no-overwrite-dir -C "$stage" -xf -
	[ -x "$stage/usr/local/bin/oomguard-test" ] ||
		vm_log "warning: $extra has no executable usr/local/bin/oomguard-test; the guest will only report that"

	# what a package's postinst would do, for the caller
	if declare -F vm_debian_stage > /dev/null; then vm_debian_stage "$stage"; fi

	rm -f "$out"
	# -q still prints "Creating regular file OUT" on stdout.
	mkfs.ext4 -q -F -L oomguard-root -d "$stage" "$out" "${VM_DEBIAN_DISK_SIZE:-2G}" > /dev/null ||
		vm_die "mkfs.ext4 -d $stage $out failed"
	rm -rf --one-file-system "$stage"
}

# vm_debian_boot WORK MEM TARGET DOO LIMIT: boots WORK/disk.img (made by
# vm_debian_disk) with MEM MiB and the balloon at TARGET MiB (deflate-on-oom
# DOO: on|off), like vm_boot_balloon: QEMU starts stopped, the target goes in
# over QMP, the kernel command line has oomguard.balloon_pages. Writes
# WORK/initrd.gz, WORK/console.log and WORK/out.tar (port org.oomguard.results).
# Returns QEMU's exit status (124 when LIMIT seconds ran out); VM_QEMU holds
# the pid of `timeout` while QEMU runs, for the caller's traps. A caller may
# add QEMU arguments in the array VM_DEBIAN_QEMU_EXTRA and define a function
# vm_debian_started WORK, run once the guest runs (QMP free again).
vm_debian_boot() {
	local work=$1 mem=$2 target=$3 doo=$4 limit=$5 rc=0
	# The initramfs only needs virtio_blk on top of lib.sh's modules: ext4
	# is built into the cloud kernel. vm_build_initramfs sees this local copy.
	local VM_MODULES=("${VM_MODULES[@]}" virtio_blk)
	[ -f "$work/disk.img" ] || vm_die "no $work/disk.img (vm_debian_disk $work/disk.img EXTRA_DIR)"
	[ -n "${VM_KERNEL:-}" ] || vm_fetch_kernel
	rm -rf "$work/initramfs"
	mkdir -p "$work/initramfs"
	install -m 755 "$VM_DIR/debian/initramfs-init" "$work/initramfs/init"
	vm_build_initramfs "$work/initrd.gz" "$work/initramfs"
	rm -rf "$work/initramfs" "$work/out.tar" "$work/console.log" "$work/qmp.sock"

	vm_log "booting the Debian guest (timeout $limit s)"
	# cache=unsafe: the image is thrown away, so its flushes need not reach
	# the host's disk. -smp 2: systemd boots in ~17 s instead of ~30.
	timeout "$limit" qemu-system-x86_64 \
		-accel "${VM_DEBIAN_ACCEL:-tcg}" -m "$mem" -smp "${VM_DEBIAN_SMP:-2}" -nodefaults -display none -no-reboot -S \
		-kernel "$VM_KERNEL" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 panic=-1 oomguard.balloon_pages=$(( (mem - target) * 256 ))${VM_DEBIAN_APPEND:+ $VM_DEBIAN_APPEND}" \
		-serial "file:$work/console.log" \
		-qmp "unix:$work/qmp.sock,server=on,wait=off" \
		-drive "file=$work/disk.img,format=raw,if=none,id=root,cache=${VM_DEBIAN_DRIVE_CACHE:-unsafe}" \
		-device virtio-blk-pci,drive=root \
		-device "virtio-balloon-pci,id=balloon0,deflate-on-oom=$doo" \
		-device virtio-serial-pci \
		-chardev "file,id=out,path=$work/out.tar" \
		-device "virtserialport,chardev=out,name=$VM_DEBIAN_PORT" \
		${VM_DEBIAN_QEMU_EXTRA[@]+"${VM_DEBIAN_QEMU_EXTRA[@]}"} &
	VM_QEMU=$!
	vm_wait_socket "$work/qmp.sock" "$VM_QEMU" 10
	vm_qmp "$work/qmp.sock" \
		"{\"execute\":\"balloon\",\"arguments\":{\"value\":$((target * 1024 * 1024))}}" \
		'{"execute":"cont"}'
	if declare -F vm_debian_started > /dev/null; then vm_debian_started "$work"; fi
	wait "$VM_QEMU" || rc=$?
	VM_QEMU=""
	return $rc
}

# vm_debian_install_unit BUILD UNIT EXTRA_DIR: BUILD/packaging/UNIT.service
# into EXTRA_DIR/etc/systemd/system, its ExecStart pointed at
# /usr/sbin/UNIT (meson's default prefix is /usr/local), and enabled as
# `systemctl enable` would for WantedBy=multi-user.target.
vm_debian_install_unit() {
	local build=$1 unit=$2 d=$3/etc/systemd/system
	mkdir -p "$d/multi-user.target.wants"
	sed "s|^ExecStart=[^ ]*/$unit\b|ExecStart=/usr/sbin/$unit|" "$build/packaging/$unit.service" > "$d/$unit.service"
	grep -q "^ExecStart=/usr/sbin/$unit\b" "$d/$unit.service" ||
		vm_die "cannot point ExecStart of $build/packaging/$unit.service at /usr/sbin/$unit"
	ln -sfn "/etc/systemd/system/$unit.service" "$d/multi-user.target.wants/$unit.service"
}

# vm_debian_harness GOT: GOT is what vm_receive_tar unpacked; a vm_fail
# unless the driver exited 0 and the boot ended "running".
vm_debian_harness() {
	local h=$1/harness state
	[ "$(cat "$h/rc" 2>/dev/null)" = 0 ] || vm_fail "the driver exited with status $(cat "$h/rc" 2>/dev/null || echo missing)"
	# A unit that failed at boot (the guard, say) leaves the system degraded.
	state=$(cat "$h/system-state" 2>/dev/null || echo missing)
	[ "$state" = running ] ||
		vm_fail "boot finished '$state', want 'running'; failed units: $(tr '\n' ' ' < "$h/failed-units" 2>/dev/null)"
}

# vm_debian_balloon_ok RESULTS MEM TARGET: a vm_fail unless RESULTS/balloon
# (vm_wait_balloon's report) says the balloon holds all MEM - TARGET MiB.
vm_debian_balloon_ok() {
	local pages=$((($2 - $3) * 256))
	grep -q "holds $pages of $pages pages" "$1/balloon" 2>/dev/null ||
		vm_fail "balloon not inflated: $(cat "$1/balloon" 2>/dev/null || echo no report)"
}

# vm_debian_judge GOT CHECK...: vm_debian_harness GOT, then the command
# CHECK... (a check script, see tests/vm/checklib.py): each "FAIL: ..."
# line it prints becomes a vm_fail, "summary: ..." goes to VM_SUMMARY,
# anything else to stderr as the report.
vm_debian_judge() {
	local line
	vm_debian_harness "$1"
	shift
	VM_SUMMARY=""
	while IFS= read -r line; do
		case $line in
		FAIL:\ *) vm_fail "${line#FAIL: }" ;;
		summary:\ *) VM_SUMMARY=${line#summary: } ;;
		*) echo "  ${line#info: }" >&2 ;;
		esac
	done < <("$@" 2>&1 || echo "FAIL: ${*:1:2} exited with status $?")
}
