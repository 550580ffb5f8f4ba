/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reports a parse hands out, each with its explanation, for the ctl/
 * tests. */
#pragma once

#include <stddef.h>

#include "explain.h"
#include "oomreport-parse.h"

#define MAX_REPORTS 8

typedef struct Collected {
        unsigned n;
        OomReport r[MAX_REPORTS];
        Explanation x[MAX_REPORTS];
} Collected;

/* Parses exactly [text, text + len) (a copy without a terminating NUL, so
 * that a read past the end shows under ASan); asserts the parse succeeded. */
Collected *parse(const char *text, size_t len);

/* text cut every width columns as a terminal or a page shows it, inside
 * words; *ret_len is its length. */
char *wrap_at(const char *text, size_t width, size_t *ret_len);
