/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What comes before the kernel's text on a log line: dmesg and dmesg -T
 * stamps (any locale), syslog and journalctl "host kernel:", /dev/kmsg
 * records, "<6>" levels, CONFIG_PRINTK_CALLER's "[T1234]". */
#include <string.h>

#include "oomreport-parser.h"
#include "parse-util.h"

/* "[  123.456789] ", "[Wed Jun 15 06:37:51 2022] ", "[dim. 19 avril 18:03:30 2026] " */
static const char *skip_bracket_stamp(const char *p, const char *e)
{
        const char *close;

        if (p >= e || *p != '[')
                return NULL;
        close = memchr(p, ']', (size_t)(e - p) < 64 ? (size_t)(e - p) : 64);
        if (!close)
                return NULL;
        /* a timestamp has a digit and no '=': not "[ pid ]" or "[<ffff...>]" */
        for (const char *s = p + 1; s < close; s++)
                if (*s == '<' || *s == '=')
                        return NULL;
        {
                bool digit = false, colon_or_dot = false, alpha_pid = false;

                for (const char *s = p + 1; s < close; s++) {
                        digit |= txt_is_digit(*s);
                        colon_or_dot |= *s == ':' || *s == '.';
                }
                alpha_pid = txt_find(p, close, "pid") != NULL;
                if (!digit || !colon_or_dot || alpha_pid)
                        return NULL;
        }
        p = close + 1;
        if (p < e && *p == ' ')
                p++;
        return p;
}

/* Mail quotes ("> > "), markdown code and emphasis ("`", "**", "* ",
 * "_..._") and table bars before a pasted line. Nothing a wrapped line's
 * continuation can start with: "*4096kB" (a buddy line cut after its count)
 * and "_anon:" (cut inside "inactive_anon") stay. */
bool oom_emphasis_line(const char *s, const char *e)
{
        skip_blanks(&s, e);
        while (e > s && (e[-1] == ' ' || e[-1] == '\r'))
                e--;
        return e - s > 2 && s[0] == '_' && s[1] != '_' && e[-1] == '_' && e[-2] != '_';
}

static const char *skip_markup(const char *p, const char *e)
{
        const char *s = p;

        /* blanks alone are kept: they mark a wrapped line's continuation */
        for (;;) {
                skip_blanks(&s, e);
                if (s < e && (*s == '>' || *s == '`' || *s == '|'))
                        p = ++s;
                else if (s + 1 < e && *s == '*' && (s[1] == '*' || s[1] == ' '))
                        p = s += s[1] == '*' ? 2 : 1;
                else if (s < e && *s == '_' && oom_emphasis_line(s, e))
                        p = ++s;
                else
                        return p;
        }
}

void oom_prefix_stamp(const char *s, const char *t, char *out, size_t size)
{
        const char *open = NULL, *close = NULL;

        out[0] = '\0';
        /* the last "[...]" of the prefix that holds a '.' or ':' (a time) */
        for (const char *c = s; c < t; c++)
                if (*c == '[')
                        open = c;
                else if (*c == ']' && open && (memchr(open, '.', (size_t)(c - open)) || memchr(open, ':', (size_t)(c - open))))
                        close = c;
        if (open && close && close > open) {
                const char *a = open + 1;

                skip_blanks(&a, close);
                txt_copy(out, size, a, close);
        }
}

const char *oom_strip_prefix(const char *s, const char *e, bool *had_prefix)
{
        const char *p, *k, *q, *caller;

        *had_prefix = false;
        s = skip_markup(s, e);
        p = s;
        /* copied from a page: "    [731411.303808] ...", behind the shell
         * prompt it was run at: "# [  775.947949] ...", or numbered by a
         * viewer: "565 [Sat Sep 11 12:24:42 2021] ..." */
        {
                const char *t = s, *u;

                skip_blanks(&t, e);
                u = t;
                if (t + 1 < e && (*t == '#' || *t == '$') && t[1] == ' ')
                        u = t + 1;
                else
                        while (u < e && txt_is_digit(*u))
                                u++;
                if (u > t && u < e && *u == ' ') {
                        skip_blanks(&u, e);
                        if (u < e && *u == '[' && skip_bracket_stamp(u, e))
                                t = u;
                }
                if (t > s && t < e && *t == '[' && skip_bracket_stamp(t, e))
                        p = t;
        }
        /* /dev/kmsg: "6,1234,56789012,-;text" (and syslog "<6>") */
        if (p < e && txt_is_digit(*p)) {
                const char *semi = memchr(p, ';', (size_t)(e - p) < 48 ? (size_t)(e - p) : 48);

                if (semi && memchr(p, ',', (size_t)(semi - p))) {
                        bool ok = true;

                        for (q = p; q < semi && ok; q++)
                                ok = txt_is_digit(*q) || *q == ',' || *q == '-' || *q == 'c' || *q == '+';
                        if (ok) {
                                p = semi + 1;
                                *had_prefix = true;
                        }
                }
        }
        if (p + 2 < e && *p == '<' && txt_is_digit(p[1])) {
                q = memchr(p, '>', (size_t)(e - p) < 5 ? (size_t)(e - p) : 5);
                if (q) {
                        p = q + 1;
                        *had_prefix = true;
                }
        }
        /* syslog and journalctl: "... host kernel: text" within the first
         * 120 characters */
        k = txt_find(p, e - p > 120 ? p + 120 : e, "kernel:");
        if (k && (memchr(p, '=', (size_t)(k - p)) || txt_find(p, k, "invoked") || txt_find(p, k, "oom")))
                k = NULL;       /* "kernel:" inside the message, not a syslog prefix */
        if (k && (q = txt_skip_prefix(k, e, "kernel: "))) {
                p = q;
                *had_prefix = true;
        } else if (k && txt_skip_prefix(k, e, "kernel:") == e) {
                p = e;
                *had_prefix = true;
        }
        /* one or two bracketed stamps ("[  1.2] [T123] " on newer kernels;
         * "[ 6207.637280]  [3:  Binder:9343_3:22875] " where a vendor's
         * printk adds the CPU, comm and pid) */
        for (int i = 0; i < 2; i++) {
                q = skip_bracket_stamp(p, e);
                if (!q && i > 0) {
                        const char *b = p;

                        skip_blanks(&b, e);
                        if (b > p)
                                q = skip_bracket_stamp(b, e);
                }
                if (!q)
                        break;
                p = q;
                *had_prefix = true;
        }
        if ((caller = txt_skip_prefix(p, e, "[T")) || (caller = txt_skip_prefix(p, e, "[C"))) {
                /* CONFIG_PRINTK_CALLER: "[T1234] " or "[C2] " */
                q = memchr(p, ']', (size_t)(e - p) < 12 ? (size_t)(e - p) : 12);
                if (q) {
                        bool ok = true;

                        for (const char *c = caller; c < q && ok; c++)
                                ok = txt_is_digit(*c);
                        if (ok) {
                                p = q + 1;
                                skip_blanks(&p, e);
                        }
                }
        }
        return p;
}
