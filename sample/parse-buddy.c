/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Free blocks per order: /proc/buddyinfo (mm/vmstat.c: frag_show_print())
 * and /proc/pagetypeinfo (pagetypeinfo_showfree_print(),
 * pagetypeinfo_showblockcount_print()). Both name zones that
 * /proc/zoneinfo already gave us; the column count is the number of orders,
 * which differs between kernels, so it is counted, never assumed. */
#include <errno.h>
#include <string.h>

#include "kernel-parse.h"

#define PAGETYPE_CAP 100000     /* 5.4+ prints larger counts as ">100000" */

static ZoneSample *find_zone(Sample *s, int node_id, const char *name, size_t len)
{
        for (unsigned i = 0; i < s->n_nodes; i++) {
                NodeSample *n = &s->nodes[i];

                if (n->id != node_id)
                        continue;
                for (unsigned j = 0; j < n->n_zones; j++)
                        if (word_is(name, len, n->zones[j].name))
                                return &n->zones[j];
        }
        return NULL;
}

/* "Node 0, zone   Normal" with the zone word returned as printed (it may end
 * in ',' in pagetypeinfo). */
static int take_zone_header(const char **p, const char *end, int *ret_node, const char **ret_name,
                            size_t *ret_len)
{
        skip_blanks(p, end);
        if (!take_literal(p, end, "Node"))
                return -EINVAL;
        skip_blanks(p, end);
        if (take_int(p, end, 4095, ret_node) < 0 || *ret_node < 0 || !take_literal(p, end, ","))
                return -EINVAL;
        skip_blanks(p, end);
        if (!take_literal(p, end, "zone") || !take_word(p, end, ret_name, ret_len))
                return -EINVAL;
        return 0;
}

int parse_buddyinfo(const char *buf, size_t len, Sample *s, ParseError *err)
{
        const char *line;
        size_t n;
        LineCursor c;

        line_cursor_init(&c, buf, len);
        while (line_next(&c, &line, &n)) {
                const char *p = line, *end = line + n, *name;
                size_t name_len;
                unsigned orders = 0;
                ZoneSample *z;
                int node, r;

                if (at_end(p, end))
                        continue;
                if (take_zone_header(&p, end, &node, &name, &name_len) < 0) {
                        parse_error_set(err, c.lineno, line, n < 8 ? n : 8, "expected \"Node N, zone NAME\"");
                        return -EINVAL;
                }
                z = find_zone(s, node, name, name_len);
                if (!z) {
                        parse_error_set(err, c.lineno, name, name_len, "zone not in zoneinfo");
                        return -EINVAL;
                }
                if (z->has_buddy) {
                        parse_error_set(err, c.lineno, name, name_len, "zone appears twice");
                        return -EINVAL;
                }
                for (;;) {
                        skip_blanks(&p, end);
                        if (p >= end)
                                break;
                        if (orders >= OG_MAX_ORDERS) {
                                parse_error_set(err, c.lineno, name, name_len, "more orders than oomguard holds");
                                return -E2BIG;
                        }
                        if ((r = take_u64(&p, end, OG_MAX_COUNT, &z->nr_free[orders])) < 0) {
                                parse_error_set(err, c.lineno, name, name_len, "free block count not a number");
                                return r;
                        }
                        orders++;
                }
                if (orders == 0) {
                        parse_error_set(err, c.lineno, name, name_len, "no free block counts");
                        return -ENODATA;
                }
                if (z->has_pagetype && z->n_orders != orders) {
                        parse_error_set(err, c.lineno, name, name_len, "order count differs from pagetypeinfo");
                        return -EINVAL;
                }
                z->n_orders = orders;
                z->has_buddy = true;
        }
        return 0;
}

typedef struct PagetypeParser {
        Sample *s;
        unsigned n_orders;
        MigrateType columns[_MT_MAX];
        unsigned n_columns;
        bool in_blocks, done;
        ParseError *err;
} PagetypeParser;

static int pt_fail(PagetypeParser *pp, unsigned line, const char *f, size_t fl, const char *why, int r)
{
        parse_error_set(pp->err, line, f, fl, why);
        return r;
}

/* "Free pages count per migrate type at order       0      1 ..." */
static int pt_orders(PagetypeParser *pp, const char *p, const char *end, unsigned lineno)
{
        pp->n_orders = 0;
        for (;;) {
                uint64_t o;

                skip_blanks(&p, end);
                if (p >= end)
                        break;
                if (take_u64(&p, end, OG_MAX_ORDERS, &o) < 0 || o != pp->n_orders || o >= OG_MAX_ORDERS)
                        return pt_fail(pp, lineno, "order", 5, "orders not 0, 1, 2 ... within limits", -EINVAL);
                pp->n_orders++;
        }
        return pp->n_orders ? 0 : pt_fail(pp, lineno, "order", 5, "no orders", -ENODATA);
}

/* "Number of blocks type     Unmovable      Movable ..." */
static int pt_columns(PagetypeParser *pp, const char *p, const char *end, unsigned lineno)
{
        const char *w;
        size_t wl;

        pp->n_columns = 0;
        while (take_word(&p, end, &w, &wl)) {
                MigrateType t = migrate_type_from_name(w, (unsigned)wl);

                if (t == _MT_INVALID || pp->n_columns >= _MT_MAX)
                        return pt_fail(pp, lineno, w, wl, "unknown migrate type", -EINVAL);
                pp->columns[pp->n_columns++] = t;
        }
        pp->in_blocks = true;
        return 0;
}

static int pt_zone_line(PagetypeParser *pp, const char *p, const char *end, unsigned lineno)
{
        const char *name, *tname;
        size_t name_len, tlen;
        ZoneSample *z;
        int node, r;

        if (take_zone_header(&p, end, &node, &name, &name_len) < 0)
                return pt_fail(pp, lineno, "Node", 4, "expected \"Node N, zone NAME\"", -EINVAL);
        if (!pp->in_blocks) {
                MigrateType t;
                unsigned k = 0;

                if (name_len < 2 || name[name_len - 1] != ',')
                        return pt_fail(pp, lineno, name, name_len, "expected \"zone NAME, type TYPE\"", -EINVAL);
                name_len--;
                if (!take_literal(&p, end, " type") || !take_word(&p, end, &tname, &tlen))
                        return pt_fail(pp, lineno, name, name_len, "expected \"type TYPE\"", -EINVAL);
                t = migrate_type_from_name(tname, (unsigned)tlen);
                if (t == _MT_INVALID)
                        return pt_fail(pp, lineno, tname, tlen, "unknown migrate type", -EINVAL);
                if (!(z = find_zone(pp->s, node, name, name_len)))
                        return pt_fail(pp, lineno, name, name_len, "zone not in zoneinfo", -EINVAL);
                if (pp->n_orders == 0)
                        return pt_fail(pp, lineno, name, name_len, "counts before the order header", -EINVAL);
                for (k = 0; k < pp->n_orders; k++) {
                        uint64_t v;

                        skip_blanks(&p, end);
                        if (take_literal(&p, end, ">")) {
                                /* capped count: at least this many */
                                if ((r = take_u64(&p, end, PAGETYPE_CAP, &v)) < 0)
                                        return pt_fail(pp, lineno, tname, tlen, "malformed capped count", r);
                        } else if ((r = take_u64(&p, end, UINT32_MAX, &v)) < 0)
                                return pt_fail(pp, lineno, tname, tlen, "count not a number", r);
                        z->nr_free_mt[t][k] = (uint32_t)v;
                }
                if (!at_end(p, end))
                        return pt_fail(pp, lineno, tname, tlen, "more counts than orders", -EINVAL);
                z->has_pagetype = true;
                return 0;
        }

        if (!(z = find_zone(pp->s, node, name, name_len)))
                return pt_fail(pp, lineno, name, name_len, "zone not in zoneinfo", -EINVAL);
        for (unsigned col = 0; col < pp->n_columns; col++) {
                skip_blanks(&p, end);
                if ((r = take_u64(&p, end, OG_MAX_COUNT, &z->blocks_mt[pp->columns[col]])) < 0)
                        return pt_fail(pp, lineno, name, name_len, "block count not a number", r);
        }
        if (!at_end(p, end))
                return pt_fail(pp, lineno, name, name_len, "more block counts than types", -EINVAL);
        return 0;
}

/* Fills what the watermark model reads from the raw counts. */
static int pt_derive(PagetypeParser *pp)
{
        bool has_highatomic_column = false;

        for (unsigned col = 0; col < pp->n_columns; col++)
                has_highatomic_column |= pp->columns[col] == MT_HIGHATOMIC;
        for (unsigned i = 0; i < pp->s->n_nodes; i++)
                for (unsigned j = 0; j < pp->s->nodes[i].n_zones; j++) {
                        ZoneSample *z = &pp->s->nodes[i].zones[j];

                        if (!z->has_pagetype)
                                continue;
                        if (z->has_buddy && z->n_orders != pp->n_orders)
                                return pt_fail(pp, 0, z->name, strlen(z->name), "order count differs from buddyinfo",
                                               -EINVAL);
                        z->n_orders = pp->n_orders;
                        z->has_order_types = true;
                        z->free_highatomic_pages = 0;
                        for (unsigned k = 0; k < pp->n_orders; k++) {
                                z->order_types[k] = 0;
                                for (int t = 0; t < _MT_MAX; t++)
                                        if (z->nr_free_mt[t][k])
                                                z->order_types[k] |= (uint8_t)(1u << t);
                                z->free_highatomic_pages += (uint64_t)z->nr_free_mt[MT_HIGHATOMIC][k] << k;
                        }
                        z->has_free_highatomic = true;
                        if (has_highatomic_column && pp->s->pageblock_pages) {
                                /* reserve_highatomic_pageblock() adds pageblock_nr_pages per block */
                                z->reserved_highatomic_pages = z->blocks_mt[MT_HIGHATOMIC] * pp->s->pageblock_pages;
                                z->has_reserved_highatomic = true;
                        }
                }
        return 0;
}

int parse_pagetypeinfo(const char *buf, size_t len, Sample *s, ParseError *err)
{
        PagetypeParser pp = { .s = s, .err = err };
        uint64_t block_order = 0;
        bool has_block_order = false;
        const char *line;
        size_t n;
        LineCursor c;
        int r;

        s->pageblock_pages = 0;
        line_cursor_init(&c, buf, len);
        while (line_next(&c, &line, &n) && !pp.done) {
                const char *p = line, *end = line + n;

                skip_blanks(&p, end);
                if (p >= end)
                        continue;
                if (take_literal(&p, end, "Page block order:")) {
                        skip_blanks(&p, end);
                        if (take_u64(&p, end, 30, &block_order) < 0 || !at_end(p, end))
                                return pt_fail(&pp, c.lineno, "Page block order", 16, "not a number", -EINVAL);
                        has_block_order = true;
                } else if (take_literal(&p, end, "Pages per block:")) {
                        skip_blanks(&p, end);
                        if (take_u64(&p, end, UINT64_C(1) << 30, &s->pageblock_pages) < 0 || !at_end(p, end))
                                return pt_fail(&pp, c.lineno, "Pages per block", 15, "not a number", -EINVAL);
                } else if (take_literal(&p, end, "Free pages count per migrate type at order")) {
                        if ((r = pt_orders(&pp, p, end, c.lineno)) < 0)
                                return r;
                } else if (take_literal(&p, end, "Number of blocks type")) {
                        if ((r = pt_columns(&pp, p, end, c.lineno)) < 0)
                                return r;
                } else if (take_literal(&p, end, "Number of mixed blocks")) {
                        pp.done = true; /* CONFIG_PAGE_OWNER extra table */
                } else if ((r = pt_zone_line(&pp, line, end, c.lineno)) < 0)
                        return r;
        }
        if (has_block_order && s->pageblock_pages && s->pageblock_pages != UINT64_C(1) << block_order)
                return pt_fail(&pp, 0, "Pages per block", 15, "does not match the page block order", -EINVAL);
        if (pp.n_orders == 0)
                return pt_fail(&pp, 0, "order", 5, "no free page table", -ENODATA);
        return pt_derive(&pp);
}
