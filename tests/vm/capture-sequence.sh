#!/bin/bash
# Captures a sequence of fixture trees from a Debian 12 cloud kernel booted
# under QEMU TCG while a scenario runs, for replay tests of the decisions:
#
#   tests/vm/capture-sequence.sh [--force] [--timeout SECS] [--smp N] NAME
#
#   rising-pressure    no balloon; tests/vm/hog.c takes 900 MiB at 100 MiB/s,
#                      holds it 3 s and frees it (the kernel may OOM-kill it)
#   balloon-inflation  a hog holds 400 MiB; the host sets the balloon target to
#                      640 MiB, then back to 1024 MiB
#   fragmentation      the hog's -f mode: free memory only in small blocks
#
# The result goes to tests/fixtures/sequences/NAME/: the snapshots 0000/,
# 0001/, ... (each a tree of tests/capture-fixture.sh), TIMES ("INDEX MS", MS
# since snapshot 0 on the guest's /proc/uptime, 10 ms granularity), SEQUENCE
# (the scenario, QEMU, what happened, and a table of every snapshot),
# hog.log (the hog's output) and dmesg.txt. --force replaces an existing one.
#
# How: the guest (1024 MiB) runs a capture loop in the background, one
# snapshot every INTERVAL ms into /seq, while the scenario runs, then streams
# /seq out through a virtio-serial port. Under TCG one capture-fixture.sh
# run takes 0.3-0.5 s of a vCPU (some 70 forks), more while the hog runs or
# the host is busy, so snapshots come as fast as that allows: the phases of
# a scenario last some seconds and some snapshots each. --smp N gives the
# guest N vCPUs (default 1, like the other VM tests).
# For balloon changes the guest prints "sequence: balloon-target N MiB" and
# the host, which polls the console log, sets it over QMP. Like
# capture-balloon-fixture.sh it installs its packages with apt-get and caches
# the kernel in tests/vm/cache/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

mem=1024 smp=1 limit=600 force=0 port=org.oomguard.sequence
usage() { sed -n '2,29s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--force) force=1; shift ;;
	--timeout) limit=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	-h | --help) usage ;;
	-*) echo "unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage
name=$1

# Per scenario: the capture interval, the guest's scenario (busybox sh, run
# by /init after /seq-lib.sh) and what SEQUENCE says about it.
case $name in
rising-pressure)
	interval=250
	about="No balloon (target $mem MiB). After a baseline (1 s, 2 snapshots), hog -m 900
-r 100 -s 3 allocates and touches 900 MiB in 10 MiB steps every 100 ms (100
MiB/s if the TCG guest keeps up), holds it 3 s, frees it and exits; capture
goes on 3 s (and 4 snapshots) after the hog has exited. The kernel may
OOM-kill the hog near the top: see the outcome below and dmesg.txt."
	scenario='
start_capture
settle 1 2
rc=0
hog -m 900 -r 100 -s 3 > /seq/hog.log 2>&1 || rc=$?
seq_say "hog exited with status $rc"
settle 3 4
stop_capture'
	;;
balloon-inflation)
	interval=250
	about="Balloon target $mem MiB at boot (nothing ballooned), deflate-on-oom off. A hog
(hog -m 400 -r 200) takes 400 MiB and holds it before the capture starts.
After 3 s (and 4 snapshots) the host sets the balloon target to 640 MiB over
QMP (the guest gives up 384 MiB); once the balloon holds it, at least 5 s after
the request and 3 snapshots later, the host sets it back to $mem MiB
(deflate); capture goes on until the balloon is empty, 3 s after that request
and 3 snapshots more. The hog is killed after the capture."
	scenario='
hog -m 400 -r 200 -s 3600 > /seq/hog.log 2>&1 &
hog=$!
until grep -q holding /seq/hog.log; do sleep 0.2; done
start_capture
settle 3 4
balloon_to 640 5
balloon_to '"$mem"' 3
stop_capture
kill $hog'
	;;
fragmentation)
	interval=250
	about="No balloon (target $mem MiB). After a baseline (1 s, 2 snapshots), hog -f -c 8
-F 72 -m 1024 -r 0 -s 3 maps and touches 8 KiB chunks (THP off for them) as
fast as it can until MemFree is down to 72 MiB, unmaps every other chunk
(free memory comes back as 8 KiB holes), then touches as much THP-eligible
memory as was free before the unmapping, so that the remaining large free
blocks become huge pages. It holds that 3 s, frees everything and exits;
capture goes on 1 s (and 2 snapshots) more.
Compaction settings are the kernel's defaults (proactiveness 20): whatever
kcompactd does to the holes shows in the snapshots (vmstat compact_*)."
	scenario='
start_capture
settle 1 2
rc=0
hog -f -c 8 -F 72 -m 1024 -r 0 -s 3 > /seq/hog.log 2>&1 || rc=$?
seq_say "hog exited with status $rc"
settle 1 2
stop_capture'
	;;
*) echo "unknown sequence $name" >&2; usage ;;
esac

dest=$(cd "$here/../fixtures" && pwd)/sequences/$name
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
	[ $force = 1 ] || vm_die "$dest exists and is not empty (use --force to replace it)"
	[ -f "$dest/SEQUENCE" ] || vm_die "$dest does not look like a sequence (no SEQUENCE); not replacing it"
fi

vm_need_packages
command -v gcc >/dev/null || vm_die "gcc is needed to build tests/vm/hog.c"

t0=$(date +%s)
vm_fetch_kernel

work=$(mktemp -d /tmp/oomguard-seq.XXXXXX)
keep_work=1 VM_QEMU=""
cleanup() {
	# A failure while QEMU runs (e.g. in vm_qmp) must not leave it behind.
	[ -z "$VM_QEMU" ] || kill "$VM_QEMU" 2>/dev/null || true
	[ $keep_work = 1 ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

overlay=$work/overlay
mkdir -p "$overlay/bin"
gcc -O2 -Wall -static -o "$overlay/bin/hog" "$here/hog.c" || vm_die "cannot build hog.c"
cp "$here/../capture-fixture.sh" "$overlay/capture-fixture.sh"

# The guest's helpers. The capture loop runs with oom_score_adj -1000 so that
# the OOM killer picks the hog, never the loop (PID 1 is exempt anyway).
cat > "$overlay/seq-lib.sh" <<EOF
NAME=$name
INTERVAL=$interval
MEM=$mem
EOF
cat >> "$overlay/seq-lib.sh" <<'EOF'
mkdir -p /seq

# Sets now to /proc/uptime in ms, without a fork.
uptime_now() {
	read -r up _ < /proc/uptime
	now=$(( ${up%.*} * 1000 + 1${up#*.} * 10 - 1000 ))
}

# seq_say TEXT: a console line, with the time since snapshot 0.
seq_say() {
	uptime_now
	t0=$(cat /seq.t0 2>/dev/null || echo "$now")
	echo "sequence: $* (at $((now - t0)) ms)"
}

capture_loop() {
	i=0
	while [ ! -e /seq.stop ]; do
		uptime_now
		at=$now
		if [ $i -eq 0 ]; then
			t0=$at
			echo "$t0" > /seq.t0
		fi
		n=$((10000 + i))
		sh /capture-fixture.sh "/seq/${n#1}" "sequence $NAME snapshot $i" 2>/dev/null
		echo "$i $((at - t0))" >> /seq/TIMES
		i=$((i + 1))
		# INTERVAL after this one started, or at once if it took longer.
		uptime_now
		w=$((at + INTERVAL - now))
		[ $w -gt 0 ] || continue
		ms=$((1000 + w % 1000))
		sleep "$((w / 1000)).${ms#1}"
	done
}

start_capture() {
	rm -f /seq.stop
	( echo -1000 > /proc/self/oom_score_adj; capture_loop ) &
	capture_pid=$!
	while [ ! -e /seq.t0 ]; do sleep 0.05; done
	echo "sequence: snapshot 0 at uptime $(cat /seq.t0) ms, every $INTERVAL ms"
}

stop_capture() {
	touch /seq.stop
	wait "$capture_pid"
	seq_say "capture stopped after $(wc -l < /seq/TIMES) snapshots"
}

snapshots() {
	wc -l < /seq/TIMES 2>/dev/null || echo 0
}

# settle SECS SNAPS: waits at least SECS seconds and until SNAPS more
# snapshots have been taken.
settle() {
	n=$(( $(snapshots) + $2 ))
	sleep "$1"
	while [ "$(snapshots)" -lt $n ]; do sleep 0.1; done
}

balloon_pages() {
	awk '$1 == "balloon_inflate" {i = $2} $1 == "balloon_deflate" {d = $2} END {print i - d}' /proc/vmstat
}

# balloon_to TARGET MIN_S: asks the host for balloon target TARGET MiB, waits
# until the balloon holds MEM - TARGET MiB (at most 60 s; it may stall short),
# then until MIN_S s after the request and 3 more snapshots.
balloon_to() {
	want=$(( (MEM - $1) * 256 ))
	uptime_now
	asked=$now
	before=$(balloon_pages)
	seq_say "balloon-target $1 MiB requested, balloon holds $(balloon_pages) pages"
	last=-1 still=0
	while :; do
		held=$(balloon_pages)
		[ "$held" -eq "$want" ] && break
		# Stalled: moved, then 5 s without change (it may not get it all).
		if [ "$held" -eq "$last" ] && [ "$held" -ne "$before" ]; then still=$((still + 1)); else still=0; fi
		[ $still -ge 25 ] && break
		uptime_now
		[ $((now - asked)) -ge 60000 ] && break
		last=$held
		sleep 0.2
	done
	seq_say "balloon holds $held of $want pages"
	uptime_now
	w=$((asked + $2 * 1000 - now))
	[ $w -gt 0 ] || w=0
	ms=$((1000 + w % 1000))
	settle "$((w / 1000)).${ms#1}" 3
}
EOF

{
	echo '#!/bin/sh'
	echo '. /lib/vm-init.sh'
	echo '. /seq-lib.sh'
	echo "$scenario"
	echo 'dmesg > /seq/dmesg.txt'
	echo 'vm_send_tar sequence /seq '"$port"
	echo 'vm_poweroff'
} > "$overlay/init"
chmod +x "$overlay/init"

vm_build_initramfs "$work/initrd.gz" "$overlay"
t1=$(date +%s)

# Like vm_boot_balloon (lib.sh), but the QMP socket stays in use while the
# guest runs: each "sequence: balloon-target N MiB" line on the console sets
# the balloon target to N MiB.
qemu=(qemu-system-x86_64
	-accel tcg -m "$mem" -smp "$smp" -nodefaults -display none -no-reboot -S
	-kernel "$VM_KERNEL" -initrd "$work/initrd.gz"
	-append "console=ttyS0 panic=-1"
	-serial "file:$work/console.log"
	-qmp "unix:$work/qmp.sock,server=on,wait=off"
	-device "virtio-balloon-pci,id=balloon0,deflate-on-oom=off"
	-device virtio-serial-pci
	-chardev "file,id=out,path=$work/out.tar"
	-device "virtserialport,chardev=out,name=$port")
vm_log "booting (timeout $limit s)"
timeout "$limit" "${qemu[@]}" &
VM_QEMU=$!
vm_wait_socket "$work/qmp.sock" "$VM_QEMU" 10
vm_qmp "$work/qmp.sock" \
	"{\"execute\":\"balloon\",\"arguments\":{\"value\":$((mem * 1024 * 1024))}}" \
	'{"execute":"cont"}'
done_reqs=0
while kill -0 "$VM_QEMU" 2>/dev/null; do
	mapfile -t reqs < <(sed -n 's/^sequence: balloon-target \([0-9]*\) MiB.*/\1/p' "$work/console.log" 2>/dev/null)
	while [ "$done_reqs" -lt ${#reqs[@]} ]; do
		vm_qmp "$work/qmp.sock" \
			"{\"execute\":\"balloon\",\"arguments\":{\"value\":$((reqs[done_reqs] * 1024 * 1024))}}"
		vm_log "balloon target set to ${reqs[done_reqs]} MiB"
		done_reqs=$((done_reqs + 1))
	done
	sleep 0.1
done
rc=0
wait "$VM_QEMU" || rc=$?
VM_QEMU=""
t2=$(date +%s)

fail() {
	echo "error: $*" >&2
	echo "--- last lines of the guest console ($work/console.log) ---" >&2
	tail -n 20 "$work/console.log" >&2 || true
	echo "(work dir kept: $work)" >&2
	exit 1
}
[ $rc -ne 124 ] || fail "the guest sent nothing within $limit s (qemu killed by timeout)"
[ $rc -eq 0 ] || fail "qemu exited with status $rc"
why=$(vm_receive_tar "$work" sequence "$work/seq") || fail "$why"
seq=$work/seq
[ -f "$seq/TIMES" ] && [ -f "$seq/0000/proc/meminfo" ] || fail "the tar holds no sequence"
count=$(wc -l < "$seq/TIMES")
[ -d "$seq/$(printf %04d $((count - 1)))" ] || fail "TIMES lists $count snapshots, the tar has fewer"

# One line per snapshot: what the replay tests will see changing.
table() {
	local d i ms
	printf '%5s %7s %8s %8s %8s %6s %6s %10s %4s %8s %8s %3s\n' index ms MemFree MemAvail \
		balloon some10 full10 full.total maxo ge.o3 migrated oom
	while read -r i ms; do
		d=$1/$(printf %04d "$i")
		awk -v i="$i" -v ms="$ms" '
			BEGIN {maxo = -1}
			FILENAME ~ /meminfo$/ && $1 == "MemFree:" {free = $2}
			FILENAME ~ /meminfo$/ && $1 == "MemAvailable:" {avail = $2}
			FILENAME ~ /vmstat$/ {v[$1] = $2}
			FILENAME ~ /memory$/ {
				for (f = 2; f <= NF; f++) {
					split($f, kv, "=")
					p[$1 "." kv[1]] = kv[2]
				}
			}
			FILENAME ~ /buddyinfo$/ {
				for (o = 0; o + 5 <= NF; o++) {
					if ($(o + 5) > 0 && o > maxo) maxo = o
					if (o >= 3) big += $(o + 5) * 2 ^ o * 4
				}
			}
			END {
				printf "%5d %7d %8.1f %8.1f %8.1f %6s %6s %10s %4d %8.1f %8d %3d\n", i, ms,
					free / 1024, avail / 1024, (v["balloon_inflate"] - v["balloon_deflate"]) * 4 / 1024,
					p["some.avg10"], p["full.avg10"], p["full.total"], maxo, big / 1024,
					v["pgmigrate_success"], v["oom_kill"]
			}' "$d/proc/meminfo" "$d/proc/vmstat" "$d/proc/pressure/memory" "$d/proc/buddyinfo"
	done < "$1/TIMES"
}

# The guest's "sequence:" lines and the hog's (of its progress lines only the
# last), with the ms since snapshot 0 and the last snapshot taken before; then
# where the table shows the balloon, the OOM kills and page migration change.
timeline() {
	local seq=$1 t0
	t0=$(sed -n 's/^sequence: snapshot 0 at uptime \([0-9]*\) ms.*/\1/p' "$work/console.log" | tr -d '\r')
	{
		{
			grep '^hog: ' "$seq/hog.log" | grep -v ': touched [0-9]* \(of\|chunks\)'
			grep '^hog: .*: touched [0-9]* \(of\|chunks\)' "$seq/hog.log" | tail -n 1
		} | awk -v t0="$t0" '{ms = $2; $1 = ""; $2 = ""; $3 = ""; sub(/^ */, ""); print ms - t0, "hog:", $0}'
		grep -a '^sequence: .*(at [0-9]* ms)' "$work/console.log" | tr -d '\r' |
			sed 's/^\(.*\) (at \([0-9]*\) ms)$/\2 \1/'
	} | sort -n -k1,1 -s | awk 'NR == FNR {t[$1] = $2; n = $1; next}
		{
			s = -1
			for (i = 0; i <= n; i++) if (t[i] <= $1) s = i
			ms = $1
			$1 = ""
			printf "  %6d ms, %-15s %s\n", ms, s < 0 ? "before 0000:" : sprintf("after %04d:", s), substr($0, 2)
		}' "$seq/TIMES" -
	awk 'NR > 2 && $5 != b {printf "  snapshot %04d: balloon %.1f -> %.1f MiB\n", $1, b, $5}
		NR > 2 && $12 != k {printf "  snapshot %04d: oom_kill %d -> %d\n", $1, k, $12}
		NR > 2 && $11 != m && !seen++ {printf "  snapshot %04d: first page migrations (compaction)\n", $1}
		NR > 1 {b = $5; k = $12; m = $11}' <<<"$2"
}

qemu_ver=$(qemu-system-x86_64 --version | awk 'NR==1 {print $4}')
oom=$(grep -E 'invoked oom-killer|Out of memory' "$seq/dmesg.txt" 2>/dev/null || true)
rows=$(table "$seq")
{
	echo "sequence: $name"
	echo "captured: $(date -u +%Y-%m-%dT%H:%M:%SZ) by tests/vm/capture-sequence.sh $name"
	echo "kernel: $(cat "$seq/0000/proc/sys/kernel/osrelease") ($(basename "$VM_KERNEL"), Debian linux-image-cloud-amd64)"
	echo "qemu: QEMU $qemu_ver, TCG, $smp vCPU(s), busybox initramfs; command line (paths shortened):"
	echo "  ${qemu[*]}" | sed "s|$work/||g; s|$(dirname "$VM_KERNEL")/||"
	echo "snapshots: $count, every $interval ms or, when a capture takes longer (it takes"
	echo "  0.3-1.5 s under TCG), as soon as the previous one is done; each is a tree of"
	echo "  tests/capture-fixture.sh, whose files are read one after the other over that"
	echo "  time. TIMES: INDEX MS, ms since snapshot 0 on the guest's /proc/uptime (10 ms"
	echo "  granularity), read just before each capture. hog.log: the hog's output; its"
	echo "  times are CLOCK_BOOTTIME (= uptime) ms. dmesg.txt: the guest's kernel log."
	echo
	echo "scenario:"
	echo "$about" | sed 's/^/  /'
	echo
	echo "timeline (ms since snapshot 0):"
	timeline "$seq" "$rows"
	echo
	if [ -n "$oom" ]; then
		echo "OOM killer (dmesg.txt):"
		echo "$oom" | sed 's/^/  /'
	else
		echo "OOM killer: did not run (dmesg.txt)"
	fi
	echo
	echo "snapshots (MiB; balloon: vmstat balloon_inflate - balloon_deflate; some10,"
	echo "full10: PSI memory avg10 in %, full.total in us; maxo: largest order with a"
	echo "free block in any zone; ge.o3: free MiB in blocks of order >= 3 (buddyinfo);"
	echo "migrated: vmstat pgmigrate_success; oom: vmstat oom_kill):"
	echo "$rows"
} > "$seq/SEQUENCE"

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$seq" "$dest"
keep_work=0
vm_log "$count snapshots in $dest ($(du -sh "$dest" | cut -f1); kernel fetch + initramfs $((t1 - t0)) s, boot + scenario + transfer $((t2 - t1)) s)"
