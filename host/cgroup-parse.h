/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The memory cgroup files oomguard-host reads, parsed from a buffer and
 * its length (no NUL needed, never read past it). They are outside input:
 * a fuzzer feeds every function here (tests/fuzz/fuzz-cgroup.c). */

#include <stddef.h>
#include <stdint.h>

typedef enum CgroupVersion {
        CGROUP_NONE,
        CGROUP_V1,      /* a "memory" hierarchy of its own */
        CGROUP_V2,      /* the unified hierarchy */
} CgroupVersion;

#define CGROUP_PATH_MAX 512

/* A limit the kernel prints when there is none: v2 "max", v1
 * PAGE_COUNTER_MAX * PAGE_SIZE (9223372036854771712 on x86-64). Anything at
 * or above 2^62 bytes counts as unlimited. */
#define CGROUP_UNLIMITED UINT64_MAX

/* /proc/PID/cgroup (kernel/cgroup/cgroup.c: proc_cgroup_show()):
 * "ID:CONTROLLERS:PATH" per hierarchy. The v1 line naming the "memory"
 * controller wins; else the v2 line "0::PATH". The path is checked: it
 * starts with '/', has no "." or ".." component and no control byte, and
 * fits path_size. Returns 0, -ENOENT (no memory cgroup), -EINVAL. */
int cgroup_parse_proc(const char *buf, size_t len, CgroupVersion *ret_version, char *ret_path, size_t path_size);

/* One number in bytes, or "max" (v2): memory.current, memory.max,
 * memory.high, memory.usage_in_bytes, memory.limit_in_bytes ...
 * Unlimited comes back as CGROUP_UNLIMITED. Returns 0 or -EINVAL/-ERANGE. */
int cgroup_parse_bytes(const char *buf, size_t len, uint64_t *ret);

/* "key value" lines (memory.events, memory.stat, memory.oom_control): the
 * value of key, matched as a whole word at the start of a line. Returns 0,
 * -ENOENT when absent, -EINVAL when its value is not a number. */
int cgroup_parse_key(const char *buf, size_t len, const char *key, uint64_t *ret);
