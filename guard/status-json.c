/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "zonelist.h"

typedef struct Out {
        char *buf;
        size_t size, used;
        bool overflow;
} Out;

static void put(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(Out *o, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (o->overflow)
                return;
        va_start(ap, fmt);
        n = vsnprintf(o->buf + o->used, o->size - o->used, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= o->size - o->used) {
                o->overflow = true;
                return;
        }
        o->used += (size_t)n;
}

/* A JSON string: quotes, backslashes and control characters escaped
 * (process names and paths may hold any byte but NUL). */
static void put_string(Out *o, const char *s)
{
        put(o, "\"");
        for (; s && *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        put(o, "\\%c", c);
                else if (c < 0x20 || c == 0x7f)
                        put(o, "\\u%04x", c);
                else
                        put(o, "%c", c);
        }
        put(o, "\"");
}

static void put_key_string(Out *o, const char *key, const char *value)
{
        put(o, "\"%s\":", key);
        if (value)
                put_string(o, value);
        else
                put(o, "null");
}

/* hundredths of a percent as a JSON number */
static void put_centi(Out *o, const char *key, bool present, uint32_t v)
{
        if (present)
                put(o, "\"%s\":%u.%02u", key, v / 100, v % 100);
        else
                put(o, "\"%s\":null", key);
}

static void put_zones(Out *o, const StatusView *v)
{
        put(o, "\"zones\":[");
        for (unsigned i = 0; i < v->m->n_zones; i++) {
                const ZoneModel *z = &v->m->zones[i];
                const NodeSample *n = sample_node(v->s, z->node_id);
                const char *name = n && z->zone_pos < n->n_zones ? n->zones[z->zone_pos].name : "?";

                put(o, "%s{\"node\":%d,\"zone\":", i ? "," : "", z->node_id);
                put_string(o, name);
                put(o, ",\"managed_kb\":%" PRIu64 ",\"free_kb\":%" PRIu64 ",\"min_kb\":%" PRIu64 ",\"low_kb\":%" PRIu64
                       ",\"high_kb\":%" PRIu64 ",\"reserve_kb\":%" PRIu64 ",\"headroom_min_kb\":%" PRId64
                       ",\"headroom_low_kb\":%" PRId64 ",\"user_allocations\":%s}",
                    z->managed_kb, z->free_kb, z->min_kb, z->low_kb, z->high_kb, z->reserve_kb[REQ_KIND_MOVABLE],
                    z->headroom_kb[REQ_KIND_MOVABLE][WMARK_MIN], z->headroom_kb[REQ_KIND_MOVABLE][WMARK_LOW],
                    z->populated && z->index <= request_highest_zoneidx(v->s, REQ_KIND_MOVABLE) ? "true" : "false");
        }
        put(o, "]");
}

static uint64_t ago_ms(const StatusView *v, uint64_t at)
{
        return v->now_usec > at ? (v->now_usec - at) / 1000 : 0;
}

/* Each action that ran or was skipped since the level was last normal:
 * its state now (skipped, with reason and retry time, or its last run),
 * and its last run. */
static void put_actions(Out *o, const StatusView *v)
{
        bool first = true;

        put(o, "\"actions\":[");
        for (int k = 0; k < _ACTION_MAX; k++) {
                const ActionLog *a = &v->actions[k];

                if (!a->ran && !a->skipped)
                        continue;
                put(o, "%s{", first ? "" : ",");
                first = false;
                put_key_string(o, "action", action_name((ActionKind)k));
                put(o, ",");
                put_key_string(o, "outcome", a->skipped ? "skipped" : a->outcome);
                put(o, ",");
                put_key_string(o, "skip_reason", a->skipped ? skip_reason_name(a->skip) : NULL);
                put(o, ",\"ago_ms\":%" PRIu64 ",", ago_ms(v, a->skipped ? a->skip_usec : a->ran_usec));
                if (a->skipped && a->until_usec)
                        put(o, "\"retry_in_ms\":%" PRIu64 ",",
                            a->until_usec > v->now_usec ? (a->until_usec - v->now_usec) / 1000 : 0);
                else
                        put(o, "\"retry_in_ms\":null,");
                put_key_string(o, "detail", a->skipped ? a->skip_text : a->detail);
                if (a->ran) {
                        put(o, ",\"last_run\":{");
                        put_key_string(o, "outcome", a->outcome);
                        put(o, ",\"ago_ms\":%" PRIu64 ",", ago_ms(v, a->ran_usec));
                        put_key_string(o, "detail", a->detail);
                        put(o, "}}");
                } else
                        put(o, ",\"last_run\":null}");
        }
        put(o, "]");
}

static void put_host(Out *o, const StatusView *v)
{
        const DecideState *st = v->st;

        if (st->balloon_pending)
                put(o, "\"host_request\":{\"id\":%" PRIu64 ",\"kb\":%" PRIu64 ",\"sent_ms_ago\":%" PRIu64 "},",
                    st->balloon_id, st->balloon_kb,
                    v->now_usec > st->balloon_sent_usec ? (v->now_usec - st->balloon_sent_usec) / 1000 : 0);
        else
                put(o, "\"host_request\":null,");
        put_key_string(o, "host_refusal", v->host_refusal);
}

int status_format_json(char *buf, size_t size, const StatusView *v)
{
        const Pressure *in = v->in;
        const Decision *d = v->d;
        const NodeSample *n = in->has_zone ? sample_node(v->s, in->zone_node) : NULL;
        Out o = { .buf = buf, .size = size };

        if (size)
                buf[0] = '\0';
        put(&o, "{\"version\":1,");
        put_key_string(&o, "mode", v->mode);
        put(&o, ",\"pid\":%d,\"dry_run\":%s,", v->pid, v->dry_run ? "true" : "false");
        put_key_string(&o, "level", level_name(d->level));
        put(&o, ",");
        put_key_string(&o, "reason", reason_name(d->reason));
        put(&o, ",\"level_since_ms_ago\":%" PRIu64 ",",
            v->now_usec > v->st->level_since_usec && v->st->level_since_usec ? (v->now_usec - v->st->level_since_usec) / 1000 : 0);
        put(&o, "\"figures\":{\"headroom_min_kb\":%" PRId64 ",\"headroom_low_kb\":%" PRId64 ",\"headroom_high_kb\":%" PRId64,
            in->headroom_min_kb, in->headroom_low_kb, in->headroom_high_kb);
        if (d->time_to_min_ms >= 0)
                put(&o, ",\"time_to_min_ms\":%" PRId64, d->time_to_min_ms);
        else
                put(&o, ",\"time_to_min_ms\":null");
        put(&o, ",\"decline_kb_per_s\":%" PRId64 ",\"refault_per_s\":%" PRIu32 ",", d->decline_kb_per_s, d->refault_per_s);
        put_centi(&o, "psi_some_avg10", in->psi_present, in->psi_some_avg10);
        put(&o, ",");
        put_centi(&o, "psi_full_avg10", in->psi_present, in->psi_full_avg10);
        put(&o, ",\"order\":%u,\"order_ok\":%s,\"balloon_kb\":%" PRIu64 ",\"guest_ram_kb\":%" PRIu64
                ",\"file_kb\":%" PRIu64 ",\"mem_total_kb\":%" PRIu64 "},",
            in->order, in->order_ok_low ? "true" : "false", in->balloon_kb, in->guest_ram_kb, in->file_kb,
            v->s->meminfo.mem_total_kb);
        if (n && in->zone_pos < n->n_zones) {
                put(&o, "\"deciding_zone\":{\"node\":%d,\"zone\":", in->zone_node);
                put_string(&o, n->zones[in->zone_pos].name);
                put(&o, "},");
        } else
                put(&o, "\"deciding_zone\":null,");
        put_zones(&o, v);
        put(&o, ",");
        put_actions(&o, v);
        put(&o, ",");
        put_host(&o, v);
        put(&o, ",\"policy\":{");
        put_key_string(&o, "path", v->policy_from_file ? v->policy_path : NULL);
        put(&o, ",\"loaded_unix\":%" PRId64 "},", v->policy_loaded_unix);
        put_key_string(&o, "notes", v->notes ? v->notes : "");
        put(&o, "}\n");
        return o.overflow ? -ENOBUFS : (int)o.used;
}
