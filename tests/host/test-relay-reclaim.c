/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The relay's arbiter and rounds through Relay with a fake backend: a loan
 * taken back with the guest's consent, a reclaim step saved and confirmed
 * like a grant, a critical guest served in full, a full round left to the
 * main loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics.h"
#include "reclaim.h"
#include "relay-harness.h"
#include "state-file.h"

/* Lent 256 MiB, then idle with spare: the relay moves the balloon back to
 * the entitlement through the backend, and the metrics say so. A guest of
 * protocol 1 (no spare_kb) is never reclaimed by consent. */
static void idle_loan_comes_back(void **state)
{
        Fake *f = *state;
        g_autoptr(GString) metrics = g_string_new(NULL);
        uint64_t t;

        connect_and_sync(f, T0);
        relay_reclaim(&f->relay, 8192 * MB, T0);        /* first seen: entitlement 1024 MiB */
        feed(f, request(7, 256 * 1048576), T0);
        relay_run_round(&f->relay, 8192 * MB, T0 + RELAY_ROUND_USEC, false);
        assert_int_equal(f->last_target_kb, 1280 * MB);
        f->actual_kb = 1280 * MB;
        for (t = 1; t <= 40; t++) {
                feed(f, report_line(f, t, "normal", -1), T0 + t * S);
                relay_reclaim(&f->relay, 8192 * MB, T0 + t * S);
        }
        assert_int_equal(f->set_calls, 1);
        for (; t <= 60; t++) {
                feed(f, report_line(f, t, "normal", 400 * 1024), T0 + t * S);
                relay_reclaim(&f->relay, 8192 * MB, T0 + t * S);
        }
        assert_int_equal(f->set_calls, 2);
        assert_int_equal(f->last_target_kb, 1024 * MB);
        f->actual_kb = 1024 * MB;
        relay_reclaim(&f->relay, 8192 * MB, T0 + 61 * S);
        assert_int_equal(f->d->arb.caused_requests, 0);
        assert_int_equal(f->d->arb.adoptions, 0);
        metrics_render(&f->relay, metrics);
        assert_non_null(strstr(metrics->str, "oomguard_host_entitlement_kb{domain=\"vm\"} 1048576\n"));
        assert_non_null(strstr(metrics->str, "oomguard_host_loan_kb{domain=\"vm\"} 0\n"));
        assert_non_null(strstr(metrics->str, "oomguard_host_reclaimed_kb_total{domain=\"vm\"} 262144\n"));
}

/* A round is never decided from inside a guest's message: a request that
 * finds the round full is refused rate-limit at once (not remembered), the
 * round is due at once, and the main loop decides it with its own figures. */
static void full_round_waits_for_the_main_loop(void **state)
{
        Fake *f = *state;
        RelayDomain *doms[GRANT_MAX_ROUND];
        char name[16];

        doms[0] = f->d;
        for (unsigned i = 1; i < GRANT_MAX_ROUND; i++) {
                snprintf(name, sizeof(name), "vm%u", i);
                doms[i] = relay_add(&f->relay, name, f, T0);
                assert_non_null(doms[i]);
        }
        for (unsigned i = 0; i < GRANT_MAX_ROUND; i++) {
                assert_int_equal(relay_connected(&f->relay, doms[i], SYNC_ID, T0), 0);
                assert_int_equal(relay_feed(&f->relay, doms[i], "\xff{\"return\":4242424242}\n", 23, T0), 0);
                assert_int_equal(doms[i]->session.state, SESSION_READY);
        }
        g_string_truncate(f->sent, 0);
        for (unsigned i = 0; i < GRANT_MAX_ROUND; i++)
                assert_int_equal(relay_feed(&f->relay, doms[i], request(100 + i, 1048576), strlen(request(100 + i, 1048576)), T0), 0);
        assert_int_equal(f->relay.n_round, GRANT_MAX_ROUND);
        assert_int_equal(f->sent->len, 0);
        feed(f, request(7, 1048576), T0 + 1000);
        assert_int_equal(f->set_calls, 0);
        assert_non_null(strstr(f->sent->str, "\"id\":7,\"granted\":false,\"bytes\":0,\"refusal\":\"rate-limit\""));
        assert_null(grant_lookup(&f->d->grant, 7));
        assert_int_equal(f->relay.round_due_usec, T0 + 1000);
        relay_run_round(&f->relay, 8192 * MB, T0 + 1000, false);
        assert_int_equal(f->relay.n_round, 0);
        assert_int_equal(f->set_calls, GRANT_MAX_ROUND);
}

/* A QEMU that is gone: every pass fails to read its balloon, counted in
 * a row (the log says the 1st, 2nd, 4th...), moves nothing, and the count
 * starts again once it can be read. */
static void unreadable_balloon_counted_in_a_row(void **state)
{
        Fake *f = *state;

        f->get_result = -ECONNREFUSED;
        for (uint64_t t = 0; t < 5; t++)
                relay_reclaim(&f->relay, 8192 * MB, T0 + t * S);
        assert_int_equal(f->d->refresh_failures, 5);
        assert_int_equal(f->set_calls, 0);
        f->get_result = 0;
        relay_reclaim(&f->relay, 8192 * MB, T0 + 5 * S);
        assert_int_equal(f->d->refresh_failures, 0);
        assert_int_equal(f->d->grant.actual_kb, 1024 * MB);
}

/* Brings f to a 256 MiB loan and 20 s of spare reports, one reclaim pass
 * a second, up to the first reclaim step (not confirmed yet). */
static uint64_t lend_then_idle(Fake *f)
{
        uint64_t t;

        connect_and_sync(f, T0);
        relay_reclaim(&f->relay, 8192 * MB, T0);
        feed(f, request(7, 256 * 1048576), T0);
        relay_run_round(&f->relay, 8192 * MB, T0 + RELAY_ROUND_USEC, false);
        relay_target_done(&f->relay, f->d, 0);
        f->actual_kb = 1280 * MB;
        for (t = 1; t <= 60 && f->set_calls < 2; t++) {
                feed(f, report_line(f, t, "normal", 400 * 1024), T0 + t * S);
                relay_reclaim(&f->relay, 8192 * MB, T0 + t * S);
        }
        assert_int_equal(f->set_calls, 2);
        return t;
}

/* A reclaim step moves the balloon as a grant does: its state is saved
 * before the command goes out, it is one command at a time, a request
 * meanwhile waits for it, and a refused command puts the target back. */
static void reclaim_step_is_a_saved_confirmed_command(void **state)
{
        Fake *f = *state;
        char dir[] = "/tmp/oomguard-state-XXXXXX", err[200] = "";
        DomainState st;
        uint64_t t;

        assert_non_null(mkdtemp(dir));
        f->relay.state_dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(f->relay.state_dir_fd >= 0);
        snprintf(f->relay.boot_id, sizeof(f->relay.boot_id), "0f1e");
        f->set_result = RELAY_TARGET_SENT;

        t = lend_then_idle(f);
        assert_int_equal(f->last_target_kb, 1024 * MB);
        if (state_file_load(f->relay.state_dir_fd, "vm", &st, err, sizeof(err)) < 0)
                fail_msg("state file: %s", err);
        assert_true(st.pending.active);
        assert_int_equal(st.pending.n_ids, 0);
        assert_int_equal(st.pending.target_kb, 1024 * MB);
        assert_int_equal(st.entitlement_kb, 1024 * MB);

        /* out and unconfirmed: no second command, and a request waits */
        relay_reclaim(&f->relay, 8192 * MB, T0 + t * S);
        feed(f, request(8, 64 * 1048576), T0 + t * S);
        relay_run_round(&f->relay, 8192 * MB, T0 + t * S + RELAY_ROUND_USEC, false);
        assert_int_equal(f->set_calls, 2);
        assert_true(strstr(f->sent->str, "\"id\":8") == NULL);

        /* refused by the hypervisor: the target goes back, the request goes on */
        relay_target_done(&f->relay, f->d, -EIO);
        assert_false(f->d->pending.active);
        assert_int_equal(f->d->grant.target_kb, 1280 * MB);
        relay_run_round(&f->relay, 8192 * MB, T0 + (t + 1) * S, false);
        assert_int_equal(f->set_calls, 3);
        assert_int_equal(f->last_target_kb, 1344 * MB);

        assert_int_equal(unlinkat(f->relay.state_dir_fd, "vm.state", 0), 0);
        close(f->relay.state_dir_fd);
        f->relay.state_dir_fd = -1;
        assert_int_equal(rmdir(dir), 0);
}

/* A critical request of a guest whose report matches the hypervisor's
 * figures gets all it asked at once, above one step. */
static void critical_from_trusted_guest_in_full(void **state)
{
        Fake *f = *state;
        char line[512];
        const char *act = request(8, 600 * 1048576), *at = strstr(act, "\"act\"");

        connect_and_sync(f, T0);
        feed(f, report_line(f, 1, "critical", 0), T0);
        /* the same request at critical */
        snprintf(line, sizeof(line), "%.*s\"critical\"%s", (int)(at - act), act, at + 5);
        feed(f, line, T0 + 1);
        relay_run_round(&f->relay, 8192 * MB, T0 + 1 + RELAY_ROUND_USEC, false);
        assert_int_equal(f->last_target_kb, 1624 * MB);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(idle_loan_comes_back, setup, teardown),
                cmocka_unit_test_setup_teardown(critical_from_trusted_guest_in_full, setup, teardown),
                cmocka_unit_test_setup_teardown(unreadable_balloon_counted_in_a_row, setup, teardown),
                cmocka_unit_test_setup_teardown(reclaim_step_is_a_saved_confirmed_command, setup, teardown),
                cmocka_unit_test_setup_teardown(full_round_waits_for_the_main_loop, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
