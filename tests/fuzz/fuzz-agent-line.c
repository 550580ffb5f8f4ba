/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oomguard-agent's host side: arbitrary bytes from the port through the
 * line framer and the command handling, with a guard connected, a report
 * held and requests pending. Everything the agent writes back must be
 * valid lines of JSON objects (the host parses them with the same code);
 * the input is also tried as a guard record (WIRE_SPARE included). A leading 0x01 shrinks the
 * line cap. */
#include "fuzz-common.h"

#include <errno.h>

#include "agent-proto.h"
#include "jsonline.h"

static void check_output(const GString *host)
{
        const char *s = host->str, *end = s + host->len;

        while (s < end) {
                const char *nl;
                JsonNode *n = NULL;
                char err[256];

                if ((unsigned char)*s == JSONLINE_SYNC_BYTE) {
                        s++;
                        continue;
                }
                nl = memchr(s, '\n', (size_t)(end - s));
                if (!nl || (size_t)(nl - s) + 1 > JSONLINE_MAX || jsonline_parse(s, (size_t)(nl - s), &n, err, sizeof(err)) < 0)
                        abort();        /* the agent wrote something a host would refuse */
                json_node_unref(n);
                s = nl + 1;
        }
}

static void setup(AgentProto *p, AgentOut *out)
{
        WireReport rep = {
                .h = { WIRE_MAGIC, WIRE_VERSION, WIRE_REPORT }, .seq = 1, .level = 2, .previous_level = 1,
                .n_zones = 1, .zones = { { .node = 0, .name = "Normal" } },
        };

        WireSpare spare = { .h = { WIRE_MAGIC, WIRE_VERSION, WIRE_SPARE }, .seq = 1, .spare_kb = 1 << 20,
                            .cache_kb = 4096 };

        agent_proto_init(p);
        p->guards = 1;
        /* protocol 2: the spare goes out with the report and oomguard-status */
        agent_proto_guard_packet(p, 1, &spare, sizeof(spare), 0, 0, out);
        agent_proto_guard_packet(p, 1, &rep, sizeof(rep), 0, 0, out);
        for (uint64_t id = 1; id <= 3; id++) {
                WireDeflateRequest req = {
                        .h = { WIRE_MAGIC, WIRE_VERSION, WIRE_DEFLATE_REQUEST }, .id = id, .bytes = 4096, .level = 1,
                };

                agent_proto_guard_packet(p, 1, &req, sizeof(req), 0, 0, out);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *b = fuzz_copy(data, size);
        AgentProto p;
        AgentOut out;
        JsonLineFramer f;
        AgentGuardRecord rec;
        char err[256];
        const char *in = b, *line;
        size_t left = size, line_len;
        uint64_t now = 0;
        int r;

        if (!b)
                return 0;
        (void)agent_wire_parse(b, size, &rec, err, sizeof(err));
        /* a leading 0x01 picks a 64-byte cap, so that the over-long-line
         * paths are reached without 64 KiB inputs */
        if (jsonline_framer_init(&f, size > 0 && data[0] == 0x01 ? 64 : 0) < 0) {
                free(b);
                return 0;
        }
        agent_out_init(&out);
        setup(&p, &out);
        while ((r = jsonline_framer_next(&f, &in, &left, &line, &line_len)) != JSONLINE_NEED_MORE) {
                if (r == JSONLINE_SYNC)
                        agent_proto_host_reset(&p);
                else if (r == -EMSGSIZE)
                        agent_proto_host_oversized(&p, &out);
                else
                        agent_proto_host_line(&p, line, line_len, now, 1795000000000000, &out);
                check_output(out.host);
                agent_out_clear(&out);
                now += 5000000;         /* 5 s per line: the timeout path runs too */
                agent_proto_tick(&p, now, &out);
                agent_out_clear(&out);
        }
        agent_out_done(&out);
        jsonline_framer_done(&f);
        free(b);
        return 0;
}
