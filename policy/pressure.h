/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the decision looks at, boiled down from one sample and its model:
 * headroom in the kernel's terms, PSI, the balloon, and the zone to name
 * when explaining. Pure. */

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "sample.h"

typedef struct Pressure {
        uint64_t now_usec;

        /* Free memory above each mark (plus the lowmem reserve) that an
         * order-0 user allocation (GFP_HIGHUSER_MOVABLE) can still take,
         * summed over the zones it may use: 0 at min means direct reclaim
         * everywhere, then the OOM killer. */
        int64_t headroom_min_kb, headroom_low_kb, headroom_high_kb;

        unsigned order;                 /* policy's higher order */
        bool order_ok_low;              /* some zone serves it at low */
        uint64_t order_fail_nodes;      /* bit per node id < 64 whose zones cannot */

        /* the zone to name in the log: the largest one user allocations use */
        int zone_node;
        unsigned zone_pos;
        bool has_zone;

        bool psi_present;
        uint32_t psi_some_avg10, psi_full_avg10;        /* hundredths of % */

        uint64_t file_kb;               /* active + inactive file */
        uint64_t refault_pages;         /* workingset_refault_file counter */
        uint64_t guest_ram_kb, balloon_kb;
        bool deflate_on_oom;
} Pressure;

/* Fills *ret from a sample, its model and the policy's order. */
void pressure_from(const Sample *s, const Model *m, unsigned order, uint64_t now_usec, Pressure *ret);
