#!/usr/bin/python3
"""The table of tests/vm/bench/squeeze.sh.

    table.py RECORDS_DIR GUARD...

RECORDS_DIR holds GUARD-N/info (the e2e driver's KEY=VALUE records) per
boot. Prints one markdown row per guard: medians over the boots that sent
results.
"""
import os
import statistics
import sys

top, guards = sys.argv[1], sys.argv[2:]
SIGNALS = {"9": "SIGKILL", "15": "SIGTERM", "6": "SIGABRT"}
NAMES = {
    "unconstrained": "unconstrained (no balloon)",
    "none": "none",
    "earlyoom": "earlyoom 1.7",
    "nohang": "nohang 0.2.0",
    "oomd": "systemd-oomd 252 (slice limit 20 %)",
    "doo": "virtio-balloon deflate-on-oom",
    "oomguard": "oomguard + oomguard-host",
}


def boots(g):
    out = []
    for d in sorted(os.listdir(top)):
        if d.rsplit("-", 1)[0] != g:
            continue
        try:
            with open(os.path.join(top, d, "info")) as f:
                out.append(dict(l.rstrip("\n").partition("=")[::2] for l in f if "=" in l))
        except OSError:
            out.append(None)
    return out


def med(rs, key, scale):
    vals = [int(r[key]) / scale for r in rs if r.get(key, "").lstrip("-").isdigit()]
    return statistics.median(vals) if vals else None


def fmt(v, f):
    return "-" if v is None else f % v


def ended(g, r):
    if r.get("workload_done") == "1":
        return None
    if "workload" in r.get("kernel_killed", "").split(","):
        return "kernel OOM killer"
    parts = r.get("workload_end", "").split("/")
    sig = SIGNALS.get(parts[2], "signal " + parts[2]) if len(parts) == 3 else "?"
    return "%s (%s)" % (g if g not in ("none", "unconstrained", "doo") else "?", sig)


print("| guard in the guest | workload finished | kernel OOM kills | ended by | stall some | stall full | wall | idle RSS | idle CPU / 20 s |")
print("|---|---|---|---|---|---|---|---|---|")
for g in guards:
    all_boots = boots(g)
    rs = [r for r in all_boots if r]
    if not rs:
        print("| %s | no results (%d boots) | | | | | | | |" % (NAMES.get(g, g), len(all_boots)))
        continue
    done = sum(r.get("workload_done") == "1" for r in rs)
    enders = sorted({e for e in (ended(g, r) for r in rs) if e})
    rss = med(rs, "idle_rss_kb", 1024)
    print("| %s | %d of %d | %s | %s | %s | %s | %s | %s | %s |" % (
        NAMES.get(g, g), done, len(rs), fmt(med(rs, "oom_kills", 1), "%g"), ", ".join(enders) or "-",
        fmt(med(rs, "stall_some_us", 1e6), "%.2f s"), fmt(med(rs, "stall_full_us", 1e6), "%.2f s"),
        fmt(med(rs, "wall_ms", 1e3), "%.1f s"), fmt(rss, "%.1f MiB"), fmt(med(rs, "idle_cpu_ms", 1), "%g ms")))
