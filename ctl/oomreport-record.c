/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logical records: a line and its continuations (wrapped lines in mail and
 * web pages, a printk's embedded newlines, rsyslog's "#012" joins). */
#include <stdlib.h>
#include <string.h>

#include "oomreport-parser.h"
#include "parse-util.h"

void flush_record(Parser *ps)
{
        bool used;

        if (!ps->record_len)
                return;
        if (ps->record_is_header) {
                parse_header_line(ps, ps->record, ps->record + ps->record_len, ps->header_paf);
                ps->record_is_header = false;
                ps->r->lines_used++;
                ps->record_len = 0;
                return;
        }
        used = parse_record(ps, ps->record, ps->record + ps->record_len);
        if (used) {
                ps->r->lines_used++;
                ps->unknown_run = 0;
                ps->r->last_line = ps->record_line;
        } else {
                ps->r->lines_skipped++;
                ps->unknown_run++;
                if (ps->skipped)
                        fprintf(ps->skipped, "skipped line %u: %.*s\n", ps->record_line,
                                (int)(ps->record_len > 300 ? 300 : ps->record_len), ps->record);
        }
        ps->record_len = 0;
}

/* The lines that open a record of their own in an OOM report. */
static bool looks_like_record_start(const char *p, const char *e)
{
        static const char *const openers[] = {
                "Node ", "lowmem_reserve", "protections", "[", "Mem-", "Free ", "Total swap", "Swap ",
                "Out of", "Killed", "oom", "Task", "memory", "Memory", "CPU", "cpu ", "Call", "Hardware", "kmem",
                "swap:", "Unreclaimable", "Name", "Workqueue", "Tainted", "DMA per-cpu",
                "Normal per-cpu", "HighMem per-cpu", "DMA32 per-cpu", "Kernel panic", "RIP", "Code:",
        };
        const char *name, *after;
        size_t len;
        int node;

        /* "active_anon:125187" opens the global Mem-Info lines (pages);
         * "active_anon:3556kB" is the middle of a wrapped zone line */
        if (txt_starts(p, e, "active_anon:") || txt_starts(p, e, "Active:")) {
                const char *q = (const char *)memchr(p, ':', (size_t)(e - p)) + 1;
                uint64_t v;

                return !(take_u64(&q, e, UINT64_MAX / 2, &v) == 0 && txt_starts(q, e, "kB"));
        }
        for (size_t i = 0; i < sizeof(openers) / sizeof(openers[0]); i++)
                if (txt_starts(p, e, openers[i]))
                        return true;
        if (zone_head(p, e, &node, &name, &len, &after) && (txt_starts(after, e, " free:") || txt_starts(after, e, ": ")))
                return true;
        if (p < e && txt_is_digit(*p)) {
                const char *q = p;
                uint64_t v;

                if (take_u64(&q, e, UINT64_MAX / 2, &v) == 0 && q < e && *q == ' ' &&
                    (txt_starts(q + 1, e, "pages") || txt_starts(q + 1, e, "total pagecache") || txt_starts(q + 1, e, "reserved")))
                        return true;
        }
        return false;
}

static bool continues(const Parser *ps, const char *t, const char *e, bool had_prefix)
{
        const char *p = t;

        if (!ps->record_len)
                return false;
        if (ps->prefixed) {
                /* an unprefixed line continues the last one (a wrap, or a
                 * printk's embedded newline), unless it plainly opens a
                 * record of its own (rsyslog's "#012" pieces) */
                if (had_prefix || t >= e)
                        return false;
                skip_blanks(&p, e);
                return !looks_like_record_start(p, e) && !txt_starts(p, e, "Call Trace") && !txt_starts(p, e, "Hardware");
        }
        /* Unprefixed streams (mail, pasted text): a line continues the record
         * when it carries on its fields and does not open a record itself. */
        skip_blanks(&p, e);
        if (ps->record_is_header)
                return txt_starts(p, e, "gfp_mask=") || txt_starts(p, e, "nodemask=") || txt_starts(p, e, "order=") ||
                       txt_starts(p, e, "oom_score_adj=") || txt_starts(p, e, "mode:");
        if (looks_like_record_start(p, e))
                return false;
        if (txt_find(ps->record, ps->record + ps->record_len, "*4kB") || txt_find(ps->record, ps->record + ps->record_len, "*8kB"))
                return txt_find(p, e, "kB") != NULL;        /* a buddy line's tail */
        {
                Kv kv;
                const char *q = p;

                return kv_next(&q, e, &kv) && (kv.number || kv.yes) &&
                       txt_find(ps->record, ps->record + ps->record_len, ":") != NULL;
        }
}

static void append_record(Parser *ps, const char *t, const char *e)
{
        size_t n = (size_t)(e - t);

        if (n > RECORD_MAX - ps->record_len)
                n = RECORD_MAX - ps->record_len;
        memcpy(ps->record + ps->record_len, t, n);
        ps->record_len += n;
}


static bool take_line(Parser *ps, const char *s, const char *e, bool first_piece)
{
        bool had_prefix, paf;
        bool emphasis = oom_emphasis_line(s, e);
        const char *t = oom_strip_prefix(s, e, &had_prefix);

        /* the closing half of markdown around a pasted line (trailing
         * blanks stay: a wrapped line's continuation is appended as is) */
        {
                const char *m = e;

                while (m > t && (m[-1] == ' ' || m[-1] == '\r'))
                        m--;
                /* '`', or "**" (one '*' ends a buddy line cut at "4*") */
                if (m > t && (m[-1] == '`' || (m - t >= 2 && m[-1] == '*' && m[-2] == '*') ||
                              (emphasis && m[-1] == '_'))) {
                        while (m > t && (m[-1] == '`' || m[-1] == '*' || (emphasis && m[-1] == '_')))
                                m--;
                        e = m;
                }
        }
        if (!first_piece)
                had_prefix = false;     /* the pieces of one syslog line share its prefix */
        if (report_starts(t, e, &paf)) {
                flush_record(ps);
                end_report(ps);
                begin_report(ps);
                if (first_piece)
                        oom_prefix_stamp(s, t, ps->r->stamp, sizeof(ps->r->stamp));
                ps->prefixed = had_prefix;
                ps->record_line = ps->lineno;
                ps->record_is_header = true;
                ps->header_paf = paf;
                append_record(ps, t, e);
                return true;
        }
        if (continues(ps, t, e, had_prefix)) {
                /* a mail client wraps at a blank and drops it, leaving the
                 * line short of the width: "... Normal" / "free:1492kB" is
                 * "Normal free:1492kB"; a terminal or a page cuts at the
                 * width itself, inside a word ("manag" / "ed:999552kB") */
                if (ps->record_len && ps->record[ps->record_len - 1] != ' ' && ps->record[ps->record_len - 1] != '=' &&
                    t < e && *t != ' ' && ps->prev_line_len < ps->widest_line && ps->record_len < RECORD_MAX)
                        ps->record[ps->record_len++] = ' ';
                append_record(ps, t, e);
                return true;
        }
        flush_record(ps);
        {
                const char *p = s;

                /* a markdown code block closing around a pasted report */
                skip_blanks(&p, e);
                if (txt_starts(p, e, "```") && !had_prefix) {
                        end_report(ps);
                        return true;
                }
        }
        if (ps->terminal && ps->record_len == 0) {
                /* after the kill line only oom_reaper and the summary belong */
                const char *p = t;

                skip_blanks(&p, e);
                if (!txt_starts(p, e, "oom_reaper:") && !txt_find(p, e, "oom-kill:") && !txt_find(p, e, "Killed process ") &&
                    !(ps->r->kind == OOM_KIND_PAGE_ALLOC_FAILURE && p < e && txt_is_digit(*p) && txt_find(p, e, "pages"))) {
                        end_report(ps);
                        return false;
                }
        }
        ps->record_line = ps->lineno;
        append_record(ps, t, e);
        if (ps->unknown_run >= MAX_UNKNOWN_RUN)
                end_report(ps);
        return true;
}

/* " [  776.233602] " inside a line: the stamp of a record a mail client
 * or a web page joined onto the one before. Only printk's own "[%5lu.%06lu]"
 * form counts, after a blank. */
static const char *joined_stamp(const char *s, const char *e)
{
        for (const char *b = s + 1; b < e && (b = memchr(b, '[', (size_t)(e - b))); b++) {
                const char *q = b + 1;
                unsigned int_digits = 0, frac_digits = 0;

                if (b[-1] != ' ')
                        continue;
                skip_blanks(&q, e);
                for (; q < e && txt_is_digit(*q); q++)
                        int_digits++;
                if (!int_digits || q >= e || *q != '.')
                        continue;
                for (q++; q < e && txt_is_digit(*q); q++)
                        frac_digits++;
                if (frac_digits == 6 && q < e && *q == ']')
                        return b;
        }
        return NULL;
}

static int hex_digit(char c)
{
        return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A raw mail body in quoted-printable (RFC 2045 6.7), as mail archives show
 * it: "gfp_mask=3D0x40cc0(GFP_KERNEL=7C__GFP_COMP), o=" / "rder=3D3". Once
 * "=3D" (an encoded '=') is seen, "=XX" is decoded and a line ending in '='
 * goes on in the next one. Returns false for a line that is not QP. */
static bool decode_qp(Parser *ps, const char **s, const char **e, bool *soft)
{
        const char *p = *s, *end = *e;
        size_t n = 0;

        *soft = false;
        if (!ps->quoted_printable && !txt_find(p, end, "=3D"))
                return false;
        ps->quoted_printable = true;
        while (end > p && end[-1] == '\r')
                end--;
        if (end > p && end[-1] == '=') {
                *soft = true;
                end--;
        }
        while (p < end && n < sizeof(ps->decoded)) {
                int hi, lo;

                if (*p == '=' && end - p >= 3 && (hi = hex_digit(p[1])) >= 0 && (lo = hex_digit(p[2])) >= 0) {
                        ps->decoded[n++] = (char)(hi << 4 | lo);
                        p += 3;
                } else
                        ps->decoded[n++] = *p++;
        }
        *s = ps->decoded;
        *e = ps->decoded + n;
        return true;
}

bool take_physical_line(Parser *ps, const char *s, const char *e)
{
        const char *line = s;
        bool first = true, split = false, soft = false;

        if (decode_qp(ps, &s, &e, &soft)) {
                bool joined = ps->soft_break && ps->record_len;

                ps->soft_break = soft;
                if (joined) {
                        /* the rest of a line QP broke at 76 columns */
                        append_record(ps, s, e);
                        return true;
                }
        } else
                ps->soft_break = false;

        /* rsyslog escapes embedded newlines as "#012"; copies from some
         * archives carry a literal "\x0a"; a record joined after the last
         * one brings its own stamp */
        for (;;) {
                const char *h = txt_find(s, e, "#012"), *x = txt_find(s, e, "\\x0a"), *cut = h;
                bool had;
                const char *st = joined_stamp(oom_strip_prefix(s, e, &had), e);
                size_t skip = 4;
                bool own_prefix = false;

                if (x && (!cut || x < cut))
                        cut = x;
                if (st && (!cut || st < cut))
                        cut = st, skip = 0, own_prefix = true;
                if (!cut)
                        break;
                (void)take_line(ps, s, cut, first);
                split = true;
                first = own_prefix;
                s = cut + skip;
        }
        split = take_line(ps, s, e, first) || split;
        ps->prev_line_len = (size_t)(e - line);
        if (ps->prev_line_len > ps->widest_line)
                ps->widest_line = ps->prev_line_len;
        return split;
}

/* A report found by a line after its header (an excerpt, or a header cut
 * off): the "CPU: ... Comm:" line a few lines before may still name the
 * kernel. Looks back at most 64 KiB. */
