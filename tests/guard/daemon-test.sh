#!/bin/bash
# The real oomguard daemon against a fixture tree, with real journald:
#   daemon-test.sh OOMGUARD FIXTURE_ROOT
# The fixture (a ballooned 5.4 guest at its min watermark) makes the guard go
# critical and ask the host for memory. A peer on the agent socket plays the
# agent and grants; a peer on NOTIFY_SOCKET records sd_notify messages.
# Checks: the journal records and their fields, the request that reached the
# agent and the guard's reading of the answer, READY/STATUS, oom_score_adj
# steering on the fixture's processes, a broken policy on SIGHUP refused with
# file and line while the old one keeps running, a good one loaded, a FIFO at
# the policy path refused without blocking, and
# every oom_score_adj restored on SIGTERM. Needs root (journald); exits 77
# (skipped) otherwise.
set -uo pipefail
oomguard=$1 fixture=$2
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
}
proc 100 sshd 10 0
proc 200 hog 20 0

cat > "$work/policy.ini" <<EOP
[pressure]
sample_interval_ms = 200
fast_poll_ms = 100
slow_poll_ms = 200
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
check "oom_score_adj restored on exit" bash -c 'grep -qx 0 "$0/100/oom_score_adj" && grep -qx 0 "$0/200/oom_score_adj"' "$work/root/proc"

if [ $failures -ne 0 ]; then
	echo "--- oomguard stderr ---"
	cat "$work/stderr"
	exit 1
fi
