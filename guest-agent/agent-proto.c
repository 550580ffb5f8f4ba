/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent-proto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jsonline.h"

#define ERRLEN 320

void agent_out_init(AgentOut *o)
{
        o->host = g_string_new(NULL);
        o->guard = g_array_new(FALSE, TRUE, sizeof(AgentGuardOut));
        o->log = g_ptr_array_new_with_free_func(g_free);
}

void agent_out_clear(AgentOut *o)
{
        g_string_truncate(o->host, 0);
        g_array_set_size(o->guard, 0);
        g_ptr_array_set_size(o->log, 0);
}

void agent_out_done(AgentOut *o)
{
        g_string_free(o->host, TRUE);
        g_array_free(o->guard, TRUE);
        g_ptr_array_free(o->log, TRUE);
}

static void say(AgentOut *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(AgentOut *out, const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        /* host strings ("desc", command names, json-glib's quotes of the
         * input) must not start fake lines in the journal */
        for (char *c = s; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                        *c = '?';
        g_ptr_array_add(out->log, s);
}

/* A hostile peer can send a bad line per read; log the first few and then
 * every power of two, so the count still shows in the journal. */
static bool worth_logging(uint64_t count)
{
        return count <= 10 || (count & (count - 1)) == 0;
}

void agent_proto_init(AgentProto *p)
{
        *p = (AgentProto){ 0 };
}

void agent_proto_host_reset(AgentProto *p)
{
        p->synced = false;
}

static void send_node(AgentOut *out, JsonNode *n)
{
        size_t len;
        char *line = jsonline_serialize(n, &len);

        if (line)
                g_string_append_len(out->host, line, (gssize)len);
        else
                say(out, "host: dropped a message over %u bytes", JSONLINE_MAX);
        g_free(line);
        json_node_unref(n);
}

static void send_event(const AgentProto *p, AgentOut *out, const char *name, JsonNode *data, int64_t realtime_usec)
{
        if (!p->synced) {
                json_node_unref(data);
                return;
        }
        send_node(out, jsonline_build_event(name, data, realtime_usec));
}

static void send_guard(AgentOut *out, uint64_t conn, const void *rec, size_t len)
{
        AgentGuardOut g = { .conn = conn, .len = len };

        memcpy(&g.rec, rec, len);
        g_array_append_val(out->guard, g);
}

static void answer_no_host(AgentProto *p, size_t i, const char *why, AgentOut *out)
{
        WireDeflateAnswer a;

        agent_wire_answer(p->pending[i].req.id, false, 0, WIRE_REFUSED_NO_HOST, &a);
        send_guard(out, p->pending[i].conn, &a, sizeof(a));
        say(out, "deflate request %" PRIu64 ": no host answer (%s), refused to the guard", p->pending[i].req.id, why);
        memmove(&p->pending[i], &p->pending[i + 1], (p->n_pending - i - 1) * sizeof(p->pending[0]));
        p->n_pending--;
}

static ssize_t find_pending(const AgentProto *p, uint64_t id)
{
        for (size_t i = 0; i < p->n_pending; i++)
                if (p->pending[i].req.id == id)
                        return (ssize_t)i;
        return -1;
}

/* ---- host commands ------------------------------------------------------ */

typedef struct Call {
        AgentProto *p;
        JsonObject *args;
        uint64_t now_usec;
        int64_t realtime_usec;
        AgentOut *out;
        bool delimited;                 /* the reply goes after a 0xFF, and syncs */
        char *err;
} Call;

typedef int (*CommandFn)(Call *c, JsonNode **ret);

typedef struct Command {
        const char *name;
        const char *const *args;        /* the argument keys it takes, NULL-terminated */
        CommandFn fn;
} Command;

static JsonNode *int_node(int64_t v)
{
        JsonNode *n = json_node_new(JSON_NODE_VALUE);

        json_node_set_int(n, v);
        return n;
}

static int cmd_sync(Call *c, JsonNode **ret)
{
        int64_t id;
        int r = json_get_int(c->args, "id", 0, INT64_MAX, true, &id, c->err, ERRLEN);

        if (r < 0)
                return r;
        *ret = int_node(id);
        return 0;
}

static int cmd_sync_delimited(Call *c, JsonNode **ret)
{
        c->delimited = true;
        return cmd_sync(c, ret);
}

static int cmd_ping(Call *c, JsonNode **ret)
{
        *ret = NULL;    /* {} */
        return 0;
}

static const Command commands[];

static int cmd_info(Call *c, JsonNode **ret)
{
        JsonObject *o = json_object_new();
        JsonArray *list = json_array_new();
        JsonNode *n = json_node_new(JSON_NODE_OBJECT);

        for (const Command *k = commands; k->name; k++) {
                JsonObject *e = json_object_new();

                json_object_set_string_member(e, "name", k->name);
                json_object_set_boolean_member(e, "enabled", TRUE);
                json_array_add_object_element(list, e);
        }
        json_object_set_string_member(o, "version", AGENT_VERSION);
        json_object_set_int_member(o, "protocol", AGENT_PROTOCOL);
        json_object_set_array_member(o, "supported_commands", list);
        json_node_take_object(n, o);
        *ret = n;
        return 0;
}

/* The spare record sent just before the latest report, if its guard sent one. */
static const WireSpare *report_spare(const AgentProto *p)
{
        return p->have_spare && p->spare.seq == p->report.seq ? &p->spare : NULL;
}

static int cmd_status(Call *c, JsonNode **ret)
{
        JsonNode *n;
        JsonObject *o;
        JsonArray *ids = json_array_new();

        if (c->p->have_report)
                n = agent_wire_report_data(&c->p->report, report_spare(c->p));
        else {
                n = json_node_new(JSON_NODE_OBJECT);
                json_node_take_object(n, json_object_new());
                json_object_set_string_member(json_node_get_object(n), "level", "unknown");
        }
        o = json_node_get_object(n);
        for (size_t i = 0; i < c->p->n_pending; i++)
                json_array_add_int_element(ids, (int64_t)c->p->pending[i].req.id);
        json_object_set_array_member(o, "pending", ids);
        *ret = n;
        return 0;
}

static JsonNode *known_node(const char *key, bool v)
{
        JsonNode *n = json_node_new(JSON_NODE_OBJECT);

        json_node_take_object(n, json_object_new());
        json_object_set_boolean_member(json_node_get_object(n), key, v);
        return n;
}

static int cmd_deflate_answer(Call *c, JsonNode **ret)
{
        int64_t id, bytes;
        bool granted;
        const char *refusal = NULL, *desc = NULL;
        uint32_t code = WIRE_REFUSED_NONE;
        WireDeflateAnswer a;
        ssize_t i;
        int r;

        if ((r = json_get_int(c->args, "id", 1, INT64_MAX, true, &id, c->err, ERRLEN)) < 0 ||
            (r = json_get_bool(c->args, "granted", true, &granted, c->err, ERRLEN)) < 0 ||
            (r = json_get_int(c->args, "bytes", 0, (int64_t)AGENT_MAX_BYTES, true, &bytes, c->err, ERRLEN)) < 0 ||
            (r = json_get_string(c->args, "refusal", 64, !granted, &refusal, c->err, ERRLEN)) < 0 ||
            (r = json_get_string(c->args, "desc", AGENT_DESC_MAX, false, &desc, c->err, ERRLEN)) < 0)
                return r;
        if (granted && refusal) {
                snprintf(c->err, ERRLEN, "'refusal' is only allowed when 'granted' is false");
                return -EINVAL;
        }
        if (refusal)
                code = agent_refusal_from_name(refusal);

        i = find_pending(c->p, (uint64_t)id);
        if (i < 0) {
                /* already answered, timed out, or never asked: harmless */
                say(c->out, "host answered deflate request %" PRId64 ", which is not pending; ignored", id);
                *ret = known_node("known", false);
                return 0;
        }
        agent_wire_answer((uint64_t)id, granted, (uint64_t)bytes, code, &a);
        send_guard(c->out, c->p->pending[i].conn, &a, sizeof(a));
        say(c->out, "host %s deflate request %" PRId64 " (%" PRId64 " bytes)%s%s%s%s", granted ? "granted" : "refused", id,
            bytes, refusal ? ": " : "", refusal ? wire_refusal_name(code) : "", desc ? ": " : "", desc ? desc : "");
        memmove(&c->p->pending[i], &c->p->pending[i + 1], (c->p->n_pending - (size_t)i - 1) * sizeof(c->p->pending[0]));
        c->p->n_pending--;
        *ret = known_node("known", true);
        return 0;
}

static int cmd_release(Call *c, JsonNode **ret)
{
        int64_t id, bytes;
        WireRelease rel;
        int r;

        if ((r = json_get_int(c->args, "id", 1, INT64_MAX, true, &id, c->err, ERRLEN)) < 0 ||
            (r = json_get_int(c->args, "bytes", 0, (int64_t)AGENT_MAX_BYTES, true, &bytes, c->err, ERRLEN)) < 0)
                return r;
        if (c->p->guards == 0) {
                say(c->out, "host asked for memory back (release %" PRId64 "), but no guard is connected", id);
                *ret = known_node("accepted", false);
                return 0;
        }
        agent_wire_release((uint64_t)id, (uint64_t)bytes, &rel);
        send_guard(c->out, AGENT_GUARD_ANY, &rel, sizeof(rel));
        say(c->out, "host asked for memory back (release %" PRId64 ", %" PRId64 " bytes)", id, bytes);
        *ret = known_node("accepted", true);
        return 0;
}

static const char *const no_args[] = { NULL };
static const char *const sync_args[] = { "id", NULL };
static const char *const answer_args[] = { "id", "granted", "bytes", "refusal", "desc", NULL };
static const char *const release_args[] = { "id", "bytes", NULL };

static const Command commands[] = {
        { "guest-sync-delimited", sync_args, cmd_sync_delimited },
        { "guest-sync", sync_args, cmd_sync },
        { "guest-ping", no_args, cmd_ping },
        { "guest-info", no_args, cmd_info },
        { "oomguard-status", no_args, cmd_status },
        { "oomguard-deflate-answer", answer_args, cmd_deflate_answer },
        { "oomguard-release", release_args, cmd_release },
        {},
};

static void resend_pending(AgentProto *p, int64_t realtime_usec, AgentOut *out)
{
        for (size_t i = 0; i < p->n_pending; i++)
                send_event(p, out, "oomguard-deflate-request", agent_wire_request_data(&p->pending[i].req), realtime_usec);
        if (p->n_pending)
                say(out, "host synchronised: sent %zu pending deflate request(s) again", p->n_pending);
}

static void reply_error(AgentProto *p, const char *class, const char *desc, JsonNode *id, AgentOut *out)
{
        p->host_errors++;
        if (worth_logging(p->host_errors))
                say(out, "host: %s: %s (%" PRIu64 " errors so far)", class, desc, p->host_errors);
        send_node(out, jsonline_build_error(class, desc, id));
}

static bool blank(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
                        return false;
        return true;
}

/* Runs the command in msg. Returns NULL with *value set (NULL means {}), or
 * the error class with desc filled. */
static const char *dispatch(Call *c, JsonObject *msg, JsonNode **value, char *desc, size_t desclen)
{
        g_autoptr(JsonObject) empty = json_object_new();
        const char *name = NULL;
        const Command *cmd;
        JsonObject *args = NULL;

        if (json_get_string(msg, "execute", 128, true, &name, c->err, ERRLEN) < 0 ||
            json_get_object(msg, "arguments", false, &args, c->err, ERRLEN) < 0) {
                snprintf(desc, desclen, "%s", c->err);
                return "GenericError";
        }
        for (cmd = commands; cmd->name; cmd++)
                if (strcmp(cmd->name, name) == 0)
                        break;
        if (!cmd->name) {
                snprintf(desc, desclen, "The command %s has not been found", name);
                return "CommandNotFound";
        }
        /* unknown keys are refused before anything happens */
        c->args = args ? args : empty;
        if (json_check_keys(c->args, cmd->args, c->err, ERRLEN) < 0 || cmd->fn(c, value) < 0) {
                snprintf(desc, desclen, "%s: %s", cmd->name, c->err);
                return "GenericError";
        }
        return NULL;
}

void agent_proto_host_line(AgentProto *p, const char *line, size_t len, uint64_t now_usec,
                           int64_t realtime_usec, AgentOut *out)
{
        g_autoptr(JsonNode) root = NULL;
        char err[ERRLEN] = "", desc[ERRLEN + 64];
        JsonNode *id, *value = NULL;
        const char *class;
        Call c = { .p = p, .now_usec = now_usec, .realtime_usec = realtime_usec, .out = out, .err = err };

        p->host_lines++;
        if (blank(line, len))
                return;         /* an empty line is no message: QGA ignores whitespace too */
        if (jsonline_parse(line, len, &root, err, sizeof(err)) < 0) {
                p->host_malformed++;
                if (worth_logging(p->host_malformed))
                        say(out, "host: malformed line (%" PRIu64 " so far): %s", p->host_malformed, err);
                /* parse errors carry no id (PROTOCOL.md §2.3) */
                snprintf(desc, sizeof(desc), "JSON parse error: %s", err);
                send_node(out, jsonline_build_error("GenericError", desc, NULL));
                return;
        }
        id = json_object_get_member(json_node_get_object(root), "id");
        class = dispatch(&c, json_node_get_object(root), &value, desc, sizeof(desc));
        if (class) {
                reply_error(p, class, desc, id, out);
                return;
        }
        if (!c.delimited) {
                send_node(out, jsonline_build_return(value, id));
                return;
        }
        g_string_append_c(out->host, (char)JSONLINE_SYNC_BYTE);
        send_node(out, jsonline_build_return(value, id));
        if (!p->synced)
                say(out, "host synchronised");
        p->synced = true;
        resend_pending(p, realtime_usec, out);
}

void agent_proto_host_oversized(AgentProto *p, AgentOut *out)
{
        char desc[96];

        p->host_malformed++;
        if (worth_logging(p->host_malformed))
                say(out, "host: line over %u bytes dropped (%" PRIu64 " malformed so far)", JSONLINE_MAX, p->host_malformed);
        snprintf(desc, sizeof(desc), "line longer than %u bytes", JSONLINE_MAX);
        send_node(out, jsonline_build_error("GenericError", desc, NULL));
}

/* ---- guard records ------------------------------------------------------ */

static void guard_request(AgentProto *p, uint64_t conn, const WireDeflateRequest *req, uint64_t now_usec,
                          int64_t realtime_usec, AgentOut *out)
{
        ssize_t i = find_pending(p, req->id);

        if (i >= 0) {
                /* the guard asked again: same id, same slot, same deadline */
                p->pending[i].req = *req;
                p->pending[i].conn = conn;
        } else {
                if (p->n_pending == AGENT_PENDING_MAX)
                        answer_no_host(p, 0, "evicted by a newer request", out);
                p->pending[p->n_pending++] = (AgentPending){ .req = *req, .since_usec = now_usec, .conn = conn };
        }
        say(out, "guard asks the host for %" PRIu64 " bytes (request %" PRIu64 ", %s, %s)%s", req->bytes, req->id,
            agent_level_name(req->level), agent_reason_name(req->reason),
            p->synced ? "" : "; held until the host synchronises");
        send_event(p, out, "oomguard-deflate-request", agent_wire_request_data(req), realtime_usec);
}

void agent_proto_guard_packet(AgentProto *p, uint64_t conn, const void *buf, size_t len, uint64_t now_usec,
                              int64_t realtime_usec, AgentOut *out)
{
        AgentGuardRecord rec;
        char err[ERRLEN];
        int type = agent_wire_parse(buf, len, &rec, err, sizeof(err));

        if (type < 0) {
                p->guard_malformed++;
                if (worth_logging(p->guard_malformed))
                        say(out, "guard: dropped a record (%" PRIu64 " so far): %s", p->guard_malformed, err);
                return;
        }
        p->guard_records++;
        switch (type) {
        case WIRE_DEFLATE_REQUEST:
                guard_request(p, conn, &rec.request, now_usec, realtime_usec, out);
                break;
        case WIRE_REPORT:
                p->report = rec.report;
                p->have_report = true;
                if (rec.report.level != rec.report.previous_level)
                        send_event(p, out, "oomguard-level", agent_wire_level_data(&rec.report), realtime_usec);
                send_event(p, out, "oomguard-report", agent_wire_report_data(&rec.report, report_spare(p)),
                           realtime_usec);
                break;
        case WIRE_SPARE:
                p->spare = rec.spare;
                p->have_spare = true;
                break;
        case WIRE_RELEASE_DONE:
                say(out, "guard released memory for the host (release %" PRIu64 ", %+" PRId64 " kB)",
                    rec.release_done.id, rec.release_done.freed_kb);
                send_event(p, out, "oomguard-release-done", agent_wire_release_done_data(&rec.release_done),
                           realtime_usec);
                break;
        default:
                break;
        }
}

void agent_proto_tick(AgentProto *p, uint64_t now_usec, AgentOut *out)
{
        for (size_t i = 0; i < p->n_pending;)
                if (now_usec - p->pending[i].since_usec > AGENT_PENDING_TIMEOUT_USEC &&
                    now_usec > p->pending[i].since_usec)
                        answer_no_host(p, i, "timed out", out);
                else
                        i++;
}
