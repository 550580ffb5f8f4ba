/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "zones-report.h"

#include <inttypes.h>

#include "sample-gaps.h"

static const ZoneSample *zone_of(const Sample *s, const ZoneModel *zm)
{
        const NodeSample *n = sample_node(s, zm->node_id);

        return n ? &n->zones[zm->zone_pos] : NULL;
}

static const char *zone_name_at(const Sample *s, int node_id, int index)
{
        const NodeSample *n = sample_node(s, node_id);

        for (unsigned j = 0; n && j < n->n_zones; j++)
                if (n->zones[j].index == index)
                        return n->zones[j].name;
        return "?";
}

/* What the allocator does with a request of this kind and order in this
 * zone (mm/page_alloc.c: get_page_from_freelist() against the low mark
 * first, __alloc_pages_slowpath() against min): "fast" above low; "kswapd"
 * between min and low (served, kswapd woken); "reserve" when only the
 * zone's lowmem reserve stands in the way (free pages kept for requests
 * that cannot use a higher zone: the request goes to another zone, and
 * that is the reserve working, not a shortage); "reclaim" below min (this
 * zone sends the request on, and if no zone of its list admits it, into
 * direct reclaim and then the OOM killer). */
static const char *verdict_word(const Sample *s, const ZoneSample *z, RequestKind kind, unsigned order)
{
        int hz = request_highest_zoneidx(s, kind);
        unsigned flags = alloc_flags_for_class(s->kernel, REQ_CLASS_NORMAL, order, kind == REQ_KIND_MOVABLE);

        if (z->managed_pages == 0)
                return "-";
        if (z->index > hz)
                return "n/a";   /* above the request's highest zone */
        if (zone_watermark_fast(z, s->kernel, order, WMARK_LOW, hz, flags, NULL))
                return "fast";
        if (zone_watermark_fast(z, s->kernel, order, WMARK_MIN, hz, flags, NULL))
                return "kswapd";
        /* the reserve that applies to a request whose highest zone is this
         * one is protection[own index], 0: so this is the mark alone */
        if (hz != z->index && zone_watermark_fast(z, s->kernel, order, WMARK_MIN, z->index, flags, NULL))
                return "reserve";
        return "reclaim";
}

/* The zones' managed pages against MemTotal, and why the guard goes by
 * the zones. */
static void print_zones_vs_memtotal(FILE *f, const Sample *s)
{
        SampleGaps g;
        char text[768];

        sample_gaps(s, &g);
        if (g.mask & (1u << GAP_ZONES_NOT_MEMTOTAL))
                fprintf(f, "MISMATCH: the zones manage %" PRIu64 " MiB but MemTotal is %" PRIu64
                           " MiB: proc/zoneinfo may be truncated, or the kernel\n"
                           "  has not handed all memory to the zones yet (CONFIG_DEFERRED_STRUCT_PAGE_INIT); free(1)\n"
                           "  and this report then disagree.\n",
                        g.managed_kb / 1024, g.mem_total_kb / 1024);
        else
                fprintf(f, "zones manage %" PRIu64 " MiB, MemTotal %" PRIu64 " MiB: they agree.\n", g.managed_kb / 1024,
                        g.mem_total_kb / 1024);
        fprintf(f, "oomguard goes by the zones: the allocator admits or refuses a request zone by zone against\n"
                   "  its watermarks (__zone_watermark_ok()), whatever MemTotal or MemAvailable say.\n");
        g.mask &= ~(1u << GAP_ZONES_NOT_MEMTOTAL);
        if (sample_gaps_format(&g, text, sizeof(text)))
                fprintf(f, "note: %s\n", text);
}

/* kB as MiB with one decimal, rounded to nearest; a negative figure keeps
 * its sign even when it rounds to zero ("-0.0": below the mark by < 0.05). */
static void mib(char *buf, size_t n, int64_t kb)
{
        uint64_t mag = kb < 0 ? (uint64_t)(-kb) : (uint64_t)kb;
        uint64_t tenths = (mag * 10 + 512) / 1024;

        snprintf(buf, n, "%s%" PRIu64 ".%" PRIu64, kb < 0 ? "-" : "", tenths / 10, tenths % 10);
}

static void print_header_line(FILE *f, const Sample *s)
{
        fprintf(f, "kernel %u.%u.%u%s, page %u kB", KV_MAJOR(s->kernel), KV_MINOR(s->kernel), KV_SUBLEVEL(s->kernel),
                s->kernel_known ? "" : " (assumed)", s->page_size_kb);
        if (s->sysctl.has_min_free_kbytes)
                fprintf(f, ", min_free_kbytes %" PRIu64, s->sysctl.min_free_kbytes);
        if (s->sysctl.has_scale_factor)
                fprintf(f, ", watermark_scale_factor %" PRIu64, s->sysctl.watermark_scale_factor);
        if (s->sysctl.has_boost_factor)
                fprintf(f, ", watermark_boost_factor %" PRIu64, s->sysctl.watermark_boost_factor);
        fputc('\n', f);
}

static void print_balloon_line(FILE *f, const Sample *s, const Model *m)
{
        char bal[32], ram[32];

        mib(bal, sizeof(bal), (int64_t)m->balloon_kb);
        mib(ram, sizeof(ram), (int64_t)m->guest_ram_kb);
        if (!s->balloon.device_present && m->balloon_kb == 0) {
                fprintf(f, "balloon: no virtio balloon device; guest RAM %s MiB\n", ram);
                return;
        }
        fprintf(f, "balloon: holds %s MiB of %s MiB guest RAM (%u.%u%%), deflate-on-oom %s%s\n", bal, ram,
                m->balloon_permyriad / 100, m->balloon_permyriad % 100 / 10, s->balloon.deflate_on_oom ? "on" : "off",
                s->balloon.deflate_on_oom ? " (ballooned pages still count in MemTotal)" :
                                            " (MemTotal and managed exclude the balloon)");
}

void zones_report_text(FILE *f, const Sample *s, const Model *m, unsigned order)
{
        char o_hdr[2][16];

        print_header_line(f, s);
        snprintf(o_hdr[0], sizeof(o_hdr[0]), "o0 k/m");
        snprintf(o_hdr[1], sizeof(o_hdr[1]), "o%u k/m", order);
        fprintf(f, "%4s %-8s %9s %8s %8s %8s %9s %9s %8s %8s %9s %9s %6s %8s  %-15s %-15s\n", "node", "zone", "free",
                "min", "low", "high", "managed", "present", "res.k", "res.m", ">min.k", ">low.k", "maxo", "frag@o",
                o_hdr[0], o_hdr[1]);
        for (unsigned i = 0; i < m->n_zones; i++) {
                const ZoneModel *zm = &m->zones[i];
                const ZoneSample *z = zone_of(s, zm);
                char c[10][32], frag[16], v0[32], vn[32];

                if (!z)
                        continue;
                mib(c[0], 32, (int64_t)zm->free_kb);
                mib(c[1], 32, (int64_t)zm->min_kb);
                mib(c[2], 32, (int64_t)zm->low_kb);
                mib(c[3], 32, (int64_t)zm->high_kb);
                mib(c[4], 32, (int64_t)zm->managed_kb);
                mib(c[5], 32, (int64_t)zm->present_kb);
                mib(c[6], 32, (int64_t)zm->reserve_kb[REQ_KIND_KERNEL]);
                mib(c[7], 32, (int64_t)zm->reserve_kb[REQ_KIND_MOVABLE]);
                mib(c[8], 32, zm->headroom_kb[REQ_KIND_KERNEL][WMARK_MIN]);
                mib(c[9], 32, zm->headroom_kb[REQ_KIND_KERNEL][WMARK_LOW]);
                if (order < zm->n_orders && (z->has_buddy || z->has_pagetype))
                        snprintf(frag, sizeof(frag), "%u.%u%%", zm->unusable_permyriad[order] / 100,
                                 zm->unusable_permyriad[order] % 100 / 10);
                else
                        snprintf(frag, sizeof(frag), "?");
                snprintf(v0, sizeof(v0), "%s/%s", verdict_word(s, z, REQ_KIND_KERNEL, 0),
                         verdict_word(s, z, REQ_KIND_MOVABLE, 0));
                snprintf(vn, sizeof(vn), "%s/%s", verdict_word(s, z, REQ_KIND_KERNEL, order),
                         verdict_word(s, z, REQ_KIND_MOVABLE, order));
                fprintf(f, "%4d %-8s %9s %8s %8s %8s %9s %9s %8s %8s %9s %9s %6d %8s  %-15s %-15s\n", zm->node_id,
                        z->name, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], zm->largest_free_order,
                        frag, v0, vn);
        }
        fprintf(f, "MiB throughout. res.k/res.m: lowmem reserve a kernel/movable request must leave in the zone;\n"
                   ">min.k/>low.k: free above mark+reserve for an order-0 kernel request; maxo: largest free order;\n"
                   "frag@o: free memory in blocks below order %u; o0 and o%u k/m: what the allocator does with a\n"
                   "kernel/movable request of that order in the zone: fast = served above low; kswapd = served,\n"
                   "kswapd woken to reclaim (between min and low); reserve = refused only to keep the zone's lowmem\n"
                   "reserve for requests that cannot go elsewhere (the request goes to another zone: not a\n"
                   "shortage); reclaim = below min: the request goes on to the next zone, and if none admits it\n"
                   "(lines below), into direct reclaim and then the OOM killer; n/a = above the request's zones.\n",
                order, order);
        for (unsigned i = 0; i < s->n_nodes; i++) {
                static const RequestKind kinds[] = { REQ_KIND_KERNEL, REQ_KIND_MOVABLE };

                for (unsigned k = 0; k < 2; k++)
                        for (unsigned pass = 0; pass < 2; pass++) {
                                unsigned o = pass ? order : 0;
                                ZonelistVerdict v;
                                bool ok = zonelist_admits(s, s->nodes[i].id, kinds[k], REQ_CLASS_NORMAL, o, WMARK_MIN, &v);

                                fprintf(f, "node %d order-%u %s request at min: %s", s->nodes[i].id, o,
                                        request_kind_name(kinds[k]), ok ? "admitted by " : "NO ZONE ADMITS IT");
                                if (ok)
                                        fprintf(f, "node %d %s", v.node_id, zone_name_at(s, v.node_id, v.zone_index));
                                fprintf(f, " (%u zone%s tried)\n", v.n_tried, v.n_tried == 1 ? "" : "s");
                        }
        }
        print_balloon_line(f, s, m);
        print_zones_vs_memtotal(f, s);
}

static void json_verdicts(FILE *f, const Sample *s, const ZoneSample *z, unsigned order)
{
        static const RequestKind kinds[] = { REQ_KIND_KERNEL, REQ_KIND_MOVABLE };
        bool first = true;

        fprintf(f, "\"verdicts\":[");
        for (unsigned pass = 0; pass < 2; pass++)
                for (unsigned k = 0; k < 2; k++) {
                        unsigned o = pass ? order : 0;
                        int hz = request_highest_zoneidx(s, kinds[k]);
                        unsigned flags = alloc_flags_for_class(s->kernel, REQ_CLASS_NORMAL, o,
                                                               kinds[k] == REQ_KIND_MOVABLE);
                        bool usable = z->managed_pages > 0 && z->index <= hz;

                        fprintf(f, "%s{\"order\":%u,\"kind\":\"%s\",\"verdict\":\"%s\",\"usable_zone\":%s,"
                                   "\"passes_min\":%s,\"passes_low\":%s}",
                                first ? "" : ",", o, request_kind_name(kinds[k]), verdict_word(s, z, kinds[k], o),
                                usable ? "true" : "false",
                                usable && zone_watermark_fast(z, s->kernel, o, WMARK_MIN, hz, flags, NULL) ? "true" : "false",
                                usable && zone_watermark_fast(z, s->kernel, o, WMARK_LOW, hz, flags, NULL) ? "true" : "false");
                        first = false;
                }
        fprintf(f, "]");
}

void zones_report_json(FILE *f, const Sample *s, const Model *m, unsigned order)
{
        fprintf(f, "{\"kernel\":\"%u.%u.%u\",\"kernel_known\":%s,\"page_size_kb\":%u,\"order\":%u,", KV_MAJOR(s->kernel),
                KV_MINOR(s->kernel), KV_SUBLEVEL(s->kernel), s->kernel_known ? "true" : "false", s->page_size_kb,
                order);
        fprintf(f, "\"sysctl\":{");
        fprintf(f, "\"min_free_kbytes\":");
        s->sysctl.has_min_free_kbytes ? fprintf(f, "%" PRIu64, s->sysctl.min_free_kbytes) : fprintf(f, "null");
        fprintf(f, ",\"watermark_scale_factor\":");
        s->sysctl.has_scale_factor ? fprintf(f, "%" PRIu64, s->sysctl.watermark_scale_factor) : fprintf(f, "null");
        fprintf(f, ",\"watermark_boost_factor\":");
        s->sysctl.has_boost_factor ? fprintf(f, "%" PRIu64, s->sysctl.watermark_boost_factor) : fprintf(f, "null");
        fprintf(f, "},\"balloon\":{\"device_present\":%s,\"deflate_on_oom\":%s,\"size_kb\":%" PRIu64
                   ",\"guest_ram_kb\":%" PRIu64 ",\"share_permyriad\":%u},",
                s->balloon.device_present ? "true" : "false", s->balloon.deflate_on_oom ? "true" : "false",
                m->balloon_kb, m->guest_ram_kb, m->balloon_permyriad);
        {
                SampleGaps g;

                sample_gaps(s, &g);
                fprintf(f, "\"zones_managed_kb\":%" PRIu64 ",\"mem_total_kb\":%" PRIu64 ",\"zones_match_mem_total\":%s,",
                        g.managed_kb, g.mem_total_kb, g.mask & (1u << GAP_ZONES_NOT_MEMTOTAL) ? "false" : "true");
        }
        fprintf(f, "\"zones\":[");
        for (unsigned i = 0; i < m->n_zones; i++) {
                const ZoneModel *zm = &m->zones[i];
                const ZoneSample *z = zone_of(s, zm);

                if (!z)
                        continue;
                fprintf(f, "%s{\"node\":%d,\"zone\":\"%s\",\"zone_index\":%d,\"free_kb\":%" PRIu64 ",\"min_kb\":%" PRIu64
                           ",\"low_kb\":%" PRIu64 ",\"high_kb\":%" PRIu64 ",\"boost_kb\":%" PRIu64
                           ",\"managed_kb\":%" PRIu64 ",\"present_kb\":%" PRIu64 ",\"hidden_kb\":%" PRIu64 ",",
                        i ? "," : "", zm->node_id, z->name, zm->index, zm->free_kb, zm->min_kb, zm->low_kb, zm->high_kb,
                        zm->boost_kb, zm->managed_kb, zm->present_kb, zm->hidden_kb);
                fprintf(f, "\"protection_pages\":[");
                for (unsigned p = 0; p < z->n_protection; p++)
                        fprintf(f, "%s%" PRIu64, p ? "," : "", z->protection[p]);
                fprintf(f, "],\"reserve_kb\":{\"kernel\":%" PRIu64 ",\"movable\":%" PRIu64 "},",
                        zm->reserve_kb[REQ_KIND_KERNEL], zm->reserve_kb[REQ_KIND_MOVABLE]);
                fprintf(f, "\"headroom_kb\":{");
                for (int k = REQ_KIND_KERNEL; k <= REQ_KIND_MOVABLE; k++)
                        fprintf(f, "%s\"%s\":{\"min\":%" PRId64 ",\"low\":%" PRId64 ",\"high\":%" PRId64 "}",
                                k ? "," : "", request_kind_name((RequestKind)k), zm->headroom_kb[k][WMARK_MIN],
                                zm->headroom_kb[k][WMARK_LOW], zm->headroom_kb[k][WMARK_HIGH]);
                fprintf(f, "},\"largest_free_order\":%d,\"unusable_free_permyriad_by_order\":[", zm->largest_free_order);
                for (unsigned o = 0; o < zm->n_orders; o++)
                        fprintf(f, "%s%u", o ? "," : "", zm->unusable_permyriad[o]);
                fprintf(f, "],");
                json_verdicts(f, s, z, order);
                fprintf(f, "}");
        }
        fprintf(f, "]}\n");
}
