/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the guest can give back without its level leaving normal, from the
 * same figures the decision uses: the headroom above each headroom
 * threshold (with the hysteresis, so giving it does not keep the level
 * from falling, nor make it flap) less the demand the current decline expects over the balloon
 * horizon. And, apart, the clean page cache it would drop first. Pure. */

#include <stdint.h>

#include "decide.h"
#include "policy.h"
#include "pressure.h"
#include "sample.h"

/* 0 unless the thresholds say normal (PSI, time to min, order too): the
 * level itself may still be held up after a burst (hold_ms). */
uint64_t spare_kb(const Policy *p, const Pressure *in, const DecideState *st);

/* Inactive file pages that are neither dirty nor under writeback: what
 * reclaim takes first (mm/vmscan.c shrink_inactive_list()). */
uint64_t spare_clean_cache_kb(const Sample *s);
