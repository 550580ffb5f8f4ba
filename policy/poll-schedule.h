/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* When the guard samples next: pure functions of the policy, the level and
 * the headroom, so the schedule can be tested without a clock. */

#include <stdint.h>

#include "level.h"
#include "policy.h"

/* Above normal, sample fast to act and to see recovery (PSI events come at
 * most once per window). At normal the interval follows the headroom above
 * low: fast_poll_ms at or below 0, slow_poll_ms at twice the warn threshold
 * or more, linear between. PSI reports a stall once there is one; a
 * workload taking 200 MiB/s can go from plenty of headroom to the min
 * watermark in two seconds without a stall to report, and only a sample
 * sees that decline (and its time-to-min) early enough for the host to
 * answer first. */
uint64_t poll_interval_ms(const Policy *p, Level level, int64_t headroom_low_kb);

/* The slow timer's period: the periodic sample and, when steering is on and
 * rescans more often, the scan for new processes, in one wake-up. */
uint64_t poll_slow_period_ms(const Policy *p);
