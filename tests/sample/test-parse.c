/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsers of kernel files: real captures, and every way input goes wrong. */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-parse.h"
#include "kernel-version.h"

/* Copies text into an exact-size heap buffer without NUL, so that ASan
 * flags any read past the length the parser was given. */
static char *exact(const char *text, size_t *ret_len)
{
        size_t n = strlen(text);
        char *b = malloc(n ? n : 1);

        assert_non_null(b);
        memcpy(b, text, n);
        *ret_len = n;
        return b;
}

typedef int (*Parser)(const char *buf, size_t len, void *target, ParseError *err);

static int run(Parser p, const char *text, void *target, ParseError *err)
{
        size_t n;
        char *b = exact(text, &n);
        int r = p(b, n, target, err);

        free(b);
        return r;
}

static int p_meminfo(const char *b, size_t n, void *t, ParseError *e) { return parse_meminfo(b, n, t, e); }
static int p_vmstat(const char *b, size_t n, void *t, ParseError *e) { return parse_vmstat(b, n, t, e); }
static int p_psi(const char *b, size_t n, void *t, ParseError *e) { return parse_psi(b, n, t, e); }
static int p_zoneinfo(const char *b, size_t n, void *t, ParseError *e) { return parse_zoneinfo(b, n, t, e); }

/* ---- meminfo ---- */

static void meminfo_capture(void **state)
{
        size_t n;
        char *buf = fixture_read("roots/host-6.18-firecracker/proc/meminfo", &n);
        MeminfoSample m;
        ParseError e = { 0 };

        assert_int_equal(parse_meminfo(buf, n, &m, &e), 0);
        assert_int_equal(m.mem_total_kb, 24684084);
        assert_true(m.has_mem_available);
        assert_true(m.has_balloon);     /* 6.18 prints Balloon: */
        assert_true(m.mem_free_kb <= m.mem_total_kb);
        free(buf);
}

static void meminfo_whole_keys(void **state)
{
        MeminfoSample m;

        /* "Cached" must not match inside "SwapCached", whatever the order */
        assert_int_equal(run(p_meminfo, "SwapCached: 7 kB\nMemTotal: 100 kB\nMemFree: 50 kB\nCached: 30 kB\n", &m,
                             NULL),
                         0);
        assert_int_equal(m.cached_kb, 30);
        assert_int_equal(m.swap_cached_kb, 7);
        assert_false(m.has_mem_available);
}

static void meminfo_errors(void **state)
{
        static const struct {
                const char *text;
                int error;
                unsigned line;
                const char *field;
        } cases[] = {
                { "MemFree: 5 kB\n", -ENODATA, 0, "MemTotal" },
                { "", -ENODATA, 0, "MemFree" },   /* the first missing key in table order */
                { "MemTotal: abc kB\nMemFree: 1 kB\n", -EINVAL, 1, "MemTotal" },
                { "MemTotal:\n", -EINVAL, 1, "MemTotal" },
                { "MemTotal: 10 kB\nMemFree: 1 kB junk\n", -EINVAL, 2, "MemFree" },
                { "MemTotal: 10 kB\nMemTotal: 10 kB\nMemFree: 1 kB\n", -EINVAL, 2, "MemTotal" },
                { "MemTotal: 99999999999999999999999 kB\nMemFree: 1 kB\n", -ERANGE, 1, "MemTotal" },
                { "MemTotal: 2199023255553 kB\nMemFree: 1 kB\n", -ERANGE, 1, "MemTotal" }, /* 2^41+1 */
                { "MemTotal: 10 kB\nMemFree: 11 kB\n", -EINVAL, 0, "MemFree" },
                { "MemTotal: 10 kB\nMemFree: 1 kB\nMemAvailable: 11 kB\n", -EINVAL, 0, "MemAvailable" },
                { "MemTotal: 10 kB\nMemFree: 1 kB\nSwapTotal: 1 kB\nSwapFree: 2 kB\n", -EINVAL, 0, "SwapFree" },
                { "MemTotal: -10 kB\nMemFree: 1 kB\n", -EINVAL, 1, "MemTotal" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                MeminfoSample m;
                ParseError e = { 0 };

                assert_int_equal(run(p_meminfo, cases[i].text, &m, &e), cases[i].error);
                assert_int_equal(e.line, cases[i].line);
                assert_string_equal(e.field, cases[i].field);
                assert_non_null(e.reason);
        }
}

/* ---- vmstat ---- */

static void vmstat_eras(void **state)
{
        VmstatSample v;

        /* 4.10+ split allocstall per zone; 5.9+ split workingset_refault */
        assert_int_equal(run(p_vmstat,
                             "nr_free_pages 10\nallocstall_dma32 2\nallocstall_normal 5\nallocstall_movable 1\n"
                             "workingset_refault_anon 3\nworkingset_refault_file 4\nballoon_inflate 100\n"
                             "balloon_deflate 40\nsomething_new 9\n",
                             &v, NULL),
                         0);
        assert_int_equal(v.allocstall, 8);
        assert_int_equal(v.workingset_refault_file, 4);
        assert_int_equal(v.workingset_refault_anon, 3);
        assert_true(v.has_balloon_events);
        assert_false(v.has_nr_balloon_pages);

        assert_int_equal(run(p_vmstat, "nr_free_pages 10\nallocstall 6\nworkingset_refault 12\n", &v, NULL), 0);
        assert_int_equal(v.allocstall, 6);
        assert_int_equal(v.workingset_refault_file, 12);
        assert_false(v.has_balloon_events);
}

static void vmstat_capture(void **state)
{
        size_t n;
        char *buf = fixture_read("roots/host-6.18-firecracker/proc/vmstat", &n);
        VmstatSample v;

        assert_int_equal(parse_vmstat(buf, n, &v, NULL), 0);
        assert_true(v.has_nr_balloon_pages);
        assert_true(v.has_oom_kill);
        assert_true(v.nr_free_pages > 0);
        free(buf);
}

static void vmstat_errors(void **state)
{
        VmstatSample v;
        ParseError e = { 0 };

        assert_int_equal(run(p_vmstat, "pgfault 1\n", &v, &e), -ENODATA);
        assert_string_equal(e.field, "nr_free_pages");
        assert_int_equal(run(p_vmstat, "nr_free_pages 1\nallocstall_normal x\n", &v, &e), -EINVAL);
        assert_int_equal(e.line, 2);
        assert_int_equal(run(p_vmstat, "nr_free_pages 1\nallocstall_dma 1099511627776\nallocstall_normal 1\n", &v, &e),
                         -ERANGE);
        assert_string_equal(e.field, "allocstall_normal");
}

/* ---- PSI ---- */

static void psi_good(void **state)
{
        PsiSample p;

        assert_int_equal(run(p_psi,
                             "some avg10=1.23 avg60=0.40 avg300=100.00 total=2104417\n"
                             "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
                             &p, NULL),
                         0);
        assert_true(p.present);
        assert_true(p.has_full);
        assert_int_equal(p.some.avg10, 123);
        assert_int_equal(p.some.avg300, 10000);
        assert_int_equal(p.some.total_us, 2104417);
}

static void psi_errors(void **state)
{
        static const char *const bad[] = {
                "",
                "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
                "some avg10=100.01 avg60=0.00 avg300=0.00 total=0\n",
                "some avg10=1.2 avg60=0.00 avg300=0.00 total=0\n",
                "some avg10=1.23 avg60=0.00 total=0\n",
                "some avg10=1.23 avg60=0.00 avg300=0.00 total=\n",
                "some avg10=1.23 avg60=0.00 avg300=0.00 total=5 extra\n",
                "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nsome avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
                "cpu avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
                "some avg10=0.00 avg60=0.00 avg300=0.00 total=99999999999999999999999\n",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                PsiSample p;

                assert_true(run(p_psi, bad[i], &p, NULL) < 0);
        }
}

/* ---- zoneinfo ---- */

static void zoneinfo_6_18(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("host-6.18-firecracker"));
        const ZoneSample *dma = fixture_zone(s, 0, "DMA"), *normal = fixture_zone(s, 0, "Normal");

        assert_int_equal(s->n_nodes, 1);
        assert_int_equal(s->nodes[0].n_zones, 5);       /* empty Movable and Device too (4.12+) */
        assert_int_equal(dma->n_protection, 5);
        assert_int_equal(dma->protection[1], 3019);
        assert_int_equal(dma->protection[4], 5195);
        assert_int_equal(normal->managed_pages, 557056);
        assert_int_equal(normal->present_pages, 5505024);
        assert_true(normal->has_boost);
        assert_true(normal->has_promo);
        assert_int_equal(normal->index, 2);
        assert_int_equal(fixture_zone(s, 0, "Device")->index, 4);
        free(s);
}

static void zoneinfo_3_10_two_nodes(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("rhel7-3.10-numa-fragmentation"));
        const ZoneSample *dma32 = fixture_zone(s, 1, "DMA32");

        assert_int_equal(s->n_nodes, 2);
        assert_int_equal(s->kernel, KV(3, 10, 0));
        /* 3.10 prints protection after the zone counters */
        assert_int_equal(dma32->n_protection, 4);
        assert_int_equal(dma32->protection[2], 28925);
        assert_int_equal(dma32->min_pages, 1076);
        assert_false(dma32->has_boost);
        /* populated zones only: the layout comes from protection[]'s length */
        assert_int_equal(s->n_zone_layout, 4);
        assert_int_equal(fixture_zone(s, 0, "Normal")->index, 2);
        assert_int_equal(fixture_zone(s, 1, "DMA")->index, 0);
        free(s);
}

static void zoneinfo_4_9_node_stats(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("debian9-4.9-balloon-doo"));
        const ZoneSample *dma32 = fixture_zone(s, 0, "DMA32");

        assert_int_equal(s->nodes[0].n_zones, 2);
        assert_int_equal(dma32->free_pages, 11072);
        assert_int_equal(dma32->n_protection, 5);
        assert_int_equal(dma32->index, 1);
        assert_int_equal(s->n_zone_layout, 5);
        assert_true(s->balloon.deflate_on_oom);
        free(s);
}

static void zoneinfo_5_4_empty_zones(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("format-5.4-balloon-384"));

        assert_int_equal(s->nodes[0].n_zones, 5);
        assert_int_equal(fixture_zone(s, 0, "Movable")->managed_pages, 0);
        assert_true(fixture_zone(s, 0, "Movable")->has_protection);
        assert_false(s->balloon.deflate_on_oom);
        assert_true(s->psi.present);
        assert_int_equal(s->psi.full.avg10, 87);
        free(s);
}

/* Every prefix of a real zoneinfo either parses or fails with an error; the
 * exact-size buffer lets ASan catch any read past the cut. */
static void zoneinfo_every_truncation(void **state)
{
        size_t n;
        char *full = fixture_read("roots/host-6.18-firecracker/proc/zoneinfo", &n);
        Sample *s = calloc(1, sizeof(*s));
        unsigned ok = 0, failed = 0;

        assert_non_null(s);
        for (size_t cut = 0; cut <= n; cut++) {
                char *b = malloc(cut ? cut : 1);
                ParseError e = { 0 };
                int r;

                memcpy(b, full, cut);
                r = parse_zoneinfo(b, cut, s, &e);
                if (r == 0)
                        ok++;
                else {
                        assert_true(r == -EINVAL || r == -ENODATA || r == -ERANGE);
                        assert_non_null(e.reason);
                        failed++;
                }
                free(b);
        }
        /* a cut inside a required line must fail; a cut after the last
         * zone's managed line must not */
        assert_true(failed > 0);
        assert_true(ok > 0);
        free(s);
        free(full);
}

static void zoneinfo_errors(void **state)
{
        static const struct {
                const char *text;
                int error;
                const char *field;
        } cases[] = {
                { "", -ENODATA, "" },
                { "garbage\n", -EINVAL, "" },
                { "Node 0, zone   Normal\n  pages free     10\n        min 1\n        low 2\n        high 3\n"
                  "        spanned 10\n        present 10\n",
                  -ENODATA, "Normal" },
                { "Node 0, zone   Normal\n  pages free     10\n        min 3\n        low 2\n        high 3\n"
                  "        spanned 10\n        present 10\n        managed 10\n",
                  -EINVAL, "Normal" },
                { "Node 0, zone   Normal\n  pages free     10\n        min 1\n        low 2\n        high 3\n"
                  "        spanned 10\n        present 10\n        managed 11\n",
                  -EINVAL, "Normal" },
                { "Node 0, zone   Normal\n  pages free     10\n        min 1\n        low 2\n        high 3\n"
                  "        boost 2\n        spanned 10\n        present 10\n        managed 10\n",
                  -EINVAL, "Normal" },
                { "Node 0, zone   Normal\n  pages free     99999999999999999999\n", -ERANGE, "pages free" },
                { "Node 0, zone   Normal\n  pages free     1099511627777\n", -ERANGE, "pages free" },
                { "Node 0, zone   Normal\n  pages free     x\n", -EINVAL, "pages free" },
                { "Node 0, zone   Normal\n  pages free     1\n        min 1\n        min 1\n", -EINVAL, "min" },
                { "Node 0, zone   Nor$al\n", -EINVAL, "zone" },
                { "Node -1, zone   Normal\n", -EINVAL, "Node" },
                { "Node 0 zone   Normal\n", -EINVAL, "Node" },
                { "Node 0, zone   Normal\n  pages free     1\n        protection: (0, 1, 2, 3, 4, 5, 6, 7, 8)\n",
                  -E2BIG, "protection" },
                { "Node 0, zone   Normal\n  pages free     1\n        protection: (0, 1\n", -EINVAL, "protection" },
                { "Node 0, zone   Normal\n  pages free     1\n        protection: (0, x)\n", -EINVAL, "protection" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Sample *s = calloc(1, sizeof(*s));
                ParseError e = { 0 };

                assert_non_null(s);
                assert_int_equal(run(p_zoneinfo, cases[i].text, s, &e), cases[i].error);
                assert_string_equal(e.field, cases[i].field);
                free(s);
        }
}

static void zoneinfo_limits(void **state)
{
        char text[4096] = "";
        Sample *s = calloc(1, sizeof(*s));
        ParseError e = { 0 };
        size_t used = 0;

        assert_non_null(s);
        /* one zone more than a node holds */
        for (int z = 0; z <= OG_MAX_ZONES; z++)
                used += (size_t)snprintf(text + used, sizeof(text) - used,
                                         "Node 0, zone Z%d\n  pages free 1\n min 1\n low 1\n high 1\n spanned 1\n"
                                         " present 1\n managed 1\n",
                                         z);
        assert_int_equal(run(p_zoneinfo, text, s, &e), -E2BIG);

        /* a node that comes back after another one */
        assert_int_equal(run(p_zoneinfo,
                             "Node 0, zone DMA\n  pages free 1\n min 1\n low 1\n high 1\n spanned 1\n present 1\n managed 1\n"
                             "Node 1, zone DMA\n  pages free 1\n min 1\n low 1\n high 1\n spanned 1\n present 1\n managed 1\n"
                             "Node 0, zone Normal\n",
                             s, &e),
                         -EINVAL);
        assert_int_equal(e.line, 17);
        free(s);
}

/* ---- buddyinfo and pagetypeinfo ---- */

static void buddy_and_pagetype_capture(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("host-6.18-firecracker"));
        const ZoneSample *dma32 = fixture_zone(s, 0, "DMA32"), *normal = fixture_zone(s, 0, "Normal");

        assert_true(dma32->has_buddy);
        assert_int_equal(dma32->n_orders, 11);
        assert_int_equal(dma32->nr_free[10], 752);
        assert_true(normal->has_pagetype);
        assert_int_equal(s->pageblock_pages, 512);
        assert_int_equal(normal->nr_free_mt[MT_UNMOVABLE][0], 382);
        assert_int_equal(normal->blocks_mt[MT_UNMOVABLE], 62);
        assert_int_equal(normal->blocks_mt[MT_RECLAIMABLE], 46);
        assert_true(normal->has_order_types);
        assert_true(normal->order_types[10] & (1u << MT_MOVABLE));
        assert_false(normal->order_types[10] & (1u << MT_UNMOVABLE));
        assert_true(normal->has_reserved_highatomic);
        assert_int_equal(normal->reserved_highatomic_pages, 0);
        assert_false(fixture_zone(s, 0, "Movable")->has_buddy);
        free(s);
}

static Sample *one_zone_sample(void)
{
        Sample *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        assert_int_equal(run(p_zoneinfo,
                             "Node 0, zone Normal\n  pages free 100\n min 1\n low 2\n high 3\n spanned 1000\n"
                             " present 1000\n managed 1000\n protection: (0)\n",
                             s, NULL),
                         0);
        return s;
}

static void buddyinfo_errors(void **state)
{
        static const struct {
                const char *text;
                int error;
        } cases[] = {
                { "Node 0, zone Normal 1 2 3\n", 0 },
                { "Node 0, zone DMA 1 2 3\n", -EINVAL },        /* not in zoneinfo */
                { "Node 1, zone Normal 1 2 3\n", -EINVAL },
                { "Node 0, zone Normal 1 x 3\n", -EINVAL },
                { "Node 0, zone Normal\n", -ENODATA },
                { "Node 0, zone Normal 1 2 3\nNode 0, zone Normal 1 2 3\n", -EINVAL },
                { "Node 0, zone Normal 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1\n", -E2BIG },
                { "Node 0, zone Normal 1099511627777\n", -ERANGE },
                { "Zone 0\n", -EINVAL },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Sample *s = one_zone_sample();
                size_t n;
                char *b = exact(cases[i].text, &n);

                assert_int_equal(parse_buddyinfo(b, n, s, NULL), cases[i].error);
                free(b);
                free(s);
        }
}

static void pagetypeinfo_cases(void **state)
{
        static const char head[] = "Page block order: 2\nPages per block:  4\n\n"
                                   "Free pages count per migrate type at order       0      1      2\n";
        static const struct {
                const char *body;
                int error;
        } cases[] = {
                { "Node    0, zone   Normal, type    Unmovable      1 >100000      0\n"
                  "Node    0, zone   Normal, type   HighAtomic      0      0      3\n\n"
                  "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate\n"
                  "Node 0, zone   Normal            5            7            0            2            0\n"
                  "Number of mixed blocks    Unmovable\nNode 0, zone Normal garbage\n",
                  0 },
                /* a short row is malformed: the kernel prints every order */
                { "Node    0, zone   Normal, type    Unmovable      1      2\n", -EINVAL },
                { "Node    0, zone   Normal, type    Unmovable      1      2      3      4\n", -EINVAL },
                { "Node    0, zone   Normal, type      Bogus      1      2      3\n", -EINVAL },
                { "Node    0, zone   Normal type    Unmovable      1      2      3\n", -EINVAL },
                { "Node    0, zone   Normal, type    Unmovable      1      >x      3\n", -EINVAL },
                { "\nNumber of blocks type     Unmovable    Strange\n", -EINVAL },
                { "Node    0, zone      DMA, type    Unmovable      1      2      3\n", -EINVAL },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char text[1024];
                Sample *s = one_zone_sample();
                size_t n;
                char *b;
                int r;

                snprintf(text, sizeof(text), "%s%s", head, cases[i].body);
                b = exact(text, &n);
                r = parse_pagetypeinfo(b, n, s, NULL);
                assert_int_equal(r, cases[i].error);
                if (i == 0) {
                        const ZoneSample *z = &s->nodes[0].zones[0];

                        assert_int_equal(z->nr_free_mt[MT_UNMOVABLE][1], 100000);
                        assert_int_equal(z->reserved_highatomic_pages, 8);      /* 2 blocks of 4 */
                        assert_int_equal(z->free_highatomic_pages, 12);         /* 3 blocks of order 2 */
                        assert_int_equal(z->order_types[2], 1u << MT_HIGHATOMIC);
                }
                free(b);
                free(s);
        }

        /* pages per block must be 2^order */
        {
                static const char text[] = "Page block order: 2\nPages per block:  8\n\n"
                                           "Free pages count per migrate type at order       0      1      2\n";
                Sample *s = one_zone_sample();
                ParseError e = { 0 };

                assert_int_equal(parse_pagetypeinfo(text, sizeof(text) - 1, s, &e), -EINVAL);
                assert_string_equal(e.field, "Pages per block");
                free(s);
        }
}

/* ---- small sysfs and sysctl files ---- */

static void sysfs_files(void **state)
{
        uint64_t mask = 0, bits = 0, list[8];
        uint32_t id = 0;
        unsigned n = 0;

        assert_int_equal(parse_node_list("0-3,5\n", 6, &mask, NULL), 0);
        assert_int_equal(mask, 0x2f);
        assert_int_equal(parse_node_list("0\n", 2, &mask, NULL), 0);
        assert_int_equal(mask, 1);
        assert_int_equal(parse_node_list("0-\n", 3, &mask, NULL), -EINVAL);
        assert_int_equal(parse_node_list("64\n", 3, &mask, NULL), -EINVAL);
        assert_int_equal(parse_node_list("3-1\n", 4, &mask, NULL), -EINVAL);
        assert_int_equal(parse_node_list("1;2\n", 4, &mask, NULL), -EINVAL);

        assert_int_equal(parse_virtio_features("0110010\n", 8, &bits, NULL), 0);
        assert_int_equal(bits, 0x26);
        assert_int_equal(parse_virtio_features("01x\n", 4, &bits, NULL), -EINVAL);
        assert_int_equal(parse_virtio_features("\n", 1, &bits, NULL), -EINVAL);

        assert_int_equal(parse_hex_u32("0x0005\n", 7, &id, NULL), 0);
        assert_int_equal(id, 5);
        assert_int_equal(parse_hex_u32("5\n", 2, &id, NULL), -EINVAL);
        assert_int_equal(parse_hex_u32("0x\n", 3, &id, NULL), -EINVAL);
        assert_int_equal(parse_hex_u32("0x123456789\n", 12, &id, NULL), -EINVAL);

        assert_int_equal(parse_u64_list("256\t256\t32\t0\t0\n", 15, list, 8, &n, NULL), 0);
        assert_int_equal(n, 5);
        assert_int_equal(list[2], 32);
        assert_int_equal(parse_u64_list("1 2 3 4 5 6 7 8 9\n", 18, list, 8, &n, NULL), -E2BIG);
        assert_int_equal(parse_u64_list("\n", 1, list, 8, &n, NULL), -ENODATA);

        assert_int_equal(parse_single_u64("67584\n", 6, &list[0], NULL), 0);
        assert_int_equal(list[0], 67584);
        assert_int_equal(parse_single_u64("67584 1\n", 8, &list[0], NULL), -EINVAL);
        assert_int_equal(parse_single_u64("99999999999999999999\n", 21, &list[0], NULL), -ERANGE);
}

static void kernel_versions(void **state)
{
        static const struct {
                const char *s;
                int r;
                KernelVersion v;
        } cases[] = {
                { "6.1.0-56-cloud-amd64\n", 0, KV(6, 1, 0) },
                { "3.10.0-1160.2.2.el7.x86_64", 0, KV(3, 10, 0) },
                { "4.9.229", 0, KV(4, 9, 229) },
                { "4.14.336", 0, KV(4, 14, 255) },
                { "6.18.44-fc-v669", 0, KV(6, 18, 44) },
                { "5.4", 0, KV(5, 4, 0) },
                { "6", -EINVAL, 0 },
                { "abc", -EINVAL, 0 },
                { "6.1000", -EINVAL, 0 },
                { "1.2.3", -EINVAL, 0 },
                { "", -EINVAL, 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                KernelVersion v = 0;

                assert_int_equal(kernel_version_parse(cases[i].s, strlen(cases[i].s), &v), cases[i].r);
                if (cases[i].r == 0)
                        assert_int_equal(v, cases[i].v);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(meminfo_capture),
                cmocka_unit_test(meminfo_whole_keys),
                cmocka_unit_test(meminfo_errors),
                cmocka_unit_test(vmstat_eras),
                cmocka_unit_test(vmstat_capture),
                cmocka_unit_test(vmstat_errors),
                cmocka_unit_test(psi_good),
                cmocka_unit_test(psi_errors),
                cmocka_unit_test(zoneinfo_6_18),
                cmocka_unit_test(zoneinfo_3_10_two_nodes),
                cmocka_unit_test(zoneinfo_4_9_node_stats),
                cmocka_unit_test(zoneinfo_5_4_empty_zones),
                cmocka_unit_test(zoneinfo_every_truncation),
                cmocka_unit_test(zoneinfo_errors),
                cmocka_unit_test(zoneinfo_limits),
                cmocka_unit_test(buddy_and_pagetype_capture),
                cmocka_unit_test(buddyinfo_errors),
                cmocka_unit_test(pagetypeinfo_cases),
                cmocka_unit_test(sysfs_files),
                cmocka_unit_test(kernel_versions),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
