/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The relay's half of PROTOCOL.md §2, and protocol-host.md §1.4's resync:
 * a fresh connection may carry a previous client's half-read line and
 * stale replies, so nothing counts until 0xFF followed by the answer to
 * our own random sync id. Framing, JSON limits and field getters are
 * jsonline's; this file only knows which events exist and what they hold. */
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "session.h"

#define ERR_MAX 160
#define ID_MAX INT64_MAX
#define BYTES_MAX (INT64_C(1) << 50)    /* PROTOCOL.md §2.4 */
#define KB_MAX (INT64_C(1) << 40)
#define ZONES_MAX 64                    /* MAX_NUMNODES * zones would be more, no guest of ours has it */

static const char *const problem_names[_PROBLEM_MAX] = {
        [PROBLEM_MALFORMED] = "malformed",
        [PROBLEM_OVERSIZED] = "oversized",
        [PROBLEM_FLOOD] = "flood",
};

const char *session_problem_name(SessionProblem p)
{
        return p >= 0 && p < _PROBLEM_MAX ? problem_names[p] : "unknown";
}

static void problem(Session *s, SessionProblem p, const char *why)
{
        s->problems[p]++;
        if (s->ops->problem)
                s->ops->problem(s->user, p, why);
}

int session_init(Session *s, const SessionOps *ops, void *user, TokenBucket *bucket)
{
        *s = (Session){ .ops = ops, .user = user, .bucket = bucket, .next_command_id = 1 };
        return jsonline_framer_init(&s->framer, JSONLINE_MAX);
}

void session_done(Session *s)
{
        jsonline_framer_done(&s->framer);
}

static int send_node(Session *s, JsonNode *node, bool sync_byte)
{
        g_autofree char *line = NULL;
        size_t len;

        line = jsonline_serialize(node, &len);
        json_node_unref(node);
        if (!line)
                return -EMSGSIZE;
        if (sync_byte) {
                /* One write for both, so no other line can come between. */
                g_autofree char *buf = g_malloc(len + 1);

                buf[0] = (char)JSONLINE_SYNC_BYTE;
                memcpy(buf + 1, line, len);
                return s->ops->send(s->user, buf, len + 1);
        }
        return s->ops->send(s->user, line, len);
}

/* {"execute":name,"arguments":args,"id":n}; takes args. */
static int send_command(Session *s, const char *name, JsonObject *args, bool sync_byte)
{
        JsonObject *o = json_object_new();
        JsonNode *node = json_node_new(JSON_NODE_OBJECT);

        json_object_set_string_member(o, "execute", name);
        json_object_set_object_member(o, "arguments", args);
        json_object_set_int_member(o, "id", (gint64)s->next_command_id++);
        json_node_take_object(node, o);
        /* the sync's reply is read in SYNCING, outside the bucket */
        if (!sync_byte && s->replies_due < UINT_MAX)
                s->replies_due++;
        return send_node(s, node, sync_byte);
}

int session_start(Session *s, uint64_t sync_id, uint64_t now_usec, bool reconnect)
{
        JsonObject *args = json_object_new();
        uint64_t timeout = SESSION_SYNC_TIMEOUT_USEC;

        if (reconnect)
                s->sync_attempts = 0;
        for (unsigned i = 0; i < s->sync_attempts && timeout < SESSION_SYNC_TIMEOUT_MAX_USEC; i++)
                timeout *= 2;
        s->sync_attempts++;
        s->sync_id = sync_id & (uint64_t)ID_MAX;
        s->state = SESSION_SYNCING;
        s->after_sync_byte = false;
        s->guest_restarted = false;
        s->replies_due = 0;
        s->sync_deadline_usec = now_usec + timeout;
        jsonline_framer_reset(&s->framer);
        json_object_set_int_member(args, "id", (gint64)s->sync_id);
        return send_command(s, "guest-sync-delimited", args, true);
}

void session_stop(Session *s)
{
        s->state = SESSION_IDLE;
        jsonline_framer_reset(&s->framer);
}

bool session_sync_expired(const Session *s, uint64_t now_usec)
{
        return s->state == SESSION_SYNCING && (s->guest_restarted || now_usec >= s->sync_deadline_usec);
}

/* A 0xFF from the guest outside a sync reply: an agent that opened the port
 * (PROTOCOL.md §2.2), i.e. one killed and started again behind a
 * connection that never closed, since virtio-serial does not tell the
 * chardev. While READY, whatever follows comes from an agent that has not
 * synchronised, so the session is over: SYNCING, and restarted by the
 * caller at once. The byte costs a token, so a guest cannot make the
 * relay resync more often than it may send lines. While SYNCING, the byte
 * may begin the answer and changes nothing but the backoff: an agent is
 * there, so the next attempt is at most one first timeout away (the one
 * before may have gone to the agent that was killed). */
static void guest_sync_byte(Session *s, uint64_t now_usec)
{
        if (s->state == SESSION_SYNCING) {
                s->after_sync_byte = true;
                s->sync_attempts = 0;
                if (s->sync_deadline_usec > now_usec + SESSION_SYNC_TIMEOUT_USEC)
                        s->sync_deadline_usec = now_usec + SESSION_SYNC_TIMEOUT_USEC;
                return;
        }
        if (!token_bucket_take(s->bucket, now_usec)) {
                problem(s, PROBLEM_FLOOD, "more than 5 messages a second");
                return;
        }
        s->state = SESSION_SYNCING;
        s->after_sync_byte = false;
        s->guest_restarted = true;
}

/* SYNCING: only 0xFF then {"return":sync_id} counts; anything else is the
 * previous client's leftovers, dropped without counting it against the guest. */
#define SYNC_LINE_MAX 64

static void sync_line(Session *s, const char *line, size_t len)
{
        g_autoptr(JsonNode) node = NULL;
        char err[ERR_MAX];
        JsonNode *ret;

        if (!s->after_sync_byte)
                return;
        s->after_sync_byte = false;
        /* {"return":N} with N < 2^63 fits in 64 bytes: a guest that never
         * syncs cannot make the relay parse 64 KiB after every 0xFF. */
        if (len > SYNC_LINE_MAX)
                return;
        if (jsonline_parse(line, len, &node, err, sizeof(err)) < 0)
                return;
        ret = json_object_get_member(json_node_get_object(node), "return");
        if (!ret || !JSON_NODE_HOLDS_VALUE(ret) || json_node_get_value_type(ret) != G_TYPE_INT64 ||
            (uint64_t)json_node_get_int(ret) != s->sync_id)
                return;
        s->state = SESSION_READY;
        s->sync_attempts = 0;
        if (s->ops->synced)
                s->ops->synced(s->user);
}

static Level level_get(JsonObject *o, const char *key, bool required, char *err)
{
        const char *v = NULL;
        int r;

        r = json_get_string(o, key, 16, required, &v, err, ERR_MAX);
        if (r < 0)
                return _LEVEL_INVALID;
        if (r == 0)
                return LEVEL_NORMAL;
        if (level_from_name(v, strlen(v)) == _LEVEL_INVALID)
                snprintf(err, ERR_MAX, "'%s' is not a level name", key);
        return level_from_name(v, strlen(v));
}

static int optional_kb(JsonObject *o, const char *key, int64_t *ret, char *err)
{
        *ret = -1;
        return json_get_int(o, key, 0, KB_MAX, false, ret, err, ERR_MAX) < 0 ? -EINVAL : 0;
}

static int check_reason(JsonObject *o, bool required, char *err)
{
        const char *v;

        return json_get_string(o, "reason", 32, required, &v, err, ERR_MAX) < 0 ? -EINVAL : 0;
}

static int event_deflate_request(Session *s, JsonObject *d, uint64_t now_usec, char *err)
{
        GrantRequest req = { 0 };
        int64_t id, bytes, balloon_kb, headroom;
        const char *urgency;
        int r = 0;

        if (json_get_int(d, "id", 1, ID_MAX, true, &id, err, ERR_MAX) < 0)
                return -EINVAL; /* nothing to answer to */
        req.id = (uint64_t)id;
        req.urgency = _LEVEL_INVALID;
        /* The rest is checked in full; a bad field still gets an answer
         * (refused "invalid" by the grant policy), so the guard is not left
         * waiting for its timeout. */
        if (json_get_int(d, "bytes", 1, BYTES_MAX, true, &bytes, err, ERR_MAX) < 0)
                r = -EINVAL;
        else
                req.bytes = (uint64_t)bytes;
        if (r == 0 && json_get_string(d, "urgency", 16, true, &urgency, err, ERR_MAX) < 0)
                r = -EINVAL;
        else if (r == 0) {
                req.urgency = level_from_name(urgency, strlen(urgency));
                if (req.urgency < LEVEL_WARN) {
                        snprintf(err, ERR_MAX, "'urgency' must be warn, act or critical");
                        req.urgency = _LEVEL_INVALID;
                        r = -EINVAL;
                }
        }
        if (r == 0 && (check_reason(d, false, err) < 0 || optional_kb(d, "headroom_min_kb", &headroom, err) < 0 ||
                       optional_kb(d, "balloon_kb", &balloon_kb, err) < 0))
                r = -EINVAL;
        if (r < 0) {
                req.bytes = 0;
                balloon_kb = -1;
        }
        s->ops->deflate_request(s->user, &req, balloon_kb, now_usec);
        return r;
}

static int check_zones(JsonObject *d, char *err)
{
        JsonArray *zones = NULL;
        int r;

        r = json_get_array(d, "zones", false, &zones, err, ERR_MAX);
        if (r <= 0)
                return r;
        if (json_array_get_length(zones) > ZONES_MAX) {
                snprintf(err, ERR_MAX, "'zones' has more than %d entries", ZONES_MAX);
                return -EINVAL;
        }
        for (guint i = 0; i < json_array_get_length(zones); i++) {
                JsonNode *z = json_array_get_element(zones, i);
                static const char *const kb[] = { "free_kb", "min_kb", "low_kb", "high_kb" };
                int64_t v;

                if (!JSON_NODE_HOLDS_OBJECT(z)) {
                        snprintf(err, ERR_MAX, "'zones' must hold objects");
                        return -EINVAL;
                }
                for (size_t k = 0; k < G_N_ELEMENTS(kb); k++)
                        if (json_get_int(json_node_get_object(z), kb[k], 0, KB_MAX, false, &v, err, ERR_MAX) < 0)
                                return -EINVAL;
        }
        return 0;
}

static int event_report(Session *s, JsonObject *d, bool level_event, uint64_t now_usec, char *err)
{
        SessionReport rep = { .level = _LEVEL_INVALID };
        JsonObject *psi = NULL;
        int64_t seq = 0;
        double v;

        rep.level = level_get(d, "level", true, err);
        if (rep.level == _LEVEL_INVALID)
                return -EINVAL;
        if (level_event && level_get(d, "previous", true, err) == _LEVEL_INVALID)
                return -EINVAL;
        if (!level_event && json_get_int(d, "seq", 0, ID_MAX, true, &seq, err, ERR_MAX) < 0)
                return -EINVAL;
        rep.seq = (uint64_t)seq;
        if (check_reason(d, level_event, err) < 0 || optional_kb(d, "headroom_min_kb", &rep.headroom_min_kb, err) < 0 ||
            optional_kb(d, "mem_total_kb", &rep.mem_total_kb, err) < 0 ||
            optional_kb(d, "mem_available_kb", &rep.mem_available_kb, err) < 0 ||
            optional_kb(d, "balloon_kb", &rep.balloon_kb, err) < 0 || check_zones(d, err) < 0 ||
            optional_kb(d, "spare_kb", &rep.spare_kb, err) < 0 || optional_kb(d, "cache_kb", &rep.cache_kb, err) < 0)
                return -EINVAL;
        rep.level_only = level_event;
        if (json_get_object(d, "psi", false, &psi, err, ERR_MAX) < 0)
                return -EINVAL;
        if (psi && (json_get_double(psi, "some_avg10", 0, 100, false, &v, err, ERR_MAX) < 0 ||
                    json_get_double(psi, "full_avg10", 0, 100, false, &v, err, ERR_MAX) < 0))
                return -EINVAL;
        if (s->ops->report)
                s->ops->report(s->user, &rep, now_usec);
        return 0;
}

static int event_release_done(Session *s, JsonObject *d, char *err)
{
        int64_t id, freed;
        bool b;

        if (json_get_int(d, "id", 1, ID_MAX, true, &id, err, ERR_MAX) < 0 ||
            json_get_int(d, "freed_kb", -KB_MAX, KB_MAX, true, &freed, err, ERR_MAX) < 0 ||
            json_get_bool(d, "dropped_caches", false, &b, err, ERR_MAX) < 0 ||
            json_get_bool(d, "compacted", false, &b, err, ERR_MAX) < 0)
                return -EINVAL;
        if (s->ops->release_done)
                s->ops->release_done(s->user, (uint64_t)id, freed);
        return 0;
}

/* A parsed line is a reply to one of our commands when it has no "event"
 * member. Decided on the parsed object, never on the bytes: JSON lets a
 * guest spell the key "\u0065vent". */
static bool is_reply(JsonNode *node)
{
        return !json_object_has_member(json_node_get_object(node), "event");
}

/* Replies to oomguard-deflate-answer/-release: nothing depends on them,
 * but their shape is checked all the same. */
static int reply_line(JsonObject *o, char *err)
{
        JsonObject *e;

        if (json_object_has_member(o, "return"))
                return 0;
        return json_get_object(o, "error", true, &e, err, ERR_MAX) < 0 ? -EINVAL : 0;
}

/* One parsed line while READY: an event, or a reply to one of our commands. */
static int ready_line(Session *s, JsonNode *node, uint64_t now_usec, char *err)
{
        JsonObject *o = json_node_get_object(node), *data = NULL, *ts = NULL;
        const char *name;
        int64_t v;

        if (is_reply(node))
                return reply_line(o, err);
        if (json_get_string(o, "event", 64, true, &name, err, ERR_MAX) < 0 ||
            json_get_object(o, "data", true, &data, err, ERR_MAX) < 0 ||
            json_get_object(o, "timestamp", false, &ts, err, ERR_MAX) < 0)
                return -EINVAL;
        if (ts && (json_get_int(ts, "seconds", -1, INT64_MAX, false, &v, err, ERR_MAX) < 0 ||
                   json_get_int(ts, "microseconds", -1, 999999, false, &v, err, ERR_MAX) < 0))
                return -EINVAL;
        if (strcmp(name, "oomguard-deflate-request") == 0)
                return event_deflate_request(s, data, now_usec, err);
        if (strcmp(name, "oomguard-report") == 0)
                return event_report(s, data, false, now_usec, err);
        if (strcmp(name, "oomguard-level") == 0)
                return event_report(s, data, true, now_usec, err);
        if (strcmp(name, "oomguard-release-done") == 0)
                return event_release_done(s, data, err);
        snprintf(err, ERR_MAX, "unknown event");
        return -EINVAL;
}

/* Every line costs a token, valid or not: a guest cannot keep the relay
 * busy with garbage either. The one exception is a reply to one of our own
 * commands (after a resync the agent resends up to 8 requests, and the
 * replies to their answers must not use up the burst): while replies are
 * due, a line is parsed before the bucket is asked, and every line looked
 * at this way uses up one due reply whatever it turns out to be. So the
 * lines parsed for free are at most the commands we sent, and only a real
 * reply, which asks nothing of the relay, is let through without a token.
 * Returns 0 with *ret set (NULL: unparsable, err says why), or -EAGAIN
 * when the line is over the bucket. */
static int admit_line(Session *s, const char *line, size_t len, uint64_t now_usec, JsonNode **ret, char *err)
{
        *ret = NULL;
        if (s->replies_due > 0) {
                s->replies_due--;
                if (jsonline_parse(line, len, ret, err, ERR_MAX) == 0 && is_reply(*ret))
                        return 0;
        }
        if (!token_bucket_take(s->bucket, now_usec)) {
                if (*ret)
                        json_node_unref(*ret);
                *ret = NULL;
                return -EAGAIN;
        }
        if (!*ret && !err[0])
                (void)jsonline_parse(line, len, ret, err, ERR_MAX);
        return 0;
}

int session_feed(Session *s, const char *data, size_t len, uint64_t now_usec)
{
        while (len > 0 && s->state != SESSION_IDLE) {
                const char *line;
                size_t line_len;
                char err[ERR_MAX] = "";
                JsonNode *node;
                int r;

                r = jsonline_framer_next(&s->framer, &data, &len, &line, &line_len);
                if (r == JSONLINE_NEED_MORE)
                        break;
                if (r == JSONLINE_SYNC) {
                        guest_sync_byte(s, now_usec);
                        continue;
                }
                if (r == -EMSGSIZE) {
                        if (s->state == SESSION_READY)
                                problem(s, PROBLEM_OVERSIZED, "line longer than 65536 bytes");
                        continue;
                }
                if (r < 0)
                        return r;
                if (s->state == SESSION_SYNCING) {
                        sync_line(s, line, line_len);
                        continue;
                }
                node = NULL;
                if (admit_line(s, line, line_len, now_usec, &node, err) < 0) {
                        problem(s, PROBLEM_FLOOD, "more than 5 messages a second");
                        continue;
                }
                if (!node || ready_line(s, node, now_usec, err) < 0)
                        problem(s, PROBLEM_MALFORMED, err[0] ? err : "invalid message");
                if (node)
                        json_node_unref(node);
        }
        return 0;
}

int session_answer(Session *s, const GrantAnswer *a)
{
        JsonObject *args;

        if (s->state != SESSION_READY)
                return -ENOTCONN;
        args = json_object_new();
        json_object_set_int_member(args, "id", (gint64)a->id);
        json_object_set_boolean_member(args, "granted", a->granted);
        json_object_set_int_member(args, "bytes", (gint64)(a->granted ? a->granted_kb * 1024 : 0));
        if (!a->granted)
                json_object_set_string_member(args, "refusal", refusal_name(a->refusal));
        return send_command(s, "oomguard-deflate-answer", args, false);
}

int session_release(Session *s, uint64_t id, uint64_t bytes)
{
        JsonObject *args;

        if (s->state != SESSION_READY)
                return -ENOTCONN;
        args = json_object_new();
        json_object_set_int_member(args, "id", (gint64)id);
        json_object_set_int_member(args, "bytes", (gint64)bytes);
        return send_command(s, "oomguard-release", args, false);
}
