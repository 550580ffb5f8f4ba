#!/bin/bash
# The real oomguard daemon while its agent is killed and started again:
#   agent-restart-test.sh OOMGUARD FIXTURE_ROOT
# The fixture (a ballooned 5.4 guest at its min watermark) makes the guard
# ask the host for memory again and again. A peer plays oomguard-agent, and
# goes away each time (socket file and all, as a killed agent under
# systemd's RuntimeDirectory=) to come back a few seconds later:
#  1. the first agent takes request A and dies without answering. The
#     request died with it, so the guard must give the second agent A again,
#     same id, within seconds (not wait out balloon timeout_ms, 60 s here,
#     and count a grant the host may have made as a refusal); the second
#     agent grants A, and the guard must read that.
#  2. the second agent dies after its grant; the guard asks again (request
#     A+1, ids count up) while no agent listens. That request must wait for
#     the third agent and be the first thing it gets, not be settled as
#     "no agent" and followed by a later one.
#  3. a request the agent takes and never answers: after balloon timeout_ms
#     the guard says it stopped waiting for it.
set -uo pipefail
oomguard=$1 fixture=$2
command -v python3 >/dev/null || { echo "skipped: python3 missing"; exit 77; }

work=$(mktemp -d /tmp/oomguard-agent-restart.XXXXXX)
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

cp -r "$fixture" "$work/root"
cat > "$work/policy.ini" <<EOP
[pressure]
sample_interval_ms = 200
fast_poll_ms = 100
slow_poll_ms = 200
[balloon]
agent_socket = $work/agent.sock
report_interval_ms = 1000
timeout_ms = 60000
cooldown_ms = 4000
EOP
# Timeline from the first request A (t0): the first agent dies with it at
# once, the second listens at t0+2 s, grants A and dies 0.3 s later, the
# third listens 4 s after that; the cooldown makes A+1 due at t0+4 s, when
# no agent listens.

# Logs "agent N: first request ID" (or none) for each of the three agents.
python3 - "$work/agent.sock" "$work/agent.log" <<'PY' &
import os, select, socket, struct, sys, time
path, logpath = sys.argv[1:]
log = open(logpath, "w", buffering=1)

def first_request(c, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([c], [], [], deadline - time.monotonic())
        if not r:
            break
        pkt = c.recv(1024)
        if not pkt:
            break
        if struct.unpack_from("<IHH", pkt)[2] == 1:
            return struct.unpack_from("<QQ", pkt, 8)
    return None

for n in (1, 2, 3):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(path)
    s.listen(1)
    s.settimeout(10)
    try:
        c, _ = s.accept()
    except socket.timeout:
        log.write("agent %d: never connected\n" % n)
        break
    req = first_request(c, 10)
    log.write("agent %d: first request %s\n" % (n, req[0] if req else "none"))
    if req and n >= 2:
        c.send(struct.pack("<IHHQQII", 0x474D4F4F, 1, 2, req[0], req[1], 1, 0))
        time.sleep(0.3)
    # killed: the connection, the listening socket and its file go at once
    c.close()
    s.close()
    os.unlink(path)
    if n < 3:
        time.sleep(2 * n)
log.write("done\n")
PY
pids+=($!)
for _ in $(seq 50); do [ -S "$work/agent.sock" ] && break; sleep 0.1; done

"$oomguard" --root "$work/root" --policy "$work/policy.ini" 2>"$work/stderr" &
pids+=($!)
for _ in $(seq 400); do grep -q "^done" "$work/agent.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.5

first=$(sed -n 's/^agent 1: first request \([0-9]*\)$/\1/p' "$work/agent.log")
check "the first agent got a deflate request" test -n "$first"
check "the second agent got the same request first, id $first" grep -qx "agent 2: first request $first" "$work/agent.log"
check "the guard said it sent the request again" grep -q "agent reconnected: deflate request $first sent again" "$work/stderr"
check "the guard read the second agent's grant" grep -q "host granted deflate request $first " "$work/stderr"
check "the request made while no agent listened, $((first + 1)), went to the third agent first" \
	grep -qx "agent 3: first request $((first + 1))" "$work/agent.log"
if [ $failures -gt 0 ]; then
	echo "--- agent peer ---"; cat "$work/agent.log"
	echo "--- guard stderr ---"; tail -n 30 "$work/stderr"
fi
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
pids=()

# 3. An agent that takes the request and never answers: after timeout_ms
# the guard stops waiting, and says so (a grant that comes after that, or
# never reaches it, is one it gave up on, not a lost one).
rm -f "$work/agent.sock"
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
while c.recv(1024):
    pass
' "$work/agent.sock" &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/agent.sock" ] && break; sleep 0.1; done
sed -i 's/^timeout_ms = .*/timeout_ms = 1000/' "$work/policy.ini"
"$oomguard" --root "$work/root" --policy "$work/policy.ini" 2>"$work/stderr3" &
pids+=($!)
for _ in $(seq 50); do grep -q "no answer to deflate request" "$work/stderr3" && break; sleep 0.1; done
check "a request without an answer: the guard says when it stops waiting" \
	grep -Eq "no answer to deflate request [0-9]+ within 1000 ms: counted as refused" "$work/stderr3"
[ $failures -eq 0 ]
