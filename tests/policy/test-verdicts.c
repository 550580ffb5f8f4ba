/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Each action's verdict at an evaluation above normal: planned, or skipped
 * with its reason and, where it has one, when it may run again. One test
 * per reason, on a fake clock. */
#include "helpers.h"

#include <string.h>

#include "decide-run.h"

#define T0 (1000 * SEC)

/* 1 GiB guest, half of it clean file cache, a 256 MiB balloon */
static void verdict_run_init(Run *r)
{
        run_init(r);
        r->in.file_kb = 512 * MIB;
        r->in.balloon_kb = 256 * MIB;
}

static SkipReason skip_of(const Run *r, ActionKind k)
{
        assert_true(r->d.evaluated);
        return r->d.verdicts[k].skip;
}

static void normal_is_not_evaluated(void **state)
{
        Run r;

        verdict_run_init(&r);
        run_step(&r, T0, 600);
        assert_false(r.d.evaluated);
}

static void disabled_and_below_level(void **state)
{
        Run r;

        verdict_run_init(&r);
        r.in.order_ok_low = false;
        run_step(&r, T0, 100);        /* warn: headroom above low 90 MiB < 128 MiB */
        assert_int_equal(r.d.level, LEVEL_WARN);
        assert_int_equal(skip_of(&r, ACTION_BALLOON), SKIP_NONE);
        assert_int_equal(skip_of(&r, ACTION_COMPACT), SKIP_NONE);
        assert_int_equal(skip_of(&r, ACTION_DROP_CACHES), SKIP_BELOW_LEVEL);   /* from act */
        assert_int_equal(skip_of(&r, ACTION_KILL), SKIP_DISABLED);             /* off unless enabled */
        r.p.kill.enabled = true;
        run_step(&r, T0 + 1 * SEC, 100);
        assert_int_equal(skip_of(&r, ACTION_KILL), SKIP_BELOW_LEVEL);          /* from critical */
        assert_string_equal(skip_reason_name(SKIP_BELOW_LEVEL), "below_level");
}

static void balloon_empty_pending_cooldown_refused(void **state)
{
        Run r;

        verdict_run_init(&r);
        r.in.balloon_kb = 0;
        run_step(&r, T0, 50);
        assert_int_equal(skip_of(&r, ACTION_BALLOON), SKIP_BALLOON_EMPTY);

        verdict_run_init(&r);
        run_step(&r, T0, 50);
        assert_int_equal(skip_of(&r, ACTION_BALLOON), SKIP_NONE);
        /* within its cooldown (2 s) */
        run_step(&r, T0 + 1 * SEC, 50);
        assert_int_equal(skip_of(&r, ACTION_BALLOON), SKIP_COOLDOWN);
        assert_int_equal(r.d.verdicts[ACTION_BALLOON].until_usec, T0 + 2 * SEC);
        /* past it, still unanswered: pending until the timeout (10 s) */
        run_step(&r, T0 + 3 * SEC, 50);
        assert_int_equal(skip_of(&r, ACTION_BALLOON), SKIP_BALLOON_PENDING);
        assert_int_equal(r.d.verdicts[ACTION_BALLOON].until_usec, T0 + 10 * SEC);
        /* refused at +4 s: a doubled cooldown from then */
        decide_balloon_answer(&r.st, r.st.balloon_id, false, T0 + 4 * SEC);
        run_step(&r, T0 + 5 * SEC, 50);
        assert_int_equal(skip_of(&r, ACTION_BALLOON), SKIP_HOST_REFUSED);
        assert_int_equal(r.d.verdicts[ACTION_BALLOON].until_usec, T0 + 8 * SEC);
        run_step(&r, T0 + 8 * SEC, 50);
        assert_int_equal(skip_of(&r, ACTION_BALLOON), SKIP_NONE);
        /* granted: a plain cooldown again */
        decide_balloon_answer(&r.st, r.st.balloon_id, true, T0 + 8 * SEC + 1);
        run_step(&r, T0 + 9 * SEC, 50);
        assert_int_equal(skip_of(&r, ACTION_BALLOON), SKIP_COOLDOWN);
}

static void drop_caches_conditions(void **state)
{
        Run r;

        verdict_run_init(&r);
        r.in.balloon_kb = 0;
        r.in.file_kb = 100 * MIB;       /* under 20% of 1 GiB */
        run_step(&r, T0, 50);
        assert_int_equal(r.d.level, LEVEL_ACT);
        assert_int_equal(skip_of(&r, ACTION_DROP_CACHES), SKIP_CACHE_SMALL);

        verdict_run_init(&r);
        r.in.balloon_kb = 0;
        r.in.refault_pages = 0;
        run_step(&r, T0, 300);
        r.in.refault_pages = 10000;     /* 10000 pages/s, above 2000 */
        run_step(&r, T0 + 1 * SEC, 50);
        assert_int_equal(r.d.refault_per_s, 10000);
        assert_int_equal(skip_of(&r, ACTION_DROP_CACHES), SKIP_REFAULTING);
}

static void cooldown_delay_and_one_local_action(void **state)
{
        Run r;

        verdict_run_init(&r);
        r.in.balloon_kb = 0;
        r.p.kill.enabled = true;
        r.p.kill.level = LEVEL_ACT;
        run_step(&r, T0, 50);
        assert_int_equal(skip_of(&r, ACTION_DROP_CACHES), SKIP_NONE);
        assert_int_equal(skip_of(&r, ACTION_KILL), SKIP_OTHER_ACTION);
        /* within the post-action delay (2 s) */
        run_step(&r, T0 + 1 * SEC, 50);
        assert_int_equal(skip_of(&r, ACTION_DROP_CACHES), SKIP_COOLDOWN);
        assert_int_equal(r.d.verdicts[ACTION_DROP_CACHES].until_usec, T0 + 60 * SEC);
        assert_int_equal(skip_of(&r, ACTION_KILL), SKIP_POST_ACTION_DELAY);
        assert_int_equal(r.d.verdicts[ACTION_KILL].until_usec, T0 + 2 * SEC);
        /* compaction too, when it has fragmentation to fix */
        r.in.order_ok_low = false;
        run_step(&r, T0 + 1500 * MS, 50);
        assert_int_equal(skip_of(&r, ACTION_COMPACT), SKIP_POST_ACTION_DELAY);
        /* past it: compaction first, the rest wait for the next evaluation */
        run_step(&r, T0 + 3 * SEC, 50);
        assert_int_equal(skip_of(&r, ACTION_COMPACT), SKIP_NONE);
        assert_int_equal(skip_of(&r, ACTION_KILL), SKIP_OTHER_ACTION);
}

static void compact_conditions(void **state)
{
        Run r;

        verdict_run_init(&r);
        run_step(&r, T0, 100);
        assert_int_equal(skip_of(&r, ACTION_COMPACT), SKIP_ORDER_OK);
        verdict_run_init(&r);
        r.in.order_ok_low = false;
        run_step(&r, T0, -5);
        assert_int_equal(skip_of(&r, ACTION_COMPACT), SKIP_NOTHING_FREE);
}

static void kill_held_for_host(void **state)
{
        Run r;

        verdict_run_init(&r);
        r.p.kill.enabled = true;
        r.p.kill.level = LEVEL_ACT;
        r.in.file_kb = 0;               /* nothing to drop */
        run_step(&r, T0, 50);
        assert_int_equal(skip_of(&r, ACTION_BALLOON), SKIP_NONE);
        assert_int_equal(skip_of(&r, ACTION_KILL), SKIP_HELD_FOR_HOST);
        assert_int_equal(r.d.verdicts[ACTION_KILL].until_usec, T0 + 10 * SEC);
        assert_true(r.d.kill_held_for_host);
        /* critical: the kernel's OOM killer is next, the kill goes ahead */
        run_step(&r, T0 + 3 * SEC, 10);
        assert_int_equal(skip_of(&r, ACTION_KILL), SKIP_NONE);
}

static void recovered_while_held(void **state)
{
        Run r;

        verdict_run_init(&r);
        run_step(&r, T0, 50);
        run_step(&r, T0 + 1 * SEC, 600);      /* memory is back; the level holds 10 s */
        assert_int_equal(r.d.level, LEVEL_ACT);
        for (int k = 0; k < _ACTION_MAX; k++)
                assert_int_equal(skip_of(&r, (ActionKind)k), SKIP_RECOVERED);
}

static void every_reason_has_words(void **state)
{
        for (int k = 0; k < _SKIP_MAX; k++) {
                assert_string_not_equal(skip_reason_name((SkipReason)k), "?");
                assert_string_not_equal(skip_reason_text((SkipReason)k), "?");
        }
        assert_string_equal(skip_reason_name(_SKIP_MAX), "?");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(normal_is_not_evaluated),
                cmocka_unit_test(disabled_and_below_level),
                cmocka_unit_test(balloon_empty_pending_cooldown_refused),
                cmocka_unit_test(drop_caches_conditions),
                cmocka_unit_test(cooldown_delay_and_one_local_action),
                cmocka_unit_test(compact_conditions),
                cmocka_unit_test(kill_held_for_host),
                cmocka_unit_test(recovered_while_held),
                cmocka_unit_test(every_reason_has_words),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
