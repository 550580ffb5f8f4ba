#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# oomguard-host against a real libvirtd and a TCG guest: the guest's /init
# answers guest-sync-delimited on org.oomguard.0 and asks for 64 MiB; the
# relay must grant it through virDomainSetMemoryFlags, and libvirt must show
# the larger current memory. Root only (it starts virtlogd and libvirtd
# itself, without systemd); 77 otherwise.
#   libvirt-test.sh OOMGUARD_HOST SOURCE_ROOT
set -euo pipefail
host=$(realpath "$1")
src=$2
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for p in libvirtd virtlogd virsh qemu-system-x86_64 busybox cpio; do
	command -v "$p" >/dev/null || { echo "SKIP: $p missing"; exit 77; }
done

# shellcheck source=../vm/lib.sh
. "$src/tests/vm/lib.sh"

t0=$(date +%s)
work=$(mktemp -d /var/tmp/oomguard-libvirt.XXXXXX)
dom=oomguard-host-test-$$
uri=qemu:///system
started_virtlogd= started_libvirtd= relay_pid=

cleanup() {
	set +e
	[ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null && wait "$relay_pid" 2>/dev/null
	virsh -c "$uri" destroy "$dom" >/dev/null 2>&1
	[ -n "$started_libvirtd" ] && kill "$started_libvirtd" 2>/dev/null && wait "$started_libvirtd" 2>/dev/null
	[ -n "$started_virtlogd" ] && kill "$started_virtlogd" 2>/dev/null && wait "$started_virtlogd" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	echo "--- relay log"; cat "$work/relay.log" 2>/dev/null
	echo "--- guest console"; tr -d '\r' <"$work/console.log" 2>/dev/null | tail -n 40
	exit 1
}

# ---- libvirtd without systemd ---------------------------------------------
start_libvirt() {
	mkdir -p /var/log/libvirt /var/lib/libvirt /etc/libvirt
	getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu
	getent group kvm >/dev/null || groupadd -r kvm
	id libvirt-qemu >/dev/null 2>&1 ||
		useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
	if [ ! -e /etc/libvirt/qemu.conf ]; then
		cat >/etc/libvirt/qemu.conf <<-'EOF'
		# Written by oomguard's tests/host/libvirt-test.sh for a container
		# without libvirt-daemon-system.
		user = "root"
		group = "root"
		security_driver = "none"
		remember_owner = 0
		EOF
	fi
	if virsh -c "$uri" uri >/dev/null 2>&1; then
		vm_log "using the libvirtd that is already running"
		return
	fi
	virtlogd >"$work/virtlogd.log" 2>&1 &
	started_virtlogd=$!
	libvirtd >"$work/libvirtd.log" 2>&1 &
	started_libvirtd=$!
	for _ in $(seq 100); do
		virsh -c "$uri" uri >/dev/null 2>&1 && return
		sleep 0.2
	done
	cat "$work/libvirtd.log"
	fail "libvirtd did not come up"
}

# ---- the guest ---------------------------------------------------------------
build_guest() {
	mkdir -p "$work/overlay"
	cat >"$work/overlay/init" <<-'EOF'
	#!/bin/sh
	# A stand-in for oomguard-agent: answers every guest-sync-delimited
	# (0xFF + reply), then (re)sends deflate request 1, as PROTOCOL.md §2.6
	# says the agent does after each sync; prints the relay's answer.
	. /lib/vm-init.sh
	vm_wait_balloon balloon
	# QEMU sends BALLOON_CHANGE at most once a second
	# (qapi_event_throttle of QAPI_EVENT_BALLOON_CHANGE), and libvirt's
	# "actual" is the last one it had: ask only once it can have the last.
	sleep 2
	port=$(vm_port org.oomguard.0) || vm_poweroff
	echo "guest: port $port"
	while :; do
		exec 3<>"$port"
		while read -r line <&3; do
			case $line in
			*guest-sync-delimited*)
				id=$(echo "$line" | sed -n 's/.*"arguments":{"id":\([0-9]*\)}.*/\1/p')
				printf '\377{"return":%s}\n' "$id" >&3
				printf '{"event":"oomguard-deflate-request","data":{"id":1,"bytes":67108864,"urgency":"act","reason":"headroom-min"},"timestamp":{"seconds":1,"microseconds":0}}\n' >&3
				echo "guest: synced $id, asked for 64 MiB" ;;
			*oomguard-deflate-answer*)
				echo "guest: answer $line" ;;
			esac
		done
		exec 3<&-
		sleep 0.2       # no host on the port yet: read returns 0 at once
	done
	EOF
	chmod +x "$work/overlay/init"
	vm_fetch_kernel
	vm_build_initramfs "$work/initrd.gz" "$work/overlay"
	cat >"$work/domain.xml" <<-EOF
	<domain type='qemu'>
	  <name>$dom</name>
	  <memory unit='MiB'>512</memory>
	  <currentMemory unit='MiB'>384</currentMemory>
	  <vcpu>1</vcpu>
	  <os>
	    <type arch='x86_64' machine='pc'>hvm</type>
	    <kernel>$VM_KERNEL</kernel>
	    <initrd>$work/initrd.gz</initrd>
	    <cmdline>console=ttyS0 panic=-1 quiet oomguard.balloon_pages=32768</cmdline>
	  </os>
	  <features><acpi/></features>
	  <on_poweroff>destroy</on_poweroff>
	  <on_reboot>destroy</on_reboot>
	  <on_crash>destroy</on_crash>
	  <devices>
	    <emulator>$(command -v qemu-system-x86_64)</emulator>
	    <serial type='file'><source path='$work/console.log'/><target port='0'/></serial>
	    <channel type='unix'><source mode='bind'/><target type='virtio' name='org.oomguard.0'/></channel>
	    <memballoon model='virtio'><stats period='2'/></memballoon>
	    <video><model type='none'/></video>
	  </devices>
	</domain>
	EOF
}

used_kib() {
	virsh -c "$uri" dominfo "$dom" | awk '/^Used memory:/ {print $3}'
}

start_libvirt
build_guest
cat >"$work/host.ini" <<EOF
[host]
floor_available_mb = 64
release_below_mb = 0
metrics_path = $work/metrics.prom
metrics_interval_s = 1
EOF

# The relay first: the domain's start must be picked up by the lifecycle event.
"$host" --connect "$uri" --policy "$work/host.ini" --state-dir "$work/state" --verbose >"$work/relay.log" 2>&1 &
relay_pid=$!
sleep 1
kill -0 "$relay_pid" || fail "oomguard-host exited at start"
virsh -c "$uri" create "$work/domain.xml" >/dev/null || fail "virsh create"
t_boot=$(date +%s)
vm_log "domain $dom started"

# Granted once the balloon has inflated to 384 MiB: 448 MiB = 458752 KiB.
ok=
for _ in $(seq 300); do
	if grep -q "request 1 granted 65536 kB" "$work/relay.log" 2>/dev/null; then
		used=$(used_kib)
		if [ "${used:-0}" -ge 458752 ]; then ok=1; break; fi
	fi
	grep -q "request 1 refused" "$work/relay.log" && fail "request refused"
	sleep 1
done
[ -n "$ok" ] || fail "no grant visible in virsh dominfo (Used memory ${used:-?} KiB)"
t_grant=$(date +%s)
virsh -c "$uri" dominfo "$dom" | grep -E "memory"
virsh -c "$uri" dommemstat "$dom" | grep -E "actual" || true
for _ in $(seq 20); do grep -q "guest: answer" "$work/console.log" && break; sleep 0.5; done
tr -d '\r' <"$work/console.log" | grep "^guest:" || true
grep -q 'guest: answer .*"granted":true' "$work/console.log" || fail "the guest did not see the grant"
sleep 1.5
grep -qx 'oomguard_host_grants_total{domain="'"$dom"'"} 1' "$work/metrics.prom" || fail "metrics"

# Stopping the domain is followed.
virsh -c "$uri" destroy "$dom" >/dev/null
for _ in $(seq 20); do grep -q "domain stopped" "$work/relay.log" && break; sleep 0.5; done
grep -q "domain stopped" "$work/relay.log" || fail "the relay missed the stop"
kill -TERM "$relay_pid"
status=0
wait "$relay_pid" || status=$?
relay_pid=
[ "$status" = 0 ] || fail "oomguard-host exited $status on SIGTERM"
echo "--- relay log"
cat "$work/relay.log"
echo "timing: setup+boot $((t_boot - t0)) s, boot to visible grant $((t_grant - t_boot)) s, total $(($(date +%s) - t0)) s"
