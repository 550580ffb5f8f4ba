/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "watermark.h"

#include <string.h>

#define PCP_TYPES ((1u << MT_UNMOVABLE) | (1u << MT_MOVABLE) | (1u << MT_RECLAIMABLE))

static const char *const mark_names[_WMARK_MAX] = {
        [WMARK_MIN] = "min", [WMARK_LOW] = "low", [WMARK_HIGH] = "high",
};

static const char *const class_names[_REQ_CLASS_MAX] = {
        [REQ_CLASS_NORMAL] = "normal", [REQ_CLASS_HIGH] = "high", [REQ_CLASS_ATOMIC] = "atomic",
};

const char *watermark_mark_name(WatermarkMark m)
{
        return m >= 0 && m < _WMARK_MAX ? mark_names[m] : "?";
}

const char *request_class_name(RequestClass c)
{
        return c >= 0 && c < _REQ_CLASS_MAX ? class_names[c] : "?";
}

unsigned alloc_flags_for_class(KernelVersion kv, RequestClass cls, unsigned order, bool movable)
{
        unsigned flags = movable ? OG_ALLOC_CMA : 0;

        switch (cls) {
        case REQ_CLASS_HIGH:
                flags |= OG_ALLOC_HIGH;
                break;
        case REQ_CLASS_ATOMIC:
                /* <= 6.2: __GFP_HIGH gives ALLOC_HIGH, __GFP_ATOMIC (3.10: no
                 * __GFP_WAIT) gives ALLOC_HARDER. 6.3+: ALLOC_MIN_RESERVE and
                 * ALLOC_NON_BLOCK, plus ALLOC_HIGHATOMIC for order > 0. */
                flags |= OG_ALLOC_HIGH | OG_ALLOC_HARDER;
                if (kv >= KV(6, 3, 0) && order > 0)
                        flags |= OG_ALLOC_HIGHATOMIC;
                break;
        case REQ_CLASS_NORMAL:
        case _REQ_CLASS_MAX:
        case _REQ_CLASS_INVALID:
        default:
                break;
        }
        return flags;
}

uint64_t zone_mark_pages(const ZoneSample *z, WatermarkMark mark)
{
        switch (mark) {
        case WMARK_MIN:
                return z->min_pages;
        case WMARK_LOW:
                return z->low_pages;
        case WMARK_HIGH:
                return z->high_pages;
        case _WMARK_MAX:
        case _WMARK_INVALID:
        default:
                return z->high_pages;
        }
}

/* Whether the request may dip into the highatomic reserve. */
static bool may_use_highatomic(KernelVersion kv, unsigned flags)
{
        if (kv < KV(4, 4, 0))
                return true;    /* no highatomic reserve before 4.4 */
        if (kv < KV(4, 14, 0))
                return flags & OG_ALLOC_HARDER;
        if (kv < KV(6, 3, 0))
                return flags & (OG_ALLOC_HARDER | OG_ALLOC_OOM);
        /* 6.3+: any ALLOC_RESERVES bit skips the subtraction ... */
        return flags & (OG_ALLOC_HIGH | OG_ALLOC_HARDER | OG_ALLOC_OOM | OG_ALLOC_HIGHATOMIC);
}

/* ... but only ALLOC_HIGHATOMIC or ALLOC_OOM may take a highatomic block
 * for order > 0 (6.3+); before, "harder" requests could. */
static bool may_take_highatomic_block(KernelVersion kv, unsigned flags)
{
        if (kv < KV(6, 3, 0))
                return may_use_highatomic(kv, flags);
        return flags & (OG_ALLOC_HIGHATOMIC | OG_ALLOC_OOM);
}

/* mm/page_alloc.c: __zone_watermark_unusable_free() (5.10+), and the same
 * subtractions written inline in __zone_watermark_ok() for 4.4-5.4. */
static int64_t unusable_free(const ZoneSample *z, KernelVersion kv, unsigned order, unsigned flags)
{
        int64_t unusable = ((int64_t)1 << order) - 1;

        if (kv < KV(4, 4, 0))
                return unusable;        /* 3.10: CMA is taken off in the order-0 test only */

        if (!may_use_highatomic(kv, flags)) {
                /* 6.13 (in 6.12.19 stable) counts only the free pages of the
                 * reserve; before, its whole size ("over-estimate"). */
                if (kv >= KV(6, 12, 19))
                        unusable += (int64_t)z->free_highatomic_pages;
                else
                        unusable += (int64_t)z->reserved_highatomic_pages;
        }
        if (!(flags & OG_ALLOC_CMA))
                unusable += (int64_t)z->nr_free_cma;
        if (kv >= KV(6, 5, 0) && kv < KV(6, 12, 0))
                unusable += (int64_t)z->nr_unaccepted;
        return unusable;
}

static int64_t reduce_mark(KernelVersion kv, int64_t min, unsigned flags)
{
        if (kv < KV(4, 14, 0)) {
                if (flags & OG_ALLOC_HIGH)
                        min -= min / 2;
                if (flags & OG_ALLOC_HARDER)
                        min -= min / 4;
        } else if (kv < KV(6, 3, 0)) {
                if (flags & OG_ALLOC_HIGH)
                        min -= min / 2;
                if (flags & OG_ALLOC_OOM)
                        min -= min / 2; /* OOM victims dip deeper than "harder" */
                else if (flags & OG_ALLOC_HARDER)
                        min -= min / 4;
        } else {
                if (flags & OG_ALLOC_HIGH) {    /* ALLOC_MIN_RESERVE */
                        min -= min / 2;
                        if (flags & OG_ALLOC_HARDER)    /* ALLOC_NON_BLOCK */
                                min -= min / 4;
                }
                if (flags & OG_ALLOC_OOM)
                        min -= min / 2;
        }
        return min;
}

static unsigned order_types(const ZoneSample *z, unsigned k)
{
        if (z->has_order_types)
                return z->order_types[k];
        /* buddyinfo alone cannot tell the lists apart: assume an ordinary one. */
        return z->nr_free[k] ? PCP_TYPES : 0;
}

/* 4.4+: "only enforce watermarks for order-0": one suitable block of at
 * least this order is enough. */
static bool suitable_block_exists(const ZoneSample *z, KernelVersion kv, unsigned order, unsigned flags)
{
        for (unsigned k = order; k < z->n_orders && k < OG_MAX_ORDERS; k++) {
                unsigned types = order_types(z, k);

                if (types & PCP_TYPES)
                        return true;
                if ((flags & OG_ALLOC_CMA) && (types & (1u << MT_CMA)))
                        return true;
                if (may_take_highatomic_block(kv, flags) && (types & (1u << MT_HIGHATOMIC)))
                        return true;
        }
        return false;
}

bool zone_watermark_ok(const ZoneSample *z, KernelVersion kv, unsigned order, int64_t mark_pages,
                       int highest_zoneidx, unsigned flags, WatermarkVerdict *ret)
{
        WatermarkVerdict v = { .failed_order = -1 };
        int64_t free_pages = (int64_t)z->free_pages;
        int64_t min;

        if (order >= OG_MAX_ORDERS)
                order = OG_MAX_ORDERS - 1;

        v.reserve_pages = highest_zoneidx >= 0 && (unsigned)highest_zoneidx < z->n_protection ?
                                  (int64_t)z->protection[highest_zoneidx] : 0;
        free_pages -= unusable_free(z, kv, order, flags);
        min = reduce_mark(kv, mark_pages, flags);
        v.mark_pages = min;
        v.usable_free_pages = free_pages;

        if (kv < KV(4, 4, 0)) {
                /* 3.10-4.3: CMA pages are subtracted for the order-0 test
                 * only, then every lower order's blocks are taken away while
                 * the mark halves per order. */
                int64_t cma = (flags & OG_ALLOC_CMA) ? 0 : (int64_t)z->nr_free_cma;

                v.usable_free_pages = free_pages - cma;
                v.margin_pages = free_pages - cma - (min + v.reserve_pages);
                v.order0_ok = v.margin_pages > 0;
                v.ok = v.order0_ok;
                if (v.ok && order > 0 && !z->has_buddy && !z->has_order_types)
                        v.order_unknown = true;
                else if (v.ok) {
                        for (unsigned k = 0; k < order; k++) {
                                free_pages -= (int64_t)(z->nr_free[k] << k);
                                min >>= 1;
                                if (free_pages <= min) {
                                        v.ok = false;
                                        v.failed_order = (int)k;
                                        break;
                                }
                        }
                }
        } else {
                v.margin_pages = free_pages - (min + v.reserve_pages);
                v.order0_ok = v.margin_pages > 0;
                v.ok = v.order0_ok;
                if (v.ok && order > 0) {
                        if (!z->has_buddy && !z->has_order_types)
                                v.order_unknown = true;
                        else if (!suitable_block_exists(z, kv, order, flags)) {
                                v.ok = false;
                                v.failed_order = (int)order;
                        }
                }
        }
        if (ret)
                *ret = v;
        return v.ok;
}

bool zone_watermark_fast(const ZoneSample *z, KernelVersion kv, unsigned order, WatermarkMark mark,
                         int highest_zoneidx, unsigned flags, WatermarkVerdict *ret)
{
        int64_t mark_pages = (int64_t)zone_mark_pages(z, mark);
        WatermarkVerdict v;

        if (kv >= KV(4, 9, 0) && order == 0) {
                int64_t free_pages = (int64_t)z->free_pages, usable, reserved;
                int64_t reserve = highest_zoneidx >= 0 && (unsigned)highest_zoneidx < z->n_protection ?
                                          (int64_t)z->protection[highest_zoneidx] : 0;

                if (kv < KV(5, 10, 0))
                        /* 4.9-5.4 ignore the highatomic reserve here on purpose */
                        reserved = (flags & OG_ALLOC_CMA) ? 0 : (int64_t)z->nr_free_cma;
                else
                        reserved = unusable_free(z, kv, 0, flags);
                if (kv >= KV(5, 15, 0) && reserved > free_pages)
                        reserved = free_pages;  /* 5.15+ clamps with min() */
                usable = free_pages - reserved;
                if (usable > mark_pages + reserve) {
                        v = (WatermarkVerdict){
                                .ok = true, .order0_ok = true, .usable_free_pages = usable,
                                .mark_pages = mark_pages, .reserve_pages = reserve,
                                .margin_pages = usable - (mark_pages + reserve), .failed_order = -1,
                        };
                        if (ret)
                                *ret = v;
                        return true;
                }
        }

        if (zone_watermark_ok(z, kv, order, mark_pages, highest_zoneidx, flags, &v)) {
                if (ret)
                        *ret = v;
                return true;
        }

        /* 5.10+: __GFP_ATOMIC (5.10-6.2) or ALLOC_MIN_RESERVE (6.3+) order-0
         * requests at min ignore the boost. Needs the boost printed (5.16+). */
        if (kv >= KV(5, 10, 0) && order == 0 && mark == WMARK_MIN && z->has_boost &&
            z->boost_pages > 0 && z->boost_pages <= z->min_pages &&
            (flags & (kv < KV(6, 3, 0) ? OG_ALLOC_HARDER : OG_ALLOC_HIGH))) {
                WatermarkVerdict unboosted;

                if (zone_watermark_ok(z, kv, order, (int64_t)(z->min_pages - z->boost_pages),
                                      highest_zoneidx, flags, &unboosted)) {
                        unboosted.boost_bypass = true;
                        v = unboosted;
                }
        }
        if (ret)
                *ret = v;
        return v.ok;
}
