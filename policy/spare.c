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

uint64_t spare_kb(const Policy *p, const Pressure *in, const DecideState *st)
{
        int64_t decline = st->decline_kb_per_s > st->last_decline_kb_per_s ? st->decline_kb_per_s
                                                                             : st->last_decline_kb_per_s;
        int64_t r;

        if (st->level != LEVEL_NORMAL)
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
