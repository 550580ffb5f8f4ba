/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guest-agent/agent-proto.c: commands, deflate requests and their answers,
 * the pending table, eviction and timeouts. No I/O: everything the
 * agent would do is in AgentOut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-harness.h"

/* ---- commands ----------------------------------------------------------- */

static void sync_commands(void **state)
{
        T *t = *state;

        host(t, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":12}}");
        assert_false(t->sync_byte);
        assert_false(t->p.synced);      /* only the delimited sync starts a session */
        assert_line(t, 0, "{\"return\":12}");

        host(t, "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":9223372036854775807},\"id\":1}");
        assert_true(t->sync_byte);
        assert_true(t->p.synced);
        assert_int_equal(t->msgs->len, 1);
        assert_line(t, 0, "{\"return\":9223372036854775807,\"id\":1}");

        agent_proto_host_reset(&t->p);
        assert_false(t->p.synced);
        host(t, "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":-1},\"id\":2}");
        assert_false(t->sync_byte);
        assert_false(t->p.synced);
        assert_string_equal(error_class(t, 0), "GenericError");
        assert_string_equal(error_desc(t, 0), "guest-sync-delimited: 'id' must be an integer in 0..9223372036854775807");
        host(t, "{\"execute\":\"guest-sync-delimited\",\"id\":3}");
        assert_string_equal(error_desc(t, 0), "guest-sync-delimited: 'id' is required");
        host(t, "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":1.0}}");
        assert_string_equal(error_class(t, 0), "GenericError");
}

static void simple_commands(void **state)
{
        T *t = *state;
        JsonObject *r;
        JsonArray *cmds;

        host(t, "{\"execute\":\"guest-ping\",\"id\":[1]}");
        assert_line(t, 0, "{\"return\":{},\"id\":[1]}");
        host(t, "{\"execute\":\"guest-ping\",\"arguments\":{}}");
        assert_line(t, 0, "{\"return\":{}}");
        host(t, "{\"execute\":\"guest-ping\",\"arguments\":{\"x\":1},\"id\":4}");
        assert_line(t, 0, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"guest-ping: unknown key 'x'\"},\"id\":4}");

        host(t, "{\"execute\":\"guest-info\",\"id\":5}");
        r = json_object_get_object_member(msg(t, 0), "return");
        assert_string_equal(json_object_get_string_member(r, "version"), "0.1.0");
        assert_int_equal(json_object_get_int_member(r, "protocol"), 2);
        cmds = json_object_get_array_member(r, "supported_commands");
        assert_int_equal(json_array_get_length(cmds), 7);
        assert_string_equal(json_object_get_string_member(json_array_get_object_element(cmds, 5), "name"),
                            "oomguard-deflate-answer");
        assert_true(json_object_get_boolean_member(json_array_get_object_element(cmds, 5), "enabled"));

        host(t, "{\"execute\":\"oomguard-status\"}");
        assert_line(t, 0, "{\"return\":{\"level\":\"unknown\",\"pending\":[]}}");

        /* unknown keys at the top level are ignored */
        host(t, "{\"execute\":\"guest-ping\",\"future\":true}");
        assert_line(t, 0, "{\"return\":{}}");
}

static void malformed_lines(void **state)
{
        T *t = *state;
        char big[300];

        host(t, "{\"execute\":");
        assert_int_equal(t->msgs->len, 1);
        assert_string_equal(error_class(t, 0), "GenericError");
        assert_false(json_object_has_member(msg(t, 0), "id"));
        assert_non_null(strstr(error_desc(t, 0), "JSON parse error"));
        assert_int_equal(t->p.host_malformed, 1);

        host(t, "[\"execute\",\"guest-ping\"]");
        assert_false(json_object_has_member(msg(t, 0), "id"));
        assert_string_equal(error_desc(t, 0), "JSON parse error: not a JSON object");

        host(t, "{\"execute\":\"guest-ping\",\"id\":\"\xff\"}");
        assert_false(json_object_has_member(msg(t, 0), "id"));
        assert_int_equal(t->p.host_malformed, 3);

        /* an empty line or whitespace is not a message */
        host(t, "");
        assert_int_equal(t->msgs->len, 0);
        host(t, " \r");
        assert_int_equal(t->msgs->len, 0);

        host(t, "{\"execute\":\"guest-exec\",\"id\":7}");
        assert_line(t, 0, "{\"error\":{\"class\":\"CommandNotFound\",\"desc\":\"The command guest-exec has not been found\"},\"id\":7}");
        host(t, "{\"id\":8}");
        assert_line(t, 0, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"'execute' is required\"},\"id\":8}");
        host(t, "{\"execute\":1,\"id\":9}");
        assert_string_equal(error_desc(t, 0), "'execute' must be a string");
        host(t, "{\"execute\":\"guest-ping\",\"arguments\":[],\"id\":10}");
        assert_string_equal(error_desc(t, 0), "'arguments' must be an object");

        /* a long command name is not echoed whole */
        memset(big, 'a', sizeof(big));
        memcpy(big, "{\"execute\":\"", 12);
        memcpy(big + sizeof(big) - 4, "\"}", 3);
        host(t, big);
        assert_string_equal(error_desc(t, 0), "'execute' is longer than 128 bytes");

        /* what the host wrote cannot start a fake log line */
        g_ptr_array_set_size(t->out.log, 0);
        host(t, "{\"execute\":\"x\\n<3>fake\\r\",\"id\":1}");
        assert_string_equal(error_class(t, 0), "CommandNotFound");
        assert_int_equal(t->out.log->len, 1);
        assert_null(strpbrk(g_ptr_array_index(t->out.log, 0), "\r\n"));
        assert_non_null(strstr(g_ptr_array_index(t->out.log, 0), "x?<3>fake?"));

        g_string_truncate(t->out.host, 0);
        agent_proto_host_oversized(&t->p, &t->out);
        collect(t);
        assert_line(t, 0, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"line longer than 65536 bytes\"}}");
        assert_int_equal(t->p.host_malformed, 4);
        assert_true(t->out.log->len > 0);
}

/* ---- deflate requests ---------------------------------------------------- */

static void deflate_round_trip(void **state)
{
        T *t = *state;
        WireDeflateRequest req = request(7, 134217728);
        const AgentGuardOut *g;

        t->p.guards = 1;
        /* before the host synchronised: held, not sent */
        guard(t, 3, &req, sizeof(req));
        assert_int_equal(t->msgs->len, 0);
        assert_int_equal(t->p.n_pending, 1);
        host(t, "{\"execute\":\"oomguard-status\"}");
        assert_line(t, 0, "{\"return\":{\"level\":\"unknown\",\"pending\":[7]}}");

        /* the sync reply first, then the pending request, same id */
        sync_host(t, 99);
        assert_int_equal(t->msgs->len, 2);
        assert_line(t, 0, "{\"return\":99,\"id\":\"s\"}");
        assert_line(t, 1, "{\"event\":\"oomguard-deflate-request\",\"data\":{\"id\":7,\"bytes\":134217728,"
                          "\"urgency\":\"act\",\"reason\":\"headroom-min\",\"headroom_min_kb\":900,"
                          "\"balloon_kb\":524288},\"timestamp\":{\"seconds\":1795000000,\"microseconds\":12}}");

        /* a malformed answer changes nothing */
        host(t, "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":7,\"granted\":true,"
                "\"bytes\":134217728,\"extra\":1},\"id\":1}");
        assert_string_equal(error_desc(t, 0), "oomguard-deflate-answer: unknown key 'extra'");
        assert_int_equal(t->out.guard->len, 0);
        assert_int_equal(t->p.n_pending, 1);
        host(t, "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":7,\"granted\":true,"
                "\"bytes\":1125899906842625},\"id\":1}");
        assert_string_equal(error_desc(t, 0),
                            "oomguard-deflate-answer: 'bytes' must be an integer in 0..1125899906842624");
        host(t, "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":0,\"granted\":true,\"bytes\":1}}");
        assert_string_equal(error_class(t, 0), "GenericError");
        host(t, "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":7,\"granted\":\"yes\",\"bytes\":1}}");
        assert_string_equal(error_desc(t, 0), "oomguard-deflate-answer: 'granted' must be true or false");
        host(t, "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":7,\"granted\":true,\"bytes\":1,"
                "\"refusal\":\"rate-limit\"}}");
        assert_string_equal(error_desc(t, 0),
                            "oomguard-deflate-answer: 'refusal' is only allowed when 'granted' is false");
        host(t, "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":7,\"granted\":false,\"bytes\":0}}");
        assert_string_equal(error_desc(t, 0), "oomguard-deflate-answer: 'refusal' is required");
        host(t, "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":7,\"granted\":true,\"bytes\":1}}");
        assert_int_equal(t->out.guard->len, 1);         /* this one is valid... */
        assert_int_equal(t->p.n_pending, 0);

        /* ...and went to the connection that asked */
        g = guard_out(t, 0);
        assert_int_equal(g->conn, 3);
        assert_int_equal(g->len, sizeof(WireDeflateAnswer));
        assert_int_equal(g->rec.answer.h.magic, WIRE_MAGIC);
        assert_int_equal(g->rec.answer.h.type, WIRE_DEFLATE_ANSWER);
        assert_int_equal(g->rec.answer.id, 7);
        assert_int_equal(g->rec.answer.granted, 1);
        assert_int_equal(g->rec.answer.granted_bytes, 1);
        assert_int_equal(g->rec.answer.refusal, WIRE_REFUSED_NONE);
        assert_line(t, 0, "{\"return\":{\"known\":true}}");

        /* the same answer again: harmless, nothing to the guard */
        host(t, "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":7,\"granted\":true,\"bytes\":1},\"id\":2}");
        assert_line(t, 0, "{\"return\":{\"known\":false},\"id\":2}");
        assert_int_equal(t->out.guard->len, 0);
}

static void deflate_refusals(void **state)
{
        static const struct {
                const char *name;
                uint32_t code;
        } cases[] = {
                { "at-maximum", WIRE_REFUSED_AT_MAXIMUM }, { "host-short", WIRE_REFUSED_HOST_SHORT },
                { "rate-limit", WIRE_REFUSED_RATE_LIMIT }, { "invalid", WIRE_REFUSED_INVALID },
                { "other", WIRE_REFUSED_OTHER }, { "no-host", WIRE_REFUSED_OTHER },
                { "none", WIRE_REFUSED_OTHER }, { "sideways", WIRE_REFUSED_OTHER },
        };
        T *t = *state;

        sync_host(t, 1);
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                WireDeflateRequest req = request(100 + i, 4096);
                char cmd[256];

                guard(t, 1, &req, sizeof(req));
                assert_int_equal(t->msgs->len, 1);      /* synced: sent at once */
                snprintf(cmd, sizeof(cmd),
                         "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":%zu,\"granted\":false,"
                         "\"bytes\":4096,\"refusal\":\"%s\",\"desc\":\"step limit\"}}", 100 + i, cases[i].name);
                host(t, cmd);
                assert_line(t, 0, "{\"return\":{\"known\":true}}");
                assert_int_equal(guard_out(t, 0)->rec.answer.granted, 0);
                assert_int_equal(guard_out(t, 0)->rec.answer.granted_bytes, 0);
                assert_int_equal(guard_out(t, 0)->rec.answer.refusal, cases[i].code);
        }
        {
                WireDeflateRequest req = request(5, 4096);
                char cmd[600];

                guard(t, 1, &req, sizeof(req));
                snprintf(cmd, sizeof(cmd),
                         "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":5,\"granted\":false,"
                         "\"bytes\":0,\"refusal\":\"other\",\"desc\":\"%0257d\"}}", 0);
                host(t, cmd);
                assert_string_equal(error_desc(t, 0), "oomguard-deflate-answer: 'desc' is longer than 256 bytes");
                assert_int_equal(t->p.n_pending, 1);
        }
}

static void resend_after_sync(void **state)
{
        T *t = *state;

        for (uint64_t id = 1; id <= 3; id++) {
                WireDeflateRequest req = request(id, id * 4096);

                guard(t, 1, &req, sizeof(req));
                assert_int_equal(t->msgs->len, 0);
        }
        for (int round = 0; round < 3; round++) {
                sync_host(t, round);
                assert_int_equal(t->msgs->len, 4);
                for (guint i = 1; i <= 3; i++) {
                        JsonObject *d = json_object_get_object_member(msg(t, i), "data");

                        assert_string_equal(json_object_get_string_member(msg(t, i), "event"), "oomguard-deflate-request");
                        assert_int_equal(json_object_get_int_member(d, "id"), i);
                        assert_int_equal(json_object_get_int_member(d, "bytes"), i * 4096);
                }
        }
        /* 0xFF (a new host) or a hang-up: quiet until the next sync */
        agent_proto_host_reset(&t->p);
        {
                WireDeflateRequest req = request(4, 1);
                WireReport rep = report(1, 1, 0);

                guard(t, 1, &req, sizeof(req));
                assert_int_equal(t->msgs->len, 0);
                guard(t, 1, &rep, sizeof(rep));
                assert_int_equal(t->msgs->len, 0);
        }
        sync_host(t, 7);
        assert_int_equal(t->msgs->len, 5);

        /* the guard asking again with the same id takes no new slot */
        {
                WireDeflateRequest req = request(2, 8192 * 4);

                guard(t, 2, &req, sizeof(req));
                assert_int_equal(t->p.n_pending, 4);
                assert_int_equal(t->msgs->len, 1);
                assert_int_equal(t->p.pending[1].conn, 2);
                assert_int_equal(t->p.pending[1].req.bytes, 8192 * 4);
        }
}

static void eviction(void **state)
{
        T *t = *state;

        for (uint64_t id = 1; id <= AGENT_PENDING_MAX; id++) {
                WireDeflateRequest req = request(id, 1);

                guard(t, 10 + id, &req, sizeof(req));
                assert_int_equal(t->out.guard->len, 0);
        }
        assert_int_equal(t->p.n_pending, 8);
        for (uint64_t id = 9; id <= 10; id++) {
                WireDeflateRequest req = request(id, 1);
                const AgentGuardOut *g;

                guard(t, 10 + id, &req, sizeof(req));
                assert_int_equal(t->p.n_pending, 8);
                assert_int_equal(t->out.guard->len, 1);
                g = guard_out(t, 0);
                /* the oldest goes, refused "no host", to whoever sent it */
                assert_int_equal(g->rec.answer.id, id - 8);
                assert_int_equal(g->conn, 10 + id - 8);
                assert_int_equal(g->rec.answer.granted, 0);
                assert_int_equal(g->rec.answer.refusal, WIRE_REFUSED_NO_HOST);
        }
        assert_int_equal(t->p.pending[0].req.id, 3);
        assert_int_equal(t->p.pending[7].req.id, 10);
}

static void timeout(void **state)
{
        T *t = *state;
        WireDeflateRequest a = request(1, 1), b = request(2, 1);

        guard(t, 1, &a, sizeof(a));
        t->now += 10 * SEC;
        guard(t, 1, &b, sizeof(b));
        /* asking again does not reset the deadline */
        t->now += 15 * SEC;
        guard(t, 1, &a, sizeof(a));

        g_array_set_size(t->out.guard, 0);
        t->now += 5 * SEC;              /* a: exactly 30 s */
        agent_proto_tick(&t->p, t->now, &t->out);
        assert_int_equal(t->out.guard->len, 0);
        t->now += 1;
        agent_proto_tick(&t->p, t->now, &t->out);
        assert_int_equal(t->out.guard->len, 1);
        assert_int_equal(guard_out(t, 0)->rec.answer.id, 1);
        assert_int_equal(guard_out(t, 0)->rec.answer.refusal, WIRE_REFUSED_NO_HOST);
        assert_int_equal(t->p.n_pending, 1);

        g_array_set_size(t->out.guard, 0);
        t->now += 10 * SEC;
        agent_proto_tick(&t->p, t->now, &t->out);
        assert_int_equal(guard_out(t, 0)->rec.answer.id, 2);
        assert_int_equal(t->p.n_pending, 0);

        /* a late answer is "not known" */
        host(t, "{\"execute\":\"oomguard-deflate-answer\",\"arguments\":{\"id\":2,\"granted\":true,\"bytes\":1}}");
        assert_line(t, 0, "{\"return\":{\"known\":false}}");
        assert_int_equal(t->out.guard->len, 0);
}

/* ---- reports, levels, release ------------------------------------------ */

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(sync_commands, setup, teardown),
                cmocka_unit_test_setup_teardown(simple_commands, setup, teardown),
                cmocka_unit_test_setup_teardown(malformed_lines, setup, teardown),
                cmocka_unit_test_setup_teardown(deflate_round_trip, setup, teardown),
                cmocka_unit_test_setup_teardown(deflate_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(resend_after_sync, setup, teardown),
                cmocka_unit_test_setup_teardown(eviction, setup, teardown),
                cmocka_unit_test_setup_teardown(timeout, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
