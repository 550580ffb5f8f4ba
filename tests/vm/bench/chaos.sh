#!/bin/bash
# Chaos benchmark of the guest-to-host loop: the scenario of
# tests/vm/relay-in-guest.sh (a 1024 MiB Debian 12 guest, balloon target
# 640 MiB, a hog growing toward 450 MiB at 15 MiB/s, oomguard and
# oomguard-agent in the guest, oomguard-host on this machine in QMP mode
# with relay-in-guest/host.ini), while something is killed with SIGKILL at
# random moments and started again:
#
#   tests/vm/bench/chaos.sh BUILD_DIR [MODE [SEED]]
#
#   MODE none   nothing is killed (the reference outcome)
#        relay  oomguard-host, every 1-5 s, restarted 0-1 s later on the
#               same --state-dir (default)
#        agent  oomguard-agent in the guest, every 1-5 s (systemd restarts it)
#               until the workload is over
#
# Every `balloon` command the relay sends goes through a QMP proxy that
# records it. Checked afterwards:
#   * every balloon value sent is the target of a grant, or of a reclaim
#     step, the relay logged (no move without a decision), and every granted
#     target was sent (no grant without a move);
#   * no request id was granted twice (two grants logged for one id, i.e.
#     not answered as a repeat);
#   * no grant lost: every id the relay granted was read as granted by the
#     guard (its journal), unless the guard had given up on it (logged);
#   * the workload's outcome: the hog held its 450 MiB, the guest's MemTotal
#     grew by at least 256 MiB, and the services were active at the end.
# Prints the kills, grants, moves and the outcome. Not run by CI (one boot,
# about 2-3 min under TCG). Needs root. SEED makes the kill times repeatable.
# VM_KEEP_WORK=1 keeps the work dir.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../lib.sh
. "$here/lib.sh"
VM_TEST="bench-chaos"
# shellcheck source=../debian-lib.sh
. "$here/debian-lib.sh"
mine=$here/relay-in-guest
# shellcheck source=../relay-in-guest/guest.sh
. "$mine/guest.sh"

[ $# -ge 1 ] || { sed -n '2,29s/^# \{0,1\}//p' "$0" >&2; exit 2; }
build=$(cd "$1" 2>/dev/null && pwd) || vm_die "no directory $1"
mode=${2:-relay}
seed=${3:-$$}
case $mode in none | relay | agent) ;; *) vm_die "MODE is none, relay or agent" ;; esac
VM_TEST="bench-chaos-$mode"
RANDOM=$seed

mem=1024 target=640 limit=480

vm_cleanup_on_exit
# shellcheck disable=SC2317 # called by _vm_cleanup
vm_cleanup_hook() {
	[ -z "$work" ] || [ ! -f "$work/relay.pid" ] || kill -9 "$(cat "$work/relay.pid")" 2>/dev/null
}

relay_guest_need "$build"

vm_debian_need_packages
t0=$(date +%s)
vm_fetch_kernel
vm_debian_rootfs

work=$(mktemp -d /tmp/oomguard-chaos-vm.XXXXXX)
x=$work/extra
# The guest runs relay-in-guest's driver, behind a wrapper that, in agent
# mode, kills the agent at random moments while the driver runs.
install -D -m 755 "$mine/driver" "$x/usr/local/bin/oomguard-relay-driver"
cat > "$work/wrapper" <<'EOF'
#!/bin/bash
# chaos.sh's guest side: $1 is the results directory.
if [ -f /etc/oomguard-chaos-agent ]; then
	RANDOM=$(cat /etc/oomguard-chaos-agent)
	(
		while sleep "$((RANDOM % 5 + 1)).$((RANDOM % 10))"; do
			# the driver's workload is over: its checks follow
			[ ! -e /run/oomguard-test.workload-done ] || break
			systemctl kill -s KILL oomguard-agent.service 2> /dev/null &&
				echo "$(cut -d' ' -f1 /proc/uptime) agent killed" >> "$1/chaos-agent"
		done
	) &
	echo $! > /run/chaos.pid
fi
/usr/local/bin/oomguard-relay-driver "$@"
rc=$?
[ ! -f /run/chaos.pid ] || kill "$(cat /run/chaos.pid)" 2> /dev/null
exit $rc
EOF
install -D -m 755 "$work/wrapper" "$x/usr/local/bin/oomguard-test"
[ "$mode" != agent ] || { mkdir -p "$x/etc"; echo "$seed" > "$x/etc/oomguard-chaos-agent"; }
relay_guest_disk "$build" "$x" "$work/disk.img"
t1=$(date +%s)

relay_guest_qemu "$work"
# shellcheck disable=SC2317 # called by vm_debian_boot
vm_debian_started() {
	sed "s|^metrics_path = .*|metrics_path = $work/metrics.prom|" "$mine/host.ini" > "$work/host.ini"
	# The relay talks to QEMU's monitor through a proxy that logs every
	# balloon command: "TIME VALUE" in balloon-commands.
	python3 - "$work/qmp.sock" "$work/qmp-proxy.sock" "$work/balloon-commands" <<'PY' &
import json, os, select, socket, sys, time
upstream, path, log = sys.argv[1:]
srv = socket.socket(socket.AF_UNIX)
srv.bind(path)
srv.listen(4)
out = open(log, "a", buffering=1)
pairs = {}
bufs = {}       # the relay's side of each pair: what it sent, up to a newline
while True:
    r, _, _ = select.select([srv] + list(pairs), [], [])
    for s in r:
        if s is srv:
            c, _ = srv.accept()
            u = socket.socket(socket.AF_UNIX)
            try:
                u.connect(upstream)
            except OSError:     # QEMU has gone (the end of the run)
                c.close()
                continue
            pairs[c], pairs[u] = u, c
            bufs[c] = b""
            continue
        data = s.recv(65536) if s in pairs else b""
        peer = pairs.get(s)
        if not data:
            for k in (s, peer):
                if k in pairs:
                    del pairs[k]
                    bufs.pop(k, None)
                    k.close()
            continue
        if s in bufs:
            bufs[s] += data
            while b"\n" in bufs[s]:
                line, bufs[s] = bufs[s].split(b"\n", 1)
                try:
                    cmd = json.loads(line)
                except ValueError:
                    continue
                if cmd.get("execute") == "balloon":
                    out.write("%.3f %d\n" % (time.monotonic(), cmd["arguments"]["value"]))
        peer.sendall(data)
PY
	VM_KILL+=($!)
	for _ in $(seq 50); do [ -S "$work/qmp-proxy.sock" ] && break; sleep 0.1; done
	(
		start_relay() {
			echo "--- relay started $(date +%s.%N) ---" >> "$work/relay.log"
			"$build/host/oomguard-host" --qmp "$work/qmp-proxy.sock" --channel "$work/channel.sock" \
				--policy "$work/host.ini" --proc /proc --state-dir "$work/state" --verbose >> "$work/relay.log" 2>&1 &
			echo $! > "$work/relay.pid"
		}
		start_relay
		[ "$mode" = relay ] || { wait; exit 0; }
		while sleep "$((RANDOM % 5 + 1)).$((RANDOM % 10))"; do
			kill -9 "$(cat "$work/relay.pid")" 2>/dev/null
			wait "$(cat "$work/relay.pid")" 2>/dev/null
			echo "--- relay killed $(date +%s.%N) ---" >> "$work/relay.log"
			echo x >> "$work/relay-kills"
			sleep "0.$((RANDOM % 10))"
			start_relay
		done
	) &
	VM_KILL+=($!)
}

rc=0
vm_debian_boot "$work" "$mem" "$target" off "$limit" || rc=$?
t2=$(date +%s)
[ ! -f "$work/relay.pid" ] || kill -9 "$(cat "$work/relay.pid")" 2>/dev/null || true

VM_LOGS=("$work/console.log" "$work/relay.log")
vm_check_qemu $rc "$limit"
why=$(vm_receive_tar "$work" results "$work/got") || vm_fatal "$why"
r=$work/got/results
info() { sed -n "s/^$1=//p" "$r/info" 2>/dev/null | head -n 1; }

# ---- the ledger: grants the relay logged, balloon commands it sent ----
touch "$work/balloon-commands"
# "ID GRANTED_KB TARGET_KB" for each grant logged as decided (not a repeat)
sed -n 's/.*: request \([0-9]*\) granted \([0-9]*\) kB, balloon [0-9]* -> \([0-9]*\) kB$/\1 \2 \3/p' \
	"$work/relay.log" > "$work/grants"
# every id answered "granted", repeats included
sed -n 's/.*: request \([0-9]*\) granted .*/\1/p' "$work/relay.log" | sort -u > "$work/granted-ids"
# comm wants the collation of sort, not sort -n
awk '{ print $2 / 1024 }' "$work/balloon-commands" | sort -u > "$work/sent-targets"
awk '{ print $3 }' "$work/grants" | sort -u > "$work/granted-targets"
# The reclaim arbiter's steps (a guest with spare memory gives some back),
# logged in whole MiB
sed -n 's/.*: reclaim ([a-z-]*): balloon [0-9]* -> \([0-9]*\) MiB;.*/\1/p
	s/.*: guest left normal: reclaim stopped at \([0-9]*\) MiB$/\1/p' "$work/relay.log" | sort -u > "$work/reclaim-mib"

dup=$(awk '{ print $1 }' "$work/grants" | sort | uniq -d | tr '\n' ' ')
[ -z "$dup" ] || vm_fail "request id(s) granted twice (not as a repeat): $dup"
extra=$(comm -23 "$work/sent-targets" "$work/granted-targets" |
	while read -r kb; do grep -qx "$((kb / 1024))" "$work/reclaim-mib" || echo "$kb"; done | tr '\n' ' ')
[ -z "$extra" ] || vm_fail "balloon moved to target(s) no grant or reclaim step logged (kB): $extra"
unsent=$(comm -13 "$work/sent-targets" "$work/granted-targets" | tr '\n' ' ')
[ -z "$unsent" ] || vm_fail "grant target(s) never sent to QEMU (kB): $unsent"
# a move is a new value; the same target sent again after a lost reply moves nothing
moves=$(awk '$2 != last { n++; last = $2 } END { print n + 0 }' "$work/balloon-commands")
commands=$(wc -l < "$work/balloon-commands")

# No grant lost: the guard read every granted id as granted, but for those
# it had stopped waiting for (balloon timeout_ms, logged): their answer may
# have gone to an agent that was killed before it could pass it on.
sed -n 's/.*host granted deflate request \([0-9]*\) .*/\1/p' "$r/guard-journal.txt" | sort -u > "$work/guard-granted"
sed -n 's/.*no answer to deflate request \([0-9]*\) within .*/\1/p' "$r/guard-journal.txt" | sort -u > "$work/guard-gave-up"
lost=$(comm -23 "$work/granted-ids" "$work/guard-granted" | comm -23 - "$work/guard-gave-up" | tr '\n' ' ')
late=$(comm -23 "$work/granted-ids" "$work/guard-granted" | comm -12 - "$work/guard-gave-up" | wc -l)
[ -z "$lost" ] || vm_fail "granted by the relay, never read as granted by the guard: $lost"
phantom=$(comm -13 "$work/granted-ids" "$work/guard-granted" | tr '\n' ' ')
[ -z "$phantom" ] || vm_fail "read as granted by the guard, never granted by the relay: $phantom"

# The workload's outcome, as in the reference run.
start=$(info memtotal_start_kb) top=$(info memtotal_max_kb)
grew=$(( ${top:-0} - ${start:-0} ))
[ "$grew" -ge 262144 ] || vm_fail "guest MemTotal grew by $grew kB, want the 256 MiB the reference run gets"
hog=$(info hog)
grep -q "ActiveState=active" <<<"$hog" || vm_fail "the hog did not hold its memory: $hog"
[ "$(info guard_at_end)" = active ] || vm_fail "oomguard.service not active at the end: $(info guard_at_end)"
[ "$(info agent_at_end)" = active ] || vm_fail "oomguard-agent.service not active at the end: $(info agent_at_end)"

lines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }
relay_kills=$(lines "$work/relay-kills")
agent_kills=$(lines "$r/chaos-agent")
restored=$(grep -c "state restored" "$work/relay.log" || true)
settled=$(grep -c "pending grants stand\|setting it again" "$work/relay.log" || true)
summary="seed $seed, relay killed $relay_kills x, agent killed $agent_kills x; $(wc -l < "$work/grants") grant(s) of $(wc -l < "$work/granted-ids") id(s), $commands balloon command(s), $moves move(s) ($(grep -c ': reclaim (' "$work/relay.log" || true) reclaim step(s)), $late granted after the guard gave up; state restored $restored x, $settled lost reply(ies) settled; MemTotal +$((grew / 1024)) MiB; hog: $hog"
vm_report "$summary" "rootfs+disk $((t1 - t0)) s, boot+run $((t2 - t1)) s"
