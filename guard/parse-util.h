/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Bounded scanning helpers for kernel text files. Every helper works on a
 * [p, end) range, never reads past end, and never relies on a NUL. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
/* The next line without its '\n'; false at the end of the buffer. */
bool line_next(LineCursor *c, const char **ret_line, size_t *ret_len);

void skip_blanks(const char **p, const char *end);
/* A run of non-blank characters; false if none. */
bool take_word(const char **p, const char *end, const char **ret_word, size_t *ret_len);
/* Decimal digits only: -EINVAL if none, -ERANGE above max. */
int take_u64(const char **p, const char *end, uint64_t max, uint64_t *ret);
int take_int(const char **p, const char *end, int max, int *ret);
/* Consumes the literal if it is next. */
bool take_literal(const char **p, const char *end, const char *lit);
bool word_is(const char *w, size_t len, const char *lit);
bool at_end(const char *p, const char *end);
