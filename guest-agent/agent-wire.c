/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent-wire.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Spelled as policy/policy.c and policy/decide.c spell them; the agent does
 * not link policy/, and the order is part of the record format. */
static const char *const level_names[] = { "normal", "warn", "act", "critical" };
static const char *const reason_names[] = {
        "none", "headroom-low", "headroom-min", "psi-some", "psi-full", "time-to-min", "order", "recovered",
};

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

const char *agent_level_name(uint32_t level)
{
        return level < N_ELEMENTS(level_names) ? level_names[level] : NULL;
}

const char *agent_reason_name(uint32_t reason)
{
        return reason < N_ELEMENTS(reason_names) ? reason_names[reason] : NULL;
}

uint32_t agent_refusal_from_name(const char *s)
{
        /* only what a host may say: not "none", and not "no-host", which
         * the agent alone decides */
        for (uint32_t i = WIRE_REFUSED_AT_MAXIMUM; i <= WIRE_REFUSED_OTHER; i++)
                if (strcmp(s, wire_refusal_name(i)) == 0)
                        return i;
        return WIRE_REFUSED_OTHER;
}

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        if (err && errlen) {
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

static bool id_ok(uint64_t id)
{
        return id >= 1 && id <= (uint64_t)INT64_MAX;
}

static int check_request(const WireDeflateRequest *r, char *err, size_t errlen)
{
        if (!id_ok(r->id))
                return bad(err, errlen, "deflate request: id %" PRIu64 " out of range", r->id);
        if (r->bytes > AGENT_MAX_BYTES)
                return bad(err, errlen, "deflate request %" PRIu64 ": bytes %" PRIu64 " out of range", r->id, r->bytes);
        if (!agent_level_name(r->level) || !agent_reason_name(r->reason))
                return bad(err, errlen, "deflate request %" PRIu64 ": level %u or reason %u unknown", r->id,
                           r->level, r->reason);
        if (r->balloon_kb > (uint64_t)INT64_MAX)
                return bad(err, errlen, "deflate request %" PRIu64 ": balloon out of range", r->id);
        return 0;
}

static bool zone_name_ok(const char *name)
{
        const char *end = memchr(name, '\0', WIRE_ZONE_NAME);

        if (!end || end == name)
                return false;
        for (const char *c = name; c < end; c++)
                if (*c < 0x21 || *c > 0x7e)
                        return false;
        return true;
}

static int check_report(const WireReport *r, char *err, size_t errlen)
{
        if (!agent_level_name(r->level) || !agent_level_name(r->previous_level) || !agent_reason_name(r->reason))
                return bad(err, errlen, "report %" PRIu64 ": level %u, previous %u or reason %u unknown", r->seq,
                           r->level, r->previous_level, r->reason);
        if (r->n_zones > WIRE_MAX_ZONES)
                return bad(err, errlen, "report %" PRIu64 ": %u zones, at most %u", r->seq, r->n_zones, WIRE_MAX_ZONES);
        if (r->seq > (uint64_t)INT64_MAX || r->mem_total_kb > (uint64_t)INT64_MAX ||
            r->mem_available_kb > (uint64_t)INT64_MAX || r->balloon_kb > (uint64_t)INT64_MAX)
                return bad(err, errlen, "report: a counter above 2^63-1");
        for (uint32_t i = 0; i < r->n_zones; i++)
                if (!zone_name_ok(r->zones[i].name))
                        return bad(err, errlen, "report %" PRIu64 ": zone %u has no valid NUL-terminated name", r->seq, i);
        return 0;
}

static int check_spare(const WireSpare *r, char *err, size_t errlen)
{
        if (r->seq > (uint64_t)INT64_MAX || r->spare_kb > AGENT_MAX_BYTES / 1024 || r->cache_kb > AGENT_MAX_BYTES / 1024)
                return bad(err, errlen, "spare of report %" PRIu64 ": a figure out of range", r->seq);
        return 0;
}

static int check_release_done(const WireReleaseDone *r, char *err, size_t errlen)
{
        if (!id_ok(r->id))
                return bad(err, errlen, "release done: id %" PRIu64 " out of range", r->id);
        if (r->dropped_caches > 1 || r->compacted > 1)
                return bad(err, errlen, "release done %" PRIu64 ": flags not 0/1", r->id);
        return 0;
}

int agent_wire_parse(const void *buf, size_t len, AgentGuardRecord *ret, char *err, size_t errlen)
{
        WireHeader h;
        size_t want;

        if (len < sizeof(h))
                return bad(err, errlen, "short packet (%zu bytes)", len);
        memcpy(&h, buf, sizeof(h));
        if (h.magic != WIRE_MAGIC)
                return bad(err, errlen, "bad magic 0x%08x", h.magic);
        if (h.version != WIRE_VERSION)
                return bad(err, errlen, "record version %u, this agent speaks %u", h.version, WIRE_VERSION);
        switch (h.type) {
        case WIRE_DEFLATE_REQUEST:
                want = sizeof(WireDeflateRequest);
                break;
        case WIRE_REPORT:
                want = sizeof(WireReport);
                break;
        case WIRE_RELEASE_DONE:
                want = sizeof(WireReleaseDone);
                break;
        case WIRE_SPARE:
                want = sizeof(WireSpare);
                break;
        default:
                return bad(err, errlen, "record type %u is not one the guard sends", h.type);
        }
        if (len != want)
                return bad(err, errlen, "record type %u: %zu bytes, expected %zu", h.type, len, want);
        memcpy(ret, buf, len);
        switch (h.type) {
        case WIRE_DEFLATE_REQUEST:
                return check_request(&ret->request, err, errlen) < 0 ? -EBADMSG : WIRE_DEFLATE_REQUEST;
        case WIRE_REPORT:
                return check_report(&ret->report, err, errlen) < 0 ? -EBADMSG : WIRE_REPORT;
        case WIRE_SPARE:
                return check_spare(&ret->spare, err, errlen) < 0 ? -EBADMSG : WIRE_SPARE;
        default:
                return check_release_done(&ret->release_done, err, errlen) < 0 ? -EBADMSG : WIRE_RELEASE_DONE;
        }
}

static JsonNode *object_node(JsonObject *o)
{
        JsonNode *n = json_node_new(JSON_NODE_OBJECT);

        json_node_take_object(n, o);
        return n;
}

static JsonObject *tally(const WireActionTally *t)
{
        JsonObject *o = json_object_new();

        json_object_set_int_member(o, "count", t->count);
        if (t->age_s == WIRE_NEVER)
                json_object_set_null_member(o, "age_s");
        else
                json_object_set_int_member(o, "age_s", t->age_s);
        return o;
}

JsonNode *agent_wire_report_data(const WireReport *r, const WireSpare *spare)
{
        static const char *const action_names[4] = { "balloon", "drop_caches", "compact", "kill" };
        JsonObject *o = json_object_new(), *psi = json_object_new(), *actions = json_object_new();
        JsonArray *zones = json_array_new();

        json_object_set_int_member(o, "seq", (int64_t)r->seq);
        json_object_set_string_member(o, "level", agent_level_name(r->level));
        json_object_set_string_member(o, "reason", agent_reason_name(r->reason));
        json_object_set_double_member(psi, "some_avg10", r->psi_some_avg10 / 100.0);
        json_object_set_double_member(psi, "full_avg10", r->psi_full_avg10 / 100.0);
        json_object_set_object_member(o, "psi", psi);
        json_object_set_int_member(o, "headroom_min_kb", r->headroom_min_kb);
        json_object_set_int_member(o, "mem_total_kb", (int64_t)r->mem_total_kb);
        json_object_set_int_member(o, "mem_available_kb", (int64_t)r->mem_available_kb);
        json_object_set_int_member(o, "balloon_kb", (int64_t)r->balloon_kb);
        /* protocol 2; a guard that sends no spare leaves them out */
        if (spare) {
                json_object_set_int_member(o, "spare_kb", (int64_t)spare->spare_kb);
                json_object_set_int_member(o, "cache_kb", (int64_t)spare->cache_kb);
        }
        for (uint32_t i = 0; i < r->n_zones && i < WIRE_MAX_ZONES; i++) {
                const WireZone *z = &r->zones[i];
                JsonObject *zo = json_object_new();

                json_object_set_int_member(zo, "node", z->node);
                json_object_set_string_member(zo, "zone", z->name);   /* NUL-terminated: checked */
                json_object_set_int_member(zo, "free_kb", z->free_kb);
                json_object_set_int_member(zo, "min_kb", z->min_kb);
                json_object_set_int_member(zo, "low_kb", z->low_kb);
                json_object_set_int_member(zo, "high_kb", z->high_kb);
                json_array_add_object_element(zones, zo);
        }
        json_object_set_array_member(o, "zones", zones);
        for (unsigned k = 0; k < 4; k++)
                json_object_set_object_member(actions, action_names[k], tally(&r->actions[k]));
        json_object_set_object_member(o, "actions", actions);
        return object_node(o);
}

JsonNode *agent_wire_level_data(const WireReport *r)
{
        JsonObject *o = json_object_new();

        json_object_set_string_member(o, "level", agent_level_name(r->level));
        json_object_set_string_member(o, "previous", agent_level_name(r->previous_level));
        json_object_set_string_member(o, "reason", agent_reason_name(r->reason));
        json_object_set_int_member(o, "headroom_min_kb", r->headroom_min_kb);
        return object_node(o);
}

JsonNode *agent_wire_request_data(const WireDeflateRequest *r)
{
        JsonObject *o = json_object_new();

        json_object_set_int_member(o, "id", (int64_t)r->id);
        json_object_set_int_member(o, "bytes", (int64_t)r->bytes);
        json_object_set_string_member(o, "urgency", agent_level_name(r->level));
        json_object_set_string_member(o, "reason", agent_reason_name(r->reason));
        json_object_set_int_member(o, "headroom_min_kb", r->headroom_min_kb);
        json_object_set_int_member(o, "balloon_kb", (int64_t)r->balloon_kb);
        return object_node(o);
}

JsonNode *agent_wire_release_done_data(const WireReleaseDone *r)
{
        JsonObject *o = json_object_new();

        json_object_set_int_member(o, "id", (int64_t)r->id);
        json_object_set_int_member(o, "freed_kb", r->freed_kb);
        json_object_set_boolean_member(o, "dropped_caches", r->dropped_caches != 0);
        json_object_set_boolean_member(o, "compacted", r->compacted != 0);
        return object_node(o);
}

void agent_wire_answer(uint64_t id, bool granted, uint64_t granted_bytes, uint32_t refusal, WireDeflateAnswer *ret)
{
        *ret = (WireDeflateAnswer){
                .h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION, .type = WIRE_DEFLATE_ANSWER },
                .id = id,
                .granted_bytes = granted ? granted_bytes : 0,
                .granted = granted,
                .refusal = granted ? WIRE_REFUSED_NONE : refusal,
        };
}

void agent_wire_release(uint64_t id, uint64_t bytes, WireRelease *ret)
{
        *ret = (WireRelease){
                .h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION, .type = WIRE_RELEASE },
                .id = id,
                .bytes = bytes,
        };
}
