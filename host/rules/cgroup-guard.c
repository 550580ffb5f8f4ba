/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A VM in a memory cgroup dies when the cgroup reaches its limit: the
 * kernel's memcg OOM killer picks QEMU (mm/memcontrol.c:
 * mem_cgroup_out_of_memory()), however much of the guest's RAM is clean
 * page cache the guest could have dropped. Before that, the guest is asked
 * to release (drop clean cache, compact) and the balloon takes what it can
 * spare: pages the balloon holds are discarded from QEMU
 * (hw/virtio/virtio-balloon.c: balloon_inflate_page() -> ram_block_discard_range()),
 * so QEMU's RSS, and the cgroup's usage, fall. */
#include "cgroup-guard.h"

#define KB_PER_MB UINT64_C(1024)
#define USEC_PER_SEC UINT64_C(1000000)

/* Never inflate a guest below a quarter of its maximum, and leave it an
 * eighth of its maximum of what it said it has available: a guest emptied
 * of memory to save its QEMU would kill its own processes instead. */
#define FLOOR_DIVISOR 4
#define RESERVE_DIVISOR 8
/* The room has to fall by more than this after a step for the next one. */
#define STEP_SLACK_KB (8 * KB_PER_MB)
/* Below this an inflation moves the balloon for nothing. */
#define MIN_INFLATE_KB (8 * KB_PER_MB)

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

uint64_t cgroup_working_set_kb(const CgroupFigures *f)
{
        return f->usage_kb - min_u64(f->inactive_file_kb, f->usage_kb);
}

uint64_t cgroup_room_kb(const CgroupFigures *f)
{
        uint64_t ws = cgroup_working_set_kb(f), limit = f->limit_kb, room;

        if (f->high_kb && (!limit || f->high_kb < limit))
                limit = f->high_kb;
        if (!limit)
                return UINT64_MAX;
        room = limit > ws ? limit - ws : 0;
        if (f->memsw_limit_kb) {
                uint64_t sw = f->memsw_usage_kb - min_u64(f->inactive_file_kb, f->memsw_usage_kb);

                room = min_u64(room, f->memsw_limit_kb > sw ? f->memsw_limit_kb - sw : 0);
        }
        return room;
}

void cgroup_guard_init(CgroupGuard *g)
{
        *g = (CgroupGuard){ 0 };
}

/* The working set's rate of rise in kB/s, smoothed over the last two
 * readings (half the new, half the old) so that one burst of writeback does
 * not look like a trend; a falling set counts as 0. */
static void track_rise(CgroupGuard *g, uint64_t ws_kb, uint64_t now_usec)
{
        if (g->have_prev && now_usec > g->prev_usec) {
                uint64_t dt_ms = (now_usec - g->prev_usec) / 1000;
                int64_t rise = 0;

                if (dt_ms == 0)
                        return;
                if (ws_kb > g->prev_ws_kb)
                        rise = (int64_t)min_u64((ws_kb - g->prev_ws_kb) * 1000 / dt_ms, UINT64_C(1) << 40);
                g->rise_kbps = (g->rise_kbps + rise) / 2;
        }
        g->have_prev = true;
        g->prev_ws_kb = ws_kb;
        g->prev_usec = now_usec;
}

/* What the guest can give: its MemAvailable less a reserve, and never
 * below the floor. The guest's own figure only ever limits what is taken
 * from it: a guest that overstates it is squeezed, never grown. */
static uint64_t spare_kb(const CgroupVmView *v)
{
        uint64_t reserve = v->maximum_kb / RESERVE_DIVISOR, floor = v->maximum_kb / FLOOR_DIVISOR, spare;

        if (v->guest_available_kb < 0 || (uint64_t)v->guest_available_kb <= reserve || v->actual_kb <= floor)
                return 0;
        spare = (uint64_t)v->guest_available_kb - reserve;
        return min_u64(spare, v->actual_kb - floor);
}

void cgroup_guard_decide(const HostPolicy *hp, CgroupGuard *g, const CgroupFigures *f, const CgroupVmView *v,
                         uint64_t step_kb, uint64_t now_usec, CgroupStep *ret)
{
        uint64_t margin_kb = hp->cgroup_margin_mb * KB_PER_MB, act_kb = hp->cgroup_act_mb * KB_PER_MB, inflate;
        uint64_t projected;

        *ret = (CgroupStep){ 0 };
        ret->ws_kb = cgroup_working_set_kb(f);
        ret->room_kb = cgroup_room_kb(f);
        track_rise(g, ret->ws_kb, now_usec);
        ret->rise_kbps = g->rise_kbps;
        if (act_kb == 0 || ret->room_kb == UINT64_MAX) {
                g->near = false;
                return;
        }
        /* Near: under the threshold, or falling toward the margin fast
         * enough to reach it within the horizon. */
        projected = (uint64_t)g->rise_kbps * CGROUP_HORIZON_S;
        ret->near = ret->room_kb < act_kb || ret->room_kb < margin_kb + projected;
        ret->new_episode = ret->near && !g->near;
        if (ret->new_episode)
                g->near_misses++;
        g->near = ret->near;
        if (!ret->near)
                return;
        ret->want_kb = act_kb + margin_kb + projected - min_u64(ret->room_kb, act_kb + margin_kb + projected);
        /* One step at a time: the last one needs seconds to show in QEMU's
         * RSS, unless the balloon already got to its target. */
        if (g->have_step) {
                if (now_usec < g->last_step_usec)
                        return;         /* a clock that went back */
                if (now_usec - g->last_step_usec < CGROUP_STEP_USEC &&
                    !(g->last_target_kb && v->actual_kb <= g->last_target_kb))
                        return;
        }
        /* A step that holds the cgroup where it is needs no successor:
         * the balloon caps what the guest can touch even when it took pages
         * the guest had never touched, which free nothing. Another step
         * only when the room kept falling, is at the margin, or falls fast
         * enough to reach it within the horizon. */
        if (g->have_step && ret->room_kb >= margin_kb + projected &&
            ret->room_kb + STEP_SLACK_KB >= g->last_step_room_kb)
                return;
        if (!v->guest_ready)
                return;
        ret->act = true;
        g->last_step_room_kb = ret->room_kb;
        g->have_step = true;
        g->last_step_usec = now_usec;
        ret->release_bytes = ret->want_kb * 1024;
        inflate = min_u64(min_u64(ret->want_kb, spare_kb(v)), step_kb);
        if (inflate >= MIN_INFLATE_KB)
                ret->target_kb = v->actual_kb - inflate;
        g->last_target_kb = ret->target_kb;
}
