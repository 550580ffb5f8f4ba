/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "model.h"

#include <errno.h>

static uint64_t blocks_at(const ZoneSample *z, unsigned k)
{
        uint64_t n = 0;

        if (z->has_buddy)
                return z->nr_free[k];
        for (int t = 0; t < _MT_MAX; t++)
                n += z->nr_free_mt[t][k];
        return n;
}

uint64_t zone_free_pages_at_or_above(const ZoneSample *z, unsigned order)
{
        uint64_t pages = 0;

        for (unsigned k = order; k < z->n_orders && k < OG_MAX_ORDERS; k++)
                pages += blocks_at(z, k) << k;
        return pages;
}

/* part/whole in 1/10000 without overflowing: counts reach 2^59 pages
 * (2^40 blocks of order 15 in a hostile sample), so scale both down first. */
static uint16_t permyriad(uint64_t part, uint64_t whole)
{
        if (part >= whole)
                return whole ? 10000 : 0;       /* a balloon larger than RAM is a torn sample */
        while (whole > UINT64_MAX / 10000) {
                part >>= 1;
                whole >>= 1;
        }
        return whole ? (uint16_t)(part * 10000 / whole) : 0;
}

/* mm/vmstat.c: extfrag_for_order() generalised to every order: the share of
 * free pages that sit in blocks too small for the order. */
static void fill_fragmentation(const ZoneSample *z, ZoneModel *zm)
{
        uint64_t total = zone_free_pages_at_or_above(z, 0);

        zm->largest_free_order = -1;
        zm->n_orders = z->n_orders;
        for (unsigned k = 0; k < z->n_orders && k < OG_MAX_ORDERS; k++) {
                uint64_t usable = zone_free_pages_at_or_above(z, k);

                if (blocks_at(z, k))
                        zm->largest_free_order = (int)k;
                zm->unusable_permyriad[k] = permyriad(total - usable, total);
        }
}

static void fill_zone(const Sample *s, const NodeSample *n, unsigned pos, ZoneModel *zm)
{
        const ZoneSample *z = &n->zones[pos];
        uint64_t kb = s->page_size_kb;

        *zm = (ZoneModel){
                .node_id = n->id, .zone_pos = pos, .index = z->index, .kind = z->kind,
                .populated = z->managed_pages > 0,
                .free_kb = z->free_pages * kb, .min_kb = z->min_pages * kb,
                .low_kb = z->low_pages * kb, .high_kb = z->high_pages * kb,
                .boost_kb = z->boost_pages * kb, .managed_kb = z->managed_pages * kb,
                .present_kb = z->present_pages * kb,
                .hidden_kb = z->present_pages > z->managed_pages ? (z->present_pages - z->managed_pages) * kb : 0,
        };
        for (int k = 0; k < _REQ_KIND_MAX; k++) {
                int hz = request_highest_zoneidx(s, (RequestKind)k);
                unsigned flags = alloc_flags_for_class(s->kernel, REQ_CLASS_NORMAL, 0, k == REQ_KIND_MOVABLE);

                if (hz >= 0 && (unsigned)hz < z->n_protection)
                        zm->reserve_kb[k] = z->protection[hz] * kb;
                for (int m = 0; m < _WMARK_MAX; m++) {
                        WatermarkVerdict v;

                        zone_watermark_ok(z, s->kernel, 0, (int64_t)zone_mark_pages(z, (WatermarkMark)m), hz, flags,
                                          &v);
                        zm->headroom_kb[k][m] = v.margin_pages * (int64_t)kb;
                }
        }
        fill_fragmentation(z, zm);
}

int model_build(const Sample *s, Model *m)
{
        unsigned n = 0;

        m->kernel = s->kernel;
        m->page_size_kb = s->page_size_kb;
        for (unsigned i = 0; i < s->n_nodes; i++)
                for (unsigned j = 0; j < s->nodes[i].n_zones && n < OG_MAX_MODEL_ZONES; j++)
                        fill_zone(s, &s->nodes[i], j, &m->zones[n++]);
        m->n_zones = n;

        m->balloon_kb = sample_balloon_pages(s) * s->page_size_kb;
        m->guest_ram_kb = sample_guest_ram_kb(s);
        m->balloon_permyriad = permyriad(m->balloon_kb, m->guest_ram_kb);
        return n > 0 ? 0 : -EINVAL;
}
