/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a sample lacks is said: a zone without protection:, a balloon with
 * unreadable features, an online node without zones, zones that do not add
 * up to MemTotal. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample-gaps.h"

static void whole_fixtures_have_none(void **state)
{
        static const char *const roots[] = { "format-5.4-balloon-384", "debian9-4.9-balloon-doo",
                                             "rhel7-3.10-numa-fragmentation", "tcg-6.1-balloon-doo" };
        char text[512];
        SampleGaps g;

        for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
                char path[512];
                Sample *s;

                snprintf(path, sizeof(path), "%s/roots/%s", FIXTURES_DIR, roots[i]);
                s = fixture_sample(path);
                sample_gaps(s, &g);
                assert_int_equal(g.mask, 0);
                assert_int_equal(sample_gaps_format(&g, text, sizeof(text)), 0);
                assert_string_equal(text, "");
                free(s);
        }
}

/* A 24 GiB host whose kernel defers struct-page init: the zones manage 5 GiB. */
static void zones_below_memtotal(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("host-6.18-firecracker"));
        char text[512];
        SampleGaps g;

        sample_gaps(s, &g);
        assert_int_equal(g.mask, 1u << GAP_ZONES_NOT_MEMTOTAL);
        assert_int_equal(g.managed_kb / 1024, 5210);
        assert_int_equal(g.mem_total_kb / 1024, 24105);
        assert_int_equal(sample_gaps_format(&g, text, sizeof(text)), 1);
        assert_non_null(strstr(text, "the zones manage 5210 MiB but MemTotal is 24105 MiB"));
        free(s);
}

static void missing_protection_and_nodes(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("format-5.4-balloon-384"));
        char text[512];
        SampleGaps g;

        s->nodes[0].zones[1].has_protection = false;    /* DMA32 */
        s->nodes_online_mask |= 1u << 1;                /* node 1 online, no zones */
        s->has_nodes_online = true;
        sample_gaps(s, &g);
        assert_int_equal(g.mask, (1u << GAP_NO_PROTECTION) | (1u << GAP_NODE_WITHOUT_ZONES));
        assert_int_equal(sample_gaps_format(&g, text, sizeof(text)), 2);
        assert_non_null(strstr(text, "node 0 DMA32 has no protection: line; its lowmem reserve is taken as 0"));
        assert_non_null(strstr(text, "node 1 is online but proc/zoneinfo has no zone of it"));
        /* a short buffer is cut, never overrun */
        assert_int_equal(sample_gaps_format(&g, text, 10), 2);
        assert_int_equal(strlen(text), 9);
        free(s);
}

/* The reader marks a balloon whose features file is not 0s and 1s. */
static void balloon_features_garbage(void **state)
{
        char dir[] = "/tmp/oomguard-gaps-XXXXXX", cmd[1024];
        Sample *s;
        SampleGaps g;

        assert_non_null(mkdtemp(dir));
        snprintf(cmd, sizeof(cmd), "cp -r %s/. %s && for f in %s/sys/bus/virtio/devices/*/features; do echo zz > $f; done",
                 FIXTURE_ROOT("format-5.4-balloon-384"), dir, dir);
        assert_int_equal(system(cmd), 0);
        s = fixture_sample(dir);
        assert_true(s->balloon.device_present);
        assert_true(s->balloon.features_unreadable);
        assert_false(s->balloon.deflate_on_oom);
        sample_gaps(s, &g);
        assert_int_equal(g.mask, 1u << GAP_BALLOON_FEATURES);
        free(s);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(whole_fixtures_have_none),
                cmocka_unit_test(zones_below_memtotal),
                cmocka_unit_test(missing_protection_and_nodes),
                cmocka_unit_test(balloon_features_garbage),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
