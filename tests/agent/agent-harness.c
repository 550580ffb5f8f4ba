/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent protocol under test (agent-harness.h). */
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

int setup(void **state)
{
        T *t = calloc(1, sizeof(*t));

        agent_proto_init(&t->p);
        agent_out_init(&t->out);
        t->now = 1000 * SEC;
        t->msgs = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
        *state = t;
        return 0;
}

int teardown(void **state)
{
        T *t = *state;

        agent_out_done(&t->out);
        g_ptr_array_free(t->msgs, TRUE);
        free(t);
        return 0;
}

/* Splits what went to the host into parsed messages, then empties out. */
void collect(T *t)
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

void host(T *t, const char *line)
{
        g_string_truncate(t->out.host, 0);
        g_array_set_size(t->out.guard, 0);
        agent_proto_host_line(&t->p, line, strlen(line), t->now, REALTIME, &t->out);
        collect(t);
}

void guard(T *t, uint64_t conn, const void *rec, size_t len)
{
        g_string_truncate(t->out.host, 0);
        g_array_set_size(t->out.guard, 0);
        agent_proto_guard_packet(&t->p, conn, rec, len, t->now, REALTIME, &t->out);
        collect(t);
}

JsonObject *msg(T *t, guint i)
{
        assert_true(i < t->msgs->len);
        return json_node_get_object(g_ptr_array_index(t->msgs, i));
}

char *line(T *t, guint i)
{
        size_t len;

        assert_true(i < t->msgs->len);
        return jsonline_serialize(g_ptr_array_index(t->msgs, i), &len);
}

void assert_line(T *t, guint i, const char *want)
{
        g_autofree char *got = line(t, i);

        assert_non_null(got);
        got[strlen(got) - 1] = '\0';
        assert_string_equal(got, want);
}

const char *error_class(T *t, guint i)
{
        JsonObject *e = json_object_get_object_member(msg(t, i), "error");

        assert_non_null(e);
        return json_object_get_string_member(e, "class");
}

const char *error_desc(T *t, guint i)
{
        return json_object_get_string_member(json_object_get_object_member(msg(t, i), "error"), "desc");
}

WireDeflateRequest request(uint64_t id, uint64_t bytes)
{
        return (WireDeflateRequest){
                .h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION, .type = WIRE_DEFLATE_REQUEST },
                .id = id, .bytes = bytes, .level = 2, .reason = 2, .headroom_min_kb = 900, .balloon_kb = 524288,
        };
}

WireReport report(uint64_t seq, uint32_t level, uint32_t previous)
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

const AgentGuardOut *guard_out(T *t, guint i)
{
        assert_true(i < t->out.guard->len);
        return &g_array_index(t->out.guard, AgentGuardOut, i);
}

void sync_host(T *t, int64_t n)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%" PRId64 "},\"id\":\"s\"}", n);
        host(t, cmd);
        assert_true(t->sync_byte);
        assert_true(t->p.synced);
}
