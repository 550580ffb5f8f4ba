/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Bounded scanning helpers for kernel text files. Every helper works on a
 * [p, end) range, never reads past end, and never relies on a NUL. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Counts of pages or kB above this are refused: 2^40 pages is 4 PiB, more
 * than any machine, and keeps every product in the model inside int64. */
#define OG_MAX_COUNT (UINT64_C(1) << 40)

/* Where a parser stopped, for messages like "zoneinfo:12: min: not a number". */
typedef struct ParseError {
        unsigned line;          /* 1-based; 0 when the error is not on one line */
        char field[40];
        const char *reason;     /* static string */
} ParseError;

void parse_error_set(ParseError *e, unsigned line, const char *field, size_t field_len, const char *reason);

typedef struct LineCursor {
        const char *p, *end;
        unsigned lineno;
} LineCursor;

void line_cursor_init(LineCursor *c, const char *buf, size_t len);

/* The scanners below are inline: walking past text we do not need is most
 * of what a sample costs (tests/bench/bench-sample). */

/* Byte classes: one load per byte instead of four comparisons. */
enum { PARSE_BLANK = 1, PARSE_STOP = 2 };
extern const uint8_t parse_byte_class[256];

/* The next line without its '\n'; false at the end of the buffer. */
static inline bool line_next(LineCursor *c, const char **ret_line, size_t *ret_len)
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

static inline void skip_blanks(const char **p, const char *end)
{
        const char *s = *p;

        while (s < end && (parse_byte_class[(unsigned char)*s] & PARSE_BLANK))
                s++;
        *p = s;
}

/* A run of non-blank characters; false if none. */
static inline bool take_word(const char **p, const char *end, const char **ret_word, size_t *ret_len)
{
        const char *s, *e;

        skip_blanks(p, end);
        s = e = *p;
        while (e < end && !(parse_byte_class[(unsigned char)*e] & PARSE_STOP))
                e++;
        *p = e;
        *ret_word = s;
        *ret_len = (size_t)(e - s);
        return *ret_len > 0;
}

/* Decimal digits only: -EINVAL if none, -ERANGE above max. */
static inline int take_u64(const char **p, const char *end, uint64_t max, uint64_t *ret)
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

int take_int(const char **p, const char *end, int max, int *ret);
/* Consumes the literal if it is next. */
static inline bool take_literal(const char **p, const char *end, const char *lit)
{
        size_t n = strlen(lit);

        if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
                return false;
        *p += n;
        return true;
}
bool word_is(const char *w, size_t len, const char *lit);
/* The same for a string literal, without strlen(): the length is known. */
#define WORD_IS(w, len, lit) ((len) == sizeof(lit) - 1 && memcmp((w), (lit), sizeof(lit) - 1) == 0)
static inline bool at_end(const char *p, const char *end)
{
        skip_blanks(&p, end);
        return p >= end;
}
