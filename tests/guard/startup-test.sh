#!/bin/bash
# oomguard --once on broken kernel files:
#   startup-test.sh OOMGUARD FIXTURE_ROOT
# Garbage in /proc/zoneinfo: the exit status says "kernel file" (4), not
# "policy" (3), and the message names the file and line, in every one of
# 20 runs (an unset error struct crashed about half of them), and under
# valgrind no uninitialised read. A missing protection: line, a garbage
# balloon features file and a truncated zoneinfo: exit 0, and stderr says
# what the model fills in.
set -uo pipefail
oomguard=$1 fixture=$2
work=$(mktemp -d /tmp/oomguard-startup.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
check() { # check DESCRIPTION COMMAND...
	if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi
}
fresh() { rm -rf "$work/root"; cp -r "$fixture" "$work/root"; }

fresh
: > "$work/empty.ini"
bad=0
for i in $(seq 20); do
	head -c 4096 /dev/urandom > "$work/root/proc/zoneinfo"
	"$oomguard" --once --root "$work/root" --policy "$work/empty.ini" >"$work/out" 2>"$work/err"
	rc=$?
	if [ $rc -ne 4 ] || ! grep -q "cannot read memory state: proc/zoneinfo:[0-9]*: " "$work/err"; then
		bad=$((bad + 1))
		echo "run $i: exit $rc: $(head -c 300 "$work/err")"
	fi
done
check "garbage zoneinfo: exit 4 and file:line named, 20 of 20 runs" test $bad -eq 0
printf 'Node 0, zone   Normal\n  pages free     12\n' > "$work/root/proc/zoneinfo"
"$oomguard" --once --root "$work/root" --policy "$work/empty.ini" >/dev/null 2>"$work/err"
check "zoneinfo missing its counters: exit 4" test $? -eq 4
check "... and says which" grep -q "proc/zoneinfo" "$work/err"
printf '[levels]\norder = 99\n' > "$work/bad.ini"
"$oomguard" --once --root "$work/root" --policy "$work/bad.ini" >/dev/null 2>&1
check "a policy that does not validate is still exit 3" test $? -eq 3

if grep -qa __asan_init "$oomguard"; then
	echo "an ASan build: valgrind cannot run it (ASan checks this build instead)"
elif command -v valgrind >/dev/null; then
	head -c 4096 /dev/urandom > "$work/root/proc/zoneinfo"
	valgrind -q --error-exitcode=99 --track-origins=yes "$oomguard" --once --root "$work/root" \
		--policy "$work/empty.ini" >/dev/null 2>"$work/vg"
	rc=$?
	check "valgrind: no uninitialised read on garbage zoneinfo (exit $rc)" test $rc -eq 4
	[ $rc -eq 4 ] || cat "$work/vg"
else
	echo "valgrind not installed: that part not run (scripts/install-deps.sh --test)"
fi

fresh
sed -i '/protection:/d' "$work/root/proc/zoneinfo"
"$oomguard" --once --root "$work/root" --policy "$work/empty.ini" >/dev/null 2>"$work/err"
check "no protection: line: exit 0" test $? -eq 0
check "... said: reserve taken as 0" grep -q "node 0 DMA .*has no protection: line; its lowmem reserve is taken as 0" "$work/err"

fresh
for f in "$work"/root/sys/bus/virtio/devices/*/features; do echo "x1y" > "$f"; done
"$oomguard" --once --root "$work/root" --policy "$work/empty.ini" >/dev/null 2>"$work/err"
check "garbage balloon features: exit 0" test $? -eq 0
check "... said: deflate-on-oom taken as off" grep -q "balloon's features file .* deflate-on-oom is taken as off" "$work/err"

fresh
# cut inside DMA32, after managed: its protection: line is gone
head -n 77 "$fixture/proc/zoneinfo" > "$work/root/proc/zoneinfo"
"$oomguard" --once --root "$work/root" --policy "$work/empty.ini" >/dev/null 2>"$work/err"
check "zoneinfo cut inside a zone: exit 0" test $? -eq 0
check "... said: DMA32 has no protection: line" grep -q "node 0 DMA32 has no protection: line" "$work/err"
# cut after the first zone, no buddyinfo to name the others: DMA32 vanishes
awk '/^Node/ { n++ } n < 2' "$fixture/proc/zoneinfo" > "$work/root/proc/zoneinfo"
rm "$work/root/proc/buddyinfo"
"$oomguard" --once --root "$work/root" --policy "$work/empty.ini" >/dev/null 2>"$work/err"
check "zoneinfo cut after a zone: exit 0" test $? -eq 0
check "... said: the zones do not add up to MemTotal" grep -q "the zones manage 15 MiB but MemTotal is 589 MiB" "$work/err"
# the same with buddyinfo: it names a zone zoneinfo lacks
cp "$fixture/proc/buddyinfo" "$work/root/proc/buddyinfo"
"$oomguard" --once --root "$work/root" --policy "$work/empty.ini" >/dev/null 2>"$work/err"
check "... and with buddyinfo naming the lost zone: exit 4" test $? -eq 4

fresh
"$oomguard" --once --root "$work/root" --policy "$work/empty.ini" >/dev/null 2>"$work/err"
check "the intact fixture: nothing to say" test ! -s "$work/err"

[ $failures -eq 0 ]
