/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the files are (Documentation/admin-guide/cgroup-v1/memory.rst and
 * cgroup-v2.rst): v1 mounts the memory controller at
 * /sys/fs/cgroup/memory, v2 the unified hierarchy at /sys/fs/cgroup. A
 * hybrid host (v1 memory, v2 at /sys/fs/cgroup/unified without the memory
 * controller) names both in /proc/PID/cgroup; the v1 memory line wins. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "kernel-parse.h"

#define V1_BASE "sys/fs/cgroup/memory"
#define V2_BASE "sys/fs/cgroup"

static int read_file(SysRoot *root, const char *dir, const char *name, const char **buf, size_t *len)
{
        char path[CGROUP_DIR_MAX + 64];

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
                return -ENAMETOOLONG;
        return sysroot_read_path(root, path, buf, len);
}

static int read_bytes(SysRoot *root, const char *dir, const char *name, uint64_t *ret)
{
        const char *buf;
        size_t len;
        int r = read_file(root, dir, name, &buf, &len);

        return r < 0 ? r : cgroup_parse_bytes(buf, len, ret);
}

static int read_key(SysRoot *root, const char *dir, const char *name, const char *key, uint64_t *ret)
{
        const char *buf;
        size_t len;
        int r = read_file(root, dir, name, &buf, &len);

        return r < 0 ? r : cgroup_parse_key(buf, len, key, ret);
}

/* Whether dir has a limit of its own: v1 limit_in_bytes, v2 memory.max or
 * memory.high below "unlimited". */
static bool has_limit(SysRoot *root, CgroupVersion v, const char *dir)
{
        uint64_t b;

        if (v == CGROUP_V1)
                return read_bytes(root, dir, "memory.limit_in_bytes", &b) >= 0 && b != CGROUP_UNLIMITED;
        return (read_bytes(root, dir, "memory.max", &b) >= 0 && b != CGROUP_UNLIMITED) ||
               (read_bytes(root, dir, "memory.high", &b) >= 0 && b != CGROUP_UNLIMITED);
}

int cgroup_find(SysRoot *root, int pid, CgroupRef *ret)
{
        char proc[64], path[CGROUP_PATH_MAX];
        const char *buf, *base, *usage_file;
        size_t len, base_len;
        uint64_t b;
        int r;

        *ret = (CgroupRef){ 0 };
        if (pid <= 0)
                return -ENOENT;
        snprintf(proc, sizeof(proc), "proc/%d/cgroup", pid);
        if ((r = sysroot_read_path(root, proc, &buf, &len)) < 0)
                return r;
        if ((r = cgroup_parse_proc(buf, len, &ret->version, path, sizeof(path))) < 0)
                return r;
        base = ret->version == CGROUP_V1 ? V1_BASE : V2_BASE;
        usage_file = ret->version == CGROUP_V1 ? "memory.usage_in_bytes" : "memory.current";
        /* "/" is the hierarchy's root: base itself. */
        snprintf(ret->dir, sizeof(ret->dir), "%s%s", base, strcmp(path, "/") == 0 ? "" : path);
        if ((r = read_bytes(root, ret->dir, usage_file, &b)) < 0)
                return r == -EINVAL || r == -ERANGE ? r : -ENOENT;
        /* Up from QEMU's cgroup to the first with a limit: a pod's limit
         * is on the pod's cgroup, QEMU's container below it may have
         * none. The hierarchy's root never has one. */
        base_len = strlen(base);
        strcpy(ret->limit_dir, ret->dir);
        for (;;) {
                char *slash;

                if (has_limit(root, ret->version, ret->limit_dir)) {
                        ret->has_limit = true;
                        return 0;
                }
                if (strlen(ret->limit_dir) <= base_len)
                        break;
                slash = strrchr(ret->limit_dir + base_len, '/');
                *slash = '\0';
        }
        strcpy(ret->limit_dir, ret->dir);
        return 0;
}

int cgroup_read(SysRoot *root, const CgroupRef *ref, CgroupFigures *ret)
{
        const char *dir = ref->limit_dir, *buf;
        uint64_t usage, limit = CGROUP_UNLIMITED, high = CGROUP_UNLIMITED, v;
        size_t len;
        int r;

        *ret = (CgroupFigures){ 0 };
        if (ref->version == CGROUP_V1) {
                if ((r = read_bytes(root, dir, "memory.usage_in_bytes", &usage)) < 0 ||
                    (r = read_bytes(root, dir, "memory.limit_in_bytes", &limit)) < 0)
                        return r;
                /* memsw files exist only with swap accounting. */
                if (read_bytes(root, dir, "memory.memsw.limit_in_bytes", &v) >= 0 && v != CGROUP_UNLIMITED &&
                    read_bytes(root, dir, "memory.memsw.usage_in_bytes", &ret->memsw_usage_kb) >= 0) {
                        ret->memsw_limit_kb = v / 1024;
                        ret->memsw_usage_kb /= 1024;
                }
                /* total_: the hierarchy's, as the limit counts it */
                if (read_key(root, dir, "memory.stat", "total_inactive_file", &v) >= 0)
                        ret->inactive_file_kb = v / 1024;
                ret->have_oom_kills = read_key(root, dir, "memory.oom_control", "oom_kill", &ret->oom_kills) >= 0;
        } else {
                if ((r = read_bytes(root, dir, "memory.current", &usage)) < 0)
                        return r;
                (void)read_bytes(root, dir, "memory.max", &limit);
                (void)read_bytes(root, dir, "memory.high", &high);
                if (read_key(root, dir, "memory.stat", "inactive_file", &v) >= 0)
                        ret->inactive_file_kb = v / 1024;
                ret->have_oom_kills = read_key(root, dir, "memory.events", "oom_kill", &ret->oom_kills) >= 0;
                if (read_file(root, dir, "memory.pressure", &buf, &len) >= 0) {
                        PsiSample psi;
                        ParseError err;

                        if (parse_psi(buf, len, &psi, &err) >= 0) {
                                ret->have_psi = true;
                                ret->psi_some_avg10 = psi.some.avg10;
                        }
                }
        }
        ret->usage_kb = usage / 1024;
        ret->limit_kb = limit == CGROUP_UNLIMITED ? 0 : limit / 1024;
        ret->high_kb = high == CGROUP_UNLIMITED ? 0 : high / 1024;
        return 0;
}
