/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guard's side of the records to oomguard-agent (common/wire.h). */
#include "helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire-report.h"

static void answer_accepted_and_rejected(void **state)
{
        WireDeflateAnswer a = { .id = 9, .granted_bytes = 4096, .granted = 1 }, got;
        WireRelease rel = { .id = 3, .bytes = 1 << 20 }, rgot;
        unsigned char big[sizeof(a) + 1] = { 0 };

        (void)state;
        wire_header_init(&a.h, WIRE_DEFLATE_ANSWER);
        wire_header_init(&rel.h, WIRE_RELEASE);
        assert_int_equal(wire_parse_inbound(&a, sizeof(a), &got, &rgot), WIRE_DEFLATE_ANSWER);
        assert_int_equal(got.id, 9);
        assert_int_equal(wire_parse_inbound(&rel, sizeof(rel), &got, &rgot), WIRE_RELEASE);
        assert_int_equal(rgot.bytes, 1 << 20);

        assert_int_equal(wire_parse_inbound(&a, sizeof(a) - 1, &got, &rgot), -EBADMSG);        /* short */
        memcpy(big, &a, sizeof(a));
        assert_int_equal(wire_parse_inbound(big, sizeof(big), &got, &rgot), -EBADMSG);         /* long */
        assert_int_equal(wire_parse_inbound(&a, 3, &got, &rgot), -EBADMSG);                    /* no header */
        a.refusal = WIRE_REFUSED_HOST_SHORT;                    /* granted and refused at once */
        assert_int_equal(wire_parse_inbound(&a, sizeof(a), &got, &rgot), -EBADMSG);
        a.granted = 0;
        assert_int_equal(wire_parse_inbound(&a, sizeof(a), &got, &rgot), WIRE_DEFLATE_ANSWER);
        a.granted = 2;
        assert_int_equal(wire_parse_inbound(&a, sizeof(a), &got, &rgot), -EBADMSG);
        a.granted = 0;
        a.refusal = WIRE_REFUSED_NO_HOST + 1;
        assert_int_equal(wire_parse_inbound(&a, sizeof(a), &got, &rgot), -EBADMSG);
        a.refusal = 0;
        a.h.version = WIRE_VERSION + 1;
        assert_int_equal(wire_parse_inbound(&a, sizeof(a), &got, &rgot), -EBADMSG);
        a.h.version = WIRE_VERSION;
        a.h.magic ^= 1;
        assert_int_equal(wire_parse_inbound(&a, sizeof(a), &got, &rgot), -EBADMSG);
        rel.id = 0;                                             /* ids are 1..2^63-1 */
        assert_int_equal(wire_parse_inbound(&rel, sizeof(rel), &got, &rgot), -EBADMSG);
        rel.id = UINT64_C(1) << 63;
        assert_int_equal(wire_parse_inbound(&rel, sizeof(rel), &got, &rgot), -EBADMSG);
        rel.id = 3;
        rel.h.type = WIRE_REPORT;                               /* the guard never receives reports */
        assert_int_equal(wire_parse_inbound(&rel, sizeof(rel), &got, &rgot), -EBADMSG);
}

static void report_from_a_real_sample(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("tcg-6.1-balloon-384"));
        Model *m = calloc(1, sizeof(*m));
        Pressure p = { .headroom_min_kb = -156, .psi_full_avg10 = 87 };
        Decision d = { .level = LEVEL_CRITICAL, .previous = LEVEL_WARN, .level_changed = true, .reason = REASON_HEADROOM_MIN };
        ActionTally t = { .count = { 2, 0, 1, 0 }, .last_usec = { 5000000, 0, 9000000, 0 } };
        WireReport r;

        (void)state;
        assert_non_null(m);
        assert_int_equal(model_build(s, m), 0);
        wire_report_build(s, m, &p, &d, &t, 12000000, 4, &r);
        assert_int_equal(r.h.type, WIRE_REPORT);
        assert_int_equal(r.seq, 4);
        assert_int_equal(r.level, LEVEL_CRITICAL);
        assert_int_equal(r.previous_level, LEVEL_WARN);
        assert_int_equal(r.headroom_min_kb, -156);
        assert_int_equal(r.balloon_kb, 393216);
        assert_int_equal(r.mem_total_kb, s->meminfo.mem_total_kb);
        assert_int_equal(r.actions[0].count, 2);
        assert_int_equal(r.actions[0].age_s, 7);
        assert_int_equal(r.actions[1].age_s, WIRE_NEVER);
        assert_int_equal(r.actions[2].age_s, 3);
        assert_int_equal(r.n_zones, 2);         /* DMA and DMA32 populated; Normal, Movable empty */
        assert_string_equal(r.zones[0].name, "DMA");
        assert_string_equal(r.zones[1].name, "DMA32");
        assert_true(r.zones[1].min_kb > 0 && r.zones[1].low_kb > r.zones[1].min_kb);
        assert_int_equal(r.zones[2].free_kb, 0);        /* unused entries zeroed */

        d.level_changed = false;                /* a periodic report repeats the level */
        wire_report_build(s, m, &p, &d, &t, 12000000, 5, &r);
        assert_int_equal(r.previous_level, LEVEL_CRITICAL);
        free(m);
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(answer_accepted_and_rejected),
                cmocka_unit_test(report_from_a_real_sample),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
