/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* oom_score_adj steering: processes matched by [protect] and [prefer] get
 * the section's value, so that if the kernel must kill, it kills the right
 * one. Every value changed is remembered, by pid and start time, and put
 * back by steer_restore() (pid reuse never restores into a stranger). The
 * rules themselves are policy/steer-rules.c. */

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "proc-parse.h"
#include "sysroot.h"

#define STEER_MAX 4096
#define STEER_NAMED_MAX 8       /* changes named in one log line */

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

/* One change, for the log: "sshd[100] 0 -> -900 (protect)". */
typedef struct SteerChange {
        int pid;
        char comm[PROC_COMM_MAX];
        int from, to;
        bool is_protected;
} SteerChange;

typedef struct SteerStats {
        unsigned scanned, matched, changed, restored, failed;
        unsigned n_named;       /* the first STEER_NAMED_MAX changes */
        SteerChange named[STEER_NAMED_MAX];
} SteerStats;

/* Scans every process under root's /proc and applies the rules. With
 * dry_run nothing is written. self is never touched. */
int steer_apply(Steer *st, SysRoot *root, const Policy *p, bool dry_run, int self, SteerStats *ret);

/* Puts back every value steer_apply() changed, where the process still
 * runs and still has the value oomguard gave it. */
int steer_restore(Steer *st, SysRoot *root, SteerStats *ret);

/* Forgets every change without writing anything: after a dry run, whose
 * changes were never written, so that new rules are said afresh. */
void steer_forget(Steer *st);

/* "sshd[100] 0 -> -900, hog[200] 0 -> 500" and ", ... and N more". */
void steer_format_changes(const SteerStats *s, char *buf, size_t size);
