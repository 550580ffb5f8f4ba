/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Which zones a request may use, and in what order: gfp_zone() in
 * include/linux/gfp.h and the zonelists built by build_zonelists() in
 * mm/page_alloc.c. */

#include <stdbool.h>

#include "sample.h"
#include "watermark.h"

/* A request by the highest zone its GFP zone bits allow. */
typedef enum RequestKind {
        REQ_KIND_KERNEL,        /* GFP_KERNEL: up to Normal, unmovable */
        REQ_KIND_MOVABLE,       /* GFP_HIGHUSER_MOVABLE: up to Movable, may use CMA */
        REQ_KIND_DMA32,         /* GFP_DMA32 */
        REQ_KIND_DMA,           /* GFP_DMA */
        _REQ_KIND_MAX,
        _REQ_KIND_INVALID = -1,
} RequestKind;

const char *request_kind_name(RequestKind k);

/* Gives every zone of the sample its index in this kernel's enum zone_type.
 * 4.12+ prints every zone, empty ones too, so the position is the index;
 * older kernels print populated zones only, and the layout is completed from
 * the length of protection[] (MAX_NR_ZONES) and the usual configs: Movable is
 * always built, DMA32 on 64-bit (no HighMem), then Device. Returns 0, or
 * -EINVAL when zone names are unknown and no layout fits. */
int zone_layout_resolve(Sample *s);

/* gfp_zone(): the index of the highest zone a request may use, -1 if this
 * kernel has no zone for it. */
int request_highest_zoneidx(const Sample *s, RequestKind kind);

typedef struct ZonelistVerdict {
        bool admitted;
        int node_id;            /* where it would be served; -1 if nowhere */
        int zone_index;         /* enum zone_type index of that zone */
        unsigned n_tried;       /* zones tried, in zonelist order */
} ZonelistVerdict;

/* get_page_from_freelist(): walks the zonelist of local_node (local zones
 * from the highest allowed down, then the other nodes; this model orders them
 * by id, not distance) and returns whether any zone admits the request.
 * Zones with no managed pages are not in the list (4.9+; populated before). */
bool zonelist_admits(const Sample *s, int local_node, RequestKind kind, RequestClass cls, unsigned order,
                     WatermarkMark mark, ZonelistVerdict *ret);
