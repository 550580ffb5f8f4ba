# shellcheck shell=bash disable=SC2154,SC2034 # work, mem, relay_bin... are e2e.sh's; VM_DEBIAN_* are read by vm_debian_boot
# The "pod limit" scenario of tests/vm/e2e.sh: QEMU in a cgroup v1 memory
# cgroup whose limit leaves room for the guest's boot but not for its whole
# RAM plus QEMU's overhead, as in a Kubernetes pod (KubeVirt, Harvester).
# The guest writes a file larger than that room through its page cache and
# reads it back. Two boots of the same image:
#   1. no oomguard anywhere: the host's OOM killer must kill QEMU (the
#      scenario keeps its teeth: a limit that no longer kills fails it);
#   2. the oomguard .deb in the guest, oomguard-host on this machine with
#      the shipped host.ini: QEMU lives, the file is written and read back,
#      the cgroup's oom_kill stays 0.
# Reported: QEMU's RSS peak (VmRSS polled every 0.5 s), the cgroup's
# max_usage_in_bytes, its oom_kill, for both boots.
#
#   tests/vm/e2e.sh pod-limit DEB_DIR
#
# Sourced by e2e.sh once it has the debs, the relay ($relay_bin) and the
# image ($work/disk.img); each boot runs on a copy of that image.
# Settings: POD_LIMIT_MB (1300), POD_FILE_MB (900); VM_DEBIAN_ACCEL
# (tcg,tb-size=256: TCG's translation cache otherwise grows by up to
# 1 GiB, so QEMU's overhead would not be a figure the limit can be set
# from); VM_DEBIAN_DRIVE_CACHE (none, as KubeVirt sets for its disks: the
# image's pages stay out of the host's page cache, which the cgroup would
# otherwise be charged for). Needs root and /sys/fs/cgroup/memory.

target=1024 limit=900
pod_mb=${POD_LIMIT_MB:-1300} file_mb=${POD_FILE_MB:-900}
export VM_DEBIAN_ACCEL=${VM_DEBIAN_ACCEL:-tcg,tb-size=256}
export VM_DEBIAN_DRIVE_CACHE=${VM_DEBIAN_DRIVE_CACHE:-none}

mem_root=/sys/fs/cgroup/memory
[ -w "$mem_root/cgroup.procs" ] || vm_die "needs root and a cgroup v1 memory hierarchy at $mem_root"
# The pods are made under this script's own memory cgroup, so whatever
# accounts for this script accounts for them too.
home_cg=$mem_root$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' /proc/self/cgroup)
home_cg=${home_cg%/}
pod_cg=""

# shellcheck disable=SC2317 # called by _vm_cleanup
vm_cleanup_hook() {
	local p i
	[ -n "$pod_cg" ] && [ -d "$pod_cg" ] || return 0
	# What is left in the pod is ours: timeout and QEMU.
	while read -r p; do kill -KILL "$p" 2>/dev/null || true; done < "$pod_cg/cgroup.procs"
	for _ in $(seq 50); do rmdir "$pod_cg" 2>/dev/null && return 0; sleep 0.1; done
}

# rss_poller PID OUT: QEMU's highest VmRSS in kB, rewritten to OUT as it grows.
rss_poller() {
	local pid=$1 out=$2 rss max=0
	while [ -e "/proc/$pid" ]; do
		rss=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		if [ "${rss:-0}" -gt "$max" ]; then max=$rss; echo "$max" > "$out"; fi
		sleep 0.5
	done
}

relay=no
# shellcheck disable=SC2317 # called by vm_debian_boot, in this shell
vm_debian_started() {
	local w=$1 qemu
	# Only QEMU (and its `timeout`) stay in the pod.
	echo "$BASHPID" > "$home_cg/cgroup.procs"
	qemu=$(pgrep -P "$VM_QEMU" qemu-system || true)
	[ -n "$qemu" ] || vm_die "cannot find QEMU under timeout ($VM_QEMU)"
	echo "$qemu" > "$w/qemu.pid"
	rss_poller "$qemu" "$w/rss-peak-kb" &
	VM_KILL+=($!)
	[ "$relay" = yes ] || return 0
	# The shipped host policy, but for where the metrics go.
	printf '[host]\nmetrics_path = %s\n' "$w/metrics.prom" > "$w/host.ini"
	"$relay_bin" --qmp "$w/qmp.sock" --channel "$w/channel.sock" \
		--policy "$w/host.ini" --state-dir "$w/state" --verbose > "$w/relay.log" 2>&1 &
	VM_KILL+=($!)
}

# pod_boot TAG GUARD: boots a copy of the image in a fresh pod cgroup, in
# $work/TAG; sets rc, oom_kill, usage_peak_mb, rss_peak_mb.
pod_boot() {
	local tag=$1 guard=$2 w=$work/$1
	mkdir -p "$w"
	cp --sparse=always "$work/disk.img" "$w/disk.img"
	pod_cg=$home_cg/oomguard-pod-$tag-$$
	mkdir "$pod_cg"
	echo $((pod_mb * 1024 * 1024)) > "$pod_cg/memory.limit_in_bytes"
	# This machine has no swap; where it has, swap must not stretch the limit.
	[ ! -e "$pod_cg/memory.memsw.limit_in_bytes" ] ||
		echo $((pod_mb * 1024 * 1024)) > "$pod_cg/memory.memsw.limit_in_bytes"
	VM_DEBIAN_QEMU_EXTRA=(
		-chardev "socket,id=og,path=$w/channel.sock,server=on,wait=off"
		-device "virtserialport,chardev=og,name=org.oomguard.0"
	)
	VM_DEBIAN_APPEND="oomguard.scenario=pod-limit oomguard.guard=$guard oomguard.file_mb=$file_mb"
	relay=$([ "$guard" = oomguard ] && echo yes || echo no)
	vm_log "$tag: QEMU in $pod_cg, limit $pod_mb MiB, guard $guard"
	echo "$BASHPID" > "$pod_cg/cgroup.procs"
	rc=0
	vm_debian_boot "$w" "$mem" "$target" off "$limit" || rc=$?
	echo "$BASHPID" > "$home_cg/cgroup.procs"
	oom_kill=$(awk '$1 == "oom_kill" {print $2}' "$pod_cg/memory.oom_control")
	usage_peak_mb=$(($(cat "$pod_cg/memory.max_usage_in_bytes") / 1048576))
	rss_peak_mb=$(($(cat "$w/rss-peak-kb" 2>/dev/null || echo 0) / 1024))
	vm_cleanup_hook
	pod_cg=""
	vm_log "$tag: QEMU exit $rc, oom_kill $oom_kill, RSS peak $rss_peak_mb MiB, cgroup peak $usage_peak_mb MiB"
}

pod_boot baseline none
VM_LOGS=("$work/baseline/console.log")
base="without oomguard: QEMU exit $rc, oom_kill $oom_kill, RSS peak $rss_peak_mb MiB, cgroup peak $usage_peak_mb MiB"
if [ "$oom_kill" -lt 1 ] || [ "$rc" -eq 0 ]; then
	vm_fail "without oomguard QEMU was not killed by the host (exit $rc, oom_kill $oom_kill): the limit has lost its teeth"
fi
t3=$(date +%s)

pod_boot guarded oomguard
t4=$(date +%s)
w=$work/guarded
VM_LOGS=("$w/console.log" "$w/relay.log")
guarded="with oomguard: QEMU exit $rc, oom_kill $oom_kill, RSS peak $rss_peak_mb MiB, cgroup peak $usage_peak_mb MiB"
[ "$oom_kill" -eq 0 ] || vm_fail "with oomguard the host's OOM killer acted in the pod (oom_kill $oom_kill)"
vm_check_qemu "$rc" "$limit"
why=$(vm_receive_tar "$w" results "$w/got") || vm_fatal "$why"
vm_debian_judge "$w/got" python3 "$mine/check.py" pod-limit "$w/got/results" "$w/relay.log"
grep -h '^oomguard_host_cgroup' "$w/metrics.prom" >&2 2>/dev/null || true
[ ${#VM_FAILURES[@]} -eq 0 ] || for f in dpkg-install.log guard-journal.txt agent-journal.txt dmesg-workload; do
	[ -f "$w/got/results/$f" ] && VM_LOGS+=("$w/got/results/$f")
done
vm_report "limit $pod_mb MiB, file $file_mb MiB; $base; $guarded; $VM_SUMMARY" \
	"rootfs $((t1 - t0)) s, disk $((t2 - t1)) s, baseline $((t3 - t2)) s, guarded $((t4 - t3)) s"
