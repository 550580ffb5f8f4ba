/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The memory cgroup files oomguard-host reads: /proc/PID/cgroup, one-value
 * files, "key value" files. A path that comes back must be one a root
 * handle can take without leaving the root. */
#include <stdio.h>

#include "cgroup-parse.h"
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *b = fuzz_copy(data, size), path[CGROUP_PATH_MAX], small[8];
        static const char *const keys[] = { "oom_kill", "total_inactive_file", "inactive_file", "oom" };
        CgroupVersion v;
        uint64_t n;

        if (!b)
                return 0;
        if (cgroup_parse_proc(b, size, &v, path, sizeof(path)) == 0) {
                if (path[0] != '/' || strstr(path, "/../") || strstr(path, "/./"))
                        abort();
                if (strlen(path) >= 3 && strcmp(path + strlen(path) - 3, "/..") == 0)
                        abort();
        }
        (void)cgroup_parse_proc(b, size, &v, small, sizeof(small));
        (void)cgroup_parse_bytes(b, size, &n);
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                (void)cgroup_parse_key(b, size, keys[i], &n);
        free(b);
        return 0;
}
