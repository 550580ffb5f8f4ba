/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "steer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proc-scan.h"
#include "steer-rules.h"

static SteerEntry *find_entry(Steer *st, int pid)
{
        for (unsigned i = 0; i < st->n; i++)
                if (st->e[i].pid == pid)
                        return &st->e[i];
        return NULL;
}

static int read_adj(SysRoot *root, const char *path, int *adj)
{
        const char *buf;
        size_t len;
        int r = sysroot_read_path(root, path, &buf, &len);

        return r < 0 ? r : parse_oom_score_adj(buf, len, adj);
}

static int write_adj(SysRoot *root, const char *path, int adj)
{
        char text[16];
        int n = snprintf(text, sizeof(text), "%d\n", adj);

        return sysroot_write_path(root, path, text, (size_t)n);
}

typedef struct SteerScan {
        Steer *st;
        const Policy *p;
        bool dry_run;
        SteerStats *stats;
} SteerScan;

static void name_change(SteerStats *stats, const ProcEntry *pe, int from, int to, bool is_protected)
{
        SteerChange *c;

        if (stats->n_named >= STEER_NAMED_MAX)
                return;
        c = &stats->named[stats->n_named++];
        c->pid = pe->pid;
        memcpy(c->comm, pe->stat.comm, sizeof(c->comm));
        c->from = from;
        c->to = to;
        c->is_protected = is_protected;
}

static bool steer_one(SysRoot *root, const ProcEntry *pe, void *userdata)
{
        SteerScan *sc = userdata;
        Steer *st = sc->st;
        SteerStats *stats = sc->stats;
        char path[64];
        SteerEntry *e;
        bool is_protected;
        int target, current;

        stats->scanned++;
        if (!steer_target(sc->p, pe->stat.comm, pe->cgroup, &target, &is_protected))
                return true;
        stats->matched++;
        snprintf(path, sizeof(path), "proc/%d/oom_score_adj", pe->pid);
        if (read_adj(root, path, &current) < 0)
                return true;
        e = find_entry(st, pe->pid);
        if (e && e->starttime != pe->stat.starttime) {
                *e = (SteerEntry){ 0 };         /* pid reused: forget the old process */
                e->pid = pe->pid;
        }
        if (e)
                e->seen = true;
        if (current == target || (sc->dry_run && e && e->applied == target))
                return true;
        if (!e) {
                if (st->n >= STEER_MAX) {
                        stats->failed++;        /* cannot remember it, so do not change it */
                        return true;
                }
                e = &st->e[st->n++];
                *e = (SteerEntry){ .pid = pe->pid, .starttime = pe->stat.starttime, .original = (int16_t)current,
                                   .seen = true };
        } else if (e->starttime != pe->stat.starttime || e->applied == 0) {
                e->starttime = pe->stat.starttime;
                e->original = (int16_t)current;
        }
        /* A dry run remembers what it would have set, so that it says so
         * once per process, and writes nothing. */
        if (!sc->dry_run && write_adj(root, path, target) < 0) {
                stats->failed++;
                return true;
        }
        e->applied = (int16_t)target;
        stats->changed++;
        name_change(stats, pe, current, target, is_protected);
        return true;
}

int steer_apply(Steer *st, SysRoot *root, const Policy *p, bool dry_run, int self, SteerStats *stats)
{
        SteerScan sc = { .st = st, .p = p, .dry_run = dry_run, .stats = stats };
        int r;

        memset(stats, 0, sizeof(*stats));
        for (unsigned i = 0; i < st->n; i++)
                st->e[i].seen = false;
        r = proc_scan(root, self, steer_rules_need_cgroup(p), steer_one, &sc);
        if (r < 0)
                return r;
        /* Processes gone since the last scan: nothing to restore for them. */
        for (unsigned i = 0; i < st->n;)
                if (!st->e[i].seen)
                        st->e[i] = st->e[--st->n];
                else
                        i++;
        return 0;
}

int steer_restore(Steer *st, SysRoot *root, SteerStats *stats)
{
        memset(stats, 0, sizeof(*stats));
        for (unsigned i = 0; i < st->n; i++) {
                SteerEntry *e = &st->e[i];
                char path[64], cgroup[8];
                ProcEntry pe;
                int current;

                if (proc_read(root, e->pid, false, &pe, cgroup, sizeof(cgroup)) < 0 ||
                    pe.stat.starttime != e->starttime)
                        continue;
                snprintf(path, sizeof(path), "proc/%d/oom_score_adj", e->pid);
                /* Someone else changed it since: theirs wins. */
                if (read_adj(root, path, &current) < 0 || current != e->applied)
                        continue;
                if (write_adj(root, path, e->original) < 0)
                        stats->failed++;
                else
                        stats->restored++;
        }
        steer_forget(st);
        return stats->failed ? -EIO : 0;
}

void steer_forget(Steer *st)
{
        st->n = 0;
}

void steer_format_changes(const SteerStats *s, char *buf, size_t size)
{
        size_t used = 0;

        buf[0] = '\0';
        for (unsigned i = 0; i < s->n_named && used < size; i++) {
                int n = snprintf(buf + used, size - used, "%s%s[%d] %d -> %d (%s)", i ? ", " : "", s->named[i].comm,
                                 s->named[i].pid, s->named[i].from, s->named[i].to,
                                 s->named[i].is_protected ? "protect" : "prefer");

                if (n < 0)
                        return;
                used += (size_t)n;
        }
        if (used < size && s->changed > s->n_named)
                snprintf(buf + used, size - used, " and %u more", s->changed - s->n_named);
}
