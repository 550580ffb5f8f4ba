/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* /proc/PID files, from buffers: the parts steering and victim choice need. */

#include <stddef.h>
#include <stdint.h>

#include "parse-util.h"
#include "steer-rules.h"   /* cgroup_unit(), cgroup_covers() */

#define PROC_COMM_MAX 16        /* TASK_COMM_LEN */
#define PROC_CGROUP_MAX 256

typedef struct ProcStat {
        char comm[PROC_COMM_MAX];
        char state;
        int ppid;
        uint64_t starttime;     /* clock ticks since boot: with the pid, names one process */
        uint64_t rss_pages;
        unsigned flags;         /* PF_KTHREAD = 0x00200000 marks kernel threads */
} ProcStat;

#define PROC_PF_KTHREAD 0x00200000u

/* /proc/PID/stat: "pid (comm) state ppid ... " where comm may hold spaces
 * and parentheses, so fields are counted from the last ')'. */
int parse_proc_stat(const char *buf, size_t len, ProcStat *ret);

/* /proc/PID/cgroup: the cgroup v2 path ("0::/path"), or with v1 only the
 * name=systemd hierarchy. Copies it into path (NUL-terminated). */
int parse_proc_cgroup(const char *buf, size_t len, char *path, size_t path_size);

/* /proc/PID/oom_score_adj: -1000..1000 */
int parse_oom_score_adj(const char *buf, size_t len, int *ret);
