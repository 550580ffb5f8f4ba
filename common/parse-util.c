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

const uint8_t parse_byte_class[256] = {
        [' '] = PARSE_BLANK | PARSE_STOP, ['\t'] = PARSE_BLANK | PARSE_STOP, ['\r'] = PARSE_BLANK | PARSE_STOP,
        ['\n'] = PARSE_STOP,
};

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

bool word_is(const char *w, size_t len, const char *lit)
{
        return strlen(lit) == len && memcmp(w, lit, len) == 0;
}
