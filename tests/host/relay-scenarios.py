#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The real oomguard-host against the fake QEMU of fake-qemu.py, in
scenarios a hostile guest or a crash makes:

    relay-scenarios.py OOMGUARD_HOST SCENARIO

  flood     a guest that spells "event" as "\\u0065vent" to pass its
            deflate requests off as replies, as fast as it can: it gets no
            more answers, and costs no more query-balloon, than the token
            bucket allows (burst 10, 5 a second).
  late      QEMU answers `balloon` 3 s late: the command is sent once, the
            relay keeps serving the channel meanwhile, and the guest is told
            "granted" once the reply comes.
  restart   the relay is killed with SIGKILL after QEMU applied a grant and
            before the guest had the answer; a new relay on the same state
            directory gives the resent id the same answer and moves nothing.
  answered  the same, but the guest had the answer before the kill.
  agent-restart
            the guest agent is killed and started again behind a channel
            connection that stays open: its lone 0xFF makes the relay
            synchronise again within 2 s, and the id resent gets the same
            answer without a second balloon move.

Exits 0 when every check passed, 1 otherwise, 77 to skip."""
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

spec = importlib.util.spec_from_file_location("fake_qemu", os.path.join(os.path.dirname(__file__), "fake-qemu.py"))
fake_qemu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fake_qemu)
MIB = fake_qemu.MIB
BASE = fake_qemu.BASE
START = BASE - 256 * MIB       # the fake balloon's actual size at start

POLICY = """[host]
floor_available_mb = 100
release_below_mb = 0
metrics_path =
[defaults]
step_mb = 64
rate_s = 600
cooldown_s = 0
"""


class Harness:
    def __init__(self, host, tmp, reply_delay=0.0):
        self.host = host
        self.dir = tmp
        self.state = os.path.join(tmp, "state")
        os.makedirs(os.path.join(tmp, "proc"), exist_ok=True)
        with open(os.path.join(tmp, "proc", "meminfo"), "w") as f:
            f.write("MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n")
        with open(os.path.join(tmp, "host.ini"), "w") as f:
            f.write(POLICY)
        self.qmp = fake_qemu.Qmp(os.path.join(tmp, "qmp.sock"), reply_delay)
        self.guest = fake_qemu.Guest(os.path.join(tmp, "channel.sock"))
        self.relay = None
        self.runs = 0
        self.failures = []
        self.answers = []       # every oomguard-deflate-answer's arguments, in order
        self.syncs = []         # (monotonic time, id) of every guest-sync-delimited

    def check(self, ok, what):
        print(("ok: " if ok else "FAIL: ") + what, flush=True)
        if not ok:
            self.failures.append(what)

    def start_relay(self):
        self.runs += 1
        log = open(os.path.join(self.dir, "relay-%d.log" % self.runs), "w")
        self.relay = subprocess.Popen([self.host, "--qmp", os.path.join(self.dir, "qmp.sock"),
                                       "--channel", os.path.join(self.dir, "channel.sock"), "--name", "testvm",
                                       "--policy", os.path.join(self.dir, "host.ini"),
                                       "--proc", os.path.join(self.dir, "proc"), "--state-dir", self.state,
                                       "--verbose"], stdout=log, stderr=subprocess.STDOUT)

    def kill_relay(self, sig=signal.SIGKILL):
        self.relay.send_signal(sig)
        status = self.relay.wait()
        self.relay = None
        # what the dead relay had left in flight is gone with its sockets
        if self.guest.conn:
            self.guest.conn.close()
            self.guest.conn = None
        if self.qmp.conn:
            self.qmp.conn.close()
            self.qmp.conn = None
        self.qmp.outq = []
        return status

    def logs(self):
        out = ""
        for i in range(1, self.runs + 1):
            with open(os.path.join(self.dir, "relay-%d.log" % i)) as f:
                out += "--- relay run %d\n%s" % (i, f.read())
        return out

    def seen(self, obj):
        if obj.get("execute") == "oomguard-deflate-answer":
            self.answers.append(obj["arguments"])
        if obj.get("execute") == "guest-sync-delimited":
            self.syncs.append((time.monotonic(), obj["arguments"]["id"]))

    def pump(self, want, timeout=20.0, until=None):
        """fake_qemu.serve(), recording every answer and sync."""
        return fake_qemu.serve(self.qmp, self.guest, want, timeout, until, self.seen)

    def synchronise(self):
        cmd = self.pump(lambda o: o.get("execute") == "guest-sync-delimited")
        if cmd is None:
            raise SystemExit("FAIL: no guest-sync-delimited\n" + self.logs())
        self.guest.send(b"\xff" + json.dumps({"return": cmd["arguments"]["id"]}).encode() + b"\n")
        return cmd

    def request(self, rid, nbytes=64 * MIB, key="event"):
        """key "escaped": the member name spelled with a JSON escape."""
        line = json.dumps({"event": "oomguard-deflate-request",
                           "data": {"id": rid, "bytes": nbytes, "urgency": "act"}}).encode()
        if key == "escaped":
            line = line.replace(b'"event"', b'"\\u0065vent"')
        self.guest.send(line + b"\n")

    def answer(self, rid, timeout=20.0):
        a = self.pump(lambda o: o.get("execute") == "oomguard-deflate-answer" and o["arguments"]["id"] == rid,
                      timeout)
        return a["arguments"] if a else None

    def finish(self):
        if self.relay:
            self.kill_relay(signal.SIGTERM)
        if self.failures:
            print(self.logs())
        return 1 if self.failures else 0


def flood_run(h, key, seconds):
    """One guest sending deflate requests as fast as the relay answers and
    faster; returns (answers, query-balloon commands) within the window."""
    h.start_relay()
    h.synchronise()
    before_answers, before_queries = len(h.answers), h.qmp.count("query-balloon")
    rid = 1000
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(20):
            rid += 1
            h.request(rid, 1 * MIB, key)
        h.pump(lambda o: False, 0.02)
    answers = len(h.answers) - before_answers
    queries = h.qmp.count("query-balloon") - before_queries
    h.kill_relay(signal.SIGTERM)
    return answers, queries


def scenario_flood(h):
    seconds = 4
    # Burst 10, then 5 a second; one round's grace for answers in flight.
    bound = 10 + 5 * seconds + 5
    plain = flood_run(h, "event", seconds)
    escaped = flood_run(h, "escaped", seconds)
    print("plain key: %d answers, %d query-balloon; escaped key: %d answers, %d query-balloon" %
          (plain[0], plain[1], escaped[0], escaped[1]))
    h.check(plain[0] <= bound, "plain key: at most %d answers in %d s (%d)" % (bound, seconds, plain[0]))
    h.check(escaped[0] <= bound, "escaped key: at most %d answers in %d s (%d)" % (bound, seconds, escaped[0]))
    h.check(escaped[1] <= bound, "escaped key: at most %d query-balloon in %d s (%d)" % (bound, seconds, escaped[1]))


def scenario_late(h):
    h.start_relay()
    h.synchronise()
    h.request(1)
    h.pump(lambda o: False, 0.5)
    h.check(h.qmp.balloon_calls == [START + 64 * MIB], "one balloon command sent: %r" % h.qmp.balloon_calls)
    # While QEMU sits on the reply, the relay still serves the channel: a
    # guest that hangs up is reconnected and resynchronised within the
    # reconnect delay (1 s), not after the QMP timeout.
    h.guest.conn.close()
    h.guest.conn = None
    hung_up = time.monotonic()
    n = len(h.syncs)
    h.synchronise()
    took = h.syncs[n][0] - hung_up
    h.check(took < 3.0, "resynchronised %.1f s after the hang-up, while the balloon reply was outstanding" % took)
    h.request(1)        # the agent resends its pending request after the sync
    a = h.answer(1, 10)
    h.check(a == {"id": 1, "granted": True, "bytes": 64 * MIB}, "told granted once QEMU replied: %r" % a)
    h.check(len(h.qmp.balloon_calls) == 1, "the balloon command was never resent: %r" % h.qmp.balloon_calls)
    h.check(h.qmp.connections == 1, "the monitor connection was kept (%d connections)" % h.qmp.connections)


def restart(h, answered):
    h.start_relay()
    h.synchronise()
    h.request(7)
    if answered:
        a = h.answer(7)
        h.check(a == {"id": 7, "granted": True, "bytes": 64 * MIB}, "granted before the kill: %r" % a)
    else:
        h.pump(lambda o: False, 10, until=lambda: bool(h.qmp.balloon_calls))
        h.check(h.qmp.balloon_calls == [START + 64 * MIB], "QEMU applied the grant: %r" % h.qmp.balloon_calls)
        h.check(not h.answers, "the guest has no answer yet: %r" % h.answers)
    h.kill_relay(signal.SIGKILL)
    h.qmp.reply_delay = 0
    h.start_relay()
    h.synchronise()
    h.request(7)
    a = h.answer(7)
    h.check(a == {"id": 7, "granted": True, "bytes": 64 * MIB}, "after the restart: the same answer: %r" % a)
    h.request(8)        # and the rate budget survived too (64 MiB per 600 s)
    a = h.answer(8)
    h.check(a is not None and not a["granted"] and a.get("refusal") == "rate-limit",
            "a new id right after: refused rate-limit: %r" % a)
    h.check(h.qmp.balloon_calls == [START + 64 * MIB], "one balloon move in all: %r" % h.qmp.balloon_calls)
    h.check(h.qmp.actual == START + 64 * MIB, "balloon at %d MiB" % (h.qmp.actual // MIB))


def scenario_agent_restart(h):
    """The agent killed and started again behind the chardev connection,
    which stays open (virtio-serial tells the host nothing): the new agent's
    lone 0xFF must make the relay synchronise again at once, and the
    request the guard gives it again is answered as before, without a
    second balloon move."""
    h.start_relay()
    h.synchronise()
    h.request(7)
    a = h.answer(7)
    h.check(a == {"id": 7, "granted": True, "bytes": 64 * MIB}, "granted before the agent died: %r" % a)
    n = len(h.syncs)
    # the killed agent's half line, then the new agent's 0xFF
    h.guest.send(b'{"event":"oomguard-rep')
    h.guest.send(b"\xff")
    sent = time.monotonic()
    h.pump(lambda o: False, 5, until=lambda: len(h.syncs) > n)
    h.check(len(h.syncs) > n and h.syncs[n][0] - sent < 2.0,
            "the relay synchronised again within 2 s of the agent's 0xFF (%d syncs)" % (len(h.syncs) - n))
    if len(h.syncs) > n:
        h.guest.send(b"\xff" + json.dumps({"return": h.syncs[-1][1]}).encode() + b"\n")
    h.request(7)
    a = h.answer(7)
    h.check(a == {"id": 7, "granted": True, "bytes": 64 * MIB}, "the new agent gets the same answer: %r" % a)
    h.check(h.qmp.balloon_calls == [START + 64 * MIB], "one balloon move in all: %r" % h.qmp.balloon_calls)


def main():
    host, scenario = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        h = Harness(host, tmp, reply_delay=3.0 if scenario in ("late", "restart") else 0.0)
        try:
            {"flood": scenario_flood, "late": scenario_late,
             "restart": lambda h: restart(h, False), "answered": lambda h: restart(h, True),
             "agent-restart": scenario_agent_restart}[scenario](h)
        finally:
            status = h.finish()
    sys.exit(status)


if __name__ == "__main__":
    main()
