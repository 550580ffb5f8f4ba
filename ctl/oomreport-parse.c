/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Report boundaries and the driver over a buffer: where a report opens
 * (its header, or a line after it in an excerpt), where it ends; the same
 * over a stream fed in pieces, with bounded memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oomreport-parser.h"
#include "oomreport-scanner.h"
#include "parse-util.h"

void begin_report(Parser *ps)
{
        memset(ps->r, 0, sizeof(*ps->r));
        ps->r->order = 0;
        ps->r->first_line = ps->lineno;
        ps->r->last_line = ps->lineno;
        ps->open = true;
        ps->terminal = false;
        ps->record_is_header = false;
        ps->unknown_run = 0;
        ps->section = SEC_NONE;
        ps->have_task_cols = false;
        ps->record_len = 0;
        /* a wrap's width is the width of this report's copy: a page's long
         * lines before it say nothing of a terminal's 80 columns in it */
        ps->widest_line = 0;
}

static void incident_of(const OomReport *r, Incident *in)
{
        memset(in, 0, sizeof(*in));
        in->has_header = r->has_header;
        memcpy(in->stamp, r->stamp, sizeof(in->stamp));
        memcpy(in->comm, r->comm, sizeof(in->comm));
        in->trigger_pid = r->has_trigger_pid ? r->trigger_pid : 0;
        in->order = r->order;
        in->gfp_mask = r->gfp_mask;
        in->killed_pid = r->has_killed ? r->killed_pid : 0;
        in->chosen_pid = r->has_chosen ? r->chosen_pid : 0;
        memcpy(in->killed_comm, r->killed_comm, sizeof(in->killed_comm));
}

/* The same incident again: an answer quoting the question's report, or a
 * page with the log pasted twice. A header matches a header with the same
 * time, trigger pid and request (without times: the same victim too); a
 * report without its header matches one that killed the same process. */
static bool seen_before(const Parser *ps, const Incident *in)
{
        unsigned n = ps->n_seen < SEEN_MAX ? ps->n_seen : SEEN_MAX;

        for (unsigned i = 0; i < n; i++) {
                const Incident *o = &ps->seen[i];

                if (in->has_header && o->has_header) {
                        bool same_request = strcmp(in->comm, o->comm) == 0 && in->gfp_mask == o->gfp_mask &&
                                            in->order == o->order && in->trigger_pid == o->trigger_pid;

                        if (same_request && in->stamp[0] && o->stamp[0] && strcmp(in->stamp, o->stamp) == 0)
                                return true;
                        if (same_request && (!in->stamp[0] || !o->stamp[0]) && in->killed_pid &&
                            in->killed_pid == o->killed_pid)
                                return true;
                } else if (!in->has_header && (in->killed_pid || in->chosen_pid)) {
                        if (in->killed_pid && in->killed_pid == o->killed_pid &&
                            strcmp(in->killed_comm, o->killed_comm) == 0)
                                return true;
                        if (!in->killed_pid && in->chosen_pid == (o->chosen_pid ?: o->killed_pid))
                                return true;
                }
        }
        return false;
}

void end_report(Parser *ps)
{
        OomReport *rep = ps->r;
        Incident in;
        int r;

        if (!ps->open)
                return;
        ps->open = false;
        ps->terminal = false;
        /* a page allocation failure whose header line was cut: warn_alloc()
         * printed it, and its dump_stack() names warn_alloc in the trace */
        if (!rep->has_header && rep->trace_warn_alloc)
                rep->kind = OOM_KIND_PAGE_ALLOC_FAILURE;
        /* a Mem-Info dump on its own (SysRq-m, a WARN) is not an OOM report */
        if (!rep->has_header && !rep->has_killed && !rep->has_chosen && !rep->constraint[0] && !rep->has_memcg_usage &&
            !rep->trace_warn_alloc)
                return;
        /* one kill line in running text, with no log prefix and nothing
         * else of a report around it, is a quote, not a report */
        if (!rep->has_header && !ps->prefixed && rep->lines_used < 2)
                return;
        incident_of(rep, &in);
        if (seen_before(ps, &in))
                return;
        ps->seen[ps->n_seen++ % SEEN_MAX] = in;
        /* mem_cgroup_out_of_memory() in the trace: a memcg OOM even when
         * the excerpt stops before the cgroup's own lines */
        if (rep->trace_memcg && rep->kind == OOM_KIND_GLOBAL)
                rep->kind = OOM_KIND_MEMCG;
        if (ps->kernel_override) {
                ps->r->kernel = ps->kernel_override;
                ps->r->kernel_known = true;
        }
        ps->stats->reports++;
        ps->stats->lines_skipped += ps->r->lines_skipped;
        r = ps->fn(ps->r, ps->userdata);
        if (r < 0 && !ps->error)
                ps->error = r;
}


bool report_starts(const char *t, const char *e, bool *paf)
{
        *paf = txt_find(t, e, "page allocation failure") != NULL;
        return *paf || txt_find(t, e, "oom-killer:");
}

/* A report found by a line after its header (an excerpt, or a header cut
 * off): the "CPU: ... Comm:" line a few lines before may still name the
 * kernel. Looks back at most LOOK_BACK bytes. */
static void look_back_for_release(Parser *ps, const char *at)
{
        const char *lo = at - ps->buf > LOOK_BACK ? at - LOOK_BACK : ps->buf, *end = at;

        while (end > lo) {
                const char *s = end - 1, *t;
                bool had;

                while (s > lo && s[-1] != '\n')
                        s--;
                t = oom_strip_prefix(s, end - 1 >= s ? end - 1 : s, &had);
                skip_blanks(&t, end - 1);
                if ((txt_find(t, end - 1, "Comm: ") || txt_find(t, end - 1, "comm: ")) && parse_release_line(ps, t, end - 1))
                        return;
                /* the trace between that line and here: warn_alloc() says
                 * whose report this is when its header was cut */
                if (txt_find(t, end - 1, "warn_alloc"))
                        ps->r->trace_warn_alloc = true;
                end = s;
        }
}

struct OomStream {
        Parser ps;
        TriggerScanner scanner;
        unsigned lines_before;          /* lines wholly before the unparsed text */
        char *window;                   /* LOOK_BACK of parsed text, then the unparsed rest */
        size_t len, parsed, cap;
};

static unsigned count_lines(const char *p, const char *end)
{
        unsigned n = 0;

        while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
                p++;
                n++;
        }
        return n;
}

/* Parses the whole lines in [p, end); ps->buf (the look-back floor) is set
 * by the caller. Returns the number of lines in [p, end) when count_all,
 * else as far as it had to count. */
static unsigned parse_lines(OomStream *st, const char *p, const char *end, bool count_all)
{
        Parser *ps = &st->ps;
        unsigned counted_to_line = st->lines_before;
        const char *counted_to = p, *handed_back = NULL;

        ps->end = end;
        while (p < end && !ps->error) {
                const char *nl;

                if (!ps->open) {
                        const char *t = scanner_next(&st->scanner, p, end);

                        if (!t)
                                break;
                        /* back to the start of that line */
                        while (t > p && t[-1] != '\n')
                                t--;
                        p = t;
                        while (counted_to < p) {
                                const char *c = memchr(counted_to, '\n', (size_t)(p - counted_to));

                                if (!c)
                                        break;
                                counted_to = c + 1;
                                counted_to_line++;
                        }
                        ps->lineno = counted_to_line + 1;
                        /* a line after the header (an excerpt, or a kill line whose
                         * report was rate limited) opens a report of its own; a
                         * header found in it ends that one and opens the real one */
                        begin_report(ps);
                        if (!report_starts(p, memchr(p, '\n', (size_t)(end - p)) ?: end, &(bool){ false }))
                                look_back_for_release(ps, p);
                        {
                                bool had;

                                (void)oom_strip_prefix(p, memchr(p, '\n', (size_t)(end - p)) ?: end, &had);
                                ps->prefixed = had;
                        }
                }
                /* line numbers are counted only where they are needed */
                while (counted_to < p) {
                        const char *c = memchr(counted_to, '\n', (size_t)(p - counted_to));

                        if (!c)
                                break;
                        counted_to = c + 1;
                        counted_to_line++;
                }
                counted_to = p;
                ps->lineno = counted_to_line + 1;
                nl = memchr(p, '\n', (size_t)(end - p));
                if (!take_physical_line(ps, p, nl ? nl : end) && p != handed_back) {
                        handed_back = p;
                        continue;       /* it ended the report: look at it again, closed */
                }
                ps->stats->lines++;
                p = nl ? nl + 1 : end;
                counted_to = p;
                counted_to_line++;
        }
        if (count_all && counted_to < end)
                counted_to_line += count_lines(counted_to, end);
        return counted_to_line - st->lines_before;
}

OomStream *oom_stream_new(KernelVersion kernel, OomReportFn fn, void *userdata, OomParseStats *stats,
                          void *skipped_file)
{
        OomStream *st = calloc(1, sizeof(*st));

        if (!st)
                return NULL;
        st->ps.r = calloc(1, sizeof(*st->ps.r));
        if (!st->ps.r) {
                free(st);
                return NULL;
        }
        scanner_init(&st->scanner);
        memset(stats, 0, sizeof(*stats));
        st->ps.kernel_override = kernel;
        st->ps.fn = fn;
        st->ps.userdata = userdata;
        st->ps.stats = stats;
        st->ps.skipped = skipped_file;
        return st;
}

/* Parses what is whole in the window (up to its last newline, or all of it
 * at the end or when one line outgrows STREAM_LINE_MAX), then keeps only
 * LOOK_BACK bytes of parsed text and the unparsed rest. */
static void stream_parse(OomStream *st, bool at_end)
{
        const char *from = st->window + st->parsed, *end = st->window + st->len, *last_nl;
        size_t keep_from;

        last_nl = from < end ? memrchr(from, '\n', (size_t)(end - from)) : NULL;
        if (last_nl && !at_end)
                end = last_nl + 1;
        else if (!at_end && (size_t)(end - from) < STREAM_LINE_MAX)
                return;
        st->ps.buf = st->window;
        st->lines_before += parse_lines(st, from, end, true);
        st->parsed = (size_t)(end - st->window);
        keep_from = st->parsed > LOOK_BACK ? st->parsed - LOOK_BACK : 0;
        if (keep_from) {
                memmove(st->window, st->window + keep_from, st->len - keep_from);
                st->len -= keep_from;
                st->parsed -= keep_from;
        }
}

int oom_stream_feed(OomStream *st, const char *buf, size_t len)
{
        while (len && !st->ps.error) {
                size_t room, n;

                if (st->cap < LOOK_BACK + STREAM_CHUNK) {
                        char *w = realloc(st->window, LOOK_BACK + STREAM_CHUNK);

                        if (!w)
                                return -ENOMEM;
                        st->window = w;
                        st->cap = LOOK_BACK + STREAM_CHUNK;
                }
                room = st->cap - st->len;
                n = len < room ? len : room;
                memcpy(st->window + st->len, buf, n);
                st->len += n;
                buf += n;
                len -= n;
                if (st->len == st->cap)
                        stream_parse(st, false);
        }
        return st->ps.error;
}

int oom_stream_finish(OomStream *st)
{
        int ret;

        if (!st->ps.error && st->window)
                stream_parse(st, true);
        flush_record(&st->ps);
        end_report(&st->ps);
        ret = st->ps.error;
        free(st->ps.r);
        free(st->window);
        free(st);
        return ret;
}

int oom_parse_buffer(const char *buf, size_t len, KernelVersion kernel, OomReportFn fn, void *userdata,
                     OomParseStats *stats)
{
        return oom_parse_buffer_verbose(buf, len, kernel, fn, userdata, stats, NULL);
}

int oom_parse_buffer_verbose(const char *buf, size_t len, KernelVersion kernel, OomReportFn fn, void *userdata,
                             OomParseStats *stats, void *skipped_file)
{
        OomStream *st = oom_stream_new(kernel, fn, userdata, stats, skipped_file);

        if (!st)
                return -ENOMEM;
        /* the whole buffer is the window: nothing copied */
        st->ps.buf = buf;
        (void)parse_lines(st, buf, buf + len, false);
        return oom_stream_finish(st);
}
