/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host's grant policy: every rule of PROTOCOL.md §2.7 with explicit
 * times, and the release order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "grant.h"

#define S UINT64_C(1000000)
#define MB UINT64_C(1024)               /* in kB */
#define MIB (UINT64_C(1024) * 1024)     /* in bytes */
#define T0 (UINT64_C(1000) * S)

typedef struct Fixture {
        HostPolicy hp;
        GrantDomain a, b;
} Fixture;

/* Two 4 GiB domains at 2 GiB, default policy: 256 MB steps every 10 s,
 * 30 s cooldown, floor 1024 MB. */
static int setup(void **state)
{
        Fixture *f = test_calloc(1, sizeof(*f));
        DomainPolicy dp;

        host_policy_init_defaults(&f->hp);
        host_policy_for_domain(&f->hp, "a", &dp);
        grant_domain_init(&f->a, &dp, T0);
        grant_domain_init(&f->b, &dp, T0);
        f->a.actual_kb = f->b.actual_kb = 2048 * MB;
        f->a.maximum_kb = f->b.maximum_kb = 4096 * MB;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        test_free(*state);
        return 0;
}

static GrantRequest req(uint64_t id, uint64_t bytes, Level urgency)
{
        return (GrantRequest){ .id = id, .bytes = bytes, .urgency = urgency };
}

static void grants_what_was_asked(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 100 * MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_true(a.granted);
        assert_false(a.repeated);
        assert_int_equal(a.refusal, REFUSAL_NONE);
        assert_int_equal(a.granted_kb, 100 * MB);
        assert_int_equal(a.target_kb, 2148 * MB);
        assert_int_equal(f->a.target_kb, 2148 * MB);
}

static void rounds_bytes_up_to_kb(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 1025, LEVEL_WARN }, 8192 * MB, T0, &a);
        assert_true(a.granted);
        assert_int_equal(a.granted_kb, 2);
}

static void at_most_one_step(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 1024 * MIB, LEVEL_CRITICAL }, 8192 * MB, T0, &a);
        assert_true(a.granted);
        assert_int_equal(a.granted_kb, 256 * MB);
}

static void never_above_maximum(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        f->a.actual_kb = 4000 * MB;
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 200 * MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_true(a.granted);
        assert_int_equal(a.target_kb, 4096 * MB);
        assert_int_equal(a.granted_kb, 96 * MB);

        /* The balloon got there; now at the maximum: refused, and the cooldown starts. */
        f->a.actual_kb = 4096 * MB;
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 2, 1 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 60 * S, &a);
        assert_false(a.granted);
        assert_int_equal(a.refusal, REFUSAL_AT_MAXIMUM);
        assert_int_equal(a.target_kb, 0);
        assert_int_equal(f->a.cooldown_until_usec, T0 + 90 * S);
        assert_string_equal(refusal_name(a.refusal), "at-maximum");
}

static void pending_target_counts_as_base(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        /* The balloon has not moved yet after the first grant: the second
         * starts from the target, so it never lowers it. */
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 256 * MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 2, 256 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 10 * S, &a);
        assert_true(a.granted);
        assert_int_equal(a.target_kb, 2560 * MB);
}

/* Someone else set the balloon back down (virsh setmem, a reboot): a stale
 * target must not become the base, or one grant would move it by more than
 * a step. Found in review. */
static void stale_target_is_not_a_base(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 256 * MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_true(a.granted);
        f->a.actual_kb = 1024 * MB;             /* taken back down meanwhile */
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 2, 256 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 60 * S, &a);
        assert_true(a.granted);
        assert_int_equal(a.target_kb, 1024 * MB + 256 * MB);

        /* a fresh target far above actual still counts for at most a step */
        f->a.target_kb = 4096 * MB;
        f->a.last_grant_usec = T0 + 100 * S;
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 3, 256 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 120 * S, &a);
        assert_true(a.granted);
        assert_true(a.target_kb <= 1024 * MB + 2 * 256 * MB);
}

static void floor_is_kept(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        /* 1100 MB available, floor 1024: at most 76 MB. */
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 200 * MIB, LEVEL_ACT }, 1100 * MB, T0, &a);
        assert_true(a.granted);
        assert_int_equal(a.granted_kb, 76 * MB);

        /* At the floor: refused host-short. */
        grant_decide(&f->hp, &f->b, &(GrantRequest){ 1, 200 * MIB, LEVEL_CRITICAL }, 1024 * MB, T0, &a);
        assert_false(a.granted);
        assert_int_equal(a.refusal, REFUSAL_HOST_SHORT);
        assert_string_equal(refusal_name(a.refusal), "host-short");
}

/* The rate is an amount: at most a step (256 MB) per rate_s (10 s), as a
 * budget that refills continuously. */
static void rate_with_explicit_times(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 256 * MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_true(a.granted);
        assert_int_equal(a.granted_kb, 256 * MB);
        /* 0.5 s later 12.8 MB have come back: less than the ask and less
         * than a grant worth making. */
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 2, 100 * MIB, LEVEL_ACT }, 8192 * MB, T0 + S / 2, &a);
        assert_false(a.granted);
        assert_int_equal(a.refusal, REFUSAL_RATE_LIMIT);
        /* A rate refusal does not start a cooldown. */
        assert_int_equal(f->a.cooldown_until_usec, 0);
        /* Half the interval: half a step. */
        f->a.actual_kb = f->a.target_kb;
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 3, 256 * MIB, LEVEL_CRITICAL }, 8192 * MB, T0 + 5 * S, &a);
        assert_true(a.granted);
        assert_int_equal(a.granted_kb, 128 * MB);
        /* A small grant leaves the rest of the step for the next request. */
        f->a.actual_kb = f->a.target_kb;
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 4, 64 * MIB, LEVEL_WARN }, 8192 * MB, T0 + 15 * S, &a);
        assert_int_equal(a.granted_kb, 64 * MB);
        f->a.actual_kb = f->a.target_kb;
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 5, 512 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 16 * S, &a);
        assert_true(a.granted);
        assert_int_equal(a.granted_kb, (256 - 64) * MB + 256 * MB / 10);
        /* A clock that went back refills nothing. */
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 6, 100 * MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_int_equal(a.refusal, REFUSAL_RATE_LIMIT);
}

static void cooldown_after_refusal(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 10 * MIB, LEVEL_ACT }, 1000 * MB, T0, &a);
        assert_int_equal(a.refusal, REFUSAL_HOST_SHORT);
        /* The host recovered, but the cooldown (30 s) holds. */
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 2, 10 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 29 * S, &a);
        assert_int_equal(a.refusal, REFUSAL_RATE_LIMIT);
        assert_string_equal(refusal_name(a.refusal), "rate-limit");
        /* ...and a refusal during it does not extend it. */
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 3, 10 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 30 * S, &a);
        assert_true(a.granted);
}

static void invalid_requests(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 0, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_int_equal(a.refusal, REFUSAL_INVALID);
        assert_string_equal(refusal_name(a.refusal), "invalid");
        grant_decide(&f->hp, &f->b, &(GrantRequest){ 2, 4097 * MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_int_equal(a.refusal, REFUSAL_INVALID);
        f->b.cooldown_until_usec = 0;
        grant_decide(&f->hp, &f->b, &(GrantRequest){ 3, MIB, LEVEL_NORMAL }, 8192 * MB, T0, &a);
        assert_int_equal(a.refusal, REFUSAL_INVALID);
        f->b.cooldown_until_usec = 0;
        grant_decide(&f->hp, &f->b, &(GrantRequest){ 0, MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_int_equal(a.refusal, REFUSAL_INVALID);
        assert_null(grant_lookup(&f->b, 0));
        assert_int_equal(f->a.target_kb + f->b.target_kb, 0);
}

/* The maximum is checked in bytes: a request a few bytes above it is
 * invalid, not rounded down to the maximum and taken for a valid one. */
static void a_few_bytes_above_maximum_is_invalid(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        grant_decide(&f->hp, &f->a, &(GrantRequest){ 1, 4096 * MIB + 5, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_false(a.granted);
        assert_int_equal(a.refusal, REFUSAL_INVALID);
        grant_decide(&f->hp, &f->b, &(GrantRequest){ 2, 4096 * MIB, LEVEL_ACT }, 8192 * MB, T0, &a);
        assert_true(a.granted);
}

static void repeated_id_moves_nothing(void **state)
{
        Fixture *f = *state;
        GrantAnswer first, again;

        grant_decide(&f->hp, &f->a, &(GrantRequest){ 7, 128 * MIB, LEVEL_ACT }, 8192 * MB, T0, &first);
        assert_true(first.granted);
        /* After the rate interval, with the balloon moved: the same id gets
         * the same answer and nothing moves. */
        f->a.actual_kb = first.target_kb;
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 7, 128 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 60 * S, &again);
        assert_true(again.repeated);
        assert_true(again.granted);
        assert_int_equal(again.target_kb, first.target_kb);
        assert_int_equal(again.granted_kb, first.granted_kb);
        assert_int_equal(f->a.target_kb, first.target_kb);
        assert_int_equal(f->a.last_grant_usec, T0);

        /* A repeated refusal is the same refusal. */
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 8, 256 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 61 * S, &first);
        assert_true(first.granted);
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 9, 100 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 61 * S + S / 2, &first);
        assert_int_equal(first.refusal, REFUSAL_RATE_LIMIT);
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 9, 100 * MIB, LEVEL_ACT }, 8192 * MB, T0 + 200 * S, &again);
        assert_true(again.repeated);
        assert_false(again.granted);
        assert_int_equal(again.refusal, REFUSAL_RATE_LIMIT);
}

static void remembers_last_32(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        f->a.policy.rate_s = 0;
        f->a.maximum_kb = 1ULL << 40;
        for (uint64_t id = 1; id <= 40; id++)
                grant_decide(&f->hp, &f->a, &(GrantRequest){ id, MIB, LEVEL_ACT }, 1ULL << 40, T0 + id, &a);
        assert_null(grant_lookup(&f->a, 8));
        assert_non_null(grant_lookup(&f->a, 9));
        assert_non_null(grant_lookup(&f->a, 40));
        /* id 8 was forgotten: it is decided afresh. */
        grant_decide(&f->hp, &f->a, &(GrantRequest){ 8, MIB, LEVEL_ACT }, 1ULL << 40, T0 + 100, &a);
        assert_false(a.repeated);
}

static void step_zero_never_grows(void **state)
{
        Fixture *f = *state;
        GrantAnswer a;

        /* A step of 0 leaves no budget, whatever the rate: refused as rate-limit
         * on the first request and every later one, and the balloon target
         * never moves. */
        f->a.policy.step_mb = 0;
        for (uint64_t rate_s = 0; rate_s <= 10; rate_s += 10) {
                f->a.policy.rate_s = rate_s;
                for (uint64_t id = 1; id <= 3; id++) {
                        grant_decide(&f->hp, &f->a, &(GrantRequest){ id + rate_s, MIB, LEVEL_CRITICAL }, 8192 * MB,
                                     T0 + id * 3600 * S, &a);
                        assert_false(a.granted);
                        assert_int_equal(a.refusal, REFUSAL_RATE_LIMIT);
                        assert_string_equal(refusal_name(a.refusal), "rate-limit");
                        assert_int_equal(a.granted_kb, 0);
                        assert_int_equal(f->a.target_kb, 0);
                }
        }
}

static void priority_first_when_short(void **state)
{
        Fixture *f = *state;
        GrantDomain *doms[2] = { &f->a, &f->b };
        GrantRequest reqs[2] = { req(1, 200 * MIB, LEVEL_CRITICAL), req(1, 200 * MIB, LEVEL_WARN) };
        GrantAnswer answers[2];
        size_t order[2];

        /* b is more important; 1224 MB available leaves room for one grant. */
        f->b.policy.priority = 500;
        grant_decide_round(&f->hp, doms, reqs, 2, 1224 * MB, T0, answers, order);
        assert_true(answers[1].granted);
        assert_int_equal(answers[1].granted_kb, 200 * MB);
        assert_false(answers[0].granted);
        assert_int_equal(answers[0].refusal, REFUSAL_HOST_SHORT);
}

static void urgency_breaks_priority_ties(void **state)
{
        Fixture *f = *state;
        GrantDomain *doms[2] = { &f->a, &f->b };
        GrantRequest reqs[2] = { req(1, 150 * MIB, LEVEL_WARN), req(2, 150 * MIB, LEVEL_CRITICAL) };
        GrantAnswer answers[2];
        size_t order[2];

        grant_decide_round(&f->hp, doms, reqs, 2, 1224 * MB, T0, answers, order);
        assert_true(answers[1].granted);
        assert_int_equal(answers[1].granted_kb, 150 * MB);
        /* The rest goes to a: 50 MB. */
        assert_true(answers[0].granted);
        assert_int_equal(answers[0].granted_kb, 50 * MB);
}

static void plenty_serves_everyone(void **state)
{
        Fixture *f = *state;
        GrantDomain *doms[2] = { &f->a, &f->b };
        GrantRequest reqs[2] = { req(1, 100 * MIB, LEVEL_WARN), req(1, 100 * MIB, LEVEL_ACT) };
        GrantAnswer answers[2];
        size_t order[2];

        grant_decide_round(&f->hp, doms, reqs, 2, 8192 * MB, T0, answers, order);
        assert_true(answers[0].granted && answers[1].granted);
}

/* Found by fuzz-host-session: with rate_s = 0 one domain may be granted
 * twice in a round; applied in arrival order, the second (smaller) target
 * would take the first grant back. The order says which target is last. */
static void same_domain_twice_targets_grow_in_order(void **state)
{
        Fixture *f = *state;
        GrantDomain *doms[2] = { &f->a, &f->a };
        GrantRequest reqs[2] = { req(5, 10 * MIB, LEVEL_WARN), req(1, 10 * MIB, LEVEL_ACT) };
        GrantAnswer answers[2];
        size_t order[2];

        f->a.policy.rate_s = 0;
        grant_decide_round(&f->hp, doms, reqs, 2, 8192 * MB, T0, answers, order);
        assert_true(answers[0].granted && answers[1].granted);
        assert_int_equal(order[0], 1);          /* act before warn */
        assert_int_equal(order[1], 0);
        assert_true(answers[order[1]].target_kb > answers[order[0]].target_kb);
        assert_int_equal(answers[order[1]].target_kb, f->a.target_kb);
}

static void release_lowest_priority_first(void **state)
{
        Fixture *f = *state;
        GrantDomain *doms[2] = { &f->a, &f->b };
        ReleaseAsk asks[2];
        size_t n;

        f->a.policy.priority = 900;
        /* Above release_below (2048 MB): nothing. */
        assert_int_equal(grant_release(&f->hp, doms, 2, 2048 * MB, T0, asks), 0);
        /* 100 MB short: b alone, for 100 MB. */
        n = grant_release(&f->hp, doms, 2, 1948 * MB, T0, asks);
        assert_int_equal(n, 1);
        assert_int_equal(asks[0].index, 1);
        assert_int_equal(asks[0].bytes, 100 * MIB);
        /* b is cooling down (60 s): a is asked next. */
        n = grant_release(&f->hp, doms, 2, 1948 * MB, T0 + 59 * S, asks);
        assert_int_equal(n, 1);
        assert_int_equal(asks[0].index, 0);
        assert_int_equal(grant_release(&f->hp, doms, 2, 1948 * MB, T0 + 59 * S, asks), 0);
        /* 600 MB short after both cooled down: b for its step (256), then a. */
        n = grant_release(&f->hp, doms, 2, 1448 * MB, T0 + 200 * S, asks);
        assert_int_equal(n, 2);
        assert_int_equal(asks[0].index, 1);
        assert_int_equal(asks[0].bytes, 256 * MIB);
        assert_int_equal(asks[1].index, 0);
        assert_int_equal(asks[1].bytes, 256 * MIB);
}

static void release_disabled(void **state)
{
        Fixture *f = *state;
        GrantDomain *doms[1] = { &f->a };
        ReleaseAsk asks[1];

        f->hp.release_below_mb = 0;
        assert_int_equal(grant_release(&f->hp, doms, 1, 0, T0, asks), 0);
}

static void token_bucket(void **state)
{
        TokenBucket b;
        unsigned ok = 0;

        token_bucket_init(&b, 5, 10, T0);
        for (int i = 0; i < 20; i++)
                ok += token_bucket_take(&b, T0);
        assert_int_equal(ok, 10);
        assert_false(token_bucket_take(&b, T0 + S / 5 - 1));
        assert_true(token_bucket_take(&b, T0 + S / 5));
        assert_false(token_bucket_take(&b, T0 + S / 5));
        /* A long pause refills to the burst, not beyond. */
        ok = 0;
        for (int i = 0; i < 20; i++)
                ok += token_bucket_take(&b, T0 + 3600 * S);
        assert_int_equal(ok, 10);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(grants_what_was_asked, setup, teardown),
                cmocka_unit_test_setup_teardown(rounds_bytes_up_to_kb, setup, teardown),
                cmocka_unit_test_setup_teardown(at_most_one_step, setup, teardown),
                cmocka_unit_test_setup_teardown(never_above_maximum, setup, teardown),
                cmocka_unit_test_setup_teardown(pending_target_counts_as_base, setup, teardown),
                cmocka_unit_test_setup_teardown(stale_target_is_not_a_base, setup, teardown),
                cmocka_unit_test_setup_teardown(floor_is_kept, setup, teardown),
                cmocka_unit_test_setup_teardown(rate_with_explicit_times, setup, teardown),
                cmocka_unit_test_setup_teardown(cooldown_after_refusal, setup, teardown),
                cmocka_unit_test_setup_teardown(invalid_requests, setup, teardown),
                cmocka_unit_test_setup_teardown(a_few_bytes_above_maximum_is_invalid, setup, teardown),
                cmocka_unit_test_setup_teardown(repeated_id_moves_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(remembers_last_32, setup, teardown),
                cmocka_unit_test_setup_teardown(step_zero_never_grows, setup, teardown),
                cmocka_unit_test_setup_teardown(priority_first_when_short, setup, teardown),
                cmocka_unit_test_setup_teardown(urgency_breaks_priority_ties, setup, teardown),
                cmocka_unit_test_setup_teardown(plenty_serves_everyone, setup, teardown),
                cmocka_unit_test_setup_teardown(same_domain_twice_targets_grow_in_order, setup, teardown),
                cmocka_unit_test_setup_teardown(release_lowest_priority_first, setup, teardown),
                cmocka_unit_test_setup_teardown(release_disabled, setup, teardown),
                cmocka_unit_test(token_bucket),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
