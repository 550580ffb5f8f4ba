/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "zonelist.h"

#define MAX_FIELDS 40     /* an action record has 28; a dropped field would be silent */
#define FIELD_MAX 512

typedef struct Fields {
        unsigned n;
        char text[MAX_FIELDS][FIELD_MAX];
        struct iovec iov[MAX_FIELDS];
} Fields;

static void field(Fields *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void field(Fields *f, const char *fmt, ...)
{
        va_list ap;
        int n;

        /* A record that outgrows the table is a bug: keep the last slot
         * to say so rather than drop fields without a trace. */
        if (f->n >= MAX_FIELDS - 1) {
                if (f->n == MAX_FIELDS - 1) {
                        snprintf(f->text[f->n], FIELD_MAX, "OOMGUARD_FIELDS_DROPPED=1");
                        f->iov[f->n].iov_base = f->text[f->n];
                        f->iov[f->n].iov_len = strlen(f->text[f->n]);
                        f->n++;
                }
                return;
        }
        va_start(ap, fmt);
        n = vsnprintf(f->text[f->n], FIELD_MAX, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        f->iov[f->n].iov_base = f->text[f->n];
        f->iov[f->n].iov_len = (size_t)n < FIELD_MAX ? (size_t)n : FIELD_MAX - 1;
        f->n++;
}

/* kB as "43.2 MiB" */
static const char *mib(char *buf, size_t size, int64_t kb)
{
        uint64_t mag = kb < 0 ? (uint64_t)-kb : (uint64_t)kb, tenths = (mag * 10 + 512) / 1024;

        snprintf(buf, size, "%s%" PRIu64 ".%" PRIu64, kb < 0 ? "-" : "", tenths / 10, tenths % 10);
        return buf;
}

static const ZoneSample *named_zone(const Sample *s, const Pressure *in)
{
        const NodeSample *n = in->has_zone ? sample_node(s, in->zone_node) : NULL;

        return n && in->zone_pos < n->n_zones ? &n->zones[in->zone_pos] : NULL;
}

static uint64_t zone_reserve_kb(const Sample *s, const ZoneSample *z)
{
        int hz = request_highest_zoneidx(s, REQ_KIND_MOVABLE);

        return hz >= 0 && (unsigned)hz < z->n_protection ? z->protection[hz] * s->page_size_kb : 0;
}

void report_format_state(char *buf, size_t size, const Sample *s, const Pressure *in, const Decision *dec)
{
        const ZoneSample *z = named_zone(s, in);
        char a[32], b[32], c[32], d[32], e[32];
        size_t used = 0;
        int n;

#define APPEND(...)                                                                        \
        do {                                                                               \
                n = snprintf(buf + used, size > used ? size - used : 0, __VA_ARGS__);      \
                if (n > 0)                                                                 \
                        used += (size_t)n < size - used ? (size_t)n : size - used - 1;     \
        } while (0)

        buf[0] = '\0';
        if (z) {
                uint64_t kb = s->page_size_kb, reserve = zone_reserve_kb(s, z);
                int64_t over = (int64_t)(z->free_pages * kb) - (int64_t)(z->min_pages * kb + reserve);

                APPEND("node %d %s: free %s MiB is %s MiB %s min %s MiB", in->zone_node, z->name,
                       mib(a, sizeof(a), (int64_t)(z->free_pages * kb)), mib(b, sizeof(b), over < 0 ? -over : over),
                       over > 0 ? "above" : "below", mib(c, sizeof(c), (int64_t)(z->min_pages * kb)));
                APPEND(reserve ? " + reserve %s MiB" : "%s", reserve ? mib(e, sizeof(e), (int64_t)reserve) : "");
                APPEND(" (low %s, high %s)", mib(d, sizeof(d), (int64_t)(z->low_pages * kb)),
                       mib(e, sizeof(e), (int64_t)(z->high_pages * kb)));
                if (z->kind != ZONE_KIND_NORMAL) {
                        bool normal_there = false;
                        const NodeSample *node = sample_node(s, in->zone_node);

                        for (unsigned j = 0; node && j < node->n_zones; j++)
                                normal_there |= node->zones[j].kind == ZONE_KIND_NORMAL && node->zones[j].managed_pages;
                        if (!normal_there)
                                APPEND("; Normal absent");
                }
        }
        APPEND("%sheadroom above min %s MiB, above low %s MiB", used ? "; " : "", mib(a, sizeof(a), in->headroom_min_kb),
               mib(b, sizeof(b), in->headroom_low_kb));
        if (dec && dec->time_to_min_ms >= 0 && dec->decline_kb_per_s > 0)
                APPEND("; time to min %" PRId64 ".%" PRId64 " s at %s MiB/s", dec->time_to_min_ms / 1000,
                       dec->time_to_min_ms % 1000 / 100, mib(a, sizeof(a), dec->decline_kb_per_s));
        else if (dec)
                APPEND("; not declining");
        if (in->psi_present)
                APPEND("; PSI some %u.%02u%%, full %u.%02u%%", in->psi_some_avg10 / 100, in->psi_some_avg10 % 100,
                       in->psi_full_avg10 / 100, in->psi_full_avg10 % 100);
        if (!in->order_ok_low)
                APPEND("; no zone serves order %u at low", in->order);
        if (in->balloon_kb)
                APPEND("; balloon holds %s MiB", mib(a, sizeof(a), (int64_t)in->balloon_kb));
#undef APPEND
}

static void common_fields(Fields *f, const Sample *s, const Pressure *in, const Decision *d)
{
        const ZoneSample *z = named_zone(s, in);

        field(f, "LEVEL=%s", level_name(d->level));
        field(f, "PREVIOUS_LEVEL=%s", level_name(d->previous));
        field(f, "REASON=%s", reason_name(d->reason));
        if (z) {
                uint64_t kb = s->page_size_kb;

                field(f, "NODE=%d", in->zone_node);
                field(f, "ZONE=%s", z->name);
                field(f, "FREE_KB=%" PRIu64, z->free_pages * kb);
                field(f, "MIN_KB=%" PRIu64, z->min_pages * kb);
                field(f, "LOW_KB=%" PRIu64, z->low_pages * kb);
                field(f, "HIGH_KB=%" PRIu64, z->high_pages * kb);
                field(f, "RESERVE_KB=%" PRIu64, zone_reserve_kb(s, z));
        }
        field(f, "HEADROOM_MIN_KB=%" PRId64, in->headroom_min_kb);
        field(f, "HEADROOM_LOW_KB=%" PRId64, in->headroom_low_kb);
        field(f, "ORDER=%u", in->order);
        field(f, "ORDER_OK=%s", in->order_ok_low ? "yes" : "no");
        if (in->psi_present) {
                field(f, "PSI_SOME_AVG10=%u.%02u", in->psi_some_avg10 / 100, in->psi_some_avg10 % 100);
                field(f, "PSI_FULL_AVG10=%u.%02u", in->psi_full_avg10 / 100, in->psi_full_avg10 % 100);
        }
        field(f, "BALLOON_KB=%" PRIu64, in->balloon_kb);
        if (d->time_to_min_ms >= 0)
                field(f, "TIME_TO_MIN_MS=%" PRId64, d->time_to_min_ms);
        field(f, "DECLINE_KB_PER_S=%" PRId64, d->decline_kb_per_s);
        field(f, "REFAULT_PER_S=%" PRIu32, d->refault_per_s);
}

static void emit(const ReportSink *sink, Fields *f, const char *message)
{
        if (sink->journal)
                (void)sd_journal_sendv(f->iov, (int)f->n);
        if (sink->lines) {
                fprintf(sink->lines, "%s\n", message);
                fflush(sink->lines);
        }
}

void report_level(const ReportSink *sink, const Sample *s, const Pressure *in, const Decision *d)
{
        Fields f = { 0 };
        char state[FIELD_MAX - 64];

        report_format_state(state, sizeof(state), s, in, d);
        field(&f, "MESSAGE=level %s (was %s, %s): %s", level_name(d->level), level_name(d->previous),
              reason_name(d->reason), state);
        field(&f, "MESSAGE_ID=" OOMGUARD_MESSAGE_LEVEL);
        field(&f, "PRIORITY=%d", d->level >= LEVEL_ACT ? 4 : d->level == LEVEL_WARN ? 5 : 6);
        common_fields(&f, s, in, d);
        emit(sink, &f, f.text[0] + strlen("MESSAGE="));
}

/* What an action does, and what a dry run says it would do. */
static void action_words(const Pressure *in, const PlannedAction *a, bool would, char *what, size_t size)
{
        char x[32];

        switch (a->kind) {
        case ACTION_BALLOON:
                snprintf(what, size, "%s the host for %s MiB (request %" PRIu64 ")", would ? "would ask" : "asking",
                         mib(x, sizeof(x), (int64_t)a->amount_kb), a->request_id);
                break;
        case ACTION_COMPACT:
                snprintf(what, size, "%s: order %u blocks are gone but order-0 memory is not",
                         would ? "would compact" : "compacting", in->order);
                break;
        case ACTION_DROP_CACHES:
                snprintf(what, size, "%s clean page cache", would ? "would drop" : "dropping");
                break;
        case ACTION_KILL:
                snprintf(what, size, "%s the best victim", would ? "would kill" : "killing");
                break;
        case _ACTION_MAX:
        default:
                snprintf(what, size, "unknown action %d", (int)a->kind);
                break;
        }
}

void report_action(const ReportSink *sink, const Sample *s, const Pressure *in, const Decision *d,
                   const PlannedAction *a, const ActionOutcome *o)
{
        Fields f = { 0 };
        char state[FIELD_MAX - 200], what[160];
        bool would = strcmp(o->result, "dry-run") == 0;

        report_format_state(state, sizeof(state), s, in, d);
        action_words(in, a, would, what, sizeof(what));
        field(&f, "MESSAGE=%s: %s; %s: %s%s%s%s%s", level_name(d->level), state, what, would ? "dry run" : o->result,
              o->detail ? ", " : "", o->detail ? o->detail : "", o->why ? "; chosen as " : "", o->why ? o->why : "");
        field(&f, "MESSAGE_ID=" OOMGUARD_MESSAGE_ACTION);
        field(&f, "PRIORITY=%d", a->kind == ACTION_KILL ? 3 : 5);
        field(&f, "ACTION=%s", action_name(a->kind));
        field(&f, "ACTION_REASON=%s", reason_name(a->reason));
        field(&f, "RESULT=%s", o->result);
        field(&f, "OUTCOME=%s", would ? "would" : strcmp(o->result, "failed") == 0 ? "failed" : "done");
        field(&f, "FREED_KB=%" PRId64, o->freed_kb);
        field(&f, "LATENCY_USEC=%" PRIu64, o->latency_usec);
        if (a->kind == ACTION_BALLOON) {
                field(&f, "REQUEST_ID=%" PRIu64, a->request_id);
                field(&f, "REQUEST_KB=%" PRIu64, a->amount_kb);
        }
        if (o->detail)
                field(&f, "DETAIL=%s", o->detail);
        if (o->victim_pid > 0) {
                field(&f, "VICTIM_PID=%d", o->victim_pid);
                field(&f, "VICTIM_WHY=%s", o->why ? o->why : "");
        }
        common_fields(&f, s, in, d);
        emit(sink, &f, f.text[0] + strlen("MESSAGE="));
}

void report_format_skip(char *buf, size_t size, const ActionVerdict *v, uint64_t now_usec, const char *host_said)
{
        uint64_t left = v->until_usec > now_usec ? v->until_usec - now_usec : 0;

        if (v->until_usec)
                snprintf(buf, size, "skipped: %s%s%s%s; may run again in %" PRIu64 ".%" PRIu64 " s",
                         skip_reason_text(v->skip), host_said ? " (the host said: " : "", host_said ? host_said : "",
                         host_said ? ")" : "", left / 1000000, left % 1000000 / 100000);
        else
                snprintf(buf, size, "skipped: %s", skip_reason_text(v->skip));
}

void report_skip(const ReportSink *sink, const Sample *s, const Pressure *in, const Decision *d, ActionKind kind,
                 const ActionVerdict *v, const char *host_said)
{
        Fields f = { 0 };
        char words[256];

        if (v->skip != SKIP_HOST_REFUSED)
                host_said = NULL;
        report_format_skip(words, sizeof(words), v, in->now_usec, host_said);
        field(&f, "MESSAGE=%s: %s %s", level_name(d->level), action_name(kind), words);
        field(&f, "MESSAGE_ID=" OOMGUARD_MESSAGE_SKIP);
        field(&f, "PRIORITY=%d", kind == ACTION_KILL && d->level == LEVEL_CRITICAL ? 4 : 6);
        field(&f, "ACTION=%s", action_name(kind));
        field(&f, "RESULT=skipped");
        field(&f, "OUTCOME=skipped");
        field(&f, "SKIP_REASON=%s", skip_reason_name(v->skip));
        if (v->until_usec)
                field(&f, "RETRY_IN_MS=%" PRIu64, v->until_usec > in->now_usec ? (v->until_usec - in->now_usec) / 1000 : 0);
        if (host_said)
                field(&f, "HOST_REFUSAL=%s", host_said);
        common_fields(&f, s, in, d);
        emit(sink, &f, f.text[0] + strlen("MESSAGE="));
}

void report_steer(const ReportSink *sink, bool dry_run, unsigned changed, unsigned matched, unsigned failed,
                  const char *named)
{
        Fields f = { 0 };

        field(&f, "MESSAGE=oom_score_adj: %s %u of %u matching processes%s%s%s", dry_run ? "would set" : "set", changed,
              matched, named[0] ? ": " : "", named, failed ? " (some could not be changed)" : "");
        field(&f, "MESSAGE_ID=" OOMGUARD_MESSAGE_STEER);
        field(&f, "PRIORITY=6");
        field(&f, "OUTCOME=%s", dry_run ? "would" : "done");
        field(&f, "STEER_CHANGED=%u", changed);
        field(&f, "STEER_MATCHED=%u", matched);
        field(&f, "STEER_FAILED=%u", failed);
        field(&f, "STEERED=%s", named);
        emit(sink, &f, f.text[0] + strlen("MESSAGE="));
}

void report_join_detail(char *buf, size_t size, const char *detail, const char *why)
{
        bool has_why = why && why[0];

        if (snprintf(buf, size, "%s%s%s", detail ? detail : "", has_why ? "; chosen as " : "", has_why ? why : "") >=
            (int)size && size > 4)
                memcpy(buf + size - 4, "...", 4);      /* cut, and said to be */
}
