#!/usr/bin/python3
"""Host-side checks of tests/vm/e2e.sh.

    check.py SCENARIO RESULTS_DIR RELAY_LOG

RESULTS_DIR is what the guest driver (e2e/driver) recorded; RELAY_LOG is
oomguard-host's output (absent for norelay). Prints "FAIL: ..." per failed
check, "info: ..." for what the report shows either way, and last
"summary: ..." for the PASS line. Exits 0 even when checks fail.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checklib import Results  # noqa: E402

scenario, relay_log = sys.argv[1], sys.argv[3]
res = Results(sys.argv[2])
fail, info, read, rec = res.fail, res.info, res.read, res.rec


def want(key, value, why):
    if rec.get(key) != value:
        fail("%s: %s=%s, want %s" % (why, key, rec.get(key, "(not recorded)"), value))


def num(key):
    try:
        return int(rec[key])
    except (KeyError, ValueError):
        fail("%s not recorded as a number: %r" % (key, rec.get(key)))
        return 0


records, levels, actions = res.journal()

# Scenario 4, in every boot: the package installs, READY, the records, removal.
want("install_rc", "0", "dpkg -i of the oomguard package")
want("guard_active", "active", "oomguard.service (Type=notify) right after dpkg -i")
want("guard_enabled", "enabled", "oomguard.service after dpkg -i")
if not rec.get("guard_status", "").startswith("level "):
    fail("the guard's sd_notify STATUS is %r, want 'level ...'" % rec.get("guard_status"))
want("agent_active", "active", "oomguard-agent.service, started by udev for the port")
want("agent_user", "oomguard-agent", "the agent's user")
want("port_group", "oomguard-agent", "the group of /dev/virtio-ports/org.oomguard.0 (the udev rule's)")
want("journald_adj_installed", "-900", "systemd-journald is [protect]ed by the shipped policy")
want("reload_rc", "0", "systemctl reload after editing the policy")
want("reinstall_rc", "0", "dpkg -i of the same package again")
want("conffile_kept", "yes", "the edited /etc/oomguard/policy.ini after the upgrade")
want("guard_active_after_reinstall", "active", "oomguard.service after the upgrade")
want("remove_rc", "0", "dpkg -r oomguard")
want("status_rc", "0", "oomguardctl status, as nobody, from the running guard")
want("status_json_rc", "0", "oomguardctl status --json, as nobody")
status_text = read("status.txt", must=False)
if not status_text.startswith("oomguard ") or "zones (" not in status_text or "policy: /etc/oomguard/policy.ini" not in status_text:
    fail("oomguardctl status does not show the level, the zones and the policy in force: %r" % status_text[:300])
try:
    status = json.loads(read("status.json", must=False) or "null")
except ValueError as e:
    status = None
    fail("oomguardctl status --json is not JSON: %s" % e)
if status is not None and (status.get("mode") != "daemon" or not status.get("zones")):
    fail("oomguardctl status --json: mode %r, %d zones" % (status.get("mode"), len(status.get("zones") or [])))
if status is not None:
    info("status: level %s (%s), actions %s" % (status.get("level"), status.get("reason"),
         ", ".join("%s %s" % (a["action"], a["outcome"]) for a in status.get("actions", [])) or "none"))
if rec.get("guard_after_remove") == "active":
    fail("oomguard.service still active after dpkg -r")
if rec.get("journald_adj_removed") != rec.get("journald_adj_before"):
    fail("systemd-journald's oom_score_adj after removal is %s, before install it was %s" % (
        rec.get("journald_adj_removed"), rec.get("journald_adj_before")))
with_zone = [j for j in levels if all(k in j for k in ("LEVEL", "REASON", "ZONE", "FREE_KB", "MIN_KB"))]
if not with_zone:
    fail("no level record with LEVEL, REASON, ZONE, FREE_KB, MIN_KB in the guard's journal (%d records)" % len(records))
# The unit's sandbox must leave the actions' files writable.
for j in actions:
    if j.get("RESULT") == "failed":
        fail("action %s failed: %s" % (j.get("ACTION"), j.get("MESSAGE", "?")))
for j in levels:
    info("level record: " + j.get("MESSAGE", "?"))
for j in actions:
    info("action record: " + j.get("MESSAGE", "?"))

# pod-limit runs no workload unit: no stall figures
stall = "PSI stall some %.2f s, full %.2f s, wall %.1f s" % (
    num("stall_some_us") / 1e6, num("stall_full_us") / 1e6, num("wall_ms") / 1e3) if scenario != "pod-limit" else ""
deflates = [j for j in actions if j.get("ACTION") == "balloon_deflate"]
grants = read(relay_log, must=False).count(" granted") if scenario != "norelay" else 0
grown = (num("memtotal_end_kb") - num("memtotal_boot_kb")) // 1024

if scenario in ("squeeze", "leak", "twobursts", "flatout"):
    want("host_synchronised", "yes", "the agent and the host relay")
    want("workload_done", "1", "the workload finished (its 'done' line)")
    want("oom_kills", "0", "kernel OOM kills during the workload")
    if rec.get("kernel_killed"):
        fail("the kernel killed: " + rec["kernel_killed"])
    if not deflates:
        fail("the guard sent no deflate request")
    if grants == 0:
        fail("the relay logged no grant")
    if grown <= 0:
        fail("MemTotal did not grow (%d MiB): the balloon did not deflate" % grown)
    if "host granted deflate request" not in read("guard-journal.txt"):
        fail("the guard never read a grant")

if scenario in ("squeeze", "flatout"):
    summary = "finished, 0 kills, %s; %d request(s), %d grant(s), MemTotal +%d MiB" % (
        stall, len(deflates), grants, grown)

elif scenario == "leak":
    # The first request: why, and whether any task had stalled on memory
    # since the leak began (psi.log: realtime s, some us, full us).
    start = float(rec.get("leak_start_realtime", "0") or 0)
    samples = []
    for line in read("psi.log").splitlines():
        try:
            t, some, full = line.split()
            samples.append((float(t), int(some), int(full)))
        except ValueError:
            pass
    if deflates:
        first = deflates[0]
        when = int(first.get("__REALTIME_TIMESTAMP", "0")) / 1e6
        if first.get("ACTION_REASON") != "time_to_min":
            fail("the first deflate request's reason is %s, want time_to_min" % first.get("ACTION_REASON"))
        before = [s for s in samples if start <= s[0] <= when]
        if len(before) < 2:
            fail("too few PSI samples between the leak's start and the request (%d)" % len(before))
        else:
            some = before[-1][1] - before[0][1]
            if some > 0:
                fail("tasks stalled on memory for %d us before the first request" % some)
            info("first request %.1f s after the leak began (%s), PSI some %d us before it" % (
                when - start, first.get("MESSAGE", "?"), some))
        summary = "finished, 0 kills, first request after %.1f s (time_to_min) before any stall, %s; %d grant(s), MemTotal +%d MiB" % (
            when - start, stall, grants, grown)
    else:
        summary = "no request"

elif scenario == "norelay":
    want("workload_done", "0", "the [prefer]red workload cannot finish without the host")
    want("keeper_alive", "yes", "the [protect]ed keeper")
    want("keeper_adj", "-900", "the keeper's oom_score_adj")
    want("workload_adj_max", "500", "the workload's oom_score_adj while it ran")
    killed = [k for k in rec.get("kernel_killed", "").split(",") if k]
    if "keeper" in killed:
        fail("the kernel killed the [protect]ed keeper")
    if "workload" not in killed and "kill" not in {j.get("ACTION") for j in actions}:
        fail("neither the kernel nor the guard killed the workload (kernel: %s)" % (killed or "nothing"))
    local = sorted({j.get("ACTION") for j in actions} & {"compact", "drop_caches"})
    if not local:
        fail("no local action (compact, drop_caches) in the guard's journal")
    summary = "workload killed (%s), keeper alive at -900, local actions %s, %s" % (
        ",".join(killed) or "by the guard", "+".join(local), stall)
elif scenario == "twobursts":
    want("first_workload_done", "1", "the first burst finished (its 'done' line)")
    want("first_oom_kills", "0", "kernel OOM kills during the first burst")
    if rec.get("first_kernel_killed"):
        fail("the kernel killed in the first burst: " + rec["first_kernel_killed"])
    boot, after, before = num("memtotal_boot_kb"), num("memtotal_after_first_kb"), num("memtotal_before_second_kb")
    lent = (after - boot) // 1024
    back = (before - boot) // 1024
    if lent <= 0:
        fail("the first burst borrowed nothing (MemTotal +%d MiB after it)" % lent)
    if abs(before - boot) > 64 * 1024:
        fail("MemTotal before the second burst is %+d MiB from boot's (the entitlement): want within 64" % back)
    log = read(relay_log, must=False)
    reclaims = [l for l in log.splitlines() if "reclaim (" in l]
    caused = [l for l in log.splitlines() if "caused by it" in l]
    for l in reclaims + caused:
        info("relay: " + l)
    if not reclaims:
        fail("the relay logged no reclaim step")
    if caused:
        fail("%d request(s) caused by a reclaim" % len(caused))
    metrics = read("host-metrics.prom", must=False)
    for l in metrics.splitlines():
        if l.startswith(("oomguard_host_entitlement_kb", "oomguard_host_loan_kb", "oomguard_host_reclaim",
                         "oomguard_host_spare_kb", "oomguard_host_adoptions")):
            info("metric: " + l)
    summary = ("both finished, 0 kills; lent +%d MiB, back to %+d MiB of the entitlement before the second "
               "burst; %d reclaim step(s), %d caused request(s); first %.1f s, second %s" % (
                   lent, back, len(reclaims), len(caused), num("first_wall_ms") / 1e3, stall))
elif scenario == "pod-limit":
    # The host side (QEMU alive, memcg OOM kills, RSS peak) is judged by
    # e2e-pod-limit.sh; here what the guest saw.
    want("host_synchronised", "yes", "the agent and the host relay")
    want("write_done", "yes", "the file written through the page cache")
    want("read_ok", "yes", "the file read back equal to what was written")
    want("oom_kills", "0", "the guest's own OOM kills")
    relay = read(relay_log, must=False)
    steps = relay.count("near the limit: asked release")
    if steps == 0:
        fail("the relay never acted on the cgroup (no 'near the limit: asked release' line)")
    for line in relay.splitlines():
        if "cgroup usage" in line or "memory cgroup" in line:
            info("relay: " + line.strip())
    summary = "file of %s bytes written in %.1f s and read back; %d release+inflate step(s)" % (
        rec.get("file_bytes", "?"), num("write_ms") / 1e3, steps)
else:
    fail("unknown scenario " + scenario)
    summary = "?"

print("summary: " + summary)
