#!/bin/bash
# End-to-end test: runs the real oomguardctl inside a Debian 12 cloud kernel
# booted under QEMU TCG whose virtio balloon is inflated, and checks its
# report on the host:
#
#   tests/vm/zones-in-guest.sh BUILD_DIR      (BUILD_DIR/ctl/oomguardctl)
#
# The guest (1024 MiB, balloon target 640 MiB, deflate-on-oom off) waits
# until the balloon holds 384 MiB, runs `oomguardctl zones`, `zones --json`
# and `zones --order 9`, and streams their output and exit codes as a tar
# through a virtio-serial port that QEMU backs with a file on the host. It
# also records the zones' lowmem reserves before and after: running
# oomguardctl must leave them as they were.
# The last line on stdout ends with "1 passed, 0 failed" or "0 passed, 1 failed".
#
# Like capture-balloon-fixture.sh it installs its packages with apt-get and
# downloads the kernel .deb once into tests/vm/cache/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
VM_TEST="zones-in-guest"

mem=1024 target=640 limit=300
# What the guest must report: the ballooned (mem - target) MiB, in kB and as
# the text report prints it (MiB with one decimal).
balloon_kb=$(( (mem - target) * 1024 ))     # 393216
balloon_text="balloon: holds $((mem - target)).0 MiB "

vm_cleanup_on_exit

[ $# -eq 1 ] || { sed -n '2,15s/^# \{0,1\}//p' "$0" >&2; exit 2; }
bin=$(cd "$1" 2>/dev/null && pwd)/ctl/oomguardctl || vm_die "no directory $1"
[ -x "$bin" ] || vm_die "no executable ctl/oomguardctl in $1 (build it first: meson setup build && ninja -C build)"

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

vm_wait_balloon zones

# NAME.out, NAME.err and NAME.rc for each run; the host checks them all.
mkdir /result
run() {
	name=$1
	shift
	oomguardctl "$@" > "/result/$name.out" 2> "/result/$name.err"
	echo $? > "/result/$name.rc"
}
grep protection: /proc/zoneinfo > /result/protection.before
run text zones
run json zones --json
run order9 zones --order 9
# oomguard must not change what it observes. The control shows that the
# check can tell: a read of lowmem_reserve_ratio makes the kernel recompute
# the reserves from the ballooned managed pages.
grep protection: /proc/zoneinfo > /result/protection.after
cat /proc/sys/vm/lowmem_reserve_ratio > /dev/null
grep protection: /proc/zoneinfo > /result/protection.ratio-read
uname -r > /result/uname
echo "$held" > /result/balloon_pages

vm_send_tar zones /result org.oomguard.zones
vm_poweroff
EOF
chmod +x "$overlay/init"

vm_build_initramfs "$work/initrd.gz" "$overlay"
t2=$(date +%s)

rc=0
vm_boot_balloon "$work" "$mem" "$target" off org.oomguard.zones "$limit" || rc=$?
t3=$(date +%s)


VM_LOGS=("$work/console.log" "$work/result/text.out")
vm_check_qemu $rc "$limit"
why=$(vm_receive_tar "$work" zones "$work/result") || vm_fatal "$why"
r=$work/result

for name in text json order9; do
	code=$(cat "$r/$name.rc" 2>/dev/null || echo missing)
	if [ "$code" != 0 ]; then
		vm_fail "oomguardctl run '$name' exited with status $code; its stderr:"
		sed 's/^/    /' "$r/$name.err" >&2 || true
	fi
done

grep -q "^$balloon_text" "$r/text.out" ||
	vm_fail "text output has no line starting '$balloon_text'; its balloon line: $(grep '^balloon:' "$r/text.out" || echo none)"
cmp -s "$r/protection.before" "$r/protection.after" ||
	vm_fail "running oomguardctl changed the zones' lowmem reserves: $(diff "$r/protection.before" "$r/protection.after" | tr '\n' ' ')"
cmp -s "$r/protection.after" "$r/protection.ratio-read" &&
	vm_fail "control: reading lowmem_reserve_ratio did not recompute the reserves, so the check above proves nothing"
grep -q '^node 0 order-9 kernel request' "$r/order9.out" ||
	vm_fail "zones --order 9 reports no order-9 kernel request"

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
	while read -r line; do vm_fail "$line"; done <<<"$json_out"
fi

times="kernel fetch $((t1 - t0)) s, initramfs $((t2 - t1)) s, boot+run $((t3 - t2)) s"
vm_report "$json_out" "$times"
