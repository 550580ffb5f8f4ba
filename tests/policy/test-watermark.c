/* SPDX-License-Identifier: GPL-2.0-or-later */
/* __zone_watermark_ok() and zone_watermark_fast() by era, and the zonelist
 * walk, checked against worked examples of __setup_per_zone_wmarks() and against the
 * decisions real kernels made in the OOM reports of tests/fixtures/oom-reports. */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>

#include "watermark.h"
#include "zonelist.h"

static ZoneSample zone(uint64_t free, uint64_t min, uint64_t low, uint64_t high)
{
        ZoneSample z;

        memset(&z, 0, sizeof(z));
        strcpy(z.name, "Normal");
        z.kind = ZONE_KIND_NORMAL;
        z.index = 2;
        z.free_pages = free;
        z.min_pages = min;
        z.low_pages = low;
        z.high_pages = high;
        z.managed_pages = z.present_pages = z.spanned_pages = 1u << 20;
        z.n_protection = 5;
        return z;
}

/* __setup_per_zone_wmarks() and setup_per_zone_lowmem_reserve() on x86_64,
 * 16 GiB: "A GFP_KERNEL order-0 request falling back to DMA32 in the slow
 * path needs DMA32 free > 3037 + 13281 = 16318 pages". */
static void worked_example_lowmem_reserve(void **state)
{
        ZoneSample z = zone(16318, 3037, 3796, 4555);
        WatermarkVerdict v;

        z.protection[2] = 13281;
        assert_false(zone_watermark_ok(&z, KV(6, 18, 0), 0, 3037, 2, 0, &v));
        assert_int_equal(v.margin_pages, 0);    /* pass requires strictly greater */
        z.free_pages = 16319;
        assert_true(zone_watermark_ok(&z, KV(6, 18, 0), 0, 3037, 2, 0, &v));
        assert_int_equal(v.reserve_pages, 13281);
        /* a DMA32-only request does not pay Normal's reserve */
        z.free_pages = 3038;
        assert_true(zone_watermark_ok(&z, KV(6, 18, 0), 0, 3037, 1, 0, NULL));
}

/* gfp_to_alloc_flags(): GFP_ATOMIC gets 3/8 of min in every era; the others differ. */
static void mark_reductions_by_era(void **state)
{
        static const struct {
                KernelVersion kv;
                unsigned flags;
                int64_t mark;
        } cases[] = {
                { KV(3, 10, 0), OG_ALLOC_HIGH | OG_ALLOC_HARDER, 300 },
                { KV(4, 9, 0), OG_ALLOC_HIGH | OG_ALLOC_HARDER, 300 },
                { KV(5, 10, 0), OG_ALLOC_HIGH | OG_ALLOC_HARDER, 300 },
                { KV(6, 1, 0), OG_ALLOC_HIGH | OG_ALLOC_HARDER, 300 },
                { KV(6, 18, 0), OG_ALLOC_HIGH | OG_ALLOC_HARDER, 300 },
                /* GFP_NOWAIT: "harder" on 3.10-6.2 (3/4), nothing on 6.3+ */
                { KV(3, 10, 0), OG_ALLOC_HARDER, 600 },
                { KV(6, 1, 0), OG_ALLOC_HARDER, 600 },
                { KV(6, 3, 0), OG_ALLOC_HARDER, 800 },
                /* OOM victims: 1/2 from 4.14, stacked after __GFP_HIGH on 6.3+ */
                { KV(4, 13, 0), OG_ALLOC_OOM, 800 },
                { KV(4, 14, 0), OG_ALLOC_OOM, 400 },
                { KV(4, 14, 0), OG_ALLOC_OOM | OG_ALLOC_HARDER, 400 },
                { KV(6, 3, 0), OG_ALLOC_OOM | OG_ALLOC_HIGH, 200 },
                { KV(6, 18, 0), 0, 800 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ZoneSample z = zone(100000, 800, 1000, 1200);
                WatermarkVerdict v;

                assert_true(zone_watermark_ok(&z, cases[i].kv, 0, 800, 2, cases[i].flags, &v));
                assert_int_equal(v.mark_pages, cases[i].mark);
        }
        /* and the class table produces those flags */
        assert_int_equal(alloc_flags_for_class(KV(6, 1, 0), REQ_CLASS_ATOMIC, 0, false), OG_ALLOC_HIGH | OG_ALLOC_HARDER);
        assert_int_equal(alloc_flags_for_class(KV(6, 3, 0), REQ_CLASS_ATOMIC, 2, false),
                         OG_ALLOC_HIGH | OG_ALLOC_HARDER | OG_ALLOC_HIGHATOMIC);
        assert_int_equal(alloc_flags_for_class(KV(6, 3, 0), REQ_CLASS_NORMAL, 2, true), OG_ALLOC_CMA);
}

/* The highatomic reserve: its size is withheld from ordinary requests on
 * 4.4-6.12, only its free pages from 6.13 (6.12.19); 4.9-5.4's fast path
 * ignores it for order 0. */
static void highatomic_reserve_by_era(void **state)
{
        ZoneSample z = zone(1000, 100, 125, 150);

        z.reserved_highatomic_pages = 1024;
        z.free_highatomic_pages = 0;
        assert_true(zone_watermark_fast(&z, KV(3, 10, 0), 0, WMARK_MIN, 2, 0, NULL));  /* no reserve yet */
        assert_false(zone_watermark_ok(&z, KV(4, 9, 0), 0, 100, 2, 0, NULL));
        assert_true(zone_watermark_fast(&z, KV(4, 9, 0), 0, WMARK_MIN, 2, 0, NULL));   /* shortcut */
        assert_false(zone_watermark_fast(&z, KV(5, 15, 0), 0, WMARK_MIN, 2, 0, NULL));
        assert_false(zone_watermark_fast(&z, KV(6, 12, 0), 0, WMARK_MIN, 2, 0, NULL));
        assert_true(zone_watermark_fast(&z, KV(6, 12, 19), 0, WMARK_MIN, 2, 0, NULL));
        assert_true(zone_watermark_fast(&z, KV(6, 18, 0), 0, WMARK_MIN, 2, 0, NULL));
        /* "harder" requests may use it */
        assert_true(zone_watermark_ok(&z, KV(5, 15, 0), 0, 100, 2, OG_ALLOC_HARDER, NULL));
        assert_true(zone_watermark_ok(&z, KV(6, 3, 0), 0, 100, 2, OG_ALLOC_HIGH, NULL));
}

static void cma_pages(void **state)
{
        ZoneSample z = zone(1000, 100, 125, 150);

        z.nr_free_cma = 950;
        for (unsigned e = 0; e < 3; e++) {
                KernelVersion kv = e == 0 ? KV(3, 10, 0) : e == 1 ? KV(4, 9, 0) : KV(6, 1, 0);

                assert_false(zone_watermark_fast(&z, kv, 0, WMARK_MIN, 2, 0, NULL));
                assert_true(zone_watermark_fast(&z, kv, 0, WMARK_MIN, 2, OG_ALLOC_CMA, NULL));
        }
}

/* 3.10-4.3 take away every lower order's blocks while halving the mark;
 * 4.4+ only ask for one suitable block. */
static void higher_orders_by_era(void **state)
{
        ZoneSample z = zone(1008, 100, 125, 150);
        WatermarkVerdict v;

        z.has_buddy = true;
        z.n_orders = 11;
        z.nr_free[0] = 1000;
        z.nr_free[3] = 1;
        assert_false(zone_watermark_ok(&z, KV(3, 10, 0), 1, 100, 2, 0, &v));
        assert_true(v.order0_ok);
        assert_int_equal(v.failed_order, 0);
        assert_true(zone_watermark_ok(&z, KV(4, 4, 0), 3, 100, 2, 0, NULL));
        assert_false(zone_watermark_ok(&z, KV(4, 4, 0), 4, 100, 2, 0, &v));
        assert_int_equal(v.failed_order, 4);

        /* the only large block is highatomic */
        z.has_order_types = true;
        z.order_types[0] = 1u << MT_MOVABLE;
        z.order_types[3] = 1u << MT_HIGHATOMIC;
        assert_false(zone_watermark_ok(&z, KV(4, 9, 0), 2, 100, 2, 0, NULL));
        assert_true(zone_watermark_ok(&z, KV(4, 9, 0), 2, 100, 2, OG_ALLOC_HIGH | OG_ALLOC_HARDER, NULL));
        assert_false(zone_watermark_ok(&z, KV(6, 3, 0), 2, 100, 2, OG_ALLOC_HIGH, NULL));
        assert_true(zone_watermark_ok(&z, KV(6, 3, 0), 2, 100, 2,
                                      alloc_flags_for_class(KV(6, 3, 0), REQ_CLASS_ATOMIC, 2, false), NULL));
        /* a CMA block serves only movable requests */
        z.order_types[3] = 1u << MT_CMA;
        assert_false(zone_watermark_ok(&z, KV(5, 10, 0), 2, 100, 2, 0, NULL));
        assert_true(zone_watermark_ok(&z, KV(5, 10, 0), 2, 100, 2, OG_ALLOC_CMA, NULL));

        /* no free-block data at all: order > 0 cannot be judged, only assumed */
        z.has_buddy = z.has_order_types = false;
        assert_true(zone_watermark_ok(&z, KV(5, 10, 0), 2, 100, 2, 0, &v));
        assert_true(v.order_unknown);
}

/* 5.10+: an order-0 request at min that may dip (atomic on 5.10-6.2,
 * __GFP_HIGH on 6.3+) ignores the boost. */
static void boost_bypass(void **state)
{
        ZoneSample z = zone(360, 500, 600, 700);
        WatermarkVerdict v;

        z.has_boost = true;
        z.boost_pages = 300;
        assert_false(zone_watermark_fast(&z, KV(5, 4, 0), 0, WMARK_MIN, 2, OG_ALLOC_HARDER, NULL));
        assert_true(zone_watermark_fast(&z, KV(6, 1, 0), 0, WMARK_MIN, 2, OG_ALLOC_HARDER, &v));
        assert_true(v.boost_bypass);
        assert_false(zone_watermark_fast(&z, KV(6, 1, 0), 0, WMARK_LOW, 2, OG_ALLOC_HARDER, NULL));
        z.free_pages = 240;
        assert_false(zone_watermark_fast(&z, KV(6, 3, 0), 0, WMARK_MIN, 2, OG_ALLOC_HARDER, NULL));
        assert_true(zone_watermark_fast(&z, KV(6, 3, 0), 0, WMARK_MIN, 2, OG_ALLOC_HIGH, &v));
        assert_true(v.boost_bypass);
}

/* ---- real OOM reports ---- */

typedef struct ReportZone {
        int node;
        const char *name;
        uint64_t free_kb, min_kb, low_kb, high_kb, present_kb, managed_kb;
        unsigned n_reserve;
        uint64_t reserve[5];            /* lowmem_reserve[], pages */
        uint64_t buddy[11];             /* n*4kB, n*8kB ... */
        const char *types[11];          /* the "(UME)" letters */
} ReportZone;

/* 4.4+ letters (show_migration_types()): U M E H C I; 3.10: U E M R C I */
static uint8_t letters_to_types(const char *l, bool old)
{
        uint8_t t = 0;

        for (; l && *l; l++)
                switch (*l) {
                case 'U':
                        t |= 1u << MT_UNMOVABLE;
                        break;
                case 'M':
                        t |= 1u << MT_MOVABLE;
                        break;
                case 'E':
                        t |= 1u << MT_RECLAIMABLE;
                        break;
                case 'H':
                        t |= 1u << MT_HIGHATOMIC;
                        break;
                case 'R':
                        t |= old ? 1u << MT_RESERVE : 0;
                        break;
                case 'C':
                        t |= 1u << MT_CMA;
                        break;
                default:
                        break;
                }
        return t;
}

static Sample *report_sample(KernelVersion kv, const ReportZone *zs, size_t n)
{
        Sample *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        s->kernel = kv;
        s->page_size_kb = 4;
        for (size_t i = 0; i < n; i++) {
                NodeSample *node = NULL;
                ZoneSample *z;

                for (unsigned j = 0; j < s->n_nodes; j++)
                        if (s->nodes[j].id == zs[i].node)
                                node = &s->nodes[j];
                if (!node) {
                        node = &s->nodes[s->n_nodes++];
                        node->id = zs[i].node;
                }
                z = &node->zones[node->n_zones++];
                memset(z, 0, sizeof(*z));
                strcpy(z->name, zs[i].name);
                z->kind = zone_kind_from_name(zs[i].name);
                z->free_pages = zs[i].free_kb / 4;
                z->min_pages = zs[i].min_kb / 4;
                z->low_pages = zs[i].low_kb / 4;
                z->high_pages = zs[i].high_kb / 4;
                z->present_pages = z->spanned_pages = zs[i].present_kb / 4;
                z->managed_pages = zs[i].managed_kb / 4;
                z->n_protection = zs[i].n_reserve;
                memcpy(z->protection, zs[i].reserve, sizeof(zs[i].reserve));
                z->has_buddy = z->has_order_types = true;
                z->n_orders = 11;
                for (unsigned k = 0; k < 11; k++) {
                        z->nr_free[k] = zs[i].buddy[k];
                        z->order_types[k] = letters_to_types(zs[i].types[k], kv < KV(4, 4, 0));
                }
        }
        assert_int_equal(zone_layout_resolve(s), 0);
        return s;
}

/* kvm-balloon-4.9-global.log lines 31-37: gfp_mask=0x24201ca
 * (GFP_HIGHUSER_MOVABLE|__GFP_COLD), order=0, kernel 4.9.65. */
static const ReportZone kvm_balloon_4_9[] = {
        { 0, "DMA", 4124, 716, 892, 1068, 15992, 15908, 5, { 0, 959, 959, 959, 959 },
          { 217, 171, 98, 0, 1, 0, 1, 0, 0, 0, 0 }, { "U", "U", "U", "", "U", "", "U" } },
        { 0, "DMA32", 44288, 44336, 55420, 66504, 1032048, 1004452, 5, { 0, 0, 0, 0, 0 },
          { 2150, 2083, 1189, 0, 0, 0, 0, 0, 0, 0, 0 }, { "UMEH", "UMEH", "UMEH" } },
};

/* linode-4.4-swap-highmem.log lines 37-46: gfp_mask=0x24002c2
 * (GFP_KERNEL|__GFP_HIGHMEM|__GFP_NOWARN: highest zone Normal on x86_64). */
static const ReportZone linode_4_4[] = {
        { 0, "DMA", 3944, 60, 72, 88, 15992, 15908, 4, { 0, 972, 972, 972 },
          { 20, 17, 13, 14, 8, 4, 4, 0, 1, 0, 0 }, { "UM", "UM", "M", "UM", "UM", "M", "M", "", "M" } },
        { 0, "DMA32", 3948, 3956, 4944, 5932, 1032064, 999552, 4, { 0, 0, 0, 0 },
          { 934, 28, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, { "UM", "UM" } },
};

/* qemu-tcg-balloon-6.1-global.log lines 41-46: gfp_mask=0x140cca
 * (GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, 6.1.0-56-cloud-amd64. */
static const ReportZone tcg_balloon_6_1[] = {
        { 0, "DMA", 4492, 700, 872, 1044, 15992, 15360, 5, { 0, 948, 948, 948, 948 },
          { 3, 0, 2, 1, 1, 0, 1, 2, 1, 1, 0 }, { "M", "", "UM", "U", "U", "", "U", "UM", "M", "M" } },
        { 0, "DMA32", 44196, 44352, 55440, 66528, 1032052, 587792, 5, { 0, 0, 0, 0, 0 },
          { 301, 148, 146, 130, 70, 14, 13, 5, 3, 2, 4 },
          { "UME", "UME", "UME", "UME", "UME", "UME", "UME", "UM", "UME", "ME", "M" } },
};

/* numa-fragmentation-3.10-excerpt.log lines 5-11: gfp_mask=0x3000d0
 * (GFP_KERNEL|__GFP_KMEMCG|__GFP_NOTRACK), order=2, 3.10.0-1160. The
 * excerpt prints node 1's DMA and DMA32 in full; node 1 Normal only as a
 * buddy line (12930 order-0 blocks, so its marks do not matter for order 2). */
static const ReportZone numa_3_10[] = {
        { 1, "DMA", 15888, 20, 24, 28, 15988, 15904, 4, { 0, 3071, 31997, 31997 },
          { 0, 0, 1, 0, 2, 1, 1, 0, 1, 1, 3 }, { "", "", "U", "", "U", "U", "U", "", "U", "M", "M" } },
        { 1, "DMA32", 124624, 4304, 5380, 6456, 3378660, 3145156, 4, { 0, 0, 28925, 28925 },
          { 22393, 4279, 44, 4, 0, 0, 0, 0, 0, 0, 0 }, { "UEM", "UEM", "UEM", "U" } },
        { 1, "Normal", 51720, 40532, 50664, 60796, 29619772, 29619772, 4, { 0, 0, 0, 0 },
          { 12930, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, { "U" } },
};

static void report_kvm_balloon_4_9(void **state)
{
        Sample *s = report_sample(KV(4, 9, 65), kvm_balloon_4_9, 2);
        ZonelistVerdict v;
        WatermarkVerdict w;

        /* the kernel OOMed: no zone admitted the fault at min, nor at high */
        assert_false(zonelist_admits(s, 0, REQ_KIND_MOVABLE, REQ_CLASS_NORMAL, 0, WMARK_MIN, &v));
        assert_int_equal(v.n_tried, 2);
        assert_false(zonelist_admits(s, 0, REQ_KIND_MOVABLE, REQ_CLASS_NORMAL, 0, WMARK_HIGH, NULL));
        /* why: DMA32 is 12 pages below min; DMA keeps 959 pages for movable requests */
        zone_watermark_fast(&s->nodes[0].zones[1], s->kernel, 0, WMARK_MIN, 3, OG_ALLOC_CMA, &w);
        assert_int_equal(w.margin_pages, 11072 - 11084);
        zone_watermark_fast(&s->nodes[0].zones[0], s->kernel, 0, WMARK_MIN, 3, OG_ALLOC_CMA, &w);
        assert_int_equal(w.reserve_pages, 959);
        assert_int_equal(w.margin_pages, 1031 - (179 + 959));
        /* an atomic request would still have been served (3/8 of min) */
        assert_true(zonelist_admits(s, 0, REQ_KIND_KERNEL, REQ_CLASS_ATOMIC, 0, WMARK_MIN, NULL));
        free(s);
}

static void report_linode_4_4(void **state)
{
        Sample *s = report_sample(KV(4, 4, 0), linode_4_4, 2);
        WatermarkVerdict w;

        assert_false(zonelist_admits(s, 0, REQ_KIND_KERNEL, REQ_CLASS_NORMAL, 0, WMARK_MIN, NULL));
        /* the "missing HighMem" the thread blamed is no zone at all on x86_64:
         * the request's highest zone is Normal (index 2) */
        assert_int_equal(request_highest_zoneidx(s, REQ_KIND_KERNEL), 2);
        zone_watermark_fast(&s->nodes[0].zones[1], s->kernel, 0, WMARK_MIN, 2, 0, &w);
        assert_int_equal(w.margin_pages, 987 - 989);
        free(s);
}

static void report_tcg_balloon_6_1(void **state)
{
        Sample *s = report_sample(KV(6, 1, 0), tcg_balloon_6_1, 2);
        WatermarkVerdict w;

        assert_false(zonelist_admits(s, 0, REQ_KIND_MOVABLE, REQ_CLASS_NORMAL, 0, WMARK_MIN, NULL));
        /* DMA sits exactly on min + reserve: 1123 <= 175 + 948 fails */
        zone_watermark_fast(&s->nodes[0].zones[0], s->kernel, 0, WMARK_MIN, 3, OG_ALLOC_CMA, &w);
        assert_int_equal(w.margin_pages, 0);
        assert_false(w.ok);
        /* the balloon: DMA32 present - managed is 444260 kB, 384 MiB of it ballooned */
        assert_int_equal((s->nodes[0].zones[1].present_pages - s->nodes[0].zones[1].managed_pages) * 4, 444260);
        free(s);
}

static void report_numa_fragmentation_3_10(void **state)
{
        Sample *s = report_sample(KV(3, 10, 0), numa_3_10, 3);
        WatermarkVerdict w;

        /* order 2 fails on node 1 ... */
        assert_false(zonelist_admits(s, 1, REQ_KIND_KERNEL, REQ_CLASS_NORMAL, 2, WMARK_MIN, NULL));
        /* ... though DMA32 had the pages for order 0: the 3.10 per-order loop
         * runs out after the order-0 and order-1 blocks are taken away */
        assert_true(zone_watermark_fast(&s->nodes[0].zones[1], s->kernel, 0, WMARK_MIN, 2, 0, &w));
        assert_int_equal(w.margin_pages, 31156 - (1076 + 28925));
        assert_false(zone_watermark_fast(&s->nodes[0].zones[1], s->kernel, 2, WMARK_MIN, 2, 0, &w));
        assert_true(w.order0_ok);
        assert_int_equal(w.failed_order, 1);
        /* the same zone on a 4.4+ kernel would have served it: an order-2
         * block (44 of them) exists */
        assert_true(zone_watermark_fast(&s->nodes[0].zones[1], KV(4, 4, 0), 2, WMARK_MIN, 2, 0, NULL));
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(worked_example_lowmem_reserve),
                cmocka_unit_test(mark_reductions_by_era),
                cmocka_unit_test(highatomic_reserve_by_era),
                cmocka_unit_test(cma_pages),
                cmocka_unit_test(higher_orders_by_era),
                cmocka_unit_test(boost_bypass),
                cmocka_unit_test(report_kvm_balloon_4_9),
                cmocka_unit_test(report_linode_4_4),
                cmocka_unit_test(report_tcg_balloon_6_1),
                cmocka_unit_test(report_numa_fragmentation_3_10),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
