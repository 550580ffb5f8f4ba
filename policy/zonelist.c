/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "zonelist.h"

#include <errno.h>
#include <string.h>

static const char *const request_kind_names[_REQ_KIND_MAX] = {
        [REQ_KIND_KERNEL] = "kernel",
        [REQ_KIND_MOVABLE] = "movable",
        [REQ_KIND_DMA32] = "dma32",
        [REQ_KIND_DMA] = "dma",
};

const char *request_kind_name(RequestKind k)
{
        return k >= 0 && k < _REQ_KIND_MAX ? request_kind_names[k] : "?";
}

static unsigned max_protection_len(const Sample *s)
{
        unsigned n = 0;

        for (unsigned i = 0; i < s->n_nodes; i++)
                for (unsigned j = 0; j < s->nodes[i].n_zones; j++)
                        if (s->nodes[i].zones[j].n_protection > n)
                                n = s->nodes[i].zones[j].n_protection;
        return n;
}

/* Builds the kernel's zone list in enum order; returns its length. */
static unsigned guess_layout(const Sample *s, unsigned n_max, ZoneKind layout[OG_MAX_ZONES])
{
        bool have[_ZONE_KIND_MAX] = { false };
        unsigned count = 0, n = 0;
        /* Normal and Movable exist in every config; the others are added
         * in this order until the layout is as long as protection[]. */
        static const ZoneKind extra[] = { ZONE_KIND_NORMAL, ZONE_KIND_MOVABLE, ZONE_KIND_DMA32, ZONE_KIND_DEVICE,
                                          ZONE_KIND_DMA };

        for (unsigned i = 0; i < s->n_nodes; i++)
                for (unsigned j = 0; j < s->nodes[i].n_zones; j++) {
                        ZoneKind k = s->nodes[i].zones[j].kind;

                        if (k >= 0 && k < _ZONE_KIND_MAX && !have[k]) {
                                have[k] = true;
                                count++;
                        }
                }
        for (unsigned e = 0; e < sizeof(extra) / sizeof(extra[0]); e++) {
                ZoneKind k = extra[e];

                if (have[k])
                        continue;
                if (k == ZONE_KIND_DMA32 && have[ZONE_KIND_HIGHMEM])
                        continue;       /* 32-bit: HighMem, no DMA32 */
                if (k != ZONE_KIND_NORMAL && k != ZONE_KIND_MOVABLE && (n_max == 0 || count >= n_max))
                        continue;
                have[k] = true;
                count++;
        }
        for (int k = 0; k < _ZONE_KIND_MAX && n < OG_MAX_ZONES; k++)
                if (have[k])
                        layout[n++] = (ZoneKind)k;
        return n;
}

int zone_layout_resolve(Sample *s)
{
        unsigned n_max = max_protection_len(s);
        ZoneKind layout[OG_MAX_ZONES];
        unsigned n = 0;

        /* A node that prints as many zones as protection[] has entries
         * shows the whole layout (4.12+). */
        for (unsigned i = 0; i < s->n_nodes && n == 0; i++)
                if (n_max > 0 && s->nodes[i].n_zones == n_max)
                        for (unsigned j = 0; j < n_max; j++)
                                layout[n++] = s->nodes[i].zones[j].kind;
        if (n == 0)
                n = guess_layout(s, n_max, layout);

        s->n_zone_layout = n;
        memcpy(s->zone_layout, layout, n * sizeof(layout[0]));
        for (unsigned i = 0; i < s->n_nodes; i++)
                for (unsigned j = 0; j < s->nodes[i].n_zones; j++) {
                        ZoneSample *z = &s->nodes[i].zones[j];

                        z->index = -1;
                        if (n == n_max && s->nodes[i].n_zones == n_max) {
                                z->index = (int)j;
                                continue;
                        }
                        for (unsigned l = 0; l < n; l++)
                                if (layout[l] == z->kind && z->kind != _ZONE_KIND_INVALID)
                                        z->index = (int)l;
                        if (z->index < 0)
                                return -EINVAL;
                }
        return 0;
}

static int index_of_kind(const Sample *s, ZoneKind kind)
{
        for (unsigned l = 0; l < s->n_zone_layout; l++)
                if (s->zone_layout[l] == kind)
                        return (int)l;
        return -1;
}

int request_highest_zoneidx(const Sample *s, RequestKind kind)
{
        int normal = index_of_kind(s, ZONE_KIND_NORMAL), idx = -1;

        switch (kind) {
        case REQ_KIND_MOVABLE:
                idx = index_of_kind(s, ZONE_KIND_MOVABLE);
                break;
        case REQ_KIND_DMA32:
                idx = index_of_kind(s, ZONE_KIND_DMA32);
                break;
        case REQ_KIND_DMA:
                idx = index_of_kind(s, ZONE_KIND_DMA);
                break;
        case REQ_KIND_KERNEL:
        case _REQ_KIND_MAX:
        case _REQ_KIND_INVALID:
        default:
                break;
        }
        /* GFP_ZONE_TABLE: a zone the config lacks falls back to Normal. */
        return idx >= 0 ? idx : normal;
}

static bool try_node(const Sample *s, const NodeSample *node, int hz, RequestKind kind, RequestClass cls,
                     unsigned order, WatermarkMark mark, ZonelistVerdict *v)
{
        unsigned flags = alloc_flags_for_class(s->kernel, cls, order, kind == REQ_KIND_MOVABLE);

        for (int j = (int)node->n_zones - 1; j >= 0; j--) {
                const ZoneSample *z = &node->zones[j];
                uint64_t size = s->kernel >= KV(4, 9, 0) ? z->managed_pages : z->present_pages;

                if (z->index > hz || size == 0)
                        continue;
                v->n_tried++;
                if (zone_watermark_fast(z, s->kernel, order, mark, hz, flags, NULL)) {
                        v->admitted = true;
                        v->node_id = node->id;
                        v->zone_index = z->index;
                        return true;
                }
        }
        return false;
}

bool zonelist_admits(const Sample *s, int local_node, RequestKind kind, RequestClass cls, unsigned order,
                     WatermarkMark mark, ZonelistVerdict *ret)
{
        ZonelistVerdict v = { .node_id = -1, .zone_index = -1 };
        int hz = request_highest_zoneidx(s, kind);
        const NodeSample *local = sample_node(s, local_node);

        if (hz >= 0) {
                if (local)
                        try_node(s, local, hz, kind, cls, order, mark, &v);
                for (unsigned i = 0; i < s->n_nodes && !v.admitted; i++)
                        if (&s->nodes[i] != local)
                                try_node(s, &s->nodes[i], hz, kind, cls, order, mark, &v);
        }
        if (ret)
                *ret = v;
        return v.admitted;
}
