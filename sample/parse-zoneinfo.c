/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/zoneinfo as printed by mm/vmstat.c: zoneinfo_show_print(), 3.10 to
 * 6.18: the per-node block (4.8+), boost (5.16+), promo (6.8+), cma (5.11+),
 * protection: before (4.8+) or after (3.10) the zone counters, and empty
 * zones that stop after protection: (4.12+). */
#include <errno.h>
#include <string.h>

#include "kernel-parse.h"
#include "zonelist.h"

enum {
        F_FREE = 1u << 0,
        F_MIN = 1u << 1,
        F_LOW = 1u << 2,
        F_HIGH = 1u << 3,
        F_SPANNED = 1u << 4,
        F_PRESENT = 1u << 5,
        F_MANAGED = 1u << 6,
        F_REQUIRED = (1u << 7) - 1,
        F_BOOST = 1u << 7,
        F_PROMO = 1u << 8,
        F_CMA = 1u << 9,
        F_PROTECTION = 1u << 10,
        F_NR_FREE_CMA = 1u << 11,
        F_NR_UNACCEPTED = 1u << 12,
        F_SCANNED = 1u << 13,
};

typedef enum ZoneinfoState {
        ZI_NONE,
        ZI_NODE_STATS,  /* "  per-node stats" up to "  pages free" */
        ZI_ZONE,
        ZI_PAGESETS,    /* per-cpu lists and trailer: nothing we need */
} ZoneinfoState;

typedef struct ZoneinfoParser {
        Sample *s;
        NodeSample *node;
        ZoneSample *zone;
        ZoneinfoState state;
        unsigned seen;
        unsigned zone_line;     /* where the current zone began */
        ParseError *err;
} ZoneinfoParser;

typedef struct ZoneKey {
        const char *key;
        size_t key_len;
        unsigned flag;
        size_t offset;
} ZoneKey;

#define ZK(key, flag, field) { key, sizeof(key) - 1, flag, offsetof(ZoneSample, field) }
static const ZoneKey zone_keys[] = {
        ZK("boost", F_BOOST, boost_pages),
        ZK("min", F_MIN, min_pages),
        ZK("low", F_LOW, low_pages),
        ZK("high", F_HIGH, high_pages),
        ZK("promo", F_PROMO, promo_pages),
        ZK("spanned", F_SPANNED, spanned_pages),
        ZK("present", F_PRESENT, present_pages),
        ZK("managed", F_MANAGED, managed_pages),
        ZK("cma", F_CMA, cma_pages),
        ZK("nr_free_cma", F_NR_FREE_CMA, nr_free_cma),
        ZK("nr_unaccepted", F_NR_UNACCEPTED, nr_unaccepted),
};

static int fail(ZoneinfoParser *zp, unsigned line, const char *field, const char *reason, int r)
{
        parse_error_set(zp->err, line, field, field ? strlen(field) : 0, reason);
        return r;
}

static bool valid_zone_name(const char *w, size_t n)
{
        if (n == 0 || n >= OG_ZONE_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++) {
                char ch = w[i];

                if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                      ch == '_'))
                        return false;
        }
        return true;
}

static int finish_zone(ZoneinfoParser *zp)
{
        ZoneSample *z = zp->zone;

        if (!z)
                return 0;
        if ((zp->seen & F_REQUIRED) != F_REQUIRED)
                return fail(zp, zp->zone_line, z->name,
                            "zone lacks one of pages free, min, low, high, spanned, present, managed", -ENODATA);
        if (z->min_pages > z->low_pages || z->low_pages > z->high_pages)
                return fail(zp, zp->zone_line, z->name, "watermarks not ordered min <= low <= high", -EINVAL);
        if (z->managed_pages > z->present_pages || z->present_pages > z->spanned_pages)
                return fail(zp, zp->zone_line, z->name, "not managed <= present <= spanned", -EINVAL);
        if (z->boost_pages > z->min_pages)
                return fail(zp, zp->zone_line, z->name, "boost larger than min, which includes it", -EINVAL);
        z->has_boost = zp->seen & F_BOOST;
        z->has_promo = zp->seen & F_PROMO;
        z->has_protection = zp->seen & F_PROTECTION;
        zp->zone = NULL;
        return 0;
}

/* "Node 0, zone   Normal" */
static int start_zone(ZoneinfoParser *zp, const char *p, const char *end, unsigned lineno)
{
        const char *name;
        size_t name_len;
        int node_id, r;

        if ((r = finish_zone(zp)) < 0)
                return r;
        skip_blanks(&p, end);
        if (take_int(&p, end, 4095, &node_id) < 0 || node_id < 0 || !take_literal(&p, end, ","))
                return fail(zp, lineno, "Node", "expected \"Node N, zone NAME\"", -EINVAL);
        skip_blanks(&p, end);
        if (!take_literal(&p, end, "zone") || !take_word(&p, end, &name, &name_len) || !at_end(p, end))
                return fail(zp, lineno, "Node", "expected \"Node N, zone NAME\"", -EINVAL);
        if (!valid_zone_name(name, name_len))
                return fail(zp, lineno, "zone", "zone name not alphanumeric or too long", -EINVAL);

        if (!zp->node || zp->node->id != node_id) {
                if (sample_node(zp->s, node_id))
                        return fail(zp, lineno, "Node", "node's zones are not contiguous", -EINVAL);
                if (zp->s->n_nodes >= OG_MAX_NODES)
                        return fail(zp, lineno, "Node", "more nodes than oomguard holds", -E2BIG);
                zp->node = &zp->s->nodes[zp->s->n_nodes++];
                zp->node->id = node_id;
                zp->node->n_zones = 0;
        }
        if (zp->node->n_zones >= OG_MAX_ZONES)
                return fail(zp, lineno, "zone", "more zones than oomguard holds", -E2BIG);
        zp->zone = &zp->node->zones[zp->node->n_zones++];
        memset(zp->zone, 0, sizeof(*zp->zone));
        memcpy(zp->zone->name, name, name_len);
        zp->zone->name[name_len] = '\0';
        zp->zone->kind = zone_kind_from_name(zp->zone->name);
        zp->zone->index = -1;
        zp->state = ZI_ZONE;
        zp->seen = 0;
        zp->zone_line = lineno;
        return 0;
}

/* "protection: (0, 3019, 5195, 5195, 5195)" */
static int parse_protection(ZoneinfoParser *zp, const char *p, const char *end, unsigned lineno)
{
        ZoneSample *z = zp->zone;

        skip_blanks(&p, end);
        if (!take_literal(&p, end, "("))
                return fail(zp, lineno, "protection", "expected '('", -EINVAL);
        z->n_protection = 0;
        for (;;) {
                uint64_t v;
                int r;

                skip_blanks(&p, end);
                if (z->n_protection == 0 && take_literal(&p, end, ")"))
                        break;
                if (z->n_protection >= OG_MAX_ZONES)
                        return fail(zp, lineno, "protection", "more entries than zones oomguard holds", -E2BIG);
                if ((r = take_u64(&p, end, OG_MAX_COUNT, &v)) < 0)
                        return fail(zp, lineno, "protection", "not a number", r);
                z->protection[z->n_protection++] = v;
                skip_blanks(&p, end);
                if (take_literal(&p, end, ")"))
                        break;
                if (!take_literal(&p, end, ","))
                        return fail(zp, lineno, "protection", "expected ',' or ')'", -EINVAL);
        }
        if (!at_end(p, end))
                return fail(zp, lineno, "protection", "trailing text", -EINVAL);
        return 0;
}

static int zone_value(ZoneinfoParser *zp, const char *key, unsigned flag, uint64_t *slot, const char *p,
                      const char *end, unsigned lineno)
{
        int r;

        if (zp->seen & flag)
                return fail(zp, lineno, key, "appears twice in one zone", -EINVAL);
        skip_blanks(&p, end);
        if ((r = take_u64(&p, end, OG_MAX_COUNT, slot)) < 0)
                return fail(zp, lineno, key, r == -ERANGE ? "number out of range" : "not a number", r);
        if (!at_end(p, end))
                return fail(zp, lineno, key, "trailing text after the number", -EINVAL);
        zp->seen |= flag;
        return 0;
}

static int zone_line(ZoneinfoParser *zp, const char *w, size_t wl, const char *p, const char *end,
                     unsigned lineno)
{
        if (WORD_IS(w, wl, "per-node")) {
                zp->state = ZI_NODE_STATS;
                return 0;
        }
        if (WORD_IS(w, wl, "pages")) {
                const char *f;
                size_t fl;

                if (!take_word(&p, end, &f, &fl) || !WORD_IS(f, fl, "free"))
                        return fail(zp, lineno, "pages", "expected \"pages free N\"", -EINVAL);
                zp->state = ZI_ZONE;
                return zone_value(zp, "pages free", F_FREE, &zp->zone->free_pages, p, end, lineno);
        }
        if (zp->state == ZI_NODE_STATS)
                return 0;       /* node counters: the node's LRU sizes, not needed here */
        if (WORD_IS(w, wl, "protection:")) {
                if (zp->seen & F_PROTECTION)
                        return fail(zp, lineno, "protection", "appears twice in one zone", -EINVAL);
                zp->seen |= F_PROTECTION;
                return parse_protection(zp, p, end, lineno);
        }
        if (WORD_IS(w, wl, "pagesets")) {
                zp->state = ZI_PAGESETS;
                return 0;
        }
        for (size_t i = 0; i < sizeof(zone_keys) / sizeof(zone_keys[0]); i++)
                if (wl == zone_keys[i].key_len && memcmp(w, zone_keys[i].key, wl) == 0)
                        return zone_value(zp, zone_keys[i].key, zone_keys[i].flag,
                                          (uint64_t *)((char *)zp->zone + zone_keys[i].offset), p, end, lineno);
        return 0;       /* other zone counters */
}

int parse_zoneinfo(const char *buf, size_t len, Sample *s, ParseError *err)
{
        ZoneinfoParser zp = { .s = s, .err = err };
        const char *line;
        size_t n;
        LineCursor c;
        int r;

        s->n_nodes = 0;
        line_cursor_init(&c, buf, len);
        while (line_next(&c, &line, &n)) {
                const char *p = line, *end = line + n, *w;
                size_t wl;

                /* Per-cpu lists and per-node counters are most of the file
                 * and hold nothing we need: one byte tells them apart from
                 * the "Node" header and the "pages free" line. */
                skip_blanks(&p, end);
                if (p < end && ((zp.state == ZI_PAGESETS && *p != 'N') ||
                                (zp.state == ZI_NODE_STATS && *p != 'N' && *p != 'p')))
                        continue;
                if (!take_word(&p, end, &w, &wl))
                        continue;
                if (WORD_IS(w, wl, "Node")) {
                        if ((r = start_zone(&zp, p, end, c.lineno)) < 0)
                                return r;
                        continue;
                }
                if (!zp.zone) {
                        if (zp.state == ZI_PAGESETS)
                                continue;
                        return fail(&zp, c.lineno, NULL, "text before the first \"Node N, zone\" line", -EINVAL);
                }
                if (zp.state == ZI_PAGESETS)
                        continue;
                if ((r = zone_line(&zp, w, wl, p, end, c.lineno)) < 0)
                        return r;
        }
        if ((r = finish_zone(&zp)) < 0)
                return r;
        if (s->n_nodes == 0)
                return fail(&zp, 0, NULL, "no zones", -ENODATA);
        if (zone_layout_resolve(s) < 0)
                return fail(&zp, 0, "zone", "zone names do not fit any known zone layout", -EINVAL);
        return 0;
}
