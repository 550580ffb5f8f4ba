/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "kernel-parse.h"

/* "avg10=1.23": kernel/sched/psi.c: psi_show() prints %lu.%02lu, 0..100. */
static int take_avg(const char **p, const char *end, const char *label, uint32_t *ret)
{
        uint64_t whole, frac;
        const char *s;

        if (!take_literal(p, end, label))
                return -EINVAL;
        if (take_u64(p, end, 100, &whole) < 0 || !take_literal(p, end, "."))
                return -EINVAL;
        s = *p;
        if (take_u64(p, end, 99, &frac) < 0 || *p - s != 2)
                return -EINVAL;
        if (whole == 100 && frac != 0)
                return -ERANGE;
        *ret = (uint32_t)(whole * 100 + frac);
        return 0;
}

static int parse_psi_line(const char *p, const char *end, PsiLine *ret)
{
        int r;

        skip_blanks(&p, end);
        if ((r = take_avg(&p, end, "avg10=", &ret->avg10)) < 0)
                return r;
        skip_blanks(&p, end);
        if ((r = take_avg(&p, end, "avg60=", &ret->avg60)) < 0)
                return r;
        skip_blanks(&p, end);
        if ((r = take_avg(&p, end, "avg300=", &ret->avg300)) < 0)
                return r;
        skip_blanks(&p, end);
        if (!take_literal(&p, end, "total="))
                return -EINVAL;
        if ((r = take_u64(&p, end, UINT64_MAX, &ret->total_us)) < 0)
                return r;
        return at_end(p, end) ? 0 : -EINVAL;
}

int parse_psi(const char *buf, size_t len, PsiSample *ret, ParseError *err)
{
        bool has_some = false;
        const char *line;
        size_t n;
        LineCursor c;

        memset(ret, 0, sizeof(*ret));
        line_cursor_init(&c, buf, len);
        while (line_next(&c, &line, &n)) {
                const char *p = line, *end = line + n, *w;
                size_t wl;
                PsiLine *dst;
                bool *has;
                int r;

                if (!take_word(&p, end, &w, &wl))
                        continue;
                if (WORD_IS(w, wl, "some")) {
                        dst = &ret->some;
                        has = &has_some;
                } else if (WORD_IS(w, wl, "full")) {
                        dst = &ret->full;
                        has = &ret->has_full;
                } else {
                        parse_error_set(err, c.lineno, w, wl, "expected some or full");
                        return -EINVAL;
                }
                if (*has) {
                        parse_error_set(err, c.lineno, w, wl, "appears twice");
                        return -EINVAL;
                }
                r = parse_psi_line(p, end, dst);
                if (r < 0) {
                        parse_error_set(err, c.lineno, w, wl, "malformed avg10/avg60/avg300/total");
                        return r;
                }
                *has = true;
        }
        if (!has_some) {
                parse_error_set(err, 0, "some", 4, "required line missing");
                return -ENODATA;
        }
        ret->present = true;
        return 0;
}
