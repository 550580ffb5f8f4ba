/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "explain.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonelist.h"

static const char *const cause_names[_CAUSE_MAX] = {
        [CAUSE_BELOW_MIN_WATERMARK] = "below_min_watermark",
        [CAUSE_FRAGMENTATION] = "fragmentation",
        [CAUSE_LOWMEM_RESERVE] = "lowmem_reserve",
        [CAUSE_HIGHATOMIC_RESERVE] = "highatomic_reserve",
        [CAUSE_MEMCG_LIMIT] = "memcg_limit",
        [CAUSE_CPUSET] = "cpuset",
        [CAUSE_MEMPOLICY] = "mempolicy",
        [CAUSE_NO_USABLE_ZONE] = "no_usable_zone",
        [CAUSE_LOWMEM_EXHAUSTED] = "lowmem_exhausted",
        [CAUSE_BALLOON] = "balloon",
        [CAUSE_SWAP_EXHAUSTED] = "swap_exhausted",
        [CAUSE_NO_SWAP] = "no_swap",
        [CAUSE_UNRECLAIMABLE_SLAB] = "unreclaimable_slab",
        [CAUSE_SHMEM] = "shmem",
        [CAUSE_HUGEPAGES] = "hugepages",
        [CAUSE_SACRIFICE_CHILD] = "sacrifice_child",
        [CAUSE_PAGEFAULT] = "pagefault",
};

const char *cause_name(CauseCode c)
{
        return c >= 0 && c < _CAUSE_MAX ? cause_names[c] : "?";
}

static void add_cause(Explanation *x, CauseCode code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void add_cause(Explanation *x, CauseCode code, const char *fmt, ...)
{
        va_list ap;

        for (unsigned i = 0; i < x->n_causes; i++)
                if (x->causes[i].code == code)
                        return;
        if (x->n_causes >= _CAUSE_MAX)
                return;
        x->causes[x->n_causes].code = code;
        va_start(ap, fmt);
        vsnprintf(x->causes[x->n_causes].text, sizeof(x->causes[0].text), fmt, ap);
        va_end(ap);
        x->n_causes++;
}

bool explain_has_cause(const Explanation *x, CauseCode code)
{
        for (unsigned i = 0; i < x->n_causes; i++)
                if (x->causes[i].code == code)
                        return true;
        return false;
}

KernelVersion explain_infer_kernel(const OomReport *r)
{
        KernelVersion kv = KV(3, 10, 0);
        bool node_line = r->node_kernel_stack_kb || r->node_pagetables_kb || r->node_shmem_kb || r->all_unreclaimable;

#define AT_LEAST(v)              \
        do {                     \
                if (kv < (v))    \
                        kv = (v); \
        } while (0)
        if (r->gfp_names[0])
                AT_LEAST(KV(4, 6, 0));
        if (node_line)
                AT_LEAST(KV(4, 8, 0));
        if (r->constraint[0])
                AT_LEAST(KV(5, 0, 0));
        for (unsigned i = 0; i < r->n_zones; i++) {
                if (r->zones[i].has_reserved_highatomic)
                        AT_LEAST(KV(5, 10, 0));
                if (r->zones[i].has_boost)
                        AT_LEAST(KV(5, 16, 0));
                if (r->zones[i].has_free_highatomic)
                        AT_LEAST(KV(6, 18, 0));
        }
        for (unsigned i = 0; i < r->n_zones; i++)
                for (unsigned k = 0; k < r->zones[i].n_orders; k++)
                        if (r->zones[i].types[k] & (1u << MT_HIGHATOMIC))
                                AT_LEAST(KV(4, 4, 0));
#undef AT_LEAST
        /* zone lines without managed: before 3.8 */
        if (kv == KV(3, 10, 0))
                for (unsigned i = 0; i < r->n_zones; i++)
                        if (r->zones[i].has_line && !r->zones[i].has_managed)
                                kv = KV(2, 6, 32);
        return kv;
}

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

static unsigned page_kb_of(const OomReport *r)
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

static void to_sample(const OomReport *r, unsigned page_kb, Sample *s)
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
        }
        (void)zone_layout_resolve(s);
}

static unsigned alloc_flags_from_gfp(const GfpInfo *g, KernelVersion kv, unsigned order)
{
        unsigned flags = 0;

        if (g->movable)
                flags |= OG_ALLOC_CMA;
        if (g->high)
                flags |= OG_ALLOC_HIGH;
        if (g->atomic || (kv >= KV(6, 3, 0) && !g->can_reclaim))
                flags |= OG_ALLOC_HARDER;
        if (kv >= KV(6, 3, 0) && order > 0 && g->high && !g->can_reclaim)
                flags |= OG_ALLOC_HIGHATOMIC;
        return flags;
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

static void zone_verdicts(const OomReport *r, const Sample *s, Explanation *x)
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

static void breakdown(const OomReport *r, Explanation *x)
{
        const OomMemInfo *m = &r->mem;
        uint64_t kb = x->page_kb, present = 0, managed = 0, accounted;

        for (unsigned i = 0; i < r->n_zones; i++)
                if (r->zones[i].has_line) {
                        present += r->zones[i].present_kb;
                        managed += r->zones[i].managed_kb;
                }
        x->hidden_kb = present > managed ? present - managed : 0;
        if (!m->present)
                return;
        x->has_breakdown = true;
        x->ram_kb = r->has_pages_ram ? r->pages_ram * kb : present;
        x->free_kb = m->free * kb;
        x->anon_kb = (m->active_anon + m->inactive_anon + m->isolated_anon) * kb;
        x->lru_unsplit_kb = (m->lru_active + m->lru_inactive) * kb;
        if (!m->slab_reclaimable && !m->slab_unreclaimable && m->slab)
                x->slab_unsplit_kb = m->slab * kb;
        x->file_kb = (m->active_file + m->inactive_file + m->isolated_file) * kb;
        x->shmem_kb = m->shmem * kb;
        x->slab_reclaimable_kb = m->slab_reclaimable * kb;
        x->slab_unreclaimable_kb = m->slab_unreclaimable * kb;
        x->pagetables_kb = m->pagetables ? m->pagetables * kb :
                           r->node_pagetables_kb ? r->node_pagetables_kb : r->zone_pagetables_kb;
        x->kernel_stack_kb = r->node_kernel_stack_kb ? r->node_kernel_stack_kb : r->zone_kernel_stack_kb;
        x->hugepages_kb = r->hugepages_kb;
        /* shmem sits on the anon LRU lists: not added twice */
        accounted = x->free_kb + x->anon_kb + x->file_kb + x->lru_unsplit_kb + m->unevictable * kb +
                    x->slab_reclaimable_kb + x->slab_unreclaimable_kb + x->slab_unsplit_kb + x->pagetables_kb +
                    x->kernel_stack_kb + x->hugepages_kb;
        x->unaccounted_kb = (int64_t)x->ram_kb - (int64_t)accounted;
}

/* The types of free list a request may take pages from. */
static unsigned usable_types(const Explanation *x)
{
        unsigned t = (1u << MT_UNMOVABLE) | (1u << MT_MOVABLE) | (1u << MT_RECLAIMABLE) | (1u << MT_RESERVE);

        if (x->gfp.movable)
                t |= 1u << MT_CMA;
        if (x->gfp.atomic && x->gfp.high)
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
                if (!z->types[k] || (z->types[k] & usable_types(x)))
                        return false;
        }
        return any;
}

static void zone_causes(const OomReport *r, const Explanation *xc, Explanation *x)
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
                                add_cause(x, CAUSE_LOWMEM_RESERVE,
                                          "node %d %s: free %" PRIu64 " kB is within %" PRId64 " kB of min %" PRIu64
                                          " kB + the lowmem reserve of %" PRIu64 " kB this request must leave in it "
                                          "(inside the drift of the counters the report prints)",
                                          z->node, z->name, z->free_kb, zv->margin_kb, z->min_kb, zv->reserve_kb);
                        else
                                add_cause(x, CAUSE_BELOW_MIN_WATERMARK,
                                          "node %d %s: free %" PRIu64 " kB is within %" PRId64 " kB of min %" PRIu64
                                          " kB, inside the drift of the counters the report prints",
                                          z->node, z->name, z->free_kb, zv->margin_kb, z->min_kb);
                        continue;
                }
                if (zv->v.ok && no_usable_free_list(z, x, order)) {
                        zv->v.ok = false;
                        zv->v.failed_order = order;
                        add_cause(x, CAUSE_HIGHATOMIC_RESERVE,
                                  "node %d %s: free %" PRIu64 " kB passes the watermark, but every free block is on a "
                                  "list this request may not use (highatomic%s)",
                                  z->node, z->name, z->free_kb, x->gfp.movable ? "" : " or CMA");
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
                                        add_cause(x, CAUSE_HIGHATOMIC_RESERVE,
                                                  "node %d %s: highatomic blocks (H) are in its free lists, and this "
                                                  "kernel withholds the whole reserve without printing it; at its "
                                                  "largest (%" PRIu64 " kB) it takes the zone below min",
                                                  z->node, z->name, bound_kb);
                        }
                }
                if (!zv->passes_without_reserve && z->free_kb <= z->min_kb + z->min_kb / 4)
                        add_cause(x, CAUSE_BELOW_MIN_WATERMARK,
                                  "node %d %s: free %" PRIu64 " kB is at or below min %" PRIu64 " kB (low %" PRIu64
                                  ", high %" PRIu64 ")",
                                  z->node, z->name, z->free_kb, z->min_kb, z->low_kb, z->high_kb);
                else if (!zv->v.order0_ok && zv->passes_without_reserve && zv->reserve_kb)
                        add_cause(x, CAUSE_LOWMEM_RESERVE,
                                  "node %d %s: free %" PRIu64 " kB is above min %" PRIu64 " kB but not above min + the "
                                  "lowmem reserve of %" PRIu64 " kB this request must leave in it",
                                  z->node, z->name, z->free_kb, z->min_kb, zv->reserve_kb);
                else if (!zv->v.order0_ok && (z->reserved_highatomic_kb || z->free_highatomic_kb))
                        add_cause(x, CAUSE_HIGHATOMIC_RESERVE,
                                  "node %d %s: the highatomic reserve (%" PRIu64 " kB) is not for this request",
                                  z->node, z->name, z->reserved_highatomic_kb);
                if (zv->v.order0_ok && !zv->v.ok && zv->v.failed_order >= 0) {
                        bool only_highatomic = x->kernel >= KV(4, 4, 0);

                        for (unsigned k = (unsigned)order; k < z->n_orders && only_highatomic; k++)
                                if (z->buddy[k] && (z->types[k] & ~(1u << MT_HIGHATOMIC)))
                                        only_highatomic = false;
                        if (only_highatomic && zv->passes_with_highatomic)
                                add_cause(x, CAUSE_HIGHATOMIC_RESERVE,
                                          "node %d %s: the only free blocks of order %d or more are in the highatomic "
                                          "reserve",
                                          z->node, z->name, order);
                        else
                                add_cause(x, CAUSE_FRAGMENTATION,
                                          "node %d %s: %" PRIu64 " kB free but no free block of order %d (%u kB) the "
                                          "request may use; largest free order %d",
                                          z->node, z->name, z->free_kb, order, (1u << order) * x->page_kb,
                                          zv->largest_free_order);
                }
        }
}

/* Boot-time reservations keep a few % of present out of managed; a balloon
 * without deflate-on-oom takes much more (reference 7.1). */
static bool hidden_large(const OomReport *r, const Explanation *x)
{
        uint64_t present = 0;

        for (unsigned i = 0; i < r->n_zones; i++)
                present += r->zones[i].has_line ? r->zones[i].present_kb : 0;
        return r->hypervisor && x->hidden_kb > 65536 && x->hidden_kb * 10 > present;
}

/* Every usable (low) zone fails, or is within 10 % of its min. */
static bool lowmem_near_min(const OomReport *r, const Explanation *x)
{
        bool any = false;

        for (unsigned i = 0; i < x->n_verdicts; i++) {
                const ZoneVerdict *zv = &x->verdicts[i];

                if (!zv->usable)
                        continue;
                any = true;
                if (zv->v.ok && zv->margin_kb * 10 > (int64_t)r->zones[zv->zone].min_kb)
                        return false;
        }
        return any;
}

static void other_causes(const OomReport *r, Explanation *x)
{
        uint64_t ram = x->ram_kb;

        if (r->kind == OOM_KIND_MEMCG || r->memcg_limit_of[0] || r->oom_memcg[0]) {
                const char *cg = r->oom_memcg[0] ? r->oom_memcg : r->memcg_limit_of[0] ? r->memcg_limit_of : "?";

                if (r->has_memcg_usage)
                        add_cause(x, CAUSE_MEMCG_LIMIT,
                                  "cgroup %s: usage %" PRIu64 " kB of limit %" PRIu64 " kB (failcnt %" PRIu64 ")", cg,
                                  r->memcg_usage_kb, r->memcg_limit_kb, r->memcg_failcnt);
                else
                        add_cause(x, CAUSE_MEMCG_LIMIT, "cgroup %s reached its limit", cg);
        }
        if (strcmp(r->constraint, "CONSTRAINT_CPUSET") == 0)
                add_cause(x, CAUSE_CPUSET, "the allocating task's cpuset (mems_allowed=%s) limits the nodes",
                          r->mems_allowed);
        if (strcmp(r->constraint, "CONSTRAINT_MEMORY_POLICY") == 0)
                add_cause(x, CAUSE_MEMPOLICY, "a memory policy restricts the allocation to nodes %s",
                          r->nodemask[0] ? r->nodemask : "(see the oom-kill line)");
        for (unsigned i = 0; i < x->n_verdicts; i++) {
                const ZoneVerdict *zv = &x->verdicts[i];
                const OomZone *z = &r->zones[zv->zone];

                if (!zv->usable && zv->why_not && strstr(zv->why_not, "cpuset") && zv->v.ok)
                        add_cause(x, CAUSE_CPUSET,
                                  "node %d %s had room (free %" PRIu64 " kB, min %" PRIu64 " kB) but is outside the "
                                  "cpuset's mems_allowed=%s",
                                  z->node, z->name, z->free_kb, z->min_kb, r->mems_allowed);
        }
        if (r->kind != OOM_KIND_MEMCG && x->n_verdicts && !x->any_usable)
                add_cause(x, CAUSE_NO_USABLE_ZONE, "no zone in the report may serve this request (highest zone %s)",
                          zone_kind_name(x->gfp.highest_zone));
        if (r->kind != OOM_KIND_MEMCG) {
                /* 32-bit: HighMem with room while the request needs lowmem */
                for (unsigned i = 0; i < x->n_verdicts; i++) {
                        const OomZone *z = &r->zones[x->verdicts[i].zone];

                        if (strcmp(z->name, "HighMem") == 0 && !x->verdicts[i].usable &&
                            z->free_kb > z->min_kb * 2 && z->free_kb >= 16384 && lowmem_near_min(r, x))
                                add_cause(x, CAUSE_LOWMEM_EXHAUSTED,
                                          "HighMem has %" PRIu64 " kB free, but a %s request cannot use it and the "
                                          "low zones are at their watermarks",
                                          z->free_kb, zone_kind_name(x->gfp.highest_zone));
                }
        }
        if (r->trace_balloon || r->node_balloon_kb || hidden_large(r, x)) {
                if (r->node_balloon_kb)
                        add_cause(x, CAUSE_BALLOON, "the virtio balloon holds %" PRIu64 " kB", r->node_balloon_kb);
                else if (hidden_large(r, x))
                        add_cause(x, CAUSE_BALLOON,
                                  "present - managed is %" PRIu64 " kB: pages taken out of the allocator, as a balloon "
                                  "without deflate-on-oom does%s",
                                  x->hidden_kb, r->trace_balloon ? "; the balloon driver is in the call trace" : "");
                else
                        add_cause(x, CAUSE_BALLOON,
                                  "the balloon driver is in the call trace (deflate-on-oom); %" PRId64
                                  " kB of RAM are not accounted for by any counter",
                                  x->unaccounted_kb > 0 ? x->unaccounted_kb : 0);
        }
        if (r->hypervisor && x->has_breakdown && x->ram_kb && x->unaccounted_kb > 131072 &&
            (uint64_t)x->unaccounted_kb * 4 > x->ram_kb)
                /* With deflate-on-oom the ballooned pages stay in managed and
                 * look used: they show as RAM no counter accounts for. */
                add_cause(x, CAUSE_BALLOON,
                          "%" PRId64 " kB of %" PRIu64 " kB RAM (%" PRIu64 "%%) are in no counter; in a VM that is "
                          "what a balloon with deflate-on-oom looks like (its pages stay in managed and look used)",
                          x->unaccounted_kb, x->ram_kb, (uint64_t)x->unaccounted_kb * 100 / x->ram_kb);
        /* swap matters to reclaim for an OOM; a costly-order failure
         * (> PAGE_ALLOC_COSTLY_ORDER) is about blocks, not amounts */
        if (r->has_swap_lines && r->kind != OOM_KIND_MEMCG && !x->any_admits &&
            !(r->kind == OOM_KIND_PAGE_ALLOC_FAILURE && r->order > 3)) {
                if (r->total_swap_kb == 0)
                        add_cause(x, CAUSE_NO_SWAP, "no swap: anonymous memory (%" PRIu64 " kB) cannot be reclaimed",
                                  x->anon_kb);
                else if (r->free_swap_kb * 100 < r->total_swap_kb)
                        add_cause(x, CAUSE_SWAP_EXHAUSTED, "free swap %" PRIu64 " kB of %" PRIu64 " kB", r->free_swap_kb,
                                  r->total_swap_kb);
        }
        if (r->has_memsw && r->memsw_limit_kb && r->memsw_usage_kb >= r->memsw_limit_kb)
                add_cause(x, CAUSE_SWAP_EXHAUSTED, "memory+swap at its limit: %" PRIu64 " kB of %" PRIu64 " kB",
                          r->memsw_usage_kb, r->memsw_limit_kb);
        if (r->has_swap_usage && r->swap_limit_kb && r->swap_usage_kb >= r->swap_limit_kb)
                add_cause(x, CAUSE_SWAP_EXHAUSTED, "cgroup swap at its limit: %" PRIu64 " kB of %" PRIu64 " kB",
                          r->swap_usage_kb, r->swap_limit_kb);
        if (ram && x->slab_unsplit_kb * 5 > ram)
                add_cause(x, CAUSE_UNRECLAIMABLE_SLAB,
                          "slab %" PRIu64 " kB of %" PRIu64 " kB RAM (this kernel does not split it by reclaimability)",
                          x->slab_unsplit_kb, ram);
        if (ram && x->slab_unreclaimable_kb * 5 > ram)
                add_cause(x, CAUSE_UNRECLAIMABLE_SLAB, "unreclaimable slab %" PRIu64 " kB of %" PRIu64 " kB RAM%s%s",
                          x->slab_unreclaimable_kb, ram, r->slab_top_name[0] ? "; largest cache " : "",
                          r->slab_top_name);
        if (ram && x->shmem_kb * 5 > ram)
                add_cause(x, CAUSE_SHMEM, "shmem/tmpfs %" PRIu64 " kB of %" PRIu64 " kB RAM (not freed by killing)",
                          x->shmem_kb, ram);
        if (r->kind == OOM_KIND_MEMCG && r->memcg_limit_kb && r->memcg_shmem_kb * 5 > r->memcg_limit_kb)
                add_cause(x, CAUSE_SHMEM, "shmem %" PRIu64 " kB of the cgroup's %" PRIu64 " kB limit",
                          r->memcg_shmem_kb, r->memcg_limit_kb);
        if (ram && r->hugepages_kb * 10 > ram)
                add_cause(x, CAUSE_HUGEPAGES, "hugepages reserve %" PRIu64 " kB of %" PRIu64 " kB RAM (%" PRIu64
                          " kB of them free, unusable for this request)",
                          r->hugepages_kb, ram, r->hugepages_free_kb);
        if (r->has_chosen && r->has_killed && r->chosen_pid != r->killed_pid)
                add_cause(x, CAUSE_SACRIFICE_CHILD,
                          "the kernel chose %d (%s) but killed its child %d (%s) (oom_kill_process() <= 5.2)",
                          r->chosen_pid, r->chosen_comm, r->killed_pid, r->killed_comm);
}

static void oomguard_line(const OomReport *r, Explanation *x)
{
        bool balloon = explain_has_cause(x, CAUSE_BALLOON), frag = explain_has_cause(x, CAUSE_FRAGMENTATION);

        if (r->kind == OOM_KIND_MEMCG)
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "A cgroup limit, not the machine: oomguard would have steered the kernel's choice inside the "
                         "cgroup with [protect]/[prefer] (oom_score_adj); the fix is the limit (memory.max) or a "
                         "lower memory.high.");
        else if (balloon)
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "oomguard would have reached act while headroom above min was still %" PRIu64
                         " MiB and asked the host to deflate the balloon, then dropped clean cache and steered "
                         "oom_score_adj if the host refused.",
                         (uint64_t)64);
        else if (frag)
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "oomguard would have compacted when order-%d blocks ran out while order-0 memory was still "
                         "there.",
                         r->order);
        else
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "oomguard would have reached act as headroom above min fell toward 0, dropped clean page cache "
                         "when it was a large share and not the working set, and steered oom_score_adj so the "
                         "process matched by [prefer] dies first.");
}

void explain(const OomReport *r, Explanation *x)
{
        Sample *s = calloc(1, sizeof(*s));

        memset(x, 0, sizeof(*x));
        x->kernel = r->kernel_known ? r->kernel : explain_infer_kernel(r);
        x->page_kb = page_kb_of(r);
        if (r->has_gfp) {
                gfp_decode(r->gfp_mask, x->kernel, &x->gfp);
                if (r->gfp_names[0]) {
                        snprintf(x->gfp_text, sizeof(x->gfp_text), "%s", r->gfp_names);
                        x->gfp_text_from_kernel = true;
                } else
                        gfp_format(r->gfp_mask, x->kernel, x->gfp_text, sizeof(x->gfp_text));
        } else
                x->gfp.highest_zone = ZONE_KIND_NORMAL;
        x->alloc_flags = alloc_flags_from_gfp(&x->gfp, x->kernel, r->has_order && r->order > 0 ? (unsigned)r->order : 0);
        breakdown(r, x);
        if (s) {
                s->kernel = x->kernel;
                to_sample(r, x->page_kb, s);
                x->highest_zone_index = highest_index(s, x->gfp.highest_zone);
                x->effective_highest_zone = x->highest_zone_index >= 0 &&
                                                            (unsigned)x->highest_zone_index < s->n_zone_layout ?
                                                    s->zone_layout[x->highest_zone_index] :
                                                    x->gfp.highest_zone;
                zone_verdicts(r, s, x);
                free(s);
        }
        /* Zones explain a failure only if no zone the request may use would
         * have served it; otherwise the allocator was not what failed. */
        if (r->kind != OOM_KIND_MEMCG) {
                bool admitted_before = x->any_admits;

                zone_causes(r, x, x);
                x->any_admits = false;
                for (unsigned i = 0; i < x->n_verdicts; i++)
                        x->any_admits |= x->verdicts[i].usable && x->verdicts[i].v.ok;
                if (x->any_admits) {
                        x->n_causes = 0;
                        if (r->trace_pagefault || r->kind == OOM_KIND_GLOBAL)
                                add_cause(x, CAUSE_PAGEFAULT,
                                          "zones had room for this request (%s); %s",
                                          admitted_before ? "it passes min" : "see the zone table",
                                          r->trace_pagefault ?
                                                  "the OOM came from pagefault_out_of_memory(): a fault handler "
                                                  "returned VM_FAULT_OOM, the page allocator did not fail" :
                                                  "the report was taken after memory was freed, or on a path the "
                                                  "report does not show");
                }
        }
        other_causes(r, x);
        oomguard_line(r, x);
}
