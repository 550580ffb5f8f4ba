#!/bin/bash
# End-to-end test: runs the real oomguardctl inside a Debian 12 cloud kernel
# booted under QEMU TCG whose virtio balloon is inflated, and checks its
# report on the host:
#
#   tests/vm/zones-in-guest.sh BUILD_DIR      (BUILD_DIR/guard/oomguardctl)
#
# The guest (1024 MiB, balloon target 640 MiB, deflate-on-oom off) waits
# until the balloon holds 384 MiB, runs `oomguardctl zones`, `zones --json`
# and `zones --order 9`, and streams their output and exit codes as a tar
# through a virtio-serial port that QEMU backs with a file on the host.
# The last line on stdout ends with "1 passed, 0 failed" or "0 passed, 1 failed".
#
# Like capture-balloon-fixture.sh it installs its packages with apt-get and
# downloads the kernel .deb once into tests/vm/cache/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

mem=1024 target=640 limit=300
# What the guest must report: the ballooned (mem - target) MiB, in kB and as
# the text report prints it (MiB with one decimal).
balloon_kb=$(( (mem - target) * 1024 ))     # 393216
balloon_text="balloon: holds $((mem - target)).0 MiB "
balloon_pages=$(( (mem - target) * 256 ))   # 4 KiB pages, for the guest's wait

work="" qemu="" result=""
cleanup() {
	local rc=$?
	# A failure while QEMU runs (e.g. in vm_qmp) must not leave it behind.
	# $qemu is the `timeout` process, which passes the TERM on to QEMU.
	[ -z "$qemu" ] || kill "$qemu" 2>/dev/null || true
	[ -z "$work" ] || rm -rf "$work"
	# Any early exit (vm_die in lib.sh, set -e) still ends with the line CI reads.
	[ -n "$result" ] || [ $rc -eq 0 ] || echo "zones-in-guest: FAIL (setup, exit $rc): 0 passed, 1 failed"
}
trap cleanup EXIT
# Without these, bash dies on TERM/INT without running the EXIT trap.
trap 'exit 143' TERM
trap 'exit 130' INT

[ $# -eq 1 ] || { sed -n '2,15s/^# \{0,1\}//p' "$0" >&2; exit 2; }
bin=$(cd "$1" 2>/dev/null && pwd)/guard/oomguardctl || vm_die "no directory $1"
[ -x "$bin" ] || vm_die "no executable guard/oomguardctl in $1 (build it first: meson setup build && ninja -C build)"

vm_need_packages

t0=$(date +%s)
vm_fetch_kernel
t1=$(date +%s)

work=$(mktemp -d /tmp/oomguard-zones-vm.XXXXXX)
overlay=$work/overlay
mkdir -p "$overlay/bin"
cp "$bin" "$overlay/bin/oomguardctl"

# The binary stays dynamically linked: give the guest the libraries ldd names,
# at the same absolute paths, and the dynamic loader at its PT_INTERP path
# (/lib64/ld-linux-x86-64.so.2, a symlink on the host: -L copies the file).
# linux-vdso.so.1 has no path and comes from the kernel.
libs=$(ldd "$bin") || vm_die "ldd $bin failed (a static binary would need no libraries; this script expects a dynamic one)"
if grep -q 'not found' <<<"$libs"; then
	vm_die "ldd cannot resolve every library of $bin: $libs"
fi
while read -r lib; do
	mkdir -p "$overlay$(dirname "$lib")"
	cp -L "$lib" "$overlay$lib"
done < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$libs")

cat > "$overlay/init" <<'EOF'
#!/bin/sh
. /lib/vm-init.sh

# Wait until the balloon holds what the host asked for, or has stopped growing
# for 5 s once it started, or 5 min (as capture-balloon-fixture.sh does).
want=$(vm_cmdline oomguard.balloon_pages || echo 0)
held=0 last=-1 still=0 ticks=0
while :; do
	held=$(awk '$1 == "balloon_inflate" {i = $2} $1 == "balloon_deflate" {d = $2}
		END {print i - d}' /proc/vmstat)
	[ "$held" -ge "$want" ] && break
	if [ "$held" -gt 0 ] && [ "$held" -eq "$last" ]; then still=$((still + 1)); else still=0; fi
	[ $still -ge 10 ] || [ $ticks -ge 600 ] && break
	last=$held ticks=$((ticks + 1))
	sleep 0.5
done
echo "zones: balloon holds $held of $want pages after $((ticks / 2)) s"

# NAME.out, NAME.err and NAME.rc for each run; the host checks them all.
mkdir /result
run() {
	name=$1
	shift
	oomguardctl "$@" > "/result/$name.out" 2> "/result/$name.err"
	echo $? > "/result/$name.rc"
}
run text zones
run json zones --json
run order9 zones --order 9
uname -r > /result/uname
echo "$held" > /result/balloon_pages

tar -cf /result.tar -C /result .
port=$(vm_port org.oomguard.zones) || vm_poweroff
cat /result.tar > "$port"
echo "zones: sent $(wc -c < /result.tar) bytes to $port"
vm_poweroff
EOF
chmod +x "$overlay/init"

vm_build_initramfs "$work/initrd.gz" "$overlay"
t2=$(date +%s)

# -S: the balloon target goes in over QMP before the guest runs, so the driver
# sees it at probe and inflates right away. panic=-1 with -no-reboot turns a
# guest panic (e.g. /init failing) into a QEMU exit instead of a hang.
vm_log "booting (timeout $limit s)"
timeout "$limit" qemu-system-x86_64 \
	-accel tcg -m "$mem" -smp 1 -nodefaults -display none -no-reboot -S \
	-kernel "$VM_KERNEL" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 oomguard.balloon_pages=$balloon_pages" \
	-serial "file:$work/console.log" \
	-qmp "unix:$work/qmp.sock,server=on,wait=off" \
	-device virtio-balloon-pci,id=balloon0,deflate-on-oom=off \
	-device virtio-serial-pci \
	-chardev "file,id=out,path=$work/out.tar" \
	-device virtserialport,chardev=out,name=org.oomguard.zones &
qemu=$!
vm_wait_socket "$work/qmp.sock" $qemu 10
vm_qmp "$work/qmp.sock" \
	"{\"execute\":\"balloon\",\"arguments\":{\"value\":$((target * 1024 * 1024))}}" \
	'{"execute":"cont"}'
rc=0
wait $qemu || rc=$?
qemu=""
t3=$(date +%s)

# fail MSG...: one line per failed check; the summary follows at the end.
failures=()
fail() {
	failures+=("$*")
	echo "FAIL: $*" >&2
}
# A failure before the results are in: nothing more to check.
fatal() {
	fail "$@"
	echo "--- last lines of the guest console ---" >&2
	tail -n 20 "$work/console.log" >&2 || true
	result=fail
	echo "zones-in-guest: FAIL ($*): 0 passed, 1 failed"
	exit 1
}

[ $rc -ne 124 ] || fatal "guest sent no result within $limit s (qemu killed by timeout)"
[ $rc -eq 0 ] || fatal "qemu exited with status $rc"
sent=$(sed -n 's/^zones: sent \([0-9]*\) bytes.*/\1/p' "$work/console.log" | tr -d '\r')
[ -n "$sent" ] || fatal "the guest did not report sending its results"
got=$(stat -c %s "$work/out.tar" 2>/dev/null || echo 0)
[ "$got" = "$sent" ] || fatal "guest sent $sent bytes, host got $got"
mkdir "$work/result"
tar -xf "$work/out.tar" -C "$work/result" --no-same-owner || fatal "cannot unpack the guest's tar"
grep '^zones:' "$work/console.log" | tr -d '\r' >&2
r=$work/result

for name in text json order9; do
	code=$(cat "$r/$name.rc" 2>/dev/null || echo missing)
	if [ "$code" != 0 ]; then
		fail "oomguardctl run '$name' exited with status $code; its stderr:"
		sed 's/^/    /' "$r/$name.err" >&2 || true
	fi
done

grep -q "^$balloon_text" "$r/text.out" ||
	fail "text output has no line starting '$balloon_text'; its balloon line: $(grep '^balloon:' "$r/text.out" || echo none)"
grep -q '^node 0 order-9 kernel request' "$r/order9.out" ||
	fail "zones --order 9 reports no order-9 kernel request"

# The JSON checks: one line per failed assertion on stderr and a non-zero
# exit, or a one-line summary on stdout.
json_rc=0
json_out=$(python3 - "$r/json.out" "$balloon_kb" 2>&1 <<'PY'
import json, sys

path, want_kb = sys.argv[1], int(sys.argv[2])
try:
    with open(path) as f:
        j = json.load(f)
except (OSError, ValueError) as e:
    sys.exit("zones --json output does not parse: %s" % e)

bad = []
b = j.get("balloon", {})
if b.get("size_kb") != want_kb:
    bad.append("balloon.size_kb is %r, want %d" % (b.get("size_kb"), want_kb))
if b.get("deflate_on_oom") is not False:
    bad.append("balloon.deflate_on_oom is %r, want false" % b.get("deflate_on_oom"))
if not str(j.get("kernel", "")).startswith("6.1."):
    bad.append("kernel is %r, want 6.1.*" % j.get("kernel"))
# With deflate-on-oom off the driver takes ballooned pages out of managed,
# and in a 1 GiB guest they all come from DMA32 (there is no Normal zone).
z = next((z for z in j.get("zones", []) if z.get("zone") == "DMA32"), None)
if z is None:
    bad.append("no DMA32 zone in zones[]")
elif z["present_kb"] - z["managed_kb"] < want_kb:
    bad.append("DMA32 managed_kb %d is only %d kB below present_kb %d, want >= %d"
               % (z["managed_kb"], z["present_kb"] - z["managed_kb"], z["present_kb"], want_kb))
if bad:
    sys.exit("\n".join(bad))
print("kernel %s, balloon %d kB, DMA32 managed %d of %d kB present"
      % (j["kernel"], b["size_kb"], z["managed_kb"], z["present_kb"]))
PY
) || json_rc=$?
if [ $json_rc -ne 0 ]; then
	while read -r line; do fail "$line"; done <<<"$json_out"
fi

times="kernel fetch $((t1 - t0)) s, initramfs $((t2 - t1)) s, boot+run $((t3 - t2)) s"
result=reported
if [ ${#failures[@]} -ne 0 ]; then
	echo "--- guest text output ---" >&2
	cat "$r/text.out" >&2 || true
	echo "zones-in-guest: FAIL (${#failures[@]} check(s) failed; $times): 0 passed, 1 failed"
	exit 1
fi
echo "zones-in-guest: PASS ($json_out; $times): 1 passed, 0 failed"
