/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The kill candidates: every process under /proc with what victim_pick()
 * ranks by (oom_score, oom_score_adj, RSS, [protect]/[prefer]), and the
 * words for why the chosen one was chosen. */

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "proc-parse.h"
#include "sysroot.h"
#include "victim.h"

#define KILL_CANDIDATES_MAX 4096

typedef struct Candidates {
        size_t n;
        unsigned n_protected;   /* matched [protect], or oom_score_adj -1000 */
        VictimCandidate c[KILL_CANDIDATES_MAX];
        uint64_t starttime[KILL_CANDIDATES_MAX];
        char comm[KILL_CANDIDATES_MAX][PROC_COMM_MAX];
} Candidates;

/* Fills *cs from root's /proc (self excluded). RSS is in the root's page
 * size: /proc/PID/stat counts pages, and a page is 4, 16 or 64 KiB. */
int victim_scan(SysRoot *root, const Policy *p, int self, Candidates *cs);

/* "matched [prefer]; highest oom_score 812 of 34 candidates, 2 protected" */
void victim_why(const Candidates *cs, int chosen, char *buf, size_t size);
