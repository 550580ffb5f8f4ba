#!/usr/bin/env python3
"""Accuracy of `oomguardctl explain` on the fixture corpus.

  tests/ctl/corpus-facts.py OOMGUARDCTL FIXTURES_DIR [MIN_PERCENT]

Every NAME.facts beside a NAME.log under FIXTURES_DIR/oom-reports*/ holds facts
read from the log by hand, one per line ("reports 2", "1.trigger_pid 24430",
"2.zone 0/DMA32.free_kb 44196", "1.cause fragmentation", "1.not_cause
balloon", "1.can_reclaim false"). Each is checked against `explain --json`; the script prints every
wrong fact, then how many were right, and fails below MIN_PERCENT (default 95).
"""
import glob
import json
import os
import subprocess
import sys


def field(report, key):
    """The value explain gives for one fact key, as text (None: absent)."""
    simple = {
        "kind": ("kind",), "trigger_pid": ("trigger", "pid"), "trigger_comm": ("trigger", "comm"),
        "order": ("request", "order"), "gfp_mask": ("request", "gfp_mask"),
        "killed_pid": ("killed", "pid"), "killed_comm": ("killed", "comm"),
        "chosen_pid": ("chosen", "pid"), "chosen_process": ("chosen", "process"),
        "constraint": ("constraint",), "mems_allowed": ("mems_allowed",),
        "kernel": ("kernel", "release"), "memcg_version": ("memcg", "cgroup_version"),
        "memcg_anon_kb": ("memcg", "anon_kb"), "memcg_path": ("memcg", "path"),
        "gfp_flags": ("request", "gfp_flags"), "can_reclaim": ("request", "can_reclaim"),
    }
    v = report
    for k in simple[key]:
        if not isinstance(v, dict) or k not in v:
            return None
        v = v[k]
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def check(report, key, want):
    if key in ("cause", "not_cause"):
        return (want in report["causes"]) == (key == "cause"), " ".join(report["causes"])
    if key == "note":
        notes = report.get("notes", [])
        return any(want in n for n in notes), " | ".join(notes)
    if key == "free_blocks_only":
        node, zone = want.split("/")
        have = [f'{z["node"]}/{z["zone"]}' for z in report.get("zones_free_blocks_only", [])]
        return want in have, " ".join(have)
    if key.startswith("zone "):
        where, what = key[len("zone "):].rsplit(".", 1)
        node, zone = where.split("/")
        for z in report.get("zones", []):
            if str(z["node"]) == node and z["zone"] == zone:
                return str(z.get(what)) == want, str(z.get(what))
        return False, "no such zone"
    have = field(report, key)
    return have == want, have


def main():
    ctl, fixtures = sys.argv[1], sys.argv[2]
    minimum = float(sys.argv[3]) if len(sys.argv) > 3 else 95.0
    right = total = 0
    for facts in sorted(glob.glob(os.path.join(fixtures, "oom-reports*", "*.facts"))):
        log = facts[: -len(".facts")] + ".log"
        out = subprocess.run([ctl, "explain", "--json", log], capture_output=True, text=True)
        reports = [json.loads(l) for l in out.stdout.splitlines() if l.strip()]
        name = os.path.relpath(log, fixtures)
        for line in open(facts, encoding="utf-8"):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, _, want = line.partition(" ")
            total += 1
            if key == "reports":
                ok, have = len(reports) == int(want), str(len(reports))
            else:
                index, _, key = key.partition(".")
                # "1.zone 0/DMA32.free_kb 44196": the zone's name holds no space
                if key == "zone":
                    sub, _, want = want.partition(" ")
                    key = "zone " + sub
                i = int(index) - 1
                ok, have = check(reports[i], key, want) if i < len(reports) else (False, "no such report")
            right += ok
            if not ok:
                print(f"WRONG {name}: {line} (explain: {have})")
    pct = 100.0 * right / total if total else 0.0
    print(f"{right} of {total} checked facts right ({pct:.1f} %) in {fixtures}")
    return 0 if pct >= minimum else 1


sys.exit(main())
