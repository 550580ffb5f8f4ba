/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zone and memory lines of show_free_areas() (mm/page_alloc.c, later
 * mm/show_mem.c) and show_mem(): "Node 0 DMA32 free:...", the free-block
 * lines, lowmem_reserve[], Mem-Info, the per-node line, "N pages RAM". */
#include <stdlib.h>
#include <string.h>

#include "oomreport-parser.h"
#include "parse-util.h"
#include <stddef.h>

static OomZone *zone_for(OomReport *r, int node, const char *name, size_t len, bool create)
{
        for (unsigned i = 0; i < r->n_zones; i++)
                if (r->zones[i].node == node && strlen(r->zones[i].name) == len &&
                    memcmp(r->zones[i].name, name, len) == 0)
                        return &r->zones[i];
        if (!create || r->n_zones >= OOM_MAX_ZONES || len == 0 || len >= OG_ZONE_NAME_MAX)
                return NULL;
        {
                OomZone *z = &r->zones[r->n_zones++];

                memset(z, 0, sizeof(*z));
                z->node = node;
                memcpy(z->name, name, len);
                z->name[len] = '\0';
                return z;
        }
}

/* "[Node N ]ZONE" at p: the zone's name and node. */
bool zone_head(const char *p, const char *e, int *node, const char **name, size_t *len, const char **after)
{
        static const char *const names[] = { "DMA32", "DMA", "Normal", "HighMem", "Movable", "Device" };

        const char *q;

        *node = 0;
        if ((q = txt_skip_prefix(p, e, "Node "))) {
                p = q;
                if (take_int(&p, e, 4095, node) < 0 || p >= e || *p != ' ')
                        return false;
                p++;
        }
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (txt_starts(p, e, names[i])) {
                        *name = p;
                        *len = strlen(names[i]);
                        *after = p + *len;
                        return true;
                }
        return false;
}

bool parse_zone_line(Parser *ps, const char *p, const char *e)
{
        const char *name, *after;
        size_t len;
        int node;
        OomZone *z;
        Kv kv;

        if (!zone_head(p, e, &node, &name, &len, &after) || !txt_starts(after, e, " free:"))
                return false;
        z = zone_for(ps->r, node, name, len, true);
        if (!z)
                return true;
        z->has_line = true;
        p = after;
        while (kv_next(&p, e, &kv)) {
                if (!kv.number)
                        continue;
                if (kv_is(&kv, "free"))
                        z->free_kb = kv.value;
                else if (kv_is(&kv, "boost"))
                        z->boost_kb = kv.value, z->has_boost = true;
                else if (kv_is(&kv, "min"))
                        z->min_kb = kv.value;
                else if (kv_is(&kv, "low"))
                        z->low_kb = kv.value;
                else if (kv_is(&kv, "high"))
                        z->high_kb = kv.value;
                else if (kv_is(&kv, "present"))
                        z->present_kb = kv.value, z->has_present = true;
                else if (kv_is(&kv, "managed"))
                        z->managed_kb = kv.value, z->has_managed = true;
                else if (kv_is(&kv, "reserved_highatomic"))
                        z->reserved_highatomic_kb = kv.value, z->has_reserved_highatomic = true;
                else if (kv_is(&kv, "free_highatomic"))
                        z->free_highatomic_kb = kv.value, z->has_free_highatomic = true;
                else if (kv_is(&kv, "free_cma"))
                        z->free_cma_kb = kv.value;
                else if (kv_is(&kv, "kernel_stack"))
                        ps->r->zone_kernel_stack_kb += kv.value;        /* per zone up to 5.4 */
                else if (kv_is(&kv, "pagetables"))
                        ps->r->zone_pagetables_kb += kv.value;          /* per zone up to 5.10 */
        }
        if (!z->has_managed)
                z->managed_kb = z->present_kb;  /* kernels before 3.8 print no managed */
        return true;
}

/* "Node 0 DMA32: 2150*4kB (UMEH) 2083*8kB (UMEH) ... = 44288kB" */
bool parse_buddy_line(Parser *ps, const char *p, const char *e)
{
        const char *name, *after;
        size_t len;
        int node;
        OomZone *z;
        uint64_t base = 0;

        if (!zone_head(p, e, &node, &name, &len, &after) || !txt_starts(after, e, ": ") || !txt_find(after, e, "*"))
                return false;
        z = zone_for(ps->r, node, name, len, true);
        if (!z)
                return true;
        p = txt_skip_prefix(after, e, ": ");
        z->n_orders = 0;
        while (p < e) {
                uint64_t count, size;
                unsigned order = 0;

                skip_blanks(&p, e);
                if (p < e && *p == '=') {
                        p++;
                        skip_blanks(&p, e);
                        (void)take_u64(&p, e, UINT64_MAX / 2, &z->buddy_total_kb);
                        break;
                }
                if (take_u64(&p, e, UINT64_MAX / 2, &count) < 0 || !take_literal(&p, e, "*") ||
                    take_u64(&p, e, UINT64_C(1) << 40, &size) < 0 || !take_literal(&p, e, "kB"))
                        break;
                if (!base)
                        base = size;
                while (base && (base << order) < size && order < OG_MAX_ORDERS)
                        order++;
                if (order >= OG_MAX_ORDERS || (base << order) != size)
                        break;
                z->buddy[order] = count;
                if (order + 1 > z->n_orders)
                        z->n_orders = order + 1;
                skip_blanks(&p, e);
                if (p < e && *p == '(') {
                        const char *c = memchr(p, ')', (size_t)(e - p));

                        for (const char *l = p + 1; c && l < c; l++)
                                switch (*l) {
                                case 'U':
                                        z->types[order] |= 1u << MT_UNMOVABLE;
                                        break;
                                case 'M':
                                        z->types[order] |= 1u << MT_MOVABLE;
                                        break;
                                case 'E':
                                        z->types[order] |= 1u << MT_RECLAIMABLE;
                                        break;
                                case 'H':
                                        z->types[order] |= 1u << MT_HIGHATOMIC;
                                        break;
                                case 'R':
                                        z->types[order] |= 1u << MT_RESERVE;
                                        break;
                                case 'C':
                                        z->types[order] |= 1u << MT_CMA;
                                        break;
                                case 'I':
                                        z->types[order] |= 1u << MT_ISOLATE;
                                        break;
                                default:
                                        break;
                                }
                        p = c ? c + 1 : e;
                }
        }
        z->has_buddy = z->n_orders > 0;
        return true;
}

bool parse_lowmem_reserve(Parser *ps, const char *p, const char *e)
{
        OomZone *z = NULL;
        const char *q = txt_find(p, e, "lowmem_reserve[]:");

        if (!q)
                q = txt_find(p, e, "protections[]:");       /* 2.6 */
        if (!q)
                return false;
        q = (const char *)memchr(q, ':', (size_t)(e - q)) + 1;
        for (unsigned i = ps->r->n_zones; i-- > 0;)
                if (ps->r->zones[i].has_line) {
                        z = &ps->r->zones[i];
                        break;
                }
        if (!z)
                return true;
        z->n_reserve = 0;
        for (;;) {
                uint64_t v;

                skip_blanks(&q, e);
                if (z->n_reserve >= OG_MAX_ZONES || take_u64(&q, e, UINT64_MAX / 2, &v) < 0)
                        break;
                z->reserve_pages[z->n_reserve++] = v;
        }
        return true;
}


void parse_meminfo_kv(Parser *ps, const char *p, const char *e)
{
        OomMemInfo *m = &ps->r->mem;
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
#define K(k, f) { k, offsetof(OomMemInfo, f) }
                K("active_anon", active_anon), K("inactive_anon", inactive_anon), K("isolated_anon", isolated_anon),
                K("active_file", active_file), K("inactive_file", inactive_file), K("isolated_file", isolated_file),
                K("unevictable", unevictable), K("dirty", dirty), K("writeback", writeback),
                K("slab_reclaimable", slab_reclaimable), K("slab_unreclaimable", slab_unreclaimable),
                K("mapped", mapped), K("shmem", shmem), K("pagetables", pagetables), K("bounce", bounce),
                K("free", free), K("free_pcp", free_pcp), K("free_cma", free_cma),
                /* before 2.6.28 the LRU was not split into anon and file */
                K("Active", lru_active), K("inactive", lru_inactive), K("slab", slab),
#undef K
        };
        Kv kv;

        while (kv_next(&p, e, &kv))
                for (size_t i = 0; kv.number && i < sizeof(keys) / sizeof(keys[0]); i++)
                        if (kv_is(&kv, keys[i].key)) {
                                *(uint64_t *)((char *)m + keys[i].offset) = kv.value;
                                m->present = true;
                        }
}

/* "Node 0 active_anon:500748kB inactive_anon:... all_unreclaimable? yes" */
bool parse_node_line(Parser *ps, const char *p, const char *e)
{
        int node;
        Kv kv;

        const char *q = txt_skip_prefix(p, e, "Node ");

        if (!q || !txt_find(p, e, "active_anon:") || !txt_find(p, e, "kB"))
                return false;
        p = q;
        if (take_int(&p, e, 4095, &node) < 0)
                return false;
        while (kv_next(&p, e, &kv)) {
                if (kv_is(&kv, "all_unreclaimable?"))
                        ps->r->all_unreclaimable |= kv.yes;
                else if (!kv.number)
                        continue;
                else if (kv_is(&kv, "kernel_stack"))
                        ps->r->node_kernel_stack_kb += kv.value;
                else if (kv_is(&kv, "pagetables"))
                        ps->r->node_pagetables_kb += kv.value;
                else if (kv_is(&kv, "shmem"))
                        ps->r->node_shmem_kb += kv.value;
                else if (kv_is(&kv, "anon_thp"))
                        ps->r->node_anon_thp_kb += kv.value;
                else if (kv_is(&kv, "Balloon")) {
                        ps->r->node_balloon_kb += kv.value;
                        ps->r->has_balloon_field = true;
                }
        }
        return true;
}


bool parse_numbers_line(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        const char *q = p;
        uint64_t v;

        if (txt_find(p, e, "hugepages_total=")) {
                uint64_t total = 0, freep = 0, size = 0;

                (void)txt_u64_after(p, e, "hugepages_total=", &total);
                (void)txt_u64_after(p, e, "hugepages_free=", &freep);
                (void)txt_u64_after(p, e, "hugepages_size=", &size);
                r->hugepages_kb += total * size;
                r->hugepages_free_kb += freep * size;
                return true;
        }
        if (txt_starts(p, e, "Free swap")) {
                r->has_swap_lines = true;
                return txt_u64_after(p, e, "=", &r->free_swap_kb), true;
        }
        if (txt_starts(p, e, "Total swap")) {
                r->has_swap_lines = true;
                return txt_u64_after(p, e, "=", &r->total_swap_kb), true;
        }
        if (take_u64(&q, e, UINT64_MAX / 2, &v) < 0 || q >= e || *q != ' ')
                return false;
        q++;
        if (txt_starts(q, e, "total pagecache pages"))
                r->pagecache_pages = v;
        else if (txt_starts(q, e, "pages in swap cache"))
                r->swapcache_pages = v;
        else if (txt_starts(q, e, "pages RAM")) {
                r->pages_ram = v;
                r->has_pages_ram = true;
        } else if (txt_starts(q, e, "pages HighMem"))
                r->pages_highmem = v;
        else if (txt_starts(q, e, "pages reserved") || txt_starts(q, e, "reserved pages"))
                r->pages_reserved = v;
        else if (txt_starts(q, e, "pages cma reserved"))
                r->pages_cma_reserved = v;
        else if (!txt_starts(q, e, "pages ") && !txt_starts(q, e, "reserved pages"))
                return false;
        if (r->kind == OOM_KIND_PAGE_ALLOC_FAILURE &&
            (txt_starts(q, e, "pages reserved") || txt_starts(q, e, "pages cma reserved") || txt_starts(q, e, "pages hwpoisoned")))
                ps->terminal = true;    /* show_mem()'s last lines */
        return true;
}

/* "0000000000000000 ffffffffb2129134 ..." raw stack words (<= 4.x), and
 * ARM register dumps "r6:600f0113 r5:c141c0dc" */
