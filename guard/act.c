/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "act.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc-parse.h"
#include "victim-scan.h"

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif
#ifndef __NR_process_mrelease
#define __NR_process_mrelease 448
#endif

int act_drop_caches(SysRoot *root, ActResult *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->error = sysroot_write_path(root, "proc/sys/vm/drop_caches", "1\n", 2);
        snprintf(ret->detail, sizeof(ret->detail), "wrote 1 to /proc/sys/vm/drop_caches%s%s",
                 ret->error ? ": " : "", ret->error ? strerror(-ret->error) : "");
        return ret->error;
}

int act_compact(SysRoot *root, uint64_t nodes, ActResult *ret)
{
        unsigned done = 0;

        memset(ret, 0, sizeof(*ret));
        for (int n = 0; n < 64 && nodes; n++) {
                char path[64];

                if (!(nodes & (UINT64_C(1) << n)))
                        continue;
                snprintf(path, sizeof(path), "sys/devices/system/node/node%d/compact", n);
                if (sysroot_write_path(root, path, "1\n", 2) < 0) {
                        nodes = 0;      /* no per-node file (non-NUMA build): do all */
                        break;
                }
                done++;
        }
        if (nodes == 0) {
                ret->error = sysroot_write_path(root, "proc/sys/vm/compact_memory", "1\n", 2);
                snprintf(ret->detail, sizeof(ret->detail), "wrote 1 to /proc/sys/vm/compact_memory%s%s",
                         ret->error ? ": " : "", ret->error ? strerror(-ret->error) : "");
        } else
                snprintf(ret->detail, sizeof(ret->detail), "compacted %u node%s", done, done == 1 ? "" : "s");
        return ret->error;
}

/* Scans and picks; fills ret's detail and why. Returns the index in cs,
 * or -ESRCH when no process may be killed. */
static int pick(SysRoot *root, const Policy *p, int self, Candidates *cs, ActResult *ret)
{
        int i;

        (void)victim_scan(root, p, self, cs);
        i = victim_pick(cs->c, cs->n);
        if (i < 0) {
                snprintf(ret->detail, sizeof(ret->detail), "no process may be killed (%zu candidates, %u protected)",
                         cs->n, cs->n_protected);
                return -ESRCH;
        }
        ret->victim_pid = cs->c[i].pid;
        victim_why(cs, i, ret->why, sizeof(ret->why));
        return i;
}

static void name_victim(const Candidates *cs, int i, const char *verb, ActResult *ret)
{
        snprintf(ret->detail, sizeof(ret->detail), "%s %d (%s, oom_score %d, rss %llu kB)%s%s", verb, cs->c[i].pid,
                 cs->comm[i], cs->c[i].oom_score, (unsigned long long)cs->c[i].rss_kb, ret->error ? ": " : "",
                 ret->error ? strerror(-ret->error) : "");
}

int act_name_victim(SysRoot *root, const Policy *p, int self, ActResult *ret)
{
        Candidates *cs = malloc(sizeof(*cs));
        int i;

        memset(ret, 0, sizeof(*ret));
        if (!cs)
                return ret->error = -ENOMEM;
        i = pick(root, p, self, cs, ret);
        if (i >= 0)
                name_victim(cs, i, "victim", ret);
        else
                ret->error = i;
        free(cs);
        return ret->error;
}

int act_kill(SysRoot *root, const Policy *p, int self, ActResult *ret)
{
        static const char refused[] = "killing is only done on the live system";
        Candidates *cs;
        ProcStat ps;
        char path[64];
        const char *buf;
        size_t len;
        int i, pidfd;

        memset(ret, 0, sizeof(*ret));
        if (!sysroot_is_live(root)) {
                snprintf(ret->detail, sizeof(ret->detail), "%s", refused);
                return ret->error = -EPERM;
        }
        /* Preallocated by nobody: a kill is rare, and a failed allocation
         * here only means the kernel's own killer (which we steered) acts. */
        cs = malloc(sizeof(*cs));
        if (!cs)
                return ret->error = -ENOMEM;
        i = pick(root, p, self, cs, ret);
        if (i < 0) {
                free(cs);
                return ret->error = i;
        }
        pidfd = (int)syscall(__NR_pidfd_open, cs->c[i].pid, 0);
        if (pidfd < 0) {
                ret->error = -errno;
                goto out;
        }
        /* The pidfd pins the process; if the pid was reused between the
         * scan and pidfd_open(), the start time gives it away. */
        snprintf(path, sizeof(path), "proc/%d/stat", cs->c[i].pid);
        if (sysroot_read_path(root, path, &buf, &len) < 0 || parse_proc_stat(buf, len, &ps) < 0 ||
            ps.starttime != cs->starttime[i]) {
                ret->error = -ESRCH;
                close(pidfd);
                goto out;
        }
        if (syscall(__NR_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
                ret->error = -errno;
        else if (syscall(__NR_process_mrelease, pidfd, 0) < 0 && errno != ENOSYS)
                /* EINVAL if it is not yet dying, ESRCH if already gone: the
                 * SIGKILL stands either way. */
                ret->error = 0;
        close(pidfd);
out:
        name_victim(cs, i, ret->error ? "could not kill" : "killed", ret);
        free(cs);
        return ret->error;
}

int act_run(SysRoot *root, const Policy *p, int self, const PlannedAction *a, ActResult *ret)
{
        switch (a->kind) {
        case ACTION_DROP_CACHES:
                return act_drop_caches(root, ret);
        case ACTION_COMPACT:
                return act_compact(root, a->nodes, ret);
        case ACTION_KILL:
                return act_kill(root, p, self, ret);
        case ACTION_BALLOON:
        case _ACTION_MAX:
        default:
                memset(ret, 0, sizeof(*ret));
                snprintf(ret->detail, sizeof(ret->detail), "not a local action (%s): nothing done",
                         action_name(a->kind));
                return ret->error = -EINVAL;
        }
}
