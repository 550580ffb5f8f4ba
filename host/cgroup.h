/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The memory cgroup of a VM's QEMU process, found and read through one
 * root directory handle (sample/sysroot.c): "/" in production, a fixture
 * tree in tests (tests/fixtures/cgroup/). */

#include "cgroup-guard.h"
#include "cgroup-parse.h"
#include "sysroot.h"

#define CGROUP_DIR_MAX (CGROUP_PATH_MAX + 32)

typedef struct CgroupRef {
        CgroupVersion version;
        /* Relative to the root: sys/fs/cgroup/memory/PATH (v1) or
         * sys/fs/cgroup/PATH (v2). */
        char dir[CGROUP_DIR_MAX];       /* QEMU's own */
        char limit_dir[CGROUP_DIR_MAX]; /* the nearest of dir and its ancestors with a limit; dir if none has one */
        bool has_limit;
} CgroupRef;

/* From /proc/PID/cgroup under the root: the memory cgroup and the one whose
 * limit binds it. Returns 0, -ENOENT (no process, no memory controller, or
 * its directory is missing), -EINVAL (a file that does not parse). */
int cgroup_find(SysRoot *root, int pid, CgroupRef *ret);

/* The figures of ref->limit_dir. Returns 0 or a negative errno (-ENOENT: the
 * cgroup went away; find it again). */
int cgroup_read(SysRoot *root, const CgroupRef *ref, CgroupFigures *ret);
