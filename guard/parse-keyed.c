/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "parse-keyed.h"

#include <errno.h>
#include <string.h>

#define MAX_KEYED_FIELDS 64

static const KeyField *find_field(const KeyedFormat *fmt, const char *w, size_t n, size_t *ret_i)
{
        for (size_t i = 0; i < fmt->n_fields; i++)
                if (word_is(w, n, fmt->fields[i].key)) {
                        *ret_i = i;
                        return &fmt->fields[i];
                }
        return NULL;
}

int parse_keyed(const KeyedFormat *fmt, const char *buf, size_t len, void *target, ParseError *err)
{
        bool seen[MAX_KEYED_FIELDS] = { false };
        const char *line;
        size_t n;
        LineCursor c;

        if (fmt->n_fields > MAX_KEYED_FIELDS)
                return -E2BIG;
        line_cursor_init(&c, buf, len);
        while (line_next(&c, &line, &n)) {
                const char *p = line, *end = line + n, *key;
                size_t key_len, i;
                const KeyField *f;
                uint64_t v, *slot;
                int r;

                if (!take_word(&p, end, &key, &key_len))
                        continue;       /* blank line */
                if (fmt->colon) {
                        if (key[key_len - 1] != ':')
                                continue;       /* not ours; a later kernel's format */
                        key_len--;
                }
                f = find_field(fmt, key, key_len, &i);
                if (!f)
                        continue;
                if (seen[i]) {
                        parse_error_set(err, c.lineno, key, key_len, "appears twice");
                        return -EINVAL;
                }
                skip_blanks(&p, end);
                r = take_u64(&p, end, OG_MAX_COUNT, &v);
                if (r < 0) {
                        parse_error_set(err, c.lineno, key, key_len,
                                        r == -ERANGE ? "number out of range" : "not a number");
                        return r;
                }
                skip_blanks(&p, end);
                if (fmt->kb_suffix)
                        (void)take_literal(&p, end, "kB");
                if (!at_end(p, end)) {
                        parse_error_set(err, c.lineno, key, key_len, "trailing text after the number");
                        return -EINVAL;
                }
                slot = (uint64_t *)((char *)target + f->offset);
                if (f->flags & KEY_SUM) {
                        /* the caller zeroed the target; sums stay bounded */
                        if (*slot > OG_MAX_COUNT - v) {
                                parse_error_set(err, c.lineno, key, key_len, "sum out of range");
                                return -ERANGE;
                        }
                        *slot += v;
                } else
                        *slot = v;
                seen[i] = true;
                if (f->has_offset >= 0)
                        *(bool *)((char *)target + f->has_offset) = true;
        }
        for (size_t i = 0; i < fmt->n_fields; i++)
                if ((fmt->fields[i].flags & KEY_REQUIRED) && !seen[i]) {
                        parse_error_set(err, 0, fmt->fields[i].key, strlen(fmt->fields[i].key),
                                        "required field missing");
                        return -ENODATA;
                }
        return 0;
}
