/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zones of a report through the guard's own watermark model: each
 * zone's verdict for the request, and the causes the zones give. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain-internal.h"
#include "zonelist.h"

static int layout_index(const Sample *s, ZoneKind kind)
{
        for (unsigned l = 0; l < s->n_zone_layout; l++)
                if (s->zone_layout[l] == kind)
                        return (int)l;
        return -1;
}

/* gfp_zone() on this kernel's layout: a zone the config lacks means Normal. */
static int highest_index(const Sample *s, ZoneKind kind)
{
        int i = layout_index(s, kind);

        return i >= 0 ? i : layout_index(s, ZONE_KIND_NORMAL);
}

unsigned explain_page_kb(const OomReport *r)
{
        for (unsigned i = 0; i < r->n_zones; i++)
                if (r->zones[i].has_buddy && r->zones[i].buddy_total_kb) {
                        /* the first size the buddy line prints is one page */
                        uint64_t total = 0;

                        for (unsigned k = 0; k < r->zones[i].n_orders && k < OG_MAX_ORDERS; k++)
                                total += r->zones[i].buddy[k] << k;
                        if (total && r->zones[i].buddy_total_kb % total == 0 && r->zones[i].buddy_total_kb / total >= 4 &&
                            r->zones[i].buddy_total_kb / total <= 64)
                                return (unsigned)(r->zones[i].buddy_total_kb / total);
                }
        return 4;
}

void explain_to_sample(const OomReport *r, unsigned page_kb, Sample *s)
{
        s->page_size_kb = page_kb;
        for (unsigned i = 0; i < r->n_zones; i++) {
                const OomZone *oz = &r->zones[i];
                NodeSample *n = NULL;
                ZoneSample *z;

                if (!oz->has_line && !oz->has_buddy)
                        continue;
                for (unsigned j = 0; j < s->n_nodes; j++)
                        if (s->nodes[j].id == oz->node)
                                n = &s->nodes[j];
                if (!n) {
                        if (s->n_nodes >= OG_MAX_NODES)
                                continue;
                        n = &s->nodes[s->n_nodes++];
                        n->id = oz->node;
                        n->n_zones = 0;
                }
                if (n->n_zones >= OG_MAX_ZONES)
                        continue;
                z = &n->zones[n->n_zones++];
                memset(z, 0, sizeof(*z));
                snprintf(z->name, sizeof(z->name), "%s", oz->name);
                z->kind = zone_kind_from_name(oz->name);
                z->free_pages = oz->free_kb / page_kb;
                z->boost_pages = oz->boost_kb / page_kb;
                z->has_boost = oz->has_boost;
                z->min_pages = oz->min_kb / page_kb;
                z->low_pages = oz->low_kb / page_kb;
                z->high_pages = oz->high_kb / page_kb;
                z->present_pages = z->spanned_pages = oz->present_kb / page_kb;
                z->managed_pages = oz->managed_kb / page_kb;
                z->nr_free_cma = oz->free_cma_kb / page_kb;
                z->reserved_highatomic_pages = oz->reserved_highatomic_kb / page_kb;
                z->free_highatomic_pages = oz->free_highatomic_kb / page_kb;
                z->n_protection = oz->n_reserve;
                memcpy(z->protection, oz->reserve_pages, sizeof(z->protection));
                z->has_protection = oz->n_reserve > 0;
                if (oz->has_buddy) {
                        z->has_buddy = z->has_order_types = true;
                        z->n_orders = oz->n_orders;
                        for (unsigned k = 0; k < oz->n_orders && k < OG_MAX_ORDERS; k++) {
                                z->nr_free[k] = oz->buddy[k];
                                z->order_types[k] = oz->types[k];
                                /* a count with no letters (very old kernels) is an ordinary list */
                                if (oz->buddy[k] && !oz->types[k])
                                        z->order_types[k] = 1u << MT_MOVABLE;
                        }
                }
                if (!oz->has_line)
                        z->managed_pages = z->present_pages = z->spanned_pages = oz->buddy_total_kb / page_kb;
                else if (!oz->has_present && !oz->has_managed)
                        /* a line cut before its sizes: the zone has at least what is free */
                        z->managed_pages = z->present_pages = z->spanned_pages = z->free_pages;
        }
        (void)zone_layout_resolve(s);
}


/* "0-1,3" */
static bool node_in_list(const char *list, int node)
{
        const char *p = list;

        if (!*p)
                return true;
        while (*p) {
                char *end;
                long a = strtol(p, &end, 10), b;

                if (end == p)
                        return true;    /* not a list: do not exclude */
                b = a;
                p = end;
                if (*p == '-') {
                        b = strtol(p + 1, &end, 10);
                        p = end;
                }
                if (node >= a && node <= b)
                        return true;
                if (*p != ',')
                        break;
                p++;
        }
        return false;
}

static void verdicts_on(const OomReport *r, const Sample *s, Explanation *x)
{
        int order = r->has_order && r->order > 0 ? r->order : 0;
        unsigned flags = x->alloc_flags;

        for (unsigned i = 0; i < r->n_zones && x->n_verdicts < OOM_MAX_ZONES; i++) {
                const OomZone *oz = &r->zones[i];
                const ZoneSample *z = NULL;
                ZoneVerdict *zv = &x->verdicts[x->n_verdicts];
                const NodeSample *n = sample_node(s, oz->node);
                WatermarkVerdict tmp;

                if (!oz->has_line)
                        continue;
                for (unsigned j = 0; n && j < n->n_zones; j++)
                        if (strcmp(n->zones[j].name, oz->name) == 0)
                                z = &n->zones[j];
                if (!z)
                        continue;
                memset(zv, 0, sizeof(*zv));
                zv->zone = i;
                zv->largest_free_order = -1;
                for (unsigned k = 0; k < z->n_orders; k++)
                        if (z->nr_free[k])
                                zv->largest_free_order = (int)k;
                zv->usable = true;
                if (z->index > x->highest_zone_index)
                        zv->usable = false, zv->why_not = "above the request's highest zone";
                else if (!z->managed_pages)
                        zv->usable = false, zv->why_not = "no managed pages";
                else if (r->mems_allowed[0] && r->kind != OOM_KIND_MEMCG && !x->gfp.atomic &&
                         !node_in_list(r->mems_allowed, oz->node))
                        zv->usable = false, zv->why_not = "node outside the cpuset's mems_allowed";
                else if (r->nodemask[0] && strcmp(r->constraint, "CONSTRAINT_MEMORY_POLICY") == 0 &&
                         !node_in_list(r->nodemask, oz->node))
                        zv->usable = false, zv->why_not = "node outside the memory policy's nodemask";
                (void)zone_watermark_fast(z, x->kernel, (unsigned)order, WMARK_MIN, x->highest_zone_index, flags, &zv->v);
                zv->margin_kb = zv->v.margin_pages * (int64_t)s->page_size_kb;
                if (x->kernel < KV(4, 4, 0) && zv->v.order0_ok && !zv->v.ok && zv->v.failed_order >= 0) {
                        /* __zone_watermark_ok() before 4.4: for each order o
                         * below the request's, take away the free pages in
                         * blocks of order o and halve min; fail when what is
                         * left is not above it */
                        int64_t left = (int64_t)z->free_pages - (((int64_t)1 << order) - 1), mark = zv->v.mark_pages;

                        for (unsigned k = 0; k <= (unsigned)zv->v.failed_order && k < OG_MAX_ORDERS; k++) {
                                left -= (int64_t)(z->nr_free[k] << k);
                                mark >>= 1;
                        }
                        zv->era_left_kb = left * (int64_t)s->page_size_kb;
                        zv->era_mark_kb = mark * (int64_t)s->page_size_kb;
                }
                zv->reserve_kb = (uint64_t)zv->v.reserve_pages * s->page_size_kb;
                zv->passes_without_reserve =
                        zone_watermark_fast(z, x->kernel, 0, WMARK_MIN, z->index, flags, &tmp) && tmp.order0_ok;
                zv->passes_with_highatomic =
                        zone_watermark_fast(z, x->kernel, (unsigned)order, WMARK_MIN, x->highest_zone_index,
                                            flags | OG_ALLOC_HARDER | OG_ALLOC_OOM | OG_ALLOC_HIGHATOMIC, &tmp);
                x->any_usable |= zv->usable;
                x->any_admits |= zv->usable && zv->v.ok;
                x->n_verdicts++;
        }
}


/* The types of free list a request may take pages from. The highatomic
 * reserve serves a high-order atomic request (buffered_rmqueue() from 4.4,
 * rmqueue() later: ALLOC_HARDER and order > 0); an order-0 one reaches it
 * only from 6.3 (rmqueue_buddy(): ALLOC_NON_BLOCK, after __rmqueue() failed),
 * before that its per-cpu refill (rmqueue_bulk() -> __rmqueue()) falls back
 * over fallbacks[], which holds no MIGRATE_HIGHATOMIC. */
static unsigned usable_types(const Explanation *x, int order)
{
        unsigned t = (1u << MT_UNMOVABLE) | (1u << MT_MOVABLE) | (1u << MT_RECLAIMABLE) | (1u << MT_RESERVE);

        if (x->gfp.movable)
                t |= 1u << MT_CMA;
        if (x->gfp.atomic && x->gfp.high && (order > 0 || x->kernel >= KV(6, 3, 0)))
                t |= 1u << MT_HIGHATOMIC;
        return t;
}

/* Every free block the zone has is on lists the request may not use: the
 * watermark can pass (4.9-5.4 ignore the highatomic reserve for order 0)
 * and the allocation still find nothing. */
static bool no_usable_free_list(const OomZone *z, const Explanation *x, int order)
{
        bool any = false;

        if (!z->has_buddy)
                return false;
        for (unsigned k = (unsigned)(order > 0 ? order : 0); k < z->n_orders; k++) {
                if (!z->buddy[k])
                        continue;
                any = true;
                if (!z->types[k] || (z->types[k] & usable_types(x, order)))
                        return false;
        }
        return any;
}

void explain_zone_causes(const OomReport *r, const Explanation *xc, Explanation *x)
{
        int order = r->has_order ? r->order : 0;

        (void)xc;
        for (unsigned i = 0; i < x->n_verdicts; i++) {
                ZoneVerdict *zv = &x->verdicts[i];
                const OomZone *z = &r->zones[zv->zone];

                if (!zv->usable)
                        continue;
                if (zv->v.ok && !no_usable_free_list(z, x, order) &&
                    (zv->margin_kb * 10 <= (int64_t)(z->min_kb + zv->reserve_kb) || zv->margin_kb <= 512)) {
                        /* The report is printed after the failed attempt, from
                         * per-cpu-batched counters: a margin this thin is the
                         * watermark itself (mm/vmstat.c: stat_threshold). */
                        zv->v.ok = false;
                        if (zv->reserve_kb > z->min_kb)
                                explain_add_cause(x, CAUSE_LOWMEM_RESERVE,
                                          "node %d %s: free %" PRIu64 " kB is within %" PRId64 " kB of min %" PRIu64
                                          " kB + the lowmem reserve of %" PRIu64 " kB this request must leave in it "
                                          "(inside the drift of the counters the report prints)",
                                          z->node, z->name, z->free_kb, zv->margin_kb, z->min_kb, zv->reserve_kb);
                        else
                                explain_add_cause(x, CAUSE_BELOW_MIN_WATERMARK,
                                          "node %d %s: free %" PRIu64 " kB is within %" PRId64 " kB of min %" PRIu64
                                          " kB, inside the drift of the counters the report prints",
                                          z->node, z->name, z->free_kb, zv->margin_kb, z->min_kb);
                        continue;
                }
                if (zv->v.ok && no_usable_free_list(z, x, order)) {
                        unsigned seen = 0;

                        for (unsigned k = (unsigned)(order > 0 ? order : 0); k < z->n_orders; k++)
                                if (z->buddy[k])
                                        seen |= z->types[k] & ~usable_types(x, order);
                        zv->v.ok = false;
                        zv->v.failed_order = order;
                        zv->only_unusable_lists = true;
                        explain_add_cause(x, CAUSE_HIGHATOMIC_RESERVE,
                                  "node %d %s: free %" PRIu64 " kB passes the watermark, but every free block of "
                                  "order %d or more is in %s%s%s pageblocks, which this request may not take%s",
                                  z->node, z->name, z->free_kb, order > 0 ? order : 0,
                                  seen & (1u << MT_HIGHATOMIC) ? "highatomic (H)" : "",
                                  (seen & (1u << MT_HIGHATOMIC)) && (seen & ~(1u << MT_HIGHATOMIC)) ? " or " : "",
                                  seen & (1u << MT_CMA) ? "CMA (C)" : seen & (1u << MT_ISOLATE) ? "isolated (I)" : "",
                                  (seen & (1u << MT_HIGHATOMIC)) && order == 0 && x->kernel < KV(6, 3, 0) ?
                                          ": before 6.3 an order-0 request refills its per-cpu list through "
                                          "__rmqueue(), whose fallbacks never include the highatomic reserve" :
                                          "");
                        continue;
                }
                if (zv->v.ok && !z->has_reserved_highatomic && x->kernel >= KV(4, 4, 0) && x->kernel < KV(5, 10, 0)) {
                        /* 4.4-5.9 subtract the whole reserve but do not print it:
                         * with H blocks in the free lists, try its largest size
                         * (reserve_highatomic_pageblock(): 1% of managed + a pageblock) */
                        bool has_h = false;

                        for (unsigned k = 0; k < z->n_orders; k++)
                                has_h |= z->types[k] & (1u << MT_HIGHATOMIC);
                        if (has_h && !(x->alloc_flags & OG_ALLOC_HARDER)) {
                                uint64_t bound_kb = z->managed_kb / 100 + 512 * x->page_kb;

                                if (z->free_kb - (uint64_t)(1u << order) * x->page_kb <= z->min_kb + zv->reserve_kb + bound_kb)
                                        explain_add_cause(x, CAUSE_HIGHATOMIC_RESERVE,
                                                  "node %d %s: highatomic blocks (H) are in its free lists, and this "
                                                  "kernel withholds the whole reserve without printing it; at its "
                                                  "largest (%" PRIu64 " kB) it takes the zone below min",
                                                  z->node, z->name, bound_kb);
                        }
                }
                if (!zv->passes_without_reserve && z->free_kb <= z->min_kb + z->min_kb / 4)
                        explain_add_cause(x, CAUSE_BELOW_MIN_WATERMARK,
                                  "node %d %s: free %" PRIu64 " kB is at or below min %" PRIu64 " kB (low %" PRIu64
                                  ", high %" PRIu64 ")",
                                  z->node, z->name, z->free_kb, z->min_kb, z->low_kb, z->high_kb);
                else if (!zv->v.order0_ok && zv->passes_without_reserve && zv->reserve_kb)
                        explain_add_cause(x, CAUSE_LOWMEM_RESERVE,
                                  "node %d %s: free %" PRIu64 " kB is above min %" PRIu64 " kB but not above min + the "
                                  "lowmem reserve of %" PRIu64 " kB this request must leave in it",
                                  z->node, z->name, z->free_kb, z->min_kb, zv->reserve_kb);
                else if (!zv->v.order0_ok && (z->reserved_highatomic_kb || z->free_highatomic_kb))
                        explain_add_cause(x, CAUSE_HIGHATOMIC_RESERVE,
                                  "node %d %s: the highatomic reserve (%" PRIu64 " kB) is not for this request",
                                  z->node, z->name, z->reserved_highatomic_kb);
                if (zv->v.order0_ok && !zv->v.ok && zv->v.failed_order >= 0) {
                        bool only_highatomic = x->kernel >= KV(4, 4, 0);

                        for (unsigned k = (unsigned)order; k < z->n_orders && only_highatomic; k++)
                                if (z->buddy[k] && (z->types[k] & ~(1u << MT_HIGHATOMIC)))
                                        only_highatomic = false;
                        if (only_highatomic && zv->passes_with_highatomic)
                                explain_add_cause(x, CAUSE_HIGHATOMIC_RESERVE,
                                          "node %d %s: the only free blocks of order %d or more are in the highatomic "
                                          "reserve",
                                          z->node, z->name, order);
                        else if (x->kernel < KV(4, 4, 0))
                                explain_add_cause(x, CAUSE_FRAGMENTATION,
                                          "node %d %s: %" PRIu64 " kB free, but the order-%d check of this kernel "
                                          "(__zone_watermark_ok() before 4.4) sets aside the free blocks below each "
                                          "order and halves min at each: past order %d, %" PRId64 " kB are left, not "
                                          "above min/%d = %" PRId64 " kB; largest free order %d",
                                          z->node, z->name, z->free_kb, order, zv->v.failed_order, zv->era_left_kb,
                                          1 << (zv->v.failed_order + 1), zv->era_mark_kb, zv->largest_free_order);
                        else
                                explain_add_cause(x, CAUSE_FRAGMENTATION,
                                          "node %d %s: %" PRIu64 " kB free but no free block of order %d (%u kB) the "
                                          "request may use; largest free order %d",
                                          z->node, z->name, z->free_kb, order, (1u << order) * x->page_kb,
                                          zv->largest_free_order);
                }
        }
}


void explain_zone_verdicts(const OomReport *r, Explanation *x)
{
        Sample *s = calloc(1, sizeof(*s));

        if (!s)
                return;
        s->kernel = x->kernel;
        explain_to_sample(r, x->page_kb, s);
        x->highest_zone_index = highest_index(s, x->gfp.highest_zone);
        x->effective_highest_zone = x->highest_zone_index >= 0 && (unsigned)x->highest_zone_index < s->n_zone_layout ?
                                            s->zone_layout[x->highest_zone_index] :
                                            x->gfp.highest_zone;
        verdicts_on(r, s, x);
        free(s);
}
