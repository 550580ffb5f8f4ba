/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "victim-scan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proc-scan.h"
#include "steer-rules.h"

static int read_number(SysRoot *root, int pid, const char *file, int *v)
{
        char path[64];
        const char *buf, *q;
        size_t len;
        uint64_t score;
        int r;

        snprintf(path, sizeof(path), "proc/%d/%s", pid, file);
        if ((r = sysroot_read_path(root, path, &buf, &len)) < 0)
                return r;
        if (strcmp(file, "oom_score_adj") == 0)
                return parse_oom_score_adj(buf, len, v) == 0 ? 0 : -EINVAL;
        q = buf;
        /* mm/oom_kill.c: oom_badness() normalised to 0..2000 by proc_oom_score() */
        if (take_u64(&q, buf + len, 2000, &score) < 0)
                return -EINVAL;
        *v = (int)score;
        return 0;
}

typedef struct VictimScan {
        const Policy *p;
        unsigned page_size_kb;
        Candidates *cs;
} VictimScan;

static bool add_candidate(SysRoot *root, const ProcEntry *pe, void *userdata)
{
        VictimScan *vs = userdata;
        Candidates *cs = vs->cs;
        VictimCandidate *c = &cs->c[cs->n];
        int adj;

        if (cs->n >= KILL_CANDIDATES_MAX)
                return false;
        if (pe->pid <= 1)
                return true;
        *c = (VictimCandidate){ .pid = pe->pid, .rss_kb = pe->stat.rss_pages * vs->page_size_kb };
        if (steer_target(vs->p, pe->stat.comm, pe->cgroup, &adj, &c->protected_))
                c->preferred = !c->protected_;
        if (read_number(root, pe->pid, "oom_score_adj", &c->oom_score_adj) < 0 ||
            read_number(root, pe->pid, "oom_score", &c->oom_score) < 0)
                return true;
        if (c->protected_ || c->oom_score_adj <= -1000)
                cs->n_protected++;
        cs->starttime[cs->n] = pe->stat.starttime;
        memcpy(cs->comm[cs->n], pe->stat.comm, PROC_COMM_MAX);
        cs->n++;
        return true;
}

int victim_scan(SysRoot *root, const Policy *p, int self, Candidates *cs)
{
        VictimScan vs = { .p = p, .page_size_kb = sysroot_page_size_kb(root), .cs = cs };

        cs->n = 0;
        cs->n_protected = 0;
        /* the cgroup is always read: [protect] by unit or cgroup must hold
         * even when steering is off */
        return proc_scan(root, self, true, add_candidate, &vs);
}

void victim_why(const Candidates *cs, int chosen, char *buf, size_t size)
{
        const VictimCandidate *v = &cs->c[chosen];

        /* the order of victim_pick(): [prefer] first, then oom_score, then RSS */
        snprintf(buf, size, "%s oom_score %d (oom_score_adj %d, rss %llu kB), of %zu candidates, %u protected",
                 v->preferred ? "matched [prefer], and among those the highest" : "the highest", v->oom_score,
                 v->oom_score_adj, (unsigned long long)v->rss_kb, cs->n, cs->n_protected);
}
