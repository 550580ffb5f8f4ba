/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Who oomguard would kill, if it must: a ranking over a caller-made list. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct VictimCandidate {
        int pid;
        int oom_score;          /* /proc/PID/oom_score: the kernel's own badness */
        int oom_score_adj;
        uint64_t rss_kb;
        bool protected_;        /* matched a [protect] rule */
        bool preferred;         /* matched a [prefer] rule */
} VictimCandidate;

/* The index of the process to kill, or -1 if none may be killed: never a
 * protected process, never oom_score_adj -1000, never pid 1. Preferred
 * processes go first; then the kernel's oom_score, so oomguard agrees with
 * the OOM killer it stands in for; then RSS. */
int victim_pick(const VictimCandidate *c, size_t n);
