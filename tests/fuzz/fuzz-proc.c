/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/PID/{stat,cgroup,oom_score_adj} and the agent's records. */
#include "agent-link.h"
#include "fuzz-common.h"
#include "proc-parse.h"
#include "wire-report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *b = fuzz_copy(data, size), path[PROC_CGROUP_MAX];
        WireDeflateAnswer ans;
        WireRelease rel;
        ProcStat ps;
        size_t n;
        int adj;

        if (!b)
                return 0;
        (void)parse_proc_stat(b, size, &ps);
        if (parse_proc_cgroup(b, size, path, sizeof(path)) == 0) {
                (void)cgroup_unit(path, &n);
                (void)cgroup_covers("/system.slice", path);
        }
        (void)parse_oom_score_adj(b, size, &adj);
        (void)wire_parse_inbound(b, size, &ans, &rel);
        free(b);
        return 0;
}
