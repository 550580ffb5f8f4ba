/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The side effects, and nothing else: each function does one action through
 * the root and says what happened. Deciding is policy/decide.c's job. */

#include <stdbool.h>
#include <stdint.h>

#include "decide.h"
#include "policy.h"
#include "sysroot.h"

typedef struct ActResult {
        int error;              /* negative errno, 0 on success */
        char detail[160];       /* for the log: what was done to whom */
        int victim_pid;
        char why[200];          /* kill: why that process */
} ActResult;

/* fs/drop_caches.c: drop_caches_sysctl_handler(), value 1: clean page cache
 * only (mapped, dirty and writeback pages stay). */
int act_drop_caches(SysRoot *root, ActResult *ret);

/* mm/compaction.c: sysfs_compact_node() for each node in the mask (bit per
 * node id), or the whole machine via /proc/sys/vm/compact_memory when the
 * mask is 0 or a node has no compact file. "1" is the only value 6.6+ takes. */
int act_compact(SysRoot *root, uint64_t nodes, ActResult *ret);

/* Picks the victim with victim_pick() over every process under /proc, then
 * pidfd_open() (checking the start time, so a reused pid is never hit),
 * pidfd_send_signal(SIGKILL) and process_mrelease() to free its memory now.
 * Only on the live root. */
int act_kill(SysRoot *root, const Policy *p, int self, ActResult *ret);

/* The victim act_kill() would choose, named with why, changing nothing
 * (a dry run, --once; any root). */
int act_name_victim(SysRoot *root, const Policy *p, int self, ActResult *ret);

/* Carries out one local action of the decision: drop caches, compact or
 * kill. Any other kind (the balloon request goes to the host, not here;
 * a kind this build does not know) is refused with -EINVAL and does
 * nothing: a new action must never fall through to a kill. */
int act_run(SysRoot *root, const Policy *p, int self, const PlannedAction *a, ActResult *ret);
