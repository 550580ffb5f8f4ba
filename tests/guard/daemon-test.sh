#!/bin/bash
# The real oomguard daemon against a fixture tree, with real journald:
#   daemon-test.sh OOMGUARD FIXTURE_ROOT OOMGUARDCTL
# The fixture (a ballooned 5.4 guest at its min watermark) makes the guard go
# critical and ask the host for memory. A peer on the agent socket plays the
# agent and grants; a peer on NOTIFY_SOCKET records sd_notify messages.
# Checks: the journal records and their fields, the request that reached the
# agent and the guard's reading of the answer, READY/STATUS, oom_score_adj
# steering on the fixture's processes, a broken policy on SIGHUP refused with
# file and line while the old one keeps running, a good one loaded, a FIFO at
# the policy path refused without blocking, and
# every oom_score_adj restored on SIGTERM. oomguardctl status asks the running
# guard (as root and as nobody) and says so when none runs; skipped actions,
# steering and a dry run's "would" records carry their fields. Needs root (journald); exits 77
# (skipped) otherwise.
set -uo pipefail
oomguard=$1 fixture=$2 ctl=$3
[ "$(id -u)" -eq 0 ] || { echo "skipped: needs root"; exit 77; }

work=$(mktemp -d /tmp/oomguard-daemon.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
failures=0
check() { # check DESCRIPTION COMMAND...
	if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi
}

# journald: the system's, or one started here (it binds its own sockets).
. "$(dirname "$0")/../journald.sh"
journald_ensure || { echo "skipped: no journald could be started"; exit 77; }

cp -r "$fixture" "$work/root"
proc() { # pid comm start adj
	mkdir -p "$work/root/proc/$1"
	echo "$1 ($2) S 1 $1 $1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 $3 1000 50 0" > "$work/root/proc/$1/stat"
	echo "0::/system.slice/x.service" > "$work/root/proc/$1/cgroup"
	echo "$4" > "$work/root/proc/$1/oom_score_adj"
	echo "${5:-0}" > "$work/root/proc/$1/oom_score"
}
proc 100 sshd 10 0
proc 200 hog 20 0 300

cat > "$work/policy.ini" <<EOP
[pressure]
sample_interval_ms = 200
fast_poll_ms = 100
slow_poll_ms = 200
[guard]
status_socket = $work/status.sock
metrics_file = $work/oomguard.prom
[balloon]
agent_socket = $work/agent.sock
report_interval_ms = 1000
[oom_score_adj]
rescan_ms = 200
[protect]
name = sshd
[prefer]
name = hog
EOP

# The agent's side of common/wire.h: take a request and grant it, log the
# reports, then ask for memory back once and log the answer.
python3 - "$work/agent.sock" "$work/agent.log" <<'PY' &
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1]); s.listen(1)
log = open(sys.argv[2], "w", buffering=1)
# First connection: grant the request, ask for a release; once answered,
# hang up, as a restarting agent would. Second connection: ask for another
# release, which the guard answers only if it watches the link it
# reconnected.
for conn in (1, 2):
    c, _ = s.accept()
    log.write("connection %d\n" % conn)
    released = False
    while True:
        pkt = c.recv(1024)
        if not pkt:
            break
        magic, version, kind = struct.unpack_from("<IHH", pkt)
        if kind == 1:
            rid, nbytes = struct.unpack_from("<QQ", pkt, 8)
            log.write("request len=%d magic=%#x version=%d type=%d id=%d bytes=%d\n" % (len(pkt), magic, version, kind, rid, nbytes))
            c.send(struct.pack("<IHHQQII", magic, 1, 2, rid, nbytes, 1, 0))
        elif kind == 3:
            (seq, level, prev, reason, some, full, nz, headroom, total, avail, balloon) = struct.unpack_from("<QIIIIIIqQQQ", pkt, 8)
            node, name = struct.unpack_from("<I12s", pkt, 104)
            log.write("report len=%d seq=%d level=%d previous=%d n_zones=%d zone0=%d/%s balloon_kb=%d total_kb=%d\n" % (
                len(pkt), seq, level, prev, nz, node, name.rstrip(b"\0").decode(), balloon, total))
        elif kind == 5:
            rid, freed, dropped, compacted = struct.unpack_from("<QqII", pkt, 8)
            log.write("release-done len=%d id=%d freed_kb=%d dropped=%d compacted=%d\n" % (len(pkt), rid, freed, dropped, compacted))
            if conn == 1:
                break
        else:
            log.write("unexpected type %d\n" % kind)
        if not released and (kind == 1 or conn == 2):
            c.send(struct.pack("<IHHQQ", magic, 1, 4, 76 + conn, 1 << 26))
            released = True
    c.close()
PY
pids+=($!)
python3 - "$work/notify.sock" "$work/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
log = open(sys.argv[2], "w", buffering=1)
while True:
    log.write(s.recv(4096).decode() + "\n")
PY
pids+=($!)
for _ in $(seq 50); do [ -S "$work/agent.sock" ] && [ -S "$work/notify.sock" ] && break; sleep 0.1; done

NOTIFY_SOCKET=$work/notify.sock "$oomguard" --root "$work/root" --policy "$work/policy.ini" 2>"$work/stderr" &
guard=$!
pids+=($guard)
sleep 2

fields() { # MESSAGE_ID -> the newest record of this guard, as KEY=VALUE lines
	journalctl -o json --no-pager "_PID=$guard" "MESSAGE_ID=$1" 2>/dev/null | tail -n 1 |
		python3 -c 'import json, sys
for k, v in json.load(sys.stdin).items(): print("%s=%s" % (k, v))' 2>/dev/null
}
has() { grep -qx -- "$2" <<<"$1"; }
level=$(fields 3b2d6c41a9f24b4f9e6a0c5e1d7f8a21)
action=$(fields 8c4f2e7d1b6a4c3e9f0d5a2b7e1c6d94)

check "no PSI on a fixture tree: polling, said once" grep -q "no PSI trigger could be armed" "$work/stderr"
check "level record: critical" has "$level" "LEVEL=critical"
check "level record: reason headroom_min" has "$level" "REASON=headroom_min"
check "level record: zone DMA32 with free/min in kB" \
	bash -c 'grep -qx ZONE=DMA32 <<<"$0" && grep -qx FREE_KB=44196 <<<"$0" && grep -qx MIN_KB=44352 <<<"$0"' "$level"
check "level record: balloon 384 MiB" has "$level" "BALLOON_KB=393216"
check "level record: readable message in the kernel's terms" \
	grep -q "^MESSAGE=level critical (was normal, headroom_min): node 0 DMA32: free 43.2 MiB is 0.2 MiB below min 43.3 MiB" <<<"$level"
check "action record: balloon request sent" \
	bash -c 'grep -qx ACTION=balloon_deflate <<<"$0" && grep -qx RESULT=sent <<<"$0" && grep -qx REQUEST_KB=163840 <<<"$0"' "$action"
check "action record: latency field" grep -q "^LATENCY_USEC=[0-9]" <<<"$action"
check "action record: every field, the last ones too" \
	bash -c 'grep -qx BALLOON_KB=393216 <<<"$0" && grep -qx PSI_FULL_AVG10=0.87 <<<"$0" && grep -qx ACTION_REASON=headroom_min <<<"$0" && ! grep -q OOMGUARD_FIELDS_DROPPED <<<"$0"' "$action"
check "the agent got a request for 160 MiB" grep -Eq "request len=56 magic=0x474d4f4f version=1 type=1 id=[0-9]+ bytes=167772160" "$work/agent.log"
rid=$(sed -n 's/^request .* id=\([0-9]*\) .*/\1/p' "$work/agent.log" | head -n 1)
check "request ids start at a random point, not 1 (the host remembers ids)" test "${rid:-1}" -gt 1
check "the guard read the host's grant" grep -q "host granted deflate request ${rid:-x} " "$work/stderr"
check "the agent got a report: critical, changed from normal, DMA32, balloon 384 MiB" \
	grep -q "report len=488 seq=1 level=3 previous=0 n_zones=2 zone0=0/DMA balloon_kb=393216" "$work/agent.log"
check "reports keep coming, one per interval" grep -q "report len=488 seq=2 level=3 previous=3" "$work/agent.log"
check "release while critical: nothing done, answered" grep -q "release-done len=32 id=77 freed_kb=0 dropped=0 compacted=0" "$work/agent.log"
check "release refusal logged with the reason" grep -q "release 77, 65536 kB): nothing: the guest is under pressure itself" "$work/stderr"
check "sd_notify READY and STATUS" bash -c 'grep -q READY=1 "$0" && grep -q "STATUS=level critical" "$0"' "$work/notify.log"
# The skipped actions, each said once with its reason; steering names whom.
skip=$(journalctl -o json --no-pager "_PID=$guard" MESSAGE_ID=5e0b9d2c7a3f4e81b6c4d9a07f2e1b35 2>/dev/null)
check "skip record: drop_caches, clean cache too small" \
	bash -c 'grep -q "\"ACTION\":\"drop_caches\"" <<<"$0" && grep -q "\"SKIP_REASON\":\"cache_small\"" <<<"$0"' "$skip"
check "skip record: kill disabled, said once" \
	bash -c '[ "$(grep -c "\"SKIP_REASON\":\"disabled\"" <<<"$0")" -eq 1 ]' "$skip"
check "skip record: balloon in cooldown or pending, with when it may run again" \
	bash -c 'grep -q "\"ACTION\":\"balloon_deflate\".*\"RETRY_IN_MS\":\"[0-9]*\"\|\"RETRY_IN_MS\":\"[0-9]*\".*\"ACTION\":\"balloon_deflate\"" <<<"$0"' "$skip"
steer=$(fields a7c31f6e0d8b4c29b5e2f41d6c9a0e73)
check "steer record names processes and values" \
	bash -c 'grep -q "^STEERED=.*sshd\[100\] 0 -> -900 (protect)" <<<"$0" && grep -q "hog\[200\] 0 -> 500 (prefer)" <<<"$0"' "$steer"
check "level record: the decline and refault rates" \
	bash -c 'grep -q "^DECLINE_KB_PER_S=" <<<"$0" && grep -q "^REFAULT_PER_S=" <<<"$0"' "$level"

check "metrics file: level 3, the grants counted" \
	bash -c 'grep -qx "oomguard_level 3" "$0" && grep -qx "oomguard_balloon_grants_total [1-9][0-9]*" "$0" && grep -q "^oomguard_action_skips_total{action=\"kill\"} 1$" "$0"' "$work/oomguard.prom"

# status from the running guard, as root and as a user without privileges
"$ctl" status --socket "$work/status.sock" > "$work/status.txt" 2>&1
check "status: answers, level critical" grep -q "level critical (headroom_min)" "$work/status.txt"
check "status: each zone's headroom" grep -q "node 0 DMA32 .*headroom" "$work/status.txt"
check "status: the last balloon request and its result" grep -q "last run: sent" "$work/status.txt"
check "status: skipped actions with their reason" grep -q "drop_caches *skipped .*clean cache below min_file_pct" "$work/status.txt"
check "status: the policy in force" grep -q "policy: $work/policy.ini, loaded 20" "$work/status.txt"
"$ctl" status --json --socket "$work/status.sock" > "$work/status.json"
check "status --json: the schema" python3 "$(dirname "$0")/check-schema.py" "$(dirname "$0")/status.schema.json" "$work/status.json"
check "status --json: mode daemon, pid" python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not (d["mode"] == "daemon" and d["pid"] == int(sys.argv[2])))' "$work/status.json" "$guard"
chmod 755 "$work"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$ctl" status --socket "$work/status.sock" > "$work/status-user.txt" 2>&1
	check "status: readable without root" grep -q "level critical" "$work/status-user.txt"
fi
# a client that connects and never reads does not hold the guard up
python3 - "$work/status.sock" <<'PY' &
import socket, sys, time
socks = []
for _ in range(50):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1]); socks.append(s)
time.sleep(3)
PY
pids+=($!)
sleep 0.5
check "status: still answers while 50 clients hold connections unread" \
	bash -c '"$0" status --socket "$1" | grep -q "level critical"' "$ctl" "$work/status.sock"

check "protected process steered to -900" grep -qx -- -900 "$work/root/proc/100/oom_score_adj"
check "preferred process steered to 500" grep -qx 500 "$work/root/proc/200/oom_score_adj"

# A broken policy on SIGHUP is refused, with file and line; the old one runs on.
cp "$work/policy.ini" "$work/good.ini"
printf '[levels]\n\norder = 99\n' >> "$work/policy.ini"
kill -HUP $guard
sleep 1
check "broken policy refused with file and line" grep -q "$work/policy.ini:.*\[levels\] order: expected a whole number from 1 to 10, got \"99\"" "$work/stderr"
check "old policy kept" grep -q "not loaded; the running policy stays" "$work/stderr"
check "still running" kill -0 $guard
# A good one is loaded: the new [prefer] value applies.
sed 's/^name = hog$/name = hog\noom_score_adj = 700/' "$work/good.ini" > "$work/policy.ini"
kill -HUP $guard
sleep 1
check "good policy loaded" grep -q "policy.ini: loaded" "$work/stderr"
"$ctl" status --json --socket "$work/status.sock" > "$work/status-reloaded.json"
check "status: the policy's load time follows the reload" python3 -c 'import json, sys
a, b = (json.load(open(f))["policy"]["loaded_unix"] for f in sys.argv[1:])
sys.exit(not b > a)' "$work/status.json" "$work/status-reloaded.json"
check "new [prefer] value applied" grep -qx 700 "$work/root/proc/200/oom_score_adj"

# A FIFO at the policy path: refused at once (opening it would wait for a
# writer), the running policy stays, and the guard still samples and
# answers SIGTERM below.
mv "$work/policy.ini" "$work/loaded.ini"
mkfifo "$work/policy.ini"
kill -HUP $guard
sleep 1
check "FIFO at the policy path refused without blocking" \
	bash -c '[ "$(grep -c "not loaded; the running policy stays" "$0")" -eq 2 ]' "$work/stderr"
check "FIFO: said why" grep -q "policy.ini: not a regular file" "$work/stderr"
echo 0 > "$work/root/proc/200/oom_score_adj"
sleep 1
check "FIFO: the guard runs on with its policy (rescan steers 200 back to 700)" grep -qx 700 "$work/root/proc/200/oom_score_adj"

# The agent hung up (see the peer): the guard reconnects and must read the
# new link.
for _ in $(seq 50); do grep -q "id=78" "$work/agent.log" && break; sleep 0.1; done
check "after the agent hung up, the guard reconnected and reads the new link" \
	grep -q "release-done len=32 id=78 freed_kb=0" "$work/agent.log"
kill -TERM $guard
for _ in $(seq 30); do kill -0 $guard 2>/dev/null || break; sleep 0.1; done
wait $guard
rc=$?
check "SIGTERM: clean exit" test "$rc" -eq 0
check "status after exit: says no guard runs" \
	bash -c '"$0" status --socket "$1" 2>&1 | grep -q "no oomguard is running"; [ "${PIPESTATUS[0]}" -eq 4 ]' "$ctl" "$work/status.sock"
check "oom_score_adj restored on exit" bash -c 'grep -qx 0 "$0/100/oom_score_adj" && grep -qx 0 "$0/200/oom_score_adj"' "$work/root/proc"

# A dry run: the same pressure, every action said as "would", nothing sent.
# (journald again: on a shared machine another test may have stopped ours)
journald_ensure || { echo "FAIL: journald gone"; failures=$((failures + 1)); }
sed -i "s|^status_socket = .*|status_socket = $work/dry.sock|" "$work/loaded.ini"
rm -f "$work/policy.ini"; cp "$work/loaded.ini" "$work/policy.ini"
printf '[kill]\nenabled = yes\nlevel = act\n' >> "$work/policy.ini"
NOTIFY_SOCKET=$work/notify.sock "$oomguard" --dry-run --root "$work/root" --policy "$work/policy.ini" 2>"$work/dry.stderr" &
dry=$!
pids+=($dry)
sleep 2
dryact=$(journalctl -o json --no-pager "_PID=$dry" MESSAGE_ID=8c4f2e7d1b6a4c3e9f0d5a2b7e1c6d94)
check "dry run: balloon request said as would, not sent" \
	bash -c 'grep -q "\"OUTCOME\":\"would\"" <<<"$0" && grep -q "would ask the host for" <<<"$0"' "$dryact"
check "dry run: the kill names its victim and why" \
	bash -c 'grep -q "victim 200 (hog" <<<"$0" && grep -q "\"VICTIM_WHY\":\"matched \[prefer\]" <<<"$0"' "$dryact"
check "dry run: status says dry run" bash -c '"$0" status --socket "$1" | grep -q ", dry run: level critical"' "$ctl" "$work/dry.sock"
kill -TERM $dry; wait $dry

if [ $failures -ne 0 ]; then
	echo "--- oomguard stderr ---"
	cat "$work/stderr"
	echo "--- oomguardctl status ---"
	cat "$work/status.txt"
	echo "--- dry run: stderr, action records ---"
	cat "$work/dry.stderr"
	echo "$dryact"
	exit 1
fi
