/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The model over whole samples: headroom, fragmentation and the balloon. */
#include "helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

static const ZoneModel *model_zone(const Model *m, int node, ZoneKind kind)
{
        for (unsigned i = 0; i < m->n_zones; i++)
                if (m->zones[i].node_id == node && m->zones[i].kind == kind)
                        return &m->zones[i];
        fail_msg("no zone %d/%d in model", node, kind);
        return &m->zones[0];    /* not reached: fail_msg() jumps out */
}

static void balloon_without_deflate_on_oom(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("format-5.4-balloon-384"));
        Model *m = calloc(1, sizeof(*m));

        assert_int_equal(model_build(s, m), 0);
        assert_int_equal(m->balloon_kb, 384 * 1024);
        /* MemTotal excludes the balloon here; guest RAM counts it back in */
        assert_int_equal(m->guest_ram_kb, s->meminfo.mem_total_kb + 384 * 1024);
        assert_int_equal(m->balloon_permyriad, (uint32_t)(384ull * 1024 * 10000 / m->guest_ram_kb));
        /* the balloon shows as present - managed in DMA32 */
        assert_true(model_zone(m, 0, ZONE_KIND_DMA32)->hidden_kb >= 384 * 1024);
        free(m);
        free(s);
}

static void balloon_with_deflate_on_oom(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("debian9-4.9-balloon-doo"));
        Model *m = calloc(1, sizeof(*m));

        assert_int_equal(model_build(s, m), 0);
        assert_int_equal(m->balloon_kb, 76800 * 4);
        assert_int_equal(m->guest_ram_kb, s->meminfo.mem_total_kb);
        free(m);
        free(s);
}

/* Real 6.1 guests, 1024 MiB, balloon target 640 MiB, captured under TCG by
 * tests/vm/capture-balloon-fixture.sh with deflate-on-oom off and on. */
static void balloon_real_guest_both_ways(void **state)
{
        Sample *off = fixture_sample(FIXTURE_ROOT("tcg-6.1-balloon-384"));
        Sample *on = fixture_sample(FIXTURE_ROOT("tcg-6.1-balloon-doo"));
        Model *m_off = calloc(1, sizeof(*m_off)), *m_on = calloc(1, sizeof(*m_on));

        assert_int_equal(model_build(off, m_off), 0);
        assert_int_equal(model_build(on, m_on), 0);
        assert_false(off->balloon.deflate_on_oom);
        assert_true(on->balloon.deflate_on_oom);
        assert_int_equal(m_off->balloon_kb, 384 * 1024);
        assert_int_equal(m_on->balloon_kb, 384 * 1024);
        /* the kernel hides the balloon from MemTotal and managed only
         * without deflate-on-oom; the model sees the same guest either way */
        assert_int_equal(on->meminfo.mem_total_kb - off->meminfo.mem_total_kb, 384 * 1024);
        assert_int_equal(fixture_zone(on, 0, "DMA32")->managed_pages - fixture_zone(off, 0, "DMA32")->managed_pages,
                         98304);
        assert_int_equal(m_off->guest_ram_kb, m_on->guest_ram_kb);
        assert_int_equal(m_off->balloon_permyriad, m_on->balloon_permyriad);
        free(m_on);
        free(m_off);
        free(on);
        free(off);
}

static void headroom_and_reserve(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("host-6.18-firecracker"));
        Model *m = calloc(1, sizeof(*m));
        const ZoneModel *dma, *normal;

        assert_int_equal(model_build(s, m), 0);
        dma = model_zone(m, 0, ZONE_KIND_DMA);
        normal = model_zone(m, 0, ZONE_KIND_NORMAL);
        /* protection: (0, 3019, 5195, 5195, 5195): a kernel request (Normal,
         * index 2) leaves 5195 pages of DMA alone */
        assert_int_equal(dma->reserve_kb[REQ_KIND_KERNEL], 5195 * 4);
        assert_int_equal(dma->reserve_kb[REQ_KIND_DMA32], 3019 * 4);
        assert_int_equal(dma->headroom_kb[REQ_KIND_KERNEL][WMARK_MIN], (3840 - (48 + 5195)) * 4);
        assert_int_equal(normal->headroom_kb[REQ_KIND_KERNEL][WMARK_MIN],
                         ((int64_t)normal->free_kb - (int64_t)normal->min_kb));
        assert_true(normal->headroom_kb[REQ_KIND_KERNEL][WMARK_HIGH] < normal->headroom_kb[REQ_KIND_KERNEL][WMARK_LOW]);
        assert_false(model_zone(m, 0, ZONE_KIND_MOVABLE)->populated);
        free(m);
        free(s);
}

static void fragmentation_per_order(void **state)
{
        Sample *s = calloc(1, sizeof(*s));
        Model *m = calloc(1, sizeof(*m));
        ZoneSample *z;
        const ZoneModel *zm;

        s->kernel = KV(6, 1, 0);
        s->page_size_kb = 4;
        s->n_nodes = 1;
        s->nodes[0].n_zones = 1;
        z = &s->nodes[0].zones[0];
        strcpy(z->name, "Normal");
        z->kind = ZONE_KIND_NORMAL;
        z->free_pages = 400;
        z->managed_pages = z->present_pages = z->spanned_pages = 1000;
        z->has_buddy = true;
        z->n_orders = 11;
        z->nr_free[0] = 100;    /* 100 pages */
        z->nr_free[1] = 50;     /* 100 pages */
        z->nr_free[3] = 25;     /* 200 pages */
        assert_int_equal(zone_layout_resolve(s), 0);
        assert_int_equal(model_build(s, m), 0);
        zm = &m->zones[0];
        assert_int_equal(zm->largest_free_order, 3);
        assert_int_equal(zm->unusable_permyriad[0], 0);
        assert_int_equal(zm->unusable_permyriad[1], 2500);
        assert_int_equal(zm->unusable_permyriad[2], 5000);
        assert_int_equal(zm->unusable_permyriad[3], 5000);
        assert_int_equal(zm->unusable_permyriad[4], 10000);
        assert_int_equal(zone_free_pages_at_or_above(z, 2), 200);
        free(m);
        free(s);
}

static void empty_sample(void **state)
{
        Sample *s = calloc(1, sizeof(*s));
        Model *m = calloc(1, sizeof(*m));

        assert_int_equal(model_build(s, m), -EINVAL);
        free(m);
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(balloon_without_deflate_on_oom),
                cmocka_unit_test(balloon_with_deflate_on_oom),
                cmocka_unit_test(balloon_real_guest_both_ways),
                cmocka_unit_test(headroom_and_reserve),
                cmocka_unit_test(fragmentation_per_order),
                cmocka_unit_test(empty_sample),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
