/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guest-agent/agent-proto.c and agent-wire.c: the guard's records (reports,
 * spare, release answers) turned into events, and the checks on them. No
 * I/O: everything the agent would do is in AgentOut. */
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
                cmocka_unit_test_setup_teardown(reports, setup, teardown),
                cmocka_unit_test_setup_teardown(reports_with_spare, setup, teardown),
                cmocka_unit_test_setup_teardown(unknown_record_does_not_stop_reports, setup, teardown),
                cmocka_unit_test_setup_teardown(release, setup, teardown),
                cmocka_unit_test_setup_teardown(record_validation, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
