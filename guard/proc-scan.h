/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The one walk over /proc that steering and victim choice share: every user
 * process (no kernel thread, zombie or dead task, never the guard itself)
 * with its stat and, when asked, its cgroup path. */

#include <stdbool.h>

#include "proc-parse.h"
#include "sysroot.h"

typedef struct ProcEntry {
        int pid;
        ProcStat stat;
        const char *cgroup;     /* NULL when not asked for or unreadable */
} ProcEntry;

/* Returns false to stop the walk. */
typedef bool (*ProcVisit)(SysRoot *root, const ProcEntry *e, void *userdata);

/* Reads a process's stat and (when want_cgroup) cgroup into *e, with the
 * cgroup text in cgroup[cgroup_size]. A process that went away meanwhile
 * gives -ENOENT or -ESRCH: not an error for a scan. */
int proc_read(SysRoot *root, int pid, bool want_cgroup, ProcEntry *e, char *cgroup, size_t cgroup_size);

/* Calls visit for each process under root's /proc. Returns 0 or a negative
 * errno when /proc cannot be listed. */
int proc_scan(SysRoot *root, int self, bool want_cgroup, ProcVisit visit, void *userdata);
