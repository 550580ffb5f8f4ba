/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "parse-util.h"

#include <errno.h>
#include <string.h>

void parse_error_set(ParseError *e, unsigned line, const char *field, size_t field_len, const char *reason)
{
        size_t n;

        if (!e)
                return;
        e->line = line;
        e->reason = reason;
        n = field_len < sizeof(e->field) - 1 ? field_len : sizeof(e->field) - 1;
        if (field)
                memcpy(e->field, field, n);
        else
                n = 0;
        /* Field names come from the input: keep only printable bytes. */
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)e->field[i] < 0x20 || (unsigned char)e->field[i] > 0x7e)
                        e->field[i] = '?';
        e->field[n] = '\0';
}

void line_cursor_init(LineCursor *c, const char *buf, size_t len)
{
        c->p = buf;
        c->end = buf + len;
        c->lineno = 0;
}

bool line_next(LineCursor *c, const char **ret_line, size_t *ret_len)
{
        const char *nl;

        if (c->p >= c->end)
                return false;
        nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
        *ret_line = c->p;
        *ret_len = (size_t)((nl ? nl : c->end) - c->p);
        c->p = nl ? nl + 1 : c->end;
        c->lineno++;
        return true;
}

static bool is_blank(char ch)
{
        return ch == ' ' || ch == '\t' || ch == '\r';
}

void skip_blanks(const char **p, const char *end)
{
        while (*p < end && is_blank(**p))
                (*p)++;
}

bool take_word(const char **p, const char *end, const char **ret_word, size_t *ret_len)
{
        const char *s;

        skip_blanks(p, end);
        s = *p;
        while (*p < end && !is_blank(**p) && **p != '\n')
                (*p)++;
        *ret_word = s;
        *ret_len = (size_t)(*p - s);
        return *ret_len > 0;
}

int take_u64(const char **p, const char *end, uint64_t max, uint64_t *ret)
{
        const char *s = *p;
        uint64_t v = 0;

        if (s >= end || *s < '0' || *s > '9')
                return -EINVAL;
        while (s < end && *s >= '0' && *s <= '9') {
                unsigned d = (unsigned)(*s - '0');

                if (v > (max - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
                s++;
        }
        *p = s;
        *ret = v;
        return 0;
}

int take_int(const char **p, const char *end, int max, int *ret)
{
        bool neg = *p < end && **p == '-';
        const char *s = *p + (neg ? 1 : 0);
        uint64_t v;
        int r;

        r = take_u64(&s, end, (uint64_t)max, &v);
        if (r < 0)
                return r;
        *p = s;
        *ret = neg ? -(int)v : (int)v;
        return 0;
}

bool take_literal(const char **p, const char *end, const char *lit)
{
        size_t n = strlen(lit);

        if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
                return false;
        *p += n;
        return true;
}

bool word_is(const char *w, size_t len, const char *lit)
{
        return strlen(lit) == len && memcmp(w, lit, len) == 0;
}

bool at_end(const char *p, const char *end)
{
        skip_blanks(&p, end);
        return p >= end;
}
