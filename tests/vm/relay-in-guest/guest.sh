# shellcheck shell=bash
# The guest of tests/vm/relay-in-guest.sh, also booted by
# tests/vm/bench/chaos.sh: Debian 12 (debian-lib.sh) with oomguard and
# oomguard-agent installed as the packaging installs them, this directory's
# policy.ini, and guard-in-guest's grow. Source it after debian-lib.sh.
#
#   relay_guest_need BUILD          BUILD has the binaries and units, this
#                                   directory's policies validate; adds the
#                                   programs' libraries to
#                                   VM_DEBIAN_EXTRA_PACKAGES (the guest has
#                                   no network)
#   relay_guest_disk BUILD EXTRA_DIR DISK
#                                   the above into EXTRA_DIR (the caller puts
#                                   its driver, usr/local/bin/oomguard-test,
#                                   there), then vm_debian_disk DISK
#   relay_guest_qemu WORK           VM_DEBIAN_QEMU_EXTRA: the port
#                                   org.oomguard.0 on WORK/channel.sock for
#                                   the relay, and a second QMP monitor on
#                                   WORK/watch.sock for the test

RELAY_GUEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

relay_guest_need() {
	local build=$1 f
	for f in guard/oomguard guest-agent/oomguard-agent host/oomguard-host \
		packaging/oomguard.service packaging/oomguard-agent.service; do
		[ -f "$build/$f" ] || vm_die "no $f in $build (build it first: meson setup build && ninja -C build)"
	done
	"$build/guard/oomguard" --check-policy "$RELAY_GUEST_DIR/policy.ini" > /dev/null ||
		vm_die "$RELAY_GUEST_DIR/policy.ini does not validate"
	"$build/host/oomguard-host" --policy "$RELAY_GUEST_DIR/host.ini" --check-policy > /dev/null ||
		vm_die "$RELAY_GUEST_DIR/host.ini does not validate"
	VM_DEBIAN_EXTRA_PACKAGES="${VM_DEBIAN_EXTRA_PACKAGES:+$VM_DEBIAN_EXTRA_PACKAGES }libinih1 libglib2.0-0 libjson-glib-1.0-0"
}

relay_guest_disk() {
	local build=$1 x=$2 disk=$3 pkg=$RELAY_GUEST_DIR/../../../packaging
	install -D -m 755 "$RELAY_GUEST_DIR/../guard-in-guest/grow" "$x/usr/local/bin/oomguard-grow"
	install -D -m 755 "$build/guard/oomguard" "$x/usr/sbin/oomguard"
	install -D -m 755 "$build/guest-agent/oomguard-agent" "$x/usr/sbin/oomguard-agent"
	install -D -m 644 "$RELAY_GUEST_DIR/policy.ini" "$x/etc/oomguard/policy.ini"
	vm_debian_install_unit "$build" oomguard "$x"
	vm_debian_install_unit "$build" oomguard-agent "$x"
	# The packaging's udev rule (the port to the agent's group) and its user.
	install -D -m 644 "$pkg/60-oomguard-agent.rules" "$x/etc/udev/rules.d/60-oomguard-agent.rules"
	install -D -m 644 "$pkg/oomguard-agent.sysusers" "$x/usr/lib/sysusers.d/oomguard-agent.conf"
	vm_debian_disk "$disk" "$x"
}

# shellcheck disable=SC2317 # called by vm_debian_disk
vm_debian_stage() {
	chroot "$1" systemd-sysusers /usr/lib/sysusers.d/oomguard-agent.conf || vm_die "systemd-sysusers in the rootfs failed"
}

relay_guest_qemu() {
	# shellcheck disable=SC2034 # read by vm_debian_boot
	VM_DEBIAN_QEMU_EXTRA=(
		-chardev "socket,id=og,path=$1/channel.sock,server=on,wait=off"
		-device "virtserialport,chardev=og,name=org.oomguard.0"
		-qmp "unix:$1/watch.sock,server=on,wait=off"
	)
}
