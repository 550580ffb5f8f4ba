/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "gfp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct GfpLayout {
        KernelVersion since;
        const char *bits[28];
        struct {
                const char *name;
                uint32_t value;
        } composites[12];
        uint32_t wait, direct_reclaim, atomic, thisnode, nofail, retry, noretry;
} GfpLayout;

/* include/linux/gfp.h (gfp_types.h from 6.0): the bit layouts and the
 * composite masks, one entry per era. */
static const GfpLayout layouts[] = {
        { KV(2, 6, 0),
          { "__GFP_DMA", "__GFP_HIGHMEM", "__GFP_DMA32", "__GFP_MOVABLE", "__GFP_WAIT", "__GFP_HIGH", "__GFP_IO",
            "__GFP_FS", "__GFP_COLD", "__GFP_NOWARN", "__GFP_REPEAT", "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_MEMALLOC",
            "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_RECLAIMABLE",
            "__GFP_KMEMCG", "__GFP_NOTRACK", "__GFP_NO_KSWAPD", "__GFP_OTHER_NODE", "__GFP_WRITE" },
          { { "GFP_HIGHUSER_MOVABLE", 0x200da }, { "GFP_HIGHUSER", 0x200d2 }, { "GFP_USER", 0x200d0 },
            { "GFP_TEMPORARY", 0x800d0 }, { "GFP_KERNEL", 0xd0 }, { "GFP_NOFS", 0x50 }, { "GFP_ATOMIC", 0x20 },
            { "GFP_NOIO", 0x10 } },
          .wait = 0x10, .thisnode = 0x40000, .nofail = 0x800, .retry = 0x400, .noretry = 0x1000 },
        { KV(4, 4, 0),
          { "__GFP_DMA", "__GFP_HIGHMEM", "__GFP_DMA32", "__GFP_MOVABLE", "__GFP_RECLAIMABLE", "__GFP_HIGH", "__GFP_IO",
            "__GFP_FS", "__GFP_COLD", "__GFP_NOWARN", "__GFP_REPEAT", "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_MEMALLOC",
            "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_ATOMIC",
            "__GFP_ACCOUNT", "__GFP_NOTRACK", "__GFP_DIRECT_RECLAIM", "__GFP_OTHER_NODE", "__GFP_WRITE",
            "__GFP_KSWAPD_RECLAIM" },
          { { "GFP_TRANSHUGE", 0x4342ca }, { "GFP_TRANSHUGE_LIGHT", 0x342ca }, { "GFP_HIGHUSER_MOVABLE", 0x24200ca },
            { "GFP_HIGHUSER", 0x24200c2 }, { "GFP_USER", 0x24200c0 }, { "GFP_TEMPORARY", 0x24000d0 },
            { "GFP_KERNEL_ACCOUNT", 0x25000c0 }, { "GFP_KERNEL", 0x24000c0 }, { "GFP_NOFS", 0x2400040 },
            { "GFP_ATOMIC", 0x2080020 }, { "GFP_NOIO", 0x2400000 }, { "GFP_NOWAIT", 0x2000000 } },
          .direct_reclaim = 0x400000, .atomic = 0x80000, .thisnode = 0x40000, .nofail = 0x800, .retry = 0x400,
          .noretry = 0x1000 },
        { KV(4, 10, 0),
          { "__GFP_DMA", "__GFP_HIGHMEM", "__GFP_DMA32", "__GFP_MOVABLE", "__GFP_RECLAIMABLE", "__GFP_HIGH", "__GFP_IO",
            "__GFP_FS", "__GFP_COLD", "__GFP_NOWARN", "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL", "__GFP_NORETRY",
            "__GFP_MEMALLOC", "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE",
            "__GFP_ATOMIC", "__GFP_ACCOUNT", "__GFP_NOTRACK", "__GFP_DIRECT_RECLAIM", "__GFP_WRITE",
            "__GFP_KSWAPD_RECLAIM", "__GFP_NOLOCKDEP" },
          { { "GFP_TRANSHUGE", 0x4342ca }, { "GFP_TRANSHUGE_LIGHT", 0x342ca }, { "GFP_HIGHUSER_MOVABLE", 0x14200ca },
            { "GFP_HIGHUSER", 0x14200c2 }, { "GFP_USER", 0x14200c0 }, { "GFP_TEMPORARY", 0x14000d0 },
            { "GFP_KERNEL_ACCOUNT", 0x15000c0 }, { "GFP_KERNEL", 0x14000c0 }, { "GFP_NOFS", 0x1400040 },
            { "GFP_ATOMIC", 0x1080020 }, { "GFP_NOIO", 0x1400000 }, { "GFP_NOWAIT", 0x1000000 } },
          .direct_reclaim = 0x400000, .atomic = 0x80000, .thisnode = 0x40000, .nofail = 0x800, .retry = 0x400,
          .noretry = 0x1000 },
        { KV(4, 18, 0),
          { "__GFP_DMA", "__GFP_HIGHMEM", "__GFP_DMA32", "__GFP_MOVABLE", "__GFP_RECLAIMABLE", "__GFP_HIGH", "__GFP_IO",
            "__GFP_FS", "__GFP_WRITE", "__GFP_NOWARN", "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL", "__GFP_NORETRY",
            "__GFP_MEMALLOC", "__GFP_COMP", "__GFP_ZERO", "__GFP_NOMEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE",
            "__GFP_ATOMIC", "__GFP_ACCOUNT", "__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM", "__GFP_NOLOCKDEP" },
          { { "GFP_TRANSHUGE", 0x2342ca }, { "GFP_TRANSHUGE_LIGHT", 0x342ca }, { "GFP_HIGHUSER_MOVABLE", 0x6200ca },
            { "GFP_HIGHUSER", 0x6200c2 }, { "GFP_USER", 0x6200c0 }, { "GFP_KERNEL_ACCOUNT", 0x7000c0 },
            { "GFP_KERNEL", 0x6000c0 }, { "GFP_NOFS", 0x600040 }, { "GFP_ATOMIC", 0x480020 }, { "GFP_NOIO", 0x600000 },
            { "GFP_NOWAIT", 0x400000 } },
          .direct_reclaim = 0x200000, .atomic = 0x80000, .thisnode = 0x40000, .nofail = 0x800, .retry = 0x400,
          .noretry = 0x1000 },
        { KV(5, 1, 0),
          { "__GFP_DMA", "__GFP_HIGHMEM", "__GFP_DMA32", "__GFP_MOVABLE", "__GFP_RECLAIMABLE", "__GFP_HIGH", "__GFP_IO",
            "__GFP_FS", "__GFP_ZERO", "__GFP_ATOMIC", "__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM", "__GFP_WRITE",
            "__GFP_NOWARN", "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_MEMALLOC", "__GFP_COMP",
            "__GFP_NOMEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_ACCOUNT" },
          { { "GFP_TRANSHUGE", 0x1c24ca }, { "GFP_TRANSHUGE_LIGHT", 0x1c20ca }, { "GFP_HIGHUSER_MOVABLE", 0x100cca },
            { "GFP_HIGHUSER", 0x100cc2 }, { "GFP_USER", 0x100cc0 }, { "GFP_KERNEL_ACCOUNT", 0x400cc0 },
            { "GFP_KERNEL", 0xcc0 }, { "GFP_NOFS", 0xc40 }, { "GFP_ATOMIC", 0xa20 }, { "GFP_NOIO", 0xc00 },
            { "GFP_NOWAIT", 0x800 } },
          .direct_reclaim = 0x400, .atomic = 0x200, .thisnode = 0x200000, .nofail = 0x8000, .retry = 0x4000,
          .noretry = 0x10000 },
        { KV(6, 3, 0),
          { "__GFP_DMA", "__GFP_HIGHMEM", "__GFP_DMA32", "__GFP_MOVABLE", "__GFP_RECLAIMABLE", "__GFP_HIGH", "__GFP_IO",
            "__GFP_FS", "__GFP_ZERO", NULL, "__GFP_DIRECT_RECLAIM", "__GFP_KSWAPD_RECLAIM", "__GFP_WRITE",
            "__GFP_NOWARN", "__GFP_RETRY_MAYFAIL", "__GFP_NOFAIL", "__GFP_NORETRY", "__GFP_MEMALLOC", "__GFP_COMP",
            "__GFP_NOMEMALLOC", "__GFP_HARDWALL", "__GFP_THISNODE", "__GFP_ACCOUNT" },
          { { "GFP_TRANSHUGE", 0x1c24ca }, { "GFP_TRANSHUGE_LIGHT", 0x1c20ca }, { "GFP_HIGHUSER_MOVABLE", 0x100cca },
            { "GFP_HIGHUSER", 0x100cc2 }, { "GFP_USER", 0x100cc0 }, { "GFP_KERNEL_ACCOUNT", 0x400cc0 },
            { "GFP_KERNEL", 0xcc0 }, { "GFP_NOFS", 0xc40 }, { "GFP_ATOMIC", 0x820 }, { "GFP_NOIO", 0xc00 },
            { "GFP_NOWAIT", 0x800 } },
          .direct_reclaim = 0x400, .thisnode = 0x200000, .nofail = 0x8000, .retry = 0x4000, .noretry = 0x10000 },
};

static const GfpLayout *layout_for(KernelVersion kv)
{
        const GfpLayout *l = &layouts[0];

        for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
                if (kv >= layouts[i].since)
                        l = &layouts[i];
        return l;
}

KernelVersion gfp_era_start(KernelVersion kv)
{
        return layout_for(kv)->since;
}

void gfp_decode(uint32_t mask, KernelVersion kv, GfpInfo *g)
{
        const GfpLayout *l = layout_for(kv);
        bool dma = mask & 0x1, highmem = mask & 0x2, dma32 = mask & 0x4, movable = mask & 0x8;

        memset(g, 0, sizeof(*g));
        /* include/linux/gfp.h: GFP_ZONE_TABLE (unchanged 3.10-6.18) */
        if (dma)
                g->highest_zone = ZONE_KIND_DMA;
        else if (dma32)
                g->highest_zone = ZONE_KIND_DMA32;
        else if (highmem && movable)
                g->highest_zone = ZONE_KIND_MOVABLE;
        else if (highmem)
                g->highest_zone = ZONE_KIND_HIGHMEM;
        else
                g->highest_zone = ZONE_KIND_NORMAL;
        g->movable = movable;
        g->high = mask & 0x20;
        g->fs = mask & 0x80;
        if (l->wait) {
                g->can_reclaim = mask & l->wait;
                g->atomic = !g->can_reclaim;
        } else {
                g->can_reclaim = mask & l->direct_reclaim;
                g->atomic = l->atomic ? (mask & l->atomic) != 0 : !g->can_reclaim;
        }
        g->thisnode = mask & l->thisnode;
        g->nofail = mask & l->nofail;
        g->retry_mayfail = mask & l->retry;
        g->noretry = mask & l->noretry;
}

void gfp_format(uint32_t mask, KernelVersion kv, char *buf, size_t size)
{
        const GfpLayout *l = layout_for(kv);
        uint32_t left = mask;
        size_t used = 0;

        buf[0] = '\0';
#define ADD(sep, text)                                                                          \
        do {                                                                                    \
                int n_ = snprintf(buf + used, size - used, "%s%s", sep, text);                  \
                if (n_ > 0)                                                                     \
                        used += (size_t)n_ < size - used ? (size_t)n_ : size - used - 1;        \
        } while (0)
        for (size_t i = 0; i < 12 && l->composites[i].name; i++)
                if (l->composites[i].value && (left & l->composites[i].value) == l->composites[i].value) {
                        ADD(used ? "|" : "", l->composites[i].name);
                        left &= ~l->composites[i].value;
                }
        for (unsigned b = 0; b < 28 && left; b++)
                if ((left & (1u << b)) && b < sizeof(l->bits) / sizeof(l->bits[0]) && l->bits[b]) {
                        ADD(used ? "|" : "", l->bits[b]);
                        left &= ~(1u << b);
                }
        if (left) {
                char hex[16];

                snprintf(hex, sizeof(hex), "%#x", left);
                ADD(used ? "|" : "", hex);
        }
#undef ADD
}

/* One name of format_flags()' output, [p, e). */
static bool name_value(const GfpLayout *l, const char *p, const char *e, uint32_t *v)
{
        size_t n = (size_t)(e - p);

        if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                char hex[16], *end;

                if (n >= sizeof(hex))
                        return false;
                memcpy(hex, p, n);
                hex[n] = '\0';
                *v = (uint32_t)strtoul(hex, &end, 16);
                return *end == '\0';
        }
        for (size_t i = 0; i < 12 && l->composites[i].name; i++)
                if (strlen(l->composites[i].name) == n && memcmp(l->composites[i].name, p, n) == 0) {
                        *v = l->composites[i].value;
                        return true;
                }
        for (unsigned b = 0; b < 28; b++)
                if (b < sizeof(l->bits) / sizeof(l->bits[0]) && l->bits[b] && strlen(l->bits[b]) == n &&
                    memcmp(l->bits[b], p, n) == 0) {
                        *v = 1u << b;
                        return true;
                }
        return false;
}

int gfp_from_names(const char *names, KernelVersion kv, uint32_t *mask)
{
        const GfpLayout *l = layout_for(kv);
        const char *p = names;
        int ret = 0;

        *mask = 0;
        while (*p) {
                const char *e = strchr(p, '|');
                uint32_t v;

                if (!e)
                        e = p + strlen(p);
                if (name_value(l, p, e, &v))
                        *mask |= v;
                else
                        ret = -ENOENT;
                p = *e ? e + 1 : e;
        }
        return ret;
}

KernelVersion gfp_era_of(uint32_t mask, const char *names)
{
        for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
                uint32_t m;

                if (gfp_from_names(names, layouts[i].since, &m) == 0 && m == mask)
                        return layouts[i].since;
        }
        return 0;
}
