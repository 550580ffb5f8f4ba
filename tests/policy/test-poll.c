/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sampling schedule: fast above normal and near the warn threshold,
 * slow far from it, linear between; the slow timer's period. */
#include "helpers.h"

#include "poll-schedule.h"

static void schedule_follows_headroom(void **state)
{
        Policy p;

        policy_init_defaults(&p);
        p.fast_poll_ms = 100;
        p.slow_poll_ms = 1000;
        p.warn_headroom_low_kb = 100 * 1024;    /* span: 200 MiB */

        /* above normal: fast, whatever the headroom */
        assert_int_equal(poll_interval_ms(&p, LEVEL_WARN, 1 << 30), 100);
        assert_int_equal(poll_interval_ms(&p, LEVEL_CRITICAL, 1 << 30), 100);
        /* normal, at or below low: fast */
        assert_int_equal(poll_interval_ms(&p, LEVEL_NORMAL, 0), 100);
        assert_int_equal(poll_interval_ms(&p, LEVEL_NORMAL, -5000), 100);
        /* twice the warn threshold and more: slow */
        assert_int_equal(poll_interval_ms(&p, LEVEL_NORMAL, 200 * 1024), 1000);
        assert_int_equal(poll_interval_ms(&p, LEVEL_NORMAL, 900 * 1024), 1000);
        /* between: linear (half the span is half way) */
        assert_int_equal(poll_interval_ms(&p, LEVEL_NORMAL, 100 * 1024), 550);
        assert_int_equal(poll_interval_ms(&p, LEVEL_NORMAL, 50 * 1024), 325);
        /* no warn threshold: slow while there is headroom */
        p.warn_headroom_low_kb = 0;
        assert_int_equal(poll_interval_ms(&p, LEVEL_NORMAL, 1), 1000);
        assert_int_equal(poll_interval_ms(&p, LEVEL_NORMAL, 0), 100);
}

static void slow_period(void **state)
{
        Policy p;

        policy_init_defaults(&p);
        p.sample_interval_ms = 5000;
        p.steer_rescan_ms = 2000;
        p.steer_enabled = true;
        assert_int_equal(poll_slow_period_ms(&p), 2000);
        p.steer_enabled = false;
        assert_int_equal(poll_slow_period_ms(&p), 5000);
        p.steer_enabled = true;
        p.steer_rescan_ms = 8000;
        assert_int_equal(poll_slow_period_ms(&p), 5000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(schedule_follows_headroom),
                cmocka_unit_test(slow_period),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
