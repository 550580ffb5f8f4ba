/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "steer.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc-parse.h"

static bool rule_matches(const MatchRule *r, const char *comm, const char *cgroup)
{
        size_t unit_len;
        const char *unit;

        switch (r->kind) {
        case MATCH_NAME:
                return strcmp(r->value, comm) == 0;
        case MATCH_UNIT:
                unit = cgroup ? cgroup_unit(cgroup, &unit_len) : NULL;
                return unit && strlen(r->value) == unit_len && memcmp(unit, r->value, unit_len) == 0;
        case MATCH_CGROUP:
                return cgroup && cgroup_covers(r->value, cgroup);
        case _MATCH_KIND_MAX:
        default:
                return false;
        }
}

static bool set_matches(const RuleSet *set, const char *comm, const char *cgroup)
{
        for (unsigned i = 0; i < set->n_rules; i++)
                if (rule_matches(&set->rules[i], comm, cgroup))
                        return true;
        return false;
}

bool steer_target(const Policy *p, const char *comm, const char *cgroup, int *ret_adj, bool *ret_protected)
{
        /* [protect] wins over [prefer]: sparing by mistake costs less than
         * killing by mistake. */
        if (set_matches(&p->protect, comm, cgroup)) {
                *ret_adj = (int)p->protect.oom_score_adj;
                *ret_protected = true;
                return true;
        }
        *ret_protected = false;
        if (set_matches(&p->prefer, comm, cgroup)) {
                *ret_adj = (int)p->prefer.oom_score_adj;
                return true;
        }
        return false;
}

static bool needs_cgroup(const Policy *p)
{
        const RuleSet *sets[] = { &p->protect, &p->prefer };

        for (unsigned s = 0; s < 2; s++)
                for (unsigned i = 0; i < sets[s]->n_rules; i++)
                        if (sets[s]->rules[i].kind != MATCH_NAME)
                                return true;
        return false;
}

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

/* Reads a process's stat and (when rules need it) cgroup. -ENOENT and
 * friends mean it went away meanwhile: not an error. */
static int read_process(SysRoot *root, int pid, bool want_cgroup, ProcStat *ps, char *cgroup, size_t cgroup_size)
{
        char path[64];
        const char *buf;
        size_t len;
        int r;

        snprintf(path, sizeof(path), "proc/%d/stat", pid);
        if ((r = sysroot_read_path(root, path, &buf, &len)) < 0 || (r = parse_proc_stat(buf, len, ps)) < 0)
                return r;
        cgroup[0] = '\0';
        if (want_cgroup) {
                snprintf(path, sizeof(path), "proc/%d/cgroup", pid);
                if (sysroot_read_path(root, path, &buf, &len) < 0 || parse_proc_cgroup(buf, len, cgroup, cgroup_size) < 0)
                        cgroup[0] = '\0';
        }
        return 0;
}

static void steer_one(Steer *st, SysRoot *root, const Policy *p, bool dry_run, int pid, bool want_cgroup,
                      SteerStats *stats)
{
        char cgroup[PROC_CGROUP_MAX], path[64];
        ProcStat ps;
        SteerEntry *e;
        bool is_protected;
        int target, current;

        if (read_process(root, pid, want_cgroup, &ps, cgroup, sizeof(cgroup)) < 0)
                return;
        if ((ps.flags & PROC_PF_KTHREAD) || ps.state == 'Z' || ps.state == 'X')
                return;
        stats->scanned++;
        if (!steer_target(p, ps.comm, cgroup[0] ? cgroup : NULL, &target, &is_protected))
                return;
        stats->matched++;
        snprintf(path, sizeof(path), "proc/%d/oom_score_adj", pid);
        if (read_adj(root, path, &current) < 0)
                return;
        e = find_entry(st, pid);
        if (e && e->starttime != ps.starttime) {
                *e = (SteerEntry){ 0 };         /* pid reused: forget the old process */
                e->pid = pid;
        }
        if (e)
                e->seen = true;
        if (current == target || (dry_run && e && e->applied == target))
                return;
        if (!e) {
                if (st->n >= STEER_MAX) {
                        stats->failed++;        /* cannot remember it, so do not change it */
                        return;
                }
                e = &st->e[st->n++];
                *e = (SteerEntry){ .pid = pid, .starttime = ps.starttime, .original = (int16_t)current, .seen = true };
        } else if (e->starttime != ps.starttime || e->applied == 0) {
                e->starttime = ps.starttime;
                e->original = (int16_t)current;
        }
        /* A dry run remembers what it would have set, so that it says so
         * once per process, and writes nothing. */
        if (!dry_run && write_adj(root, path, target) < 0) {
                stats->failed++;
                return;
        }
        e->applied = (int16_t)target;
        stats->changed++;
}

int steer_apply(Steer *st, SysRoot *root, const Policy *p, bool dry_run, int self, SteerStats *stats)
{
        bool want_cgroup = needs_cgroup(p);
        struct dirent *de;
        DIR *d;
        int fd;

        memset(stats, 0, sizeof(*stats));
        fd = sysroot_open_dir(root, "proc");
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        for (unsigned i = 0; i < st->n; i++)
                st->e[i].seen = false;
        while ((de = readdir(d))) {
                char *end;
                long pid = strtol(de->d_name, &end, 10);

                if (*end || pid <= 0 || pid > INT32_MAX || pid == self)
                        continue;
                steer_one(st, root, p, dry_run, (int)pid, want_cgroup, stats);
        }
        closedir(d);
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
                ProcStat ps;
                int current;

                if (read_process(root, e->pid, false, &ps, cgroup, sizeof(cgroup)) < 0 || ps.starttime != e->starttime)
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
        st->n = 0;
        return stats->failed ? -EIO : 0;
}
