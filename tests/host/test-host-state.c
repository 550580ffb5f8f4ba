/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The relay's state file (host/state.c): what is captured from a domain
 * comes back the same, the printer's text parses to the same state, and
 * the parser refuses what the printer would never write, naming the line. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "state.h"

#define S UINT64_C(1000000)
#define T0 (UINT64_C(5000) * S)
#define BOOT "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

static void domain_with_answers(GrantDomain *g, unsigned n)
{
        DomainPolicy dp;
        HostPolicy hp;

        host_policy_init_defaults(&hp);
        host_policy_for_domain(&hp, "vm", &dp);
        dp.rate_s = 0;
        grant_domain_init(g, &dp, T0);
        g->actual_kb = 1024 * 1024;
        g->maximum_kb = 64 * 1024 * 1024;
        for (unsigned i = 1; i <= n; i++) {
                GrantAnswer a;

                grant_decide(&hp, g, &(GrantRequest){ .id = 1000 + i, .bytes = i == 3 ? 0 : 1 << 20, .urgency = LEVEL_ACT },
                             1 << 30, T0 + i * S, &a);
        }
}

static void round_trip(void **state)
{
        GrantDomain g, back;
        StatePending p = { .active = true, .target_kb = 5, .previous_target_kb = 4, .before_kb = 3, .n_ids = 1 };
        StatePending p_back;
        DomainState st, parsed;
        char text[STATE_MAX_BYTES], again[STATE_MAX_BYTES], err[200] = "";
        int len;

        /* 40 answers (granted, invalid, rate-limit for the cooldown, granted
         * again): the ring has wrapped, and keeps the last 32 */
        domain_with_answers(&g, 40);
        for (unsigned i = 0; i < GRANT_REMEMBER; i++)
                if (g.answers[i].granted)
                        p.ids[0] = g.answers[i].id;
        assert_int_not_equal(p.ids[0], 0);
        state_capture(&st, &g, &p, BOOT);
        assert_int_equal(st.n_answers, GRANT_REMEMBER);
        assert_int_equal(st.answers[0].id, 1009);
        assert_int_equal(st.answers[GRANT_REMEMBER - 1].id, 1040);
        len = state_format(&st, text, sizeof(text));
        assert_true(len > 0);
        assert_int_equal(state_parse(text, (size_t)len, &parsed, err, sizeof(err)), 0);
        assert_int_equal(state_format(&parsed, again, sizeof(again)), len);
        assert_string_equal(text, again);

        /* restored into a fresh domain: the same answers for the same ids */
        domain_with_answers(&back, 0);
        state_restore(&parsed, &back, &p_back, BOOT, T0 + 100 * S);
        for (uint64_t id = 1009; id <= 1040; id++) {
                const GrantAnswer *a = grant_lookup(&g, id), *b = grant_lookup(&back, id);

                assert_non_null(b);
                assert_int_equal(a->granted, b->granted);
                assert_int_equal(a->refusal, b->refusal);
                assert_int_equal(a->target_kb, b->target_kb);
        }
        assert_null(grant_lookup(&back, 1008));
        assert_int_equal(back.target_kb, g.target_kb);
        assert_int_equal(back.last_grant_usec, g.last_grant_usec);
        assert_int_equal(back.cooldown_until_usec, g.cooldown_until_usec);
        assert_true(p_back.active);
        assert_int_equal(p_back.ids[0], p.ids[0]);
        /* the next answer goes after the last restored one */
        {
                GrantAnswer a;
                HostPolicy hp;

                host_policy_init_defaults(&hp);
                grant_decide(&hp, &back, &(GrantRequest){ .id = 2000, .bytes = 1 << 20, .urgency = LEVEL_ACT },
                             1 << 30, T0 + 200 * S, &a);
                assert_null(grant_lookup(&back, 1009));
                assert_non_null(grant_lookup(&back, 1010));
        }
}

/* The times are CLOCK_MONOTONIC: from another boot they are taken as now. */
static void other_boot_times_are_now(void **state)
{
        GrantDomain g, back;
        StatePending p;
        DomainState st;

        domain_with_answers(&g, 3);
        g.cooldown_until_usec = T0 + 1000 * S;
        state_capture(&st, &g, NULL, BOOT);
        assert_false(st.pending.active);
        domain_with_answers(&back, 0);
        state_restore(&st, &back, &p, "another-boot", 7 * S);
        assert_int_equal(back.budget_usec, 7 * S);
        assert_int_equal(back.last_grant_usec, 7 * S);
        assert_int_equal(back.cooldown_until_usec, 0);
        assert_int_equal(back.budget_kbms, g.budget_kbms);
        assert_non_null(grant_lookup(&back, 1001));
}

static const char GOOD[] = "oomguard-host-state 2\n"
                           "boot " BOOT "\n"
                           "target_kb 1114112\n"
                           "grant 1 5000000000 65536\n"
                           "budget 1 -4096 5000000000\n"
                           "cooldown_until_usec 0\n"
                           "arbiter 655360 640 1 1114112\n"
                           "answer 7 granted 65536 1114112\n"
                           "answer 8 refused rate-limit\n"
                           "pending 1114112 1048576 1048576 7\n"
                           "end\n";

static void expect_bad(const char *text, const char *why)
{
        DomainState st;
        char err[200] = "";

        if (state_parse(text, strlen(text), &st, err, sizeof(err)) != -EBADMSG)
                fail_msg("accepted: %s", text);
        if (!strstr(err, why))
                fail_msg("error '%s' does not say '%s'", err, why);
}

/* Replaces the first occurrence of from in GOOD. */
static const char *edit(const char *from, const char *to)
{
        static char buf[1024];
        const char *at = strstr(GOOD, from);

        assert_non_null(at);
        snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - GOOD), GOOD, to, at + strlen(from));
        return buf;
}

static void strict_parser(void **state)
{
        DomainState st;
        char err[200] = "", many[STATE_MAX_BYTES];
        size_t n;

        assert_int_equal(state_parse(GOOD, strlen(GOOD), &st, err, sizeof(err)), 0);
        assert_int_equal(st.n_answers, 2);
        assert_int_equal(st.answers[1].refusal, REFUSAL_RATE_LIMIT);
        assert_int_equal(st.budget_kbms, -4096);        /* a critical grant's debt */
        assert_int_equal(st.last_grant_kb, 65536);
        assert_int_equal(st.entitlement_kb, 655360);
        assert_true(st.have_target);
        expect_bad(edit("state 2", "state 3"), "line 1: version 3, this relay reads 1 to 2");
        expect_bad(edit("state 2", "state 1"), "line 4: expected: grant");      /* v1 has no last grant's size */
        expect_bad(edit("target_kb 1114112", "target_kb 01114112"), "line 3: expected: target_kb");
        expect_bad(edit("target_kb 1114112", "target_kb +1114112"), "line 3:");
        expect_bad(edit("target_kb 1114112", "target_kb 1114112 "), "line 3: fields must be separated");
        expect_bad(edit("grant 1 ", "grant 2 "), "line 4: expected: grant 0|1");
        expect_bad(edit("grant 1 5000000000 65536", "grant 1 5000000000"), "line 4: expected: grant 0|1 USEC KB");
        expect_bad(edit("budget 1 -4096 ", "budget 1 99999999999999999999 "), "line 5:");
        expect_bad(edit("budget 1 -4096 ", "budget 1 -0 "), "line 5:");
        expect_bad(edit("budget 1 -4096 ", "budget 1 --4096 "), "line 5:");
        expect_bad(edit("budget 1 -4096 ", "budget 1 - "), "line 5:");
        expect_bad(edit("budget 1 -4096 ", "budget 1 -9223372036854775808 "), "line 5:");
        expect_bad(edit("budget 1 -4096 5000000000", "budget 1 0 -5000000000"), "line 5:");
        expect_bad(edit("arbiter 655360 640 1 ", "arbiter 655360 640 2 "), "line 7: expected: arbiter");
        expect_bad(edit("arbiter 655360 640 1 1114112\n", ""), "line 7: expected: arbiter");
        expect_bad(edit("refused rate-limit", "refused none"), "line 9: unknown refusal");
        expect_bad(edit("answer 8", "answer 7"), "line 9: answer 7 given twice");
        expect_bad(edit("answer 8", "answer 0"), "line 9: answer id");
        expect_bad(edit("pending 1114112 1048576 1048576 7", "pending 1114112 1048576 1048576 8"),
                   "line 10: pending id 1 is not a granted answer");
        expect_bad(edit("end\n", "end\nend\n"), "line 12: text after");
        expect_bad(edit("end\n", "end"), "line 11: no newline");
        expect_bad(edit("cooldown_until_usec 0\n", ""), "line 6: expected: cooldown_until_usec");
        expect_bad(edit("pending 1114112 1048576 1048576 7\nend\n", ""), "truncated");
        expect_bad(edit("boot " BOOT, "boot ZZ"), "line 2: expected: boot");
        expect_bad("", "truncated");

        /* 33 answers: one more than are remembered */
        n = (size_t)snprintf(many, sizeof(many), "%.*s", (int)(strstr(GOOD, "answer") - GOOD), GOOD);
        for (int i = 1; i <= GRANT_REMEMBER + 1; i++)
                n += (size_t)snprintf(many + n, sizeof(many) - n, "answer %d refused other\n", i);
        snprintf(many + n, sizeof(many) - n, "end\n");
        expect_bad(many, "line 40: more than 32 answers");
}

/* The arbiter's entitlement and target survive a restart; a domain whose
 * entitlement_mb in host.ini changed since takes the new one. */
static void arbiter_restored(void **state)
{
        DomainPolicy dp = { .entitlement_mb = 0 };
        ArbiterDomain a, back;
        DomainState st = { 0 };

        arbiter_domain_init(&a, &dp);
        (void)arbiter_observe(&a, 900 * 1024, 1024 * 1024, T0);       /* first seen: entitlement 900 MiB */
        arbiter_note_target(&a, 960 * 1024);                           /* a loan of 60 MiB on its way */
        state_capture_arbiter(&st, &a);

        arbiter_domain_init(&back, &dp);
        state_restore_arbiter(&st, &back);
        (void)arbiter_observe(&back, 960 * 1024, 1024 * 1024, T0 + S); /* the balloon, after the restart */
        assert_int_equal(back.entitlement_kb, 900 * 1024);             /* not the balloon with the loan */
        assert_int_equal(arbiter_loan_kb(&back), 60 * 1024);
        assert_true(back.have_target);
        assert_int_equal(back.target_kb, 960 * 1024);

        dp.entitlement_mb = 512;        /* host.ini now says 512 */
        arbiter_domain_init(&back, &dp);
        state_restore_arbiter(&st, &back);
        assert_int_equal(back.entitlement_kb, 512 * 1024);
}

/* A state file of version 1 (the relay before the arbiter) is read: an
 * upgraded relay answers a resent id as the old one did. */
static void version_1_is_read(void **state)
{
        static const char v1[] = "oomguard-host-state 1\n"
                                 "boot " BOOT "\n"
                                 "target_kb 1114112\n"
                                 "grant 1 5000000000\n"
                                 "budget 1 0 5000000000\n"
                                 "cooldown_until_usec 0\n"
                                 "answer 7 granted 65536 1114112\n"
                                 "pending 1114112 1048576 1048576 7\n"
                                 "end\n";
        DomainState st;
        char err[200] = "", text[STATE_MAX_BYTES];

        if (state_parse(v1, strlen(v1), &st, err, sizeof(err)) < 0)
                fail_msg("%s", err);
        assert_int_equal(st.version, 1);
        assert_int_equal(st.n_answers, 1);
        assert_true(st.answers[0].granted);
        assert_true(st.pending.active);
        assert_int_equal(st.entitlement_kb, 0);
        assert_true(state_format(&st, text, sizeof(text)) > 0);
        assert_non_null(strstr(text, "oomguard-host-state 2\n"));
        /* and version 1 has no arbiter line */
        expect_bad("oomguard-host-state 1\nboot " BOOT "\ntarget_kb 1\ngrant 1 5\nbudget 1 0 5\n"
                   "cooldown_until_usec 0\narbiter 1 1 1 1\nend\n",
                   "line 7: unexpected line");
}

/* A relay that could not read the boot id still writes a file it reads. */
static void unknown_boot_id_round_trips(void **state)
{
        GrantDomain g;
        DomainState st, parsed;
        char text[STATE_MAX_BYTES], err[200] = "";
        int len;

        domain_with_answers(&g, 2);
        state_capture(&st, &g, NULL, "");
        len = state_format(&st, text, sizeof(text));
        assert_true(len > 0);
        assert_non_null(strstr(text, "\nboot -\n"));
        if (state_parse(text, (size_t)len, &parsed, err, sizeof(err)) < 0)
                fail_msg("%s", err);
        assert_string_equal(parsed.boot_id, "");
        assert_int_equal(parsed.n_answers, 2);
}

static void small_buffer_is_refused(void **state)
{
        DomainState st;
        char err[200], small[40];

        assert_int_equal(state_parse(GOOD, strlen(GOOD), &st, err, sizeof(err)), 0);
        assert_int_equal(state_format(&st, small, sizeof(small)), -ENOBUFS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(round_trip),
                cmocka_unit_test(other_boot_times_are_now),
                cmocka_unit_test(strict_parser),
                cmocka_unit_test(arbiter_restored),
                cmocka_unit_test(unknown_boot_id_round_trips),
                cmocka_unit_test(version_1_is_read),
                cmocka_unit_test(small_buffer_is_refused),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
