#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fake QEMU for oomguard-host --qmp/--channel: a QMP monitor with a
balloon, and the chardev socket of org.oomguard.0 with a scripted guest
agent on the other end.

    fake-qemu.py DIR

creates DIR/qmp.sock and DIR/channel.sock, plays the script below and exits
0 when every check passed (1 otherwise). The guest's script:
  1. connection 1: garbage before the sync, an event before the sync (must
     be dropped), a stale 0xFF + wrong id, then the real answer;
  2. a malformed line, then deflate request 1 (64 MiB): must be granted,
     and QMP must see exactly one balloon command of 1 GiB + 64 MiB;
  3. hang up; connection 2: resync, the same request id again: the same
     answer, and still one balloon command;
  4. request 2 at once: refused rate-limit (request 1 took the whole budget:
     the test policy allows a 64 MB step per 10 s).
"""
import json
import os
import select
import socket
import sys
import time

MIB = 1024 * 1024
BASE = 1024 * MIB


class Qmp:
    """reply_delay: seconds before each reply to `balloon` goes out (the
    target is set at once); later replies queue behind it, as QEMU's
    monitor answers in order. commands records every command received, as
    (name, arguments)."""

    def __init__(self, path, reply_delay=0.0):
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(4)
        self.conn = None
        self.buf = b""
        self.actual = BASE - 256 * MIB
        self.balloon_calls = []
        self.commands = []
        self.reply_delay = reply_delay
        self.outq = []          # (due, bytes), in order
        self.connections = 0

    def count(self, name):
        return sum(1 for n, _ in self.commands if n == name)

    def flush(self):
        """Sends the queued replies that are due; returns the seconds until
        the next one (None: nothing queued)."""
        while self.outq and self.outq[0][0] <= time.monotonic():
            data = self.outq.pop(0)[1]
            if self.conn:
                self.conn.sendall(data)
        return max(0.0, self.outq[0][0] - time.monotonic()) if self.outq else None

    def fds(self):
        return [self.srv] + ([self.conn] if self.conn else [])

    def handle(self, sock):
        if sock is self.srv:
            if self.conn:
                self.conn.close()
            self.conn, _ = self.srv.accept()
            self.buf = b""
            self.outq = []
            self.connections += 1
            self.send({"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}}, "capabilities": []}})
            return
        if sock is not self.conn:
            return              # replaced by a newer connection in the same select()
        data = self.conn.recv(65536)
        if not data:
            self.conn.close()
            self.conn = None
            return
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.command(json.loads(line))

    def send(self, obj, delay=0.0):
        data = json.dumps(obj).encode() + b"\r\n"
        if delay or self.outq:
            due = time.monotonic() + delay
            if self.outq:
                due = max(due, self.outq[-1][0])
            self.outq.append((due, data))
        else:
            self.conn.sendall(data)

    def command(self, cmd):
        name = cmd.get("execute")
        self.commands.append((name, cmd.get("arguments")))
        reply_id = {"id": cmd["id"]} if "id" in cmd else {}
        if name == "qmp_capabilities":
            self.send({"return": {}})
        elif name == "query-balloon":
            # An event in between, as QEMU may send one at any time.
            self.send({"event": "BALLOON_CHANGE", "data": {"actual": self.actual},
                       "timestamp": {"seconds": 1, "microseconds": 0}})
            self.send({"return": {"actual": self.actual}, **reply_id})
        elif name == "query-memory-size-summary":
            self.send({"return": {"base-memory": BASE, "plugged-memory": 0}, **reply_id})
        elif name == "balloon":
            value = cmd["arguments"]["value"]
            self.balloon_calls.append(value)
            self.actual = value
            self.send({"return": {}, **reply_id}, self.reply_delay)
        else:
            self.send({"error": {"class": "CommandNotFound", "desc": name}, **reply_id})


class Guest:
    def __init__(self, path):
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(4)
        self.conn = None
        self.buf = b""
        self.connections = 0

    def accept(self):
        self.conn, _ = self.srv.accept()
        self.buf = b""
        self.connections += 1

    def send(self, data):
        self.conn.sendall(data)

    def event(self, name, data):
        self.send(json.dumps({"event": name, "data": data,
                              "timestamp": {"seconds": int(time.time()), "microseconds": 0}}).encode() + b"\n")


def serve(qmp, guest, want, timeout, until=None, seen=None):
    """Serves QMP (replies due included) and reads the channel until
    want(obj) is true for a line from the relay (returns it), until() is
    true or the timeout passes (returns None). seen(obj) sees every line;
    obj["_sync_byte"] says whether 0xFF came before it."""
    end = time.monotonic() + timeout
    while True:
        while guest.conn and b"\n" in guest.buf:
            line, guest.buf = guest.buf.split(b"\n", 1)
            obj = json.loads(line.lstrip(b"\xff"))
            obj["_sync_byte"] = line.startswith(b"\xff")
            if seen:
                seen(obj)
            if want(obj):
                return obj
        left = end - time.monotonic()
        if left <= 0 or (until and until()):
            return None
        nxt = qmp.flush()
        fds = qmp.fds() + [guest.srv] + ([guest.conn] if guest.conn else [])
        r, _, _ = select.select(fds, [], [], min(left, 0.05 if nxt is None else min(nxt, 0.05)))
        for s in r:
            if s in qmp.fds():
                qmp.handle(s)
            elif s is guest.srv:
                guest.accept()
            elif s is guest.conn:
                data = guest.conn.recv(65536)
                if not data:
                    guest.conn.close()
                    guest.conn = None
                    continue
                guest.buf += data


def main():
    d = sys.argv[1]
    qmp = Qmp(os.path.join(d, "qmp.sock"))
    guest = Guest(os.path.join(d, "channel.sock"))
    failures = []
    deadline = time.monotonic() + 60

    def check(ok, what):
        print(("ok: " if ok else "FAIL: ") + what, flush=True)
        if not ok:
            failures.append(what)

    def pump(want):
        obj = serve(qmp, guest, want, deadline - time.monotonic())
        if obj is None:
            raise SystemExit("timed out")
        return obj

    def synchronise(first):
        cmd = pump(lambda o: o.get("execute") == "guest-sync-delimited")
        check(cmd["_sync_byte"], "the sync is preceded by 0xFF")
        sid = cmd["arguments"]["id"]
        check(0 <= sid < 2 ** 63, "the sync id is a 63-bit integer")
        if first:
            guest.send(b'{"return":{"known":tr')       # a half line of an earlier life
            guest.event("oomguard-deflate-request", {"id": 99, "bytes": 64 * MIB, "urgency": "critical"})
            guest.send(b"\xff" + json.dumps({"return": sid ^ 1}).encode() + b"\n")
        guest.send(b"\xff" + json.dumps({"return": sid}).encode() + b"\n")
        return sid

    def answer(rid):
        return pump(lambda o: o.get("execute") == "oomguard-deflate-answer" and o["arguments"]["id"] == rid)

    # 1 + 2
    sid1 = synchronise(True)
    guest.send(b'{"event":"oomguard-deflate-request","data":{"id":"x"}}\n')
    guest.send(b"\x00\x01 not json\n")
    guest.event("oomguard-report", {"seq": 1, "level": "act", "reason": "headroom-min",
                                    "mem_total_kb": 999999999, "balloon_kb": 1})
    guest.event("oomguard-deflate-request", {"id": 1, "bytes": 64 * MIB, "urgency": "act",
                                             "reason": "headroom-min", "balloon_kb": 1})
    a = answer(1)["arguments"]
    check(a == {"id": 1, "granted": True, "bytes": 64 * MIB}, "request 1 granted 64 MiB: %r" % a)
    check(qmp.balloon_calls == [BASE - 192 * MIB], "one balloon command, from the hypervisor's figure: %r"
          % qmp.balloon_calls)

    # 3
    guest.conn.close()
    guest.conn = None
    sid2 = synchronise(False)
    check(sid2 != sid1, "a fresh sync id after the reconnect")
    check(guest.connections == 2, "the relay reconnected")
    guest.event("oomguard-deflate-request", {"id": 1, "bytes": 64 * MIB, "urgency": "act"})
    a = answer(1)["arguments"]
    check(a == {"id": 1, "granted": True, "bytes": 64 * MIB}, "repeated id 1: same answer: %r" % a)
    check(len(qmp.balloon_calls) == 1, "repeated id 1: no second balloon command")

    # 4
    guest.event("oomguard-deflate-request", {"id": 2, "bytes": 64 * MIB, "urgency": "critical"})
    a = answer(2)["arguments"]
    check(not a["granted"] and a.get("refusal") == "rate-limit", "request 2 refused rate-limit: %r" % a)
    check(len(qmp.balloon_calls) == 1, "still one balloon command")

    # Let the metrics file be written once more (interval 1 s).
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        r, _, _ = select.select(qmp.fds(), [], [], 0.1)
        for s in r:
            qmp.handle(s)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
