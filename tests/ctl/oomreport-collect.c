/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "oomreport-collect.h"

#include "helpers.h"

#include <stdlib.h>
#include <string.h>

static int collect(const OomReport *r, void *userdata)
{
        Collected *c = userdata;

        if (c->n < MAX_REPORTS) {
                c->r[c->n] = *r;
                explain(r, &c->x[c->n]);
                c->n++;
        }
        return 0;
}

Collected *parse(const char *text, size_t len)
{
        Collected *c = calloc(1, sizeof(*c));
        OomParseStats st;
        char *exact = malloc(len ? len : 1);

        assert_non_null(c);
        memcpy(exact, text, len);
        assert_int_equal(oom_parse_buffer(exact, len, 0, collect, c, &st), 0);
        assert_int_equal(st.reports, c->n);
        free(exact);
        return c;
}

char *wrap_at(const char *text, size_t width, size_t *ret_len)
{
        char *wrapped = malloc(strlen(text) * 2 + 1);
        size_t w = 0, col = 0;

        assert_non_null(wrapped);
        for (const char *s = text; *s; s++) {
                if (*s == '\n')
                        col = 0;
                else if (++col > width) {
                        wrapped[w++] = '\n';
                        col = 1;
                }
                wrapped[w++] = *s;
        }
        wrapped[w] = '\0';
        *ret_len = w;
        return wrapped;
}
