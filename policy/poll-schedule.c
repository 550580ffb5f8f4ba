/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "poll-schedule.h"

uint64_t poll_interval_ms(const Policy *p, Level level, int64_t headroom_low_kb)
{
        int64_t h = headroom_low_kb, span = (int64_t)p->warn_headroom_low_kb * 2;

        if (level > LEVEL_NORMAL || h <= 0)
                return p->fast_poll_ms;
        if (span <= 0 || h >= span)
                return p->slow_poll_ms;
        return p->fast_poll_ms + (p->slow_poll_ms - p->fast_poll_ms) * (uint64_t)h / (uint64_t)span;
}

uint64_t poll_slow_period_ms(const Policy *p)
{
        return p->steer_enabled && p->steer_rescan_ms < p->sample_interval_ms ? p->steer_rescan_ms
                                                                               : p->sample_interval_ms;
}
