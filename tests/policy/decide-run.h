/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* decide() driven over a fake clock, for test-decide.c and test-verdicts.c:
 * a default policy, a fresh state and a 1 GiB guest at order 3 whose
 * headroom each step sets (min, and low and high 10 and 20 MiB under it). */

#include <stdint.h>

#include "decide.h"

#define MS UINT64_C(1000)
#define SEC UINT64_C(1000000)
#define MIB INT64_C(1024)

typedef struct Run {
        Policy p;
        DecideState st;
        Decision d;
        Pressure in;
} Run;

/* 600 MiB above every watermark at t = 1000 s, nothing decided yet. */
void run_init(Run *r);
/* Decides at at_usec with headroom_min_mib above min. */
void run_step(Run *r, uint64_t at_usec, int64_t headroom_min_mib);
