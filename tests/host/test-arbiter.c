/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The arbiter on a fake clock: loans taken back with consent, a short
 * host, priorities, guests that lie or fall silent, a second controller,
 * and the critical path of the grant rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arbiter.h"
#include "grant.h"

#define S UINT64_C(1000000)
#define MB UINT64_C(1024)               /* in kB */
#define MIB (UINT64_C(1024) * 1024)     /* in bytes */
#define T0 (UINT64_C(1000) * S)
#define PLENTY (UINT64_C(64) * 1024 * MB)

typedef struct Fixture {
        HostPolicy hp;
        ArbiterDomain d[3];
        ArbiterDomain *doms[3];
        ReclaimStep steps[3];
} Fixture;

/* Three 1024 MiB domains entitled to 640 MiB, default policy (256 MiB
 * steps) but reclaim after 15 s. */
static int setup(void **state)
{
        Fixture *f = test_calloc(1, sizeof(*f));
        DomainPolicy dp;

        host_policy_init_defaults(&f->hp);
        host_policy_for_domain(&f->hp, "x", &dp);
        dp.reclaim_after_s = 15;        /* the times below are written for it */
        for (int i = 0; i < 3; i++) {
                arbiter_domain_init(&f->d[i], &dp);
                f->doms[i] = &f->d[i];
                assert_false(arbiter_observe(&f->d[i], 640 * MB, 1024 * MB, T0));
        }
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        test_free(*state);
        return 0;
}

/* A truthful guest's report: its balloon is what the hypervisor says. */
static void report(ArbiterDomain *a, Level level, uint64_t spare_kb, uint64_t now)
{
        ArbiterReport r = {
                .level = level,
                .spare_kb = (int64_t)spare_kb,
                .cache_kb = 0,
                .balloon_kb = (int64_t)(a->maximum_kb - a->actual_kb),
                .mem_total_kb = (int64_t)a->actual_kb,
                .mem_available_kb = (int64_t)a->actual_kb,
        };

        arbiter_note_report(a, &r, now);
}

/* The domain was granted a loan at t: the balloon went to actual_kb. */
static void lend(ArbiterDomain *a, uint64_t actual_kb, uint64_t t)
{
        arbiter_note_request(a, t);
        arbiter_note_target(a, actual_kb);
        assert_false(arbiter_observe(a, actual_kb, a->maximum_kb, t));
}

static size_t decide(Fixture *f, size_t n, uint64_t available_kb, uint64_t now)
{
        return arbiter_decide(&f->hp, f->doms, n, available_kb, now, f->steps);
}

/* Lent up to 1000 MiB at T0, then 15 s of spare: due for a first step at
 * T0 + 16 s. Returns the number of steps decided then. */
static size_t borrowed_then_spare(Fixture *f, ArbiterDomain *a, uint64_t spare_kb)
{
        lend(a, 1000 * MB, T0);
        report(a, LEVEL_NORMAL, spare_kb, T0 + 1 * S);
        report(a, LEVEL_NORMAL, spare_kb, T0 + 16 * S);
        return arbiter_decide(&f->hp, &a, 1, PLENTY, T0 + 16 * S, f->steps);
}

static void entitlement_is_first_balloon_unless_set(void **state)
{
        Fixture *f = *state;
        DomainPolicy dp = f->hp.defaults;
        ArbiterDomain a;

        assert_int_equal(f->d[0].entitlement_kb, 640 * MB);
        dp.entitlement_mb = 512;
        arbiter_domain_init(&a, &dp);
        arbiter_observe(&a, 900 * MB, 1024 * MB, T0);
        assert_int_equal(a.entitlement_kb, 512 * MB);
        assert_int_equal(arbiter_loan_kb(&a), 388 * MB);
}

static void reclaims_loan_after_sustained_spare(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *a = &f->d[0];
        uint64_t t = T0;

        lend(a, 1000 * MB, t);
        assert_int_equal(arbiter_loan_kb(a), 360 * MB);

        /* Spare from t+5 s; the request was at t. Nothing before 15 s of
         * spare, and nothing 15 s after the request alone. */
        report(a, LEVEL_NORMAL, 200 * MB, t + 5 * S);
        assert_int_equal(decide(f, 1, PLENTY, t + 15 * S), 0);
        report(a, LEVEL_NORMAL, 200 * MB, t + 15 * S);
        assert_int_equal(decide(f, 1, PLENTY, t + 19 * S), 0);
        assert_int_equal(decide(f, 1, PLENTY, t + 20 * S), 1);
        assert_int_equal(f->steps[0].kind, RECLAIM_CONSENT);
        /* the spare (200 MiB) bounds the step, not the loan (360) */
        assert_int_equal(f->steps[0].target_kb, 800 * MB);

        /* No second step before the balloon arrived and a report followed. */
        assert_int_equal(decide(f, 1, PLENTY, t + 21 * S), 0);
        arbiter_observe(a, 800 * MB, 1024 * MB, t + 22 * S);
        assert_int_equal(decide(f, 1, PLENTY, t + 23 * S), 0);
        report(a, LEVEL_NORMAL, 300 * MB, t + 25 * S);
        assert_int_equal(decide(f, 1, PLENTY, t + 25 * S), 1);
        /* the rest of the loan, never below the entitlement */
        assert_int_equal(f->steps[0].target_kb, 640 * MB);
        arbiter_observe(a, 640 * MB, 1024 * MB, t + 26 * S);
        report(a, LEVEL_NORMAL, 300 * MB, t + 30 * S);
        assert_int_equal(decide(f, 1, PLENTY, t + 30 * S), 0);
        assert_int_equal(a->steps, 2);
        assert_int_equal(a->reclaimed_kb, 360 * MB);
        assert_int_equal(a->adoptions, 0);
        assert_int_equal(a->caused_requests, 0);
}

static void step_is_at_most_the_spare(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *a = &f->d[0];

        assert_int_equal(borrowed_then_spare(f, a, 40 * MB), 1);
        assert_int_equal(f->steps[0].target_kb, 960 * MB);

        /* spare below the smallest step: nothing */
        arbiter_observe(a, 960 * MB, 1024 * MB, T0 + 17 * S);
        report(a, LEVEL_NORMAL, 4 * MB, T0 + 18 * S);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 40 * S), 0);
}

static void stops_when_level_leaves_normal(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *a = &f->d[0];

        assert_int_equal(borrowed_then_spare(f, a, 300 * MB), 1);
        /* The balloon is on its way (at 900), and the guest says warn. */
        arbiter_observe(a, 900 * MB, 1024 * MB, T0 + 17 * S);
        report(a, LEVEL_WARN, 0, T0 + 17 * S);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 17 * S), 1);
        assert_int_equal(f->steps[0].kind, RECLAIM_STOP);
        assert_int_equal(f->steps[0].target_kb, 900 * MB);
        assert_int_equal(a->stops, 1);
        /* and nothing more while it is not normal */
        assert_int_equal(decide(f, 1, PLENTY, T0 + 60 * S), 0);
        /* the stop is ours: no adoption */
        assert_false(arbiter_observe(a, 900 * MB, 1024 * MB, T0 + 61 * S));
}

/* After a burst the guard's level stays up for its hold, but its spare is
 * real: a held warn with spare consents; act never does. */
static void held_warn_with_spare_consents(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *a = &f->d[0];

        lend(a, 1000 * MB, T0);
        report(a, LEVEL_WARN, 300 * MB, T0 + 1 * S);
        report(a, LEVEL_WARN, 300 * MB, T0 + 16 * S);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 16 * S), 1);
        assert_int_equal(f->steps[0].target_kb, 700 * MB);

        lend(&f->d[1], 1000 * MB, T0);
        report(&f->d[1], LEVEL_ACT, 300 * MB, T0 + 1 * S);
        report(&f->d[1], LEVEL_ACT, 300 * MB, T0 + 16 * S);
        f->doms[0] = &f->d[1];
        assert_int_equal(decide(f, 1, PLENTY, T0 + 16 * S), 0);
}

static void asked_recently_is_not_reclaimed(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *a = &f->d[0];

        lend(a, 1000 * MB, T0);
        report(a, LEVEL_NORMAL, 300 * MB, T0 + 1 * S);
        /* asks again at 10 s (granted nothing more) */
        arbiter_note_request(a, T0 + 10 * S);
        report(a, LEVEL_NORMAL, 300 * MB, T0 + 11 * S);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 20 * S), 0);
        report(a, LEVEL_NORMAL, 300 * MB, T0 + 21 * S);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 25 * S), 0);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 26 * S), 1);
}

static void request_caused_by_reclaim_is_counted_and_holds(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *a = &f->d[0];

        assert_int_equal(borrowed_then_spare(f, a, 300 * MB), 1);
        arbiter_observe(a, 700 * MB, 1024 * MB, T0 + 17 * S);
        /* 5 s after the balloon arrived the guest asks: the step caused it */
        assert_true(arbiter_note_request(a, T0 + 22 * S));
        assert_int_equal(a->caused_requests, 1);
        /* a later, unrelated request is not counted */
        assert_false(arbiter_note_request(a, T0 + 40 * S));
        assert_int_equal(a->caused_requests, 1);
        /* held off: 15 s from the caused request, then the usual 15 s of
         * quiet after the last request */
        report(a, LEVEL_NORMAL, 300 * MB, T0 + 41 * S);
        report(a, LEVEL_NORMAL, 300 * MB, T0 + 54 * S);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 54 * S), 0);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 56 * S), 1);
}

/* Three guests burst in turn through the grant rules; each loan comes back
 * before the next burst, and none of them asks because of a reclaim. */
static void several_domains_burst_in_turn(void **state)
{
        Fixture *f = *state;
        GrantDomain g[3];
        uint64_t t = T0;

        for (int i = 0; i < 3; i++) {
                grant_domain_init(&g[i], &f->d[i].policy, T0);
                g[i].actual_kb = 640 * MB;
                g[i].maximum_kb = 1024 * MB;
        }
        for (int round = 0; round < 2; round++)
                for (int i = 0; i < 3; i++) {
                        ArbiterDomain *a = &f->d[i];
                        GrantAnswer ans;

                        /* burst: asks at act, gets its grant */
                        assert_false(arbiter_note_request(a, t));
                        grant_decide(&f->hp, &g[i], &(GrantRequest){ (uint64_t)(10 * round + i + 1), 200 * MIB, LEVEL_ACT },
                                     PLENTY, t, &ans);
                        assert_true(ans.granted);
                        arbiter_note_target(a, ans.target_kb);
                        arbiter_observe(a, ans.target_kb, 1024 * MB, t + 1 * S);
                        g[i].actual_kb = ans.target_kb;
                        assert_int_equal(arbiter_loan_kb(a), 200 * MB);
                        /* idle: reports every 10 s, spare once the burst ended */
                        for (uint64_t s = 10; s <= 60; s += 10) {
                                size_t n;

                                report(a, LEVEL_NORMAL, 350 * MB, t + s * S);
                                n = decide(f, 3, PLENTY, t + s * S);
                                for (size_t k = 0; k < n; k++) {
                                        ArbiterDomain *r = f->doms[f->steps[k].index];

                                        assert_ptr_equal(r, a);         /* only the one that borrowed */
                                        arbiter_observe(r, f->steps[k].target_kb, 1024 * MB, t + s * S + 1);
                                        g[f->steps[k].index].actual_kb = f->steps[k].target_kb;
                                }
                        }
                        assert_int_equal(a->actual_kb, 640 * MB);
                        t += 70 * S;
                }
        for (int i = 0; i < 3; i++) {
                assert_int_equal(f->d[i].caused_requests, 0);
                assert_int_equal(f->d[i].reclaimed_kb, 400 * MB);
        }
}

/* Short host: lowest priority first, below entitlement down to the
 * minimum, never more than the guest said it can spare. */
static void short_host_takes_lowest_priority_first(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *lo = &f->d[0], *hi = &f->d[1];

        lo->policy.priority = 10;
        lo->policy.minimum_mb = 512;
        hi->policy.priority = 900;
        hi->policy.minimum_mb = 256;
        report(lo, LEVEL_NORMAL, 100 * MB, T0 + 1 * S);
        report(hi, LEVEL_NORMAL, 300 * MB, T0 + 1 * S);
        /* release_below 2048 MiB, available 1948: short by 100 MiB */
        assert_int_equal(decide(f, 2, 1948 * MB, T0 + 2 * S), 1);
        assert_int_equal(f->steps[0].index, 0);
        assert_int_equal(f->steps[0].kind, RECLAIM_SHORT);
        assert_int_equal(f->steps[0].target_kb, 540 * MB);

        /* short by 300: lo can give only what it says (100 MB, its spare),
         * and never below its minimum; hi gives the rest */
        arbiter_observe(lo, 540 * MB, 1024 * MB, T0 + 3 * S);
        report(lo, LEVEL_NORMAL, 100 * MB, T0 + 4 * S);
        report(hi, LEVEL_NORMAL, 300 * MB, T0 + 4 * S);
        assert_int_equal(decide(f, 2, 1748 * MB, T0 + 5 * S), 2);
        assert_int_equal(f->steps[0].index, 0);
        assert_int_equal(f->steps[0].target_kb, 512 * MB);
        assert_int_equal(f->steps[1].index, 1);
        /* the rest of the shortfall, at most a step */
        assert_int_equal(f->steps[1].target_kb, 384 * MB);
        /* not short: nobody goes below the entitlement */
        arbiter_observe(hi, 384 * MB, 1024 * MB, T0 + 6 * S);
        report(hi, LEVEL_NORMAL, 300 * MB, T0 + 7 * S);
        assert_int_equal(decide(f, 2, PLENTY, T0 + 8 * S), 0);
}

static void short_host_spares_a_guest_in_trouble(void **state)
{
        Fixture *f = *state;

        lend(&f->d[0], 900 * MB, T0);
        report(&f->d[0], LEVEL_ACT, 0, T0 + 20 * S);
        assert_int_equal(decide(f, 1, 100 * MB, T0 + 40 * S), 0);
}

/* A lying guest: its spare is bounded by its own figures and the loan;
 * figures that disagree with the hypervisor's earn neither reclaim by
 * consent nor the critical path. */
static void lying_guest_is_bounded(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *a = &f->d[0];
        ArbiterReport r = { .level = LEVEL_NORMAL, .spare_kb = INT64_MAX / 2, .cache_kb = -1,
                            .balloon_kb = 24 * (int64_t)MB, .mem_total_kb = 1000 * (int64_t)MB,
                            .mem_available_kb = 100 * (int64_t)MB };

        lend(a, 1000 * MB, T0);
        /* huge spare, but MemAvailable 100 MB: the step is 100 MB */
        arbiter_note_report(a, &r, T0 + 1 * S);
        arbiter_note_report(a, &r, T0 + 16 * S);
        assert_true(arbiter_trusted(a, T0 + 16 * S));
        assert_int_equal(decide(f, 1, PLENTY, T0 + 16 * S), 1);
        assert_int_equal(f->steps[0].target_kb, 900 * MB);

        /* now its balloon figure is 300 MB off the hypervisor's */
        arbiter_observe(a, 900 * MB, 1024 * MB, T0 + 17 * S);
        r.balloon_kb = 424 * (int64_t)MB;
        r.mem_available_kb = 800 * (int64_t)MB;
        arbiter_note_report(a, &r, T0 + 18 * S);
        arbiter_note_report(a, &r, T0 + 40 * S);
        assert_false(arbiter_trusted(a, T0 + 40 * S));
        assert_int_equal(a->spare_kb, 0);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 40 * S), 0);
        /* claims more memory than the domain's maximum */
        r.balloon_kb = 124 * (int64_t)MB;
        r.mem_total_kb = 2048 * (int64_t)MB;
        arbiter_note_report(a, &r, T0 + 41 * S);
        assert_false(arbiter_trusted(a, T0 + 41 * S));
        /* when the host is short it still gives back its loan (a step
         * of it here), never more */
        assert_int_equal(decide(f, 1, 0, T0 + 42 * S), 1);
        assert_int_equal(f->steps[0].target_kb, 644 * MB);
}

static void silent_guest_gives_only_its_loan_when_short(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *a = &f->d[0];

        a->policy.minimum_mb = 256;
        lend(a, 1000 * MB, T0);
        report(a, LEVEL_NORMAL, 500 * MB, T0 + 1 * S);
        /* silent since: no reclaim by consent, whatever it said last */
        assert_int_equal(decide(f, 1, PLENTY, T0 + 30 * S), 0);
        assert_false(arbiter_trusted(a, T0 + 30 * S));
        /* short: one step, then one per 10 s, down to the entitlement only */
        assert_int_equal(decide(f, 1, 0, T0 + 30 * S), 1);
        assert_int_equal(f->steps[0].target_kb, 744 * MB);
        arbiter_observe(a, 744 * MB, 1024 * MB, T0 + 31 * S);
        assert_int_equal(decide(f, 1, 0, T0 + 35 * S), 0);
        assert_int_equal(decide(f, 1, 0, T0 + 41 * S), 1);
        assert_int_equal(f->steps[0].target_kb, 640 * MB);
        arbiter_observe(a, 640 * MB, 1024 * MB, T0 + 42 * S);
        assert_int_equal(decide(f, 1, 0, T0 + 60 * S), 0);
}

/* One controller per balloon: a move nobody here made becomes the
 * entitlement, is reported once, and is not undone. */
static void foreign_target_is_adopted_once(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *a = &f->d[0];

        lend(a, 900 * MB, T0);
        /* near our 900 */
        assert_false(arbiter_observe(a, 880 * MB, 1024 * MB, T0 + 1 * S));
        /* someone sets 512: the balloon walks away from our target */
        assert_true(arbiter_observe(a, 800 * MB, 1024 * MB, T0 + 2 * S));
        assert_int_equal(a->entitlement_kb, 800 * MB);
        assert_false(arbiter_observe(a, 600 * MB, 1024 * MB, T0 + 3 * S));
        assert_false(arbiter_observe(a, 512 * MB, 1024 * MB, T0 + 4 * S));
        assert_int_equal(a->entitlement_kb, 512 * MB);
        assert_int_equal(a->adoptions, 1);
        assert_int_equal(arbiter_loan_kb(a), 0);
        /* not fought: nothing to reclaim, nothing to give back */
        report(a, LEVEL_NORMAL, 300 * MB, T0 + 5 * S);
        report(a, LEVEL_NORMAL, 300 * MB, T0 + 30 * S);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 30 * S), 0);
        /* without any target of ours, a move is adopted too */
        assert_true(arbiter_observe(&f->d[1], 1024 * MB, 1024 * MB, T0 + 5 * S));
        assert_int_equal(f->d[1].entitlement_kb, 1024 * MB);
        /* our own reclaim step is not a foreign move */
        assert_int_equal(borrowed_then_spare(f, &f->d[2], 500 * MB), 1);
        assert_false(arbiter_observe(&f->d[2], 640 * MB, 1024 * MB, T0 + 17 * S));
        assert_int_equal(f->d[2].adoptions, 0);
}

/* A domain still settling at boot toward the entitlement host.ini gives
 * is not moved by someone else; moving away from it is. */
static void settling_toward_the_set_entitlement_is_not_foreign(void **state)
{
        DomainPolicy dp;
        ArbiterDomain a;

        dp = (DomainPolicy){ .step_mb = 256, .entitlement_mb = 640 };
        arbiter_domain_init(&a, &dp);
        arbiter_observe(&a, 1024 * MB, 1024 * MB, T0);
        assert_false(arbiter_observe(&a, 900 * MB, 1024 * MB, T0 + 1 * S));
        assert_false(arbiter_observe(&a, 700 * MB, 1024 * MB, T0 + 2 * S));
        assert_false(arbiter_observe(&a, 640 * MB, 1024 * MB, T0 + 3 * S));
        assert_int_equal(a.entitlement_kb, 640 * MB);
        assert_int_equal(a.adoptions, 0);
        assert_true(arbiter_observe(&a, 512 * MB, 1024 * MB, T0 + 4 * S));
        assert_int_equal(a.entitlement_kb, 512 * MB);
}

static void reclaim_disabled(void **state)
{
        Fixture *f = *state;
        ArbiterDomain *a = &f->d[0];

        a->policy.reclaim_after_s = 0;
        lend(a, 1000 * MB, T0);
        report(a, LEVEL_NORMAL, 500 * MB, T0 + 1 * S);
        report(a, LEVEL_NORMAL, 500 * MB, T0 + 100 * S);
        assert_int_equal(decide(f, 1, PLENTY, T0 + 100 * S), 0);
}

/* The lending side: a critical request of a trusted guest gets what it
 * asks at once, up to the host's room; the budget then limits what
 * follows; the flood bucket is untouched. */
static void critical_trusted_is_granted_in_full(void **state)
{
        Fixture *f = *state;
        GrantDomain g;
        GrantAnswer ans;

        grant_domain_init(&g, &f->hp.defaults, T0);
        g.actual_kb = 640 * MB;
        g.maximum_kb = 1280 * MB;
        /* untrusted: one step (256 MiB) */
        grant_decide(&f->hp, &g, &(GrantRequest){ 1, 400 * MIB, LEVEL_CRITICAL }, PLENTY, T0, &ans);
        assert_true(ans.granted);
        assert_int_equal(ans.granted_kb, 256 * MB);

        grant_domain_init(&g, &f->hp.defaults, T0);
        g.actual_kb = 640 * MB;
        g.maximum_kb = 1280 * MB;
        g.trusted = true;
        grant_decide(&f->hp, &g, &(GrantRequest){ 2, 400 * MIB, LEVEL_CRITICAL }, PLENTY, T0, &ans);
        assert_true(ans.granted);
        assert_int_equal(ans.granted_kb, 400 * MB);
        assert_int_equal(ans.target_kb, 1040 * MB);
        /* and again at once: up to the maximum, built on the pending target */
        grant_decide(&f->hp, &g, &(GrantRequest){ 3, 400 * MIB, LEVEL_CRITICAL }, PLENTY, T0 + S / 2, &ans);
        assert_true(ans.granted);
        assert_int_equal(ans.target_kb, 1280 * MB);
        /* the host's floor still bounds it */
        g.actual_kb = 640 * MB;
        g.have_grant = false;
        grant_decide(&f->hp, &g, &(GrantRequest){ 4, 400 * MIB, LEVEL_CRITICAL }, 1124 * MB, T0 + S, &ans);
        assert_int_equal(ans.granted_kb, 100 * MB);
        /* an act request after that waits for the budget: it is in debt */
        grant_decide(&f->hp, &g, &(GrantRequest){ 5, 64 * MIB, LEVEL_ACT }, PLENTY, T0 + 2 * S, &ans);
        assert_false(ans.granted);
        assert_int_equal(ans.refusal, REFUSAL_RATE_LIMIT);
        /* the debt is at most one step: after two rate intervals, a step */
        grant_decide(&f->hp, &g, &(GrantRequest){ 6, 64 * MIB, LEVEL_ACT }, PLENTY, T0 + 21 * S, &ans);
        assert_true(ans.granted);
        /* messages still pass the flood bucket: burst 10, then refused */
        for (int i = 0; i < 10; i++)
                assert_true(token_bucket_take(&g.bucket, T0 + 30 * S));
        assert_false(token_bucket_take(&g.bucket, T0 + 30 * S));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(entitlement_is_first_balloon_unless_set, setup, teardown),
                cmocka_unit_test_setup_teardown(reclaims_loan_after_sustained_spare, setup, teardown),
                cmocka_unit_test_setup_teardown(step_is_at_most_the_spare, setup, teardown),
                cmocka_unit_test_setup_teardown(stops_when_level_leaves_normal, setup, teardown),
                cmocka_unit_test_setup_teardown(held_warn_with_spare_consents, setup, teardown),
                cmocka_unit_test_setup_teardown(asked_recently_is_not_reclaimed, setup, teardown),
                cmocka_unit_test_setup_teardown(request_caused_by_reclaim_is_counted_and_holds, setup, teardown),
                cmocka_unit_test_setup_teardown(several_domains_burst_in_turn, setup, teardown),
                cmocka_unit_test_setup_teardown(short_host_takes_lowest_priority_first, setup, teardown),
                cmocka_unit_test_setup_teardown(short_host_spares_a_guest_in_trouble, setup, teardown),
                cmocka_unit_test_setup_teardown(lying_guest_is_bounded, setup, teardown),
                cmocka_unit_test_setup_teardown(silent_guest_gives_only_its_loan_when_short, setup, teardown),
                cmocka_unit_test_setup_teardown(foreign_target_is_adopted_once, setup, teardown),
                cmocka_unit_test(settling_toward_the_set_entitlement_is_not_foreign),
                cmocka_unit_test_setup_teardown(reclaim_disabled, setup, teardown),
                cmocka_unit_test_setup_teardown(critical_trusted_is_granted_in_full, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
