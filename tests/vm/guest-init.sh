# Sourced by the /init of an initramfs that vm_build_initramfs (lib.sh) built;
# installed there as /lib/vm-init.sh. Busybox sh.

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

while read -r m; do
	insmod "/lib/modules/$m.ko" || echo "vm-init: insmod $m failed" >&2
done < /lib/modules/order

# vm_cmdline KEY: the value of KEY=... on the kernel command line.
vm_cmdline() {
	for w in $(cat /proc/cmdline); do
		case $w in "$1"=*) echo "${w#*=}"; return 0 ;; esac
	done
	return 1
}

# vm_port NAME: prints /dev/vportNpM of the virtio-serial port named NAME,
# waiting up to 10 s for the driver and devtmpfs.
vm_port() {
	i=0
	while [ $i -lt 100 ]; do
		for n in /sys/class/virtio-ports/vport*/name; do
			[ -r "$n" ] && [ "$(cat "$n")" = "$1" ] || continue
			d=/dev/$(basename "$(dirname "$n")")
			[ -c "$d" ] && { echo "$d"; return 0; }
		done
		sleep 0.1
		i=$((i + 1))
	done
	echo "vm-init: no virtio-serial port named $1" >&2
	return 1
}

# vm_poweroff: never returns. The kernel panics if /init exits.
vm_poweroff() {
	sync
	poweroff -f
	sleep 60
}
