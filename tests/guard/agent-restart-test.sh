#!/bin/bash
# The real oomguard daemon when its agent is killed with a deflate request
# unanswered, and started again:
#   agent-restart-test.sh OOMGUARD FIXTURE_ROOT
# The fixture (a ballooned 5.4 guest at its min watermark) makes the guard
# ask the host for memory. A peer plays oomguard-agent: it takes the
# request, then goes away without answering (socket file and all, as a
# killed agent under systemd's RuntimeDirectory=) and comes back 1.5 s
# later. The request died with the old agent, so the guard must give the
# new one the same request, same id, within a few seconds (not wait out
# balloon timeout_ms, set to 60 s here, and count a possible grant as a
# refusal), and read the new agent's grant for it.
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
EOP

# "first ID" when the first agent takes a request, "second ID" for the first
# request the second agent gets (within 8 s), which it grants.
python3 - "$work/agent.sock" "$work/agent.log" <<'PY' &
import os, select, socket, struct, sys, time
path, logpath = sys.argv[1:]
log = open(logpath, "w", buffering=1)

def listen():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(path)
    s.listen(1)
    return s

def first_request(c, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([c], [], [], deadline - time.monotonic())
        if not r:
            break
        pkt = c.recv(1024)
        if not pkt:
            break
        magic, version, kind = struct.unpack_from("<IHH", pkt)
        if kind == 1:
            return struct.unpack_from("<QQ", pkt, 8)
    return None

s = listen()
c, _ = s.accept()
req = first_request(c, 10)
log.write("first %s\n" % (req[0] if req else "none"))
# killed: the connection, the listening socket and its file go at once
c.close()
s.close()
os.unlink(path)
time.sleep(1.5)
s = listen()
s.settimeout(8)
try:
    c, _ = s.accept()
except socket.timeout:
    log.write("second never connected\n")
    sys.exit(0)
req = first_request(c, 8)
log.write("second %s\n" % (req[0] if req else "none"))
if req:
    c.send(struct.pack("<IHHQQII", 0x474D4F4F, 1, 2, req[0], req[1], 1, 0))
time.sleep(3)
PY
pids+=($!)
for _ in $(seq 50); do [ -S "$work/agent.sock" ] && break; sleep 0.1; done

"$oomguard" --root "$work/root" --policy "$work/policy.ini" 2>"$work/stderr" &
pids+=($!)
for _ in $(seq 150); do grep -q "^second" "$work/agent.log" 2>/dev/null && break; sleep 0.1; done
sleep 1

first=$(sed -n 's/^first \([0-9]*\)$/\1/p' "$work/agent.log")
check "the first agent got a deflate request" test -n "$first"
check "the agent that came back got the same request, id $first" grep -qx "second $first" "$work/agent.log"
check "the guard said it sent the request again" grep -q "agent reconnected: deflate request $first sent again" "$work/stderr"
check "the guard read the new agent's grant" grep -q "host granted deflate request $first " "$work/stderr"
if [ $failures -gt 0 ]; then
	echo "--- agent peer ---"; cat "$work/agent.log"
	echo "--- guard stderr ---"; tail -n 30 "$work/stderr"
fi
[ $failures -eq 0 ]
