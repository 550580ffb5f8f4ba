#!/usr/bin/python3
"""The tables of tests/vm/bench/arbiter.sh.

    table.py RECORDS_DIR

RECORDS_DIR holds pair-CONFIG-N/ (events.jsonl of conduct.py; A/ and B/:
relay.log stamped with this host's clock, got/results/ of the guest
driver) and reporting-off|on-N/ (events.jsonl). Prints one markdown table
per part found; medians over the runs that sent results.
"""
import json
import os
import re
import statistics
import sys

top = sys.argv[1]
ENTITLED_KB = 640 * 1024  # the balloon's "actual" at boot: target 640 MiB
GRANTED = re.compile(r"^(\S+) \S+: request (\d+) granted (\d+) kB, balloon \d+ -> (\d+) kB$")


def runs(prefix):
    out = []
    for d in sorted(os.listdir(top)):
        if d.rsplit("-", 1)[0] == prefix:
            out.append(os.path.join(top, d))
    return out


def events(d):
    try:
        with open(os.path.join(d, "events.jsonl")) as f:
            return [json.loads(l) for l in f if l.strip()]
    except OSError:
        return []


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def info(gdir):
    return dict(l.partition("=")[::2] for l in read(os.path.join(gdir, "got/results/info")).splitlines() if "=" in l)


def memtotal_log(gdir):
    out = []
    for l in read(os.path.join(gdir, "got/results/memtotal.log")).splitlines():
        try:
            t, kb = l.split()
            out.append((float(t), int(kb)))
        except ValueError:
            pass
    return out


def journal(gdir):
    out = []
    for l in read(os.path.join(gdir, "got/results/guard-journal.json")).splitlines():
        try:
            out.append(json.loads(l))
        except ValueError:
            pass
    return out


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, f):
    return "-" if v is None else f % v


def latencies(gdir, offset):
    """(request -> MemTotal at the granted size, request -> relay's
    "granted" line) in seconds, the guest's clock, per granted request."""
    boot = int(info(gdir).get("memtotal_boot_kb", "0") or 0)
    samples = memtotal_log(gdir)
    sent = {j.get("REQUEST_ID"): int(j["__REALTIME_TIMESTAMP"]) / 1e6 for j in journal(gdir)
            if j.get("ACTION") == "balloon_deflate" and j.get("REQUEST_ID")}
    out = []
    for l in read(os.path.join(gdir, "relay.log")).splitlines():
        m = GRANTED.match(l)
        if not m or not boot:
            continue
        host_t, rid, target = float(m.group(1)), m.group(2), int(m.group(4))
        if rid not in sent:
            continue
        t_req = sent[rid]
        want = boot + (target - ENTITLED_KB) - 1024
        seen = next((t for t, kb in samples if t >= t_req and kb >= want), None)
        out.append((None if seen is None else seen - t_req, host_t + offset - t_req))
    return out


def pair_row(cfg):
    rows = []
    for d in runs("pair-" + cfg):
        ev = events(d)
        limit = next((e for e in ev if e.get("ev") == "limit"), None)
        if limit is None:
            rows.append(None)
            continue
        off = {e["guest"]: e["offset"] for e in ev if e.get("ev") == "clock"}
        rtt = max(e["rtt"] for e in ev if e.get("ev") == "clock")
        done = [e for e in ev if e.get("ev") == "burst_done"]
        sent = {e["n"]: e for e in ev if e.get("ev") == "burst_sent"}
        before = {(e["guest"], e["why"]): e for e in ev if e.get("ev") == "memtotal"}
        logs = {g: read(os.path.join(d, g, "relay.log")) for g in "AB"}
        kills = sum(int(info(os.path.join(d, g)).get("oom_kill_total", "0") or 0) for g in "AB")
        guard_kills = sum(1 for g in "AB" for j in journal(os.path.join(d, g))
                          if j.get("ACTION") == "kill" and j.get("OUTCOME") == "done")
        returned, lent = [], []
        for n in sorted(sent):
            if n == 0:
                continue
            y = sent[n - 1]["guest"]
            gy = os.path.join(d, y)
            boot = before.get((y, "boot"), {}).get("kb")
            now = before.get((y, "before burst %d" % n))
            if boot is None or now is None:
                continue
            t0 = sent[n - 1]["t"] + off[y]
            peak = max([kb for t, kb in memtotal_log(gy) if t0 <= t <= now["guest_t"]] or [now["kb"]])
            lent.append((peak - boot) / 1024)
            returned.append((peak - now["kb"]) / 1024)
        lat = [x for g in "AB" for x in latencies(os.path.join(d, g), off.get(g, 0))]
        rows.append({
            "finished": sum(e.get("done") == "1" for e in done), "bursts": limit.get("rounds", len(sent)),
            "kills": kills, "guard_kills": guard_kills,
            "qemu_kills": int(read(os.path.join(d, "pod-oom-kills")).strip() or 0),
            "short": sum(l.count("refused: host-short") for l in logs.values()),
            "returned": med(returned), "lent": med(lent),
            "seen": [s for s, _ in lat if s is not None], "unseen": sum(s is None for s, _ in lat),
            "granted": [g for _, g in lat], "rtt": rtt,
            "reclaims": sum(l.count("reclaim (") for l in logs.values()),
            "caused": sum(l.count("caused by it") for l in logs.values()),
        })
    return rows


def pair_table():
    cfgs = [c for c in ("one-way", "arbiter") if runs("pair-" + c)]
    if not cfgs:
        return
    print("Two guests, one memory cgroup (arbiter.sh pair)\n")
    print("| configuration | runs | bursts finished | OOM kills in the guests / guard kills / QEMU killed in the cgroup | refusals host-short "
          "| loan returned before the other's burst | request -> guest sees it: median / worst "
          "| of it request -> relay's grant: median / worst | reclaim steps | requests caused by reclaim |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for cfg in cfgs:
        all_rows = pair_row(cfg)
        rs = [r for r in all_rows if r]
        if not rs:
            print("| %s | 0 of %d with results | | | | | | | | |" % (cfg, len(all_rows)))
            continue
        seen = [s for r in rs for s in r["seen"]]
        granted = [g for r in rs for g in r["granted"]]
        unseen = sum(r["unseen"] for r in rs)
        print("| %s | %d | %s of %s | %s / %s / %s | %s | %s of %s MiB | %s / %s s (%d grants%s) | %s / %s s (clocks +- %.3f s) | %s | %s |" % (
            cfg, len(rs), fmt(med(r["finished"] for r in rs), "%g"), fmt(med(r["bursts"] for r in rs), "%g"),
            fmt(med(r["kills"] for r in rs), "%g"), fmt(med(r["guard_kills"] for r in rs), "%g"),
            fmt(med(r["qemu_kills"] for r in rs), "%g"),
            fmt(med(r["short"] for r in rs), "%g"),
            fmt(med(r["returned"] for r in rs), "%.0f"), fmt(med(r["lent"] for r in rs), "%.0f"),
            fmt(med(seen), "%.2f"), fmt(max(seen) if seen else None, "%.2f"), len(seen),
            ", %d never seen" % unseen if unseen else "",
            fmt(med(granted), "%.2f"), fmt(max(granted) if granted else None, "%.2f"), max(r["rtt"] for r in rs) / 2,
            fmt(med(r["reclaims"] for r in rs), "%g"), fmt(med(r["caused"] for r in rs), "%g")))


def reporting_table():
    settings = [s for s in ("off", "on") if runs("reporting-" + s)]
    if not settings:
        return
    print("\nOne guest, QEMU's VmRSS around a reclaim (arbiter.sh reporting)\n")
    print("| free-page-reporting | runs | loan lent | reclaimed (burst's end -> MemTotal back) | QEMU RSS before burst | at peak | after reclaim | RSS given back |")
    print("|---|---|---|---|---|---|---|---|")
    for s in settings:
        rs = []
        for d in runs("reporting-" + s):
            ev = events(d)
            rss = {e["what"]: e["kb"] / 1024 for e in ev if e.get("ev") == "rss" and e["what"] != "waiting"}
            if "after_reclaim" not in rss:
                continue
            boot = next((e["kb"] for e in ev if e.get("ev") == "memtotal" and e["why"] == "boot"), None)
            peak_mt = max((kb for _, kb in memtotal_log(os.path.join(d, "G"))), default=None)
            back = next((e["back"] for e in ev if e.get("ev") == "reclaimed"), False)
            end = next((float(e["end"]) for e in ev if e.get("ev") == "burst_done"), None)
            rss["wait"] = None if end is None or boot is None else next(
                (t - end for t, kb in memtotal_log(os.path.join(d, "G")) if t > end and kb - boot <= 32 * 1024), None)
            rss["lent"] = None if boot is None or peak_mt is None else (peak_mt - boot) / 1024
            rss["back"] = back
            rs.append(rss)
        if not rs:
            print("| %s | 0 with results | | | | | | |" % s)
            continue
        print("| %s | %d | %s MiB | %d of %d (%s s) | %s MiB | %s MiB | %s MiB | %s MiB |" % (
            s, len(rs), fmt(med(r["lent"] for r in rs), "%.0f"), sum(bool(r["back"]) for r in rs), len(rs), fmt(med(r["wait"] for r in rs), "%.0f"),
            fmt(med(r.get("before") for r in rs), "%.0f"), fmt(med(r.get("peak") for r in rs), "%.0f"),
            fmt(med(r.get("after_reclaim") for r in rs), "%.0f"),
            fmt(med(r["peak"] - r["after_reclaim"] for r in rs), "%.0f")))


pair_table()
reporting_table()
