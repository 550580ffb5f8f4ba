#!/usr/bin/python3
"""Host side of tests/vm/bench/arbiter.sh: says what the guests do, when.

    conduct.py pair EVENTS POD_DIR ROOM_MB MARGIN_MB BURST_MIB IDLE_S ROUNDS A_DIR B_DIR
    conduct.py single EVENTS BURST_MIB SETTLE_S WAIT_S G_DIR

Each *_DIR is a guest's work dir: ctl.sock (the port org.oomguard.bench),
qemu.pid. EVENTS gets one JSON object a line, each with "t" (this host's
clock, seconds).

pair: both guests ready, their clocks read; after 10 s of idle the pod's
memory cgroup (POD_DIR, holding both QEMUs) gets the limit usage +
ROOM_MB + MARGIN_MB: room for what one burst adds to QEMU's RSS, not two;
then A, B, A, B... (ROUNDS bursts of BURST_MIB), IDLE_S apart, each
preceded by both guests' MemTotal. A QEMU that is gone (the cgroup's OOM
killer) ends the sequence.

single: one guest; QEMU's VmRSS before a burst (after SETTLE_S idle), its
highest while the burst runs (every 0.25 s), then every 2 s until the
guest's MemTotal is back within 32 MiB of its boot figure (at most WAIT_S),
and SETTLE_S after that.
"""
import json
import os
import socket
import sys
import time


def log(events, **kw):
    kw["t"] = time.time()
    events.write(json.dumps(kw) + "\n")
    events.flush()
    print("conduct: " + " ".join("%s=%s" % (k, v) for k, v in kw.items() if k != "t"), file=sys.stderr, flush=True)


class Guest:
    def __init__(self, name, work, events, timeout=900):
        self.name, self.work, self.events = name, work, events
        path = os.path.join(work, "ctl.sock")
        end = time.time() + 60
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                if time.time() > end:
                    raise
                time.sleep(0.2)
        self.file = self.sock.makefile("rw", buffering=1)
        self.sock.settimeout(timeout)

    def line(self):
        l = self.file.readline()
        if not l:
            raise EOFError("guest %s closed its port" % self.name)
        return l.split()

    def ask(self, *words):
        self.file.write(" ".join(str(w) for w in words) + "\n")
        self.file.flush()
        return self.line()

    def clock(self):
        t0 = time.time()
        w = self.ask("clock")
        t1 = time.time()
        # the guest's clock minus this host's, at the midpoint
        log(self.events, ev="clock", guest=self.name, offset=float(w[1]) - (t0 + t1) / 2, rtt=t1 - t0)

    def memtotal(self, why):
        w = self.ask("memtotal")
        log(self.events, ev="memtotal", guest=self.name, kb=int(w[1]), guest_t=float(w[2]), memfree_kb=int(w[3]),
            why=why)
        self.memfree_kb = int(w[3])
        return int(w[1])

    def burst(self, mib, n):
        log(self.events, ev="burst_sent", guest=self.name, n=n, mib=mib)
        w = self.ask("burst", mib, n)
        kv = dict(x.split("=", 1) for x in w[2:])
        log(self.events, ev="burst_done", guest=self.name, n=n, **kv)

    def ready(self):
        w = self.line()
        log(self.events, ev="ready", guest=self.name, words=w)
        self.clock()

    def end(self):
        self.file.write("end\n")
        self.file.flush()


def cg_read(pod, f):
    with open(os.path.join(pod, f)) as fh:
        return int(fh.read())


def vmrss_kb(work):
    """QEMU's VmRSS in kB; None once it is gone."""
    try:
        with open(os.path.join(work, "qemu.pid")) as f:
            pid = f.read().strip()
        with open("/proc/%s/status" % pid) as f:
            for l in f:
                if l.startswith("VmRSS:"):
                    return int(l.split()[1])
    except OSError:
        pass
    return None


def pair(events, pod, room_mb, margin_mb, burst_mib, idle_s, rounds, a_dir, b_dir):
    a, b = Guest("A", a_dir, events), Guest("B", b_dir, events)
    a.ready()
    b.ready()
    boot = {"A": a.memtotal("boot"), "B": b.memtotal("boot")}
    time.sleep(10)
    a.memtotal("settled")
    b.memtotal("settled")
    usage = cg_read(pod, "memory.usage_in_bytes")
    # Room for one burst: what one guest's burst adds to its QEMU's RSS
    # (ROOM_MB), and the relay's margin on top.
    limit = usage + (room_mb + margin_mb) * 1024 * 1024
    with open(os.path.join(pod, "memory.limit_in_bytes"), "w") as f:
        f.write(str(limit))
    log(events, ev="limit", usage_mb=usage >> 20, limit_mb=limit >> 20, room_mb=room_mb, margin_mb=margin_mb,
        boot=boot, rounds=rounds)
    order = [a, b]
    for n in range(rounds):
        g = order[n % 2]
        gone = [o.name for o in order if vmrss_kb(o.work) is None]
        if gone:
            log(events, ev="qemu_gone", guests=gone, failcnt=cg_read(pod, "memory.failcnt"))
            break
        for o in order:
            o.memtotal("before burst %d" % n)
        log(events, ev="cgroup", usage_mb=cg_read(pod, "memory.usage_in_bytes") >> 20,
            rss_a=vmrss_kb(a_dir), rss_b=vmrss_kb(b_dir))
        g.burst(burst_mib, n)
        log(events, ev="cgroup", usage_mb=cg_read(pod, "memory.usage_in_bytes") >> 20,
            max_usage_mb=cg_read(pod, "memory.max_usage_in_bytes") >> 20, rss_a=vmrss_kb(a_dir), rss_b=vmrss_kb(b_dir))
        time.sleep(idle_s)
    log(events, ev="end", failcnt=cg_read(pod, "memory.failcnt"))
    for o in order:
        try:
            o.memtotal("end")
            o.end()
        except (OSError, EOFError, ValueError):
            pass


def single(events, burst_mib, settle_s, wait_s, g_dir):
    import threading
    g = Guest("G", g_dir, events)
    g.ready()
    boot = g.memtotal("boot")
    time.sleep(settle_s)
    log(events, ev="rss", what="before", kb=vmrss_kb(g_dir))
    peak = [0]
    running = [True]

    def poll():
        while running[0]:
            peak[0] = max(peak[0], vmrss_kb(g_dir) or 0)
            time.sleep(0.25)
    th = threading.Thread(target=poll)
    th.start()
    g.burst(burst_mib, 0)
    running[0] = False
    th.join()
    log(events, ev="rss", what="peak", kb=peak[0])
    log(events, ev="rss", what="after_burst", kb=vmrss_kb(g_dir))
    end = time.time() + wait_s
    back = False
    while time.time() < end:
        kb = g.memtotal("waiting for the reclaim")
        log(events, ev="rss", what="waiting", kb=vmrss_kb(g_dir))
        if kb - boot <= 32 * 1024:
            back = True
            break
        time.sleep(2)
    log(events, ev="reclaimed", back=back)
    time.sleep(settle_s)
    log(events, ev="rss", what="after_reclaim", kb=vmrss_kb(g_dir))
    g.memtotal("end")
    g.end()


def main():
    mode, events = sys.argv[1], open(sys.argv[2], "a")
    try:
        if mode == "pair":
            pod, room, margin, mib, idle, rounds, a_dir, b_dir = sys.argv[3:]
            pair(events, pod, int(room), int(margin), int(mib), int(idle), int(rounds), a_dir, b_dir)
        else:
            mib, settle, wait, g_dir = sys.argv[3:]
            single(events, int(mib), int(settle), int(wait), g_dir)
    except (OSError, EOFError, ValueError) as e:
        log(events, ev="error", what=str(e))
        return 1
    return 0


sys.exit(main())
