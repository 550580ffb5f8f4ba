/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Acting before the host's OOM killer ends a VM at its memory cgroup's
 * limit. Pure like grant.c: the caller reads the cgroup (cgroup.c), passes
 * the figures, the hypervisor's balloon figures, what the guest last said
 * it has available, and the time; the answer is data: whether the cgroup is
 * near its limit, and how much to ask the guest to release and to inflate
 * the balloon by. */

#include <stdbool.h>
#include <stdint.h>

#include "host-policy.h"

/* One reading of the cgroup whose limit binds the VM: QEMU's own, or the
 * nearest ancestor with a limit (a pod, machine.slice). kB throughout. */
typedef struct CgroupFigures {
        uint64_t usage_kb;              /* memory.current / memory.usage_in_bytes */
        uint64_t limit_kb;              /* memory.max / limit_in_bytes; 0: no limit anywhere */
        uint64_t high_kb;               /* v2 memory.high; 0: none */
        uint64_t inactive_file_kb;      /* memory.stat: the cache it reclaims before any OOM kill */
        uint64_t memsw_usage_kb, memsw_limit_kb;       /* v1 memory+swap; limit 0: none */
        uint64_t oom_kills;             /* memory.events / oom_control "oom_kill" */
        bool have_oom_kills;
        uint32_t psi_some_avg10;        /* v2 memory.pressure, hundredths of a percent */
        bool have_psi;
} CgroupFigures;

/* The room under the limit: the limit (memory.high when lower, memsw when
 * it binds first) less the working set, usage less inactive file cache
 * (what kubelet and the kernel's reclaim treat as freeable). UINT64_MAX
 * when nothing limits; 0 at or over the limit. */
uint64_t cgroup_room_kb(const CgroupFigures *f);
/* The working set: usage less inactive file cache. */
uint64_t cgroup_working_set_kb(const CgroupFigures *f);

/* Per domain, between two decisions. */
typedef struct CgroupGuard {
        bool have_prev;
        uint64_t prev_ws_kb, prev_usec;
        int64_t rise_kbps;              /* smoothed rate the working set grows at */
        bool near;                      /* in a near-miss episode */
        bool have_step;
        uint64_t last_step_usec;
        uint64_t last_target_kb;        /* the balloon target of the last step */
        uint64_t last_step_room_kb;     /* the room when it was taken */
        uint64_t near_misses;           /* episodes: room fell under cgroup_act_mb (or soon would) */
} CgroupGuard;

/* What the hypervisor and the guest say, for sizing the inflation. */
typedef struct CgroupVmView {
        uint64_t actual_kb, maximum_kb; /* the balloon's actual size, the domain's maximum */
        int64_t guest_available_kb;     /* the guest's last MemAvailable; -1: not known */
        bool guest_ready;               /* the session is synchronised: release can be asked */
} CgroupVmView;

typedef struct CgroupStep {
        uint64_t room_kb, ws_kb;
        int64_t rise_kbps;
        bool near;                      /* room under cgroup_act_mb, or falling to the margin within the horizon */
        bool new_episode;               /* near now, and not at the last decision: one more near-miss */
        bool act;                       /* ask the release and move the balloon now */
        uint64_t want_kb;               /* what would bring the room back over act + margin */
        uint64_t release_bytes;         /* 0: do not ask */
        uint64_t target_kb;             /* the new balloon target; 0: do not move it */
} CgroupStep;

/* The time a release and an inflation take to show in QEMU's RSS, and the
 * horizon over which a rising working set is projected. */
#define CGROUP_STEP_USEC (UINT64_C(3) * 1000000)
#define CGROUP_HORIZON_S 10

void cgroup_guard_init(CgroupGuard *g);

/* One decision. step_kb bounds one inflation (the domain's step_mb). */
void cgroup_guard_decide(const HostPolicy *hp, CgroupGuard *g, const CgroupFigures *f, const CgroupVmView *v,
                         uint64_t step_kb, uint64_t now_usec, CgroupStep *ret);
