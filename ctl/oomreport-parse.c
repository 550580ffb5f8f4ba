/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Report boundaries and the driver over a buffer: where a report opens
 * (its header, or a line after it in an excerpt), where it ends. */
#include <stdlib.h>
#include <string.h>

#include "oomreport-parser.h"
#include "parse-util.h"
#include <errno.h>
#include "oomreport-scanner.h"

/* ---- the report ---- */

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
}

void end_report(Parser *ps)
{
        OomReport *rep = ps->r;
        int r;

        if (!ps->open)
                return;
        ps->open = false;
        ps->terminal = false;
        /* a Mem-Info dump on its own (SysRq-m, a WARN) is not an OOM report */
        if (!rep->has_header && !rep->has_killed && !rep->constraint[0] && !rep->has_memcg_usage)
                return;
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

/* One line (or one "#012" piece of one). Returns false when the line ended
 * the report without belonging to it: the caller looks at it again. */

static void look_back_for_release(Parser *ps, const char *at)
{
        const char *lo = at - ps->buf > 65536 ? at - 65536 : ps->buf, *end = at;

        while (end > lo) {
                const char *s = end - 1, *t;
                bool had;

                while (s > lo && s[-1] != '\n')
                        s--;
                t = oom_strip_prefix(s, end - 1 >= s ? end - 1 : s, &had);
                skip_blanks(&t, end - 1);
                if ((txt_find(t, end - 1, "Comm: ") || txt_find(t, end - 1, "comm: ")) && parse_release_line(ps, t, end - 1))
                        return;
                end = s;
        }
}

int oom_parse_buffer(const char *buf, size_t len, KernelVersion kernel, OomReportFn fn, void *userdata,
                     OomParseStats *stats)
{
        return oom_parse_buffer_verbose(buf, len, kernel, fn, userdata, stats, NULL);
}

int oom_parse_buffer_verbose(const char *buf, size_t len, KernelVersion kernel, OomReportFn fn, void *userdata,
                             OomParseStats *stats, void *skipped_file)
{
        Parser *ps = calloc(1, sizeof(*ps));
        TriggerScanner *sc = malloc(sizeof(*sc));
        const char *p = buf, *end = buf + len;
        unsigned counted_to_line = 0;
        const char *counted_to = buf, *handed_back = NULL;
        int ret;

        if (!ps || !sc) {
                free(ps);
                free(sc);
                return -ENOMEM;
        }
        ps->r = calloc(1, sizeof(*ps->r));
        if (!ps->r) {
                free(ps);
                free(sc);
                return -ENOMEM;
        }
        scanner_init(sc);
        memset(stats, 0, sizeof(*stats));
        ps->buf = buf;
        ps->end = end;
        ps->kernel_override = kernel;
        ps->fn = fn;
        ps->userdata = userdata;
        ps->stats = stats;
        ps->skipped = skipped_file;

        while (p < end && !ps->error) {
                const char *nl;

                if (!ps->open) {
                        const char *t = scanner_next(sc, p, end);

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
        flush_record(ps);
        end_report(ps);
        ret = ps->error;
        free(ps->r);
        free(ps);
        free(sc);
        return ret;
}
