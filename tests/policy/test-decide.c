/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The decision over sequences of inputs and a fake clock: escalation,
 * hysteresis and hold, time-to-min, the host request and what it holds back,
 * the post-action delay, the ladder's conditions, and backoff. */
#include "helpers.h"

#include <string.h>

#include "decide-run.h"

static bool planned(const Decision *d, ActionKind k)
{
        for (unsigned i = 0; i < d->n_actions; i++)
                if (d->actions[i].kind == k)
                        return true;
        return false;
}

static void escalates_at_once(void **state)
{
        Run r;

        run_init(&r);
        run_step(&r, 1000 * SEC, 600);
        assert_int_equal(r.d.level, LEVEL_NORMAL);
        assert_int_equal(r.d.n_actions, 0);
        /* slowly (4.7 MiB/s: a minute from min), so headroom decides */
        run_step(&r, 1100 * SEC, 130);      /* low headroom 120 MiB <= 128 MiB */
        assert_int_equal(r.d.level, LEVEL_WARN);
        assert_int_equal(r.d.reason, REASON_HEADROOM_LOW);
        assert_true(r.d.level_changed);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        run_step(&r, 1100 * SEC + 100 * MS, 60);
        assert_int_equal(r.d.level, LEVEL_ACT);
        assert_int_equal(r.d.reason, REASON_HEADROOM_MIN);
        run_step(&r, 1100 * SEC + 200 * MS, 10);
        assert_int_equal(r.d.level, LEVEL_CRITICAL);
}

static void hysteresis_and_hold(void **state)
{
        Run r;

        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;    /* headroom only */
        run_step(&r, 1000 * SEC, 60);
        assert_int_equal(r.d.level, LEVEL_ACT);
        /* above act (64 MiB) but within the 32 MiB hysteresis: stays */
        run_step(&r, 1020 * SEC, 80);
        assert_int_equal(r.d.level, LEVEL_ACT);
        /* clear of the hysteresis, but inside hold_ms (10 s) of the rise:
         * the clock restarted at 1000 s, so 1005 s is too early */
        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        run_step(&r, 1000 * SEC, 60);
        run_step(&r, 1005 * SEC, 500);
        assert_int_equal(r.d.level, LEVEL_ACT);
        run_step(&r, 1010 * SEC, 500);
        assert_int_equal(r.d.level, LEVEL_NORMAL);
        assert_int_equal(r.d.reason, REASON_RECOVERED);
        assert_true(r.d.level_changed);
        /* dropping may stop halfway: act -> warn when low is still thin */
        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        run_step(&r, 1000 * SEC, 60);
        run_step(&r, 1011 * SEC, 150);
        assert_int_equal(r.d.level, LEVEL_WARN);
}

/* The hold keeps the level; it does not keep acting. Memory back during the
 * hold needs no request and no kill, but the level stays for the log. */
static void no_action_while_held_after_recovery(void **state)
{
        Run r;

        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        r.p.kill.enabled = true;
        r.p.kill.level = LEVEL_ACT;
        r.p.balloon.cooldown_ms = 0;
        r.in.balloon_kb = 384 * 1024;
        run_step(&r, 1000 * SEC, 10);       /* critical: ask the host, and kill */
        assert_int_equal(r.d.level, LEVEL_CRITICAL);
        assert_true(planned(&r.d, ACTION_BALLOON));
        decide_balloon_answer(&r.st, r.st.balloon_id, true, 1000 * SEC);
        r.st.last_action_usec[ACTION_KILL] = 0;  /* no kill cooldown in the way */
        run_step(&r, 1003 * SEC, 600);      /* the host gave: 600 MiB above min */
        assert_int_equal(r.d.level, LEVEL_CRITICAL);    /* held for 10 s */
        assert_int_equal(r.d.n_actions, 0);
        /* still short, though less: the actions of that level, not of the held one */
        run_step(&r, 1005 * SEC, 60);
        assert_int_equal(r.d.level, LEVEL_CRITICAL);
        assert_true(planned(&r.d, ACTION_BALLOON));
        assert_int_equal(r.d.actions[0].reason, REASON_HEADROOM_MIN);
}

static void time_to_min_acts_before_the_threshold(void **state)
{
        Run r;

        run_init(&r);
        run_step(&r, 1000 * SEC, 600);
        run_step(&r, 1001 * SEC, 500);      /* 100 MiB/s, smoothed to 50: 10 s left */
        assert_int_equal(r.d.level, LEVEL_ACT);
        assert_int_equal(r.d.reason, REASON_TIME_TO_MIN);
        assert_int_equal(r.d.time_to_min_ms, 10000);
        assert_true(r.in.headroom_min_kb > (int64_t)r.p.act_headroom_min_kb * 7);
        /* a slow leak only warns */
        run_init(&r);
        run_step(&r, 1000 * SEC, 600);
        run_step(&r, 1001 * SEC, 560);      /* 20 MiB/s smoothed: 28 s */
        assert_int_equal(r.d.level, LEVEL_WARN);
        assert_int_equal(r.d.reason, REASON_TIME_TO_MIN);
}

static void psi_levels(void **state)
{
        Run r;

        run_init(&r);
        r.in.psi_present = true;
        r.in.psi_full_avg10 = 600;      /* 6 % >= act 5 % */
        run_step(&r, 1000 * SEC, 600);
        assert_int_equal(r.d.level, LEVEL_ACT);
        assert_int_equal(r.d.reason, REASON_PSI_FULL);
        /* without PSI those figures mean nothing */
        run_init(&r);
        r.in.psi_full_avg10 = 9999;
        run_step(&r, 1000 * SEC, 600);
        assert_int_equal(r.d.level, LEVEL_NORMAL);
}

static void host_request_and_what_it_holds_back(void **state)
{
        Run r;
        const PlannedAction *a;

        run_init(&r);
        r.p.kill.enabled = true;
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        r.in.balloon_kb = 384 * 1024;
        run_step(&r, 1000 * SEC, 50);
        assert_int_equal(r.d.level, LEVEL_ACT);
        assert_true(planned(&r.d, ACTION_BALLOON));
        a = &r.d.actions[0];
        /* back to warn (128 MiB) + hysteresis (32 MiB) above the high marks,
         * which sit at 30 MiB of headroom here */
        assert_int_equal(a->amount_kb, (128 + 32 - 30) * 1024);
        assert_int_equal(a->request_id, 1);
        /* pending: no second request; a kill at act waits for the host */
        r.p.kill.level = LEVEL_ACT;
        run_step(&r, 1003 * SEC, 50);
        assert_false(planned(&r.d, ACTION_BALLOON));
        assert_false(planned(&r.d, ACTION_KILL));
        assert_true(r.d.kill_held_for_host);
        /* at critical it does not wait */
        run_step(&r, 1004 * SEC, 5);
        assert_true(planned(&r.d, ACTION_KILL));
        /* the answer to another request changes nothing; this one settles it */
        decide_balloon_answer(&r.st, 7, true, 1005 * SEC);
        assert_true(r.st.balloon_pending);
        decide_balloon_answer(&r.st, 1, true, 1005 * SEC);
        assert_false(r.st.balloon_pending);
        /* the request never exceeds the balloon */
        run_init(&r);
        r.in.balloon_kb = 20 * 1024;
        run_step(&r, 1000 * SEC, 50);
        assert_int_equal(r.d.actions[0].amount_kb, 20 * 1024);
        /* nothing to ask for without a balloon */
        run_init(&r);
        run_step(&r, 1000 * SEC, 50);
        assert_false(planned(&r.d, ACTION_BALLOON));
}

/* A workload that has just started: the first interval's decline sizes the
 * request, not the smoothed half of it. */
static void request_sized_by_a_burst(void **state)
{
        Run r;

        run_init(&r);
        r.in.balloon_kb = 384 * 1024;
        run_step(&r, 1000 * SEC, 400);
        run_step(&r, 1001 * SEC, 400);
        assert_int_equal(r.d.level, LEVEL_NORMAL);
        run_step(&r, 1002 * SEC, 350);      /* 50 MiB/s, smoothed 25: 14 s to min, warn */
        assert_int_equal(r.d.level, LEVEL_WARN);
        assert_int_equal(r.d.reason, REASON_TIME_TO_MIN);
        assert_true(planned(&r.d, ACTION_BALLOON));
        /* 50 MiB/s over the 10 s horizon (the smoothed 25 MiB/s would ask
         * 250), less the headroom above the warn margin: 500 - (330 - 160) */
        assert_int_equal(r.d.actions[0].amount_kb, (500 - (330 - 160)) * 1024);
}

/* The time the last grant took to arrive is demand too: 50 MiB/s over
 * the 10 s horizon and the 2 s the host took. */
static void request_counts_the_grant_latency(void **state)
{
        Run r;

        run_init(&r);
        r.in.balloon_kb = 900 * 1024;
        run_step(&r, 1000 * SEC, 400);
        run_step(&r, 1001 * SEC, 400);
        run_step(&r, 1002 * SEC, 350);
        assert_true(planned(&r.d, ACTION_BALLOON));
        decide_balloon_answer(&r.st, r.d.actions[0].request_id, true, 1004 * SEC);
        assert_int_equal(r.st.grant_latency_usec, 2 * SEC);
        run_step(&r, 1005 * SEC, 200);      /* 50 MiB/s again, since 1002 */
        assert_true(planned(&r.d, ACTION_BALLOON));
        /* (10 s + 2 s) x 50 MiB/s, less the headroom above the warn
         * margin: 600 - (180 - 160) */
        assert_int_equal(r.d.actions[0].amount_kb, (600 - (180 - 160)) * 1024);
}

/* The host taking back what the guest offered is not demand: no level, no
 * request. Taking more than was offered is. */
static void consented_inflation_is_not_demand(void **state)
{
        Run r;

        run_init(&r);
        r.p.act_time_to_min_s = 10;
        run_step(&r, 1000 * SEC, 600);
        run_step(&r, 1001 * SEC, 600);
        assert_true(r.st.prev_spare_kb >= 400 * 1024);   /* 590 above low - 160 */
        /* the host inflates by 400 MiB within a second */
        r.in.balloon_kb = 400 * 1024;
        run_step(&r, 1002 * SEC, 200);
        assert_int_equal(r.st.last_decline_kb_per_s, 0);
        assert_int_equal(r.d.level, LEVEL_NORMAL);
        assert_false(planned(&r.d, ACTION_BALLOON));

        /* a blind host: 150 MiB more, with about 30 offered */
        r.in.balloon_kb = 550 * 1024;
        run_step(&r, 1003 * SEC, 50);
        assert_true(r.st.last_decline_kb_per_s >= 100 * 1024);
        assert_true(r.d.level >= LEVEL_ACT);
}

/* A grant deflates the balloon: what the workload ate meanwhile still
 * shows as decline. */
static void grant_does_not_hide_demand(void **state)
{
        Run r;

        run_init(&r);
        r.in.balloon_kb = 400 * 1024;
        run_step(&r, 1000 * SEC, 300);
        /* 100 MiB granted, the workload ate 150: headroom -50 */
        r.in.balloon_kb = 300 * 1024;
        run_step(&r, 1001 * SEC, 250);
        assert_int_equal(r.st.last_decline_kb_per_s, 150 * 1024);
}

static void request_superseded_while_the_host_inflates(void **state)
{
        Run r;

        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        r.in.balloon_kb = 7 * 1024;
        run_step(&r, 1000 * SEC, 50);
        assert_int_equal(r.d.actions[0].amount_kb, 7 * 1024);  /* all there was */
        r.in.balloon_kb = 40 * 1024;    /* grown, but by less than a 64 MiB request */
        run_step(&r, 1001 * SEC, 50);
        assert_false(planned(&r.d, ACTION_BALLOON));
        r.in.balloon_kb = 200 * 1024;
        run_step(&r, 1002 * SEC, 50);
        assert_true(planned(&r.d, ACTION_BALLOON));
        assert_int_equal(r.d.actions[0].request_id, 2);
        assert_true(r.d.actions[0].amount_kb > 7 * 1024);
}

/* The host says no: each refusal in a row doubles the cooldown (2 s here,
 * then 4, 8); a grant brings it back. */
static void refusals_back_off_and_a_grant_resets(void **state)
{
        Run r;

        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        r.in.balloon_kb = 384 * 1024;   /* cooldown_ms 2 s */
        run_step(&r, 1000 * SEC, 50);
        assert_true(planned(&r.d, ACTION_BALLOON));
        decide_balloon_answer(&r.st, r.st.balloon_id, false, 1000 * SEC);
        run_step(&r, 1002 * SEC, 50);
        assert_false(planned(&r.d, ACTION_BALLOON));
        run_step(&r, 1004 * SEC, 50);       /* 4 s after the first refusal */
        assert_true(planned(&r.d, ACTION_BALLOON));
        decide_balloon_answer(&r.st, r.st.balloon_id, false, 1004 * SEC);
        run_step(&r, 1010 * SEC, 50);
        assert_false(planned(&r.d, ACTION_BALLOON));
        run_step(&r, 1012 * SEC, 50);       /* 8 s after the second */
        assert_true(planned(&r.d, ACTION_BALLOON));
        decide_balloon_answer(&r.st, r.st.balloon_id, true, 1012 * SEC);
        run_step(&r, 1014 * SEC, 50);       /* granted: 2 s again */
        assert_true(planned(&r.d, ACTION_BALLOON));
        /* a late answer to an old request changes nothing */
        decide_balloon_answer(&r.st, r.st.balloon_id - 1, false, 1014 * SEC);
        assert_int_equal(r.st.backoff_shift[ACTION_BALLOON], 0);
}

static void request_times_out(void **state)
{
        Run r;

        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        r.in.balloon_kb = 384 * 1024;
        run_step(&r, 1000 * SEC, 50);
        assert_true(r.st.balloon_pending);
        run_step(&r, 1009 * SEC, 50);
        assert_false(planned(&r.d, ACTION_BALLOON));
        run_step(&r, 1010 * SEC, 50);       /* timeout_ms 10 s: counts as refused, asks again */
        assert_true(planned(&r.d, ACTION_BALLOON));
        assert_int_equal(r.st.balloon_id, 2);
}

static void ladder_conditions_and_post_action_delay(void **state)
{
        Run r;

        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        /* lots of cold cache: drop it */
        r.in.file_kb = 400 * 1024;
        run_step(&r, 1000 * SEC, 50);
        assert_true(planned(&r.d, ACTION_DROP_CACHES));
        /* fragmentation too, but within the post-action delay: nothing local */
        r.in.order_ok_low = false;
        r.in.order_fail_nodes = 1;
        run_step(&r, 1001 * SEC, 50);
        assert_int_equal(r.d.n_actions, 0);
        run_step(&r, 1002 * SEC + 1, 50);
        assert_true(planned(&r.d, ACTION_COMPACT));
        assert_int_equal(r.d.actions[0].nodes, 1);
        assert_int_equal(r.d.actions[0].reason, REASON_ORDER);

        /* the cache is the working set (refaulting fast): keep it */
        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        r.in.file_kb = 400 * 1024;
        r.in.refault_pages = 0;
        run_step(&r, 1000 * SEC, 600);
        r.in.refault_pages = 50000;
        run_step(&r, 1001 * SEC, 50);       /* 50000 refaults/s > 2000 */
        assert_false(planned(&r.d, ACTION_DROP_CACHES));
        /* too little cache to matter */
        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        r.in.file_kb = 100 * 1024;      /* < 20 % of 1 GiB */
        run_step(&r, 1000 * SEC, 50);
        assert_false(planned(&r.d, ACTION_DROP_CACHES));
        /* compaction needs order-0 memory to move blocks into */
        run_init(&r);
        r.in.order_ok_low = false;
        run_step(&r, 1000 * SEC, 0);
        assert_false(planned(&r.d, ACTION_COMPACT));
}

static void backoff_when_an_action_achieves_little(void **state)
{
        Run r;

        run_init(&r);
        r.p.act_time_to_min_s = r.p.warn_time_to_min_s = 0;
        r.in.file_kb = 400 * 1024;
        run_step(&r, 1000 * SEC, 50);
        assert_true(planned(&r.d, ACTION_DROP_CACHES));
        decide_action_result(&r.st, ACTION_DROP_CACHES, 100, r.in.guest_ram_kb);       /* freed 100 kB */
        run_step(&r, 1061 * SEC, 50);       /* cooldown 60 s doubled to 120 s */
        assert_false(planned(&r.d, ACTION_DROP_CACHES));
        run_step(&r, 1121 * SEC, 50);
        assert_true(planned(&r.d, ACTION_DROP_CACHES));
        decide_action_result(&r.st, ACTION_DROP_CACHES, 200 * 1024, r.in.guest_ram_kb);        /* worked */
        assert_int_equal(r.st.backoff_shift[ACTION_DROP_CACHES], 0);
}

static void kill_only_when_enabled(void **state)
{
        Run r;

        run_init(&r);
        run_step(&r, 1000 * SEC, 0);
        assert_int_equal(r.d.level, LEVEL_CRITICAL);
        assert_false(planned(&r.d, ACTION_KILL));       /* off by default */
        r.p.kill.enabled = true;
        run_step(&r, 1003 * SEC, 0);
        assert_true(planned(&r.d, ACTION_KILL));
        run_step(&r, 1006 * SEC, 0);                         /* kill cooldown 10 s */
        assert_false(planned(&r.d, ACTION_KILL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(escalates_at_once),
                cmocka_unit_test(hysteresis_and_hold),
                cmocka_unit_test(no_action_while_held_after_recovery),
                cmocka_unit_test(time_to_min_acts_before_the_threshold),
                cmocka_unit_test(psi_levels),
                cmocka_unit_test(host_request_and_what_it_holds_back),
                cmocka_unit_test(request_sized_by_a_burst),
                cmocka_unit_test(request_counts_the_grant_latency),
                cmocka_unit_test(consented_inflation_is_not_demand),
                cmocka_unit_test(grant_does_not_hide_demand),
                cmocka_unit_test(request_superseded_while_the_host_inflates),
                cmocka_unit_test(refusals_back_off_and_a_grant_resets),
                cmocka_unit_test(request_times_out),
                cmocka_unit_test(ladder_conditions_and_post_action_delay),
                cmocka_unit_test(backoff_when_an_action_achieves_little),
                cmocka_unit_test(kill_only_when_enabled),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
