#!/bin/bash
# Smoke test of the Debian 12 guest infrastructure (debian-lib.sh): boots a
# debootstrapped systemd guest under QEMU TCG with its virtio balloon
# inflated and checks on the host what its driver (debian/smoke-driver)
# recorded:
#
#   tests/vm/debian-guest.sh
#
# The guest (1024 MiB, balloon target 640 MiB, deflate-on-oom off) waits for
# the balloon, logs a journal record with a field OOMGUARD_TEST=1, and runs a
# python3 memory hog in a transient service with OOMPolicy=continue. The
# host checks: the boot finished with no failed unit, `journalctl -o json`
# lines parse and hold the record, MemTotal lost the ballooned memory, and
# the kernel and systemd both recorded the OOM kill of the hog.
# The last line on stdout ends with "1 passed, 0 failed" or "0 passed, 1 failed".
#
# Needs root. The first run debootstraps the rootfs (~80 s) into
# tests/vm/cache/ (git-ignored); later runs reuse it. VM_KEEP_WORK=1 keeps
# the work dir (disk image, console log, the guest's results) for a look.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
VM_TEST="debian-guest"
# shellcheck source=debian-lib.sh
. "$here/debian-lib.sh"

mem=1024 target=640 limit=300

vm_cleanup_on_exit

[ $# -eq 0 ] || { sed -n '2,20s/^# \{0,1\}//p' "$0" >&2; exit 2; }

vm_debian_need_packages

t0=$(date +%s)
vm_fetch_kernel
vm_debian_rootfs
t1=$(date +%s)

work=$(mktemp -d /tmp/oomguard-debian-vm.XXXXXX)
install -D -m 755 "$here/debian/smoke-driver" "$work/extra/usr/local/bin/oomguard-test"
vm_debian_disk "$work/disk.img" "$work/extra"
t2=$(date +%s)

rc=0
vm_debian_boot "$work" "$mem" "$target" off "$limit" || rc=$?
t3=$(date +%s)


VM_LOGS=("$work/console.log")
vm_check_qemu $rc "$limit"
why=$(vm_receive_tar "$work" results "$work/got") || vm_fatal "$why"
r=$work/got/results h=$work/got/harness

vm_debian_harness "$work/got"
[ "$(cat "$r/system-state" 2>/dev/null)" = running ] ||
	vm_fail "systemctl is-system-running in the driver says '$(cat "$r/system-state" 2>/dev/null)', want 'running'"
vm_debian_balloon_ok "$r" "$mem" "$target"
grep -Eq 'Out of memory: Killed process [0-9]+ \(python3\)' "$r/dmesg" 2>/dev/null ||
	vm_fail "dmesg has no 'Out of memory: Killed process N (python3)'; the hog said: $(tr '\n' ' ' < "$r/hog.out" 2>/dev/null)"

# The JSON and meminfo checks: one line per failed assertion on stderr and a
# non-zero exit, or a one-line summary on stdout.
py_rc=0
py_out=$(python3 - "$r" "$target" 2>&1 <<'PY'
import json, sys

r, target_mib = sys.argv[1], int(sys.argv[2])
bad = []

def records(name):
    """The JSON objects of a journalctl -o json file, one per line."""
    out = []
    try:
        with open("%s/%s" % (r, name)) as f:
            for n, line in enumerate(f, 1):
                try:
                    out.append(json.loads(line))
                except ValueError as e:
                    bad.append("%s line %d does not parse (%s): %.80s" % (name, n, e, line.rstrip()))
    except OSError as e:
        bad.append("cannot read %s: %s" % (name, e))
    return out

mine = [j for j in records("journal.json") if j.get("OOMGUARD_TEST") == "1"]
if not mine:
    bad.append("journal.json has no record with OOMGUARD_TEST=1")
else:
    j = mine[0]
    if j.get("MESSAGE") != "oomguard smoke test record":
        bad.append("the record's MESSAGE is %r" % j.get("MESSAGE"))
    # journald's trusted field: the record came from the test's service.
    if j.get("_SYSTEMD_UNIT") != "oomguard-test.service":
        bad.append("the record's _SYSTEMD_UNIT is %r, want oomguard-test.service" % j.get("_SYSTEMD_UNIT"))

if not any("killed by the OOM killer" in str(j.get("MESSAGE", ""))
           for j in records("hog-journal.json")):
    bad.append("systemd logged no OOM kill for oomguard-hog.service")

# With deflate-on-oom off the driver takes ballooned pages out of the
# managed ones, so MemTotal falls below the target (~985 MiB unballooned).
meminfo = {}
try:
    with open(r + "/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            meminfo[k] = int(v.split()[0])
except (OSError, ValueError) as e:
    bad.append("cannot read meminfo: %s" % e)
total = meminfo.get("MemTotal", 0)
if not 0 < total <= target_mib * 1024:
    bad.append("MemTotal is %d kB, want at most the balloon target %d kB" % (total, target_mib * 1024))

if bad:
    sys.exit("\n".join(bad))
print("MemTotal %d kB, journal record from %s" % (total, mine[0]["_SYSTEMD_UNIT"]))
PY
) || py_rc=$?
if [ $py_rc -ne 0 ]; then
	while read -r line; do vm_fail "$line"; done <<<"$py_out"
fi

startup=$(head -n 1 "$h/startup" 2>/dev/null | sed 's/^Startup finished in //; s/ *$//')
times="rootfs $((t1 - t0)) s, disk $((t2 - t1)) s, boot+run $((t3 - t2)) s; guest startup $startup"
vm_report "$py_out" "$times"
