#!/usr/bin/python3
"""Host-side checks of tests/vm/guard-in-guest.sh.

    check.py RESULTS_DIR

RESULTS_DIR is what the guest driver (guard-in-guest/driver) recorded. Prints
one line per finding on stdout: "FAIL: ..." for a failed check, "info: ..."
for what the report shows either way (the kernel's victims, oom_score_adj
values, oomguard's journal records), and last "summary: ..." for the PASS
line. Exits 0 even when checks fail; only a crash of this script exits
otherwise.
"""
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checklib import ACTION_ID, LEVEL_ID, Results  # noqa: E402
PROTECT_ADJ, PREFER_ADJ = "-900", "500"

res = Results(sys.argv[1])
fail, info, read, rec, fails = res.fail, res.info, res.read, res.rec, res.fails


def kills(phase):
    """(pid, comm, line) of each 'Killed process' in the phase's dmesg, in order."""
    out = []
    for line in read("dmesg-" + phase).splitlines():
        m = re.search(r"Out of memory: Killed process (\d+) \(([^)]*)\)", line)
        if m:
            out.append((m.group(1), m.group(2), line.strip()))
            info("phase %s dmesg: %s" % (phase, line.strip()))
    return out


def victim(phase, want, other):
    """Checks that the phase's first OOM kill took pid rec[PHASE_WANT_pid]."""
    ks = kills(phase)
    want_pid, other_pid = rec.get("%s_%s_pid" % (phase, want)), rec.get("%s_%s_pid" % (phase, other))
    if not ks:
        fail("phase %s: no 'Out of memory: Killed process' in the kernel log (%s pid %s, %s pid %s)"
             % (phase.upper(), want, want_pid, other, other_pid))
        return None
    pid, comm, _ = ks[0]
    if pid != want_pid:
        who = "the " + other if pid == other_pid else "neither keeper nor hog"
        fail("phase %s: the kernel killed pid %s (%s), %s, first; want the %s (pid %s)"
             % (phase.upper(), pid, comm, who, want, want_pid))
    return ks


# Phase A, the control: no guard, so the bigger keeper dies.
if rec.get("a_guard") != "inactive":
    fail("phase A: oomguard is '%s' after systemctl stop, want inactive" % rec.get("a_guard"))
for who in ("keeper", "hog"):
    if rec.get("a_%s_adj" % who) != "0":
        fail("phase A: %s's oom_score_adj is %s without the guard, want 0" % (who, rec.get("a_%s_adj" % who)))
ks_a = victim("a", "keeper", "hog")

# Phase B: the guard steers, so the hog dies and the keeper lives.
if rec.get("b_guard") != "active":
    fail("phase B: oomguard is '%s' after systemctl start, want active" % rec.get("b_guard"))
if rec.get("b_keeper_adj") != PROTECT_ADJ or rec.get("b_keeper_adj_with_hog") != PROTECT_ADJ:
    fail("phase B: keeper's oom_score_adj is %s (before the hog), %s (beside it), want %s"
         % (rec.get("b_keeper_adj"), rec.get("b_keeper_adj_with_hog"), PROTECT_ADJ))
if rec.get("b_hog_adj") != PREFER_ADJ:
    fail("phase B: hog's oom_score_adj is %s while it grows, want %s" % (rec.get("b_hog_adj"), PREFER_ADJ))
ks_b = victim("b", "hog", "keeper")
if ks_b and any(pid == rec.get("b_keeper_pid") for pid, _, _ in ks_b):
    fail("phase B: the kernel killed the keeper (pid %s) as well" % rec.get("b_keeper_pid"))
if rec.get("b_keeper_alive") != "yes" or rec.get("b_keeper_state_end") != "active":
    fail("phase B: keeper not alive at the end (process alive: %s, keeper.service %s)"
         % (rec.get("b_keeper_alive"), rec.get("b_keeper_state_end")))
if rec.get("b_keeper_adj_after_stop") != "0":
    fail("after oomguard stopped, keeper's oom_score_adj is %s, want it restored to 0"
         % rec.get("b_keeper_adj_after_stop"))

for k in ("a_keeper_rss_kb", "a_keeper_score", "a_hog_score", "a_first_death_ms", "b_psi_settle_ms",
          "b_psi_not_calm", "b_keeper_steered_ms", "b_keeper_adj", "b_first_death_ms",
          "b_hog_steered_ms", "b_hog_adj", "b_keeper_score", "b_hog_score", "b_keeper_adj_after_stop",
          "b_guard_status"):
    info("%s = %s" % (k, rec.get(k)))
for phase in "ab":
    for block in read("units-" + phase).strip().split("\n\n"):
        info("phase %s unit: %s" % (phase, " ".join(block.split())))

# oomguard's journal, every record of the boot (journalctl -o json -u).
records, levels, actions = res.journal()
KEYS = ("LEVEL", "PREVIOUS_LEVEL", "REASON", "ACTION", "RESULT", "NODE", "ZONE", "FREE_KB", "MIN_KB", "LOW_KB",
        "HIGH_KB", "HEADROOM_MIN_KB", "PSI_SOME_AVG10", "PSI_FULL_AVG10", "BALLOON_KB", "REQUEST_KB",
        "FREED_KB", "LATENCY_USEC")
for j in levels + actions:
    kind = "level " if j.get("MESSAGE_ID") == LEVEL_ID else "action"
    info("journal %s %s" % (kind, " ".join("%s=%s" % (k, j[k]) for k in KEYS if k in j)))
info("journal: %d records, %d level changes, %d actions; the guard's own lines:" % (len(records), len(levels), len(actions)))
for j in records:
    if j.get("MESSAGE_ID") not in (LEVEL_ID, ACTION_ID):
        info("  %s" % j.get("MESSAGE"))

full = [j for j in levels if all(j.get(k) for k in ("LEVEL", "ZONE", "FREE_KB"))]
if not full:
    fail("no oomguard level-change record (MESSAGE_ID %s) with LEVEL, ZONE and FREE_KB among %d level records"
         % (LEVEL_ID, len(levels)))
deflate = [j for j in actions if j.get("ACTION") == "balloon_deflate"]
if not any(j.get("RESULT") == "no-agent" for j in deflate):
    seen = collections.Counter("%s %s" % (j.get("ACTION"), j.get("RESULT")) for j in actions)
    fail("no oomguard action record with ACTION=balloon_deflate RESULT=no-agent; the actions were: %s"
         % (", ".join("%s (%dx)" % kv for kv in sorted(seen.items())) or "none"))
foreign = [j for j in levels + actions if j.get("_SYSTEMD_UNIT") != "oomguard.service"]
if foreign:
    fail("%d oomguard records not from oomguard.service (e.g. _SYSTEMD_UNIT %r)"
         % (len(foreign), foreign[0].get("_SYSTEMD_UNIT")))

def first(ks):
    return ks[0][0] if ks else "none"


print("summary: phase A killed pid %s (keeper %s), phase B killed pid %s (hog %s), keeper adj %s then %s, "
      "hog adj %s; %d level and %d action records"
      % (first(ks_a), rec.get("a_keeper_pid"), first(ks_b), rec.get("b_hog_pid"), rec.get("b_keeper_adj"),
         rec.get("b_keeper_adj_after_stop"), rec.get("b_hog_adj"), len(levels), len(actions)))
