/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The kernel's zone admission test, __zone_watermark_ok() and
 * zone_watermark_fast() in mm/page_alloc.c, for every era from 3.10 to 6.18.
 * Pure: takes a zone as sampled and says what the allocator would say. */

#include <stdbool.h>
#include <stdint.h>

#include "kernel-version.h"
#include "sample.h"

typedef enum WatermarkMark {
        WMARK_MIN,      /* slow path: gfp_to_alloc_flags() starts from ALLOC_WMARK_MIN */
        WMARK_LOW,      /* fast path: __alloc_pages() first try */
        WMARK_HIGH,     /* __alloc_pages_may_oom() last try; kswapd's target */
        _WMARK_MAX,
        _WMARK_INVALID = -1,
} WatermarkMark;

/* The ALLOC_* bits that change the arithmetic, under era-neutral names.
 * mm/internal.h spells them differently by era; the table in
 * alloc_flags_for_class() maps a request class onto them. */
enum {
        OG_ALLOC_HIGH = 1u << 0,        /* ALLOC_HIGH (<= 6.2), ALLOC_MIN_RESERVE (6.3+): -M/2 */
        OG_ALLOC_HARDER = 1u << 1,      /* ALLOC_HARDER (<= 6.2), ALLOC_NON_BLOCK (6.3+): -M/4 */
        OG_ALLOC_OOM = 1u << 2,         /* ALLOC_OOM (4.14+): OOM victims */
        OG_ALLOC_CMA = 1u << 3,         /* movable requests may take free CMA pages */
        OG_ALLOC_HIGHATOMIC = 1u << 4,  /* ALLOC_HIGHATOMIC (6.3+) */
};

/* How urgent a request is: which reductions of the mark it gets. */
typedef enum RequestClass {
        REQ_CLASS_NORMAL,       /* GFP_KERNEL, GFP_HIGHUSER_MOVABLE from a normal task */
        REQ_CLASS_HIGH,         /* __GFP_HIGH in a context that may sleep */
        REQ_CLASS_ATOMIC,       /* GFP_ATOMIC: __GFP_HIGH and cannot sleep */
        _REQ_CLASS_MAX,
        _REQ_CLASS_INVALID = -1,
} RequestClass;

typedef struct WatermarkVerdict {
        bool ok;
        bool order0_ok;         /* the free-page test passed */
        int64_t usable_free_pages;      /* F' after the era's subtractions */
        int64_t mark_pages;     /* the mark after the class's reductions */
        int64_t reserve_pages;  /* lowmem_reserve[highest_zoneidx] */
        int64_t margin_pages;   /* usable - (mark + reserve); the order-0 test needs > 0 */
        int failed_order;       /* 3.10-4.3: order whose blocks ran out; 4.4+: the
                                 * requested order when no suitable block exists; -1 */
        bool boost_bypass;      /* passed only against the unboosted min (5.10+) */
        bool order_unknown;     /* order > 0 but no free-block data: assumed to pass */
} WatermarkVerdict;

/* alloc flags the kernel would derive for a request of this class, order
 * and migratetype on this kernel (mm/page_alloc.c: gfp_to_alloc_flags()). */
unsigned alloc_flags_for_class(KernelVersion kv, RequestClass cls, unsigned order, bool movable);

/* min/low/high of the zone in pages, as the kernel uses them (boost included
 * from 5.0, which is how /proc/zoneinfo prints them). */
uint64_t zone_mark_pages(const ZoneSample *z, WatermarkMark mark);

/* mm/page_alloc.c: __zone_watermark_ok(). mark_pages is the mark as given to
 * the kernel function; highest_zoneidx indexes lowmem_reserve[] (classzone_idx
 * before 5.8). Returns the verdict; *ret, if given, gets the working. */
bool zone_watermark_ok(const ZoneSample *z, KernelVersion kv, unsigned order, int64_t mark_pages,
                       int highest_zoneidx, unsigned alloc_flags, WatermarkVerdict *ret);

/* mm/page_alloc.c: zone_watermark_fast() (4.9+; plain zone_watermark_ok()
 * before): the order-0 shortcut and, from 5.10, the boost bypass at min. */
bool zone_watermark_fast(const ZoneSample *z, KernelVersion kv, unsigned order, WatermarkMark mark,
                         int highest_zoneidx, unsigned alloc_flags, WatermarkVerdict *ret);

const char *watermark_mark_name(WatermarkMark m);
const char *request_class_name(RequestClass c);
