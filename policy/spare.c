/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "spare.h"

/* The room above one threshold; the threshold off (0) leaves no bound. */
static int64_t room(int64_t headroom_kb, uint64_t threshold_kb, uint64_t hysteresis_kb, int64_t best)
{
        int64_t r;

        if (!threshold_kb)
                return best;
        r = headroom_kb - (int64_t)(threshold_kb + hysteresis_kb);
        return r < best ? r : best;
}

/* The other conditions of decide.c's level_for() that have no headroom to
 * spare: any of them keeps the level up whatever the headroom. */
static bool pressed(const Policy *p, const Pressure *in, int64_t decline)
{
        if (in->psi_present && ((p->warn_psi_some_avg10 && in->psi_some_avg10 >= p->warn_psi_some_avg10) ||
                                (p->act_psi_full_avg10 && in->psi_full_avg10 >= p->act_psi_full_avg10)))
                return true;
        if (decline > 0 && p->warn_time_to_min_s &&
            in->headroom_min_kb <= decline * (int64_t)p->warn_time_to_min_s)
                return true;
        return !in->order_ok_low;
}

uint64_t spare_kb(const Policy *p, const Pressure *in, const DecideState *st)
{
        int64_t decline = st->decline_kb_per_s > st->last_decline_kb_per_s ? st->decline_kb_per_s
                                                                             : st->last_decline_kb_per_s;
        int64_t r;

        /* Not the held level: after a burst the level stays up for
         * hold_ms, but memory above the thresholds plus the hysteresis is
         * what the level falls back to normal with. */
        if (pressed(p, in, st->decline_kb_per_s))
                return 0;
        /* With no headroom threshold at all, free memory above low is the
         * most a balloon may take before kswapd would have to run. */
        r = room(in->headroom_low_kb, p->warn_headroom_low_kb, p->hysteresis_kb, in->headroom_low_kb);
        r = room(in->headroom_min_kb, p->act_headroom_min_kb, p->hysteresis_kb, r);
        r = room(in->headroom_min_kb, p->critical_headroom_min_kb, p->hysteresis_kb, r);
        if (decline > 0)
                r -= decline * (int64_t)p->balloon_horizon_ms / 1000;
        return r > 0 ? (uint64_t)r : 0;
}

uint64_t spare_clean_cache_kb(const Sample *s)
{
        uint64_t busy = s->meminfo.dirty_kb + s->meminfo.writeback_kb;

        return s->meminfo.inactive_file_kb > busy ? s->meminfo.inactive_file_kb - busy : 0;
}
