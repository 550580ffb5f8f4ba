/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Which [protect] or [prefer] rule a process matches, and the oom_score_adj
 * that gives it: pure string rules over a process's name and cgroup path.
 * guard/steer.c applies them to /proc, guard/act.c ranks kill victims by
 * them. */

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

/* The systemd unit a cgroup path belongs to: its deepest component that ends
 * in .service or .scope ("sshd.service" for /system.slice/sshd.service/x).
 * Returns a pointer into path and its length, or NULL. */
const char *cgroup_unit(const char *path, size_t *ret_len);

/* Whether path is prefix or lies below it ("/a" covers "/a" and "/a/b", not "/ab"). */
bool cgroup_covers(const char *prefix, const char *path);

/* One rule against a process: name = comm, unit = the cgroup's unit,
 * cgroup = a path prefix. cgroup may be NULL (not read, or unknown). */
bool rule_matches(const MatchRule *r, const char *comm, const char *cgroup);

/* The adjustment policy p gives a process, and whether any rule matched.
 * [protect] wins over [prefer]. */
bool steer_target(const Policy *p, const char *comm, const char *cgroup, int *ret_adj, bool *ret_protected);

/* Whether any rule needs the process's cgroup (unit = or cgroup =): if not,
 * a scan need not read /proc/PID/cgroup. */
bool steer_rules_need_cgroup(const Policy *p);
