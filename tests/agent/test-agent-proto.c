/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guest-agent/agent-proto.c and agent-wire.c: commands, events, the pending
 * table, and the checks on the guard's records. No I/O: everything the
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

#include "agent-proto.h"
#include "jsonline.h"

#define SEC UINT64_C(1000000)
#define REALTIME INT64_C(1795000000000012)

typedef struct T {
        AgentProto p;
        AgentOut out;
        uint64_t now;
        GPtrArray *msgs;        /* JsonNode of each line written to the host */
        bool sync_byte;         /* a 0xFF was written */
} T;

static int setup(void **state)
{
        T *t = calloc(1, sizeof(*t));

        agent_proto_init(&t->p);
        agent_out_init(&t->out);
        t->now = 1000 * SEC;
        t->msgs = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
        *state = t;
        return 0;
}

static int teardown(void **state)
{
        T *t = *state;

        agent_out_done(&t->out);
        g_ptr_array_free(t->msgs, TRUE);
        free(t);
        return 0;
}

/* Splits what went to the host into parsed messages, then empties out. */
static void collect(T *t)
{
        const char *s = t->out.host->str, *end = s + t->out.host->len;

        g_ptr_array_set_size(t->msgs, 0);
        t->sync_byte = false;
        while (s < end) {
                const char *nl;
                JsonNode *n = NULL;
                char err[256];

                if ((unsigned char)*s == 0xFF) {
                        /* only ever the first byte of a sync reply */
                        assert_int_equal(t->msgs->len, 0);
                        t->sync_byte = true;
                        s++;
                        continue;
                }
                nl = memchr(s, '\n', (size_t)(end - s));
                assert_non_null(nl);
                if (jsonline_parse(s, (size_t)(nl - s), &n, err, sizeof(err)) < 0)
                        fail_msg("agent wrote an unparsable line: %s", err);
                g_ptr_array_add(t->msgs, n);
                s = nl + 1;
        }
        g_string_truncate(t->out.host, 0);
}

static void host(T *t, const char *line)
{
        g_string_truncate(t->out.host, 0);
        g_array_set_size(t->out.guard, 0);
        agent_proto_host_line(&t->p, line, strlen(line), t->now, REALTIME, &t->out);
        collect(t);
}

static void guard(T *t, uint64_t conn, const void *rec, size_t len)
{
        g_string_truncate(t->out.host, 0);
        g_array_set_size(t->out.guard, 0);
        agent_proto_guard_packet(&t->p, conn, rec, len, t->now, REALTIME, &t->out);
        collect(t);
}

static JsonObject *msg(T *t, guint i)
{
        assert_true(i < t->msgs->len);
        return json_node_get_object(g_ptr_array_index(t->msgs, i));
}

static char *line(T *t, guint i)
{
        size_t len;

        assert_true(i < t->msgs->len);
        return jsonline_serialize(g_ptr_array_index(t->msgs, i), &len);
}

static void assert_line(T *t, guint i, const char *want)
{
        g_autofree char *got = line(t, i);

        assert_non_null(got);
        got[strlen(got) - 1] = '\0';
        assert_string_equal(got, want);
}

static const char *error_class(T *t, guint i)
{
        JsonObject *e = json_object_get_object_member(msg(t, i), "error");

        assert_non_null(e);
        return json_object_get_string_member(e, "class");
}

static const char *error_desc(T *t, guint i)
{
        return json_object_get_string_member(json_object_get_object_member(msg(t, i), "error"), "desc");
}

static WireDeflateRequest request(uint64_t id, uint64_t bytes)
{
        return (WireDeflateRequest){
                .h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION, .type = WIRE_DEFLATE_REQUEST },
                .id = id, .bytes = bytes, .level = 2, .reason = 2, .headroom_min_kb = 900, .balloon_kb = 524288,
        };
}

static WireReport report(uint64_t seq, uint32_t level, uint32_t previous)
{
        WireReport r = {
                .h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION, .type = WIRE_REPORT },
                .seq = seq, .level = level, .previous_level = previous, .reason = 1,
                .psi_some_avg10 = 125, .psi_full_avg10 = 0, .n_zones = 1,
                .headroom_min_kb = 5120, .mem_total_kb = 1004000, .mem_available_kb = 60000, .balloon_kb = 524288,
                .actions = { { 1, 12 }, { 0, WIRE_NEVER }, { 0, WIRE_NEVER }, { 0, WIRE_NEVER } },
        };

        r.zones[0] = (WireZone){ .node = 0, .name = "DMA32", .free_kb = 61000, .min_kb = 5600, .low_kb = 7000,
                                 .high_kb = 8400 };
        return r;
}

static const AgentGuardOut *guard_out(T *t, guint i)
{
        assert_true(i < t->out.guard->len);
        return &g_array_index(t->out.guard, AgentGuardOut, i);
}

static void sync_host(T *t, int64_t n)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%" PRId64 "},\"id\":\"s\"}", n);
        host(t, cmd);
        assert_true(t->sync_byte);
        assert_true(t->p.synced);
}

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

static void reports(void **state)
{
        T *t = *state;
        WireReport rep = report(41, 1, 1);

        guard(t, 1, &rep, sizeof(rep));
        assert_int_equal(t->msgs->len, 0);      /* not synced: kept, not sent */
        host(t, "{\"execute\":\"oomguard-status\"}");
        assert_line(t, 0, "{\"return\":{\"seq\":41,\"level\":\"warn\",\"reason\":\"headroom-low\","
                          "\"psi\":{\"some_avg10\":1.25,\"full_avg10\":0.0},\"headroom_min_kb\":5120,"
                          "\"mem_total_kb\":1004000,\"mem_available_kb\":60000,\"balloon_kb\":524288,"
                          "\"zones\":[{\"node\":0,\"zone\":\"DMA32\",\"free_kb\":61000,\"min_kb\":5600,"
                          "\"low_kb\":7000,\"high_kb\":8400}],"
                          "\"actions\":{\"balloon\":{\"count\":1,\"age_s\":12},\"drop_caches\":{\"count\":0,\"age_s\":null},"
                          "\"compact\":{\"count\":0,\"age_s\":null},\"kill\":{\"count\":0,\"age_s\":null}},"
                          "\"pending\":[]}}");

        sync_host(t, 1);
        guard(t, 1, &rep, sizeof(rep));
        assert_int_equal(t->msgs->len, 1);
        assert_string_equal(json_object_get_string_member(msg(t, 0), "event"), "oomguard-report");

        /* a level change: the level event, then the report */
        rep = report(42, 2, 1);
        rep.reason = 2;
        rep.headroom_min_kb = 900;
        guard(t, 1, &rep, sizeof(rep));
        assert_int_equal(t->msgs->len, 2);
        assert_line(t, 0, "{\"event\":\"oomguard-level\",\"data\":{\"level\":\"act\",\"previous\":\"warn\","
                          "\"reason\":\"headroom-min\",\"headroom_min_kb\":900},"
                          "\"timestamp\":{\"seconds\":1795000000,\"microseconds\":12}}");
        assert_string_equal(json_object_get_string_member(msg(t, 1), "event"), "oomguard-report");

        /* all names, in enum order */
        {
                static const char *const levels[] = { "normal", "warn", "act", "critical" };
                static const char *const reasons[] = { "none", "headroom-low", "headroom-min", "psi-some",
                                                       "psi-full", "time-to-min", "order", "recovered" };

                for (uint32_t i = 0; i < 4; i++)
                        assert_string_equal(agent_level_name(i), levels[i]);
                for (uint32_t i = 0; i < 8; i++)
                        assert_string_equal(agent_reason_name(i), reasons[i]);
                assert_null(agent_level_name(4));
                assert_null(agent_reason_name(8));
        }
}

static WireSpare spare(uint64_t seq, uint64_t spare_kb, uint64_t cache_kb)
{
        return (WireSpare){ .h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION, .type = WIRE_SPARE },
                            .seq = seq, .spare_kb = spare_kb, .cache_kb = cache_kb };
}

/* Protocol 2: the spare record before a report puts spare_kb and cache_kb
 * in that report; a guard that sends none (protocol 1) gets the report of
 * protocol 1, and a spare of another seq is not attached. */
static void reports_with_spare(void **state)
{
        T *t = *state;
        WireReport rep = report(41, 0, 0);
        WireSpare sp = spare(41, 300000, 120000);
        JsonObject *d;

        sync_host(t, 1);
        guard(t, 1, &rep, sizeof(rep));         /* an older guard: no spare */
        d = json_object_get_object_member(msg(t, 0), "data");
        assert_false(json_object_has_member(d, "spare_kb"));
        assert_false(json_object_has_member(d, "cache_kb"));

        guard(t, 1, &sp, sizeof(sp));
        assert_int_equal(t->msgs->len, 0);      /* nothing of its own */
        guard(t, 1, &rep, sizeof(rep));
        d = json_object_get_object_member(msg(t, 0), "data");
        assert_int_equal(json_object_get_int_member(d, "spare_kb"), 300000);
        assert_int_equal(json_object_get_int_member(d, "cache_kb"), 120000);
        host(t, "{\"execute\":\"oomguard-status\"}");
        d = json_object_get_object_member(msg(t, 0), "return");
        assert_int_equal(json_object_get_int_member(d, "spare_kb"), 300000);

        rep = report(42, 0, 0);                 /* the spare was for 41 */
        guard(t, 1, &rep, sizeof(rep));
        d = json_object_get_object_member(msg(t, 0), "data");
        assert_false(json_object_has_member(d, "spare_kb"));
        assert_int_equal(t->p.guard_malformed, 0);
}

/* A record type the agent does not know (what a protocol 1 agent makes of
 * WIRE_SPARE) is dropped and counted, and reports still go out. */
static void unknown_record_does_not_stop_reports(void **state)
{
        T *t = *state;
        WireSpare future = spare(41, 1, 1);
        WireReport rep = report(41, 0, 0);

        future.h.type = 7;
        sync_host(t, 1);
        guard(t, 1, &future, sizeof(future));
        guard(t, 1, &rep, sizeof(rep));
        assert_int_equal(t->p.guard_malformed, 1);
        assert_int_equal(t->msgs->len, 1);
        assert_string_equal(json_object_get_string_member(msg(t, 0), "event"), "oomguard-report");
}

static void release(void **state)
{
        T *t = *state;
        WireReleaseDone done = {
                .h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION, .type = WIRE_RELEASE_DONE },
                .id = 3, .freed_kb = 20480, .dropped_caches = 1, .compacted = 1,
        };

        host(t, "{\"execute\":\"oomguard-release\",\"arguments\":{\"id\":3,\"bytes\":1048576}}");
        assert_line(t, 0, "{\"return\":{\"accepted\":false}}");        /* no guard */
        assert_int_equal(t->out.guard->len, 0);
        t->p.guards = 2;
        host(t, "{\"execute\":\"oomguard-release\",\"arguments\":{\"id\":3,\"bytes\":1048576,\"force\":true}}");
        assert_string_equal(error_desc(t, 0), "oomguard-release: unknown key 'force'");
        assert_int_equal(t->out.guard->len, 0);
        host(t, "{\"execute\":\"oomguard-release\",\"arguments\":{\"id\":3,\"bytes\":-1}}");
        assert_string_equal(error_class(t, 0), "GenericError");
        host(t, "{\"execute\":\"oomguard-release\",\"arguments\":{\"id\":3,\"bytes\":1048576}}");
        assert_line(t, 0, "{\"return\":{\"accepted\":true}}");
        assert_int_equal(t->out.guard->len, 1);
        assert_int_equal(guard_out(t, 0)->conn, AGENT_GUARD_ANY);
        assert_int_equal(guard_out(t, 0)->len, sizeof(WireRelease));
        assert_int_equal(guard_out(t, 0)->rec.release.h.type, WIRE_RELEASE);
        assert_int_equal(guard_out(t, 0)->rec.release.id, 3);
        assert_int_equal(guard_out(t, 0)->rec.release.bytes, 1048576);

        guard(t, 1, &done, sizeof(done));
        assert_int_equal(t->msgs->len, 0);      /* not synced */
        sync_host(t, 5);
        guard(t, 1, &done, sizeof(done));
        assert_line(t, 0, "{\"event\":\"oomguard-release-done\",\"data\":{\"id\":3,\"freed_kb\":20480,"
                          "\"dropped_caches\":true,\"compacted\":true},"
                          "\"timestamp\":{\"seconds\":1795000000,\"microseconds\":12}}");
}

/* ---- the guard's records -------------------------------------------------- */

static void record_validation(void **state)
{
        T *t = *state;
        AgentGuardRecord rec;
        char err[256];
        unsigned char big[sizeof(WireReport) + 8];
        WireDeflateRequest req = request(1, 1);
        WireReport rep = report(1, 0, 0);
        WireReleaseDone done = { .h = { WIRE_MAGIC, WIRE_VERSION, WIRE_RELEASE_DONE }, .id = 1 };
        WireDeflateAnswer ans;

        assert_int_equal(agent_wire_parse(&req, sizeof(req), &rec, err, sizeof(err)), WIRE_DEFLATE_REQUEST);
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), WIRE_REPORT);
        assert_int_equal(agent_wire_parse(&done, sizeof(done), &rec, err, sizeof(err)), WIRE_RELEASE_DONE);

        /* truncated and oversized */
        assert_int_equal(agent_wire_parse(&req, 0, &rec, err, sizeof(err)), -EBADMSG);
        assert_int_equal(agent_wire_parse(&req, 7, &rec, err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "short packet (7 bytes)");
        assert_int_equal(agent_wire_parse(&req, sizeof(req) - 1, &rec, err, sizeof(err)), -EBADMSG);
        assert_non_null(strstr(err, "expected 56"));
        memset(big, 0, sizeof(big));
        memcpy(big, &rep, sizeof(rep));
        assert_int_equal(agent_wire_parse(big, sizeof(rep) + 1, &rec, err, sizeof(err)), -EBADMSG);
        memcpy(big, &req, sizeof(req));
        assert_int_equal(agent_wire_parse(big, sizeof(req) + 8, &rec, err, sizeof(err)), -EBADMSG);

        /* header */
        req.h.magic = 0x474d4f4e;
        assert_int_equal(agent_wire_parse(&req, sizeof(req), &rec, err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "bad magic 0x474d4f4e");
        req = request(1, 1);
        req.h.version = 2;
        assert_int_equal(agent_wire_parse(&req, sizeof(req), &rec, err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "record version 2, this agent speaks 1");
        agent_wire_answer(1, true, 1, 0, &ans);         /* agent -> guard type */
        assert_int_equal(agent_wire_parse(&ans, sizeof(ans), &rec, err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "record type 2 is not one the guard sends");
        req = request(1, 1);
        req.h.type = 99;
        assert_int_equal(agent_wire_parse(&req, sizeof(req), &rec, err, sizeof(err)), -EBADMSG);

        /* fields */
        req = request(0, 1);
        assert_int_equal(agent_wire_parse(&req, sizeof(req), &rec, err, sizeof(err)), -EBADMSG);
        req = request(UINT64_MAX, 1);
        assert_int_equal(agent_wire_parse(&req, sizeof(req), &rec, err, sizeof(err)), -EBADMSG);
        req = request(1, AGENT_MAX_BYTES + 1);
        assert_int_equal(agent_wire_parse(&req, sizeof(req), &rec, err, sizeof(err)), -EBADMSG);
        req = request(1, 1);
        req.level = 4;
        assert_int_equal(agent_wire_parse(&req, sizeof(req), &rec, err, sizeof(err)), -EBADMSG);
        req = request(1, 1);
        req.reason = 8;
        assert_int_equal(agent_wire_parse(&req, sizeof(req), &rec, err, sizeof(err)), -EBADMSG);

        rep = report(1, 4, 0);
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), -EBADMSG);
        rep = report(1, 3, 4);
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), -EBADMSG);
        rep = report(1, 3, 3);
        rep.n_zones = WIRE_MAX_ZONES;
        for (int i = 1; i < WIRE_MAX_ZONES; i++)
                rep.zones[i] = rep.zones[0];
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), WIRE_REPORT);
        rep.n_zones = WIRE_MAX_ZONES + 1;
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "report 1: 9 zones, at most 8");
        rep.n_zones = 2;
        memset(rep.zones[1].name, 'N', WIRE_ZONE_NAME);         /* no NUL */
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "report 1: zone 1 has no valid NUL-terminated name");
        memcpy(rep.zones[1].name, "Nor\xffmal", 8);
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), -EBADMSG);
        memset(rep.zones[1].name, 0, WIRE_ZONE_NAME);
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), -EBADMSG);
        memcpy(rep.zones[1].name, "Movable\0garb", WIRE_ZONE_NAME);   /* junk after the NUL is fine */
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), WIRE_REPORT);
        rep.n_zones = 1;
        memset(rep.zones[1].name, 'N', WIRE_ZONE_NAME);         /* not counted: not checked */
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), WIRE_REPORT);
        rep.mem_total_kb = UINT64_MAX;
        assert_int_equal(agent_wire_parse(&rep, sizeof(rep), &rec, err, sizeof(err)), -EBADMSG);

        {
                WireSpare sp = spare(1, AGENT_MAX_BYTES / 1024, 0);

                assert_int_equal(agent_wire_parse(&sp, sizeof(sp), &rec, err, sizeof(err)), WIRE_SPARE);
                sp.spare_kb++;
                assert_int_equal(agent_wire_parse(&sp, sizeof(sp), &rec, err, sizeof(err)), -EBADMSG);
                sp = spare(1, 0, UINT64_MAX);
                assert_int_equal(agent_wire_parse(&sp, sizeof(sp), &rec, err, sizeof(err)), -EBADMSG);
                sp = spare((uint64_t)INT64_MAX + 1, 0, 0);
                assert_int_equal(agent_wire_parse(&sp, sizeof(sp), &rec, err, sizeof(err)), -EBADMSG);
                sp = spare(1, 0, 0);
                assert_int_equal(agent_wire_parse(&sp, sizeof(sp) - 1, &rec, err, sizeof(err)), -EBADMSG);
        }

        done.dropped_caches = 2;
        assert_int_equal(agent_wire_parse(&done, sizeof(done), &rec, err, sizeof(err)), -EBADMSG);
        done.dropped_caches = 1;
        done.id = 0;
        assert_int_equal(agent_wire_parse(&done, sizeof(done), &rec, err, sizeof(err)), -EBADMSG);

        /* through the protocol: dropped and counted, nothing sent */
        sync_host(t, 1);
        req = request(1, 1);
        req.h.version = 0;
        guard(t, 1, &req, sizeof(req));
        guard(t, 1, &req, 3);
        assert_int_equal(t->msgs->len, 0);
        assert_int_equal(t->p.n_pending, 0);
        assert_int_equal(t->p.guard_malformed, 2);
        assert_int_equal(t->p.guard_records, 0);
}

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
                cmocka_unit_test_setup_teardown(reports, setup, teardown),
                cmocka_unit_test_setup_teardown(reports_with_spare, setup, teardown),
                cmocka_unit_test_setup_teardown(unknown_record_does_not_stop_reports, setup, teardown),
                cmocka_unit_test_setup_teardown(release, setup, teardown),
                cmocka_unit_test_setup_teardown(record_validation, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
