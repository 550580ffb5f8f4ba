/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sample-gaps.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define GAP_MIN_KB (16 * 1024)

static const char *const gap_names[_GAP_MAX] = {
        [GAP_NO_PROTECTION] = "no_protection",
        [GAP_BALLOON_FEATURES] = "balloon_features",
        [GAP_NODE_WITHOUT_ZONES] = "node_without_zones",
        [GAP_ZONES_NOT_MEMTOTAL] = "zones_not_memtotal",
};

const char *sample_gap_name(SampleGapKind k)
{
        return k >= 0 && k < _GAP_MAX ? gap_names[k] : "?";
}

void sample_gaps(const Sample *s, SampleGaps *g)
{
        uint64_t managed = 0, diff, allowed;

        memset(g, 0, sizeof(*g));
        g->no_protection_node = g->node_without_zones = -1;
        for (unsigned i = 0; i < s->n_nodes; i++)
                for (unsigned j = 0; j < s->nodes[i].n_zones; j++) {
                        const ZoneSample *z = &s->nodes[i].zones[j];

                        managed += z->managed_pages * s->page_size_kb;
                        /* 4.12+ prints empty zones without the rest; only a
                         * zone with memory needs its reserve */
                        if (z->has_protection || !z->managed_pages)
                                continue;
                        if (g->n_no_protection++ == 0) {
                                g->no_protection_node = s->nodes[i].id;
                                memcpy(g->no_protection_zone, z->name, sizeof(g->no_protection_zone));
                        }
                        g->mask |= 1u << GAP_NO_PROTECTION;
                }
        if (s->balloon.device_present && s->balloon.features_unreadable)
                g->mask |= 1u << GAP_BALLOON_FEATURES;
        if (s->has_nodes_online)
                for (int id = 0; id < 64 && g->node_without_zones < 0; id++)
                        if ((s->nodes_online_mask & (UINT64_C(1) << id)) && !sample_node(s, id)) {
                                g->node_without_zones = id;
                                g->mask |= 1u << GAP_NODE_WITHOUT_ZONES;
                        }
        /* mm/page_alloc.c: totalram_pages is the sum of zone_managed_pages();
         * adjust_managed_page_count() moves both together (the balloon
         * without DEFLATE_ON_OOM included) */
        g->managed_kb = managed;
        g->mem_total_kb = s->meminfo.mem_total_kb;
        diff = managed > g->mem_total_kb ? managed - g->mem_total_kb : g->mem_total_kb - managed;
        allowed = g->mem_total_kb / 64 > GAP_MIN_KB ? g->mem_total_kb / 64 : GAP_MIN_KB;
        if (g->mem_total_kb && diff > allowed)
                g->mask |= 1u << GAP_ZONES_NOT_MEMTOTAL;
}

unsigned sample_gaps_format(const SampleGaps *g, char *buf, size_t size)
{
        size_t used = 0;
        unsigned n = 0;
        int w;

#define SAY(...)                                                                                   \
        do {                                                                                       \
                w = snprintf(buf + used, size > used ? size - used : 0, "%s", n++ ? "; " : "");     \
                used += w > 0 ? (size_t)w : 0;                                                     \
                w = snprintf(buf + used, size > used ? size - used : 0, __VA_ARGS__);              \
                used += w > 0 ? (size_t)w : 0;                                                     \
        } while (0)

        if (size)
                buf[0] = '\0';
        if (g->mask & (1u << GAP_NO_PROTECTION))
                SAY("proc/zoneinfo: node %d %s%s has no protection: line; its lowmem reserve is taken as 0",
                    g->no_protection_node, g->no_protection_zone,
                    g->n_no_protection > 1 ? " (and more zones)" : "");
        if (g->mask & (1u << GAP_BALLOON_FEATURES))
                SAY("sys/bus/virtio/devices: the balloon's features file is missing or not a string of 0 and 1; "
                    "deflate-on-oom is taken as off");
        if (g->mask & (1u << GAP_NODE_WITHOUT_ZONES))
                SAY("node %d is online but proc/zoneinfo has no zone of it", g->node_without_zones);
        if (g->mask & (1u << GAP_ZONES_NOT_MEMTOTAL))
                SAY("the zones manage %" PRIu64 " MiB but MemTotal is %" PRIu64 " MiB: proc/zoneinfo may be "
                    "truncated, or the kernel has not handed all memory to the zones yet "
                    "(CONFIG_DEFERRED_STRUCT_PAGE_INIT)",
                    g->managed_kb / 1024, g->mem_total_kb / 1024);
#undef SAY
        if (used >= size && size)
                buf[size - 1] = '\0';
        return n;
}
