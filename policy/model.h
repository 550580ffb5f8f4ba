/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The zone/watermark model: what one Sample means in the kernel's terms.
 * Pure: model_build() reads a Sample and writes a Model, nothing else. */

#include <stdbool.h>
#include <stdint.h>

#include "sample.h"
#include "watermark.h"
#include "zonelist.h"

typedef struct ZoneModel {
        int node_id;
        unsigned zone_pos;              /* position in NodeSample.zones[] */
        int index;                      /* enum zone_type index */
        ZoneKind kind;
        bool populated;                 /* managed > 0 */

        uint64_t free_kb, min_kb, low_kb, high_kb, boost_kb;
        uint64_t managed_kb, present_kb;
        uint64_t hidden_kb;             /* present - managed: boot reservations, and
                                         * the balloon without DEFLATE_ON_OOM */

        /* lowmem_reserve that applies to each request kind, kB */
        uint64_t reserve_kb[_REQ_KIND_MAX];

        /* order-0, normal-class headroom above each mark plus the reserve,
         * kB, negative when below: what __zone_watermark_ok() compares. */
        int64_t headroom_kb[_REQ_KIND_MAX][_WMARK_MAX];

        int largest_free_order;         /* -1: no free block known */
        unsigned n_orders;
        /* share of free memory in blocks smaller than the order, 1/10000 */
        uint16_t unusable_permyriad[OG_MAX_ORDERS];
} ZoneModel;

#define OG_MAX_MODEL_ZONES (OG_MAX_NODES * OG_MAX_ZONES)

typedef struct Model {
        KernelVersion kernel;
        unsigned page_size_kb;

        unsigned n_zones;
        ZoneModel zones[OG_MAX_MODEL_ZONES];

        uint64_t balloon_kb;
        uint64_t guest_ram_kb;          /* MemTotal with the balloon counted back in */
        uint32_t balloon_permyriad;     /* balloon / guest RAM */
} Model;

/* Builds the model of a sample whose zone indices are resolved
 * (zone_layout_resolve()). Returns 0 or -EINVAL for a sample with no zones. */
int model_build(const Sample *s, Model *ret);

/* Free blocks at or above an order, in pages: from buddyinfo, else from the
 * pagetypeinfo counts. */
uint64_t zone_free_pages_at_or_above(const ZoneSample *z, unsigned order);
