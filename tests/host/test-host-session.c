/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The relay's side of the protocol through Relay with a fake backend:
 * resync, validation, counting, flood control, and that one request id
 * moves the balloon once at most. */
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

static void resync_discards_garbage(void **state)
{
        Fake *f = *state;

        assert_int_equal(relay_connected(&f->relay, f->d, SYNC_ID, T0), 0);
        /* A previous client's half line, an error for it, a request sent
         * before the sync: all dropped, none counted against the guest. */
        feed(f, "{\"return\":{\"kno", T0);
        feed(f, "wn\":true}}\n{\"error\":{\"class\":\"GenericError\",\"desc\":\"JSON parse error\"}}\n", T0);
        feed(f, request(1, 1048576), T0);
        feed(f, "{\"return\":4242424242}\n", T0);     /* right id, but no 0xFF before it */
        assert_int_equal(f->d->session.state, SESSION_SYNCING);
        feed(f, "partial\xff{\"return\":4242424242}\n", T0);
        assert_int_equal(f->d->session.state, SESSION_READY);
        assert_int_equal(f->relay.n_round, 0);
        for (int p = 0; p < _PROBLEM_MAX; p++)
                assert_int_equal(f->d->stats.problems[p], 0);
}

static void wrong_sync_id_ignored(void **state)
{
        Fake *f = *state;

        assert_int_equal(relay_connected(&f->relay, f->d, SYNC_ID, T0), 0);
        feed(f, "\xff{\"return\":4242424241}\n", T0);
        assert_int_equal(f->d->session.state, SESSION_SYNCING);
        feed(f, "\xff{\"return\":\"4242424242\"}\n", T0);
        assert_int_equal(f->d->session.state, SESSION_SYNCING);
        feed(f, "\xff[4242424242]\n", T0);
        assert_int_equal(f->d->session.state, SESSION_SYNCING);
        feed(f, "\xff{\"return\":4242424242}\n", T0);
        assert_int_equal(f->d->session.state, SESSION_READY);
}

static uint64_t fake_random(void)
{
        return 77;
}

static void sync_timeout_backs_off(void **state)
{
        Fake *f = *state;

        assert_int_equal(relay_connected(&f->relay, f->d, SYNC_ID, T0), 0);
        relay_check_syncs(&f->relay, fake_random, T0 + 2 * S - 1);
        assert_int_equal(f->d->session.sync_id, SYNC_ID);
        relay_check_syncs(&f->relay, fake_random, T0 + 2 * S);
        assert_int_equal(f->d->session.sync_id, 77);
        /* The second attempt waits twice as long. */
        assert_int_equal(f->d->session.sync_deadline_usec, T0 + 2 * S + 4 * S);
        feed(f, "\xff{\"return\":4242424242}\n", T0 + 3 * S);  /* the old id no longer counts */
        assert_int_equal(f->d->session.state, SESSION_SYNCING);
        feed(f, "\xff{\"return\":77}\n", T0 + 3 * S);
        assert_int_equal(f->d->session.state, SESSION_READY);
}

/* An agent killed and started again behind a chardev connection that
 * stayed open announces itself with a lone 0xFF: the relay must sync with
 * it at once, and not take what the unsynchronised agent sends meanwhile
 * (replies to commands the killed one was sent) as the old session's. */
static void agent_restart_resyncs(void **state)
{
        Fake *f = *state;
        char expect[128];

        connect_and_sync(f, T0);
        feed(f, "{\"event\":\"oomguard-rep", T0);    /* the killed agent's half line */
        feed(f, "\xff{\"return\":{\"known\":false},\"id\":3}\n", T0 + S);
        feed(f, request(9, 1048576), T0 + S);
        assert_int_equal(f->d->session.state, SESSION_SYNCING);
        assert_int_equal(f->relay.n_round, 0);
        for (int p = 0; p < _PROBLEM_MAX; p++)
                assert_int_equal(f->d->stats.problems[p], 0);
        /* the next tick syncs, with a fresh id and the first timeout */
        relay_check_syncs(&f->relay, fake_random, T0 + S);
        snprintf(expect, sizeof(expect), "\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":77},");
        assert_memory_equal(f->sent->str, expect, strlen(expect));
        assert_int_equal(f->d->session.sync_deadline_usec, T0 + S + 2 * S);
        feed(f, "\xff{\"return\":77}\n", T0 + S);
        assert_int_equal(f->d->session.state, SESSION_READY);
        feed(f, request(9, 1048576), T0 + S);
        assert_int_equal(f->relay.n_round, 1);
}

/* Each 0xFF while READY costs a token: a guest that sends nothing else
 * makes the relay resync no more often than it could send lines. */
static void restart_bytes_are_a_flood_past_the_bucket(void **state)
{
        Fake *f = *state;
        unsigned resyncs = 0;

        connect_and_sync(f, T0);
        for (int i = 0; i < 30; i++) {
                feed(f, "\xff", T0);
                if (f->d->session.state != SESSION_READY) {
                        resyncs++;
                        relay_check_syncs(&f->relay, fake_random, T0);
                        feed(f, "\xff{\"return\":77}\n", T0);
                        assert_int_equal(f->d->session.state, SESSION_READY);
                }
        }
        assert_true(resyncs >= 1);
        assert_true(resyncs <= 10);             /* the burst */
        assert_int_equal(f->d->stats.problems[PROBLEM_FLOOD], 30 - resyncs);
}

/* An agent that appears while the relay is backing off (its last sync may
 * have gone to the agent that was killed) is synced within one first
 * timeout, not after up to 64 s. */
static void agent_byte_cuts_the_sync_backoff(void **state)
{
        Fake *f = *state;
        uint64_t now = T0;

        assert_int_equal(relay_connected(&f->relay, f->d, SYNC_ID, now), 0);
        for (int i = 0; i < 5; i++) {
                now = f->d->session.sync_deadline_usec;
                relay_check_syncs(&f->relay, fake_random, now);
        }
        assert_true(f->d->session.sync_deadline_usec >= now + 32 * S);
        feed(f, "\xff", now + S);
        assert_int_equal(f->d->session.sync_deadline_usec, now + S + 2 * S);
        relay_check_syncs(&f->relay, fake_random, now + 3 * S);
        /* and the attempt after that starts the backoff from the beginning */
        assert_int_equal(f->d->session.sync_deadline_usec, now + 3 * S + 2 * S);
}

/* Found in review: a release can leave MemAvailable lower than before
 * (compaction moves pages, caches refill); that is a valid report, not a
 * malformed one. */
static void release_done_may_be_negative(void **state)
{
        Fake *f = *state;

        connect_and_sync(f, T0);
        feed(f, "{\"event\":\"oomguard-release-done\",\"data\":{\"id\":3,\"freed_kb\":-2048,"
                "\"dropped_caches\":true,\"compacted\":true}}\n", T0);
        assert_int_equal(f->d->stats.problems[PROBLEM_MALFORMED], 0);
        feed(f, "{\"event\":\"oomguard-release-done\",\"data\":{\"id\":3,\"freed_kb\":\"x\","
                "\"dropped_caches\":true,\"compacted\":true}}\n", T0);
        assert_int_equal(f->d->stats.problems[PROBLEM_MALFORMED], 1);
}

/* After a resync the agent resends up to 8 requests; each answer's reply
 * comes back too. Replies to our own commands cost no token, so the burst
 * is left for the events; unsolicited replies still pay. */
static void replies_to_our_commands_are_not_a_flood(void **state)
{
        Fake *f = *state;

        connect_and_sync(f, T0);
        for (uint64_t id = 1; id <= 8; id++)
                feed(f, request(id, 1048576), T0);
        relay_run_round(&f->relay, 8192 * MB, T0, true);       /* 8 answers sent */
        for (int i = 0; i < 8; i++)
                feed(f, "{\"return\":{\"known\":true}}\n", T0);
        assert_int_equal(f->d->stats.problems[PROBLEM_FLOOD], 0);
        /* nothing outstanding now: the next replies are charged, and the burst runs out */
        for (int i = 0; i < 10; i++)
                feed(f, "{\"return\":{}}\n", T0);
        assert_true(f->d->stats.problems[PROBLEM_FLOOD] > 0);
}

/* A due reply is recognised on the parsed message: an event whose key is
 * spelled with a JSON escape is an event, and pays its token. */
static void escaped_event_key_is_not_a_reply(void **state)
{
        Fake *f = *state;
        char line[200];

        connect_and_sync(f, T0);
        for (uint64_t id = 1; id <= 8; id++)
                feed(f, request(id, 1048576), T0);
        relay_run_round(&f->relay, 8192 * MB, T0, true);       /* 8 answers: 8 replies due, 2 tokens left */
        for (uint64_t id = 100; id < 108; id++) {
                snprintf(line, sizeof(line),
                         "{\"\\u0065vent\":\"oomguard-deflate-request\",\"data\":{\"id\":%" PRIu64
                         ",\"bytes\":1048576,\"urgency\":\"act\"}}\n",
                         id);
                feed(f, line, T0);
        }
        /* two paid their token, six were refused as a flood */
        assert_int_equal(f->relay.n_round, 2);
        assert_int_equal(f->d->stats.problems[PROBLEM_FLOOD], 6);
        /* and each of them used up a due reply: no free line is left */
        assert_int_equal(f->d->session.replies_due, 0);
}

/* A guest that never syncs cannot make the relay parse long lines. */
static void long_sync_candidates_are_not_parsed(void **state)
{
        Fake *f = *state;
        char line[200];

        assert_int_equal(relay_connected(&f->relay, f->d, SYNC_ID, T0), 0);
        snprintf(line, sizeof(line), "\xff{\"return\":4242424242,\"pad\":\"%0120d\"}\n", 0);
        feed(f, line, T0);
        assert_int_equal(f->d->session.state, SESSION_SYNCING);
        feed(f, "\xff{\"return\":4242424242}\n", T0);
        assert_int_equal(f->d->session.state, SESSION_READY);
}

static void grant_and_answer(void **state)
{
        Fake *f = *state;

        connect_and_sync(f, T0);
        feed(f, request(7, 64 * 1048576), T0);
        assert_int_equal(f->relay.n_round, 1);
        /* Not due yet: the round collects requests for 200 ms. */
        relay_run_round(&f->relay, 8192 * MB, T0 + RELAY_ROUND_USEC - 1, false);
        assert_int_equal(f->set_calls, 0);
        relay_run_round(&f->relay, 8192 * MB, T0 + RELAY_ROUND_USEC, false);
        assert_int_equal(f->set_calls, 1);
        assert_int_equal(f->last_target_kb, 1088 * MB);
        assert_non_null(strstr(f->sent->str, "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":7,"
                                             "\"granted\":true,\"bytes\":67108864}"));
        assert_int_equal(f->d->stats.grants, 1);
}

static void duplicate_id_moves_once(void **state)
{
        Fake *f = *state;

        connect_and_sync(f, T0);
        feed(f, request(9, 64 * 1048576), T0);
        relay_run_round(&f->relay, 8192 * MB, T0, true);
        assert_int_equal(f->set_calls, 1);
        f->actual_kb = f->last_target_kb;

        /* The same id in the same round and, after a reconnect, long after
         * the rate interval: answered again, the balloon stays. */
        feed(f, request(9, 64 * 1048576), T0 + 1);
        relay_run_round(&f->relay, 8192 * MB, T0 + 1, true);
        relay_disconnected(&f->relay, f->d);
        connect_and_sync(f, T0 + 100 * S);
        feed(f, request(9, 64 * 1048576), T0 + 100 * S);
        relay_run_round(&f->relay, 8192 * MB, T0 + 100 * S, true);
        assert_int_equal(f->set_calls, 1);
        assert_non_null(strstr(f->sent->str, "\"id\":9,\"granted\":true,\"bytes\":67108864"));
        assert_int_equal(f->d->stats.grants, 1);
}

/* A balloon command confirmed later: the guest is told "granted" only
 * then, and the domain's next requests wait for it. */
static void grant_answered_when_confirmed(void **state)
{
        Fake *f = *state;

        f->set_result = RELAY_TARGET_SENT;
        connect_and_sync(f, T0);
        feed(f, request(9, 64 * 1048576), T0);
        relay_run_round(&f->relay, 8192 * MB, T0, true);
        assert_int_equal(f->set_calls, 1);
        assert_null(strstr(f->sent->str, "oomguard-deflate-answer"));
        feed(f, request(9, 64 * 1048576), T0 + 1);      /* resent while the command is out */
        feed(f, request(10, 64 * 1048576), T0 + 1);
        relay_run_round(&f->relay, 8192 * MB, T0 + 1, true);
        assert_int_equal(f->set_calls, 1);
        assert_int_equal(f->relay.n_round, 2);
        assert_null(strstr(f->sent->str, "oomguard-deflate-answer"));

        relay_target_done(&f->relay, f->d, 0);
        assert_non_null(strstr(f->sent->str, "\"id\":9,\"granted\":true,\"bytes\":67108864"));
        assert_int_equal(f->d->stats.grants, 1);
        /* now the waiting ones: 9 is a repeat, 10 is built on 9's target */
        relay_run_round(&f->relay, 8192 * MB, T0 + 2, true);
        assert_int_equal(f->set_calls, 2);
        assert_int_equal(f->last_target_kb, 1152 * MB);
}

/* A refused command: "other", and the target goes back. A lost reply:
 * the balloon's size decides, and the same target is sent at most once
 * more. */
static void refused_and_lost_commands(void **state)
{
        Fake *f = *state;

        f->set_result = RELAY_TARGET_SENT;
        connect_and_sync(f, T0);
        feed(f, request(9, 64 * 1048576), T0);
        relay_run_round(&f->relay, 8192 * MB, T0, true);
        relay_target_done(&f->relay, f->d, -EREMOTEIO);
        assert_non_null(strstr(f->sent->str, "\"id\":9,\"granted\":false,\"bytes\":0,\"refusal\":\"other\""));
        assert_int_equal(f->d->grant.target_kb, 0);
        assert_false(f->d->pending.active);

        feed(f, request(11, 64 * 1048576), T0 + 100 * S);
        relay_run_round(&f->relay, 8192 * MB, T0 + 100 * S, true);
        assert_int_equal(f->set_calls, 2);
        relay_target_done(&f->relay, f->d, -ECONNRESET);
        relay_resume(&f->relay, T0 + 101 * S);          /* still at 1024 MiB: sent once more */
        assert_int_equal(f->set_calls, 3);
        assert_int_equal(f->last_target_kb, 1088 * MB);
        relay_target_done(&f->relay, f->d, -ECONNRESET);
        f->actual_kb = 1088 * MB;                       /* it had arrived after all */
        relay_resume(&f->relay, T0 + 102 * S);
        assert_int_equal(f->set_calls, 3);
        assert_non_null(strstr(f->sent->str, "\"id\":11,\"granted\":true,\"bytes\":67108864"));
        assert_int_equal(f->d->stats.grants, 1);
}

static void refusal_is_answered(void **state)
{
        Fake *f = *state;

        connect_and_sync(f, T0);
        f->actual_kb = f->maximum_kb;
        feed(f, request(3, 1048576), T0);
        relay_run_round(&f->relay, 8192 * MB, T0, true);
        assert_int_equal(f->set_calls, 0);
        assert_non_null(strstr(f->sent->str, "\"id\":3,\"granted\":false,\"bytes\":0,\"refusal\":\"at-maximum\""));
        assert_int_equal(f->d->stats.refusals[REFUSAL_AT_MAXIMUM], 1);
}

static void malformed_refused_and_counted(void **state)
{
        static const char *const bad[] = {
                "not json\n",
                "[1,2]\n",
                "{\"event\":\"oomguard-deflate-request\"}\n",                        /* no data */
                "{\"event\":\"oomguard-exploit\",\"data\":{}}\n",                     /* unknown event */
                "{\"event\":42,\"data\":{}}\n",
                "{\"event\":\"oomguard-report\",\"data\":{\"seq\":-1,\"level\":\"warn\"}}\n",
                "{\"event\":\"oomguard-report\",\"data\":{\"seq\":1,\"level\":\"panic\"}}\n",
                "{\"event\":\"oomguard-report\",\"data\":{\"seq\":1,\"level\":\"warn\",\"zones\":[1]}}\n",
                "{\"event\":\"oomguard-report\",\"data\":{\"seq\":1,\"level\":\"warn\",\"psi\":{\"some_avg10\":1e999}}}\n",
                "{\"event\":\"oomguard-level\",\"data\":{\"level\":\"act\"}}\n",
                "{\"event\":\"oomguard-release-done\",\"data\":{\"id\":0,\"freed_kb\":1}}\n",
                "{\"event\":\"oomguard-deflate-request\",\"data\":{\"id\":-5,\"bytes\":1,\"urgency\":\"act\"}}\n",
                "{\"event\":\"oomguard-deflate-request\",\"data\":{\"id\":\"5\",\"bytes\":1,\"urgency\":\"act\"}}\n",
                "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}\n",
                "{\"event\":\"oomguard-report\",\"data\":{\"seq\":1,\"level\":\"warn\"},\"timestamp\":{\"seconds\":\"x\"}}\n",
        };
        Fake *f = *state;
        uint64_t now = T0;

        connect_and_sync(f, T0);
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                now += S;       /* stay under the flood limit */
                feed(f, bad[i], now);
                assert_int_equal(f->d->stats.problems[PROBLEM_MALFORMED], i + 1);
        }
        assert_int_equal(f->relay.n_round, 0);
        assert_int_equal(f->set_calls, 0);
        /* Still serving afterwards. */
        feed(f, "{\"event\":\"oomguard-report\",\"data\":{\"seq\":2,\"level\":\"act\",\"balloon_kb\":5}}\n", now + S);
        assert_int_equal(f->d->stats.level, LEVEL_ACT);
        assert_int_equal(f->d->stats.problems[PROBLEM_MALFORMED], G_N_ELEMENTS(bad));
}

static void out_of_range_request_is_refused(void **state)
{
        Fake *f = *state;

        connect_and_sync(f, T0);
        /* Beyond 2^50: malformed, yet answered "invalid" since the id is fine. */
        feed(f, request(11, (UINT64_C(1) << 50) + 1), T0);
        assert_int_equal(f->d->stats.problems[PROBLEM_MALFORMED], 1);
        /* Beyond the domain's maximum (4 GiB). */
        feed(f, request(12, UINT64_C(5) << 30), T0 + 1);
        feed(f, "{\"event\":\"oomguard-deflate-request\",\"data\":{\"id\":13,\"bytes\":1024,\"urgency\":\"normal\"}}\n",
             T0 + 2);
        relay_run_round(&f->relay, 8192 * MB, T0 + S, true);
        assert_int_equal(f->set_calls, 0);
        assert_int_equal(f->d->stats.refusals[REFUSAL_INVALID], 3);
        assert_non_null(strstr(f->sent->str, "\"id\":11,\"granted\":false,\"bytes\":0,\"refusal\":\"invalid\""));
        assert_non_null(strstr(f->sent->str, "\"id\":12,\"granted\":false,\"bytes\":0,\"refusal\":\"invalid\""));
}

static void oversized_line_counted(void **state)
{
        Fake *f = *state;
        GString *big = g_string_new("{\"event\":\"oomguard-report\",\"data\":{\"x\":\"");

        connect_and_sync(f, T0);
        while (big->len < 70000)
                g_string_append(big, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        g_string_append(big, "\"}}\n");
        feed(f, big->str, T0);
        g_string_free(big, TRUE);
        assert_int_equal(f->d->stats.problems[PROBLEM_OVERSIZED], 1);
        /* The next line is read normally. */
        feed(f, request(5, 1048576), T0 + S);
        assert_int_equal(f->relay.n_round, 1);
}

static void flood_refused_and_counted(void **state)
{
        Fake *f = *state;

        connect_and_sync(f, T0);
        for (int i = 0; i < 30; i++)
                feed(f, "{\"event\":\"oomguard-report\",\"data\":{\"seq\":1,\"level\":\"warn\"}}\n", T0);
        /* Burst 10, then refused. */
        assert_int_equal(f->d->stats.problems[PROBLEM_FLOOD], 20);
        /* 5 a second afterwards. */
        for (int i = 0; i < 6; i++)
                feed(f, "{\"event\":\"oomguard-report\",\"data\":{\"seq\":2,\"level\":\"warn\"}}\n", T0 + S);
        assert_int_equal(f->d->stats.problems[PROBLEM_FLOOD], 21);
        /* A flood of requests moves the balloon at most once: the first
         * takes the whole step (256 MB), the rest find no budget. */
        for (uint64_t id = 100; id < 130; id++)
                feed(f, request(id, 256 * 1048576), T0 + 10 * S);
        relay_run_round(&f->relay, 8192 * MB, T0 + 10 * S, true);
        assert_int_equal(f->set_calls, 1);
}

static void release_asks_ready_guests(void **state)
{
        Fake *f = *state;

        relay_release(&f->relay, 0, T0);        /* not synchronised: nobody to ask */
        assert_int_equal(f->d->stats.releases, 0);
        connect_and_sync(f, T0);
        relay_release(&f->relay, 1948 * MB, T0);
        assert_int_equal(f->d->stats.releases, 1);
        assert_non_null(strstr(f->sent->str, "{\"execute\":\"oomguard-release\",\"arguments\":{\"id\":1,\"bytes\":104857600}"));
        feed(f, "{\"event\":\"oomguard-release-done\",\"data\":{\"id\":1,\"freed_kb\":20480,\"dropped_caches\":true,"
                "\"compacted\":false}}\n", T0);
        assert_int_equal(f->d->stats.problems[PROBLEM_MALFORMED], 0);
}

/* A report as the agent of protocol 2 sends it (spare_kb >= 0), or of
 * protocol 1 (spare_kb < 0: no spare_kb, no cache_kb). The guest's balloon
 * figure is the hypervisor's: maximum - actual. */

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(resync_discards_garbage, setup, teardown),
                cmocka_unit_test_setup_teardown(wrong_sync_id_ignored, setup, teardown),
                cmocka_unit_test_setup_teardown(sync_timeout_backs_off, setup, teardown),
                cmocka_unit_test_setup_teardown(agent_restart_resyncs, setup, teardown),
                cmocka_unit_test_setup_teardown(restart_bytes_are_a_flood_past_the_bucket, setup, teardown),
                cmocka_unit_test_setup_teardown(agent_byte_cuts_the_sync_backoff, setup, teardown),
                cmocka_unit_test_setup_teardown(release_done_may_be_negative, setup, teardown),
                cmocka_unit_test_setup_teardown(replies_to_our_commands_are_not_a_flood, setup, teardown),
                cmocka_unit_test_setup_teardown(escaped_event_key_is_not_a_reply, setup, teardown),
                cmocka_unit_test_setup_teardown(long_sync_candidates_are_not_parsed, setup, teardown),
                cmocka_unit_test_setup_teardown(grant_and_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(duplicate_id_moves_once, setup, teardown),
                cmocka_unit_test_setup_teardown(grant_answered_when_confirmed, setup, teardown),
                cmocka_unit_test_setup_teardown(refused_and_lost_commands, setup, teardown),
                cmocka_unit_test_setup_teardown(refusal_is_answered, setup, teardown),
                cmocka_unit_test_setup_teardown(malformed_refused_and_counted, setup, teardown),
                cmocka_unit_test_setup_teardown(out_of_range_request_is_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(oversized_line_counted, setup, teardown),
                cmocka_unit_test_setup_teardown(flood_refused_and_counted, setup, teardown),
                cmocka_unit_test_setup_teardown(release_asks_ready_guests, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
