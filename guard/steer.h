/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* oom_score_adj steering: processes matched by [protect] and [prefer] get
 * the section's value, so that if the kernel must kill, it kills the right
 * one. Every value changed is remembered, by pid and start time, and put
 * back by steer_restore() (pid reuse never restores into a stranger). */

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "sysroot.h"

#define STEER_MAX 4096

typedef struct SteerEntry {
        int pid;
        uint64_t starttime;
        int16_t original, applied;
        bool seen;
} SteerEntry;

typedef struct Steer {
        unsigned n;
        SteerEntry e[STEER_MAX];
} Steer;

typedef struct SteerStats {
        unsigned scanned, matched, changed, restored, failed;
} SteerStats;

/* The adjustment policy p gives a process, and whether any rule matched. */
bool steer_target(const Policy *p, const char *comm, const char *cgroup, int *ret_adj, bool *ret_protected);

/* Scans every process under root's /proc and applies the rules. With
 * dry_run nothing is written. self is never touched. */
int steer_apply(Steer *st, SysRoot *root, const Policy *p, bool dry_run, int self, SteerStats *ret);

/* Puts back every value steer_apply() changed, where the process still
 * runs and still has the value oomguard gave it. */
int steer_restore(Steer *st, SysRoot *root, SteerStats *ret);
