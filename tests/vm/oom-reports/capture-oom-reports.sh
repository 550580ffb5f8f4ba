#!/bin/bash
# Captures real kernel OOM reports, printed by the Debian 12 cloud kernel in a
# QEMU TCG guest (tests/vm/lib.sh), as fixtures for `oomguardctl explain`:
#
#   tests/vm/oom-reports/capture-oom-reports.sh [--force] [--timeout SECS] [SCENARIO...]
#
#   no-balloon   global-oom-no-balloon-K.log: 1024 MiB, balloon target 1024
#                MiB (nothing ballooned); hog -m 1536 -r 0 until the kernel
#                OOM-kills it
#   balloon-384  global-oom-balloon-384-K.log: the same with the balloon at
#                640 MiB (384 MiB held), deflate-on-oom off
#   balloon-doo  global-oom-balloon-doo-K.log: the same with deflate-on-oom on
#   memcg-v2     memcg-v2-oom-K.log: a cgroup v2 child with memory.max 100M,
#                a hog of 200 MiB in it: memory cgroup OOM
#   order9       page-alloc-failure-order9-K.log: hog -f fragments free
#                memory, then the module order9/ takes order-9 blocks with
#                GFP_KERNEL|__GFP_NORETRY until one fails ("page allocation
#                failure: order:9" and the Mem-Info dump)
#
# Default: all six, one boot each (1 vCPU, ~1-3 min each under TCG). K is
# the kernel's MAJOR.MINOR (6.1). Each .log is the guest's whole dmesg after
# the event, boot messages included. They go to tests/fixtures/oom-reports-tcg/,
# and SOURCES.md there gets one section per scenario (kernel, QEMU command
# line, scenario, what the guest saw, the report's key lines); a re-run
# replaces only the sections of the scenarios it ran. --force replaces
# existing .log files. --timeout: the limit for one boot (default 900 s).
#
# Like the other VM scripts it installs its packages with apt-get and caches
# the kernel in tests/vm/cache/. order9 also needs the kernel's headers: the
# linux-headers-RELEASE package of the same version and the two it depends on
# (linux-headers-ABI-common, linux-kbuild-MAJOR.MINOR), fetched with
# apt-get download and unpacked into tests/vm/oom-reports/cache/
# (git-ignored), plus make and the compiler the kernel was built with
# (gcc-12 for 6.1) on the host. OOMR_CACHE overrides that cache dir.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"

dest=$(cd "$here/../../fixtures" && pwd)/oom-reports-tcg
cache=${OOMR_CACHE:-$here/cache}
port=org.oomguard.oomreports
all=(no-balloon balloon-384 balloon-doo memcg-v2 order9 hugepages)
limit=900 force=0

usage() { sed -n '2,34s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--force) force=1; shift ;;
	--timeout) limit=$2; shift 2 ;;
	-h | --help) usage ;;
	-*) echo "unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=("${all[@]}")
for s in "${scenarios[@]}"; do
	case " ${all[*]} " in *" $s "*) ;; *) echo "unknown scenario $s" >&2; usage ;; esac
done

# vm_boot_balloon (lib.sh) starts `timeout LIMIT qemu-system-x86_64 ...` in
# the background. This stand-in records that command line for SOURCES.md
# (in $OOMR_QEMU_CMD) and then execs the real timeout, so that the pid
# vm_boot_balloon keeps in VM_QEMU is still timeout's. It does so only for
# QEMU run in a background job of the shell that set OOMR_SHELL (its
# BASHPID); anything else runs the real timeout as usual.
timeout() {
	if [ "${2:-}" = qemu-system-x86_64 ] && [ -n "${OOMR_SHELL:-}" ] && [ "$BASHPID" != "$OOMR_SHELL" ]; then
		printf '%s\n' "${@:2}" > "$OOMR_QEMU_CMD"
		exec timeout "$@"
	fi
	command timeout "$@"
}

# Per scenario: the fixture's name (K is filled in), the guest's memory,
# balloon target and deflate-on-oom, the line that must be in its dmesg, the
# guest's part of /init (busybox sh, after /oomr-lib.sh), and what
# SOURCES.md says about it.
scenario_set() {
	mem=1024 target=1024 doo=off
	case $1 in
	no-balloon)
		file=global-oom-no-balloon-K.log
		marker='invoked oom-killer'
		about="Global OOM, no balloon inflation: the balloon device is there but its target is
the whole 1024 MiB. /init runs \`hog -m 1536 -r 0\` (tests/vm/hog.c: one
anonymous MAP_NORESERVE mapping of 1536 MiB, touched page by page in 16 MiB
steps as fast as it goes); there is no swap, so the kernel OOM-kills it."
		guest='
balloon_facts before
run_hog -m 1536 -r 0
balloon_facts after'
		;;
	balloon-384)
		target=640
		file=global-oom-balloon-384-K.log
		marker='invoked oom-killer'
		about="Global OOM with the balloon holding 384 MiB: target 640 MiB set over QMP before
the guest runs, deflate-on-oom off. Once the balloon holds it (vm_wait_balloon),
/init runs \`hog -m 1536 -r 0\` until the kernel OOM-kills it."
		guest='
vm_wait_balloon oomr
balloon_facts before
run_hog -m 1536 -r 0
balloon_facts after'
		;;
	balloon-doo)
		target=640 doo=on
		file=global-oom-balloon-doo-K.log
		marker='invoked oom-killer'
		about="As balloon-384 (target 640 MiB, 384 MiB held) but with deflate-on-oom on
(\`-device virtio-balloon-pci,...,deflate-on-oom=on\`). The driver then has an
OOM notifier (virtio_balloon_oom_notify) that gives back up to 256 pages (1
MiB, a constant in 6.1) each time out_of_memory() runs; as long as it frees something, that
out_of_memory() call neither kills nor prints a report. With deflate-on-oom
the driver also leaves the ballooned pages in MemTotal and in the zones'
managed counts (it calls adjust_managed_page_count only without the
feature), so they count as used memory, not as removed. The hog asks for
1536 MiB, more than the guest's 1024 MiB even with the balloon empty, so a
report comes once the balloon has nothing more to give."
		guest='
vm_wait_balloon oomr
balloon_facts before
run_hog -m 1536 -r 0
balloon_facts after
d=$(vmstat_of balloon_deflate)
fact "deflate-on-oom gave back $d pages: at 256 pages per out_of_memory() call, $((d / 256)) calls that neither killed nor printed a report"'
		;;
	memcg-v2)
		file=memcg-v2-oom-K.log
		marker='Memory cgroup out of memory'
		about="Memory cgroup (v2) OOM, no balloon inflation. /init mounts cgroup2 on
/sys/fs/cgroup, enables +memory in the root's cgroup.subtree_control, makes
the child /sys/fs/cgroup/hog with memory.max 100M (and memory.swap.max 0 when
the file is there), and runs a shell that writes its own pid to that
cgroup.procs and execs \`hog -m 200 -r 0\`: the hog is OOM-killed at the
cgroup's limit while the guest has plenty free."
		guest='
mount -t cgroup2 none /sys/fs/cgroup
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
cg=/sys/fs/cgroup/hog
mkdir "$cg"
echo 100M > "$cg/memory.max"
[ ! -e "$cg/memory.swap.max" ] || echo 0 > "$cg/memory.swap.max"
fact "cgroup $cg: memory.max $(cat "$cg/memory.max"), memory.swap.max $(cat "$cg/memory.swap.max" 2>/dev/null || echo absent)"
CG=$cg run_hog -m 200 -r 0
fact "memory.events: $(tr "\n" " " < "$cg/memory.events" | sed "s/ $//")"
fact "memory.peak: $(cat "$cg/memory.peak" 2>/dev/null || echo absent), memory.current: $(cat "$cg/memory.current")"'
		;;
	hugepages)
		file=global-oom-hugepages-400-K.log
		marker='invoked oom-killer'
		about="Global OOM with a hugetlb pool: /init reserves 200 huge pages of 2 MiB (400 MiB
of the 1024 MiB guest) through /proc/sys/vm/nr_hugepages, no balloon
inflation, then runs \`hog -m 1536 -r 0\`. The pool's pages are taken out of
the page allocator and only hugetlbfs can use them, so ordinary memory runs
out 400 MiB early; the pool shows in the report's hugepages_total line."
		guest='
echo 200 > /proc/sys/vm/nr_hugepages
fact "nr_hugepages: $(cat /proc/sys/vm/nr_hugepages), $(grep HugePages_Total /proc/meminfo | tr -s " ")"
run_hog -m 1536 -r 0'
		;;
	order9)
		file=page-alloc-failure-order9-K.log
		marker='page allocation failure: order:9'
		about="High-order page allocation failure, no balloon inflation. /init starts \`hog -f
-c 8 -F 64 -m 1024 -r 0 -s 100000\` in the background (8 KiB chunks, THP off,
until MemFree is down to 64 MiB; every other chunk unmapped, so ~half the
memory comes back as 8 KiB holes; what was still free then is touched as
THP-eligible memory, taking the large free blocks as huge pages) and, once
the hog holds that, loads order9.ko (tests/vm/oom-reports/order9/, built
against the kernel's own headers package): its init takes
alloc_pages(GFP_KERNEL | __GFP_NORETRY, 9) blocks, keeping them, until one
fails, then frees them all. No __GFP_NOWARN, so the failure prints the
\"page allocation failure: order:9\" warning with its Mem-Info dump; with
__GFP_NORETRY the allocator gives up after one round of reclaim and
compaction and never calls the OOM killer. The unsigned out-of-tree module
taints the kernel (O, E), which the report's CPU line shows."
		guest='
fact "buddyinfo at boot:"
facts_of /proc/buddyinfo
hog -f -c 8 -F 64 -m 1024 -r 0 -s 100000 > /out/hog.log 2>&1 &
hog=$!
until grep -q "THP-eligible" /out/hog.log; do
	kill -0 $hog 2>/dev/null || break
	sleep 0.5
done
grep -v "touched [0-9]* chunks" /out/hog.log | while read -r l; do fact "$l"; done
fact "buddyinfo before insmod:"
facts_of /proc/buddyinfo
rc=0
insmod /order9.ko || rc=$?
fact "insmod order9.ko: status $rc; $(dmesg | grep "order9: order-9 allocation failed" | sed "s/^\[[^]]*\] //")"
fact "buddyinfo after insmod:"
facts_of /proc/buddyinfo
fact "vmstat: $(awk "/^(compact_stall|compact_fail|compact_success|pgmigrate_success|allocstall_normal|allocstall_dma32|oom_kill) / {printf \"%s%s %s\", s, \$1, \$2; s = \", \"}" /proc/vmstat)"
kill $hog
wait $hog || true'
		;;
	esac
}

# The guest's helpers, /oomr-lib.sh.
guest_lib() {
	cat <<'EOF'
mkdir -p /out
# fact TEXT: a line on the console and in /out/facts (for SOURCES.md).
fact() {
	echo "oomr: $*"
	echo "$*" >> /out/facts
}
facts_of() {
	while read -r l; do fact "  $l"; done < "$1"
}
vmstat_of() {
	awk -v k="$1" '$1 == k {print $2}' /proc/vmstat
}
balloon_facts() {
	fact "$1 the hog: balloon holds $(( $(vmstat_of balloon_inflate) - $(vmstat_of balloon_deflate) )) pages (balloon_inflate $(vmstat_of balloon_inflate), balloon_deflate $(vmstat_of balloon_deflate)), MemTotal $(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo) kB, MemFree $(awk '$1 == "MemFree:" {print $2}' /proc/meminfo) kB, oom_kill $(vmstat_of oom_kill)"
}
# run_hog ARGS: runs hog ARGS in the foreground (in cgroup $CG if set) and
# tells how it ended.
run_hog() {
	read -r up0 _ < /proc/uptime
	rc=0
	if [ -n "${CG:-}" ]; then
		sh -c 'echo $$ > "$0/cgroup.procs" && exec hog "$@"' "$CG" "$@" > /out/hog.log 2>&1 || rc=$?
	else
		hog "$@" > /out/hog.log 2>&1 || rc=$?
	fi
	read -r up1 _ < /proc/uptime
	fact "hog $*: exit status $rc after $(awk -v a="$up0" -v b="$up1" 'BEGIN {printf "%.1f", b - a}') s; its last line: $(grep "^hog:" /out/hog.log | tail -n 1)"
	fact "reports in dmesg: $(dmesg | grep -c "invoked oom-killer") 'invoked oom-killer', $(dmesg | grep -c "Out of memory") 'Out of memory', $(dmesg | grep -c "Memory cgroup out of memory") 'Memory cgroup out of memory'; oom_kill $(vmstat_of oom_kill)"
}
EOF
}

t_start=$(date +%s)
vm_need_packages
command -v gcc > /dev/null || vm_die "gcc is needed to build tests/vm/hog.c"
vm_fetch_kernel
release=$(basename "$VM_KERNEL")
release=${release#vmlinuz-}
kmm=$(echo "$release" | cut -d. -f1-2)
# The package version, from the unpacked .deb's name (PKG_VERSION_amd64).
kdeb=$(basename "${VM_MODDIR%/lib/modules/*}")
kpkg=${kdeb%%_*} kver=$(echo "$kdeb" | cut -s -d_ -f2)
[ -n "$kver" ] || vm_die "cannot tell the kernel package's version from $VM_MODDIR"
mkdir -p "$dest"
for s in "${scenarios[@]}"; do
	scenario_set "$s"
	f=$dest/${file/K/$kmm}
	[ ! -e "$f" ] || [ $force = 1 ] || vm_die "$f exists (use --force to replace it)"
done

# oomr_headers: fetches and unpacks linux-headers-$release (version $kver)
# and the packages it depends on that hold the build system into $cache, once;
# sets hdr to the directory for make -C.
oomr_headers() {
	local tree=$cache/headers-${release}_$kver pkgs p deb
	hdr=$tree/usr/src/linux-headers-$release
	[ -e "$tree/.unpacked" ] && return 0
	# linux-headers-6.1.0-56-cloud-amd64 depends on -common and
	# linux-kbuild-6.1 (the same source package, so the same version), and
	# on linux-compiler-gcc-12-x86, which is just gcc-12.
	pkgs=$(apt-cache show "linux-headers-$release=$kver" 2>/dev/null |
		sed -n 's/^Depends: //p' | head -n 1 | tr ',' '\n' |
		sed -n 's/^ *\(linux-headers-[^ ]*-common\|linux-kbuild-[^ ]*\)\( .*\)\{0,1\}$/\1/p')
	[ "$(echo "$pkgs" | wc -w)" = 2 ] || vm_die "apt-cache show linux-headers-$release=$kver: no -common and linux-kbuild dependencies (apt-get update?)"
	pkgs="linux-headers-$release $pkgs"
	mkdir -p "$cache/debs"
	for p in $pkgs; do
		deb=$(ls "$cache/debs/${p}_${kver}_"*.deb 2>/dev/null | head -n 1 || true)
		[ -n "$deb" ] && continue
		vm_log "downloading $p=$kver"
		(cd "$cache/debs" && apt-get download -q -o APT::Sandbox::User=root "$p=$kver" >&2) ||
			vm_die "apt-get download $p=$kver failed"
	done
	rm -rf "$tree"
	for p in $pkgs; do
		dpkg-deb -x "$(ls "$cache/debs/${p}_${kver}_"*.deb | head -n 1)" "$tree"
	done
	# Its Makefile includes /usr/src/linux-headers-ABI-common/Makefile by
	# absolute path: point it at the unpacked copy. (The scripts and tools
	# symlinks are relative.)
	sed -i "s|^include /usr/src/|include $tree/usr/src/|" "$hdr/Makefile"
	[ -f "$hdr/Module.symvers" ] && [ -x "$hdr/scripts/mod/modpost" ] || vm_die "unpacked headers in $tree look incomplete"
	touch "$tree/.unpacked"
}

# Builds order9.ko into $1 (a copy of order9/, so the tree stays clean).
oomr_build_module() {
	local cc
	oomr_headers
	# .kernelvariables names the compiler the kernel was built with.
	cc=$(sed -n 's/^CC = .*(CROSS_COMPILE)\([^ ]*\).*/\1/p' "$hdr/.kernelvariables" | head -n 1)
	command -v make > /dev/null || vm_die "make is needed to build order9.ko (apt-get install make)"
	[ -z "$cc" ] || command -v "$cc" > /dev/null || vm_die "$cc is needed to build order9.ko for $release (apt-get install $cc)"
	mkdir -p "$1"
	cp "$here/order9/order9.c" "$here/order9/Kbuild" "$1/"
	make -s -C "$hdr" M="$1" modules >&2 || vm_die "building order9.ko failed"
	strings "$1/order9.ko" | grep "^vermagic=$release " > /dev/null || vm_die "order9.ko's vermagic is not $release"
}

# The report's key lines, for SOURCES.md.
report_lines() {
	local log=$1
	grep -E 'invoked oom-killer|page allocation failure|^\[ *[0-9.]+\] CPU: |Hardware name|oom-kill:constraint|Out of memory|Memory cgroup out of memory|Killed process|memory: usage|^\[ *[0-9.]+\] Node 0 (DMA|DMA32|Normal) free:|^\[ *[0-9.]+\] Node 0 (DMA|DMA32|Normal): |pages RAM|pages reserved|order9:' "$log" |
		sed 's/^\[ *[0-9.]*\] //' | cut -c1-300
}

# The functions of the call trace of the first report (the first line that
# says "invoked oom-killer" or "page allocation failure"), innermost first.
trace_of() {
	awk '/invoked oom-killer|page allocation failure/ {on = 1} on && /Call Trace:/ {t = 1; next}
		t && /<\/TASK>/ {exit}
		t {
			sub(/^\[ *[0-9.]+\] */, "")
			if ($0 !~ /^(\? )?[A-Za-z_][A-Za-z0-9_.]*\+0x/) next
			sub(/\+0x.*/, "")
			printf "%s%s", sep, $0
			sep = " < "
		}' "$1"
}

# SOURCES.md: a header and one section per scenario, between <!-- begin S -->
# and <!-- end S --> lines; sections of scenarios not run now are kept.
write_sources() {
	local out=$dest/SOURCES.md new s
	new=$(mktemp)
	cat > "$new" <<EOF
# Kernel OOM reports captured under QEMU TCG

Each \`.log\` here is the whole \`dmesg\` of a QEMU TCG guest after a memory event,
boot messages included (the explain parser must find the report among them),
as busybox \`dmesg\` printed it in the guest. They were made by
\`tests/vm/oom-reports/capture-oom-reports.sh\`, which boots the Debian 12
cloud kernel (tests/vm/lib.sh: \`vm_fetch_kernel\`, \`vm_boot_balloon\`) with a
busybox initramfs and gets the log out through a virtio-serial port. The
guests have no swap and one vCPU. A re-run of the script rewrites the
sections of the scenarios it runs.

EOF
	for s in "${all[@]}"; do
		if [ -f "$work_all/section-$s" ]; then
			cat "$work_all/section-$s"
		elif [ -f "$out" ]; then
			awk -v b="<!-- begin $s -->" -v e="<!-- end $s -->" '$0 == b {p = 1} p {print} $0 == e {p = 0; print ""}' "$out"
		fi
	done >> "$new"
	sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$new"
	chmod 644 "$new"
	mv "$new" "$out"
}

# run_scenario S: one boot; on success writes the fixture and
# $work_all/section-S. Runs in a subshell: vm_die ends only this scenario.
run_scenario() {
	# Not local: the EXIT trap needs work and keep_work after the function.
	local s=$1 rc=0 t0 t1 t2 qemu_ver cmdline balloon_frames
	scenario_set "$s"
	f=${file/K/$kmm}
	work=$(mktemp -d /tmp/oomguard-oomr.XXXXXX)
	keep_work=1 VM_QEMU=""
	cleanup() {
		# $VM_QEMU is the timeout process, which passes the TERM on to QEMU.
		[ -z "$VM_QEMU" ] || kill "$VM_QEMU" 2>/dev/null || true
		[ $keep_work = 1 ] && echo "(work dir kept: $work)" >&2 || rm -rf "$work"
	}
	trap cleanup EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	t0=$(date +%s)

	local overlay=$work/overlay
	mkdir -p "$overlay/bin"
	gcc -O2 -Wall -static -o "$overlay/bin/hog" "$here/../hog.c" || vm_die "cannot build hog.c"
	if [ "$s" = order9 ]; then
		oomr_build_module "$work/order9"
		cp "$work/order9/order9.ko" "$overlay/order9.ko"
	fi
	guest_lib > "$overlay/oomr-lib.sh"
	{
		echo '#!/bin/sh'
		echo '. /lib/vm-init.sh'
		echo '. /oomr-lib.sh'
		echo 'fact "kernel: $(uname -r) $(uname -v)"'
		echo "echo 'oomr: scenario $s starts'"
		echo "$guest"
		echo "dmesg > /out/$f"
		echo "vm_send_tar oomr /out $port"
		echo 'vm_poweroff'
	} > "$overlay/init"
	chmod +x "$overlay/init"
	vm_build_initramfs "$work/initrd.gz" "$overlay"
	t1=$(date +%s)

	vm_log "$s: mem $mem MiB, balloon target $target MiB, deflate-on-oom $doo"
	OOMR_QEMU_CMD=$work/qemu-cmd OOMR_SHELL=$BASHPID
	vm_boot_balloon "$work" "$mem" "$target" "$doo" "$port" "$limit" || rc=$?
	t2=$(date +%s)

	fail() {
		echo "error: $s: $*" >&2
		echo "--- last lines of the guest console ($work/console.log) ---" >&2
		tail -n 20 "$work/console.log" >&2 || true
		exit 1
	}
	[ $rc -ne 124 ] || fail "the guest sent nothing within $limit s (qemu killed by timeout)"
	[ $rc -eq 0 ] || fail "qemu exited with status $rc"
	local why
	why=$(vm_receive_tar "$work" oomr "$work/got") || fail "$why"
	[ -s "$work/got/$f" ] || fail "the tar holds no $f"
	grep -q "$marker" "$work/got/$f" || fail "no '$marker' in the guest's dmesg (see $work/got/$f)"
	grep -q "Linux version $release" "$work/got/$f" || fail "$f does not start at boot (the ring buffer wrapped?)"

	qemu_ver=$(qemu-system-x86_64 --version | awk 'NR==1 {print $4}')
	cmdline=$(tr '\n' ' ' < "$work/qemu-cmd" | sed "s|$work/||g; s|$(dirname "$VM_KERNEL")/||; s/ $//")
	{
		echo "<!-- begin $s -->"
		echo "## $f"
		echo
		echo "- captured: $(date -u +%Y-%m-%dT%H:%M:%SZ) by \`tests/vm/oom-reports/capture-oom-reports.sh $s\` (boot + scenario + transfer $((t2 - t1)) s)"
		echo "- kernel: $(sed -n 's/^kernel: //p' "$work/got/facts") (Debian $kpkg $kver)"
		echo "- QEMU: $qemu_ver, TCG, $mem MiB, 1 vCPU, no swap; balloon target $target MiB ($((mem - target)) MiB ballooned), deflate-on-oom=$doo. Command line (paths shortened):"
		echo
		echo "      $cmdline"
		echo
		echo "- scenario: $about" | sed '2,$s/^/  /'
		echo "- what the guest saw:"
		echo
		grep -v '^kernel: ' "$work/got/facts" | sed 's/^/      /'
		echo
		echo "- the log: $(wc -l < "$work/got/$f") lines, $(grep -c "$marker" "$work/got/$f") × '$marker'; the report's key lines:"
		echo
		report_lines "$work/got/$f" | sed 's/^/      /'
		echo
		echo "- call trace of the first report (innermost first): $(trace_of "$work/got/$f")"
		balloon_frames=$(awk '/Call Trace:/ {t = 1} /<\/TASK>/ {t = 0} t && /balloon/' "$work/got/$f" |
			sed 's/^\[ *[0-9.]*\] *//; s/+0x.*//' | sort -u | tr '\n' ' ' | sed 's/ $//')
		echo "- functions with \"balloon\" in their name in any call trace of the log: ${balloon_frames:-none}"
		echo "<!-- end $s -->"
		echo
	} > "$work_all/section-$s"

	cp "$work/got/$f" "$dest/$f"
	keep_work=0
	vm_log "$s: $dest/$f ($(grep -c "$marker" "$dest/$f") × '$marker'; build $((t1 - t0)) s, boot + scenario $((t2 - t1)) s)"
}

work_all=$(mktemp -d /tmp/oomguard-oomr-all.XXXXXX)
trap 'rm -rf "$work_all"' EXIT
failed=()
for s in "${scenarios[@]}"; do
	(run_scenario "$s") || failed+=("$s")
done
# Two runs of the script (different scenarios) may end at the same time.
exec 9> /tmp/oomguard-oomr-sources.lock
flock 9
write_sources
vm_log "done in $(($(date +%s) - t_start)) s; $dest/SOURCES.md updated"
[ ${#failed[@]} -eq 0 ] || vm_die "failed: ${failed[*]}"
