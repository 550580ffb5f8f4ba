/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The memory cgroup as a budget, on a fake clock: grants leave
 * cgroup_margin_mb under the limit; near the limit (under cgroup_act_mb, or
 * falling toward the margin) the guest is asked to release and the balloon
 * takes what the guest can spare, one step at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cgroup-guard.h"
#include "grant.h"

#define S UINT64_C(1000000)
#define MB UINT64_C(1024)               /* in kB */
#define MIB (UINT64_C(1024) * 1024)     /* in bytes */
#define T0 (UINT64_C(1000) * S)

typedef struct Fixture {
        HostPolicy hp;
        CgroupGuard g;
        CgroupVmView v;
} Fixture;

/* Default policy (margin 128 MiB, act under 256 MiB), a 1024 MiB guest
 * with its balloon empty that last said it has 500 MiB available. */
static int setup(void **state)
{
        Fixture *f = test_calloc(1, sizeof(*f));

        host_policy_init_defaults(&f->hp);
        cgroup_guard_init(&f->g);
        f->v = (CgroupVmView){ .actual_kb = 1024 * MB, .maximum_kb = 1024 * MB, .guest_available_kb = 500 * MB,
                               .guest_ready = true };
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        test_free(*state);
        return 0;
}

/* A 1300 MiB limit with room_mb left (no file cache). */
static CgroupFigures room(uint64_t room_mb)
{
        return (CgroupFigures){ .usage_kb = (1300 - room_mb) * MB, .limit_kb = 1300 * MB };
}

static void decide(Fixture *f, CgroupFigures c, uint64_t now, CgroupStep *s)
{
        cgroup_guard_decide(&f->hp, &f->g, &c, &f->v, 256 * MB, now, s);
}

static void room_counts_cache_and_the_tightest_limit(void **state)
{
        CgroupFigures c = { .usage_kb = 1250 * MB, .limit_kb = 1300 * MB, .inactive_file_kb = 100 * MB };

        assert_int_equal(cgroup_working_set_kb(&c), 1150 * MB);
        assert_int_equal(cgroup_room_kb(&c), 150 * MB);
        c.high_kb = 1200 * MB;                  /* memory.high under max */
        assert_int_equal(cgroup_room_kb(&c), 50 * MB);
        c.high_kb = 0;
        c.memsw_limit_kb = 1300 * MB;           /* memory+swap: swap counts too */
        c.memsw_usage_kb = 1290 * MB;
        assert_int_equal(cgroup_room_kb(&c), 110 * MB);
        c = (CgroupFigures){ .usage_kb = 1400 * MB, .limit_kb = 1300 * MB };
        assert_int_equal(cgroup_room_kb(&c), 0);
        c = (CgroupFigures){ .usage_kb = 1400 * MB };
        assert_true(cgroup_room_kb(&c) == UINT64_MAX);
        /* more cache than usage (figures read at two moments) */
        c = (CgroupFigures){ .usage_kb = 10 * MB, .inactive_file_kb = 20 * MB, .limit_kb = 100 * MB };
        assert_int_equal(cgroup_room_kb(&c), 100 * MB);
}

static void quiet_with_room(void **state)
{
        Fixture *f = *state;
        CgroupStep s;

        decide(f, room(600), T0, &s);
        decide(f, room(600), T0 + S, &s);
        assert_false(s.near);
        assert_false(s.act);
        assert_int_equal(s.room_kb, 600 * MB);
        assert_int_equal(f->g.near_misses, 0);
}

static void under_the_threshold_releases_and_inflates(void **state)
{
        Fixture *f = *state;
        CgroupStep s;

        decide(f, room(200), T0, &s);
        assert_true(s.near);
        assert_true(s.new_episode);
        assert_true(s.act);
        /* back to act + margin: 256 + 128 - 200 */
        assert_int_equal(s.want_kb, 184 * MB);
        assert_int_equal(s.release_bytes, 184 * MIB);
        assert_int_equal(s.target_kb, (1024 - 184) * MB);
        assert_int_equal(f->g.near_misses, 1);
}

static void a_fast_rise_acts_before_the_threshold(void **state)
{
        Fixture *f = *state;
        CgroupStep s;

        decide(f, room(800), T0, &s);
        assert_false(s.near);
        /* +100 MiB in a second, smoothed to 50 MiB/s: 700 MiB of room stays
         * above the margin over the 10 s horizon (128 + 500) */
        decide(f, room(700), T0 + S, &s);
        assert_int_equal(s.rise_kbps, 50 * MB);
        assert_false(s.near);
        /* +150 MiB: 100 MiB/s, at the margin within the horizon though
         * still above the threshold (550 < 128 + 1000) */
        decide(f, room(550), T0 + 2 * S, &s);
        assert_int_equal(s.rise_kbps, 100 * MB);
        assert_true(s.near);
        assert_true(s.act);
        /* capped by the step (256) below want (256 + 128 + 1000 - 550) */
        assert_int_equal(s.want_kb, 834 * MB);
        assert_int_equal(s.target_kb, (1024 - 256) * MB);
}

static void one_step_at_a_time(void **state)
{
        Fixture *f = *state;
        CgroupStep s;

        decide(f, room(200), T0, &s);
        assert_true(s.act);
        /* the balloon is still on its way: wait */
        decide(f, room(180), T0 + S, &s);
        assert_true(s.near);
        assert_false(s.new_episode);
        assert_false(s.act);
        decide(f, room(180), T0 + 3 * S, &s);
        assert_true(s.act);
        /* the balloon got there: the next step need not wait */
        f->v.actual_kb = s.target_kb;
        decide(f, room(160), T0 + 4 * S, &s);
        assert_true(s.act);
        assert_int_equal(f->g.near_misses, 1);
        /* a clock that went back acts on nothing */
        decide(f, room(100), T0, &s);
        assert_false(s.act);
}

static void a_step_that_holds_needs_no_successor(void **state)
{
        Fixture *f = *state;
        CgroupStep s;

        decide(f, room(200), T0, &s);
        assert_true(s.act);
        /* the room stopped falling: still near, but the step holds */
        decide(f, room(196), T0 + 5 * S, &s);
        assert_true(s.near);
        assert_false(s.act);
        decide(f, room(199), T0 + 10 * S, &s);
        assert_false(s.act);
        /* fell by more than the slack since the step: one more */
        decide(f, room(190), T0 + 15 * S, &s);
        assert_true(s.act);
        /* at the margin, a step whatever the last one did */
        decide(f, room(120), T0 + 20 * S, &s);
        assert_true(s.act);
        decide(f, room(125), T0 + 25 * S, &s);
        assert_true(s.act);
}

static void episodes_count_once_each(void **state)
{
        Fixture *f = *state;
        CgroupStep s;

        decide(f, room(200), T0, &s);
        decide(f, room(210), T0 + 10 * S, &s);
        decide(f, room(500), T0 + 20 * S, &s);
        assert_false(s.near);
        decide(f, room(500), T0 + 30 * S, &s);
        decide(f, room(100), T0 + 40 * S, &s);
        assert_true(s.new_episode);
        assert_int_equal(f->g.near_misses, 2);
}

static void without_the_agent_only_counts(void **state)
{
        Fixture *f = *state;
        CgroupStep s;

        f->v.guest_ready = false;
        decide(f, room(100), T0, &s);
        assert_true(s.near);
        assert_true(s.new_episode);
        assert_false(s.act);
        assert_int_equal(s.release_bytes, 0);
        assert_int_equal(s.target_kb, 0);
}

static void what_the_guest_can_spare_bounds_the_balloon(void **state)
{
        Fixture *f = *state;
        CgroupStep s;

        /* not known yet: ask the release, leave the balloon */
        f->v.guest_available_kb = -1;
        decide(f, room(100), T0, &s);
        assert_true(s.act);
        assert_int_equal(s.release_bytes, 284 * MIB);
        assert_int_equal(s.target_kb, 0);
        /* 200 available less an eighth of 1024 kept: 72 */
        f->v.guest_available_kb = 200 * MB;
        decide(f, room(100), T0 + 3 * S, &s);
        assert_int_equal(s.target_kb, (1024 - 72) * MB);
        /* never under a quarter of the maximum, whatever the guest says */
        f->v.actual_kb = 300 * MB;
        f->v.guest_available_kb = 900 * MB;
        decide(f, room(100), T0 + 6 * S, &s);
        assert_int_equal(s.target_kb, 256 * MB);
        /* too little to move the balloon for */
        f->v.actual_kb = 260 * MB;
        decide(f, room(100), T0 + 9 * S, &s);
        assert_true(s.act);
        assert_int_equal(s.target_kb, 0);
}

static void act_zero_or_no_limit_never_acts(void **state)
{
        Fixture *f = *state;
        CgroupStep s;
        CgroupFigures unlimited = { .usage_kb = 5000 * MB };

        decide(f, unlimited, T0, &s);
        assert_false(s.near);
        f->hp.cgroup_act_mb = 0;
        decide(f, room(10), T0 + S, &s);
        assert_false(s.near);
        assert_false(s.act);
        assert_int_equal(s.room_kb, 10 * MB);
}

/* ---- the grant side: the room is a budget ---- */

static void grant_setup(GrantDomain *d, const HostPolicy *hp)
{
        DomainPolicy dp;

        host_policy_for_domain(hp, "vm", &dp);
        grant_domain_init(d, &dp, T0);
        d->actual_kb = 640 * MB;
        d->maximum_kb = 1024 * MB;
}

static void grants_leave_the_margin(void **state)
{
        Fixture *f = *state;
        GrantDomain d;
        GrantAnswer a;

        grant_setup(&d, &f->hp);
        d.have_cgroup = true;
        d.cgroup_room_kb = 300 * MB;
        grant_decide(&f->hp, &d, &(GrantRequest){ 1, 256 * MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_true(a.granted);
        assert_int_equal(a.granted_kb, 172 * MB);
        assert_int_equal(d.cgroup_room_kb, 128 * MB);
        /* at the margin: refused as host-short, like the host's floor */
        grant_decide(&f->hp, &d, &(GrantRequest){ 2, 16 * MIB, LEVEL_CRITICAL }, 8192 * MB, T0 + 60 * S, &a);
        assert_false(a.granted);
        assert_int_equal(a.refusal, REFUSAL_HOST_SHORT);
}

static void without_a_cgroup_grants_are_as_before(void **state)
{
        Fixture *f = *state;
        GrantDomain d;
        GrantAnswer a;

        grant_setup(&d, &f->hp);
        d.cgroup_room_kb = 1 * MB;      /* not have_cgroup: ignored */
        grant_decide(&f->hp, &d, &(GrantRequest){ 1, 256 * MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_true(a.granted);
        assert_int_equal(a.granted_kb, 256 * MB);
}

static void after_a_step_only_critical_is_granted(void **state)
{
        Fixture *f = *state;
        GrantDomain d;
        GrantAnswer a;

        grant_setup(&d, &f->hp);
        d.have_cgroup = true;
        d.cgroup_room_kb = 600 * MB;
        d.have_cgroup_step = true;
        d.cgroup_step_usec = T0;
        grant_decide(&f->hp, &d, &(GrantRequest){ 1, 64 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 5 * S, &a);
        assert_false(a.granted);
        assert_int_equal(a.refusal, REFUSAL_RATE_LIMIT);
        /* a hold, not a refusal's cooldown: critical passes at once */
        grant_decide(&f->hp, &d, &(GrantRequest){ 2, 64 * MIB, LEVEL_CRITICAL }, 8192 * MB, T0 + 6 * S, &a);
        assert_true(a.granted);
        assert_int_equal(a.granted_kb, 64 * MB);
        /* cooldown_s (30) after the step, any urgency again */
        grant_decide(&f->hp, &d, &(GrantRequest){ 3, 64 * MIB, LEVEL_WARN }, 8192 * MB, T0 + 31 * S, &a);
        assert_true(a.granted);
}

static void a_round_shares_the_room(void **state)
{
        Fixture *f = *state;
        GrantDomain d;
        GrantDomain *doms[2] = { &d, &d };
        GrantRequest reqs[2] = { { 1, 100 * MIB, LEVEL_ACT }, { 2, 100 * MIB, LEVEL_ACT } };
        GrantAnswer answers[2];
        size_t order[2];

        grant_setup(&d, &f->hp);
        d.policy.rate_s = 0;            /* no rate: only the room limits the second */
        d.have_cgroup = true;
        d.cgroup_room_kb = 300 * MB;
        grant_decide_round(&f->hp, doms, reqs, 2, 8192 * MB, T0, answers, order);
        assert_true(answers[0].granted);
        assert_int_equal(answers[0].granted_kb, 100 * MB);
        assert_true(answers[1].granted);
        assert_int_equal(answers[1].granted_kb, 72 * MB);
}

static void policy_keys_parse_and_check(void **state)
{
        HostPolicy hp;
        ConfigErrors errs;
        const char *good = "[host]\ncgroup_margin_mb = 64\ncgroup_act_mb = 512\n";
        const char *bad = "[host]\ncgroup_margin_mb = 300\ncgroup_act_mb = 200\n";

        assert_int_equal(host_policy_parse(good, &hp, &errs), 0);
        assert_int_equal(hp.cgroup_margin_mb, 64);
        assert_int_equal(hp.cgroup_act_mb, 512);
        assert_true(host_policy_parse(bad, &hp, &errs) < 0);
        assert_int_equal(errs.n, 1);
        assert_string_equal(errs.e[0].key, "cgroup_act_mb");
        host_policy_init_defaults(&hp);
        assert_int_equal(hp.cgroup_margin_mb, 128);
        assert_int_equal(hp.cgroup_act_mb, 256);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(room_counts_cache_and_the_tightest_limit),
                cmocka_unit_test_setup_teardown(quiet_with_room, setup, teardown),
                cmocka_unit_test_setup_teardown(under_the_threshold_releases_and_inflates, setup, teardown),
                cmocka_unit_test_setup_teardown(a_fast_rise_acts_before_the_threshold, setup, teardown),
                cmocka_unit_test_setup_teardown(one_step_at_a_time, setup, teardown),
                cmocka_unit_test_setup_teardown(a_step_that_holds_needs_no_successor, setup, teardown),
                cmocka_unit_test_setup_teardown(episodes_count_once_each, setup, teardown),
                cmocka_unit_test_setup_teardown(without_the_agent_only_counts, setup, teardown),
                cmocka_unit_test_setup_teardown(what_the_guest_can_spare_bounds_the_balloon, setup, teardown),
                cmocka_unit_test_setup_teardown(act_zero_or_no_limit_never_acts, setup, teardown),
                cmocka_unit_test_setup_teardown(grants_leave_the_margin, setup, teardown),
                cmocka_unit_test_setup_teardown(without_a_cgroup_grants_are_as_before, setup, teardown),
                cmocka_unit_test_setup_teardown(after_a_step_only_critical_is_granted, setup, teardown),
                cmocka_unit_test_setup_teardown(a_round_shares_the_room, setup, teardown),
                cmocka_unit_test_setup_teardown(policy_keys_parse_and_check, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
