/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sample.h"

#include <string.h>

/* mm/page_alloc.c: zone_names[] */
static const char *const zone_kind_names[_ZONE_KIND_MAX] = {
        [ZONE_KIND_DMA] = "DMA",
        [ZONE_KIND_DMA32] = "DMA32",
        [ZONE_KIND_NORMAL] = "Normal",
        [ZONE_KIND_HIGHMEM] = "HighMem",
        [ZONE_KIND_MOVABLE] = "Movable",
        [ZONE_KIND_DEVICE] = "Device",
};

/* mm/page_alloc.c: migratetype_names[] (3.10 "Reserve", 4.4+ "HighAtomic") */
static const char *const migrate_type_names[_MT_MAX] = {
        [MT_UNMOVABLE] = "Unmovable",
        [MT_MOVABLE] = "Movable",
        [MT_RECLAIMABLE] = "Reclaimable",
        [MT_HIGHATOMIC] = "HighAtomic",
        [MT_RESERVE] = "Reserve",
        [MT_CMA] = "CMA",
        [MT_ISOLATE] = "Isolate",
};

const char *zone_kind_name(ZoneKind k)
{
        if (k < 0 || k >= _ZONE_KIND_MAX)
                return "?";
        return zone_kind_names[k];
}

ZoneKind zone_kind_from_name(const char *name)
{
        for (int k = 0; k < _ZONE_KIND_MAX; k++)
                if (strcmp(name, zone_kind_names[k]) == 0)
                        return (ZoneKind)k;
        return _ZONE_KIND_INVALID;
}

const char *migrate_type_name(MigrateType t)
{
        if (t < 0 || t >= _MT_MAX)
                return "?";
        return migrate_type_names[t];
}

MigrateType migrate_type_from_name(const char *name, unsigned len)
{
        for (int t = 0; t < _MT_MAX; t++)
                if (strlen(migrate_type_names[t]) == len && memcmp(name, migrate_type_names[t], len) == 0)
                        return (MigrateType)t;
        return _MT_INVALID;
}

const NodeSample *sample_node(const Sample *s, int node_id)
{
        for (unsigned i = 0; i < s->n_nodes; i++)
                if (s->nodes[i].id == node_id)
                        return &s->nodes[i];
        return NULL;
}

uint64_t sample_balloon_pages(const Sample *s)
{
        /* 6.18 keeps a node counter; older kernels only count events since
         * boot (mm/balloon_compaction.c: balloon_page_enqueue/dequeue). */
        if (s->vmstat.has_nr_balloon_pages)
                return s->vmstat.nr_balloon_pages;
        if (s->vmstat.has_balloon_events && s->vmstat.balloon_inflate >= s->vmstat.balloon_deflate)
                return s->vmstat.balloon_inflate - s->vmstat.balloon_deflate;
        return 0;
}

uint64_t sample_guest_ram_kb(const Sample *s)
{
        uint64_t balloon_kb = sample_balloon_pages(s) * s->page_size_kb;

        /* drivers/virtio/virtio_balloon.c: fill_balloon() calls
         * adjust_managed_page_count(-1) only without DEFLATE_ON_OOM (4.4+). */
        if (s->balloon.deflate_on_oom)
                return s->meminfo.mem_total_kb;
        return s->meminfo.mem_total_kb + balloon_kb;
}
