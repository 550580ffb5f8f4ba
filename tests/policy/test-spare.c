/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the guest says it can spare: the headroom over each threshold (with
 * the hysteresis) less the expected demand, only at normal; and the clean
 * cache apart. */
#include "helpers.h"

#include <string.h>

#include "spare.h"

#define MIB INT64_C(1024)

typedef struct Case {
        Policy p;
        Pressure in;
        DecideState st;
} Case;

/* Defaults: warn at 128 MiB above low, act at 64 above min, critical at
 * 16, hysteresis 32 MiB. */
static void case_init(Case *c, int64_t min_mib, int64_t low_mib)
{
        memset(c, 0, sizeof(*c));
        policy_init_defaults(&c->p);
        decide_state_init(&c->st);
        c->in.headroom_min_kb = min_mib * MIB;
        c->in.headroom_low_kb = low_mib * MIB;
        c->in.order_ok_low = true;
}

static void headroom_over_the_warn_threshold(void **state)
{
        Case c;

        case_init(&c, 610, 600);
        /* low: 600 - (128 + 32); min: 610 - (64 + 32) is larger */
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), (600 - 160) * MIB);
        /* the tightest threshold wins: act at 500 MiB above min */
        c.p.act_headroom_min_kb = 500 * MIB;
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), (610 - 532) * MIB);
        /* all thresholds off: the headroom above low */
        c.p.act_headroom_min_kb = c.p.critical_headroom_min_kb = c.p.warn_headroom_low_kb = 0;
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), 600 * MIB);
}

static void expected_demand_is_kept(void **state)
{
        Case c;

        case_init(&c, 610, 600);
        /* 20 MiB/s smoothed, 30 in the last interval: the faster, over 10 s */
        c.st.decline_kb_per_s = 20 * MIB;
        c.st.last_decline_kb_per_s = 30 * MIB;
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), (600 - 160 - 300) * MIB);
        c.st.last_decline_kb_per_s = 60 * MIB;
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), 0);
        /* a growing headroom promises nothing more */
        c.st.decline_kb_per_s = c.st.last_decline_kb_per_s = -50 * MIB;
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), (600 - 160) * MIB);
}

static void nothing_unless_the_thresholds_say_normal(void **state)
{
        Case c;

        /* a level held up after a burst: the room is real */
        case_init(&c, 610, 600);
        c.st.level = LEVEL_WARN;
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), (600 - 160) * MIB);
        case_init(&c, 100, 90);         /* under the warn margin */
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), 0);
        case_init(&c, 610, 600);        /* PSI some at the warn threshold */
        c.in.psi_present = true;
        c.in.psi_some_avg10 = (uint32_t)c.p.warn_psi_some_avg10;
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), 0);
        case_init(&c, 610, 600);        /* min within warn_time_to_min_s */
        c.st.decline_kb_per_s = 610 * MIB / (int64_t)c.p.warn_time_to_min_s + 1;
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), 0);
        case_init(&c, 610, 600);
        c.in.order_ok_low = false;
        assert_int_equal(spare_kb(&c.p, &c.in, &c.st), 0);
}

static void clean_cache(void **state)
{
        Sample s;

        memset(&s, 0, sizeof(s));
        s.meminfo.inactive_file_kb = 300 * MIB;
        s.meminfo.active_file_kb = 900 * MIB;   /* not first in line */
        s.meminfo.dirty_kb = 50 * MIB;
        s.meminfo.writeback_kb = 10 * MIB;
        assert_int_equal(spare_clean_cache_kb(&s), 240 * MIB);
        s.meminfo.dirty_kb = 400 * MIB;
        assert_int_equal(spare_clean_cache_kb(&s), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(headroom_over_the_warn_threshold),
                cmocka_unit_test(expected_demand_is_kept),
                cmocka_unit_test(nothing_unless_the_thresholds_say_normal),
                cmocka_unit_test(clean_cache),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
