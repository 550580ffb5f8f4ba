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

# vm_wait_balloon TAG: waits until the balloon holds the pages the host put
# on the command line (oomguard.balloon_pages=N), or has stopped growing for
# 5 s once it started (the guest may not be able to give it all), or 5 min.
# Sets $held and $want and prints "TAG: balloon holds ...".
vm_wait_balloon() {
	want=$(vm_cmdline oomguard.balloon_pages || echo 0)
	held=0
	last=-1 still=0 ticks=0
	while :; do
		held=$(awk '$1 == "balloon_inflate" {i = $2} $1 == "balloon_deflate" {d = $2}
			END {print i - d}' /proc/vmstat)
		[ "$held" -ge "$want" ] && break
		if [ "$held" -gt 0 ] && [ "$held" -eq "$last" ]; then still=$((still + 1)); else still=0; fi
		[ $still -ge 10 ] || [ $ticks -ge 600 ] && break
		last=$held ticks=$((ticks + 1))
		sleep 0.5
	done
	echo "$1: balloon holds $held of $want pages after $((ticks / 2)) s"
}

# vm_send_tar TAG DIR PORT: streams a tar of DIR through the virtio-serial
# port named PORT and prints "TAG: sent N bytes", which vm_receive_tar on the
# host compares with what arrived.
vm_send_tar() {
	tar -cf /vm-send.tar -C "$2" .
	port=$(vm_port "$3") || vm_poweroff
	cat /vm-send.tar > "$port"
	echo "$1: sent $(wc -c < /vm-send.tar) bytes to $port"
}
